"""Number facades: `math` with its big-integer functions bounded, `random` with a generator of
each execution's own. `decimal` is its public members less its host-wide contexts."""

from __future__ import annotations

import math
import random
import sys
from collections.abc import Callable
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
