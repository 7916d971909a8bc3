"""Jupyter: the `%%codemode` cell magic (`%load_ext codemode`).

The rich display of results and stubs lives in core (`codemode._display`, used by
`ExecuteResult._repr_html_` and `Codemode._repr_html_`); its functions are re-exported here.
Importing this module imports no IPython.

    %load_ext codemode

    %%codemode tools [--executor subprocess] [--timeout 5] [--ask]
    weather = await codemode.get_weather(city="Paris")
    weather["temperature"]

`tools` names a `Codemode`, or a list of functions or tools, in the notebook's namespace; the cell is
run as model code and its `ExecuteResult` is the cell's value. The cell runs on the kernel's event
loop, so async tools bound to it (an MCP session opened in an earlier cell) work. The cells that
name the same `tools` share one session for the notebook: `weather` above is there for the next
cell (`--fresh` runs a cell on its own, `--reset` starts the session over).

A call that waits for approval: with `--ask` the magic asks in the notebook (`input()`: `y`
approves, anything else rejects, with what was typed as the reason); without it the paused result
shows the calls that wait with their ids, for `cm.resume(result, approve=[...])`.
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import dataclasses
import re
import shlex
from collections.abc import Callable, Coroutine, Iterable
from typing import TYPE_CHECKING, Any, NoReturn

from .._display import (
    codemode_html,
    codemode_markdown,
    result_html,
    result_markdown,
    stubs_html,
    stubs_markdown,
)
from .._result import ExecuteResult

if TYPE_CHECKING:
    from .._codemode import Codemode
    from .._session import Session
    from ..executors import Executor

__all__ = [
    "ask",
    "codemode_html",
    "codemode_markdown",
    "load_ipython_extension",
    "result_html",
    "result_markdown",
    "stubs_html",
    "stubs_markdown",
    "unload_ipython_extension",
]

# -- the %%codemode cell magic ------------------------------------------------------------------

MAGIC = "codemode"


class _ArgumentParser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise ValueError(message)  # argparse would print and exit; the shell shows this instead


def _parser() -> argparse.ArgumentParser:
    parser = _ArgumentParser(
        prog="%%codemode",
        description="Run the cell as model code against the tools and show the ExecuteResult.",
        exit_on_error=False,
        add_help=False,
    )
    parser.add_argument("tools", help="a Codemode, or a list of functions or tools, by name")
    parser.add_argument("--executor", choices=["inprocess", "subprocess"], default=None)
    parser.add_argument("--timeout", type=float, default=None, help="seconds")
    parser.add_argument("--fresh", action="store_true", help="run outside the notebook's session")
    parser.add_argument("--reset", action="store_true", help="start the session over first")
    parser.add_argument(
        "--ask", action="store_true", help="ask with input() about calls that wait for approval"
    )
    return parser


@dataclasses.dataclass
class _Cell:
    cm: Codemode
    timeout: float | None
    owned: Executor | None  # an executor made for this cell, closed after it
    ask: bool = False  # ask about calls that wait for approval with input()
    session: Session | None = None  # the notebook's, shared by the cells that name these tools
    reset: bool = False


@dataclasses.dataclass
class _Shared:
    """A notebook's session for one `TOOLS [--executor]`: kept while TOOLS names the same
    object, so a cell sees what earlier cells defined."""

    target: Any
    session: Session
    owned: Executor | None


# id(user namespace) -> (TOOLS, executor) -> the session those cells share
_NOTEBOOK_SESSIONS: dict[int, dict[tuple[str, str | None], _Shared]] = {}


def _prepare(line: str, namespace: dict[str, Any]) -> _Cell:
    from IPython.core.error import UsageError

    try:
        args = _parser().parse_args(shlex.split(line))
    except (argparse.ArgumentError, ValueError) as exc:
        raise UsageError(
            f"%%codemode: {exc}\nusage: %%codemode TOOLS [--executor subprocess] [--timeout 5] "
            "[--fresh] [--reset] [--ask]"
        ) from None
    target = _lookup(args.tools, namespace)
    if not args.fresh:
        shared = _NOTEBOOK_SESSIONS.setdefault(id(namespace), {})
        key = (args.tools, args.executor)
        entry = shared.get(key)
        if entry is None or entry.target is not target or entry.session.closed:
            if entry is not None:  # TOOLS now names something else: its session ends
                _end(entry)
            cm = _codemode_for(args.tools, target, _executor(args.executor))
            session = cm.session(idle_timeout=None, max_lifetime=None)  # as long as the kernel
            entry = shared[key] = _Shared(target, session, cm.executor if args.executor else None)
        return _Cell(entry.session.cm, args.timeout, None, args.ask, entry.session, args.reset)
    owned = _executor(args.executor)
    cm = _codemode_for(args.tools, target, owned)
    return _Cell(cm=cm, timeout=args.timeout, owned=owned, ask=args.ask)


def _end(entry: _Shared) -> None:
    entry.session.close()
    if entry.owned is None:
        return
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        asyncio.run(entry.owned.aclose())
        return
    task = loop.create_task(entry.owned.aclose())
    _CLOSING.add(task)
    task.add_done_callback(_CLOSING.discard)


_CLOSING: set[asyncio.Task[None]] = set()


def _codemode_for(name: str, target: Any, owned: Executor | None) -> Codemode:
    from IPython.core.error import UsageError

    from .._codemode import Codemode

    if isinstance(target, Codemode):
        cm = target
        if owned is not None:  # the same tools and limits on the executor asked for
            cm = target.with_executor(owned)
    else:
        items = [target] if callable(target) else target
        if isinstance(items, str | bytes) or not isinstance(items, Iterable):
            raise UsageError(
                f"%%codemode: {name} is a {type(target).__name__}; expected a Codemode, "
                "or a list of functions or tools"
            )
        # A cell's program is the notebook user's own code: in-process unless --executor says so.
        cm = Codemode(items, executor=owned if owned is not None else _in_process())
    return cm


def _lookup(name: str, namespace: dict[str, Any]) -> Any:
    from IPython.core.error import UsageError

    first, *rest = name.split(".")
    if first not in namespace:
        raise UsageError(f"%%codemode: no variable named {first!r} in the notebook")
    value = namespace[first]
    for part in rest:
        try:
            value = getattr(value, part)
        except AttributeError:
            raise UsageError(f"%%codemode: {name!r}: no attribute {part!r}") from None
    return value


def _in_process() -> Executor:
    from ..executors import InProcessExecutor

    return InProcessExecutor()


def _executor(name: str | None) -> Executor | None:
    from IPython.core.error import UsageError

    if name is None:
        return None
    from .. import executors

    if name == "inprocess":
        return executors.InProcessExecutor()
    factory: Callable[[], Executor] | None = getattr(executors, "SubprocessExecutor", None)
    if factory is None:
        raise UsageError(
            "%%codemode --executor subprocess: this version of codemode has no "
            "codemode.executors.SubprocessExecutor; run without --executor"
        )
    return factory()


async def _execute(cell: _Cell, code: str) -> ExecuteResult:
    if cell.session is not None:
        if cell.reset:
            await cell.session.reset()
        result = await cell.session.execute(code, timeout=cell.timeout)
        while cell.ask and result.pending:  # a resumed run replays outside the session
            approve, reject = ask(result)
            result = await cell.cm.resume(
                result, approve=approve, reject=reject, timeout=cell.timeout
            )
        return _with_source_line(result, code)
    try:
        result = await cell.cm.execute(code, timeout=cell.timeout)
        while cell.ask and result.pending:
            approve, reject = ask(result)
            result = await cell.cm.resume(
                result, approve=approve, reject=reject, timeout=cell.timeout
            )
    finally:
        if cell.owned is not None:
            await cell.owned.aclose()
    return _with_source_line(result, code)


def ask(
    result: ExecuteResult, read: Callable[[str], str] | None = None
) -> tuple[list[str], dict[str, str]]:
    """Ask about each call `result` waits on (`input()` by default): `y` or `yes` approves,
    anything else rejects, and what was typed (if more than `n`) is the reason."""
    read = read or input  # looked up now: the kernel puts its own input() in builtins
    approve: list[str] = []
    reject: dict[str, str] = {}
    for call in result.pending:
        answer = read(f"approve {call.describe()}? [y/N or a reason] ").strip()
        if answer.lower() in ("y", "yes"):
            approve.append(call.id)
        else:
            reject[call.id] = answer if answer.lower() not in ("", "n", "no") else "rejected"
    return approve, reject


def _with_source_line(result: ExecuteResult, code: str) -> ExecuteResult:
    """Errors found before the code runs carry a line but no traceback; give them the line's
    text, as the executor does for its own errors, so the failing line shows."""
    error = result.error
    if error is None or error.line is None or error.traceback:
        return result
    lines = code.splitlines()
    if not 0 < error.line <= len(lines):
        return result
    trace = f"  line {error.line}: {lines[error.line - 1].strip()}"
    return dataclasses.replace(result, error=dataclasses.replace(error, traceback=trace))


async def run_cell_async(line: str, cell: str) -> ExecuteResult:
    """What an `%%codemode` cell becomes when the shell can await it on its own event loop."""
    from IPython import get_ipython

    shell = get_ipython()
    namespace: dict[str, Any] = shell.user_ns if shell is not None else {}
    return await _execute(_prepare(line, namespace), cell)


def _await_transform(shell: Any) -> Callable[[list[str]], list[str]]:
    """A cleanup transform that turns `%%codemode ...` cells into `await run_cell_async(...)`.

    IPython magics are synchronous; awaiting the execution instead lets the kernel run it on its
    own event loop, where the notebook's async clients live. Used only where the shell awaits top
    level code on asyncio (autoawait on, the asyncio runner); elsewhere the plain magic runs.
    """

    def transform(lines: list[str]) -> list[str]:
        if not lines or not re.match(rf"%%{MAGIC}(\s|$)", lines[0]) or not _can_await(shell):
            return lines
        line = lines[0][len(MAGIC) + 2 :].strip()
        body = "".join(lines[1:])
        call = f"__import__({__name__!r}, fromlist=['_']).run_cell_async({line!r}, {body!r})"
        return [f"await {call}\n"]

    # IPython skips transforms with side effects when it only checks whether input is complete,
    # so the terminal still sees a cell magic there and waits for the closing blank line.
    transform.has_side_effects = True  # type: ignore[attr-defined]
    return transform


def _can_await(shell: Any) -> bool:
    try:
        from IPython.core.interactiveshell import _asyncio_runner  # type: ignore[attr-defined]
    except ImportError:  # pragma: no cover - older IPython
        return False
    return bool(getattr(shell, "autoawait", False)) and shell.loop_runner is _asyncio_runner


def _cell_magic(shell: Any) -> Callable[[str, str | None], ExecuteResult]:
    def codemode(line: str, cell: str | None = None) -> ExecuteResult:
        """%%codemode TOOLS [--executor subprocess] [--timeout SECONDS] [--fresh] [--reset] [--ask]

        Run the cell as model code against TOOLS (a Codemode, or a list of functions or tools in
        the notebook's namespace) and show the ExecuteResult. Cells naming the same TOOLS share
        one session: a cell sees what earlier cells defined at top level. `--fresh` runs the
        cell on its own; `--reset` starts the session over.
        """
        prepared = _prepare(line, shell.user_ns)
        return _run_sync(_execute(prepared, cell or ""))

    return codemode


def _run_sync(coro: Coroutine[Any, Any, ExecuteResult]) -> ExecuteResult:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    # inside a running loop that cannot be awaited here: a private loop in a helper thread
    with concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="codemode") as pool:
        return pool.submit(asyncio.run, coro).result()


_INSTALLED: dict[int, Callable[[list[str]], list[str]]] = {}


def load_ipython_extension(shell: Any) -> None:
    """`%load_ext codemode`: register `%%codemode`."""
    shell.register_magic_function(_cell_magic(shell), magic_kind="cell", magic_name=MAGIC)
    if id(shell) not in _INSTALLED:
        transform = _await_transform(shell)
        shell.input_transformers_cleanup.append(transform)
        _INSTALLED[id(shell)] = transform


def unload_ipython_extension(shell: Any) -> None:
    transform = _INSTALLED.pop(id(shell), None)
    if transform is not None and transform in shell.input_transformers_cleanup:
        shell.input_transformers_cleanup.remove(transform)
    shell.magics_manager.magics["cell"].pop(MAGIC, None)
