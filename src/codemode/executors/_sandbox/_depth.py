"""How deep the program's structures go, where CPython recurses in C with no check.

CPython guards most of its recursion (repr, comparison, json, deepcopy raise `RecursionError`),
but two kinds run on the C stack unguarded, and a structure 10**5 deep kills the process with a
segfault:

- hashing a tuple hashes its items: a tuple inside a tuple inside a tuple... (built by a display,
  `zip`, `*args`, `Exception.args`, `dict.items()`, a namedtuple, a tuple subclass, anything);
- freeing an object frees what it holds, and most of CPython's containers take the "trashcan"
  (freeing is deferred past 50 levels), but some do not: `slice`, `operator.itemgetter`, the key
  objects of `functools.cmp_to_key` and coroutines, among those a program can make (`HOLDERS`).
  `collections.deque` does not either; the program's `deque` is a subclass (`Deque`), which
  frees through `subtype_dealloc` and so takes the trashcan: a deque is mutable, and what is
  measured once when made could change after.

The rule: no structure of the program is deeper than `MAX_DEPTH` along such links. At the start
of every collection, `_SAMPLES` of the collector's young objects (`gc.get_objects(0)`: what was
made since the last collection, in any way) are picked at random and measured: a walk down their
links, which stops at what an earlier walk remembered (objects 16 or more deep, by `id`; an id is
forgotten when a young object takes it over). Measuring every young object would cost about
0.5 us each (in Python); a sample costs a few microseconds a collection. A chain cannot hide from
it: every level of a chain is young once, and while runs are active a collection comes at least
every `MAX_THRESHOLD` allocations, so the chance that a chain grows by L levels unseen is about
exp(-_SAMPLES * L / MAX_THRESHOLD), whatever else the program allocates in between (below 10**-60
for the ~80,000 levels between the bound and a crash). The random picks come from a generator
seeded from the OS, which the program cannot observe.

What happens past the bound: the run expires (the error names the structure) at its next check,
and the object is kept here, so that the program dropping it cannot free the chain in one go on
the host's stack; once nothing else holds it, it is freed on a thread with a stack sized for it
(`release`). A chain built in one C call (`functools.reduce(slice, range(10**6))`) is measured
during that call, as collections happen in it, so the same holds for it. The measurements come
with the collector's collections, so a host that switched the collector off (`gc.disable()`, for
speed) has it switched on while runs are active, and off again after the last.
"""

from __future__ import annotations

import collections
import contextlib
import functools
import gc
import operator
import os
import random
import sys
import threading
import types
from typing import Any

from ._runtime import CURRENT, Execution

MAX_DEPTH = 20_000  # CPython itself drops 10**4-deep tuples fine; the C stack holds about 10**5
MAX_THRESHOLD = 2_000  # the most allocations between two measurements while runs are active
_REMEMBER_FROM = 16  # depths remembered by id; shallower ones are walked again...
_REMEMBER_WALKED = 64  # ...unless measuring them looked at this many objects (a wide tuple)
_SAMPLES = 4  # young objects measured at each collection, picked at random
_STACK_PER_LEVEL = 512  # bytes of C stack freeing one level may take (measured: under 100)
_MAX_RELEASE_STACK = 1 << 30
# Past this many remembered depths (ids of objects long gone, mostly) they are forgotten.
_MAX_REMEMBERED = 1_000_000


def _key_type() -> type:
    return type(functools.cmp_to_key(lambda a, b: 0)(0))


# C objects a program can make that hold any object and free it without the trashcan.
HOLDERS: frozenset[type] = frozenset(
    {slice, operator.itemgetter, _key_type(), types.CoroutineType, collections.deque}
)


class Deque(collections.deque):  # type: ignore[type-arg]
    """The program's `collections.deque`: a subclass, so that freeing one takes the trashcan."""

    __slots__ = ()


Deque.__module__ = "collections"
Deque.__name__ = Deque.__qualname__ = "deque"


class _Scanner:
    """Measures the young generation at each collection while runs are active."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._threshold: tuple[int, int, int] | None = None
        self._switched_on = False  # the host had the collector off: on while runs are active
        self._deep: dict[int, int] = {}  # id -> depth, for objects at least _REMEMBER_FROM deep
        self._kept: list[list[Any]] = []  # objects past the bound, and their depth
        self._running: set[Execution] = set()  # the runs in progress (the scan is on while any)
        self._installed = False
        self._random = random.Random(os.urandom(16))  # which objects are measured: unguessable

    def enter(self, execution: Execution) -> None:
        with self._lock:
            self._running.add(execution)
            if len(self._running) > 1:
                return
            if not self._installed:  # once: between runs it returns at once
                gc.callbacks.append(self._collecting)
                self._installed = True
            if not gc.isenabled():
                gc.enable()
                self._switched_on = True
            threshold = gc.get_threshold()
            if threshold[0] > MAX_THRESHOLD or threshold[0] == 0:
                self._threshold = threshold
                gc.set_threshold(MAX_THRESHOLD, *threshold[1:])
            if len(self._deep) > _MAX_REMEMBERED:
                self._deep.clear()

    def leave(self, execution: Execution) -> None:
        with self._lock:
            self._running.discard(execution)
            if self._running:
                return
            if self._switched_on:
                gc.disable()
                self._switched_on = False
            if self._threshold is None:
                return
            if gc.get_threshold()[0] == MAX_THRESHOLD:  # nobody changed it since
                gc.set_threshold(*self._threshold)
            self._threshold = None
        # `_deep` stays: a session keeps its structures from one run to the next. An id may
        # then be reused by an object made between runs, which is measured as deep as the one
        # that is gone: never less deep than it is.

    @property
    def keeping(self) -> bool:
        return bool(self._kept)

    def release(self) -> None:
        """Free the kept objects that nothing else holds any more, on a thread whose stack is
        large enough for what hangs below them; keep the others for the next time."""
        with self._lock:
            entries, self._kept = self._kept, []
        if not entries:
            return
        deepest = max(depth for _, depth in entries)
        stack = max(deepest * _STACK_PER_LEVEL, 1 << 20)
        if stack <= _MAX_RELEASE_STACK:
            with _STACK_LOCK:
                previous = threading.stack_size(stack)
                try:
                    thread = threading.Thread(
                        target=_drop_unheld, args=(entries,), name="codemode-free", daemon=True
                    )
                    thread.start()
                finally:
                    threading.stack_size(previous)
            thread.join()
        # deeper than any stack we would make: kept for good (memory_mb bounds it)
        with self._lock:
            self._kept.extend(entry for entry in entries if entry[0] is not None)

    def _collecting(self, phase: str, info: dict[str, int]) -> None:
        if phase != "start" or not self._running:
            return
        with contextlib.suppress(Exception):  # never break the collector
            self._scan()

    def _scan(self) -> None:
        young = gc.get_objects(0)
        if not young:
            return
        deep = self._deep
        if deep:  # ids of objects gone, now another's: measured afresh
            stale = deep.keys() & set(map(id, young))
            for key in stale:
                del deep[key]
        pick = self._random.randrange
        count = len(young)
        worst: tuple[Any, int] | None = None
        seen: dict[int, int] = {}  # this scan's measurements
        for _ in range(_SAMPLES):
            obj = young[pick(count)]
            if isinstance(obj, tuple) or type(obj) in HOLDERS:
                depth = _measure(obj, seen, deep)
                if depth > MAX_DEPTH and (worst is None or depth > worst[1]):
                    worst = (obj, depth)
        if worst is not None:
            self._too_deep(*worst)

    def _too_deep(self, obj: Any, depth: int) -> None:
        self._kept.append([obj, depth])
        kind = "tuple" if isinstance(obj, tuple) else type(obj).__name__
        done = "hash" if isinstance(obj, tuple) else "free"
        detail = (
            f"a {kind} nested {depth} deep (limit {MAX_DEPTH}): CPython would {done} it by "
            "recursing on the C stack, which has no check"
        )
        current = CURRENT.get(None)
        # Found during a collection the host's code started: whose it is cannot be told, so
        # every run in progress stops.
        targets = [current] if current is not None else list(self._running)
        for execution in targets:
            if not execution.dead:
                execution.expire("depth", detail)


def _links(obj: Any) -> tuple[list[Any], int]:
    """What hashing or freeing `obj` may recurse into: the tuples and holders it holds (one
    relation for both: on CPython 3.12 slices hash too, through their start, stop and step),
    and how many objects were looked at to find them."""
    # Through the collector's own traversal, never by iterating: a young object may be half
    # made (a tuple being filled has empty slots) when an allocation starts a collection.
    held = gc.get_referents(obj)
    return [item for item in held if isinstance(item, tuple) or type(item) in HOLDERS], len(held)


def _measure(root: Any, seen: dict[int, int], deep: dict[int, int]) -> int:
    """How deep `root` goes along `_links`: a walk without recursion (chains are long), which
    stops at what this scan measured (`seen`) or an earlier one remembered (`deep`). Objects
    16 or more deep, or whose walk was long, are remembered."""
    found = seen.get(id(root)) or deep.get(id(root))
    if found:
        return found
    # each frame: the object, its links still to measure, the deepest so far, objects looked at
    links, looked = _links(root)
    stack: list[list[Any]] = [[root, links, 0, looked]]
    depth = 1
    while stack:
        frame = stack[-1]
        links = frame[1]
        if links:
            child = links.pop()
            key = id(child)
            below = seen.get(key) or deep.get(key)
            if below is None:
                links, looked = _links(child)
                stack.append([child, links, 0, looked])
            elif below > frame[2]:
                frame[2] = below
            continue
        stack.pop()
        obj, _, below, walked = frame
        depth = below + 1
        key = id(obj)
        seen[key] = depth
        if depth >= _REMEMBER_FROM or walked >= _REMEMBER_WALKED:
            deep[key] = depth
        if stack:
            parent = stack[-1]
            parent[2] = max(parent[2], depth)
            parent[3] += walked
    return depth


def _drop_unheld(entries: list[list[Any]]) -> None:
    """Drop each kept object that only `entries` holds (the last reference: the chain below it
    is freed here, on this thread's stack), until none is left that way."""
    progress = True
    while progress:
        progress = False
        for entry in entries:
            if entry[0] is not None and sys.getrefcount(entry[0]) <= 2:  # the entry, the call
                entry[0] = None
                progress = True


_STACK_LOCK = threading.Lock()
SCANNER = _Scanner()
