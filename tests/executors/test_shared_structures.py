"""Structures that hold one object at many places, through codemode's own code.

40 lists that each hold the one before twice are 40 objects, but a walk that follows every path
meets 2**40 of them: CPython's repr of it never returns, nor does a copy into a tree. Wherever
codemode itself turns a value of the program into data or text (the returned value, `print`, an
exception's message, a tool's arguments), it stops within its limit whatever the value shares
(`codemode._text`, `to_jsonable(budget=)`). Each program runs in a child process: were a route
left open, the child would hang, not the test runner.
"""

from __future__ import annotations

import collections
import json
import random
import subprocess
import sys
import textwrap
from typing import Any

import pytest

from codemode._result import TooLarge, to_jsonable
from codemode._text import bounded_exception_str, bounded_repr, bounded_str, cheap

# How each shape is built 40 levels deep, two paths to the level below at each level.
SHAPES: dict[str, str] = {
    "list": "t = []\nfor _ in range(40):\n    t = [t, t]\n",
    "tuple": "t = ()\nfor _ in range(40):\n    t = (t, t)\n",
    "dict": "t = {}\nfor _ in range(40):\n    t = {'a': t, 'b': t}\n",
    "list-subclass": "class L(list):\n    pass\nt = L()\nfor _ in range(40):\n    t = L([t, t])\n",
    "dict-subclass": (
        "class D(dict):\n    pass\nt = D()\nfor _ in range(40):\n    t = D(a=t, b=t)\n"
    ),
    "deque": (
        "from collections import deque\nt = deque()\nfor _ in range(40):\n    t = deque([t, t])\n"
    ),
    "frozenset": ("t = frozenset()\nfor i in range(40):\n    t = frozenset([t, (t, i)])\n"),
    "mixed": "t = ()\nfor i in range(40):\n    t = [{'k': t}, (t, i)]\n",
}

# What the program does with it (`t` is the shared structure), and what the run must end with:
# the error's type (or "ok") and the start of its message.
ROUTES: dict[str, tuple[str, str, str]] = {
    "return": ("return t", "output", ""),
    "return-in-a-dict": ("return {'value': t}", "output", ""),
    "return-in-a-dataclass": (
        "import dataclasses\n@dataclasses.dataclass\nclass Box:\n    v: object\nreturn Box(t)",
        "output",
        "",
    ),
    "print": ("print(t)\nreturn 1", "ok", ""),
    "print-many": ("for _ in range(3):\n    print('x', t, sep='|')\nreturn 1", "ok", ""),
    "print-to-a-file": (
        "class W:\n    def write(self, s):\n        pass\nprint(t, file=W())",
        "memory",
        "AllocationRefused: print() to a file writes at most",
    ),
    "raise-value-error": ("raise ValueError(t)", "runtime", "ValueError: "),
    "raise-two-arguments": ("raise ValueError('x', t)", "runtime", "ValueError: ('x', "),
    "raise-key-error": ("raise KeyError(t)", "runtime", "KeyError: key "),
    "raise-own-exception": (
        "class Oops(Exception):\n    pass\nraise Oops(t)",
        "runtime",
        "Oops: ",
    ),
    "assert": ("assert False, t", "runtime", "AssertionError: "),
    "exception-group": (
        "raise ExceptionGroup('many', [ValueError(t), KeyError(t)])",
        "runtime",
        "many: ValueError: ",
    ),
    "tool-argument": ("return await codemode.echo(value=t)", "validation", "echo(): the arguments"),
    "tool-argument-nested": (
        "return await codemode.echo(value={'rows': [t]})",
        "validation",
        "echo(): the arguments",
    ),
}

CHILD = textwrap.dedent(
    """
    import asyncio, json, sys
    from typing import Any
    from codemode import Codemode
    from codemode.executors import InProcessExecutor, SubprocessExecutor

    def echo(value: Any) -> str:
        "Say the value back."
        return "seen"

    async def main():
        executor = InProcessExecutor() if sys.argv[1] == "inprocess" else SubprocessExecutor()
        async with executor:
            cm = Codemode([echo], executor=executor, timeout=10)
            for code in json.loads(sys.stdin.read()):
                result = await cm.execute(code)
                error = result.error
                streams = sorted({entry.stream for entry in result.logs})
                chars = sum(len(entry.text) for entry in result.logs)
                print(json.dumps([
                    error.type if error else "ok",
                    error.message if error else "",
                    streams,
                    chars,
                ]), flush=True)
            after = await cm.execute("return 1")
            print(json.dumps(after.value), flush=True)

    asyncio.run(main())
    """
)


def _program(shape: str, route: str) -> str:
    body = SHAPES[shape] + ROUTES[route][0]
    return "async def main():\n" + textwrap.indent(body, "    ")


@pytest.mark.parametrize("executor", ["inprocess", "subprocess"])
def test_codemode_stops_within_its_limits_whatever_the_value_shares(executor: str) -> None:
    cases = [(shape, route) for shape in SHAPES for route in ROUTES]
    done = subprocess.run(
        [sys.executable, "-c", CHILD, executor],
        input=json.dumps([_program(shape, route) for shape, route in cases]),
        capture_output=True,
        text=True,
        timeout=300,
    )
    lines = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    assert done.returncode == 0, done.stderr[-3000:]
    assert len(lines) == len(cases) + 1, (lines, done.stderr[-3000:])
    assert lines[-1] == 1  # the next run is fine
    for (shape, route), (kind, message, streams, chars) in zip(cases, lines, strict=False):
        expected, start = ROUTES[route][1:]
        assert kind == expected, (shape, route, kind, message[:300])
        assert message.startswith(start), (shape, route, message[:300])
        assert len(message) < 25_000, (shape, route, len(message))
        assert chars < 21_000, (shape, route, chars)  # the log's limit, and its note
        if route.startswith("print") and expected == "ok":  # the log's head, and its note
            assert streams == ["stdout", "system"], (shape, route, streams)


# -- the bounded text, against CPython's own ----------------------------------------------------


class _L(list[Any]):
    pass


class _T(tuple[Any, ...]):
    pass


class _D(dict[Any, Any]):
    pass


class _S(set[Any]):
    pass


class _F(frozenset[Any]):
    pass


class _Q(collections.deque[Any]):
    pass


class _Own(list[Any]):
    def __repr__(self) -> str:
        return "<own>"


class _Lying(list[Any]):
    """Says it is empty and has nothing in it: CPython's repr asks neither."""

    def __len__(self) -> int:
        return 0

    def __iter__(self) -> Any:
        return iter(())


def _random_value(rng: random.Random, depth: int) -> Any:
    if depth == 0 or rng.random() < 0.3:
        return rng.choice([1, -2.5, "a'b\"c", None, True, b"x", 10**30, "é\n", (), frozenset()])
    items = [_random_value(rng, depth - 1) for _ in range(rng.randint(0, 3))]
    keys = [item for item in items if _hashable(item)]
    build = rng.choice(
        [
            lambda: list(items),
            lambda: tuple(items),
            lambda: dict(zip(keys, items, strict=False)),
            lambda: set(keys),
            lambda: frozenset(keys),
            lambda: collections.deque(items),
            lambda: collections.deque(items, maxlen=5),
            lambda: _L(items),
            lambda: _T(items),
            lambda: _D(zip(keys, items, strict=False)),
            lambda: _S(keys),
            lambda: _F(keys),
            lambda: _Q(items),
            lambda: _Own(items),
            lambda: _Lying(items),
        ]
    )
    value = build()
    if isinstance(value, list) and rng.random() < 0.2:
        value.append(value)  # CPython writes `[...]` where a list meets itself
    if isinstance(value, dict) and rng.random() < 0.2:
        value["self"] = value
    return value


def _hashable(value: Any) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


def test_the_bounded_text_is_cpythons_own() -> None:
    """Written item by item or taken whole, the text is CPython's, and cut only past the
    bound."""
    from codemode._text import _write

    rng = random.Random(7)
    for _ in range(3000):
        value = _random_value(rng, 4)
        whole = repr(value)
        assert _write(value, 10**9) == whole
        for limit in (0, 5, 40):
            cut = bounded_repr(value, limit)
            assert whole.startswith(cut)
            assert cut == whole or len(cut) > limit
            text = bounded_str(value, limit)
            assert str(value).startswith(text)


def test_the_bounded_text_of_a_shared_structure_is_cut() -> None:
    shared: list[Any] = []
    for _ in range(60):
        shared = [shared, shared]
    text = bounded_repr(shared, 1000)
    assert 1000 < len(text) < 1100
    assert text.startswith("[[[[")
    assert not cheap(shared, 10**6)
    assert cheap([1, 2, 3], 10) and cheap(object(), 0)


def test_the_text_of_an_exception_is_bounded_as_its_arguments() -> None:
    shared: tuple[Any, ...] = ()
    for _ in range(60):
        shared = (shared, shared)

    class Own(Exception):
        def __str__(self) -> str:
            return "own text"

    assert bounded_exception_str(ValueError(), 10) == ""
    assert bounded_exception_str(ValueError("plain"), 10) == "plain"
    assert bounded_exception_str(KeyError("k"), 10) == "'k'"
    assert bounded_exception_str(ValueError(1, "a"), 10) == "(1, 'a')"
    assert bounded_exception_str(Own(shared), 10) == "own text"
    assert len(bounded_exception_str(ValueError(shared), 500)) < 600
    assert len(bounded_exception_str(KeyError(shared), 500)) < 600


def test_the_conversion_of_a_value_stops_at_its_budget() -> None:
    shared: list[Any] = []
    for _ in range(60):
        shared = [shared, {"k": shared}]
    with pytest.raises(TooLarge):
        to_jsonable(shared, budget=10_000)
    with pytest.raises(TooLarge):
        to_jsonable({"rows": (shared,)}, [], budget=10_000)
    small = {"a": [1, 2, (3, 4)], "b": {"c": None}}
    assert to_jsonable(small, budget=100) == {"a": [1, 2, [3, 4]], "b": {"c": None}}
    assert to_jsonable(list(range(50)), budget=51) == list(range(50))
    with pytest.raises(TooLarge):
        to_jsonable(list(range(50)), budget=49)
