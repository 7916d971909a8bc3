"""Number facades: `math` with its big-integer functions bounded, `random` with a generator of
each execution's own. `decimal` is its public members less its host-wide contexts."""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterable
from typing import Any

from ._facade import _public_members
from ._guards import _check_width
from ._runtime import MAX_INT_BITS, _refuse

# Members left out: host-wide state, or C loops that ignore the deadline.
EXCLUDED: dict[str, frozenset[str]] = {
    # the operating system's entropy, not a generator the execution owns
    "random": frozenset({"SystemRandom"}),
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

    def factorial(n: int, /) -> int:
        if isinstance(n, int) and n > 100_000:
            raise _refuse(f"factorial({n})")
        return math.factorial(n)

    def comb(n: int, k: int, /) -> int:
        if isinstance(n, int) and n > 1_000_000:
            raise _refuse(f"comb({n}, {k})")
        return math.comb(n, k)

    def perm(n: int, k: int | None = None, /) -> int:
        if isinstance(n, int) and n > 1_000_000:
            raise _refuse(f"perm({n}, {k})")
        return math.perm(n, k)

    def prod(iterable: Iterable[Any], /, *, start: Any = 1) -> Any:
        items = list(iterable)
        bits = sum(x.bit_length() for x in items if isinstance(x, int))
        if isinstance(start, int):
            bits += start.bit_length()
        if bits > MAX_INT_BITS:
            raise _refuse(f"prod() of integers totalling {bits} bits")
        return math.prod(items, start=start)

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
    """Each execution gets its own generator: `random.seed` must not touch the host's."""
    generator = _SafeRandom()
    members: dict[str, Any] = {}
    for name in random.__all__:
        if name in EXCLUDED["random"]:
            continue
        value = getattr(generator, name, None)
        if callable(value) and not isinstance(value, type):
            members[name] = value
    members["Random"] = _SafeRandom
    return members


FACADES: dict[str, Callable[[], dict[str, Any]]] = {"math": _guarded_math}

# Modules whose facade differs per execution.
PER_EXECUTION: dict[str, Callable[[], dict[str, Any]]] = {"random": _random_module}
