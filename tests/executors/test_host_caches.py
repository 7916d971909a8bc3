"""Nothing a run made outlives the run (issue 9, causes 6 and 7): the host-wide caches of the
allowed modules (`re`'s, `_strptime`'s, `typing`'s, a host Flag's members, ...) never keep a
program's object, whose `__eq__`/`__hash__` would run inside the host's own later lookups.

The attack is generated from the allowed surface: a program hands its own `str`, `int`, `float`
and `tuple` subclasses, a class with `__eq__`/`__hash__` and a class whose metaclass has them to
every callable (and subscription) of a module and to the public methods of what they return.
After the run no object of those classes, nor the classes, is alive in the host, and no method of
theirs runs when the host (or the next run) looks the same keys up.
"""

from __future__ import annotations

import contextlib
import gc
import re
import sys
import time
import typing
import uuid
from collections.abc import Iterator
from types import FrameType
from typing import Any

import pytest

from codemode import Codemode, Tool
from codemode._program import FILENAME, PROGRAM_MODULE
from codemode.executors import Executor, InProcessExecutor
from codemode.executors._sandbox import DEFAULT_MODULES, base_builtins

# Every method counts its calls in CALLS and holds a loop: run after its run ended, its deadline
# check would raise in whatever host code called it.
HOSTILE = """
CALLS = []
class ProbeStr_N(str):
    def __eq__(self, other):
        CALLS.append('eq')
        for _ in range(1): pass
        return str.__eq__(self, other)
    def __hash__(self):
        CALLS.append('hash')
        for _ in range(1): pass
        return str.__hash__(self)
class ProbeInt_N(int):
    def __eq__(self, other):
        CALLS.append('eq')
        for _ in range(1): pass
        return int.__eq__(self, other)
    def __hash__(self):
        CALLS.append('hash')
        for _ in range(1): pass
        return int.__hash__(self)
    def __ror__(self, other):
        CALLS.append('ror')
        return ProbeInt_N(int(other) | int(self))
class ProbeFloat_N(float):
    def __hash__(self):
        CALLS.append('hash')
        for _ in range(1): pass
        return float.__hash__(self)
class ProbeTuple_N(tuple):
    def __hash__(self):
        CALLS.append('hash')
        for _ in range(1): pass
        return tuple.__hash__(self)
class ProbeKey_N:
    def __eq__(self, other):
        CALLS.append('eq')
        for _ in range(1): pass
        return self is other
    def __hash__(self):
        CALLS.append('hash')
        for _ in range(1): pass
        return 7
class ProbeMeta_N(type):
    # a metaclass may not define __eq__/__hash__ (classes compare by identity: _owner)
    def __repr__(cls):
        CALLS.append('repr')
        for _ in range(1): pass
        return 'ProbeClass'
class ProbeClass_N(metaclass=ProbeMeta_N):
    pass
VALUES = [
    ProbeStr_N('%d'), ProbeStr_N('a*b'), ProbeStr_N('%Y-%m-%d'), ProbeStr_N('x'),
    ProbeStr_N('utf-8'), ProbeStr_N('sha256'), ProbeStr_N('1.5'), ProbeStr_N('\\\\g<0>'), ProbeInt_N(2),
    ProbeFloat_N(1.5), ProbeTuple_N((1, 2)), ProbeKey_N(), ProbeClass_N, ProbeStr_N,
]
PLAIN = ['%d', 'a*b', '%Y-%m-%d', 'x', 'utf-8', '1.5', '\\\\g<0>', 2, 1.5, (1, 2), 'sha256']
SHAPES = [
    lambda v: (v,), lambda v: (v, v), lambda v: ('x', v), lambda v: (v, 'x'), lambda v: (v, 1),
    lambda v: ('x', v, 'x'), lambda v: (v, 'x', 'x'), lambda v: ('2020-01-02', v),
    lambda v: (v, b'x'), lambda v: (v, 1, 1),
]
"""

PLANT = """
import MODULE as target
def poke(f, depth):
    made = 0
    for v in VALUES:
        for shape in SHAPES:
            try:
                r = f(*shape(v))
            except Exception:
                continue
            made += 1
            if type(r).__name__ == 'coroutine':
                r.close()
            elif depth and made < 4 and not callable(r):
                for name in dir(r):
                    if not name.startswith('_'):
                        try:
                            method = getattr(r, name)
                        except Exception:
                            continue
                        if callable(method):
                            poke(method, depth - 1)
        try:
            f[v]
            f[v, v]
        except Exception:
            pass
    return made
MEMBERS = [getattr(target, name) for name in dir(target) if not name.startswith('_')]
total = 0
for member in MEMBERS:
    if callable(member) or hasattr(member, '__getitem__'):
        total += poke(member, 1)
return total
"""

# The builtins a program can call, poked as a module's members are (less those that only
# refuse, and `print`, whose output would only fill the log).
_BUILTINS = sorted(
    name
    for name, value in base_builtins().items()
    if not name.startswith("_")
    and callable(value)
    and name
    not in {
        "print",
        "input",
        "open",
        "eval",
        "exec",
        "compile",
        "globals",
        "locals",
        "vars",
        "breakpoint",
        "help",
        "exit",
        "quit",
    }
)


def planting_program(module: str, nonce: str) -> str:
    program = (HOSTILE + PLANT).replace("_N", "_" + nonce)
    if module == "builtins":
        program = program.replace("import MODULE as target\n", "").replace(
            "MEMBERS = [getattr(target, name) for name in dir(target) if not name.startswith('_')]",
            f"MEMBERS = [{', '.join(_BUILTINS)}]",
        )
    return program.replace("MODULE", module)


_QUALNAME = type.__dict__["__qualname__"]
_MODULE = type.__dict__["__module__"]


def _probe_class(cls: Any, nonce: str) -> bool:
    """Read without running any code of the class (its names may be `str` subclasses)."""
    module, name = _MODULE.__get__(cls), _QUALNAME.__get__(cls)
    return (
        type(module) is str
        and module == PROGRAM_MODULE
        and type(name) is str
        and name.endswith("_" + nonce)
    )


def program_leftovers(nonce: str) -> dict[str, int]:
    """The probe classes of run `nonce`, and objects of them, still alive in this process."""
    for _ in range(3):
        gc.collect()
    found: dict[str, int] = {}
    for obj in gc.get_objects():
        kind = type(obj)  # (`isinstance` would ask a dead weak proxy among them for its class)
        cls = obj if issubclass(kind, type) else kind
        if _probe_class(cls, nonce):
            key = ("class " if cls is obj else "") + _QUALNAME.__get__(cls)
            found[key] = found.get(key, 0) + 1
    return found


@contextlib.contextmanager
def program_calls() -> Iterator[list[str]]:
    """Names of the program's functions called while the block runs."""
    calls: list[str] = []

    def profile(frame: FrameType, event: str, arg: Any) -> None:
        if event == "call" and frame.f_code.co_filename == FILENAME:
            calls.append(frame.f_code.co_qualname)

    sys.setprofile(profile)
    try:
        yield calls
    finally:
        sys.setprofile(None)


def _host_lookups() -> None:
    """The host's own calls that look up the keys a program planted."""
    for pattern in ("%d", "a*b", "x", "1.5", "utf-8"):
        re.compile(pattern)
        re.compile(pattern, 2)
        re.sub("x", "\\g<0>", "x")
    with contextlib.suppress(ValueError):
        time.strptime("2020-01-02", "%Y-%m-%d")
    lookups = [typing.List[int], typing.Literal["x", 2, 1.5], typing.Union[int, str]]  # noqa: UP006, UP007
    lookups += [re.RegexFlag(2), re.I | 2]


@pytest.mark.parametrize("module", ["builtins", *sorted(DEFAULT_MODULES)])
async def test_host_keeps_nothing_of_a_run(
    executor: Executor, tools: list[Any], module: str
) -> None:
    nonce = uuid.uuid4().hex[:8]
    cm = Codemode(tools, executor=executor, timeout=30)
    result = await cm.execute(planting_program(module, nonce))
    assert result.error is None, result.error
    assert isinstance(result.value, int) and result.value > 0  # the module's calls did run
    if isinstance(executor, InProcessExecutor):
        assert program_leftovers(nonce) == {}
        with program_calls() as calls:
            _host_lookups()
        assert calls == [], f"the program's methods ran in the host after its run: {calls}"
    # The next run looks the same keys up with plain values: nothing of the first run answers.
    again = planting_program(module, uuid.uuid4().hex[:8]).replace(
        "\nimport ", "\nVALUES = PLAIN\nimport ", 1
    )
    with program_calls() as calls:
        after = await cm.execute(again)
    assert after.error is None, after.error
    assert not [name for name in calls if nonce in name], calls


# A key whose hash the program chose to equal the host's own: a lookup of `Literal[int]` by the
# host while the run is still going would compare it with the program's key and run its `__eq__`.
# (A metaclass defining `__eq__`/`__hash__`, the other spelling, is refused outright: `_owner`.)
COLLIDING = """
import typing
class Key:
    def __eq__(self, other):
        for _ in range(1): pass
        return True
    def __hash__(self):
        return hash(int)
k = Key()
planted = [typing.Literal[k], typing.Literal[k, 'x'], typing.Optional[typing.Literal[k]]]
return await codemode.lookup_types()
"""


async def test_typing_caches_skip_a_programs_keys(executor: Executor) -> None:
    """During the run, the host's typing subscriptions get their own answers: keys holding a
    program object are never cached, so no lookup of the host's compares with them."""
    seen: list[Any] = []

    async def lookup_types() -> bool:
        """The host's own typing lookups, while the program runs."""
        with program_calls() as calls:
            answers = [typing.List[int], typing.Union[int, str], typing.Literal[int]]  # noqa: UP006, UP007
            answers.append(typing.Tuple[int])  # noqa: UP006
        seen.extend(calls)
        return [typing.get_args(a) for a in answers] == [(int,), (int, str), (int,), (int,)]

    cm = Codemode([Tool.from_function(lookup_types)], executor=executor, timeout=10)
    result = await cm.execute(COLLIDING)
    assert result.error is None and result.value is True, result
    assert seen == []
