"""The `time` facade: clocks and conversions; nothing that sleeps, sets the host's clock or
time zone, or reads a thread's clock."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ._builtins import _unavailable
from ._facade import _public_members

EXCLUDED: dict[str, frozenset[str]] = {
    "time": frozenset(
        {
            "sleep",
            "thread_time",
            "thread_time_ns",
            "pthread_getcpuclockid",
            "clock_settime",
            "clock_settime_ns",
            "tzset",
        }
    ),
}


def _time_module() -> dict[str, Any]:
    import time

    members = _public_members(time, EXCLUDED["time"])
    members["sleep"] = _unavailable("time.sleep", "use `await asyncio.sleep(seconds)`")
    return members


FACADES: dict[str, Callable[[], dict[str, Any]]] = {"time": _time_module}
