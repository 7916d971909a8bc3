"""Facades of the modules that combine values: `itertools` (endless iterators checked against the
deadline), `operator` (the guarded operators and attribute access), `functools` (decorators that
change what they wrap, for the program's own functions only)."""

from __future__ import annotations

import functools
import itertools
import operator
from collections.abc import Callable, Iterator
from typing import Any

from ._builtins import _check_getattr_name, checked, getattr_builtin
from ._facade import _public_members
from ._guards import lshift_guard, mod_guard, mul_guard, pow_guard
from ._owner import _owned_only

EXCLUDED: dict[str, frozenset[str]] = {
    "functools": frozenset({"singledispatchmethod"}),
}


def _guarded_itertools() -> dict[str, Any]:
    members = _public_members(itertools, frozenset())

    def wrap(name: str) -> Callable[..., Iterator[Any]]:
        real = getattr(itertools, name)

        @functools.wraps(real)
        def guarded(*args: Any, **kwargs: Any) -> Iterator[Any]:
            return checked(real(*args, **kwargs))

        return guarded

    for name in (
        "count",
        "cycle",
        "repeat",
        "product",
        "permutations",
        "combinations",
        "combinations_with_replacement",
    ):
        members[name] = wrap(name)
    return members


def _guarded_operator() -> dict[str, Any]:
    members = _public_members(operator, frozenset())

    members.update(
        attrgetter=attrgetter,
        methodcaller=methodcaller,
        mul=mul_guard,
        imul=mul_guard,
        pow=pow_guard,
        ipow=pow_guard,
        lshift=lshift_guard,
        ilshift=lshift_guard,
        mod=mod_guard,
        imod=mod_guard,
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
    update_wrapper = _owned_only(functools.update_wrapper, "update_wrapper")

    def wraps(wrapped: Any, *args: Any, **kwargs: Any) -> Callable[[Any], Any]:
        return lambda wrapper: update_wrapper(wrapper, wrapped, *args, **kwargs)

    members.update(
        update_wrapper=update_wrapper,
        wraps=wraps,
        total_ordering=_owned_only(functools.total_ordering, "@total_ordering"),
    )
    return members


FACADES: dict[str, Callable[[], dict[str, Any]]] = {
    "itertools": _guarded_itertools,
    "operator": _guarded_operator,
    "functools": _functools_module,
}
