"""Where codemode differs from CPython on Monty's cases, on purpose: one row per decision.

A row names the cases it covers (`fnmatch` patterns), the executors it applies to, what the
executor's outcome shows instead (text its error message contains), and why. The conformance test
fails for a difference no row covers, and for a row whose cases no longer differ.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Difference:
    cases: tuple[str, ...]
    shows: str  # text the executor's error message contains
    reason: str
    executors: frozenset[str] = frozenset({"inprocess", "subprocess"})


DIFFERENCES: tuple[Difference, ...] = ()
