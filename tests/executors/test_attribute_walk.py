"""A generated walk over everything model code can reach by attribute chains (issue 9, "Done when").

From every builtin model code gets, every allowed module's facade, and the objects a program makes
(functions, generators, coroutines, classes, subclasses of host classes, exceptions with their
tracebacks, tasks, patterns, matches...), it follows every attribute `dir()` lists plus the names
escapes use, through the policy's own `getattr` (the routing compiled `obj.name` and
`operator.attrgetter` share) and `type()`, to a bounded depth; and it checks that nothing reached is
a frame, a code object, a cell, a traceback, a real module, a function's globals or the builtins
dict, the event loop, the executor's own state, a host class's private member, or a host class
that `type()` handed out unchecked.

The walk runs in the host against the policy functions both executors use (the subprocess worker
runs the same in-process policy), so it is not parametrised over executors.
"""

from __future__ import annotations

import asyncio
import builtins
import types
from collections.abc import Iterator
from typing import Any

from codemode import Tool
from codemode._program import PROGRAM_MODULE
from codemode._result import Limits
from codemode.executors import InProcessExecutor
from codemode.executors._base import ToolBridge
from codemode.executors._inprocess import _run
from codemode.executors._sandbox import CURRENT, DEFAULT_MODULES, Execution, Importer
from codemode.executors._sandbox._builtins import dir_builtin, getattr_builtin
from codemode.executors._sandbox._owner import _namedtuple_member, owned, owned_class
from codemode.executors._sandbox._types import StandIn, _public_classes, real_class, type_builtin

DEPTH = 4

# Names escapes try, whether or not `dir()` lists them.
PROBES = (
    "__globals__",
    "__builtins__",
    "__class__",
    "__dict__",
    "__self__",
    "__func__",
    "__closure__",
    "__code__",
    "__wrapped__",
    "__base__",
    "__bases__",
    "__mro__",
    "__subclasses__",
    "__init__",
    "__new__",
    "__reduce_ex__",
    "__getattribute__",
    "__annotations__",
    "__module__",
    "__traceback__",
    "__context__",
    "gi_frame",
    "cr_frame",
    "ag_frame",
    "tb_frame",
    "f_back",
    "f_globals",
    "_loop",
    "_get_loop",
    "_cm_state_",
    "_cm_task_",
    "_cm_pattern_",
    "_cm_group_",
    "_cm_real_",
    "_cm_paths_",
    "format",
    "format_map",
    "register",
    "re",
)

PROGRAM = """
import asyncio, re, json, uuid, operator, functools, itertools, collections, dataclasses, enum

class Q(asyncio.Queue):
    pass

class S(str):
    def shout(self):
        return self.upper()

class U(uuid.UUID):
    pass

@dataclasses.dataclass
class D:
    x: int
    _y: int = 1

class Color(enum.Enum):
    RED = 1

def function(a: int = 1) -> int:
    return a

def generator():
    yield 1

async def coroutine():
    return 1

async def agen():
    yield 1

try:
    1 / 0
except ZeroDivisionError as caught:
    error = caught

gen = generator()
next(gen)
coro = coroutine()
agenerator = agen()
task = asyncio.create_task(coroutine())
await task
queue = Q()
await queue.put(1)
pattern = re.compile("a(b)")
match = pattern.search("ab")
values = [
    function, gen, coro, agenerator, task, queue, pattern, match, S("s"), U(int=1), D(1),
    Color.RED, error, lambda: 1, functools.partial(function), iter([1]), range(10 ** 6), b"b",
    operator.attrgetter("x"), collections.Counter("ab").elements(), itertools.count(),
    functools.cache(function), json.JSONDecoder().scan_once, type("T", (), {})(),
    collections.namedtuple("P", "x y")(1, 2), enum.Enum("E", "A B").A,
    dataclasses.make_dataclass("M", ["a"])(1), functools.cmp_to_key(len)("a"),
    itertools.tee([1])[0], itertools.groupby([1]), collections.OrderedDict(a=1).keys(),
    reversed([1]), zip([1]), map(len, []), enumerate([]), operator.itemgetter(1),
    operator.methodcaller("x"), {}.items(), asyncio.timeout(1), asyncio.Event().wait(),
]
"""


def _reachable_roots() -> Iterator[tuple[str, Any]]:
    """Every allowed module's facade, and an instance of each of its classes that model code
    could make without arguments (`asyncio.Queue()`, `json.JSONDecoder()`, ...)."""
    importer = Importer(frozenset(DEFAULT_MODULES))
    for name in (*DEFAULT_MODULES, "collections.abc"):
        facade = importer.load(name)
        yield name, facade
        for member, value in sorted(vars(facade).items()):
            if isinstance(value, type) and not member.startswith("_"):
                try:
                    instance = value()
                except Exception:
                    continue
                yield f"{name}.{member}()", instance


async def _program_roots(execution: Execution) -> tuple[dict[str, Any], list[tuple[str, Any]]]:
    def ping() -> str:
        """Ping."""
        return "pong"

    executor = InProcessExecutor()
    compiled = executor.compile(PROGRAM)
    assert not hasattr(compiled, "type"), compiled
    bridge = ToolBridge({"ping": Tool.from_function(ping)}, Limits())
    namespace = executor._namespace(execution, bridge)
    await _run(compiled.code, namespace)  # type: ignore[union-attr]
    roots = [(f"builtins.{k}", v) for k, v in namespace["__builtins__"].items()]
    roots += [(k, namespace[k]) for k in ("codemode", "print", "asyncio")]
    roots += [(f"program.values[{i}]", v) for i, v in enumerate(namespace["values"])]
    roots += [(f"program.{k}", namespace[k]) for k in ("Q", "S", "U", "D", "Color")]
    return namespace, roots


def _is_globals(value: Any, forbidden_dicts: list[Any]) -> bool:
    if any(value is d for d in forbidden_dicts):
        return True
    if isinstance(value, dict | types.MappingProxyType):
        try:
            return "__builtins__" in value or "__loader__" in value
        except TypeError:
            return False
    return False


def _problem(path: str, name: str | None, parent: Any, value: Any, forbidden: list[Any]) -> str:
    if isinstance(
        value,
        types.FrameType
        | types.CodeType
        | types.CellType
        | types.TracebackType
        | types.ModuleType
        | asyncio.AbstractEventLoop
        | ToolBridge
        | Execution,
    ):
        return f"{path}: a {type(value).__name__}"
    if _is_globals(value, forbidden):
        return f"{path}: a globals or builtins dict"
    if (
        name is not None
        and name.startswith("_")
        and not name.startswith("__")
        and not owned(parent)
        and not (isinstance(parent, StandIn) and owned_class(parent))
        # a namedtuple's public API (`_replace`, `_asdict`, `_fields`), as namedtuple made it
        and not _namedtuple_member(
            real_class(parent) if isinstance(parent, StandIn) else parent, name
        )
    ):
        return f"{path}: a private member of a host object"
    if name == "<type>" and not (
        isinstance(value, StandIn)
        or owned_class(value)
        or value in _public_classes()
        or type.__dict__["__module__"].__get__(value) == PROGRAM_MODULE  # made at its call
    ):
        return f"{path}: type() handed out the host class {value!r}"
    return ""


def _edges(value: Any) -> Iterator[tuple[str, Any]]:
    try:
        names = set(dir_builtin(value))
    except Exception:
        names = set()
    for name in sorted(names | set(PROBES)):
        try:
            yield name, getattr_builtin(value, name)
        except Exception:
            continue
    yield "<type>", type_builtin(value)


_SCALARS = (int, float, complex, bool, str, bytes, type(None))

# Methods have the surface of their type: each (method type, name, type bound to) is walked once,
# which keeps the walk to seconds (every object has dozens of bound methods) and still visits
# every distinct method.
_METHODS = (
    types.MethodWrapperType,
    types.BuiltinMethodType,
    types.MethodType,
    types.WrapperDescriptorType,
    types.MethodDescriptorType,
    types.ClassMethodDescriptorType,
)


def _walk(roots: list[tuple[str, Any]], forbidden: list[Any]) -> tuple[list[str], int]:
    problems: list[str] = []
    seen_ids: set[int] = set()
    seen_kinds: set[Any] = set()
    keep: list[Any] = []  # ids stay unique while the walk runs
    frontier = [(path, None, None, value) for path, value in roots]
    visited = 0
    for depth in range(DEPTH + 1):
        following: list[tuple[str, str | None, Any, Any]] = []
        for path, name, parent, value in frontier:
            problem = _problem(path, name, parent, value, forbidden)
            if problem:
                problems.append(problem)
                continue
            kind: Any = None
            if isinstance(value, _SCALARS):
                kind = type(value)
            elif isinstance(value, _METHODS):
                owner = type(getattr(value, "__self__", None))
                kind = (type(value), getattr(value, "__name__", None), owner)
            if kind is not None:
                if kind in seen_kinds:
                    continue
                seen_kinds.add(kind)
            elif id(value) in seen_ids:
                continue
            seen_ids.add(id(value))
            keep.append(value)
            visited += 1
            if depth == DEPTH:
                continue
            for edge, child in _edges(value):
                following.append((f"{path}.{edge}", edge, value, child))
        frontier = following
    return problems, visited


async def test_no_attribute_chain_reaches_the_host() -> None:
    execution = Execution()
    token = CURRENT.set(execution)
    try:
        namespace, roots = await _program_roots(execution)
        roots += list(_reachable_roots())
        forbidden = [namespace, namespace["__builtins__"], builtins.__dict__]
        problems, visited = _walk(roots, forbidden)
    finally:
        CURRENT.reset(token)
        for value in namespace.get("values", ()):
            if isinstance(value, types.CoroutineType):
                value.close()
    assert visited > 5_000, visited  # the walk did cover the surface
    assert not problems, "\n".join(problems[:40])
