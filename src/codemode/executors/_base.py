"""The `Executor` contract and the host end of one execution (`ToolBridge`)."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal, Self

from .._approvals import ApprovalPending, Journal, Paused, Reject, replayed_outcome
from .._errors import ToolArgumentError, ToolCallLimitError, ToolError
from .._result import (
    ExecuteError,
    ExecuteResult,
    Limits,
    LogEntry,
    LogStream,
    TooLarge,
    ToolCall,
    to_jsonable,
    truncate_text,
)
from .._text import exact_str

if TYPE_CHECKING:  # not at run time: the subprocess worker imports this module without pydantic
    from .._tools import Tool

log = logging.getLogger("codemode")

Event = LogEntry | ToolCall | Paused
CheckOutputs = Literal["error", "warn", "off"]
EventHandler = Callable[[Event], Any]


class Executor(ABC):
    """Runs model code and returns an `ExecuteResult`.

    The contract:

    - `execute(code, tools, limits)` runs `code` (already stripped of Markdown fences) and returns
      the outcome. It **never raises** for anything the code or the tools do; every failure is an
      `ExecuteResult` with `ok=False` and an `ExecuteError` (see `ErrorType` for the kinds).
    - Tool calls go through `tools` (a `ToolBridge`): `await tools.call(name, args)` validates the
      arguments, runs the tool, records the trace and returns a JSON-safe value, or raises a
      `ToolError` meant to be raised inside the model's code. Print output goes to `tools.log`.
      `tools.finish(value=...)` or `tools.finish(error=...)` builds the result with the logs and the
      trace filled in, so an executor only decides the value or the error.
    - `limits` bounds the run (`timeout`, `max_tool_calls`, `max_log_chars`, `max_result_chars`,
      `memory_mb`); an executor honours the ones it can and documents the rest.
    - An executor may hold resources (worker processes). `aclose()` releases them; `async with`
      does it for you. Executing after `aclose()` is a programming error and may raise.
    - Sessions (optional): `session()` returns an `ExecutorSession` whose runs share the names
      programs bind at top level. An executor without them raises `NotImplementedError`.

    A test double is a few lines:

    >>> class Echo(Executor):
    ...     async def execute(self, code, tools, limits):
    ...         return tools.finish(value=code)
    """

    @abstractmethod
    async def execute(self, code: str, tools: ToolBridge, limits: Limits) -> ExecuteResult:
        """Run `code`; see the class docstring for the contract."""

    def session(self) -> ExecutorSession:
        """A new `ExecutorSession` on this executor (see its docstring for the contract)."""
        raise NotImplementedError(f"{type(self).__name__} does not support sessions")

    async def aclose(self) -> None:  # noqa: B027 - optional hook, a no-op by default
        """Release whatever the executor holds. Safe to call more than once."""

    def for_another_loop(self) -> Executor:
        """An executor like this one that can run on another event loop while this one's loop
        is running (blocked, waiting for it): `Codemode.execute_sync` called inside a running
        loop uses it on a private loop in a helper thread. An executor that binds nothing to an
        event loop returns itself, as this default does; one that does (its processes' pipes
        are watched by a loop) returns a sibling with the same configuration."""
        return self

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()


class ExecutorSession(ABC):
    """Runs of one caller that share state: what a program binds at top level (variables,
    functions, classes, imports) is there for the session's next run.

    The contract, beside `Executor`'s (every run still never raises, and still gets its own
    bridge and limits):

    - `execute(code, tools, limits)` runs like `Executor.execute`, in the session's namespace.
      The caller serialises runs (`codemode.Session` does): two runs of one session never
      overlap, so an executor session need not guard against it.
    - The memory limit holds for the session as a whole, not per run: what its names hold grows
      run by run (in-process, a charge carried from run to run; subprocess, the pinned worker's
      address space). A session that goes past it loses its state, as below.
    - `reset()` forgets the state: the next run starts with a fresh namespace.
    - `generation` counts fresh starts: it goes up whenever the state is lost, by `reset()` or
      because the executor lost it (a worker died). A session that lost its state says so in the
      logs of its next result (a `system` line) and starts clean.
    - `aclose()` releases what the session holds (a pinned worker); safe to call more than
      once. Executing after it is a programming error and may raise.

    A test double that counts its runs, offered by `Executor.session()`:

    >>> class Counting(ExecutorSession):
    ...     runs = 0
    ...     async def execute(self, code, tools, limits):
    ...         self.runs += 1
    ...         return tools.finish(value=self.runs)
    ...     async def reset(self):
    ...         self.runs, self.generation = 0, self.generation + 1
    ...     async def aclose(self):
    ...         pass
    """

    generation: int = 0

    @abstractmethod
    async def execute(self, code: str, tools: ToolBridge, limits: Limits) -> ExecuteResult:
        """Run `code` in the session's namespace; see the class docstring."""

    @abstractmethod
    async def reset(self) -> None:
        """Start the next run with a fresh namespace."""

    @abstractmethod
    async def aclose(self) -> None:
        """Release what the session holds."""


class ToolBridge:
    """The host end of one execution: dispatches tool calls and collects the trace and the logs.

    One bridge serves one execution. Executors call `call`, `log` and `finish`; model code never
    sees the bridge itself. `check_outputs` says what happens when a tool's result does not fit
    its output schema: `"warn"` traces the call with a `warning` and logs it where the model reads
    it, `"error"` fails the call with a `ToolError`, `"off"` does not check.

    It is also the boundary everything leaving a run crosses, as exact builtin data (JSON): tool
    arguments are the trace's snapshot (what the tool validates and gets), log text is an exact
    `str`, the value goes through `to_jsonable` and `ExecuteError` keeps exact strings. Nothing
    the host holds afterwards can run model code (a `str` subclass's `__repr__`, `__eq__`, ...).
    """

    __slots__ = (
        "_calls",
        "_check_outputs",
        "_log_chars",
        "_log_truncated",
        "_logs",
        "_max_arg_chars",
        "_max_calls",
        "_on_event",
        "_started",
        "journal",
        "limits",
        "tools",
    )

    def __init__(
        self,
        tools: Mapping[str, Tool],
        limits: Limits,
        on_event: EventHandler | None = None,
        journal: Journal | None = None,
        *,
        check_outputs: CheckOutputs = "warn",
    ) -> None:
        self.tools = tools  # keyed by python name
        # "warn" and "error" check results against the tool's output schema; "" skips the check
        self._check_outputs = "" if check_outputs == "off" else check_outputs
        self.limits = limits
        # Set when a call may wait for approval: outcomes are journaled, earlier ones replayed.
        self.journal = journal
        self._on_event = on_event
        self._calls: list[ToolCall | None] = []
        self._logs: list[LogEntry] = []
        self._log_chars = 0
        self._log_truncated = False
        self._started = time.perf_counter()
        self._max_calls = limits.max_tool_calls if limits.max_tool_calls is not None else 1 << 62
        self._max_arg_chars = limits.max_tool_arg_chars

    async def call(self, name: str, args: Mapping[str, Any], line: int | None = None) -> Any:
        """Run tool `name` with `args`; return its JSON-safe result or raise a `ToolError`.

        `line`, where an executor knows it, is the line of the program that made the call (for
        traces). This is the hot path of every tool call: keep it lean.
        """
        calls = self._calls
        index = len(calls)
        tool = self.tools.get(name)
        if tool is None:
            message = unknown_tool_message(name, self.tools)
            self._record(
                index,
                ToolCall(name, _snapshot(args, self._max_arg_chars) or {}, False, 0.0, message),
            )
            raise ToolArgumentError(message, tool=name)
        if index >= self._max_calls:
            message = f"tool call limit reached: at most {self._max_calls} calls per execution"
            raise ToolCallLimitError(message, tool=name)
        recorded = _snapshot(args, self._max_arg_chars)  # as called, before anything changes it
        if recorded is None:
            message = f"{name}(): the arguments are larger than {self._max_arg_chars} characters"
            self._record(index, ToolCall(name, {}, False, 0.0, message))
            raise ToolArgumentError(message, tool=name)
        if self.journal is not None:
            return await self._call_journaled(index, name, tool, args, recorded)
        calls.append(None)  # keep the trace in the order calls started
        started = time.perf_counter()
        try:
            kwargs = tool.validate(recorded)  # the JSON snapshot, never the model's own objects
            value = await (tool.fn(**kwargs) if tool.is_async else tool.call_sync(kwargs))
        except BaseException as exc:
            elapsed = (time.perf_counter() - started) * 1000
            if isinstance(exc, ToolError):
                self._record(index, ToolCall(name, recorded, False, elapsed, exc.message))
                raise
            if not isinstance(exc, Exception):  # cancelled: the execution is being stopped
                self._record(index, ToolCall(name, recorded, False, elapsed, "cancelled"))
                raise
            message = _tool_exception_message(exc)
            self._record(index, ToolCall(name, recorded, False, elapsed, message))
            raise ToolError(str(exc), tool=name, kind=type(exc).__name__) from None
        elapsed = (time.perf_counter() - started) * 1000
        notes: list[str] | tuple[()] = ()
        if type(value) in _SCALARS:
            result = value
        else:
            notes = []
            result = to_jsonable(value, notes)
        warning = None
        if self._check_outputs and tool.output_schema is not None:
            mismatch = tool.check_output(result)
            if mismatch is not None:
                warning = (
                    f"{name}() returned a result that does not match its return type: {mismatch}"
                )
                if self._check_outputs == "error":
                    self._record(index, ToolCall(name, recorded, False, elapsed, warning))
                    raise ToolError(warning, tool=name)
        call = ToolCall(name, recorded, True, elapsed, None, warning)
        calls[index] = call
        if self._on_event is not None:
            self._emit(call)
        for note in notes:
            self.log("system", f"{name}(): {note}")
        if warning is not None:
            self.log("system", warning)  # where the model reads it
        return result

    async def _call_journaled(
        self, index: int, name: str, tool: Tool, args: Mapping[str, Any], recorded: dict[str, Any]
    ) -> Any:
        """`call` for a run that may pause: replay what the journal has, hold what waits for a
        decision, run and journal the rest."""
        journal = self.journal
        assert journal is not None
        at = journal.position()
        self._calls.append(None)
        try:
            kwargs = tool.validate(recorded)  # the JSON snapshot, never the model's own objects
        except ToolError as exc:
            self._record(index, ToolCall(name, recorded, False, 0.0, exc.message))
            raise
        # ReplayDivergenceError: the program stops
        entry = journal.match(name, recorded, at) if journal.left else None
        held_id: str | None = None
        approved = False
        if entry is not None and "id" not in entry:  # answered from the journal
            ok = entry.get("ok") is True
            error = None if ok else str(entry.get("message"))
            self._calls[index] = ToolCall(name, recorded, ok, float(entry.get("ms") or 0.0), error)
            if entry.get("kind") == "cancelled":  # the program cancelled it the first time
                await asyncio.get_running_loop().create_future()
            return replayed_outcome(entry, name)
        if entry is not None:  # it waited for a decision in the last run
            held_id = entry["id"]
            decision = entry.get("decision")
            if isinstance(decision, Reject):
                message = f"{name}(): the call was rejected: {decision.reason}"
                journal.record(
                    name, recorded, at, {"ok": False, "kind": "rejected", "message": message}
                )
                self._record(index, ToolCall(name, recorded, False, 0.0, message))
                raise ToolError(message, tool=name)
            approved = decision is True
        if not approved and tool.requires_approval is not False and tool.needs_approval(kwargs):
            validated = to_jsonable({**{k: kwargs[k] for k in recorded if k in kwargs}, **kwargs})
            raise ApprovalPending(journal.hold(name, recorded, at, validated, held_id))
        started = time.perf_counter()
        try:
            value = await (tool.fn(**kwargs) if tool.is_async else tool.call_sync(kwargs))
        except BaseException as exc:
            elapsed = (time.perf_counter() - started) * 1000
            outcome: dict[str, Any] = {"ok": False}
            if isinstance(exc, ToolError):
                outcome.update(kind=_error_kind(exc), message=exc.message, raised=exc.kind)
                traced = exc.message
            elif not isinstance(exc, Exception):
                outcome.update(kind="cancelled", message="cancelled")
                traced = "cancelled"
            else:  # as in `call`: str(e) is the tool's own message, its class name is `kind`
                outcome.update(kind="tool", message=str(exc), raised=type(exc).__name__)
                traced = _tool_exception_message(exc)
            journal.record(name, recorded, at, outcome)
            self._record(index, ToolCall(name, recorded, False, elapsed, traced))
            if isinstance(exc, ToolError) or not isinstance(exc, Exception):
                raise
            raise ToolError(str(exc), tool=name, kind=type(exc).__name__) from None
        elapsed = (time.perf_counter() - started) * 1000
        notes: list[str] = []
        result = to_jsonable(value, notes)
        for note in notes:
            self.log("system", f"{name}(): {note}")
        journal.entries.append(
            {
                "tool": name,
                "args": recorded,
                "at": list(at),
                "ok": True,
                "value": result,
                "ms": elapsed,
            }
        )
        self._calls[index] = call = ToolCall(name, recorded, True, elapsed, None)
        if self._on_event is not None:
            self._emit(call)
        return result

    def _record(self, index: int, call: ToolCall) -> None:
        if index < len(self._calls):
            self._calls[index] = call
        else:
            self._calls.append(call)
        self._emit(call)

    def log(self, stream: LogStream, text: str) -> None:
        """Record output; past `max_log_chars` the rest is dropped behind one truncation note."""
        if type(text) is not str:
            text = exact_str(text) if isinstance(text, str) else ""
        if self._log_truncated or not text:
            return
        room = self.limits.max_log_chars - self._log_chars
        if len(text) > room:
            if room > 0:
                self._append_log(stream, text[:room])
            self._log_truncated = True
            self._append_log(
                "system", f"output truncated: more than {self.limits.max_log_chars} characters"
            )
            return
        self._append_log(stream, text)

    def log_room(self) -> int:
        """How many more characters the log keeps (none once it was truncated)."""
        return 0 if self._log_truncated else self.limits.max_log_chars - self._log_chars

    def _append_log(self, stream: LogStream, text: str) -> None:
        self._log_chars += len(text)
        if self._logs and self._logs[-1].stream == stream and stream != "system":
            # print() writes text and newline separately; keep one entry per run of output
            last = self._logs[-1]
            self._logs[-1] = LogEntry(stream, last.text + text)
        else:
            self._logs.append(LogEntry(stream, text))
        self._emit(LogEntry(stream, text))

    def _emit(self, event: Event) -> None:
        if self._on_event is None:
            return
        if self.journal is not None and self.journal.replaying and type(event) is not Paused:
            return  # the run before this one reported it already
        try:
            self._on_event(event)
        except Exception as exc:  # an integrator's callback must not break the run
            log.warning("on_event callback failed and was dropped", exc_info=True)
            self._on_event = None
            self._logs.append(
                LogEntry("system", f"on_event callback failed and was dropped: {exc!r}")
            )

    def finish(
        self, value: Any = None, error: ExecuteError | None = None, *, jsonable: bool = False
    ) -> ExecuteResult:
        """Build the `ExecuteResult`: JSON-safe value within `max_result_chars`, logs, trace.

        Pass `jsonable=True` when `value` is JSON-safe already (decoded from JSON, or converted
        by the executor while model code could still run), so it is not converted twice.
        """
        journal = self.journal
        if error is None and journal is not None and journal.replaying and not journal.pending:
            error = ExecuteError(
                type="replay",
                message="the program took another path on replay: it finished, but "
                + journal.due(),
                exception="ReplayDivergenceError",
            )
        if error is None and journal is not None and journal.pending:
            pending = tuple(journal.pending)
            self._emit(Paused(pending))
            return ExecuteResult(
                ok=False,
                logs=tuple(self._logs),
                tool_calls=tuple(call for call in self._calls if call is not None),
                duration_ms=round((time.perf_counter() - self._started) * 1000, 3),
                pending=pending,
                checkpoint=journal.checkpoint(),
            )
        if error is None:
            if not jsonable:
                notes: list[str] = []
                try:
                    value = to_jsonable(value, notes, budget=self.limits.max_result_chars)
                except TooLarge as exc:
                    value, error = None, exc.error()
                for note in notes:
                    self.log("system", f"result: {note}")
            size = 0 if error is not None else _json_size(value)
            if size > self.limits.max_result_chars:
                preview = truncate_text(repr(value), 200)
                error = ExecuteError(
                    type="output",
                    message=(
                        f"the result is {size} characters as JSON, over the limit of "
                        f"{self.limits.max_result_chars}; return less (preview: {preview})"
                    ),
                )
        calls = tuple(call for call in self._calls if call is not None)
        return ExecuteResult(
            ok=error is None,
            value=value if error is None else None,
            error=error,
            logs=tuple(self._logs),
            tool_calls=calls,
            duration_ms=round((time.perf_counter() - self._started) * 1000, 3),
        )


_SCALARS = frozenset({str, int, bool, float, type(None)})


def _error_kind(exc: ToolError) -> str:
    """How a journal names the kind of a tool's error."""
    if isinstance(exc, ToolCallLimitError):
        return "limit"
    return "argument" if isinstance(exc, ToolArgumentError) else "tool"


def _snapshot(args: Any, budget: int) -> dict[str, Any] | None:
    """The arguments as the trace keeps them (JSON-safe, not shared with anything that may
    change them), or None when they are larger than `budget` characters."""
    if type(args) is dict and len(args) < 64:
        # The common case: a few scalar keyword arguments in a dict made for this call
        # (the proxy builds a fresh one), which nothing else holds: keep it as it is.
        for key, item in args.items():
            kind = type(item)
            if kind is str:
                budget -= len(item)
            elif type(key) is not str or kind not in _PLAIN_SCALARS:
                break
        else:
            return args if budget >= 0 else None
    if _too_big(args, budget):
        return None
    try:  # within the budget also where `_too_big` does not look (a deque, a dataclass)
        if isinstance(args, Mapping):
            copied: dict[str, Any] = to_jsonable(
                args if type(args) is dict else dict(args), budget=budget
            )
            return copied
        return {"args": to_jsonable(args, budget=budget)}
    except TooLarge:
        return None


_PLAIN_SCALARS = frozenset({int, bool, type(None)})


def _too_big(value: Any, budget: int) -> bool:
    """Whether `value` is larger than `budget` characters, counting strings and items cheaply."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str | bytes):
            budget -= len(item)
        elif isinstance(item, Mapping):
            budget -= len(item)
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list | tuple | set | frozenset):
            budget -= len(item)
            stack.extend(item)
        else:
            budget -= 8
        if budget < 0:
            return True
    return False


_ENCODER = json.JSONEncoder(ensure_ascii=False)


def _json_size(value: Any) -> int:
    kind = type(value)
    if kind is int or kind is bool or value is None:
        return 8 if kind is not int else len(str(value))
    if kind is str and len(value) < 1000:
        return len(value) + 2  # close enough below the limit: quotes and no escapes
    try:
        return len(_ENCODER.encode(value))
    except (TypeError, ValueError):
        return len(repr(value))


def _tool_exception_message(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return f"{type(exc).__name__}: {text}" if str(exc) else text


def unknown_tool_message(name: str, tools: Mapping[str, Tool]) -> str:
    """`unknown tool 'get_wether'; did you mean 'get_weather'?` with the closest names."""
    import difflib

    close = difflib.get_close_matches(name, list(tools), n=3, cutoff=0.5)
    hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
    if "search_tools" in tools:  # discovery: too many names to list, and a way to find them
        return f"unknown tool {name!r}{hint} (find tools with codemode.search_tools(...))"
    available = ", ".join(sorted(tools)[:20]) or "none"
    return f"unknown tool {name!r}{hint} (available: {available})"
