"""Iterators that wrap iterators (`map`, `zip`, `filter`, `enumerate`, itertools): `next` on the
outermost recurses in C through every layer, with no recursion check, so a chain of 10**5 of them
overflows the C stack and kills the host. Each layer model code makes records its depth (one
more than the deepest iterator among its arguments) and refuses to go past `MAX_ITER_DEPTH`."""

from __future__ import annotations

import contextlib
import itertools
import types
import weakref
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

from ..._program import FILENAME as PROGRAM_FILENAME
from ._runtime import (
    CURRENT,
    MAX_MEMORY_GROWTH,
    PolicyError,
    Timeout,
    _refuse,
    resident_memory,
)

# Far more than any real pipeline, far less than the C stack holds (it overflows near 10**5).
MAX_ITER_DEPTH = 1_000


class Tracked:
    """A wrapping iterator made by model code, which knows how deep it is."""

    __slots__ = ()
    _cm_depth_: int


# The depth of each generator the program made (from its iterable, or its arguments).
_GENERATOR_DEPTH: weakref.WeakKeyDictionary[Any, int] = weakref.WeakKeyDictionary()


def depth_of(*values: Any) -> int:
    """One more than the deepest tracked iterator among `values`; refused past the bound."""
    depth = 0
    for value in values:
        if isinstance(value, Tracked):
            depth = max(depth, getattr(value, "_cm_depth_", 0))
        elif type(value) is types.GeneratorType:
            depth = max(depth, _GENERATOR_DEPTH.get(value, 0))
    depth += 1
    if depth > MAX_ITER_DEPTH:
        raise PolicyError(
            f"iterators wrapped {depth} deep (limit {MAX_ITER_DEPTH}): each layer would "
            "recurse in C when the outermost is read"
        )
    return depth


# Items an iterator over a list handed to C may read past the length the list had when the
# iterator was made.
GROWTH = 10_000_000


if TYPE_CHECKING:
    _Islice = itertools.islice[Any]
else:
    _Islice = itertools.islice  # (not subscriptable at run time)


class ListIterator(_Islice):
    """`iter(a_list)` as model code gets it (see `bounded`): an `islice` of the list's own
    iterator, shown (and `type()`d, `_builtins`) as CPython's `list_iterator`."""

    __slots__ = ()


ListIterator.__name__ = ListIterator.__qualname__ = "list_iterator"
ListIterator.__module__ = "builtins"


def bounded(value: Any) -> Any:
    """`value`, or an iterator over it when it is a list: one that reads the list live, as
    CPython's does (appends included), but stops `GROWTH` items past the length it had.
    CPython's own iterator re-reads the length at every step, and a C call that grows the list
    as it reads it never ends: `l.extend(iter(l))`, `l += map(f, l)`, `any(map(l.append, l))`
    ran in C, with no bytecode the deadline or the watchdog could stop, until memory ran out.
    (A bytearray's `extend` takes what it adds into a new buffer first.)"""
    if type(value) is list:
        return ListIterator(value, len(value) + GROWTH)
    return value


def bounded_sequence(value: Any) -> Any:
    """`bounded` for a list of any class (its own `__iter__`, reached by name)."""
    if isinstance(value, list):
        return ListIterator(value, list.__len__(value) + GROWTH)
    return iter(value)


# Where the iterables start among each wrapping iterator's positional arguments (the rest of
# the arguments, and the keywords other than these, are values: `repeat`'s object, `accumulate`'s
# `initial`, `zip_longest`'s `fillvalue`, `enumerate`'s `start`, `islice`'s bounds are ints).
_ITERABLES_FROM = {
    "map": 1,
    "filter": 1,
    "zip": 0,
    "chain": 0,
    "compress": 0,
    "zip_longest": 0,
    "dropwhile": 1,
    "takewhile": 1,
    "filterfalse": 1,
    "starmap": 1,
    **dict.fromkeys(("enumerate", "accumulate", "groupby", "islice", "pairwise", "batched"), 0),
}
_ITERABLE_KEYWORDS = frozenset({"iterable", "data", "selectors"})


def tracked(real: type) -> type:
    """A subclass of `real` whose instances record their depth. Its name is `real`'s."""

    first = _ITERABLES_FROM.get(real.__name__)

    def __new__(cls: type, *args: Any, **kwargs: Any) -> Any:
        if first is not None:  # what it iterates, as C will read it (see `bounded`)
            args = (*args[:first], *map(bounded, args[first:]))
            if kwargs:
                kwargs = {
                    key: bounded(value) if key in _ITERABLE_KEYWORDS else value
                    for key, value in kwargs.items()
                }
        made = real.__new__(cls, *args, **kwargs)
        depth = 1
        for value in args:  # `depth_of`, inlined: `map` and `zip` are made in loops
            if isinstance(value, _LAYERS):
                depth = depth_of(*args, *kwargs.values())
                break
        else:
            if kwargs:
                depth = depth_of(*kwargs.values())
        made._cm_depth_ = depth
        return made

    namespace: dict[str, Any] = {
        "__slots__": ("_cm_depth_",),
        "__new__": __new__,
        "__module__": real.__module__,
        "__qualname__": real.__qualname__,
        "__doc__": real.__doc__,
    }
    if hasattr(real, "from_iterable"):  # `chain.from_iterable(x)`: one more than `x`
        descriptor: Any = real.__dict__["from_iterable"]

        def from_iterable(cls: type, iterable: Any) -> Any:
            depth = depth_of(iterable)
            made = descriptor.__get__(None, cls)(_layered(iterable))  # an instance of `cls`
            made._cm_depth_ = depth
            return made

        namespace["from_iterable"] = classmethod(from_iterable)
    return type(real.__name__, (Tracked, real), namespace)


# Iterating these never runs the program's iterators: their own iterators are plain.
_PLAIN = frozenset({list, tuple, str, bytes, bytearray, dict, set, frozenset, range})


def _layered(iterables: Any) -> Iterator[Any]:
    """What `chain.from_iterable` iterates: its iterables, each (unless plain) read through a
    generator of ours. The iterables come from the data, not the arguments, so their depth is
    not known when the chain is made (`from_iterable([inner])`, `inner` another such chain):
    with a Python frame between two layers, CPython counts them against its recursion limit
    instead of recursing in C."""
    for iterable in iterables:
        kind = type(iterable)
        if kind is list:
            yield bounded(iterable)
        else:
            yield iterable if kind in _PLAIN else _through(iterable)


def _through(iterable: Any) -> Iterator[Any]:
    yield from iterable


def genexp(iterable: Any, make: Callable[[Any], Any]) -> Any:
    """`(e for x in iterable)`, made by `make`: as deep as its iterable, plus one."""
    depth = depth_of(iterable)
    generator = make(iterable)
    _GENERATOR_DEPTH[generator] = depth
    return generator


# The wrapper of a generator function is compiled as the program's code (its file name), so that
# it is the program's own function like the one it wraps (attributes, `functools.wraps`), on one
# line, which is moved to the wrapped function's `def` line for tracebacks.
_WRAPPER = compile(
    "def wrap(function, depth_of, depths):\n"
    "    def call(*args, **kwargs): depth = depth_of(*args, *kwargs.values()); "
    "generator = function(*args, **kwargs); depths[generator] = depth; return generator\n"
    "    return call\n",
    PROGRAM_FILENAME,
    "exec",
)
_WRAP: dict[str, Any] = {"__builtins__": {}}
exec(_WRAPPER, _WRAP)


def generator_function(function: Callable[..., Any]) -> Callable[..., Any]:
    """A generator function of the program: each generator it makes is one deeper than the
    deepest iterator among its arguments."""
    call: Any = _WRAP["wrap"](function, depth_of, _GENERATOR_DEPTH)
    code = getattr(function, "__code__", None)
    if code is not None:
        call.__code__ = call.__code__.replace(
            co_firstlineno=code.co_firstlineno, co_name=code.co_name, co_qualname=code.co_qualname
        )
    for name in ("__module__", "__name__", "__qualname__", "__doc__"):
        with contextlib.suppress(AttributeError):
            setattr(call, name, getattr(function, name))
    call.__dict__.update(getattr(function, "__dict__", {}))
    return call  # type: ignore[no-any-return]


_LAYERS = (Tracked, types.GeneratorType)

BUILTINS: dict[str, type] = {real.__name__: tracked(real) for real in (map, filter, zip, enumerate)}
ITERTOOLS: dict[str, type] = {
    name: tracked(value)
    for name, value in vars(itertools).items()
    if isinstance(value, type) and not name.startswith("_")
}
_CHAIN = ITERTOOLS["chain"]


def checked(
    iterator: Iterable[Any],
    depth: int = 0,
    kind: Any = None,
    progress: list[Any] | None = None,
) -> Iterator[Any]:
    """Iterate a possibly endless or huge C iterator with deadline checks every few items, as a
    `kind` (a chain: the tracked one unless told). `progress`, when given, holds how many items
    were taken from `iterator` and the iterator over the current chunk (taken, not handed out)."""
    execution = CURRENT.get(None)
    depth = max(depth, depth_of(iterator))
    it = iter(iterator)

    def chunks() -> Iterator[Iterator[Any]]:
        baseline = resident_memory()
        for number in itertools.count():
            if execution is not None and execution.expired:
                raise Timeout()
            if number % 256 == 255 and resident_memory() - baseline > MAX_MEMORY_GROWTH:
                raise _refuse(f"iterating grew memory by more than {MAX_MEMORY_GROWTH >> 20} MB")
            chunk = tuple(itertools.islice(it, 256))
            if not chunk:
                return
            if progress is None:
                yield iter(chunk)
            else:
                progress[0] += len(chunk)
                progress[1] = iter(chunk)
                yield progress[1]

    # the chunks are pulled through a generator: a layer like any other
    made: Any = (_CHAIN if kind is None else kind).from_iterable(chunks())  # type: ignore[union-attr]
    made._cm_depth_ = depth + 1
    return made  # type: ignore[no-any-return]
