"""What every guard shares: the size limits, the errors model code sees, and `Execution`, the
state of one run (its deadline, its tasks, its namespace), found through the `CURRENT` context
variable where a shared function needs it."""

from __future__ import annotations

import asyncio
import contextvars
import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

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
    """The process's resident set size in bytes (0 where /proc is not available)."""
    try:
        with open("/proc/self/statm", "rb") as statm:
            return int(statm.read().split()[1]) * _PAGE
    except (OSError, ValueError, IndexError):
        return 0


_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


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


def _refuse(what: str) -> AllocationRefused:
    return AllocationRefused(f"refused before running: {what}")


# -- the current execution ----------------------------------------------------------------------


class Execution:
    """What one execution's guards share: the deadline flag, spawned tasks, the namespace."""

    __slots__ = (
        "__weakref__",
        "cancelled",
        "dead",
        "deadline",
        "expired",
        "globals",
        "modules",
        "replay",
        "tasks",
        "waker",
    )

    def __init__(self, deadline: float | None = None) -> None:
        self.deadline = deadline  # time.monotonic() value, or None for no limit
        self.expired = False
        self.cancelled = False
        self.modules: dict[str, ModuleFacade] = {}
        self.dead = False
        self.globals: dict[str, Any] = {}
        self.tasks: set[asyncio.Task[Any]] = set()
        self.replay: Any = None  # a `_replay.RunReplay` when the run may pause
        # the loop and the task the watchdog wakes at the deadline, until the execution is over
        self.waker: tuple[asyncio.AbstractEventLoop, asyncio.Task[Any] | None] | None = None

    def expire(self) -> None:
        """The deadline passed: from now on every check in model code raises `Timeout`."""
        self.expired = True
        self.globals[TICK_NAME] = _raise_timeout

    def kill(self) -> None:
        """The execution is over: leftover model code (a paused generator) stops at its next check."""
        self.dead = True
        self.globals[TICK_NAME] = _raise_timeout

    def spawn(self, awaitable: Any) -> asyncio.Future[Any]:
        if self.replay is not None and asyncio.iscoroutine(awaitable):
            # a run that may pause: the task gets its own slot (see `_replay.TaskSlot`)
            task = asyncio.get_running_loop().create_task(
                awaitable, context=self.replay.child_context()
            )
            self.tasks.add(task)
            return task
        future: asyncio.Future[Any] = asyncio.ensure_future(awaitable)
        if isinstance(future, asyncio.Task):
            self.tasks.add(future)
        return future


CURRENT: contextvars.ContextVar[Execution] = contextvars.ContextVar("codemode_execution")
TICK_NAME = GUARD_PREFIX + "tick_"


def _raise_timeout() -> None:
    raise Timeout()


def _quiet_unraisable(previous: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """A leftover generator of a finished execution is closed when it is garbage collected; its
    `finally` then stops at the first check, raising `Timeout` where nobody can catch it. That
    is the policy working, not an error worth printing on the host's stderr."""

    def hook(unraisable: Any) -> None:
        if not isinstance(unraisable.exc_value, Timeout):
            previous(unraisable)

    hook.codemode = True  # type: ignore[attr-defined]
    return hook


def install_unraisable_filter() -> None:
    if not getattr(sys.unraisablehook, "codemode", False):
        sys.unraisablehook = _quiet_unraisable(sys.unraisablehook)


def current() -> Execution:
    return CURRENT.get()
