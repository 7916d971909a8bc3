"""What a run that may pause replays on resume: the seed of its random sources and the readings
of its clocks, so that `random`, `uuid.uuid4`, `time` and `datetime.now()` give the program the
values they gave it the first time.

A run that cannot pause (no tool needs approval) has no `RunReplay`: its facades read the real
clocks and an unseeded generator, as before.
"""

from __future__ import annotations

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


MAX_READINGS = 10_000  # kept per run; a program that reads the clock more replays the rest live


class RunReplay:
    """The seed and the clock readings of one run, and the readings it takes itself."""

    __slots__ = ("_last", "_offsets", "_position", "_uuids", "clock", "readings", "seed")

    def __init__(self, seed: int, clock: list[Any] | None = None) -> None:
        self.seed = seed
        self.clock: list[Any] = clock or []  # [[clock name, value], ...] of the earlier runs
        self.readings: list[list[Any]] = []  # every reading of this run, replayed ones first
        self._position = 0
        self._last: dict[str, Any] = {}
        self._offsets: dict[str, Any] = {}
        self._uuids: random.Random | None = None

    def read(self, kind: str, live: Callable[[], Any]) -> Any:
        """The next reading of clock `kind`: from the earlier runs while they last, then live."""
        clock = self.clock
        if self._position < len(clock):
            name, value = clock[self._position]
            if name == kind:
                self._position += 1
                self._last[kind] = value
                self._keep(kind, value)
                return value
            self._position = len(clock)  # another path than the first time: live from here
        value = live()
        if kind in _INTERVAL_CLOCKS and kind in self._last:
            if kind not in self._offsets:
                self._offsets[kind] = self._last[kind] - value
            value += self._offsets[kind]
        self._keep(kind, value)
        return value

    def _keep(self, kind: str, value: Any) -> None:
        if len(self.readings) < MAX_READINGS:
            self.readings.append([kind, value])

    def uuids(self) -> random.Random:
        """The generator `uuid.uuid4` draws from: the run's own, apart from `random`'s."""
        if self._uuids is None:
            self._uuids = random.Random(self.seed ^ 0x5555_5555_5555)
        return self._uuids


def current_replay() -> RunReplay | None:
    execution = CURRENT.get(None)
    return execution.replay if execution is not None else None


def reading(kind: str, live: Callable[[], Any]) -> Any:
    """`live()`, or the replayed reading of clock `kind` in a run that may pause."""
    replay = current_replay()
    return live() if replay is None else replay.read(kind, live)
