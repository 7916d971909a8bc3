"""`InProcessExecutor`: model code in the host process, under the policy, on the caller's loop."""

from __future__ import annotations

import ast
import asyncio
import collections
import contextlib
import ctypes
import heapq
import inspect
import itertools
import os
import re
import sys
import threading
import time
import traceback
import warnings
import weakref
from collections.abc import Iterable
from dataclasses import dataclass, field
from types import CodeType
from typing import Any

from .._approvals import CALL_POSITION, ApprovalPending, ReplayDivergenceError
from .._errors import ToolArgumentError, ToolCallLimitError, ToolError
from .._program import (
    FILENAME,
    PROGRAM_MODULE,
    RESULT_NAME,
    RETURN_NAME,
    EarlyReturn,
    ToolUses,
    check_tool_uses,
    parse,
    prepare,
    show_line,
    syntax_error,
)
from .._result import ExecuteError, ExecuteResult, Limits, TooLarge, seconds, to_jsonable
from .._text import bounded_exception_str, bounded_repr, bounded_str, exact_str
from ._base import Executor, ExecutorSession, ToolBridge, unknown_tool_message
from ._pause import RunControl
from ._policy import TICK, PolicyViolation, transform
from ._sandbox import (
    CURRENT,
    DEFAULT_MODULES,
    GUARDS,
    AllocationRefused,
    Execution,
    Importer,
    PolicyError,
    Timeout,
    base_builtins,
    disarm,
    install_codec_bounds,
    install_unraisable_filter,
    make_print,
    resident_memory,
    track_async_generators,
)
from ._sandbox._depth import SCANNER as DEPTH
from ._sandbox._replay import SLOT, RunReplay, TaskSlot

_CANCEL_MESSAGE = "codemode: execution deadline"


class InProcessExecutor(Executor):
    """Runs model code in this process under the policy of `codemode.executors._policy`.

    Fast (compiled code is cached by source; a tool call costs a few microseconds) and
    concurrent (many executions share one event loop, each with its own globals, logs and trace).

    What it bounds: wall-clock time, including CPU-bound loops and recursion (a watchdog thread
    flips a check compiled into every loop, function and handler); single operations that would
    build huge objects (`'a' * 10**10`, `10**10**10`, `range(10**12)` consumed by `sum`); print
    volume; result size; tool calls.

    Memory grown step by step is bounded by sampling: the watchdog reads the process's resident
    memory every few tens of milliseconds while runs are active and stops a run once the process
    grew by more than `memory_mb` (`Limits.memory_mb` overrides it per run; None for no bound)
    since that run started; a session's runs share one allowance (see `InProcessSession`). The
    figure is the whole process's: with runs in parallel, growth is charged to every run active
    while it happened, so a greedy run can stop its neighbours too.

    What it cannot bound: one long C call such as a catastrophic regular expression; the timeout
    then lands when that call returns. Use `SubprocessExecutor` when the code must be killable.

    `allowed_modules` replaces the default import allowlist (`DEFAULT_MODULES`).
    """

    def __init__(
        self,
        *,
        allowed_modules: Iterable[str] | None = None,
        cache_size: int = 512,
        memory_mb: int | None = 512,
    ) -> None:
        self.memory_mb = memory_mb
        self.allowed_modules = frozenset(
            DEFAULT_MODULES if allowed_modules is None else allowed_modules
        )
        self._cache: collections.OrderedDict[str, Compiled | ExecuteError] = (
            collections.OrderedDict()
        )
        self._cache_size = cache_size
        self._cache_lock = threading.Lock()
        builtins = base_builtins()
        builtins["__import__"] = Importer(self.allowed_modules)
        self._globals: dict[str, Any] = {
            "__builtins__": builtins,
            "__name__": PROGRAM_MODULE,
            "asyncio": builtins["__import__"]("asyncio"),
            TICK: tuple,  # a no-op that returns a false value, until the deadline passes
            RETURN_NAME: EarlyReturn,
            **GUARDS,
        }
        install_unraisable_filter()
        install_codec_bounds()

    # -- compiling ---------------------------------------------------------------------------

    checks_tool_uses = True  # compiling walks the tree anyway: Codemode leaves the pre-check here

    def compile(self, source: str) -> Compiled | ExecuteError:
        """The policy-checked code object for `source`, or the syntax/policy error. Cached."""
        with self._cache_lock:  # execute_sync may run executions on helper threads
            cached = self._cache.get(source)
            if cached is not None:
                self._cache.move_to_end(source)
                return cached
        result = _compile(source)
        with self._cache_lock:
            self._cache[source] = result
            if len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return result

    # -- running -----------------------------------------------------------------------------

    async def execute(
        self,
        code: str,
        tools: ToolBridge,
        limits: Limits,
        *,
        session: SessionState | None = None,
    ) -> ExecuteResult:
        """See `Executor.execute`; `session` is what a session keeps from one run to the next."""
        compiled = self.compile(code)
        if isinstance(compiled, ExecuteError):
            return tools.finish(error=compiled)
        problem = check_tool_uses(compiled.uses, tools.tools)
        if problem is not None:
            return tools.finish(error=show_line(problem, code))
        value, error = await self.run(compiled, code, tools, limits, session=session)
        return tools.finish(value=value, error=error, jsonable=True)

    def session(self) -> InProcessSession:
        """A session whose runs share one namespace, in this process."""
        return InProcessSession(self)

    async def run(
        self,
        compiled: Compiled,
        code: str,
        tools: ToolBridge,
        limits: Limits,
        *,
        replay: RunReplay | None = None,
        session: SessionState | None = None,
    ) -> tuple[Any, ExecuteError | None]:
        """Run `compiled` (from `self.compile(code)`): the JSON-safe value, or the error.

        `execute` is `compile`, the tool pre-check, `run`, `tools.finish`; the subprocess worker
        calls `run` with a bridge of its own that forwards tool calls and output to the host.
        A run may pause when a tool call may wait for approval: when the bridge journals calls,
        or the worker passes the run's `replay` (its seed and clock readings). A paused run ends
        with neither a value nor an error. `session` (a session's state, empty at first) gives
        the namespace to run in instead of a fresh one, and the memory its earlier runs grew the
        process by, charged to this run's limit; a run after which that total is past the limit
        ends in a `memory` error and marks the state `spent`.
        """
        deadline = None if limits.timeout is None else time.monotonic() + limits.timeout
        memory_mb = self.memory_mb if limits.memory_mb is None else limits.memory_mb
        execution = Execution(deadline, None if memory_mb is None else memory_mb << 20)
        execution.thread = threading.get_ident()
        if session is not None:
            # A session's runs share one allowance: this run starts out charged with what the
            # earlier ones grew the process by. Read now: growth since the watchdog's last
            # sample (the host's, between runs) is not the session's.
            execution.baseline = WATCHDOG.resident(fresh=True) - session.memory
        elif memory_mb is not None:
            execution.baseline = WATCHDOG.resident()
        loop = asyncio.get_running_loop()
        task = asyncio.current_task(loop)
        control = None
        journal = tools.journal
        if replay is None and journal is not None:
            replay = RunReplay(journal.seed, journal.clock)
        slot = None
        if replay is not None:
            execution.replay = replay
            control = RunControl(lambda: _expire_and_cancel(execution, task))
            slot = SLOT.set(TaskSlot(()))  # the main program's task
        kept = None if session is None else session.namespace
        namespace = self._namespace(execution, tools, control, kept)
        token = CURRENT.set(execution)
        # Cancellations of the caller's task before the run are the caller's business.
        before = 0 if task is None else task.cancelling()
        execution.waker = (loop, task)  # what the watchdog wakes when the run must stop
        if deadline is not None or memory_mb is not None:
            # The watchdog expires the execution at the deadline (or when memory grew past the
            # limit) and has the loop cancel the task if it is awaiting: no loop timer to set
            # and cancel for every run.
            WATCHDOG.watch(deadline, execution)  # dropped when due, or swept once dead
        if compiled.async_generators:
            track_async_generators()
        value: Any = None
        error: ExecuteError | None = None
        DEPTH.enter(execution)
        try:
            # The value is made JSON-safe inside the runner: its `__repr__` is model code too.
            runner: Any = _settled(compiled.code, namespace, limits.max_result_chars)
            if sys.exc_info()[1] is not None:
                # Called from inside a host `except` block: a task of its own, so that a bare
                # `raise` or `__context__` in model code (the program's, or its value's
                # `__repr__`) cannot reach the host's exception.
                runner = asyncio.ensure_future(runner)
            value = await runner
        except BaseException as exc:
            # Whatever the program raised (CancelledError, SystemExit, KeyboardInterrupt,
            # GeneratorExit...) is its error; only a cancellation of the caller's own task
            # propagates.
            if isinstance(exc, TopLevelStop):
                exc = exc.stop
            if control is not None and control.stopped:
                error = control.error()  # paused (no error), or a divergent replay
            elif not _caller_cancelled(task, before, execution):
                error = _classify(exc, code, execution, limits)
        finally:
            execution.ending = True
            if execution.interrupting:
                _interrupt(execution.thread, None)  # one still on its way: not into the host
            if error is None and execution.expired and not (control and control.stopped):
                error = _expired_error(execution, limits)
            cancelled = _caller_cancelled(task, before, execution)
            _cleanup(execution, task, kept is not None)
            DEPTH.leave(execution)
            if DEPTH.keeping:  # freed once the run's namespace is gone (`_depth`)
                loop.call_soon(DEPTH.release)
            if session is not None:  # after the cleanup: what died with the run is not charged
                _charge(session, execution)
            if kept is not None:
                # A session's namespace outlives this execution: a late expiry of this one must
                # not reach the next run's check.
                execution.globals = {}
            CURRENT.reset(token)
            if slot is not None:
                SLOT.reset(slot)
        if cancelled:
            # Even a program that swallowed the cancellation does not keep it from the caller.
            raise asyncio.CancelledError()
        if control is not None and control.stopped:  # even if the program swallowed the stop
            value, error = None, control.error()
        elif session is not None and session.spent:
            # Also when the run finished before a sample caught it: the names it left hold the
            # memory, so the state goes and the run says why.
            value, error = None, _session_memory_error(execution)
        if journal is not None and replay is not None:
            journal.new_clock = replay.readings
        if isinstance(value, _Settled):
            for note in value.notes:
                tools.log("system", f"result: {note}")
            if error is None:
                error = value.error
            value = value.value
        return value, error

    def _namespace(
        self,
        execution: Execution,
        bridge: ToolBridge,
        control: RunControl | None = None,
        kept: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        # The builtins are shared (model code cannot reach the dict); what belongs to this
        # execution sits in its globals, which names resolve in first.
        if kept is None:
            namespace = dict(self._globals)
        else:  # a session's: the same dict every run, so functions defined earlier see this run
            namespace = kept
            namespace.pop(RESULT_NAME, None)
            namespace.update(self._globals)  # the check back to a no-op, the guards as they were
        namespace["codemode"] = ToolProxy(bridge, execution, control)
        namespace["print"] = make_print(bridge.log, bridge.log_room)
        execution.globals = namespace
        return namespace


@dataclass(slots=True, eq=False)
class SessionState:
    """What a session keeps from one run to the next, in the process that runs it."""

    namespace: dict[str, Any] = field(default_factory=dict)
    # Bytes the process grew by during the session's runs (never below 0): what the memory
    # limit holds across them. Growth between its runs is not the session's and is not counted.
    memory: int = 0
    spent: bool = False  # its runs grew the process past the memory limit: the state must go


class InProcessSession(ExecutorSession):
    """One namespace kept across runs, in this process, under one memory limit.

    The session's runs share the executor's `memory_mb` (or the run's `Limits.memory_mb`): each
    run starts charged with what the earlier ones grew the process's resident memory by (read
    as each starts and ends), so a session cannot grow the host by `memory_mb` per run. A run
    that takes the total past the limit ends in a `memory` error (stopped by the watchdog, or
    at its end if it finished between two samples) and the session lets go of its names; the
    next run starts clean, charged nothing, and says so in its logs, as after `reset()`.

    The charge follows the process's figure during the session's runs only: memory freed in a
    later run lowers it, growth between runs (the host, other sessions) is not counted, growth
    by runs in parallel with one of the session's is (see `InProcessExecutor`). Memory the
    allocator keeps after the session frees objects stays charged until it is reused (then it
    does not grow the figure again) or the state goes.
    """

    def __init__(self, executor: InProcessExecutor) -> None:
        self._executor = executor
        self._state = SessionState()
        self._closed = False
        self._ended: str | None = None  # why the state went, for the next run's logs
        self.generation = 0

    async def execute(self, code: str, tools: ToolBridge, limits: Limits) -> ExecuteResult:
        if self._closed:
            raise RuntimeError("this session is closed")
        if self._ended is not None:
            tools.log(
                "system", f"{self._ended}; this run started clean: names from earlier runs are gone"
            )
            self._ended = None
            self.generation += 1
        state = self._state
        try:
            return await self._executor.execute(code, tools, limits, session=state)
        finally:  # also when the caller cancelled the run
            if state.spent:
                self._let_go()
                self._ended = "the session's runs grew the process's memory past its limit"

    def _let_go(self) -> None:
        state, self._state = self._state, SessionState()
        # Cleared, not only dropped: functions in it refer to it (their globals), so dropping
        # it would leave its memory to the cycle collector.
        state.namespace.clear()

    async def reset(self) -> None:
        self._let_go()
        self._ended = None
        self.generation += 1

    async def aclose(self) -> None:
        self._closed = True
        self._let_go()


@dataclass(frozen=True, slots=True)
class Compiled:
    """Policy-checked code, and how it uses the tool proxy (for the pre-check)."""

    code: CodeType
    uses: ToolUses
    async_generators: bool = False  # whether it defines any (their hooks are set up per run)


def _has_async_generators(code: CodeType) -> bool:
    return bool(code.co_flags & inspect.CO_ASYNC_GENERATOR) or any(
        _has_async_generators(const) for const in code.co_consts if isinstance(const, CodeType)
    )


def _compile(source: str) -> Compiled | ExecuteError:
    tree = parse(source)
    if isinstance(tree, ExecuteError):
        return tree
    try:
        uses = transform(prepare(tree))
    except PolicyViolation as violation:
        line, column, message = violation.problems[0]
        more = len(violation.problems) - 1
        suffix = f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
        error = ExecuteError(type="policy", message=f"{message}{suffix}", line=line, column=column)
        return show_line(error, source)
    try:
        code: CodeType = compile(
            tree, FILENAME, "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT, dont_inherit=True
        )
        return Compiled(code, uses, _has_async_generators(code))
    except SyntaxError as exc:  # e.g. `return` outside a function, found only by the compiler
        return syntax_error(exc, source)
    except (ValueError, RecursionError, MemoryError) as exc:
        return ExecuteError(type="syntax", message=f"cannot compile the code: {exc}")


async def _run(code: CodeType, namespace: dict[str, Any]) -> Any:
    try:
        started = eval(code, namespace)  # policy-checked code in its own namespace
        if started is not None and inspect.isawaitable(started):
            await started
    except StopIteration as stop:
        raise TopLevelStop(stop) from None  # it cannot leave this coroutine as itself
    except RuntimeError as exc:
        # Top-level code with `await` runs as a coroutine, which turns an escaping
        # StopIteration into a RuntimeError; in a module (what CPython runs) it stays itself.
        if isinstance(exc.__cause__, StopIteration) and _raised_by_module(exc):
            raise TopLevelStop(exc.__cause__) from None
        raise
    except EarlyReturn as early:
        result = early.value
    else:
        result = namespace.get(RESULT_NAME)
    if inspect.isawaitable(result):
        result = await result
    return result


async def _settled(code: CodeType, namespace: dict[str, Any], budget: int) -> _Settled:
    return _Settled(await _run(code, namespace), budget)


class TopLevelStop(Exception):
    """A StopIteration that escaped the program's top-level code, carried out of the coroutine
    that runs it (which would turn it into a RuntimeError)."""

    def __init__(self, stop: StopIteration) -> None:
        super().__init__()
        self.stop = stop


def _raised_by_module(exc: BaseException) -> bool:
    """Whether the coroutine of the program's top-level code itself raised `exc` (its traceback
    then ends in `_run`, where that coroutine is awaited), not a function the program awaited."""
    return exc.__traceback__ is not None and exc.__traceback__.tb_next is None


class _Settled:
    """The value made JSON-safe while model code (a `__repr__`) may still run, carried out
    with the notes of the conversion."""

    __slots__ = ("error", "notes", "value")

    def __init__(self, value: Any, budget: int) -> None:
        self.notes: list[str] = []
        self.error: ExecuteError | None = None
        try:  # within the budget, whatever the value shares (`to_jsonable`)
            self.value = to_jsonable(value, self.notes, budget=budget)
        except TooLarge as exc:
            self.value, self.error = None, exc.error()


def _expire_and_cancel(execution: Execution, task: asyncio.Task[Any] | None) -> None:
    if execution.dead:  # finished just before the watchdog's call came round
        return
    execution.expire()
    if task is not None and not task.done():
        execution.cancels += 1
        task.cancel(_CANCEL_MESSAGE)
    for child in list(execution.tasks):
        child.cancel(_CANCEL_MESSAGE)


def _caller_cancelled(task: asyncio.Task[Any] | None, before: int, execution: Execution) -> bool:
    """Whether the caller's task was cancelled by someone other than the run (its deadline, its
    timeouts and task groups count theirs in `execution.cancels`)."""
    return task is not None and task.cancelling() - before > execution.cancels


def _cleanup(execution: Execution, task: asyncio.Task[Any] | None, kept: bool = False) -> None:
    """Whatever the program leaves behind dies with it."""
    execution.kill()  # every check in leftover model code now raises at once
    execution.waker = None
    disarm(execution, task)
    if not kept:
        # What only the run's namespace holds dies now, while the run is current, not at some
        # later garbage collection (a coroutine it never awaited would warn on the host's
        # stderr then); the check that stops leftover model code stays.
        execution.globals.clear()
        execution.kill()


def _charge(session: SessionState, execution: Execution) -> None:
    """Record what the session's runs have grown the process by, this one included, and
    whether that is past the run's limit."""
    if execution.baseline is None:
        return
    session.memory = max(0, WATCHDOG.resident(fresh=True) - execution.baseline)
    limit = execution.memory_limit
    session.spent = limit is not None and session.memory > limit


def _session_memory_error(execution: Execution) -> ExecuteError:
    limit = (execution.memory_limit or 0) >> 20
    return ExecuteError(
        type="memory",
        message=(
            f"the session's runs grew the process's memory past the limit of {limit} MB "
            "(memory_mb, for all of a session's runs together): the session's names are gone, "
            "the next run starts clean"
        ),
        exception="MemoryError",
    )


def _expired_error(execution: Execution, limits: Limits) -> ExecuteError:
    if execution.reason == "depth":
        return ExecuteError(type="policy", message=execution.detail, exception="RecursionError")
    if execution.reason == "memory":
        limit = (execution.memory_limit or 0) >> 20
        return ExecuteError(
            type="memory",
            message=f"the code grew the process's memory past the limit of {limit} MB (memory_mb)",
            exception="MemoryError",
        )
    return _timeout_error(limits)


def _timeout_error(limits: Limits) -> ExecuteError:
    return ExecuteError(
        type="timeout",
        message=f"the code ran past the time limit of {seconds(limits.timeout or 0)}",
        exception="TimeoutError",
    )


# -- errors -----------------------------------------------------------------------------------


def _classify(
    exc: BaseException, source: str, execution: Execution, limits: Limits
) -> ExecuteError:
    if isinstance(exc, Timeout) or (isinstance(exc, asyncio.CancelledError) and execution.expired):
        error = _expired_error(execution, limits)
        line, trace = _model_traceback(exc, source)
        return ExecuteError(error.type, error.message, error.exception, line, None, trace)
    kind: str
    if isinstance(exc, ToolCallLimitError):
        kind = "policy"
    elif isinstance(exc, ToolArgumentError):
        kind = "validation"
    elif isinstance(exc, ToolError):
        kind = "tool"
    elif isinstance(exc, PolicyError):
        kind = "policy"
    elif isinstance(exc, AllocationRefused | MemoryError):
        kind = "memory"
    elif isinstance(exc, BaseExceptionGroup) and all(
        isinstance(e, ToolError) for e in exc.exceptions
    ):
        kind = "tool"
    else:
        kind = "runtime"
    line, trace = _model_traceback(exc, source)
    message = _exception_text(exc)
    return ExecuteError(
        type=kind,  # type: ignore[arg-type]
        message=message,
        exception=_class_name(exc),
        line=line,
        traceback=trace,
    )


_TYPE_NAME = type.__dict__["__name__"]


def _class_name(exc: BaseException) -> str:
    """The name of `exc`'s class as the class holds it: a program metaclass's `__name__`
    property does not run (and cannot raise out of `execute`)."""
    return str.__str__(_TYPE_NAME.__get__(type(exc)))


def _exception_text(exc: BaseException) -> str:
    """`Type: message`, as exact strings. Model code may run here (its exception's `__str__`,
    a `ToolError` subclass's `describe`, its arguments' `__repr__`), while the run is still
    alive; whatever it does, this gives a string. Every exception is caught, not only
    `Exception`s: one raised by the program's code here is the program's (`SystemExit`,
    `CancelledError`, `Timeout` at the deadline), never the caller's."""
    name = _class_name(exc)
    try:
        return _bounded(_describe(exc, name))
    except BaseException as failure:
        return f"{name} (its message could not be read: {_class_name(failure)})"


def _describe(exc: BaseException, name: str) -> str:
    if isinstance(exc, ToolError):
        return str.__str__(str(exc.describe()))
    text = _bounded(bounded_exception_str(exc, MESSAGE_CHARS))
    if isinstance(exc, TypeError | AttributeError) and "'coroutine'" in text:
        text += " (did you forget `await`? tool calls are async: `await codemode.<tool>(...)`)"
    if isinstance(exc, BaseExceptionGroup):
        inner = "; ".join(
            exact_str(e.describe())
            if isinstance(e, ToolError)
            else f"{_class_name(e)}: {_bounded(bounded_exception_str(e, MESSAGE_CHARS))}"
            for e in exc.exceptions[:5]
        )
        return f"{_bounded(bounded_str(exc.message, MESSAGE_CHARS))}: {inner}"
    if isinstance(exc, KeyError) and exc.args:
        text = f"key {_bounded(bounded_repr(exc.args[0], MESSAGE_CHARS))} not found"
    return f"{name}: {text}" if text else name


MESSAGE_CHARS = 20_000  # of an exception's text, written as far as this (`_text`)


def _bounded(text: str) -> str:
    return text if len(text) <= MESSAGE_CHARS else text[:MESSAGE_CHARS] + "..."


def _model_traceback(exc: BaseException, source: str) -> tuple[int | None, str | None]:
    """The model's own frames, most recent last, and the line of the innermost one."""
    frames = [
        (frame.lineno, frame.name)
        for frame in traceback.extract_tb(exc.__traceback__)
        if frame.filename == FILENAME
    ]
    if not frames:
        return None, None
    lines = source.splitlines()
    out = ["Traceback (most recent call last):"]
    for lineno, name in frames[-8:]:
        where = "<module>" if name == "<module>" else name
        text = lines[lineno - 1].strip() if lineno and 0 < lineno <= len(lines) else ""
        out.append(f"  line {lineno}, in {where}: {text}")
    if isinstance(exc, Timeout | asyncio.CancelledError):
        out.append("TimeoutError: stopped here when the time limit was reached")
    else:
        out.append(f"{_class_name(exc)}: {_exception_text(exc).split(': ', 1)[-1]}")
        out.extend(_notes(exc))
    return frames[-1][0], "\n".join(out)


_EXCEPTION_DICT = BaseException.__dict__["__dict__"]


def _notes(exc: BaseException) -> list[str]:
    """The notes a guard added (why codemode refused), as CPython prints them: read from the
    exception's own dict (no property of a program class runs), exact strings only."""
    notes = _EXCEPTION_DICT.__get__(exc).get("__notes__")
    if type(notes) is not list:
        return []
    return [note for note in notes[:5] if type(note) is str]


# -- the tool proxy ---------------------------------------------------------------------------


class ToolProxy:
    """The `codemode` object model code calls tools through.

    Its one slot holds a lookup function whose state lives in a closure, so there is nothing to
    reach from model code (which cannot name `_cm_` attributes): `codemode.<tool>` gives an async
    function, anything else an AttributeError that suggests the closest tool.
    """

    _cm_state_: tuple[ToolBridge, Execution, RunControl | None]

    def __init__(
        self, bridge: ToolBridge, execution: Execution, control: RunControl | None = None
    ) -> None:
        if "_cm_state_" in self.__dict__:
            raise PolicyError("the codemode object cannot be changed")
        object.__setattr__(self, "_cm_state_", (bridge, execution, control))

    def __getattr__(self, name: str) -> Any:
        bridge, execution, control = self._cm_state_
        if name not in bridge.tools:
            raise AttributeError(unknown_tool_message(name, bridge.tools))
        function = _tool_function(name, bridge, execution, control)
        object.__setattr__(self, name, function)  # found directly next time
        return function

    def __setattr__(self, name: str, value: Any) -> None:
        raise PolicyError("the codemode object cannot be changed")

    def __delattr__(self, name: str) -> None:
        raise PolicyError("the codemode object cannot be changed")

    def __dir__(self) -> list[str]:
        return sorted(self._cm_state_[0].tools)

    def __repr__(self) -> str:
        return f"<codemode tools: {', '.join(sorted(self._cm_state_[0].tools))}>"


def _tool_function(
    name: str, bridge: ToolBridge, execution: Execution, control: RunControl | None
) -> Any:
    """The async function model code calls as `codemode.<name>`."""
    tool = bridge.tools[name]
    renames = {kw: prop for kw, prop in tool.keywords.items() if kw != prop}
    positional = tool.positional
    call_tool = bridge.call

    async def call(*args: Any, **kwargs: Any) -> Any:
        if execution.expired or execution.dead:
            if execution.expired:
                raise Timeout()
            # kept in a session's namespace from an earlier run: its bridge is that run's
            raise PolicyError("this is an earlier run's codemode object; call tools on `codemode`")
        if args:
            if len(args) == 1 and isinstance(args[0], dict) and not kwargs:
                kwargs = dict(args[0])
            elif len(args) <= len(positional):
                kwargs = {renames.get(key, key): value for key, value in kwargs.items()}
                for key, value in zip(positional, args, strict=False):
                    if key in kwargs:
                        raise ToolArgumentError(
                            f"{name}() got two values for argument {key!r}", tool=name
                        )
                    kwargs[key] = value
            else:
                raise ToolArgumentError(
                    f"{name}() takes keyword arguments (or one dict), "
                    f"not {len(args)} positional argument{'s' if len(args) > 1 else ''}",
                    tool=name,
                )
        elif renames:
            kwargs = {renames.get(key, key): value for key, value in kwargs.items()}
        return await call_tool(name, kwargs)

    call.__name__ = call.__qualname__ = name
    call.__doc__ = tool.description
    return call if control is None else _pausable(call, control)


def _pausable(plain: Any, control: RunControl) -> Any:
    """`codemode.<name>` in a run that may pause: a call that waits for approval is held."""

    async def call(*args: Any, **kwargs: Any) -> Any:
        slot = SLOT.get()  # where the call is in the program, for the journal
        position = CALL_POSITION.set(slot.next_call() if slot is not None else None)
        control.inflight += 1
        try:
            return await plain(*args, **kwargs)
        except ApprovalPending:
            return await control.hold()
        except ReplayDivergenceError as exc:
            control.diverge(exc)  # the program stops here, it must not go on another path
            return await asyncio.get_running_loop().create_future()
        finally:
            CALL_POSITION.reset(position)
            control.inflight -= 1
            control.poke()

    call.__name__ = call.__qualname__ = plain.__name__
    call.__doc__ = plain.__doc__
    return call


_TOOL_CALL_CODE = next(  # the code object of every tool function `_tool_function` makes
    (
        const
        for const in _tool_function.__code__.co_consts
        if isinstance(const, CodeType) and const.co_name == "call"
    ),
    None,
)


def _quiet_unawaited_tool_calls() -> None:
    """Keep "coroutine ... was never awaited" for a tool call, or any coroutine of the program,
    out of the host's stderr.

    A tool call model code forgot to `await` is the model's mistake, reported to it in the
    error (`did you forget await?`); the host's log is no place for it. CPython reports an
    unawaited coroutine through `warnings._warn_unawaited_coroutine`; this wraps it once per
    process, passing every other coroutine on, and costs nothing per tool call. Where CPython
    cannot reach that function (it imports `warnings` with the model's `__import__`, which
    refuses it), it warns from the model's frame: a filter on the model's module name drops it.
    """
    warnings.filterwarnings(
        "ignore",
        message=r"coroutine '.*' was never awaited",
        category=RuntimeWarning,
        module=re.escape(PROGRAM_MODULE),
    )
    original = getattr(warnings, "_warn_unawaited_coroutine", None)
    if original is None or getattr(original, "_codemode_", False):
        return

    def warn_unawaited(coro: Any) -> None:
        code = getattr(coro, "cr_code", None)
        if code is _TOOL_CALL_CODE or (code is not None and code.co_filename == FILENAME):
            return  # a tool call, or any coroutine of the program: the program's business
        if CURRENT.get(None) is not None:
            # dropped while a run's code (or its end) runs in this context, a coroutine of the
            # standard library the program made and never awaited (`asyncio.sleep(1)`, a
            # task cancelled before it started): the program's business too
            return
        original(coro)

    warn_unawaited._codemode_ = True  # type: ignore[attr-defined]
    warnings._warn_unawaited_coroutine = warn_unawaited  # type: ignore[attr-defined]


_quiet_unawaited_tool_calls()


# -- the watchdog -----------------------------------------------------------------------------


class _Watchdog:
    """One daemon thread that expires executions whose deadline passed, or during which the
    process grew past their memory limit.

    Model code that never awaits blocks the event loop, so a loop timer cannot fire; this thread
    can (the interpreter hands it the GIL every few milliseconds), and expiring swaps the no-op
    check in the execution's globals for one that raises. While runs with a memory limit are
    active it wakes every `SAMPLE` seconds to read the process's resident memory.
    """

    SAMPLE = 0.02
    GRACE = 0.1  # how long an expired run may take to reach its next check

    def __init__(self) -> None:
        self._rss = 0  # the last sample of resident memory, and when it was taken
        self._sampled_at = -1.0
        self._heap: list[tuple[float, int, weakref.ref[Execution]]] = []
        self._sampled: list[weakref.ref[Execution]] = []
        self._stuck: list[tuple[float, weakref.ref[Execution]]] = []  # expired, maybe still running
        self._condition = threading.Condition()
        self._counter = itertools.count()
        self._thread: threading.Thread | None = None
        # A forked child (the subprocess executor's workers) has no watchdog thread yet.
        os.register_at_fork(after_in_child=self._forget_thread)

    def _forget_thread(self) -> None:
        self._thread = None
        self._condition = threading.Condition()
        self._heap = []
        self._sampled = []
        self._stuck = []
        self._sampled_at = -1.0

    def watch(self, deadline: float | None, execution: Execution) -> None:
        with self._condition:
            wake = False
            ref = weakref.ref(execution)
            if deadline is not None:
                entry = (deadline, next(self._counter), ref)
                if len(self._heap) > 4096:
                    self._sweep()
                heapq.heappush(self._heap, entry)
                wake = self._heap[0] is entry
            if execution.memory_limit is not None:
                wake = wake or not self._sampled  # the first sample (the baseline) comes now
                self._sampled.append(ref)
            if wake:
                self._condition.notify()
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="codemode-watchdog", daemon=True
                )
                self._thread.start()

    def _sweep(self) -> None:
        """Drop the entries of executions that are finished or gone."""
        live = [e for e in self._heap if (x := e[2]()) is not None and not x.dead]
        heapq.heapify(live)
        self._heap = live

    def resident(self, *, fresh: bool = False) -> int:
        """The process's resident memory now: the last sample if it is fresh (the sampler runs
        while runs are active), else read here (a run's baseline must not lag behind it).
        `fresh` reads it anyway: as a session's run starts and ends, so that what happened
        between its runs is not charged to the session and what happened during them is."""
        if fresh or time.monotonic() - self._sampled_at > self.SAMPLE * 2:
            self._rss = resident_memory()
            self._sampled_at = time.monotonic()
        return self._rss

    def _sample(self) -> None:
        """Stop the runs during which the process grew past their limit."""
        rss = self._rss = resident_memory()
        self._sampled_at = time.monotonic()
        live = []
        for ref in self._sampled:
            execution = ref()
            if execution is None or execution.dead or execution.expired:
                continue
            limit = execution.memory_limit
            if execution.baseline is None:
                execution.baseline = rss
            elif limit is not None and rss - execution.baseline > limit:
                execution.expire("memory")
                _wake(execution)
                self._stuck.append((self._sampled_at, ref))
                continue
            live.append(ref)
        self._sampled = live

    def _run(self) -> None:
        with self._condition:
            while True:
                now = time.monotonic()
                while self._heap and self._heap[0][0] <= now:
                    _, _, ref = heapq.heappop(self._heap)
                    execution = ref()
                    if execution is not None and not execution.dead:
                        execution.expire()
                        _wake(execution)
                        self._stuck.append((now, ref))
                if self._sampled:
                    self._sample()
                if self._stuck:
                    self._interrupt_stuck(now)
                wait = self._heap[0][0] - now if self._heap else None
                if self._sampled or self._stuck:
                    wait = self.SAMPLE if wait is None else min(wait, self.SAMPLE)
                self._condition.wait(timeout=wait)

    def _interrupt_stuck(self, now: float) -> None:
        """Runs that expired and still run after `GRACE` are inside code with no check: host
        Python code they called (`random.gammavariate(float('inf'), 1)` never returns,
        `random.shuffle` of a huge list takes seconds), or one long C call. If the run's thread
        is in such code called from the run (a frame of the run's namespace is on its stack),
        `Timeout` is raised in that thread; CPython delivers it at the next bytecode, inside that
        code, and it unwinds into the run as its deadline. (A C call stays out of reach until it
        returns.) The run clears a raise still on its way once it ends, never leaving it to the
        host."""
        frames: dict[int, Any] | None = None
        live = []
        for since, ref in self._stuck:
            execution = ref()
            if execution is None or execution.dead or execution.ending:
                continue
            if now - since >= self.GRACE:
                if frames is None:
                    frames = sys._current_frames()
                thread = execution.thread
                if thread is not None and _runs_in(frames.get(thread), execution.globals):
                    execution.interrupting = True  # before `ending` is read: see `run`
                    if not execution.ending:
                        _interrupt(thread, Timeout)
                since = now  # again after another grace, if it is still there
            live.append((since, ref))
        self._stuck = live


def _runs_in(frame: Any, namespace: dict[str, Any]) -> bool:
    """Whether the thread is in code the program called itself: a frame of the program (its
    globals are the run's namespace) is on the stack, and nothing between the top and it is
    codemode's own code outside the sandbox. That code (the tool bridge, `print`'s log) is where
    the integrator's code runs, a tool or an `on_event` callback, trusted and never to be
    interrupted: the deadline lands when it returns."""
    while frame is not None:
        if frame.f_globals is namespace:
            return True
        filename = frame.f_code.co_filename
        if filename.startswith(_PACKAGE) and not filename.startswith(_SANDBOX):
            return False
        frame = frame.f_back
    return False


# As frames spell their files (`co_filename`), whatever path the package was imported by.
_HERE = os.path.dirname(_runs_in.__code__.co_filename)
_PACKAGE = os.path.dirname(_HERE) + os.sep
_SANDBOX = os.path.join(_HERE, "_sandbox") + os.sep


def _interrupt(thread: int | None, exception: type[BaseException] | None) -> None:
    """Have CPython raise `exception` in `thread` at its next bytecode (None: no longer)."""
    if thread is not None:
        ctypes.pythonapi.PyThreadState_SetAsyncExc(
            ctypes.c_ulong(thread), ctypes.py_object(exception) if exception is not None else None
        )


def _wake(execution: Execution) -> None:
    """From the watchdog thread: have the execution's loop cancel its task, which may be waiting
    on something that never comes (model code that never awaits stops at its next check)."""
    waker = execution.waker
    if waker is None:
        return
    loop, task = waker
    with contextlib.suppress(RuntimeError):  # the loop is closed: nothing waits on it
        loop.call_soon_threadsafe(_expire_and_cancel, execution, task)


WATCHDOG = _Watchdog()
