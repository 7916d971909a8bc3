"""`Session`: runs of model code that keep state, for a conversation.

What a program binds at top level (variables, functions, classes, imports) is there for the next
program run in the same session. The executor keeps the state (see `ExecutorSession`); this module
adds what every executor's sessions share: runs one at a time, an idle timeout and a maximum
lifetime after which the session lets go of its state, and the notes that tell the model when its
state is gone.
"""

from __future__ import annotations

import ast
import asyncio
import concurrent.futures
import contextlib
import threading
import time
from collections.abc import Awaitable
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

from ._program import parse, strip_fences
from ._result import ExecuteResult
from ._typecheck import Diagnostic

if TYPE_CHECKING:
    from ._codemode import Codemode
    from .executors._base import ExecutorSession


class Session:
    """Runs that share a namespace. Made by `Codemode.session()`.

    >>> async with cm.session() as session:  # doctest: +SKIP
    ...     await session.execute("rows = await codemode.search(query='x')")
    ...     result = await session.execute("len(rows)")

    Runs are serialised: a second `execute` waits for the first. After `idle_timeout` seconds
    without a run, or `max_lifetime` seconds after it started, the session lets go of its state
    (and of its worker, on the subprocess executor); the next run starts clean and its logs say
    why. `reset()` starts over now; `aclose()` (or `close()`) releases the session, after which
    `execute` raises.
    """

    def __init__(
        self,
        cm: Codemode,
        *,
        idle_timeout: float | None = 600.0,
        max_lifetime: float | None = 3600.0,
    ) -> None:
        for name, value in (("idle_timeout", idle_timeout), ("max_lifetime", max_lifetime)):
            if value is not None and not value > 0:
                raise ValueError(f"{name} must be a positive number of seconds or None")
        self.cm = cm
        self.idle_timeout = idle_timeout
        self.max_lifetime = max_lifetime
        self._inner: ExecutorSession | None = cm.executor.session()
        self._lock = asyncio.Lock()
        self._sync_lock = threading.Lock()  # sync callers run on loops of their own
        self._closed = False
        self._started = self._used = time.monotonic()
        self._lost: str | None = None  # why the state was let go, for the next run's logs
        self._names: set[str] = set()  # bound by earlier runs: the type check takes them as Any
        self._timer: asyncio.TimerHandle | None = None
        self.runs = 0

    @property
    def closed(self) -> bool:
        return self._closed

    def prompt(self) -> str:
        """The prompt for a model whose programs run in this session."""
        return self.cm.prompt(session=True)

    def check(self, code: str) -> list[Diagnostic]:
        """`Codemode.check` for this session: names earlier runs bound are known (as `Any`)."""
        return self.cm._check(code, tuple(sorted(self._names)))

    async def execute(self, code: str, **options: Any) -> ExecuteResult:
        """Run `code` in the session, like `Codemode.execute` (same options). Never raises for
        what the code does; raises `RuntimeError` after `aclose()`."""
        async with self._lock:
            if self._closed:
                raise RuntimeError("this session is closed")
            self._cancel_timer()
            reason = self._due(time.monotonic())
            if reason is not None:
                await self._let_go(reason)
            notes = []
            if self._lost is not None:
                notes.append(self._lost)
                self._lost = None
            if self._inner is None:
                self._inner = self.cm.executor.session()
                self._started = time.monotonic()
            inner = self._inner
            generation = inner.generation
            try:
                result = await self.cm._execute(
                    code, inner.execute, names=tuple(sorted(self._names)), notes=notes, **options
                )
            finally:
                self._used = time.monotonic()
                self.runs += 1
                self._arm_timer()
            if inner.generation != generation:
                self._names.clear()  # the executor lost the state (and said so in the logs)
            if result.error is None or result.error.type not in ("syntax", "validation"):
                self._names |= _top_level_names(code)
            return result

    async def reset(self) -> None:
        """Forget every name: the next run starts clean."""
        async with self._lock:
            self._names.clear()
            self._lost = None
            if self._inner is not None:
                await self._inner.reset()

    async def aclose(self) -> None:
        """Release the session (its worker, on the subprocess executor). Idempotent."""
        if self._closed:
            return
        self._closed = True
        self._cancel_timer()
        inner, self._inner = self._inner, None
        self._names.clear()
        if inner is not None:
            await inner.aclose()

    def execute_sync(self, code: str, **options: Any) -> ExecuteResult:
        """`execute` for synchronous callers, like `Codemode.execute_sync` (inside a running
        event loop the run goes to a private loop in a helper thread). Calls from several
        threads take turns."""
        with self._sync_lock:
            try:
                asyncio.get_running_loop()
            except RuntimeError:
                return asyncio.run(self.execute(code, **options))
            with concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="codemode") as pool:
                return pool.submit(asyncio.run, self.execute(code, **options)).result()

    def close(self) -> None:
        """`aclose()` for synchronous callers: closed at once; what the executor holds is
        released now, or on the running loop soon."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            asyncio.run(self.aclose())
            return
        if self._closed:
            return
        self._closed = True
        self._cancel_timer()
        inner, self._inner = self._inner, None
        self._names.clear()
        if inner is not None:
            task = loop.create_task(inner.aclose())
            _PENDING.add(task)
            task.add_done_callback(_PENDING.discard)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    def __repr__(self) -> str:
        state = "closed" if self._closed else f"{self.runs} runs, {len(self._names)} names"
        return f"<codemode Session ({state}) on {type(self.cm.executor).__name__}>"

    # -- limits ------------------------------------------------------------------------------

    def _due(self, now: float) -> str | None:
        """Why the state should be let go at `now`, or None."""
        if self._inner is None:
            return None
        if self.idle_timeout is not None and now - self._used >= self.idle_timeout:
            return f"it was idle for more than {self.idle_timeout:g} s"
        if self.max_lifetime is not None and now - self._started >= self.max_lifetime:
            return f"it reached its maximum lifetime of {self.max_lifetime:g} s"
        return None

    def _let_go(self, reason: str) -> Awaitable[None]:
        """Drop the state (closing the executor's session); the next run starts clean."""
        inner, self._inner = self._inner, None
        self._names.clear()
        self._lost = f"the session expired ({reason}): names from earlier runs are gone"
        return inner.aclose() if inner is not None else asyncio.sleep(0)

    def _arm_timer(self) -> None:
        """Let go of the state when it falls due even if no run comes to notice."""
        now = time.monotonic()
        deadlines = []
        if self.idle_timeout is not None:
            deadlines.append(self._used + self.idle_timeout)
        if self.max_lifetime is not None:
            deadlines.append(self._started + self.max_lifetime)
        if not deadlines or self._closed:
            return
        loop = asyncio.get_running_loop()
        self._timer = loop.call_later(max(min(deadlines) - now, 0.0), self._on_timer)

    def _on_timer(self) -> None:
        self._timer = None
        if self._closed or self._lock.locked():
            return  # a run is on: it checks when it starts and re-arms when it ends
        reason = self._due(time.monotonic())
        if reason is not None:
            with contextlib.suppress(RuntimeError):  # the loop is closing
                task = asyncio.ensure_future(self._let_go(reason))
                _PENDING.add(task)
                task.add_done_callback(_PENDING.discard)

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None


_SCOPES = (ast.Lambda, ast.GeneratorExp, ast.ListComp, ast.SetComp, ast.DictComp)
_PENDING: set[asyncio.Task[None]] = set()  # closes under way, kept from the garbage collector


def _top_level_names(code: str) -> set[str]:
    """The names a program binds outside any function or class body."""
    tree = parse(strip_fences(code))
    if not isinstance(tree, ast.Module):
        return set()
    names: set[str] = set()
    stack: list[ast.AST] = list(tree.body)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
            continue
        if isinstance(node, ast.Import | ast.ImportFrom):
            for alias in node.names:
                names.add((alias.asname or alias.name).partition(".")[0])
            continue
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            names.add(node.id)
        elif isinstance(node, _SCOPES):  # their names are their own (walrus aside)
            continue
        stack.extend(ast.iter_child_nodes(node))
    return {name for name in names if not name.startswith("_")}
