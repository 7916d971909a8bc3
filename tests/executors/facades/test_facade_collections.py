"""The facades of modules that combine values (`facade_collections.py`) against CPython:
`itertools` (endless and combinatorial iterators checked against the deadline), `operator` (the
guarded operators), `functools`, `collections` (namedtuple classes are the program's), and
`heapq`, `bisect`, `copy` served as their public members."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from .differential import Spec, assert_same

MODULES = (
    "itertools",
    "operator",
    "functools",
    "collections",
    "heapq",
    "bisect",
    "copy",
    "contextlib",
)


def first(n: int, iterable: object) -> list[object]:
    out = []
    for item in iterable:  # type: ignore[attr-defined]
        if len(out) == n:
            break
        out.append(item)
    return out


def _exit_stack(m: Any) -> Any:
    log: list[Any] = []
    with m.ExitStack() as stack:
        stack.callback(log.append, "first")
        stack.enter_context(m.nullcontext())
        stack.callback(log.append, "second")
        moved = stack.pop_all()
    moved.close()
    return log


SPECS: list[tuple[str, Spec]] = [
    ("itertools", lambda m: first(5, m.count())),
    ("itertools", lambda m: first(4, m.count(10, 2.5))),
    ("itertools", lambda m: first(3, m.count(start=1, step=-1))),
    ("itertools", lambda m: first(5, m.cycle("ab"))),
    ("itertools", lambda m: list(m.cycle([]))),
    ("itertools", lambda m: list(m.repeat("x", 3))),
    ("itertools", lambda m: list(m.repeat("x", times=2))),
    ("itertools", lambda m: first(2, m.repeat(None))),
    ("itertools", lambda m: list(m.repeat("x", -1))),
    ("itertools", lambda m: list(m.product("ab", repeat=2))),
    ("itertools", lambda m: list(m.product([1, 2], "xy"))),
    ("itertools", lambda m: list(m.permutations("abc", 2))),
    ("itertools", lambda m: list(m.permutations(range(3)))),
    ("itertools", lambda m: list(m.combinations("abcd", r=2))),
    ("itertools", lambda m: list(m.combinations_with_replacement("ab", 2))),
    ("itertools", lambda m: list(m.combinations("ab", -1))),
    ("itertools", lambda m: list(m.accumulate([1, 2, 3], initial=10))),
    ("itertools", lambda m: list(m.chain.from_iterable(["ab", "c"]))),
    ("itertools", lambda m: [(k, list(g)) for k, g in m.groupby("aabbc")]),
    ("itertools", lambda m: list(m.islice("abcdef", 1, None, 2))),
    ("itertools", lambda m: list(m.pairwise("abc"))),
    ("itertools", lambda m: list(m.zip_longest("ab", "c", fillvalue="-"))),
    ("itertools", lambda m: list(m.starmap(pow, [(2, 3)]))),
    ("itertools", lambda m: [list(t) for t in m.tee("ab", 2)]),
    ("itertools", lambda m: list(m.count("x"))),
    ("itertools", lambda m: m.count(bad=1)),
    ("itertools", lambda m: repr(m.count(5))),
    ("itertools", lambda m: (c := m.count(5, 2), next(c), next(c), repr(c))[3]),
    ("itertools", lambda m: (c := m.count(0.5, 0.25), first(300, c), repr(c))[2]),
    ("itertools", lambda m: (c := m.count(0, 1.0), repr(c), next(c), repr(c))),
    ("itertools", lambda m: (r := m.repeat("x", 3), next(r), repr(r))[2]),
    ("itertools", lambda m: (repr(m.repeat(1)), repr(m.repeat(1, -2)), repr(m.count(True)))),
    ("itertools", lambda m: (isinstance(m.count(), m.count), type(m.cycle("a")) is m.cycle)),
    ("itertools", lambda m: [type(f("ab", 2)).__name__ for f in (m.permutations, m.combinations)]),
    ("itertools", lambda m: repr(m.product("a")).split(" object")[0]),
    ("operator", lambda m: (m.mul(3, 4), m.mul("ab", 2), m.pow(2, 10), m.mod(7, 3))),
    ("operator", lambda m: (m.lshift(1, 10), m.imul([1], 2), m.ipow(2, 3), m.imod("%s", "x"))),
    ("operator", lambda m: (x := [1], m.imul(x, 2), x)[2]),
    ("operator", lambda m: m.mul(3)),
    ("operator", lambda m: m.mul(a=1, b=2)),
    ("operator", lambda m: m.pow(2, -1)),
    ("operator", lambda m: m.mod(1, 0)),
    ("operator", lambda m: m.itemgetter(1, 0)("ab")),
    ("operator", lambda m: m.attrgetter("real", "imag")(3 + 4j)),
    ("operator", lambda m: m.methodcaller("split", ",", maxsplit=1)("a,b,c")),
    ("operator", lambda m: m.methodcaller("upper")("a")),
    ("operator", lambda m: (m.add(1, 2), m.neg(3), m.contains("abc", "b"), m.index(5))),
    ("operator", lambda m: m.attrgetter("nope")(1)),
    ("functools", lambda m: m.reduce(lambda a, b: a * b, [1, 2, 3, 4])),
    ("functools", lambda m: m.reduce(lambda a, b: a + b, [], 7)),
    ("functools", lambda m: m.reduce(lambda a, b: a + b, [])),
    ("functools", lambda m: m.partial(int, base=2)("101")),
    (
        "functools",
        lambda m: m.cmp_to_key(lambda a, b: b - a)(1) < m.cmp_to_key(lambda a, b: b - a)(2),
    ),
    ("functools", lambda m: sorted([3, 1, 2], key=m.cmp_to_key(lambda a, b: a - b))),
    ("functools", lambda m: m.lru_cache(maxsize=2)(lambda x: x * 2)(4)),
    ("functools", lambda m: m.cache(abs)(-3)),
    ("collections", lambda m: m.Counter("abracadabra").most_common(2)),
    ("collections", lambda m: m.Counter(a=3, b=1) - m.Counter(a=1)),
    ("collections", lambda m: m.deque([1, 2, 3], maxlen=2)),
    ("collections", lambda m: (d := m.deque("abc"), d.rotate(1), list(d))[2]),
    ("collections", lambda m: m.defaultdict(list, {"a": [1]})["b"]),
    ("collections", lambda m: m.OrderedDict([("b", 1), ("a", 2)]).popitem(last=False)),
    ("collections", lambda m: dict(m.ChainMap({"a": 1}, {"a": 2, "b": 3}))),
    ("collections", lambda m: repr(m.namedtuple("P", "x y")(1, 2))),
    ("collections", lambda m: repr(m.namedtuple("P", ["x", "y"], defaults=[0])(1))),
    ("collections", lambda m: m.namedtuple("P", "x x")),
    ("collections", lambda m: m.namedtuple("P", "x def", rename=True)._fields),
    ("collections", lambda m: m.namedtuple("P", "x", module="mod").__module__),
    ("collections", lambda m: m.namedtuple("P", "x y")._make([1, 2])._asdict()),
    ("collections", lambda m: m.namedtuple("P", "x y")(1, 2)._replace(y=5)),
    ("collections", lambda m: m.namedtuple("P", "x y", defaults=[3])._field_defaults),
    ("collections", lambda m: m.namedtuple("P", "x y")(1)),
    ("collections", lambda m: m.namedtuple("P", "x y", bogus=1)),
    ("heapq", lambda m: (h := [5, 1, 4], m.heapify(h), m.heappop(h), h)[2:]),
    ("heapq", lambda m: m.nlargest(2, [3, 1, 4, 1, 5], key=lambda x: -x)),
    ("heapq", lambda m: list(m.merge([1, 3], [2, 4], reverse=False))),
    ("heapq", lambda m: m.heappop([])),
    ("bisect", lambda m: (m.bisect_left([1, 2, 2, 3], 2), m.bisect([1, 2, 2, 3], 2, lo=0, hi=2))),
    ("bisect", lambda m: (a := [1, 3], m.insort(a, 2), a)[2]),
    ("bisect", lambda m: m.bisect_right([(1, "a")], 1, key=lambda t: t[0])),
    ("copy", lambda m: m.deepcopy({"a": [1, [2]]})),
    ("copy", lambda m: m.copy([1, [2]])),
    ("contextlib", lambda m: (m.suppress(KeyError).__enter__(), m.nullcontext(5).__enter__())),
    ("contextlib", _exit_stack),
    ("contextlib", lambda m: m.suppress(ValueError).__exit__(ValueError, ValueError("x"), None)),
    ("contextlib", lambda m: m.closing([]).__enter__()),
]


@pytest.mark.parametrize(("module", "spec"), SPECS)
def test_collection_modules_as_cpython(module: str, spec: Spec) -> None:
    assert_same(module, spec)


@settings(max_examples=60, deadline=None)
@given(items=st.lists(st.integers(-5, 5), max_size=5), r=st.integers(-1, 4))
def test_combinatorics_as_cpython(items: list[int], r: int) -> None:
    assert_same("itertools", lambda m: list(m.permutations(items, r if r >= 0 else None)))
    assert_same("itertools", lambda m: list(m.combinations(items, r)))
    assert_same("itertools", lambda m: list(m.product(items, repeat=max(r, 0))))
    assert_same("operator", lambda m: [m.mul(a, b) for a in items for b in items])
    assert_same("operator", lambda m: [m.mod(a, b) for a in items for b in items])
