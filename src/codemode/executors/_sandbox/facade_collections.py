"""Facades of the modules that combine values: `itertools` (endless iterators checked against the
deadline), `operator` (the guarded operators and attribute access), `functools` (decorators that
change what they wrap, for the program's own functions only), `contextlib` (less what redirects
the process's streams or working directory)."""

from __future__ import annotations

import collections
import functools
import itertools
import operator
import types
import typing
from collections.abc import Callable
from typing import Any

from ..._program import PROGRAM_MODULE
from ._builtins import _check_getattr_name, getattr_builtin, setattr_builtin
from ._depth import Deque
from ._facade import _public_members
from ._guards import opcheck_guard
from ._iterators import ITERTOOLS, Tracked, bounded, checked, depth_of
from ._owner import _owned_only, owned
from ._runtime import MAX_ITEMS, PolicyError, _refuse, check_deadline

EXCLUDED: dict[str, frozenset[str]] = {
    # registers from annotations through `typing.get_type_hints` (evaluates strings)
    "functools": frozenset({"singledispatchmethod"}),
    # the process's `sys.stdout`/`sys.stderr` and working directory
    "contextlib": frozenset({"redirect_stdout", "redirect_stderr", "chdir"}),
}


class _Checked(Tracked, itertools.chain):  # type: ignore[type-arg]
    """An itertools iterator run in chunks checked against the deadline (a C consumer such as
    `sum(count())` would never stop), typed and shown as the iterator it runs: its class is
    named `count`, `product`, ...; `repr(count(5))` is `count(5)`, also part way through."""

    __slots__ = ("_cm_depth_", "_cm_made_", "_cm_progress_")
    _cm_real_: type
    _cm_made_: tuple[tuple[Any, ...], dict[str, Any]]
    _cm_progress_: list[Any]

    def __new__(cls, *args: Any, **kwargs: Any) -> _Checked:
        name = cls._cm_real_.__name__
        if name in _POOLED:
            _check_pools(name, args, kwargs)
        depth = depth_of(*args, *kwargs.values())
        progress: list[Any] = [0, iter(())]
        made = checked(cls._cm_real_(*args, **kwargs), depth, cls, progress)
        assert isinstance(made, _Checked)
        made._cm_made_ = (args, kwargs)
        made._cm_progress_ = progress
        return made

    def _cm_taken_(self) -> int:
        taken, chunk = self._cm_progress_
        return int(taken) - operator.length_hint(chunk)

    def __repr__(self) -> str:
        if not hasattr(self, "_cm_made_"):  # made by chain's `from_iterable`, not as a count
            return object.__repr__(self)
        args, kwargs = self._cm_made_
        real = type(self)._cm_real_
        taken = self._cm_taken_()
        if real is itertools.count:
            start, step = _COUNT(*args, **kwargs)
            shown = (
                itertools.count(*args, **kwargs)
                if not taken
                else itertools.count(start + taken * step, step)
            )
            return repr(shown)
        if real is itertools.repeat:
            value, times = _REPEAT(*args, **kwargs)
            if times is None:
                return repr(itertools.repeat(value))
            return repr(itertools.repeat(value, max(times - taken, 0)))
        return object.__repr__(self)


def _COUNT(start: Any = 0, step: Any = 1) -> tuple[Any, Any]:
    return start, step


def _REPEAT(obj: Any, times: int | None = None) -> tuple[Any, int | None]:
    return obj, times


def _checked_type(real: type) -> type:
    return type(
        real.__name__, (_Checked,), {"__slots__": (), "_cm_real_": real, "__module__": "itertools"}
    )


def _guarded_itertools() -> dict[str, Any]:
    members = _public_members(itertools, frozenset())
    members.update(ITERTOOLS)  # each layer knows its depth (`_iterators`)
    tee = itertools.tee

    def tee_bounded(iterable: Any, n: int = 2, /) -> tuple[Any, ...]:
        return tee(bounded(iterable), n)  # a list, as C will read it (`_iterators.bounded`)

    members["tee"] = tee_bounded
    members["accumulate"] = _accumulate(ITERTOOLS.get("accumulate", itertools.accumulate))

    for name in (
        "count",
        "cycle",
        "repeat",
        "product",
        "permutations",
        "combinations",
        "combinations_with_replacement",
    ):
        members[name] = _checked_type(getattr(itertools, name))
    return members


def _accumulate(real: Callable[..., Any]) -> Callable[..., Any]:
    """`itertools.accumulate`, whose default adds in C: `list(accumulate([[1]] * 50_000))` builds
    billions of items within one call of `list`. Without a function it adds with `operator.add`
    as the facade has it, which checks the deadline (and so the memory limit) at every step."""
    add = _guarded_operator()["add"]

    @functools.wraps(itertools.accumulate)
    def accumulate(iterable: Any, func: Any = None, *, initial: Any = None) -> Any:
        return real(iterable, add if func is None else func, initial=initial)

    return accumulate


# These copy every input into a tuple first, in one C call: `product(range(10**9))`.
_POOLED = frozenset({"product", "permutations", "combinations", "combinations_with_replacement"})


def _check_pools(name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    repeat = kwargs.get("repeat", 1) if name == "product" else 1
    pools = args if name == "product" else args[:1]
    items = 0
    for pool in pools:
        try:
            items += len(pool)
        except TypeError:  # no length: an iterator, whose own items are checked as they come
            continue
    if isinstance(repeat, int) and items * max(repeat, 1) > MAX_ITEMS:
        raise _refuse(
            f"itertools.{name} would first copy {items * repeat} items (limit {MAX_ITEMS})"
        )


def _guarded_operator() -> dict[str, Any]:
    members = _public_members(operator, frozenset())

    def binary(name: str, operation: str) -> Callable[..., Any]:
        real = getattr(operator, name)

        def call(*args: Any, **kwargs: Any) -> Any:
            check_deadline()  # a C loop (`functools.reduce`) may be calling it
            if len(args) == 2 and not kwargs:
                opcheck_guard(operation, *args)  # the size check; in place stays in place
            return real(*args, **kwargs)  # a call of another shape gets CPython's own error

        return call

    def joining(name: str) -> Callable[..., Any]:
        real = getattr(operator, name)

        def call(*args: Any, **kwargs: Any) -> Any:
            # `reduce(operator.add, [[1]] * 10**5)` copies a growing sequence at every step, in
            # one C call: each step checks the deadline (and so the memory limit) first
            check_deadline()
            return real(*args, **kwargs)

        return call

    members.update(
        {name: joining(name) for name in ("add", "iadd", "concat", "iconcat", "sub", "isub")},
        attrgetter=attrgetter,
        methodcaller=methodcaller,
        **{
            name: binary(name, operation)
            for operation, names in (
                ("Mult", ("mul", "imul")),
                ("Pow", ("pow", "ipow")),
                ("LShift", ("lshift", "ilshift")),
                ("Mod", ("mod", "imod")),
                ("FloorDiv", ("floordiv", "ifloordiv")),
            )
            for name in names
        },
    )
    return members


class attrgetter:
    """`operator.attrgetter` reading through the policy's `getattr`, exactly as `obj.name`."""

    __slots__ = ("_cm_paths_",)
    _cm_paths_: tuple[tuple[str, ...], ...]

    def __init__(self, attr: str, /, *attrs: str) -> None:
        paths = []
        for name in (attr, *attrs):
            if not isinstance(name, str):
                raise TypeError("attribute name must be a string")
            path = tuple(_check_getattr_name(part) for part in str.split(str.__str__(name), "."))
            paths.append(path)
        object.__setattr__(self, "_cm_paths_", tuple(paths))

    def __call__(self, obj: Any, /) -> Any:
        values = []
        for path in self._cm_paths_:
            value = obj
            for part in path:
                value = getattr_builtin(value, part)
            values.append(value)
        return values[0] if len(values) == 1 else tuple(values)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"'attrgetter' object attribute {name!r} is read-only")

    def __repr__(self) -> str:
        names = ", ".join(repr(".".join(path)) for path in self._cm_paths_)
        return f"operator.attrgetter({names})"


class methodcaller:
    """`operator.methodcaller` finding the method through the policy's `getattr`."""

    __slots__ = ("_cm_call_",)
    _cm_call_: tuple[str, tuple[Any, ...], dict[str, Any]]

    def __init__(self, name: str, /, *args: Any, **kwargs: Any) -> None:
        if not isinstance(name, str):
            raise TypeError("method name must be a string")
        name = _check_getattr_name(name)
        object.__setattr__(self, "_cm_call_", (name, args, dict(kwargs)))

    def __call__(self, obj: Any, /) -> Any:
        name, args, kwargs = self._cm_call_
        return getattr_builtin(obj, name)(*args, **kwargs)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"'methodcaller' object attribute {name!r} is read-only")

    def __repr__(self) -> str:
        name, args, kwargs = self._cm_call_
        parts = [repr(name), *map(repr, args), *(f"{k}={v!r}" for k, v in kwargs.items())]
        return f"operator.methodcaller({', '.join(parts)})"


def _functools_module() -> dict[str, Any]:
    members = _public_members(functools, EXCLUDED["functools"])

    def wraps(
        wrapped: Any,
        assigned: Any = functools.WRAPPER_ASSIGNMENTS,
        updated: Any = functools.WRAPPER_UPDATES,
    ) -> Callable[[Any], Any]:
        return lambda wrapper: update_wrapper(wrapper, wrapped, assigned, updated)

    members.update(
        update_wrapper=update_wrapper,
        wraps=wraps,
        total_ordering=_owned_only(functools.total_ordering, "@total_ordering"),
        singledispatch=singledispatch,
    )
    return members


def update_wrapper(
    wrapper: Any,
    wrapped: Any,
    assigned: Any = functools.WRAPPER_ASSIGNMENTS,
    updated: Any = functools.WRAPPER_UPDATES,
) -> Any:
    """`functools.update_wrapper`, reading `wrapped` and writing `wrapper` as the program's own
    `getattr`/`setattr` would. The stdlib's reads any attribute it is told to (`assigned` and
    `updated` are the caller's) and merges `wrapped.__dict__` whole into `wrapper`'s: into an
    object the program owns, whose `__dict__` is the program's to read, that moved a host
    object's state (the tool proxy's bridge, a function's `__globals__`) into reach."""
    # what moves into an object the program owns is only what the program could read itself
    if not owned(wrapper):
        raise PolicyError(
            "update_wrapper can only be applied to classes and functions of the program"
        )
    for name in assigned:
        try:
            value = getattr_builtin(wrapped, name)
        except (AttributeError, PolicyError):
            continue  # missing or closed: left out, as the stdlib leaves out a missing one
        setattr_builtin(wrapper, name, value)
    for name in updated:
        if not (isinstance(name, str) and str.__str__(name) == "__dict__"):
            getattr_builtin(wrapper, name).update(getattr_builtin(wrapped, name, {}))
            continue
        # `__dict__` merges only from an object the program owns, key by key as it could
        # read and write them (a host base's private state stays behind)
        if not owned(wrapped):
            continue
        for key in list(getattr(wrapped, "__dict__", {})):
            if isinstance(key, str):
                try:
                    value = getattr_builtin(wrapped, str.__str__(key))
                except (AttributeError, PolicyError):
                    continue
                setattr_builtin(wrapper, str.__str__(key), value)
    setattr_builtin(wrapper, "__wrapped__", wrapped)
    return wrapper


def singledispatch(func: Any) -> Any:
    """`functools.singledispatch` whose `register(f)` reads classes from `f`'s annotations
    without `typing.get_type_hints`, which evaluates annotation strings (and `ForwardRef`s,
    `list["..."]`) as code in the function's globals, outside the policy."""
    dispatcher = functools.singledispatch(func)
    register = dispatcher.register

    def register_checked(cls: Any, method: Any = None) -> Any:
        if method is None and not isinstance(cls, type) and not _is_union_of_classes(cls):
            annotations = getattr(cls, "__annotations__", None) or {}
            for name, annotation in annotations.items():
                if name != "return" and not (
                    isinstance(annotation, type) or _is_union_of_classes(annotation)
                ):
                    raise PolicyError(
                        f"singledispatch registration needs a class as the annotation of "
                        f"{name!r} (annotations are not evaluated): register(cls) instead"
                    )
        return register(cls, method)

    dispatcher.register = register_checked  # type: ignore[method-assign, assignment]
    return dispatcher


def _is_union_of_classes(annotation: Any) -> bool:
    return typing.get_origin(annotation) in (typing.Union, types.UnionType) and all(
        isinstance(arg, type) for arg in typing.get_args(annotation)
    )


# `namedtuple` writes its fields into source text it `eval`s: the stdlib checks each name is an
# identifier (so no code gets in); the count is bounded so that the compile stays short.
MAX_FIELDS = 1_000


def _collections_module() -> dict[str, Any]:
    members = _public_members(collections, frozenset())

    def namedtuple(
        typename: str,
        field_names: Any,
        *,
        rename: bool = False,
        defaults: Any = None,
        module: Any = None,
    ) -> Any:
        names = (
            field_names.replace(",", " ").split() if isinstance(field_names, str) else field_names
        )
        fields = list(names)
        if len(fields) > MAX_FIELDS:
            raise PolicyError(f"namedtuple with {len(fields)} fields (limit {MAX_FIELDS})")
        module = PROGRAM_MODULE if module is None else module  # the program's class, not ours
        return collections.namedtuple(
            typename, fields, rename=rename, defaults=defaults, module=module
        )

    members["namedtuple"] = namedtuple
    members["deque"] = Deque  # frees with the trashcan (`_depth`)
    return members


def _bisect_module() -> dict[str, Any]:
    """`bisect`, whose searches take a range too long to iterate unchecked (`_builtins.BigRange`)
    as the range itself: `bisect_left(range(10**18), x, key=f)` searches numbers. The
    insertions are Python calls too, so that a C loop calling them (`map(partial(insort, a),
    a)`, which grows what it iterates) runs code the deadline can stop."""
    import bisect

    from ._builtins import real_range

    def searching(real: Callable[..., Any]) -> Callable[..., Any]:
        def search(a: Any, x: Any, lo: Any = 0, hi: Any = None, *, key: Any = None) -> Any:
            return real(real_range(a), x, lo, hi, key=key)

        return search

    def inserting(real: Callable[..., Any]) -> Callable[..., Any]:
        def insert(a: Any, x: Any, lo: Any = 0, hi: Any = None, *, key: Any = None) -> Any:
            check_deadline()
            return real(a, x, lo, hi, key=key)

        return insert

    members = _public_members(bisect, frozenset())
    for name, real in list(members.items()):
        if callable(real):
            made = inserting(real) if name.startswith("insort") else searching(real)
            made.__name__ = made.__qualname__ = name
            members[name] = made
    return members


def _heapq_module() -> dict[str, Any]:
    """`heapq`, whose `heappush` grows the list it is given: a Python call, so that a C loop
    calling it as it reads that list (`json.dumps(h, default=partial(heappush, h))`) runs code
    the deadline can stop (see `_guards._list_method`)."""
    import heapq

    push = heapq.heappush

    def heappush(heap: Any, item: Any, /) -> None:
        check_deadline()
        push(heap, item)

    members = _public_members(heapq, frozenset())
    members["heappush"] = heappush
    return members


FACADES: dict[str, Callable[[], dict[str, Any]]] = {
    "bisect": _bisect_module,
    "heapq": _heapq_module,
    "collections": _collections_module,
    "itertools": _guarded_itertools,
    "operator": _guarded_operator,
    "functools": _functools_module,
}
