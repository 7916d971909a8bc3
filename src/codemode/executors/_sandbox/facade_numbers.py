"""Number facades: `math` with its big-integer functions bounded, `random` with a generator of
each execution's own, `uuid` without the host's address. `decimal` is its public members less its
host-wide contexts."""

from __future__ import annotations

import math
import random
import sys
from collections.abc import Callable
from typing import Any

from ._facade import _public_members
from ._guards import _check_width
from ._replay import SLOT, current_replay
from ._runtime import MAX_INT_BITS, _refuse

# Members left out: host-wide state, or C loops that ignore the deadline.
EXCLUDED: dict[str, frozenset[str]] = {
    # the operating system's entropy, not a generator the execution owns
    "random": frozenset({"SystemRandom"}),
    "uuid": frozenset({"uuid1", "getnode"}),  # the host's network address
    "decimal": frozenset(
        {
            "getcontext",
            "setcontext",
            "localcontext",
            "Context",
            "DefaultContext",
            "BasicContext",
            "ExtendedContext",
        }
    ),
}


def _guarded_math() -> dict[str, Any]:
    members = _public_members(math, frozenset())

    # Each takes what the real function takes and hands it over after the size check: a call of
    # any other shape gets CPython's own error from the real function.

    def factorial(*args: Any, **kwargs: Any) -> int:
        n = args[0] if len(args) == 1 and not kwargs else None
        if isinstance(n, int) and 100_000 < n <= sys.maxsize:  # past it CPython refuses
            raise _refuse(f"factorial({n})")
        return math.factorial(*args, **kwargs)

    def comb(*args: Any, **kwargs: Any) -> int:
        if len(args) == 2 and not kwargs and all(isinstance(a, int) for a in args):
            n, k = args
            few = min(k, n - k)  # past sys.maxsize CPython refuses it itself
            if 0 <= k <= n and few <= sys.maxsize and few * n.bit_length() > MAX_INT_BITS:
                raise _refuse(f"comb({n}, {k})")
        return math.comb(*args, **kwargs)

    def perm(*args: Any, **kwargs: Any) -> int:
        if 1 <= len(args) <= 2 and not kwargs and isinstance(args[0], int):
            n, k = args[0], args[-1] if len(args) == 2 and args[-1] is not None else args[0]
            big = isinstance(k, int) and 0 <= k <= min(n, sys.maxsize)
            if big and k * n.bit_length() > MAX_INT_BITS:
                raise _refuse(f"perm({n}, {k})")
        return math.perm(*args, **kwargs)

    def prod(*args: Any, **kwargs: Any) -> Any:
        if len(args) != 1 or not kwargs.keys() <= {"start"}:
            return math.prod(*args, **kwargs)
        items = list(args[0])
        start = kwargs.get("start", 1)
        bits = sum(x.bit_length() for x in items if isinstance(x, int))
        if isinstance(start, int):
            bits += start.bit_length()
        if bits > MAX_INT_BITS:
            raise _refuse(f"prod() of integers totalling {bits} bits")
        return math.prod(items, **kwargs)

    members.update(factorial=factorial, comb=comb, perm=perm, prod=prod)
    return members


class _SafeRandom(random.Random):
    def getrandbits(self, k: int, /) -> int:
        if k > MAX_INT_BITS:
            raise _refuse(f"getrandbits({k})")
        bits: int = super().getrandbits(k)
        return bits

    def randbytes(self, n: int) -> bytes:
        _check_width(n, "randbytes")
        data: bytes = super().randbytes(n)
        return data


def _random_module() -> dict[str, Any]:
    """Each execution gets its own generator: `random.seed` must not touch the host's.

    In a run that may pause each task has one, seeded from the run's seed and the task's path
    (`_replay.TaskSlot`), so that a resumed run draws the same numbers in each branch whatever
    order the branches run in; `random.seed` there seeds the calling task's generator.
    """
    members: dict[str, Any] = {}
    replay = current_replay()
    names = [n for n in random.__all__ if n not in EXCLUDED["random"] and n != "Random"]
    if replay is None:
        generator = _SafeRandom()
        for name in names:
            value = getattr(generator, name, None)
            if callable(value) and not isinstance(value, type):
                members[name] = value
    else:
        for name in names:
            if callable(getattr(random.Random, name, None)):
                members[name] = _per_task(name, replay.seed)
    members["Random"] = _SafeRandom
    return members


def _per_task(name: str, seed: int) -> Callable[..., Any]:
    method = getattr(_SafeRandom, name)

    def draw(*args: Any, **kwargs: Any) -> Any:
        return method(_task_generator("random", seed), *args, **kwargs)

    draw.__name__ = draw.__qualname__ = name
    draw.__doc__ = method.__doc__
    return draw


def _task_generator(stream: str, seed: int) -> random.Random:
    """The calling task's generator for `stream` (`random` or `uuid`), made on first use."""
    slot = SLOT.get()
    if slot is None:  # not inside the run's tasks (cannot happen in model code): one of its own
        return _SafeRandom(f"{seed}:{stream}")
    generator = slot.generators.get(stream)
    if generator is None:
        generator = slot.generators[stream] = _SafeRandom(f"{seed}:{stream}:{slot.key}")
    return generator


def _uuid_module() -> dict[str, Any]:
    """`uuid` without the host's network address (`uuid1`, `getnode`); `uuid4` of a run that may
    pause comes from the run's seed (per task, as `random`), so that a resumed run makes the same
    ids."""
    import uuid

    members = _public_members(uuid, EXCLUDED["uuid"])

    def uuid4() -> uuid.UUID:
        replay = current_replay()
        if replay is None:
            return uuid.uuid4()
        bits = _task_generator("uuid", replay.seed).getrandbits(128)
        return uuid.UUID(int=bits, version=4)

    members["uuid4"] = uuid4
    return members


FACADES: dict[str, Callable[[], dict[str, Any]]] = {"math": _guarded_math, "uuid": _uuid_module}

# Modules whose facade differs per execution.
PER_EXECUTION: dict[str, Callable[[], dict[str, Any]]] = {"random": _random_module}
