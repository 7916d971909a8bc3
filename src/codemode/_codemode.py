"""`Codemode`: a set of tools, their stubs and prompt, and the way to run model code against them."""

from __future__ import annotations

import asyncio
import concurrent.futures
import copy
import functools
from collections.abc import Iterable
from types import TracebackType
from typing import Any, Self

from ._errors import RegistrationError
from ._program import parse, precheck, show_line, strip_fences
from ._prompt import render_prompt
from ._result import ExecuteError, ExecuteResult, Limits
from ._stubs import render_stubs
from ._tools import Tool, ToolFunction, as_tool
from .executors._base import EventHandler, Executor, ToolBridge


class Codemode:
    """Tools in, stubs and a prompt out, model code run against the tools.

    >>> async def add(a: int, b: int) -> int:
    ...     '''Add two integers.'''
    ...     return a + b
    >>> cm = Codemode([add])
    >>> cm.execute_sync("async def main():\\n    return await codemode.add(a=1, b=2)").value
    3

    Limits given here are the defaults for every execution; `execute` can override them per call.
    The executor defaults to a new `InProcessExecutor`; pass `SubprocessExecutor()` for isolation.
    """

    def __init__(
        self,
        tools: Iterable[Tool | ToolFunction] = (),
        *,
        executor: Executor | None = None,
        timeout: float | None = 30.0,
        max_tool_calls: int | None = 1000,
        max_log_chars: int = 20_000,
        max_result_chars: int = 100_000,
        memory_mb: int | None = None,
        on_event: EventHandler | None = None,
    ) -> None:
        self._tools: dict[str, Tool] = {}
        self._prechecked: dict[str, ExecuteError | None] = {}
        for item in tools:
            self.add_tool(item)
        if executor is None:
            from .executors import InProcessExecutor

            executor = InProcessExecutor()
        self.executor = executor
        self.limits = Limits(
            timeout=timeout,
            max_tool_calls=max_tool_calls,
            max_log_chars=max_log_chars,
            max_result_chars=max_result_chars,
            memory_mb=memory_mb,
        )
        self.on_event = on_event

    # -- tools --------------------------------------------------------------------------------

    def add_tool(self, item: Tool | ToolFunction) -> Tool:
        """Register a tool (or a plain function). Two tools with one Python name are an error."""
        tool = as_tool(item)
        existing = self._tools.get(tool.python_name)
        if existing is not None:
            raise RegistrationError(
                f"tools {existing.name!r} and {tool.name!r} both become "
                f"codemode.{tool.python_name} in model code; rename one"
            )
        self._tools[tool.python_name] = tool
        self._invalidate()
        return tool

    @property
    def tools(self) -> tuple[Tool, ...]:
        return tuple(self._tools.values())

    def _invalidate(self) -> None:
        self.__dict__.pop("_stubs_text", None)
        self._prechecked = {}

    def _precheck(self, source: str) -> ExecuteError | None:
        """The syntax or pre-check error for `source`, remembered per source."""
        if source in self._prechecked:
            cached: ExecuteError | None = self._prechecked[source]
            return cached
        tree = parse(source)
        if isinstance(tree, ExecuteError):
            problem: ExecuteError | None = tree
        else:
            problem = precheck(tree, self._tools)
            if problem is not None:
                problem = show_line(problem, source)
        if len(self._prechecked) >= 512:
            self._prechecked.pop(next(iter(self._prechecked)))
        self._prechecked[source] = problem
        return problem

    # -- stubs and prompt ---------------------------------------------------------------------

    def stubs(self) -> str:
        """The Python stub module the model reads: one typed `async def` per tool.

        Deterministic: the same tools give byte-identical text, so prompts can be cached.
        """
        text: str | None = self.__dict__.get("_stubs_text")
        if text is None:
            text = render_stubs(self.tools)
            self.__dict__["_stubs_text"] = text
        return text

    def prompt(self) -> str:
        """What the model needs: how to write the program, then the stubs."""
        modules = getattr(self.executor, "allowed_modules", ())
        return render_prompt(self.stubs(), modules)

    # -- running code -------------------------------------------------------------------------

    async def execute(
        self,
        code: str,
        *,
        timeout: float | None = None,
        max_tool_calls: int | None = None,
        max_log_chars: int | None = None,
        max_result_chars: int | None = None,
        memory_mb: int | None = None,
        on_event: EventHandler | None = None,
    ) -> ExecuteResult:
        """Run model code against the tools and return the outcome. Never raises for what the
        code or the tools do.

        Async tools run on the caller's event loop, so loop-bound clients work as tools.
        """
        limits = self.limits  # the same object for every run that overrides nothing
        overrides = (timeout, max_tool_calls, max_log_chars, max_result_chars, memory_mb)
        if overrides != (None, None, None, None, None):
            limits = limits.replace(
                timeout=timeout,
                max_tool_calls=max_tool_calls,
                max_log_chars=max_log_chars,
                max_result_chars=max_result_chars,
                memory_mb=memory_mb,
            )
        bridge = ToolBridge(self._tools, limits, on_event or self.on_event)
        source = strip_fences(code) if isinstance(code, str) else ""
        if not isinstance(code, str):
            return bridge.finish(error=_not_code(code))
        problem = (
            None if getattr(self.executor, "checks_tool_uses", False) else self._precheck(source)
        )
        if problem is not None:
            return bridge.finish(error=problem)
        try:
            return await self.executor.execute(source, bridge, limits)
        except Exception as exc:  # an executor broke its contract: still no raise to the caller
            return bridge.finish(
                error=ExecuteError(
                    type="crash", message=f"the executor failed: {type(exc).__name__}: {exc}"
                )
            )

    def execute_sync(self, code: str, **options: Any) -> ExecuteResult:
        """`execute` for synchronous callers. Works inside a running event loop too (Jupyter):
        the code then runs on a private loop in a helper thread, so async tools bound to the
        caller's loop are not usable there."""
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return asyncio.run(self.execute(code, **options))
        with concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="codemode") as pool:
            run = functools.partial(asyncio.run, self.execute(code, **options))
            return pool.submit(run).result()

    def with_executor(self, executor: Executor) -> Codemode:
        """The same tools, limits and `on_event`, run by `executor` (this one is unchanged)."""
        other = copy.copy(self)
        other._tools = dict(self._tools)
        other._prechecked = {}
        other.executor = executor
        return other

    async def aclose(self) -> None:
        """Close the executor (worker processes, if any)."""
        await self.executor.aclose()

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
        names = ", ".join(self._tools)
        return f"Codemode(tools=[{names}], executor={type(self.executor).__name__})"

    def _repr_html_(self) -> str:
        from .adapters.jupyter import codemode_html  # rich display in notebooks, loaded on use

        return codemode_html(self)

    def _repr_markdown_(self) -> str:
        from .adapters.jupyter import codemode_markdown

        return codemode_markdown(self)


def _not_code(value: Any) -> ExecuteError:
    return ExecuteError(type="syntax", message=f"code must be a string, got {type(value).__name__}")
