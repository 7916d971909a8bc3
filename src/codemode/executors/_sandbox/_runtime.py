"""What every guard shares: the size limits, the errors model code sees, and `Execution`, the
state of one run (its deadline, its tasks, its namespace), found through the `CURRENT` context
variable where a shared function needs it."""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import os
import sys
import threading
import types
import warnings
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..._program import FILENAME as PROGRAM_FILENAME
from .._policy import GUARD_PREFIX

if TYPE_CHECKING:
    from ._facade import ModuleFacade

# Sizes past which a single operation is refused before it runs.
MAX_ITEMS = 10_000_000  # characters of a string, items of a list
MAX_INT_BITS = 1 << 22  # about 1.3 million decimal digits
BIG_RANGE = 100_000  # ranges longer than this iterate in checked chunks
CHUNK = 4096

MAX_MEMORY_GROWTH = 1 << 30  # bytes a single range iteration may add to the process


def resident_memory() -> int:
    """The process's resident set size in bytes (0 where /proc is not available).

    Read through a descriptor kept open (a `pread` costs about a microsecond, opening the file
    each time several), holding the GIL where it can: every run of a session reads it as it
    ends, and a system call that lets the GIL go hands the interpreter to the watchdog's thread
    each time (tens of microseconds on a busy machine)."""
    global _STATM
    try:
        statm = _STATM
        if statm is None or statm[0] != os.getpid():  # a forked child opens its own
            with _STATM_LOCK:  # the watchdog's thread reads it too: one descriptor
                if _STATM is None or _STATM[0] != os.getpid():
                    _STATM = (os.getpid(), os.open("/proc/self/statm", os.O_RDONLY | os.O_CLOEXEC))
                statm = _STATM
        return int(_pread(statm[1]).split()[1]) * _PAGE
    except (OSError, ValueError, IndexError):
        return 0


def _pread_keeping_the_gil() -> Callable[[int], bytes]:
    """`os.pread(fd, 128, 0)`, through libc called with the GIL held (`ctypes.PyDLL`) where
    there is one; `os.pread` elsewhere."""
    try:
        import ctypes

        call = ctypes.PyDLL(None).pread
    except (ImportError, OSError, AttributeError):
        return lambda fd: os.pread(fd, 128, 0)
    call.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_size_t, ctypes.c_long]
    call.restype = ctypes.c_ssize_t

    def pread(fd: int) -> bytes:
        buffer = ctypes.create_string_buffer(128)  # one per call: two threads may read
        size = call(fd, buffer, 128, 0)
        if size < 0:
            raise OSError("cannot read /proc/self/statm")
        return buffer.raw[:size]

    return pread


_pread = _pread_keeping_the_gil()


def _close_statm_in_child() -> None:
    """A forked child's descriptor would read its parent's figures: closed at once."""
    global _STATM, _STATM_LOCK
    _STATM_LOCK = threading.Lock()  # another thread may have held it at the fork
    if _STATM is not None:
        with contextlib.suppress(OSError):
            os.close(_STATM[1])
        _STATM = None


_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
_STATM: tuple[int, int] | None = None  # (the process id it was opened in, the descriptor)
_STATM_LOCK = threading.Lock()
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_close_statm_in_child)


class PolicyError(Exception):
    """Model code tried something the policy forbids."""


class ImportPolicyError(PolicyError, ImportError):
    """An import of a module that is not allowed (catchable as ImportError)."""


class AttributeRefused(PolicyError, AttributeError):
    """A refused attribute read or write: the `AttributeError` CPython raises for a missing or
    read-only attribute, so `except AttributeError` and `hasattr` behave as they do there. It
    carries CPython's name (what `type(e).__name__` and the run's error show); the reason is a
    note."""


AttributeRefused.__name__ = AttributeRefused.__qualname__ = "AttributeError"


def refused_attribute(obj: Any, name: str, reason: str) -> AttributeRefused:
    """`'int' object has no attribute 'x'`, as CPython words it, with `reason` as a note."""
    error = AttributeRefused(f"{type(obj).__name__!r} object has no attribute {name!r}")
    error.add_note(f"codemode: {reason}")
    return error


class AllocationRefused(MemoryError):
    """A single operation would build an object past the size limits (a `MemoryError`, what
    CPython would raise had it tried; its own name tells the run's error it was refused)."""


class Timeout(BaseException):
    """The execution's deadline passed. Not an Exception, so `except Exception` cannot keep it;
    every `except` and `finally` in model code re-raises it on entry."""


def counted(value: Any, what: str) -> None:
    """A count or a size (`seq * n`, a width, `bytes(n)`, `comb(n, k)`) must be an `int`. CPython
    takes any object with `__index__` there, but a guard that sized the program's object through
    `__index__` would not size what CPython then uses: CPython calls `__index__` again, and the
    program's may answer 3 the first time and 3 * 10**9 the next."""
    if not isinstance(value, int) and hasattr(type(value), "__index__"):
        raise PolicyError(
            f"{what}: a count must be an int, not {type(value).__name__!r} (pass int(...))"
        )


def _refuse(what: str) -> AllocationRefused:
    return AllocationRefused(f"refused before running: {what}")


# -- the current execution ----------------------------------------------------------------------


class Execution:
    """What one execution's guards share: the deadline flag, spawned tasks, the namespace, and
    everything the program armed that must be disarmed when it ends (see `disarm`)."""

    __slots__ = (
        "__weakref__",
        "agens",
        "baseline",
        "cancels",
        "dead",
        "deadline",
        "detail",
        "ending",
        "endings",
        "expired",
        "globals",
        "interrupting",
        "memory_limit",
        "modules",
        "overloads",
        "reason",
        "replay",
        "tasks",
        "thread",
        "timers",
        "waker",
    )

    def __init__(self, deadline: float | None = None, memory_limit: int | None = None) -> None:
        self.deadline = deadline  # time.monotonic() value, or None for no limit
        self.memory_limit = memory_limit  # bytes the process may grow by during the run, or None
        self.baseline: int | None = None  # resident memory when the run started
        self.expired = False
        self.reason = "timeout"  # why it expired: "timeout", "memory" or "depth"
        self.detail = ""  # what was too deep, for "depth"
        self.cancels = 0  # cancellations of the caller's task that the run itself caused
        self.modules: dict[str, ModuleFacade] = {}
        self.dead = False
        self.ending = False  # the run is past its last line: no more interrupting it
        self.interrupting = False  # the watchdog raised `Timeout` in its thread (see _inprocess)
        self.thread: int | None = None  # the thread the run started on
        self.globals: dict[str, Any] = {}
        self.tasks: set[asyncio.Future[Any]] = set()  # its tasks and gathering futures
        self.timers: list[Any] = []  # `asyncio.timeout`s the program entered and has not left
        self.agens: list[weakref.ref[Any]] | None = None  # its async generators, once it has any
        self.endings: list[Callable[[], None]] | None = None  # to undo when the run ends
        self.overloads: dict[str, list[Any]] | None = None  # `typing.overload`s
        self.replay: Any = None  # a `_replay.RunReplay` when the run may pause
        # the loop and the task the watchdog wakes at the deadline, until the execution is over
        self.waker: tuple[asyncio.AbstractEventLoop, asyncio.Task[Any] | None] | None = None

    def expire(self, reason: str = "timeout", detail: str = "") -> None:
        """The deadline passed (or memory grew past the limit, or a structure past the depth
        bound): from now on every check in model code raises `Timeout`."""
        if not self.expired:
            self.reason = reason
            self.detail = detail
        self.expired = True
        self.globals[TICK_NAME] = _raise_timeout

    def kill(self) -> None:
        """The execution is over: leftover model code (a paused generator) stops at its next check."""
        self.dead = True
        self.globals[TICK_NAME] = _raise_timeout

    def at_end(self, undo: Callable[[], None]) -> None:
        """Have `undo` run when the run ends (in the caller's task)."""
        if self.endings is None:
            self.endings = []
        self.endings.append(undo)

    def spawn(self, awaitable: Any) -> asyncio.Future[Any]:
        if type(awaitable) is types.CoroutineType:
            awaitable = contained(awaitable)
        elif _foreign_awaitable(awaitable):
            # Anything else the program hands over (its object with `__await__`, or one that
            # says it is a future) is awaited in a task of the run's own: asyncio takes a
            # "future" as it is, and its gathering future's `cancel` would call the program's
            # `cancel` when the run ends, after its code may no longer run.
            awaitable = contained(_awaited(awaitable))
        if self.replay is not None and asyncio.iscoroutine(awaitable):
            # a run that may pause: the task gets its own slot (see `_replay.TaskSlot`)
            task = asyncio.get_running_loop().create_task(
                awaitable, context=self.replay.child_context()
            )
            self.adopt(task)
            return task
        future: asyncio.Future[Any] = asyncio.ensure_future(awaitable)
        if isinstance(future, asyncio.Task):
            self.adopt(future)
        return future

    def adopt(self, task: asyncio.Future[Any]) -> None:
        """The task belongs to the run: cancelled when it ends, its failure never logged."""
        self.tasks.add(task)


def _foreign_awaitable(obj: Any) -> bool:
    """An awaitable, or an object that says it is a future, other than asyncio's own futures
    (anything else is asyncio's to refuse, with its own TypeError)."""
    from ._owner import owned  # (`_owner` imports this module)

    if isinstance(obj, asyncio.Future) and not owned(obj):
        return False
    kind = type(obj)
    return hasattr(kind, "__await__") or hasattr(kind, "_asyncio_future_blocking")


async def _awaited(awaitable: Any) -> Any:
    return await awaitable


async def contained(coro: Any) -> Any:
    """Await a coroutine of the program in a task of its own: asyncio re-raises `SystemExit` and
    `KeyboardInterrupt` out of the event loop (killing the host's `run_until_complete`), so in
    a task they become ordinary errors of the program."""
    try:
        return await coro
    except (SystemExit, KeyboardInterrupt) as exc:
        raise RuntimeError(f"{type(exc).__name__} raised in a task: {exc}") from None


def disarm(execution: Execution, task: asyncio.Task[Any] | None) -> None:
    """The run is over: nothing it armed may fire later (it would cancel the caller's task, or
    run the program's code after its end), and the caller's task is left as it was found."""
    if not (
        execution.timers
        or execution.cancels
        or execution.tasks
        or execution.agens
        or execution.endings
    ):
        return  # it armed nothing: the usual case, kept cheap
    # The host calls nothing here that the program could have defined: a program subclass of
    # `asyncio.Timeout` may override `expired`/`reschedule`, so asyncio's own are called.
    for timer in execution.timers:  # `asyncio.timeout(...)` entered by hand and never left
        if not asyncio.Timeout.expired(timer):
            asyncio.Timeout.reschedule(timer, None)
    execution.timers.clear()
    if task is not None:
        for _ in range(execution.cancels):  # what the deadline and the program's timeouts did
            task.uncancel()
    execution.cancels = 0
    for child in execution.tasks:
        if child.done():
            _retrieve(child)
        else:
            child.cancel("codemode: the execution is over")
            child.add_done_callback(_retrieve)
            _close_unstarted(child)
    execution.tasks.clear()
    for ref in execution.agens or ():
        agen = ref()
        if agen is not None:  # finish it now: its `finally` stops at its first check
            _close_now(agen)
    execution.agens = None
    for undo in reversed(execution.endings or ()):
        undo()
    execution.endings = None


def _unstarted(coro: Any) -> bool:
    return (
        type(coro) is types.CoroutineType
        and coro.cr_frame is not None
        and not coro.cr_running
        and not coro.cr_suspended
    )


def _close_unstarted(task: Any) -> None:
    """A task cancelled before its first step never runs its coroutine (`contained`), and the
    coroutine that one was to await (`asyncio.sleep(1)`, made by the program) would warn
    "never awaited" on the host's stderr when it is dropped, outside the run: closed now."""
    get_coro = getattr(task, "get_coro", None)
    outer = get_coro() if get_coro is not None else None
    if outer is not None and _unstarted(outer):
        inner = outer.cr_frame.f_locals.get("coro")
        if _unstarted(inner):
            inner.close()


def _close_now(agen: Any) -> None:
    closing = agen.aclose()
    try:
        closing.send(None)
    except BaseException:  # StopIteration, Timeout, or its own error: all the same
        pass
    else:
        closing.close()  # it awaited in its `finally`: nothing will resume it


def track_async_generators() -> None:
    """Have this thread's first-iteration hook record the program's async generators in their
    run, so that the run's end finishes them (the event loop's finalizer would otherwise run
    their code later, in a task of its own)."""
    hooks = sys.get_asyncgen_hooks()
    if getattr(hooks.firstiter, "codemode", False):
        return
    previous, previous_finalizer = hooks.firstiter, hooks.finalizer

    def firstiter(agen: Any) -> None:
        if _program_code(agen):
            execution = CURRENT.get(None)
            if execution is not None:
                if execution.agens is None:
                    execution.agens = []
                execution.agens.append(weakref.ref(agen))
        if previous is not None:
            previous(agen)

    def finalizer(agen: Any) -> None:
        # A program's async generator dropped unfinished is finished here and now, not in a
        # task of the loop's that would run the program's code after its run.
        if _program_code(agen):
            _close_now(agen)
        elif previous_finalizer is not None:
            previous_finalizer(agen)

    firstiter.codemode = True  # type: ignore[attr-defined]
    sys.set_asyncgen_hooks(firstiter=firstiter, finalizer=finalizer)


def _retrieve(task: asyncio.Future[Any]) -> None:
    # a failed task nobody awaited is the program's business, not a line on the host's stderr
    if not task.cancelled():
        task.exception()


CURRENT: contextvars.ContextVar[Execution] = contextvars.ContextVar("codemode_execution")
TICK_NAME = GUARD_PREFIX + "tick_"


def _raise_timeout() -> None:
    raise Timeout()


def _program_code(obj: Any) -> bool:
    """Whether `obj` is a generator, coroutine or async generator of model code."""
    code = getattr(obj, "gi_code", None) or getattr(obj, "cr_code", None)
    code = code or getattr(obj, "ag_code", None)
    return code is not None and code.co_filename == PROGRAM_FILENAME


def _from_program(traceback: Any) -> bool:
    while traceback is not None:
        if traceback.tb_frame.f_code.co_filename == PROGRAM_FILENAME:
            return True
        traceback = traceback.tb_next
    return False


def _quiet_unraisable(previous: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """What a program leaves to the garbage collector (a generator closed late, whose `finally`
    stops at its first check with `Timeout`; an error raised there) is not the host's to print:
    nothing a program wrote reaches the host's stderr."""

    def hook(unraisable: Any) -> None:
        if isinstance(unraisable.exc_value, Timeout) or _program_code(unraisable.object):
            return
        if _from_program(unraisable.exc_traceback):
            return
        previous(unraisable)

    hook.codemode = True  # type: ignore[attr-defined]
    return hook


def _quiet_showwarning(previous: Callable[..., Any]) -> Callable[..., Any]:
    """A warning raised on behalf of model code (its frame is the warning's origin) is the
    program's, not the host's to print."""

    def showwarning(message: Any, category: Any, filename: str, *args: Any, **kwargs: Any) -> None:
        if filename != PROGRAM_FILENAME:
            previous(message, category, filename, *args, **kwargs)

    showwarning.codemode = True  # type: ignore[attr-defined]
    return showwarning


def install_unraisable_filter() -> None:
    """Install, once per process, the hooks that keep what programs leave behind off stderr."""
    if not getattr(sys.unraisablehook, "codemode", False):
        sys.unraisablehook = _quiet_unraisable(sys.unraisablehook)
    if not getattr(warnings.showwarning, "codemode", False):
        warnings.showwarning = _quiet_showwarning(warnings.showwarning)


def check_deadline() -> None:
    """For host code that loops on the program's behalf, where no check of the program's runs:
    a facade's own Python loop (`deepcopy`), or a function that a C loop calls (`operator.add`
    under `functools.reduce`). Stops when the run's deadline or memory limit has passed."""
    execution = CURRENT.get(None)
    if execution is not None and execution.expired:
        raise Timeout()


def current() -> Execution:
    return CURRENT.get()
