"""The program's side of a pause: holding calls that wait for approval until the program settles.

When a call waits for a decision, the tool proxy holds it (the program's task waits on it) and
the rest of the program runs on: calls started together with `asyncio.gather` reach their own
tools and wait too. Once every tool call the program has in flight is held, for a few turns of
the event loop in a row, nothing can move without a decision: the run is stopped the way a
deadline stops it, and reported as paused. A branch that is sleeping then stops where it is; on
resume the program runs again from the start, so it gets there again.

Standard library only (the subprocess worker imports it).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from .._approvals import ReplayDivergenceError
from .._result import ExecuteError

SETTLE_TURNS = 3  # loop turns with every call held before the run counts as settled


class RunControl:
    """Per run: how many tool calls are in flight and held, and why the run was stopped."""

    __slots__ = ("_loop", "_scheduled", "_stop", "_turns", "diverged", "held", "inflight", "paused")

    def __init__(self, stop: Callable[[], None]) -> None:
        self._stop = stop  # stops the program as its deadline would
        self._loop: asyncio.AbstractEventLoop | None = None
        self._scheduled = False
        self._turns = 0
        self.inflight = 0  # tool calls started and not finished, held ones included
        self.held = 0
        self.paused = False
        self.diverged: str | None = None

    @property
    def stopped(self) -> bool:
        return self.paused or self.diverged is not None

    async def hold(self) -> Any:
        """Wait for ever: the call waits for a decision, which comes in another run."""
        self.held += 1
        self._loop = asyncio.get_running_loop()
        self.poke()
        return await self._loop.create_future()

    def poke(self) -> None:
        """A call was held or finished: see whether the program has settled. Only while every
        call in flight is held does the check go on turn after turn; a call still running
        pokes again when it ends (no busy loop while a slow tool runs)."""
        if self.held and not self._scheduled and not self.stopped and self._loop is not None:
            self._scheduled = True
            self._turns = 0
            self._loop.call_soon(self._settle)

    def diverge(self, exc: ReplayDivergenceError) -> None:
        if not self.stopped:
            self.diverged = str(exc)
            self._stop()

    def _settle(self) -> None:
        self._scheduled = False
        if self.stopped or self.inflight > self.held:
            return
        self._turns += 1
        if self._turns >= SETTLE_TURNS:
            self.paused = True
            self._stop()
        elif self._loop is not None:
            self._scheduled = True
            self._loop.call_soon(self._settle)

    def error(self) -> ExecuteError | None:
        """The run's error when it was stopped for a divergent replay."""
        if self.diverged is None:
            return None
        return ExecuteError(type="replay", message=self.diverged, exception="ReplayDivergenceError")
