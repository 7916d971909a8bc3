"""Number facades: `math` with its big-integer functions bounded, `random` with a generator of
each execution's own, `uuid` without the host's address. `decimal` runs in contexts of the run's
own, whose precision and exponents stay bounded however the program sets them."""

from __future__ import annotations

import decimal
import fractions
import functools
import itertools
import math
import random
import sys
from collections.abc import Callable
from typing import Any

from ._facade import ModuleFacade, _public_members
from ._guards import MAX_DIGIT_OPS, _check_width
from ._owner import SETTABLE_MARK
from ._replay import SLOT, current_replay
from ._runtime import CURRENT, MAX_INT_BITS, _refuse, counted
from ._types import install_stand_ins, stand_in

# Members left out: host-wide state, or C loops that ignore the deadline.
EXCLUDED: dict[str, frozenset[str]] = {
    # the operating system's entropy, not a generator the execution owns
    "random": frozenset({"SystemRandom"}),
    "uuid": frozenset({"uuid1", "getnode"}),  # the host's network address
    # the templates every new context copies, shared by the whole process
    "decimal": frozenset({"DefaultContext", "BasicContext", "ExtendedContext"}),
}


def _guarded_math() -> dict[str, Any]:
    members = _public_members(math, frozenset())

    # Each takes what the real function takes and hands it over after the size check: a call of
    # any other shape gets CPython's own error from the real function.

    def factorial(*args: Any, **kwargs: Any) -> int:
        for value in (*args, *kwargs.values()):
            counted(value, "math.factorial")
        n = args[0] if len(args) == 1 and not kwargs else None
        if isinstance(n, int) and 100_000 < n <= sys.maxsize:  # past it CPython refuses
            raise _refuse(f"factorial({n})")
        return math.factorial(*args, **kwargs)

    def comb(*args: Any, **kwargs: Any) -> int:
        for value in (*args, *kwargs.values()):
            counted(value, "math.comb")
        if len(args) == 2 and not kwargs and all(isinstance(a, int) for a in args):
            n, k = args
            if 0 <= k <= n and min(k, n - k) <= sys.maxsize:  # past it CPython refuses itself
                _check_product_cost(n, min(k, n - k), True, "comb")
        return math.comb(*args, **kwargs)

    def perm(*args: Any, **kwargs: Any) -> int:
        for value in (*args, *kwargs.values()):
            counted(value, "math.perm")
        if 1 <= len(args) <= 2 and not kwargs and isinstance(args[0], int):
            n, k = args[0], args[-1] if len(args) == 2 and args[-1] is not None else args[0]
            if isinstance(k, int) and 0 <= k <= n and k <= sys.maxsize:  # else CPython refuses
                _check_product_cost(n, k, False, "perm")
        return math.perm(*args, **kwargs)

    def gcd(*integers: Any) -> int:
        _check_euclid(integers, "gcd", 0)
        return math.gcd(*integers)

    def lcm(*integers: Any) -> int:
        # each step also multiplies the running result, which grows to every argument's bits
        _check_euclid(integers, "lcm", len(integers))
        return math.lcm(*integers)

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
        # one multiplication per item, each by the running product (`prod(range(1, 10**5))`)
        if len(items) * (bits // 30 + 1) // 2 > MAX_DIGIT_OPS:
            raise _refuse(f"prod() of {len(items)} integers totalling {bits} bits in one call")
        return math.prod(items, **kwargs)

    def isqrt(n: int, /) -> int:
        # Newton's steps multiply numbers as long as `n`: seconds for a 4-million-bit `n`
        if isinstance(n, int) and n.bit_length() > MAX_ISQRT_BITS:
            raise _refuse(f"isqrt of a {n.bit_length()}-bit integer (limit {MAX_ISQRT_BITS})")
        return math.isqrt(n)

    members.update(factorial=factorial, comb=comb, perm=perm, prod=prod, isqrt=isqrt)
    members.update(gcd=gcd, lcm=lcm)
    return members


MAX_ISQRT_BITS = 1 << 20


def _check_product_cost(n: int, k: int, divided: bool, what: str) -> None:
    """`comb`/`perm` multiply `k` factors into a result of `bits` bits: about `k * bits / 30`
    digit operations in one C call (`comb(10**6, 5 * 10**5)` takes half a minute), judged by
    that cost and the result's size, not by `n` (`comb(10**7, 2)` is instant)."""
    if k < 2:
        return
    if n < 1 << 50:  # log2 of n!/(n-k)! (and of k! for comb), without making them
        log = math.lgamma(n + 1) - math.lgamma(n - k + 1) - (math.lgamma(k + 1) if divided else 0)
        bits = log / math.log(2)
    else:  # `comb(comb(3000, 1500), 2000)`: k factors of n's size, at most
        bits = k * n.bit_length()
    if bits > MAX_INT_BITS or k * bits / 30 > MAX_DIGIT_OPS:
        raise _refuse(f"{what}({_short(n)}, {k}) would be a number of about {int(bits)} bits")


def _short(n: int) -> str:
    return str(n) if n.bit_length() < 64 else f"<a {n.bit_length()}-bit integer>"


def _check_euclid(integers: tuple[Any, ...], what: str, steps: int) -> None:
    """`gcd`/`lcm` run Euclid's algorithm in one C call, quadratic in the digits of the two
    largest arguments (`gcd` of two 1.5-million-bit integers: seconds); `lcm` of many also
    grows its running result to their total size at every step."""
    bits = sorted(x.bit_length() for x in integers if isinstance(x, int))
    if len(bits) < 2:
        return
    digits = [b // 30 + 1 for b in bits]
    cost = digits[-1] * (sum(digits) - digits[-1]) + steps * (sum(bits) // 30 + 1)
    if cost > MAX_DIGIT_OPS:
        raise _refuse(
            f"{what}() of {len(bits)} integers of up to {bits[-1]} bits: "
            f"about {cost} digit operations in one call"
        )


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

    # `choices(k=2 * 10**8)` and `sample(range(10**12), k)` build their list in one call of
    # Python's own code, which has no deadline checks.
    # A range too long for `len()` (`_builtins.BigRange`) is drawn from as the range itself.
    def choice(self, seq: Any) -> Any:
        return super().choice(_real_range(seq))

    def choices(
        self, population: Any, weights: Any = None, *, cum_weights: Any = None, k: int = 1
    ) -> list[Any]:
        _check_items(k, "choices")
        population = _real_range(population)
        return super().choices(population, weights, cum_weights=cum_weights, k=k)

    def sample(self, population: Any, k: int, *, counts: Any = None) -> list[Any]:
        _check_items(k, "sample")
        return super().sample(_real_range(population), k, counts=counts)

    def shuffle(self, x: Any) -> None:
        if hasattr(x, "__len__") and len(x) > MAX_STDLIB_LOOP:
            raise _refuse(f"shuffle of {len(x)} items (limit {MAX_STDLIB_LOOP})")
        super().shuffle(x)


def _real_range(value: Any) -> Any:
    from ._builtins import real_range  # (`_builtins` imports this module's neighbours)

    return real_range(value)


# Items one call of `random`'s own Python code may loop over (about 1 us each, no deadline
# checks): `shuffle` of ten million items holds the interpreter for many seconds.
MAX_STDLIB_LOOP = 1_000_000


def _check_items(k: Any, what: str) -> None:
    counted(k, what)
    if isinstance(k, int) and k > MAX_STDLIB_LOOP:
        raise _refuse(f"{what}(k={k}) would make a list of {k} items (limit {MAX_STDLIB_LOOP})")


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


def run_random() -> Any:
    """The run's own `random` (the facade the program gets on `import random`): what the
    standard library would draw from the host's shared generator draws from it instead."""
    execution = CURRENT.get(None)
    if execution is None:
        return _SafeRandom()
    facade = execution.modules.get("random")
    if facade is None:
        facade = execution.modules["random"] = ModuleFacade("random", _random_module())
    return facade


# Decimal exponents past this are refused: turning `Decimal("1e300000")` into an int (`int`,
# `round`, `math.floor`, `as_integer_ratio`, `Fraction`) is quadratic, seconds in one C call.
MAX_DECIMAL_EXPONENT = 30_000


def _make_decimal(value: Any = "0", context: Any = None) -> Any:
    """`decimal.Decimal(...)` for model code: what it makes stays within the run's exponents,
    and its digits within the largest precision a context may have. The constructor is exact,
    and the only way to more digits than that: arithmetic rounds to the context's precision.
    A long operand is what makes one operation slow (`d ** Decimal("1.5")` with 3,000 digits in
    `d`: 1.4 s; 20,000: 50 s, in one C call)."""
    if isinstance(value, int) and value.bit_length() > MAX_DECIMAL_EXPONENT * 3:
        raise _refuse(f"Decimal of a {value.bit_length()}-bit integer")
    number = decimal.Decimal(value, context)
    if number.is_finite() and abs(number.adjusted()) > MAX_DECIMAL_EXPONENT:
        raise _refuse(f"a Decimal with exponent {number.adjusted()} (limit {MAX_DECIMAL_EXPONENT})")
    if _may_be_long(value) and number.is_finite():
        digits = len(number.as_tuple().digits)
        if digits > MAX_DECIMAL_PRECISION:
            raise _refuse(
                f"a Decimal of {digits} digits (limit {MAX_DECIMAL_PRECISION}, the largest "
                "precision): round it first, e.g. Decimal(text[:2000]) or a Context's "
                "create_decimal"
            )
    return number


def _may_be_long(value: Any) -> bool:
    """Whether a Decimal made from `value` may have more digits than a context's precision."""
    if isinstance(value, str):
        return len(value) > MAX_DECIMAL_PRECISION
    if isinstance(value, int):
        return value.bit_length() > MAX_DECIMAL_PRECISION * 3
    return not isinstance(value, float | decimal.Decimal)  # a tuple, a list: count them


# `decimal.Decimal` is a stand-in (`_types`), also for `type(d)`; a subclass would build unchecked.
install_stand_ins({decimal.Decimal: _make_decimal}, {}, sealed=(decimal.Decimal,))


# ln, exp and power take time that grows as the cube of the precision, in one C call: 0.01 s at
# 1,000 digits, 0.3 s at 2,000, seconds at 5,000.
MAX_DECIMAL_PRECISION = 2_000


def _check_context(name: str, value: Any) -> None:
    if not isinstance(value, int) or isinstance(value, bool):
        return  # the C setter's own TypeError
    if name == "prec" and value > MAX_DECIMAL_PRECISION:
        raise ValueError(f"valid range for prec is [1, {MAX_DECIMAL_PRECISION}] in codemode")
    if name == "Emax" and value > MAX_DECIMAL_EXPONENT:
        raise ValueError(f"valid range for Emax is [0, {MAX_DECIMAL_EXPONENT}] in codemode")
    if name == "Emin" and value < -MAX_DECIMAL_EXPONENT:
        raise ValueError(f"valid range for Emin is [-{MAX_DECIMAL_EXPONENT}, 0] in codemode")


class Context(decimal.Context):
    """`decimal.Context` for model code: its precision and exponents stay within bounds, however
    they are set (the constructor, an attribute, `localcontext(prec=...)`), and every copy is
    one of these (the C type's `copy` makes a plain, unbounded context)."""

    def __init__(
        self,
        prec: Any = None,
        rounding: Any = None,
        Emin: Any = None,
        Emax: Any = None,
        capitals: Any = None,
        clamp: Any = None,
        flags: Any = None,
        traps: Any = None,
    ) -> None:
        Emin = -MAX_DECIMAL_EXPONENT if Emin is None else Emin
        Emax = MAX_DECIMAL_EXPONENT if Emax is None else Emax
        prec = 28 if prec is None else prec
        for name, value in (("prec", prec), ("Emin", Emin), ("Emax", Emax)):
            _check_context(name, value)
        super().__init__(prec, rounding, Emin, Emax, capitals, clamp, flags, traps)

    def __setattr__(self, name: str, value: Any) -> None:
        _check_context(name, value)
        super().__setattr__(name, value)

    def _fields(self) -> tuple[Any, ...]:
        flags = [signal for signal, on in self.flags.items() if on]
        traps = [signal for signal, on in self.traps.items() if on]
        return (
            self.prec,
            self.rounding,
            self.Emin,
            self.Emax,
            self.capitals,
            self.clamp,
            flags,
            traps,
        )

    def copy(self) -> Context:
        return Context(*self._fields())

    def __copy__(self) -> Context:
        return self.copy()

    def __reduce__(self) -> Any:  # `copy.deepcopy` and pickling rebuild one of these
        return (Context, self._fields())


Context.__module__ = "decimal"
_CONTEXT_FIELDS = frozenset(
    {"prec", "rounding", "Emin", "Emax", "capitals", "clamp", "flags", "traps"}
)
setattr(Context, SETTABLE_MARK, _CONTEXT_FIELDS)  # checked by `Context.__setattr__`


def _bounded_context() -> Context:
    """The current context, made one of the run's own if it is not (a task that began before
    the program imported `decimal` still has the host's)."""
    current = decimal.getcontext()
    if isinstance(current, Context):
        return current
    context = Context(traps=[decimal.InvalidOperation, decimal.DivisionByZero, decimal.Overflow])
    decimal.setcontext(context)
    return context


def getcontext() -> Context:
    return _bounded_context()


def setcontext(context: Any, /) -> None:
    if not isinstance(context, Context):
        raise TypeError("argument must be a context")
    decimal.setcontext(context)


class _LocalContext:
    """What `localcontext()` returns: on entry, the copy becomes the current context."""

    __slots__ = ("_cm_new_", "_cm_saved_")

    def __init__(self, context: Context) -> None:
        self._cm_new_ = context
        self._cm_saved_: Any = None

    def __enter__(self) -> Context:
        self._cm_saved_ = decimal.getcontext()
        decimal.setcontext(self._cm_new_)
        return self._cm_new_

    def __exit__(self, *exc: Any) -> None:
        decimal.setcontext(self._cm_saved_)


def localcontext(ctx: Any = None, **kwargs: Any) -> _LocalContext:
    base = _bounded_context() if ctx is None else ctx
    if not isinstance(base, Context):
        raise TypeError("optional argument must be a context")
    local = base.copy()
    for name, value in kwargs.items():
        if name not in _CONTEXT_FIELDS:
            raise TypeError(f"'{name}' is an invalid keyword argument for this function")
        setattr(local, name, value)
    return _LocalContext(local)


@functools.cache
def _decimal_members() -> dict[str, Any]:
    members = _public_members(decimal, EXCLUDED["decimal"])
    members["Decimal"] = stand_in(decimal.Decimal)
    members.update(
        Context=Context, getcontext=getcontext, setcontext=setcontext, localcontext=localcontext
    )
    return members


def _decimal_module() -> dict[str, Any]:
    """`decimal` in a context of the run's own, whose bounded exponents keep arithmetic from
    making what the constructor refuses (`Decimal("1e99999") ** 10`). The host's context is
    back when the run ends."""
    execution = CURRENT.get(None)
    if execution is None:  # a worker warming its facades up: nothing to restore
        return _decimal_members()
    previous = decimal.getcontext()
    decimal.setcontext(
        Context(traps=[decimal.InvalidOperation, decimal.DivisionByZero, decimal.Overflow])
    )
    execution.at_end(lambda: decimal.setcontext(previous))
    return _decimal_members()


def _make_fraction(numerator: Any = 0, denominator: Any = None, **kwargs: Any) -> Any:
    """`fractions.Fraction(a, b)` for model code: reducing it is Euclid's algorithm on `a` and
    `b` in one C call (`math.gcd`), refused past the cost `math.gcd` itself is allowed."""
    if isinstance(numerator, int) and isinstance(denominator, int):
        _check_euclid((numerator, denominator), "Fraction", 0)
    return fractions.Fraction(numerator, denominator, **kwargs)


# `fractions.Fraction` is a stand-in (`_types`), also for `type(f)`; a subclass would build
# unchecked.
install_stand_ins({fractions.Fraction: _make_fraction}, {}, sealed=(fractions.Fraction,))


def _fractions_module() -> dict[str, Any]:
    members = _public_members(fractions, frozenset())
    members["Fraction"] = stand_in(fractions.Fraction)
    return members


# `statistics` loops over its data in Python code of its own (no deadline checks), about 0.4 us
# per item: past a million items one call outlasts any reasonable deadline.
MAX_STATISTICS_ITEMS = 1_000_000


def _statistics_module() -> dict[str, Any]:
    import statistics

    def sized(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(function)
        def call(*args: Any, **kwargs: Any) -> Any:
            checked = []
            for arg in args:
                if not isinstance(arg, str | bytes) and hasattr(arg, "__iter__"):
                    if not hasattr(arg, "__len__"):  # an iterator: taken here, in checked steps
                        arg = list(itertools.islice(arg, MAX_STATISTICS_ITEMS + 1))
                    if len(arg) > MAX_STATISTICS_ITEMS:
                        raise _refuse(
                            f"statistics.{name} of {len(arg)} items (limit {MAX_STATISTICS_ITEMS})"
                        )
                checked.append(arg)
            return function(*checked, **kwargs)

        return call

    members = _public_members(statistics, frozenset())
    for name, value in list(members.items()):
        if callable(value) and not isinstance(value, type):
            members[name] = sized(name, value)
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


FACADES: dict[str, Callable[[], dict[str, Any]]] = {
    "math": _guarded_math,
    "statistics": _statistics_module,
    "fractions": _fractions_module,
    "uuid": _uuid_module,
}

# Modules whose facade differs per execution.
PER_EXECUTION: dict[str, Callable[[], dict[str, Any]]] = {
    "random": _random_module,
    "decimal": _decimal_module,
}
