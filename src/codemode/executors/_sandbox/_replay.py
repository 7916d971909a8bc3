"""What a run that may pause replays on resume: where each tool call is in the program, the seed
of its random sources and the readings of its clocks, so that `random`, `uuid.uuid4`, `time` and
`datetime.now()` give the program the values they gave it the first time.

Positions, clock readings and random generators are kept per task (`TaskSlot`): the main program is the task `()`,
the tasks it starts (`gather`, `create_task`, a `TaskGroup`) are `(0,)`, `(1,)`, ... in the order
it starts them, theirs `(1, 0)` and so on. Concurrent branches may run in another order on replay
(their tool results come at once from the journal); each keeps its own positions and readings.

A run that cannot pause (no tool needs approval) has none of this: its facades read the real
clocks and an unseeded generator, as before.
"""

from __future__ import annotations

import contextvars
import random
from collections.abc import Callable
from typing import Any

from ._runtime import CURRENT

# Clocks that measure intervals: after the replayed readings they go on from the last one, so
# that the time a run spent paused (and replaying) is not seen by the program.
_INTERVAL_CLOCKS = frozenset(
    {
        "monotonic",
        "monotonic_ns",
        "perf_counter",
        "perf_counter_ns",
        "process_time",
        "process_time_ns",
    }
)

MAX_DEPTH = 200  # of a task path (positions travel with 256 at most: see `is_position`)
MAX_READINGS = 10_000  # kept per run; a program that reads the clock more replays the rest live


class TaskSlot:
    """One task of a run that may pause: its path, and how many calls, clock readings and
    tasks it has made so far."""

    __slots__ = ("calls", "generators", "key", "path", "readings", "spawned")

    def __init__(self, path: tuple[int, ...]) -> None:
        self.path = path
        self.key = ".".join(map(str, path))  # the path as checkpoints key clock readings
        self.calls = 0
        self.readings = 0
        self.spawned = 0
        self.generators: dict[str, random.Random] = {}  # this task's `random` and `uuid4`

    def next_call(self) -> tuple[int, ...]:
        """The position of this task's next tool call."""
        self.calls += 1
        return (*self.path, self.calls - 1)

    def child(self) -> TaskSlot:
        self.spawned += 1
        path = (*self.path, self.spawned - 1)
        if len(path) > MAX_DEPTH:  # tasks started by tasks, very deep: fold the tail, the same
            path = (*path[: MAX_DEPTH - 1], hash(path[MAX_DEPTH - 1 :]) & 0x7FFF_FFFF)  # each run
        return TaskSlot(path)


SLOT: contextvars.ContextVar[TaskSlot | None] = contextvars.ContextVar(
    "codemode_task_slot", default=None
)


def child_context() -> contextvars.Context | None:
    """The context for a task the program starts: its own slot, the next of its parent's. None
    outside a run that may pause."""
    parent = SLOT.get()
    if parent is None:
        return None
    context = contextvars.copy_context()
    context.run(SLOT.set, parent.child())
    return context


class RunReplay:
    """The seed and the clock readings of one run, and the readings it takes itself."""

    __slots__ = ("_count", "_last", "_offsets", "clock", "readings", "seed")

    def __init__(self, seed: int, clock: dict[str, Any] | None = None) -> None:
        self.seed = seed
        self.clock: dict[str, Any] = clock or {}  # per task path: [[clock, value], ...]
        self.readings: dict[str, list[list[Any]]] = {}  # this run's, replayed ones included
        self._count = 0
        self._last: dict[str, Any] = {}
        self._offsets: dict[str, Any] = {}

    def read(self, kind: str, live: Callable[[], Any]) -> Any:
        """The next reading of clock `kind`: from the earlier runs while they last, then live."""
        slot = SLOT.get()
        key = slot.key if slot is not None else ""
        earlier = self.clock.get(key)
        if slot is not None and earlier is not None and slot.readings < len(earlier):
            name, value = earlier[slot.readings]
            if name == kind:
                slot.readings += 1
                self._last[kind] = value
                self._keep(key, kind, value)
                return value
            slot.readings = len(earlier)  # another path than the first time: live from here
        value = live()
        if kind in _INTERVAL_CLOCKS and kind in self._last:
            if kind not in self._offsets:
                self._offsets[kind] = self._last[kind] - value
            value += self._offsets[kind]
        self._keep(key, kind, value)
        return value

    def _keep(self, key: str, kind: str, value: Any) -> None:
        if self._count < MAX_READINGS:
            self._count += 1
            self.readings.setdefault(key, []).append([kind, value])

    def child_context(self) -> contextvars.Context | None:
        """The context for a task the program starts (see `child_context`)."""
        return child_context()


def current_replay() -> RunReplay | None:
    execution = CURRENT.get(None)
    return execution.replay if execution is not None else None


def reading(kind: str, live: Callable[[], Any]) -> Any:
    """`live()`, or the replayed reading of clock `kind` in a run that may pause."""
    replay = current_replay()
    return live() if replay is None else replay.read(kind, live)
