"""The number facades (`facade_numbers.py`) against CPython: every `math` and `cmath` function
called with edge values at each arity it takes, the bounded ones (`factorial`, `comb`, `perm`,
`prod`) positionally and by keyword, `random` seeded the same way, and `decimal`, `fractions`,
`statistics` through their documented calls."""

from __future__ import annotations

import itertools
import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from .differential import Spec, assert_same, facade, parameters, real

MODULES = ("math", "cmath", "random", "decimal", "fractions", "statistics")

EDGES = (0, 1, -1, 2, 7, 0.5, -2.5, 1e308, -0.0, math.inf, math.nan, 10**30, True, "x", None)


def _arities(function: object) -> range:
    found = parameters(function)
    if found is None:
        return range(1, 3)
    required = sum(1 for _, kind, default in found if default is _EMPTY and kind <= 1)
    total = sum(1 for _, kind, _ in found if kind <= 1)
    return range(required, total + 1)


_EMPTY = __import__("inspect").Parameter.empty


@pytest.mark.parametrize("module", ["math", "cmath"])
def test_every_function_with_edge_values(module: str) -> None:
    names = [n for n in dir(facade(module)) if callable(getattr(real(module), n, None))]
    assert names
    for name in names:
        for arity in _arities(getattr(real(module), name)):
            for args in itertools.islice(itertools.product(EDGES, repeat=arity), 120):
                assert_same(module, lambda m, name=name, args=args: getattr(m, name)(*args))


NUMBER_SPECS: list[tuple[str, Spec]] = [
    ("math", lambda m: m.factorial(20)),
    ("math", lambda m: m.factorial(n=5)),
    ("math", lambda m: m.factorial(-1)),
    ("math", lambda m: m.factorial(5.0)),
    ("math", lambda m: m.comb(10, 3)),
    ("math", lambda m: m.comb(10, k=3)),
    ("math", lambda m: m.comb(3, 10)),
    ("math", lambda m: m.perm(5)),
    ("math", lambda m: m.perm(5, 2)),
    ("math", lambda m: m.perm(5, None)),
    ("math", lambda m: m.prod([1, 2, 3])),
    ("math", lambda m: m.prod([1, 2, 3], start=2)),
    ("math", lambda m: m.prod([1, 2], 2)),
    ("math", lambda m: m.prod([0.5, 4])),
    ("math", lambda m: m.prod(iterable=[1])),
    ("math", lambda m: m.isqrt(10**20)),
    ("math", lambda m: m.gcd(12, 18, 30)),
    ("math", lambda m: m.lcm()),
    ("math", lambda m: m.dist((0, 0), (3, 4))),
    ("math", lambda m: m.hypot(3, 4, 12)),
    ("math", lambda m: m.fsum([0.1] * 10)),
    ("math", lambda m: m.log(8, 2)),
    ("math", lambda m: m.isclose(1.0, 1.0 + 1e-10, rel_tol=1e-9)),
    ("math", lambda m: (m.pi, m.e, m.tau, m.inf)),
    ("random", lambda m: (m.seed(7), m.random(), m.randint(1, 6), m.choice("abc"))),
    ("random", lambda m: (m.seed(7), m.sample(range(10), 3), m.uniform(1, 2), m.gauss(0, 1))),
    ("random", lambda m: (m.seed("x"), m.randrange(0, 10, 2), m.getrandbits(16))),
    ("random", lambda m: (m.seed(1), m.choices("ab", weights=[1, 3], k=4), m.randbytes(3))),
    ("random", lambda m: (m.seed(1), m.shuffle(x := [1, 2, 3, 4]), x)[2]),
    ("random", lambda m: (m.seed(1), m.triangular(0, 1, 0.2), m.betavariate(1, 2))),
    ("random", lambda m: m.Random(3).random()),
    ("random", lambda m: m.randint(2, 1)),
    ("random", lambda m: m.choice([])),
    ("decimal", lambda m: m.Decimal("1.1") + m.Decimal("2.2")),
    ("decimal", lambda m: m.Decimal(1) / m.Decimal(7)),
    (
        "decimal",
        lambda m: m.Decimal("1.2345").quantize(m.Decimal("0.01"), rounding=m.ROUND_HALF_UP),
    ),
    ("decimal", lambda m: m.Decimal("x")),
    ("decimal", lambda m: (m.Decimal("-0").is_signed(), m.Decimal("NaN").is_nan())),
    ("decimal", lambda m: str(m.Decimal(0.1))),
    ("fractions", lambda m: m.Fraction(3, 6) + m.Fraction("1/3")),
    ("fractions", lambda m: m.Fraction(1.25).limit_denominator(3)),
    ("fractions", lambda m: m.Fraction(1, 0)),
    ("fractions", lambda m: m.Fraction(numerator=2, denominator=4)),
    ("fractions", lambda m: m.Fraction(2, 3) ** 2),
    ("statistics", lambda m: (m.mean([1, 2, 4]), m.median([3, 1, 2]), m.mode([1, 1, 2]))),
    ("statistics", lambda m: (m.stdev([1, 2, 3, 4]), m.pvariance([1, 2, 3]))),
    ("statistics", lambda m: m.quantiles([1, 2, 3, 4, 5], n=4)),
    ("statistics", lambda m: m.fmean([1, 2], weights=[1, 3])),
    ("statistics", lambda m: m.mean([])),
    ("statistics", lambda m: m.correlation([1, 2, 3], [2, 4, 7])),
    ("statistics", lambda m: m.NormalDist(0, 1).cdf(1.0)),
]


@pytest.mark.parametrize(("module", "spec"), NUMBER_SPECS)
def test_number_modules_as_cpython(module: str, spec: Spec) -> None:
    assert_same(module, spec)


def _local_precision(m: Any) -> Any:
    with m.localcontext(prec=6, rounding=m.ROUND_DOWN) as ctx:
        inner = (str(m.Decimal(2).sqrt()), ctx.prec, m.getcontext() is ctx)
    return inner, m.getcontext() is not ctx


def _local_set(m: Any) -> Any:
    with m.localcontext() as ctx:
        ctx.prec = 40
        ctx.traps[m.DivisionByZero] = False
        return str(m.Decimal(1) / m.Decimal(7)), str(m.Decimal(1) / m.Decimal(0))


def _copied(m: Any) -> Any:
    ctx = m.Context(prec=5, rounding=m.ROUND_UP, Emin=-99, Emax=99, traps=[m.Overflow])
    copy = ctx.copy()
    copy.prec = 7
    return repr(ctx), repr(copy), str(copy.divide(m.Decimal(2), m.Decimal(3)))


# Contexts are the run's own in the facade (bounded: `test_single_calls`); these leave the
# test process's current context as it was.
DECIMAL_CONTEXT_SPECS: list[Spec] = [
    _local_precision,
    _local_set,
    _copied,
    lambda m: str(m.Context(prec=3).create_decimal("3.14159")),
    lambda m: m.Context(prec=0),
    lambda m: m.Context(prec="5"),
    lambda m: m.localcontext(bogus=1),
    lambda m: m.setcontext(5),
    lambda m: m.localcontext(5),
]


@pytest.mark.parametrize("spec", DECIMAL_CONTEXT_SPECS)
def test_decimal_contexts_as_cpython(spec: Spec) -> None:
    assert_same("decimal", spec)


@settings(max_examples=100, deadline=None)
@given(n=st.integers(-3, 200), k=st.integers(-3, 200) | st.none())
def test_bounded_combinatorics_as_cpython(n: int, k: int | None) -> None:
    assert_same("math", lambda m: m.perm(n, k))
    if k is not None:
        assert_same("math", lambda m: m.comb(n, k))
    assert_same("math", lambda m: m.factorial(n))
