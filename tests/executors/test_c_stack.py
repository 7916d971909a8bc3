"""The C stack (issue 9, cause 9): structures and iterator chains 10**5-10**6 deep make CPython
recurse in C with no recursion check, and the process dies (SIGSEGV). Every attack runs in a
child process, so that a crash is a failed test and not a dead test runner."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from typing import Any

import pytest

from codemode import Codemode
from codemode.executors import Executor

DEEP = 300_000  # well past what an 8 MB C stack holds for any of these

# Closed: each layer records its depth (`executors/_sandbox/_iterators.py`), refused past 1000.
CLOSED: dict[str, str] = {
    "map-chain": "it = iter([1])\nfor _ in range(N):\n    it = map(abs, it)\nnext(it)",
    "zip-chain": "it = iter([1])\nfor _ in range(N):\n    it = zip(it)\nnext(it)",
    "filter-chain": "it = iter([1])\nfor _ in range(N):\n    it = filter(None, it)\nnext(it)",
    "enumerate-chain": "it = iter([1])\nfor _ in range(N):\n    it = enumerate(it)\nnext(it)",
    "chain-chain": (
        "import itertools\nit = iter([1])\nfor _ in range(N):\n    it = itertools.chain(it)\nnext(it)"
    ),
    "from-iterable-chain": (
        "import itertools\nit = iter([[1]])\nfor _ in range(N):\n"
        "    it = itertools.chain.from_iterable(it)\nnext(it)"
    ),
    "islice-chain": (
        "import itertools\nit = iter([1])\nfor _ in range(N):\n    it = itertools.islice(it, 5)\n"
        "next(it)"
    ),
    "starmap-over-zip": (
        "import itertools\nit = iter([1])\nfor _ in range(N):\n"
        "    it = itertools.starmap(abs, zip(it))\nnext(it)"
    ),
    "cycle-chain": (
        "import itertools\nit = iter([1])\nfor _ in range(N):\n    it = itertools.cycle(it)\nnext(it)"
    ),
    "repeat-next-map": (
        "import itertools\nit = iter([1])\nfor _ in range(N):\n"
        "    it = map(next, itertools.repeat(it))\nnext(it)"
    ),
    "generator-expression-chain": (
        "it = iter([1])\nfor _ in range(N):\n    it = (x for x in it)\nnext(it)"
    ),
    "generator-function-chain": (
        "def g(it):\n    for x in it:\n        yield x\nit = iter([1])\nfor _ in range(N):\n"
        "    it = g(it)\nnext(it)"
    ),
    "map-over-generators": (
        "it = iter([1])\nfor _ in range(N):\n    it = map(abs, (x for x in it))\nnext(it)"
    ),
    "type-of-map": "it = iter([1])\nm = type(map(abs, []))\nfor _ in range(N):\n    it = m(abs, it)\nnext(it)",
    "sum-of-chain": "it = iter([1])\nfor _ in range(N):\n    it = zip(it)\nsum(1 for _ in it)",
}

# Deep structures (`executors/_sandbox/_depth.py`): CPython hashes a tuple, and frees a `HOLDERS`
# object, by recursing on the C stack with no check, so no structure may nest past MAX_DEPTH along
# such links, whatever made it. Each is refused with a `policy` error (a RecursionError).
TUPLES: dict[str, str] = {
    "tuple-hash": "t = ()\nfor _ in range(N):\n    t = (t,)\nhash(t)",
    "tuple-in-set": "t = ()\nfor _ in range(N):\n    t = (t,)\n{t}",
    "tuple-dict-key": "t = ()\nfor _ in range(N):\n    t = (t,)\nd = {t: 1}",
    "pair-chain": "t = None\nfor i in range(N):\n    t = (i, t)\nhash(t)",
    "wide-node-chain": "t = ()\nfor i in range(N):\n    t = (1, 'a', t, 2.0)\nhash(t)",
    "tuple-subclass": (
        "class T(tuple):\n    pass\nt = ()\nfor _ in range(N):\n    t = T((t,))\nhash(t)"
    ),
    "namedtuple": (
        "import collections\nP = collections.namedtuple('P', 'a')\nt = ()\n"
        "for _ in range(N):\n    t = P(t)\nhash(t)"
    ),
    "zip-made": "t = ()\nfor _ in range(N):\n    t = next(zip([t]))\nhash(t)",
    "enumerate-made": "t = ()\nfor _ in range(N):\n    t = next(enumerate([t]))\nhash(t)",
    "star-args": "def f(*a):\n    return a\nt = ()\nfor _ in range(N):\n    t = f(t)\nhash(t)",
    "exception-args": "t = ()\nfor _ in range(N):\n    t = ValueError(t).args\nhash(t)",
    "dict-items": "t = ()\nfor _ in range(N):\n    t = next(iter({1: t}.items()))\nhash(t)",
    "reduce-lambda": (
        "import functools\nt = functools.reduce(lambda a, b: (a,), range(N), ())\nhash(t)"
    ),
    "lru-cache-key": (
        "import functools\n@functools.lru_cache\ndef f(x):\n    return 1\nt = ()\n"
        "for _ in range(N):\n    t = (t,)\nf(t)"
    ),
    "frozenset-member": "t = ()\nfor _ in range(N):\n    t = (t,)\nfrozenset([t])",
    "with-decoys": (
        "t = ()\nkeep = []\nfor i in range(N):\n    t = (t,)\n    keep.append([i])\n"
        "    keep.append({'i': i})\nhash(t)"
    ),
}
HOLDERS: dict[str, str] = {
    "slice-made": "s = 1\nfor _ in range(N):\n    s = slice(s)\nrepr(s)",
    "slice-syntax": (
        "class C:\n    def __getitem__(self, k):\n        return k\nc = C()\ns = 1\n"
        "for _ in range(N):\n    s = c[s:]\ns = None"
    ),
    "slice-reduce": "import functools\ns = functools.reduce(slice, range(N))\ns = None",
    "slice-of-tuples": "s = 1\nfor _ in range(N):\n    s = slice((s,))\nhash(s)",
    "itemgetter": (
        "import operator\ng = 1\nfor _ in range(N):\n    g = operator.itemgetter(g)\ng = None"
    ),
    "cmp-to-key": (
        "import functools\nK = functools.cmp_to_key(lambda a, b: 0)\nk = 1\n"
        "for _ in range(N):\n    k = K(k)\nk = None"
    ),
    "coroutine": (
        "async def g(x):\n    return x\nc = 1\nfor _ in range(N):\n    c = g(c)\nc = None"
    ),
    "coroutine-default": (
        "c = 1\nfor _ in range(N):\n    async def g(x=c):\n        return x\n    c = g()\nc = None"
    ),
}
# Freed with the trashcan, so never a crash (the program's deque is a subclass for it).
MUTABLE: dict[str, str] = {
    "deque-made": "import collections\nd = 1\nfor _ in range(N):\n    d = collections.deque([d])",
    "deque-linked-after": (
        "import collections\nds = [collections.deque() for _ in range(N)]\n"
        "for i in range(N - 1):\n    ds[i].append(ds[i + 1])\nfirst = ds[0]\nds = None\n"
        "first = None"
    ),
    "deque-subclass": (
        "import collections\nclass D(collections.deque):\n    pass\nd = 1\n"
        "for _ in range(N):\n    d = D([d])\nd = None"
    ),
}
# Iterators reached from the data (not the arguments): read through a Python layer, which
# CPython counts against its recursion limit (a RecursionError).
FROM_DATA: dict[str, str] = {
    "iterator-in-a-list": (
        "import itertools\nit = iter([[1]])\nfor _ in range(N):\n"
        "    it = itertools.chain.from_iterable([it])\nnext(it)"
    ),
    "iterator-behind-a-class": (
        "import itertools\nclass Box:\n    def __init__(self, it):\n        self.it = it\n"
        "    def __iter__(self):\n        return self.it\nit = iter([[1]])\n"
        "for _ in range(N):\n    it = itertools.chain.from_iterable([Box(it)])\nnext(it)"
    ),
}

# Already safe in CPython (a RecursionError), kept so that they stay so.
SAFE: dict[str, str] = {
    "tuple-repr": "t = ()\nfor _ in range(N):\n    t = (t,)\nrepr(t)",
    "tuple-equal": "t = ()\nu = ()\nfor _ in range(N):\n    t = (t,)\n    u = (u,)\nt == u",
    "list-str": "t = []\nfor _ in range(N):\n    t = [t]\nstr(t)",
    "dict-repr": "t = {}\nfor _ in range(N):\n    t = {'a': t}\nrepr(t)",
    "deepcopy": "import copy\nt = []\nfor _ in range(N):\n    t = [t]\ncopy.deepcopy(t)",
    "json-dumps": "import json\nt = []\nfor _ in range(N):\n    t = [t]\njson.dumps(t)",
    "partial-chain": (
        "import functools\nf = abs\nfor _ in range(N):\n    f = functools.partial(f)\nf(1)"
    ),
    "frozenset-hash": "t = frozenset()\nfor _ in range(N):\n    t = frozenset([t])\nhash(t)",
    "frozenset-repr": "t = frozenset()\nfor _ in range(N):\n    t = frozenset([t])\nrepr(t)",
    "tuple-str": "t = ()\nfor _ in range(N):\n    t = (t,)\nstr(t)",
    "dict-equal": "t = {}\nu = {}\nfor _ in range(N):\n    t = {1: t}\n    u = {1: u}\nt == u",
    "partial-subclass-chain": (
        "import functools\nclass P(functools.partial):\n    pass\nf = abs\nfor _ in range(N):\n"
        "    f = P(f)\nf(1)"
    ),
    "partial-subclass-repr": (
        "import functools\nclass P(functools.partial):\n    pass\nf = abs\nfor _ in range(N):\n"
        "    f = P(f)\nrepr(f)"
    ),
    "deepcopy-tuple": "import copy\nt = ()\nfor _ in range(N):\n    t = (t, [])\ncopy.deepcopy(t)",
    "returned-deep-list": "t = []\nfor _ in range(N):\n    t = [t]\nreturn t",
}

CHILD = textwrap.dedent(
    """
    import asyncio, json, sys
    from codemode import Codemode
    from codemode.executors import InProcessExecutor, SubprocessExecutor

    async def main():
        executor = InProcessExecutor() if sys.argv[1] == "inprocess" else SubprocessExecutor()
        async with executor:
            cm = Codemode([], executor=executor, timeout=20)
            for code in json.loads(sys.stdin.read()):
                result = await cm.execute(code)
                print(json.dumps(result.error.type if result.error else "ok"), flush=True)
            after = await cm.execute("return 1")
            print(json.dumps(after.value), flush=True)

    asyncio.run(main())
    """
)


def _run_child(
    executor: str, programs: list[str], child: str = CHILD
) -> tuple[int, list[str], str]:
    codes = [f"N = {DEEP}\n{program}" for program in programs]
    done = subprocess.run(
        [sys.executable, "-c", child, executor],
        input=json.dumps(codes),
        capture_output=True,
        text=True,
        timeout=300,
    )
    lines = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    return done.returncode, lines, done.stderr[-2000:]


@pytest.mark.parametrize("group", ["closed", "safe"])
def test_deep_chains_do_not_crash_the_in_process_host(group: str) -> None:
    """One child per group (each would be a child of its own were any expected to crash)."""
    programs = CLOSED if group == "closed" else SAFE
    returncode, lines, stderr = _run_child("inprocess", list(programs.values()))
    done = dict(zip(programs, lines, strict=False))
    assert returncode == 0, f"the host died ({returncode}) after {done}: {stderr}"
    assert len(lines) == len(programs) + 1 and lines[-1] == 1  # the next run is fine
    if group == "closed":
        assert set(lines[:-1]) == {"policy"}, done


@pytest.mark.parametrize("group", ["tuples", "holders", "mutable", "from-data"])
def test_deep_structures_do_not_crash_the_in_process_host(group: str) -> None:
    programs, expected = {
        "tuples": (TUPLES, {"policy"}),
        "holders": (HOLDERS, {"policy"}),
        "mutable": (MUTABLE, {"ok"}),
        "from-data": (FROM_DATA, {"runtime"}),
    }[group]
    returncode, lines, stderr = _run_child("inprocess", list(programs.values()))
    done = dict(zip(programs, lines, strict=False))
    assert returncode == 0, f"the host died ({returncode}) after {done}: {stderr}"
    assert len(lines) == len(programs) + 1 and lines[-1] == 1, (done, stderr)
    assert set(lines[:-1]) == expected, done


def test_a_host_with_the_collector_off_is_bounded_too() -> None:
    """The measurements ride on the collector's collections: a host that turned it off (for
    speed) has it on while runs are active, and off again after."""
    child = CHILD.replace(
        "asyncio.run(main())",
        "import gc\ngc.disable()\nasyncio.run(main())\nprint(json.dumps(gc.isenabled()))",
    )
    programs = [TUPLES["tuple-hash"], HOLDERS["slice-reduce"]]
    returncode, lines, stderr = _run_child("inprocess", programs, child)
    assert returncode == 0, f"the host died ({returncode}): {stderr}"
    assert lines == ["policy", "policy", 1, False], (lines, stderr)


def test_subprocess_host_survives_every_deep_attack() -> None:
    """In the subprocess executor a crash costs the worker, never the host."""
    programs = [*CLOSED.values(), *TUPLES.values(), *HOLDERS.values(), *SAFE.values()]
    returncode, lines, stderr = _run_child("subprocess", programs)
    assert returncode == 0, f"the host died ({returncode}): {stderr}"
    assert len(lines) == len(programs) + 1 and lines[-1] == 1, (lines, stderr)
    assert lines[: len(CLOSED)] == ["policy"] * len(CLOSED), lines


ORDINARY: dict[str, tuple[str, object]] = {
    "generator-function-attributes": (
        "def g():\n    '''doc'''\n    yield 1\ng.tag = 'x'\nreturn [g.tag, g.__name__, g.__doc__, list(g())]",
        ["x", "g", "doc", [1]],
    ),
    "wraps-a-generator": (
        "import functools\ndef deco(f):\n    @functools.wraps(f)\n    def inner(*a):\n"
        "        yield from f(*a)\n    return inner\n@deco\ndef h(n):\n    yield n\n"
        "return [list(h(3)), h.__name__]",
        [[3], "h"],
    ),
    "generator-methods": (
        "class C:\n    def items(self):\n        yield 1\n    @staticmethod\n    def s():\n"
        "        yield 2\nreturn [list(C().items()), list(C.s())]",
        [[1], [2]],
    ),
    "iterators-as-usual": (
        "import itertools\nz = zip(map(abs, [-1, -2]), itertools.chain([3], [4]))\n"
        "return [list(z), isinstance(map(abs, []), map), type(zip()).__name__,"
        " sum(x * x for x in range(4))]",
        [[[1, 3], [2, 4]], True, "zip", 14],
    ),
}


@pytest.mark.parametrize("name", sorted(ORDINARY))
async def test_depth_tracking_leaves_ordinary_code_alone(
    executor: Executor, tools: list[Any], name: str
) -> None:
    code, expected = ORDINARY[name]
    result = await Codemode(tools, executor=executor, timeout=5).execute(code)
    assert result.error is None, result.error
    assert result.value == expected


# -- every constructor of the allowed surface ---------------------------------------------------

SMALL_STACK = 2 << 20  # the child's C stack: 2 MB, where 48k levels of any of the above crash
CHAIN = 60_000

PROBE = """
{imports}
C = {target}
made = None
for seed in (1, 'a', abs, (), None):
    for form in range(4):
        try:
            x = seed
            for _ in range(3):
                x = C(x) if form == 0 else C(x, x) if form == 1 else C(abs, x) if form == 2 else C(x, 1)
            made = (seed, form)
            break
        except Exception:
            pass
    if made:
        break
if made is None:
    return 'none'
seed, form = made
x = seed
try:
    for _ in range(N):
        x = C(x) if form == 0 else C(x, x) if form == 1 else C(abs, x) if form == 2 else C(x, 1)
except Exception as e:
    return 'refused'
try:
    hash(x)
except Exception:
    pass
x = None
return 'built'
"""


def _constructors() -> list[tuple[str, str]]:
    """(name, expression) of every public callable of the builtins and the allowed modules."""
    import builtins
    import importlib

    from codemode.executors._sandbox import DEFAULT_MODULES, base_builtins

    found = [
        (name, name)
        for name, value in sorted(base_builtins().items())
        if callable(value)
        and name not in {"print", "input", "breakpoint", "exit", "quit"}
        and hasattr(builtins, name)
    ]
    for module in DEFAULT_MODULES:
        real = importlib.import_module(module)
        for name in sorted(dir(real)):
            if not name.startswith("_") and callable(getattr(real, name)):
                found.append((f"{module}.{name}", f"{module}.{name}"))
    return found


def _probe(expression: str) -> str:
    module = expression.rpartition(".")[0]
    return f"N = {CHAIN}\n" + PROBE.format(
        imports=f"import {module}" if module else "", target=expression
    )


def test_chains_of_every_constructor_leave_the_host_alive() -> None:
    """Each public callable of the builtins and the allowed modules nests its own results 40k
    deep (`x = C(x)`, `C(x, x)`, `C(abs, x)` or `C(x, 1)`, whichever it takes), then the chain
    is hashed and freed, in a child whose C stack is 1 MB: none may crash it."""
    targets = _constructors()
    codes = [_probe(expression) for _, expression in targets]
    done = subprocess.run(
        [sys.executable, "-c", CHILD, "inprocess"],
        input=json.dumps(codes),
        capture_output=True,
        text=True,
        timeout=600,
        preexec_fn=lambda: __import__("resource").setrlimit(
            __import__("resource").RLIMIT_STACK, (SMALL_STACK, SMALL_STACK)
        ),
    )
    lines = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    reached = len(lines)
    assert done.returncode == 0, (
        f"the host died ({done.returncode}) at {targets[min(reached, len(targets) - 1)][0]}: "
        f"{done.stderr[-2000:]}"
    )
    assert len(lines) == len(targets) + 1 and lines[-1] == 1


# -- work that sharing makes exponential --------------------------------------------------------

# A structure that holds the same object twice at each level is small (40 objects) but hashing
# or comparing it visits every path (2**40): one C call that the deadline cannot stop in-process.
SHARED: dict[str, str] = {
    "tuple-hash": "t = ()\nfor _ in range(40):\n    t = (t, t)\nhash(t)",
    "tuple-equal": "t = ()\nu = ()\nfor _ in range(40):\n    t = (t, t)\n    u = (u, u)\nt == u",
    "list-equal": "t = []\nu = []\nfor _ in range(40):\n    t = [t, t]\n    u = [u, u]\nt == u",
    "dict-equal": (
        "t = {}\nu = {}\nfor _ in range(40):\n    t = {'a': t, 'b': t}\n    u = {'a': u, 'b': u}\n"
        "t == u"
    ),
}


def test_exponential_work_through_sharing_stops_at_the_deadline_in_a_worker() -> None:
    """The subprocess executor kills the worker at the deadline; the host carries on."""
    child = CHILD.replace("timeout=20", "timeout=1")
    done = subprocess.run(
        [sys.executable, "-c", child, "subprocess"],
        input=json.dumps(list(SHARED.values())),
        capture_output=True,
        text=True,
        timeout=120,
    )
    lines = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    assert done.returncode == 0, done.stderr[-2000:]
    assert lines == ["timeout"] * len(SHARED) + [1], lines


@pytest.mark.xfail(
    strict=True,
    reason="in-process, hashing or comparing a shared structure is one C call with exponential "
    "work that nothing interrupts (README: in-process limits); the subprocess executor kills it",
)
def test_exponential_work_through_sharing_in_process() -> None:
    child = CHILD.replace("timeout=20", "timeout=1")
    try:
        done = subprocess.run(
            [sys.executable, "-c", child, "inprocess"],
            input=json.dumps([SHARED["tuple-hash"]]),
            capture_output=True,
            text=True,
            timeout=5,
        )
    except subprocess.TimeoutExpired:
        pytest.fail("the host hung in one C call")
    assert done.returncode == 0


async def test_a_wide_tuple_is_measured_once(executor: Executor, tools: list[Any]) -> None:
    """Each of 100k young tuples holds one tuple of a million items: measuring would look at the
    million every time one of them is picked, were its depth not remembered (`_depth`)."""
    code = (
        "big = tuple(range(1_000_000))\nkeep = []\nfor i in range(100_000):\n"
        "    keep.append((big, i))\nreturn len(keep)"
    )
    result = await Codemode(tools, executor=executor, timeout=20).execute(code)
    assert result.error is None, result.error
    assert result.value == 100_000
