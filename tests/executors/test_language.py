"""Model code is ordinary modern Python: every construct here must run as written, on every
executor."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from codemode import Codemode, Tool
from codemode.executors import Executor

from .conftest import Run
from .facades.differential import run_cpython

CASES: dict[str, tuple[str, Any]] = {
    "async-await": (
        """
async def twice(x):
    await asyncio.sleep(0)
    return x * 2

async def main():
    return await twice(21)
""",
        42,
    ),
    "async-for-and-with": (
        """
class Counter:
    def __init__(self, n):
        self.n = n
        self.i = 0
    def __aiter__(self):
        return self
    async def __anext__(self):
        if self.i >= self.n:
            raise StopAsyncIteration
        self.i += 1
        return self.i

class Session:
    def __init__(self):
        self.log = []
    async def __aenter__(self):
        self.log.append("open")
        return self
    async def __aexit__(self, *exc):
        self.log.append("close")
        return False

async def gen(n):
    for i in range(n):
        yield i

async def main():
    total = 0
    async for x in Counter(4):
        total += x
    async with Session() as s:
        s.log.append("use")
    got = [v async for v in gen(3)]
    return [total, s.log, got]
""",
        [10, ["open", "use", "close"], [0, 1, 2]],
    ),
    "comprehensions-generators-lambdas": (
        """
def squares(n):
    for i in range(n):
        yield i * i

evens = [x for x in range(10) if x % 2 == 0]
table = {k: v for k, v in zip("abc", range(3))}
uniq = {c.lower() for c in "AaBb"}
gen_total = sum(x for x in squares(5))
nested = [[i * j for j in range(3)] for i in range(3)]
key = sorted(["bb", "a", "ccc"], key=lambda s: -len(s))
[evens, table, sorted(uniq), gen_total, nested, key, list(squares(3))]
""",
        [
            [0, 2, 4, 6, 8],
            {"a": 0, "b": 1, "c": 2},
            ["a", "b"],
            30,
            [[0, 0, 0], [0, 1, 2], [0, 2, 4]],
            ["ccc", "bb", "a"],
            [0, 1, 4],
        ],
    ),
    "closures-global-nonlocal": (
        """
count = 0

def bump():
    global count
    count += 1

def make_counter():
    n = 0
    def inc():
        nonlocal n
        n += 1
        return n
    return inc

def main():
    c = make_counter()
    c(); c()
    bump(); bump(); bump()
    return [c(), count]
""",
        [3, 3],
    ),
    "classes-inheritance-super": (
        """
class Animal:
    kind = "animal"
    def __init__(self, name):
        self.name = name
        self._secret = "own attributes with _ are fine"
    def speak(self):
        return f"{self.name} makes a sound"
    def __repr__(self):
        return f"Animal({self.name!r})"

class Dog(Animal):
    def __init__(self, name, trick):
        super().__init__(name)
        self.trick = trick
    def speak(self):
        return super().speak() + " and " + self.trick

    @property
    def secret(self):
        return self._secret

    @staticmethod
    def legs():
        return 4

    @classmethod
    def make(cls, name):
        return cls(name, "sits")

d = Dog.make("Rex")
d.trick += "!"
[d.speak(), isinstance(d, Animal), d.legs(), repr(Animal("x")), d.secret, type(d).__name__]
""",
        [
            "Rex makes a sound and sits!",
            True,
            4,
            "Animal('x')",
            "own attributes with _ are fine",
            "Dog",
        ],
    ),
    "dataclass-enum-annotations": (
        """
from dataclasses import dataclass, field, asdict
from enum import Enum, auto

class Color(Enum):
    RED = auto()
    BLUE = auto()

@dataclass(frozen=True)
class Point:
    x: int
    y: int = 0
    tags: list[str] = field(default_factory=list)

@dataclass(order=True)
class Item:
    price: float
    name: str

total: int = 0
p = Point(1, 2)
total += p.x + p.y
[asdict(p), Color.BLUE.name, Color(1).name, total, sorted([Item(2.0, "b"), Item(1.0, "a")])[0].name]
""",
        [{"x": 1, "y": 2, "tags": []}, "BLUE", "RED", 3, "a"],
    ),
    "decorators": (
        """
import functools
from typing import final

def logged(fn):
    @functools.wraps(fn)
    def inner(*args):
        return ("logged", fn(*args))
    return inner

@logged
def double(x):
    \"\"\"Double it.\"\"\"
    return 2 * x

@functools.total_ordering
class Version:
    def __init__(self, n):
        self.n = n
    def __eq__(self, other):
        return self.n == other.n
    def __lt__(self, other):
        return self.n < other.n

@final
class Leaf:
    pass

@functools.lru_cache(maxsize=None)
def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)

[double(4), double.__name__, double.__doc__, Version(2) >= Version(1), fib(30)]
""",
        [["logged", 8], "double", "Double it.", True, 832040],
    ),
    "match-walrus": (
        """
def describe(value):
    match value:
        case {"type": "point", "x": x, "y": y}:
            return f"point {x},{y}"
        case [first, *rest]:
            return f"list starting {first} with {len(rest)} more"
        case str() as s if (n := len(s)) > 3:
            return f"long string {n}"
        case _:
            return "other"

[describe({"type": "point", "x": 1, "y": 2}), describe([1, 2, 3]), describe("hello"), describe(5)]
""",
        ["point 1,2", "list starting 1 with 2 more", "long string 5", "other"],
    ),
    "formatting": (
        """
name, value = "pi", 3.14159
[
    f"{name!r}: {value:.2f}",
    f"{value:>8.3f}|",
    "{} = {:.1f}".format(name, value),
    "{n} is {v:.0f}".format(n=name, v=value),
    "%s=%.3f" % (name, value),
    "%(n)s" % {"n": name},
    format(255, "x"),
    f"{1234567:,}",
]
""",
        ["'pi': 3.14", "   3.142|", "pi = 3.1", "pi is 3", "pi=3.142", "pi", "ff", "1,234,567"],
    ),
    "exceptions": (
        """
class AppError(Exception):
    def __init__(self, code):
        super().__init__(f"code {code}")
        self.code = code

log = []
def risky(n):
    try:
        if n > 1:
            raise AppError(n)
        return n
    except AppError as e:
        log.append(e.code)
        raise ValueError("wrapped") from e
    finally:
        log.append("finally")

results = []
for n in (1, 2):
    try:
        results.append(risky(n))
    except ValueError as e:
        results.append(str(e))
try:
    {}["missing"]
except KeyError:
    results.append("keyerror")
[results, log]
""",
        [[1, "wrapped", "keyerror"], ["finally", 2, "finally"]],
    ),
    "unpacking": (
        """
first, *middle, last = range(6)
a, (b, c) = 1, (2, 3)
merged = {**{"x": 1}, **{"y": 2}}
def f(*args, **kwargs):
    return len(args), sorted(kwargs)
[first, middle, last, a + b + c, merged, f(*[1, 2], **{"k": 1}), [*"ab", *[1]]]
""",
        [0, [1, 2, 3, 4], 5, 6, {"x": 1, "y": 2}, [2, ["k"]], ["a", "b", 1]],
    ),
    "allowed-imports": (
        """
import json, re, math, statistics, itertools, functools, operator, collections, heapq, bisect
import datetime, decimal, fractions, string, textwrap, base64, hashlib, copy, uuid, unicodedata
import random, time, typing, cmath
from collections import Counter, defaultdict
from collections.abc import Mapping
from typing import Any, Optional

r = random.Random(1)
out = {
    "json": json.loads(json.dumps({"a": [1, 2]})),
    "re": re.findall(r"\\d+", "a1b22"),
    "math": math.isqrt(17),
    "stats": statistics.mean([1, 2, 3]),
    "iter": list(itertools.islice(itertools.count(5), 3)),
    "reduce": functools.reduce(operator.add, [1, 2, 3]),
    "counter": Counter("aab").most_common(1),
    "dd": defaultdict(int)["x"],
    "heap": heapq.nsmallest(2, [5, 1, 3]),
    "bisect": bisect.bisect([1, 2, 4], 3),
    "date": (datetime.date(2026, 1, 31) + datetime.timedelta(days=1)).isoformat(),
    "dec": str(decimal.Decimal("0.1") + decimal.Decimal("0.2")),
    "frac": str(fractions.Fraction(1, 3) * 3),
    "tmpl": string.Template("$x!").substitute(x="hi"),
    "wrap": textwrap.shorten("hello there world", 12),
    "b64": base64.b64encode(b"hi").decode(),
    "sha": hashlib.sha256(b"x").hexdigest()[:8],
    "copy": copy.deepcopy({"a": [1]}),
    "uuid": len(str(uuid.uuid4())),
    "ucd": unicodedata.name("a"),
    "rand": 0 <= r.random() < 1,
    "time": time.time() > 0,
    "mapping": isinstance({}, Mapping),
    "cmath": cmath.sqrt(-1).imag,
}
out
""",
        {
            "json": {"a": [1, 2]},
            "re": ["1", "22"],
            "math": 4,
            "stats": 2,
            "iter": [5, 6, 7],
            "reduce": 6,
            "counter": [["a", 2]],
            "dd": 0,
            "heap": [1, 3],
            "bisect": 2,
            "date": "2026-02-01",
            "dec": "0.3",
            "frac": "1",
            "tmpl": "hi!",
            "wrap": "hello [...]",
            "b64": "aGk=",
            "sha": "2d711642",
            "copy": {"a": [1]},
            "uuid": 36,
            "ucd": "LATIN SMALL LETTER A",
            "rand": True,
            "time": True,
            "mapping": True,
            "cmath": 1.0,
        },
    ),
    "asyncio-facade": (
        """
import asyncio

async def work(i, sem, q):
    async with sem:
        await asyncio.sleep(0)
        await q.put(i)
        return i * 10

async def main():
    sem = asyncio.Semaphore(2)
    q = asyncio.Queue()
    results = await asyncio.gather(*(work(i, sem, q) for i in range(4)))
    async with asyncio.TaskGroup() as tg:
        t = tg.create_task(work(9, sem, q))
    async with asyncio.timeout(5):
        got = await asyncio.wait_for(work(7, sem, q), 5)
    task = asyncio.create_task(work(8, sem, q))
    later = await task
    drained = []
    while not q.empty():
        drained.append(q.get_nowait())
    try:
        await asyncio.wait_for(asyncio.sleep(10), 0.01)
    except asyncio.TimeoutError:
        timed_out = True
    return [results, t.result(), got, later, sorted(drained), timed_out]
""",
        [[0, 10, 20, 30], 90, 70, 80, [0, 1, 2, 3, 7, 8, 9], True],
    ),
    "tools-in-loops": (
        """
async def main():
    total = 0
    for i in range(5):
        total = await codemode.add(a=total, b=i)
    w = await codemode.get_weather(city="Paris", units="f")
    return [total, round(w["temperature"], 1)]
""",
        [10, 57.2],
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
async def test_language(run: Run, name: str) -> None:
    code, expected = CASES[name]
    result = await run(code)
    assert result.ok, f"{name}: {result.error}"
    assert result.value == expected


async def test_gather_is_really_concurrent(executor: Executor) -> None:
    """Five calls each wait until all five are in flight: only concurrent calls finish."""
    arrived = 0
    everyone = asyncio.Event()

    async def rendezvous(i: int) -> int:
        nonlocal arrived
        arrived += 1
        if arrived == 5:
            everyone.set()
        await everyone.wait()
        return i

    cm = Codemode([Tool.from_function(rendezvous)], executor=executor, timeout=5)
    result = await cm.execute(
        "async def main():\n"
        "    return await asyncio.gather(*[codemode.rendezvous(i=i) for i in range(5)])\n"
    )
    assert result.ok, result.error
    assert result.value == [0, 1, 2, 3, 4]


async def test_print_goes_to_logs_not_stdout(run: Run, capsys: pytest.CaptureFixture[str]) -> None:
    result = await run("print('hello', 1, sep='-')\nprint('no newline', end='')")
    assert result.stdout == "hello-1\nno newline"
    assert capsys.readouterr().out == ""


async def test_executions_do_not_share_globals(run: Run) -> None:
    first = await run("x = 1\nx")
    second = await run("x")
    assert first.value == 1
    assert second.error is not None and second.error.exception == "NameError"


async def test_many_concurrent_executions_keep_their_own_state(executor: Executor) -> None:
    async def ident(n: int) -> int:
        await asyncio.sleep(0)
        return n

    cm = Codemode([Tool.from_function(ident)], executor=executor, timeout=30)
    code = """
seen = []
async def main():
    for _ in range(3):
        seen.append(await codemode.ident(n=N))
    print(N)
    return seen
"""
    results = await asyncio.gather(*[cm.execute(code.replace("N", str(n))) for n in range(200)])
    for n, result in enumerate(results):
        assert result.ok, result.error
        assert result.value == [n, n, n]
        assert result.stdout == f"{n}\n"
        assert [call.args for call in result.tool_calls] == [{"n": n}] * 3


async def test_tool_error_reads_as_the_tools_own_message(run: Run) -> None:
    result = await run(
        "try:\n    await codemode.get_weather(city='Atlantis')\n"
        "except ToolError as e:\n    caught = (str(e), e.tool, e.kind, f'lookup failed: {e}')\n"
        "caught"
    )
    assert result.value == [
        "unknown city Atlantis",
        "get_weather",
        "ValueError",
        "lookup failed: unknown city Atlantis",
    ], result.error
    result = await run("await codemode.get_weather(city='Atlantis')")
    assert result.error is not None and result.error.type == "tool"
    assert result.error.message == "get_weather() failed: ValueError: unknown city Atlantis"


async def test_uncaught_stop_iteration_at_top_level(run: Run) -> None:
    result = await run("it = iter([])\nnext(it)")
    assert result.error is not None
    assert (result.error.exception, result.error.line) == ("StopIteration", 2)
    # in a coroutine, CPython itself turns it into a RuntimeError
    result = await run("async def main():\n    next(iter([]))\nawait main()")
    assert result.error is not None and result.error.exception == "RuntimeError"


async def test_power_of_minus_one_zero_one_is_not_huge(run: Run) -> None:
    result = await run("[(-1) ** (2**63), 0 ** (2**63), 1 ** (2**100), (-1) ** (2**63 + 1)]")
    assert result.value == [1, 0, 1, -1], result.error
    result = await run("3 ** (2**63)")
    assert result.error is not None and result.error.type == "memory"


async def test_replaced_builtins_look_and_fail_as_cpython(run: Run) -> None:
    program = """
out = [repr(print), repr(getattr), repr(iter), repr(sum), repr(len)]
for call in (lambda: getattr(), lambda: getattr(1, 'real', 2, 3), lambda: hasattr(1),
             lambda: setattr(1), lambda: iter(), lambda: print(bogus=1), lambda: print(sep=1),
             lambda: ''.join(), lambda: ''.join(5), lambda: 'a'.expandtabs(wrong=1),
             lambda: 'a'.ljust(), lambda: getattr(1, 2)):
    try:
        call()
        out.append(None)
    except TypeError as e:
        out.append(str(e))
it = iter([1, 2, 3, 0, 9].pop, 2)
out += [type(it).__name__, iter(it) is it, list(it), list(it)]
out
"""
    result = await run(program)
    assert ("value", result.value) == run_cpython(program), result.error
    assert result.value[0] == "<built-in function print>"
    assert result.value[-4:] == ["callable_iterator", True, [9, 0, 3], []]


FORMATTING = [
    "'{}'.format()",
    "'{0}{1}'.format(1)",
    "'{a}'.format()",
    "'{!x}'.format(1)",
    "'{:d}'.format('a')",
    "'{0.real}'.format(5)",
    "'{0[1]}'.format([1, 2])",
    "'{:>{w}}'.format('a', w=5)",
    "'{}{0}'.format(1)",
    "'{0}{}'.format(1)",
    "'{:{}}{0}'.format(1, '>3')",
    "'{'.format()",
    "'{:{}}'.format(1, '>3')",
    "'{0!r:>5}'.format('a')",
    "'{x.y}'.format(x=1)",
    "'{:,}'.format(1234567)",
    "'{}'.format_map({})",
    "'{a}'.format_map({'a': 2})",
    "'%s %d' % ('a', 2)",
    "'%d' % 'x'",
    "format(1, 'q')",
    "'a\\tb'.expandtabs(tabsize=4)",
    "'abc'.replace('b', 'x', 1)",
    "'-'.join(['a', 1])",
    "'ab'.center(5, '*')",
    "'7'.zfill(3)",
    "(5).to_bytes(2, 'big')",
]


@pytest.mark.parametrize("program", FORMATTING)
def test_string_methods_as_cpython(program: str) -> None:
    from .facades.differential import run_codemode

    assert run_codemode(program) == run_cpython(program)


GUARDED_CALLS = [
    "sum()",
    "sum([1], 2, 3)",
    "sum([1, 2], start=3)",
    "sum(['a'], '')",
    "pow(2)",
    "pow(base=2, exp=3)",
    "pow(2, 3, mod=5)",
    "pow(2, -1, 5)",
    "format()",
    "format(5, format_spec='x')",
    "format(3.14159, '.2f')",
    "dir(1, 2)",
]


@pytest.mark.parametrize("program", GUARDED_CALLS)
def test_guarded_builtins_take_calls_as_cpython(program: str) -> None:
    from .facades.differential import run_codemode

    assert run_codemode(program) == run_cpython(program)


async def test_a_refused_allocation_is_a_memory_error(run: Run) -> None:
    result = await run("try:\n    [1] * (2**40)\nexcept MemoryError:\n    r = 'caught'\nr")
    assert result.value == "caught", result.error
    result = await run("'ab' * 10**9")
    assert result.error is not None and result.error.type == "memory"


async def test_future_imports_work(run: Run) -> None:
    result = await run(
        "from __future__ import annotations\nclass A:\n    x: Later\nclass Later:\n    pass\n"
        "A.__name__ if False else 1"
    )
    assert result.value == 1, result.error
