"""`Codemode`: a set of tools, their stubs and prompt, and the way to run model code against them."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextvars
import copy
import functools
import logging
import sys
from collections.abc import Awaitable, Callable, Coroutine, Iterable, Mapping
from types import TracebackType
from typing import Any, Self

from . import _telemetry as telemetry
from ._approvals import ApprovalCallback, Journal, Reject, decide, fingerprint, load_checkpoint
from ._discovery import (
    DISCOVERY_MODES,
    DiscoveryMode,
    Embed,
    ToolIndex,
    builtin_tools,
    estimate_tokens,
    render_discovery_prompt,
)
from ._errors import RegistrationError
from ._program import parse, precheck, show_line, strip_fences
from ._prompt import render_prompt, with_session_note
from ._result import ExecuteError, ExecuteResult, Limits
from ._session import Session
from ._stubs import render_stubs
from ._tools import Tool, ToolFunction, as_tool
from ._typecheck import (
    Diagnostic,
    TypeChecker,
    TypeCheckUnavailable,
    find_checker,
    validation_error,
)
from .executors._base import CheckOutputs, EventHandler, Executor, ToolBridge

log = logging.getLogger("codemode")


class Codemode:
    """Tools in, stubs and a prompt out, model code run against the tools.

    >>> async def add(a: int, b: int) -> int:
    ...     '''Add two integers.'''
    ...     return a + b
    >>> cm = Codemode([add])
    >>> cm.execute_sync("async def main():\\n    return await codemode.add(a=1, b=2)").value
    3

    Limits given here are the defaults for every execution; `execute` can override them per call.
    `check_outputs` checks every tool result against the tool's output schema (its return
    annotation): `"warn"` (the default) traces the call with a warning and logs it for the model,
    `"error"` raises `ToolError` in the program, `"off"` passes results through unchecked.
    `typecheck=True` type-checks every program against the stubs (with ty, the `typecheck` extra)
    before it runs: what the checker finds comes back as a `validation` error and nothing runs.
    The executor defaults to `default_executor()`: a `SubprocessExecutor` (a fresh isolated process
    per run) on Linux, an `InProcessExecutor` elsewhere. Pass `InProcessExecutor()` for trusted
    code that needs its speed.

    `approve` decides calls to tools with `requires_approval` as they come (sync or async; it
    gets the `PendingCall` and returns True, False, `Reject(reason)`, or None to pause the run
    and leave the decision to `resume`).

    With many tools the stubs no longer fit a prompt. `discovery` decides: `"off"` puts every
    stub in the prompt; `"search"` gives a short prompt instead, and model code finds tools with
    `await codemode.search_tools("...")` and `await codemode.describe(name)`; `"auto"` (the
    default) is `"off"` while the stubs fit `discovery_budget` tokens (characters / 4) and
    `"search"` beyond. `discovery_embed` adds the application's own embeddings to the ranking.
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
        approve: ApprovalCallback | None = None,
        discovery: DiscoveryMode = "auto",
        discovery_budget: int = 10_000,
        discovery_embed: Embed | None = None,
        check_outputs: CheckOutputs = "warn",
        typecheck: bool = False,
    ) -> None:
        if check_outputs not in ("error", "warn", "off"):
            raise ValueError(
                f"check_outputs must be 'error', 'warn' or 'off', not {check_outputs!r}"
            )
        self.check_outputs: CheckOutputs = check_outputs
        self.typecheck = typecheck
        if typecheck:
            find_checker()  # not installed: say so now, not at the first run
        self._checker: TypeChecker | None = None
        self._checked: dict[tuple[str, tuple[str, ...]], list[Diagnostic]] = {}
        self._tools: dict[str, Tool] = {}
        self.discovery = discovery
        self.discovery_budget = discovery_budget
        self.discovery_embed = discovery_embed
        self._prechecked: dict[str, ExecuteError | None] = {}
        self._guarded = False  # whether a tool requires approval
        for item in tools:
            self.add_tool(item)
        if executor is None:
            from .executors import default_executor

            executor = default_executor()
        self.executor = executor
        self.limits = Limits(
            timeout=timeout,
            max_tool_calls=max_tool_calls,
            max_log_chars=max_log_chars,
            max_result_chars=max_result_chars,
            memory_mb=memory_mb,
        )
        self.on_event = on_event
        self.approve = approve

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
        self.__dict__.pop("_discovery", None)
        self._prechecked = {}
        self._guarded = any(tool.requires_approval is not False for tool in self._tools.values())
        self._checked = {}
        checker = self.__dict__.get("_checker")
        if checker is not None:
            checker.close()
            self._checker = None

    # -- discovery ------------------------------------------------------------------------------

    @property
    def discovery(self) -> DiscoveryMode:
        """`"off"`, `"search"` or `"auto"`; see the class docstring."""
        return self._discovery_mode

    @discovery.setter
    def discovery(self, mode: DiscoveryMode) -> None:
        if mode not in DISCOVERY_MODES:
            raise ValueError(
                f"discovery must be one of {', '.join(map(repr, DISCOVERY_MODES))}, got {mode!r}"
            )
        self._discovery_mode: DiscoveryMode = mode
        self._invalidate()

    @property
    def discovery_budget(self) -> int:
        """Tokens (characters / 4) the stubs may take before `"auto"` switches to search."""
        return self._discovery_budget

    @discovery_budget.setter
    def discovery_budget(self, tokens: int) -> None:
        if type(tokens) is not int or tokens <= 0:
            raise ValueError(f"discovery_budget must be a positive int, got {tokens!r}")
        self._discovery_budget = tokens
        self._invalidate()

    @property
    def discovery_embed(self) -> Embed | None:
        """The application's embedding function fused into the ranking, if any."""
        return self._discovery_embed

    @discovery_embed.setter
    def discovery_embed(self, embed: Embed | None) -> None:
        if embed is not None and not callable(embed):
            raise ValueError("discovery_embed must be a callable: list of texts -> vectors")
        self._discovery_embed = embed
        self._invalidate()

    @property
    def discovering(self) -> bool:
        """Whether the prompt is the discovery prompt and model code has `search_tools` and
        `describe`: always with `discovery="search"`, with `"auto"` once the stubs are over
        `discovery_budget` tokens."""
        if self.discovery != "auto":
            return self.discovery == "search"
        state = self._discovery_state()
        if state.get("over_budget") is None:
            state["over_budget"] = self._stubs_over_budget()
        return bool(state["over_budget"])

    def _stubs_over_budget(self) -> bool:
        # A cheap lower bound first: stubs are well over half the size of the JSON schemas
        # they come from, so a registry far over the budget is not rendered just to count.
        rough = sum(len(t.description) + len(repr(t.input_schema)) for t in self._tools.values())
        if (rough // 2 + 3) // 4 > self.discovery_budget:
            return True
        return estimate_tokens(self.stubs()) > self.discovery_budget

    def _discovery_state(self) -> dict[str, Any]:
        state: dict[str, Any] | None = self.__dict__.get("_discovery")
        if state is None:
            state = self.__dict__["_discovery"] = {}
        return state

    def _index(self) -> ToolIndex:
        state = self._discovery_state()
        index: ToolIndex | None = state.get("index")
        if index is None:
            index = state["index"] = ToolIndex(self.tools, embed=self.discovery_embed)
        return index

    def search_tools(self, query: str, limit: int = 5) -> list[Tool]:
        """The registered tools that best match `query`, best first (at most `limit`): the
        ranking model code gets from `codemode.search_tools`, for frameworks that pick tools
        themselves.

        >>> async def refund_order(order_id: str) -> None:
        ...     '''Refund an order.'''
        >>> [t.name for t in Codemode([refund_order]).search_tools("refund the order")]
        ['refund_order']
        """
        if not isinstance(query, str):
            raise TypeError(f"query must be a str, got {type(query).__name__}")
        if type(limit) is not int or limit < 0:
            raise ValueError(f"limit must be a non-negative int, got {limit!r}")
        return self._index().search(query, limit)

    def _lookup(self, name: str) -> Tool | None:
        """The tool model code calls `name` (the built-ins included), or registered as `name`."""
        tool = self._callable_tools().get(name)
        if tool is None:
            tool = next((t for t in self._tools.values() if t.name == name), None)
        return tool

    def _callable_tools(self) -> dict[str, Tool]:
        """What model code may call: the tools, and in discovery mode the two built-ins."""
        if not self.discovering:
            return self._tools
        state = self._discovery_state()
        table: dict[str, Tool] | None = state.get("table")
        if table is None:
            builtins = builtin_tools(self.search_tools, self._lookup)
            table = state["table"] = {**self._tools, **builtins}
        return table

    def _precheck(self, source: str) -> ExecuteError | None:
        """The syntax or pre-check error for `source`, remembered per source."""
        if source in self._prechecked:
            cached: ExecuteError | None = self._prechecked[source]
            return cached
        tree = parse(source)
        if isinstance(tree, ExecuteError):
            problem: ExecuteError | None = tree
        else:
            problem = precheck(tree, self._callable_tools())
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

    def prompt(self, *, session: bool = False) -> str:
        """What the model needs: how to write the program, then the stubs; in discovery mode
        how to find the tools from the program, and the tool groups (see `discovering`).
        `session=True` tells the model that what its programs define stays for the next one
        (see `session()`)."""
        modules = getattr(self.executor, "allowed_modules", ())
        if self.discovering:
            text = render_discovery_prompt(self.tools, modules, self.discovery_budget)
            return with_session_note(text) if session else text
        return render_prompt(self.stubs(), modules, session=session)

    def session(
        self, *, idle_timeout: float | None = 600.0, max_lifetime: float | None = 3600.0
    ) -> Session:
        """A `Session`: runs whose top-level names (variables, functions, classes, imports)
        stay for the next run. Use it as `async with cm.session() as s:`, or keep it and
        `await s.aclose()` when done. Raises `NotImplementedError` for an executor without
        sessions.

        After `idle_timeout` seconds without a run, or `max_lifetime` seconds, the session lets
        go of its state; its next run starts clean and says so in its logs.
        """
        return Session(self, idle_timeout=idle_timeout, max_lifetime=max_lifetime)

    # -- the type check -----------------------------------------------------------------------

    def check(self, code: str) -> list[Diagnostic]:
        """Type-check model code against the stubs, without running it: the problems found, in
        the order of their lines (empty when there are none). Needs the `typecheck` extra.

        >>> cm.check("w = await codemode.get_weather(city=1)")  # doctest: +SKIP
        [Diagnostic(line=1, column=37, rule='invalid-argument-type', message='...')]
        """
        return self._check(code)

    def _check(self, code: str, names: tuple[str, ...] = ()) -> list[Diagnostic]:
        source = strip_fences(code)
        problem = parse(source)
        if isinstance(problem, ExecuteError):
            return [Diagnostic(problem.line or 1, problem.column or 1, "syntax", problem.message)]
        return self._type_checker().check(source, names)

    def _type_checker(self) -> TypeChecker:
        if self._checker is None:
            # in discovery mode the program may call the built-ins too: they are in the stubs
            stubs = (
                render_stubs(list(self._callable_tools().values())) if self.discovering else None
            )
            self._checker = TypeChecker(stubs or self.stubs())
        return self._checker

    async def _typecheck_error(
        self, source: str, bridge: ToolBridge, names: tuple[str, ...] = ()
    ) -> ExecuteError | None:
        """The `validation` error for a program the type check rejects, or None."""
        if isinstance(parse(source), ExecuteError):
            return None  # the executor reports the syntax error as usual
        key = (source, names)
        found = self._checked.get(key)
        if found is None:
            try:
                found = await self._type_checker().acheck(source, names)
            except Exception as exc:  # ty could not run: the program runs unchecked, and says so
                text = str(exc) if isinstance(exc, TypeCheckUnavailable) else repr(exc)
                bridge.log("system", f"type check skipped: {text}")
                return None
            if len(self._checked) >= 256:
                self._checked.pop(next(iter(self._checked)))
            self._checked[key] = found
        return validation_error(found, source) if found else None

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
        return await self._execute(
            code,
            self.executor.execute,
            timeout=timeout,
            max_tool_calls=max_tool_calls,
            max_log_chars=max_log_chars,
            max_result_chars=max_result_chars,
            memory_mb=memory_mb,
            on_event=on_event,
        )

    async def _execute(
        self,
        code: str,
        runner: Callable[[str, ToolBridge, Limits], Awaitable[ExecuteResult]],
        *,
        names: tuple[str, ...] = (),
        notes: Iterable[str] = (),
        timeout: float | None = None,
        max_tool_calls: int | None = None,
        max_log_chars: int | None = None,
        max_result_chars: int | None = None,
        memory_mb: int | None = None,
        on_event: EventHandler | None = None,
    ) -> ExecuteResult:
        """`execute` with `runner` (an executor's or a session's) running the code; `names`
        bound by earlier runs of a session, `notes` logged first (why a session starts clean)."""
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
        handler = on_event or self.on_event
        resumed = _RESUMED.get()
        journal: Journal | None = None
        inline = self.approve is not None
        if resumed is not None:  # `resume` (or an inline decision) runs this program again
            _RESUMED.set(None)  # for this run only: a tool's own `execute` must not take it
            journal, inline = resumed
        elif self._guarded and isinstance(code, str):  # a call may wait: journal the run
            stripped = strip_fences(code)
            journal = Journal(
                code=stripped, fingerprint=fingerprint(stripped, self._tools.values())
            )
        tools = self._callable_tools()
        active = telemetry.tracer()  # None unless an OpenTelemetry provider is configured
        run = (
            None
            if active is None
            else telemetry.Run(
                active, self.executor, code, tools, limits, handler, self.check_outputs
            )
        )
        bridge = (
            ToolBridge(tools, limits, handler, journal, check_outputs=self.check_outputs)
            if run is None
            else run.bridge
        )
        if run is not None:
            bridge.journal = journal
        result: ExecuteResult | None = None
        try:  # one frame for both cases: no extra coroutine per run when nothing is traced
            if run is not None:
                run.enter()
            for note in notes:
                bridge.log("system", note)
            source = strip_fences(code) if isinstance(code, str) else ""
            problem = (
                _not_code(code)
                if not isinstance(code, str)
                else None
                if getattr(self.executor, "checks_tool_uses", False)
                else self._precheck(source)
            )
            if problem is None and self.typecheck:
                problem = await self._typecheck_error(source, bridge, names)
            if problem is not None:
                result = bridge.finish(error=problem)
                return result
            try:
                result = await runner(source, bridge, limits)
            except Exception as exc:  # an executor broke its contract: still no raise to the caller
                log.error("executor %r raised from execute()", self.executor, exc_info=True)
                result = bridge.finish(
                    error=ExecuteError(
                        type="crash", message=f"the executor failed: {type(exc).__name__}: {exc}"
                    )
                )
        finally:
            if run is not None:
                run.end(result)
        assert result is not None
        if result.pending and inline:
            return await self._decide_inline(result, code, limits, handler)
        return result

    async def resume(
        self,
        paused: ExecuteResult | Mapping[str, Any],
        *,
        approve: Iterable[str] = (),
        reject: Mapping[str, str] | None = None,
        timeout: float | None = None,
        max_tool_calls: int | None = None,
        max_log_chars: int | None = None,
        max_result_chars: int | None = None,
        on_event: EventHandler | None = None,
    ) -> ExecuteResult:
        """Continue a paused run: approved calls run, rejected ones raise `ToolError` (with the
        reason) in the program, calls left undecided pause it again.

        `paused` is the paused `ExecuteResult` or its `checkpoint` (after `json.loads`, in
        another process if need be, with the same tools). The program runs again from the
        start; each tool call the earlier runs made is answered from the checkpoint's journal,
        so no side effect happens twice, and `random`, `time`, `datetime` and `uuid` give the
        values they gave before. Raises `CheckpointError` for a checkpoint of other code or
        other tools, or for ids that no call of the checkpoint has.
        """
        journal = load_checkpoint(
            paused, lambda code: fingerprint(code, self._tools.values()), approve, reject
        )
        _RESUMED.set((journal, self.approve is not None))
        return await self.execute(
            journal.code,
            timeout=timeout,
            max_tool_calls=max_tool_calls,
            max_log_chars=max_log_chars,
            max_result_chars=max_result_chars,
            on_event=on_event,
        )

    def resume_sync(
        self, paused: ExecuteResult | Mapping[str, Any], **options: Any
    ) -> ExecuteResult:
        """`resume` for synchronous callers (as `execute_sync`)."""
        return self._sync(lambda cm: cm.resume(paused, **options))

    async def _decide_inline(
        self, result: ExecuteResult, code: str, limits: Limits, handler: EventHandler | None
    ) -> ExecuteResult:
        """With an `approve` callback, decide each pause and go on until the run is over (or
        the callback leaves a call undecided)."""
        while self.approve is not None and result.pending:
            decisions = {call.id: await decide(self.approve, call) for call in result.pending}
            if any(decision is None for decision in decisions.values()):
                return result
            journal = load_checkpoint(
                result,
                lambda code: fingerprint(code, self._tools.values()),
                [i for i, decision in decisions.items() if decision is True],
                {i: d.reason for i, d in decisions.items() if isinstance(d, Reject)},
            )
            _RESUMED.set((journal, False))  # this loop decides, not the run's own `execute`
            result = await self.execute(
                code,
                timeout=limits.timeout,
                max_tool_calls=limits.max_tool_calls,
                max_log_chars=limits.max_log_chars,
                max_result_chars=limits.max_result_chars,
                on_event=handler,
            )
        return result

    def execute_sync(self, code: str, **options: Any) -> ExecuteResult:
        """`execute` for synchronous callers. Works inside a running event loop too (Jupyter):
        the code then runs on a private loop in a helper thread, so async tools bound to the
        caller's loop are not usable there."""
        return self._sync(lambda cm: cm.execute(code, **options))

    def _sync(
        self, start: Callable[[Codemode], Coroutine[Any, Any, ExecuteResult]]
    ) -> ExecuteResult:
        try:
            asyncio.get_running_loop()
            in_loop = True
        except RuntimeError:
            in_loop = False
        # The run starts outside the probe's `except` block, and when the caller is itself
        # handling an exception, on a thread of its own: model code must never see a host
        # exception (a bare `raise`, `__context__`).
        if not in_loop and sys.exc_info()[1] is None:
            return asyncio.run(start(self))
        # The caller's loop waits for the helper thread: an executor bound to that loop cannot
        # serve the thread's loop, so it hands over one that can.
        executor = self.executor.for_another_loop() if in_loop else self.executor
        cm = self if executor is self.executor else self.with_executor(executor)
        with concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="codemode") as pool:
            run = functools.partial(asyncio.run, start(cm))
            return pool.submit(run).result()

    def with_executor(self, executor: Executor) -> Codemode:
        """The same tools, limits and `on_event`, run by `executor` (this one is unchanged)."""
        other = copy.copy(self)
        other._tools = dict(self._tools)
        other._prechecked = {}
        other._checker, other._checked = None, {}  # its own: closing one leaves the other be
        other.__dict__.pop("_discovery", None)  # its built-ins search `self`, not `other`
        other.executor = executor
        return other

    async def aclose(self) -> None:
        """Close the executor (worker processes, if any) and the type checker's files."""
        if self._checker is not None:
            self._checker.close()
            self._checker = None
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
        from ._display import codemode_html  # rich display in notebooks, loaded on use

        return codemode_html(self)

    def _repr_markdown_(self) -> str:
        from ._display import codemode_markdown

        return codemode_markdown(self)


_RESUMED: contextvars.ContextVar[tuple[Journal, bool] | None] = contextvars.ContextVar(
    "codemode_resumed", default=None
)
"""From `resume` to the `execute` it calls: the journal to replay, and whether the run's own
`execute` decides with the `approve` callback. Taken (and cleared) by that one run."""


def _not_code(value: Any) -> ExecuteError:
    return ExecuteError(type="syntax", message=f"code must be a string, got {type(value).__name__}")
