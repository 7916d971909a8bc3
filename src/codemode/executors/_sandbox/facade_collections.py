"""Facades of the modules that combine values: `itertools` (endless iterators checked against the
deadline), `operator` (the guarded operators and attribute access), `functools` (decorators that
change what they wrap, for the program's own functions only)."""

from __future__ import annotations

import functools
import itertools
import operator
from collections.abc import Callable
from typing import Any

from ._builtins import _check_getattr_name, checked, getattr_builtin
from ._facade import _public_members
from ._guards import opcheck_guard
from ._owner import _owned_only

EXCLUDED: dict[str, frozenset[str]] = {
    "functools": frozenset({"singledispatchmethod"}),
}


class _Checked(itertools.chain):  # type: ignore[type-arg]
    """An itertools iterator run in chunks checked against the deadline (a C consumer such as
    `sum(count())` would never stop), typed and shown as the iterator it runs: its class is
    named `count`, `product`, ...; `repr(count(5))` is `count(5)`, also part way through."""

    __slots__ = ("_cm_made_", "_cm_progress_")
    _cm_real_: type
    _cm_made_: tuple[tuple[Any, ...], dict[str, Any]]
    _cm_progress_: list[Any]

    def __new__(cls, *args: Any, **kwargs: Any) -> _Checked:
        progress: list[Any] = [0, iter(())]
        made = checked(cls._cm_real_(*args, **kwargs), cls, progress)
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


def _guarded_operator() -> dict[str, Any]:
    members = _public_members(operator, frozenset())

    def binary(name: str, operation: str) -> Callable[..., Any]:
        real = getattr(operator, name)

        def call(*args: Any, **kwargs: Any) -> Any:
            if len(args) == 2 and not kwargs:
                opcheck_guard(operation, *args)  # the size check; in place stays in place
            return real(*args, **kwargs)  # a call of another shape gets CPython's own error

        return call

    members.update(
        attrgetter=attrgetter,
        methodcaller=methodcaller,
        **{
            name: binary(name, operation)
            for operation, names in (
                ("Mult", ("mul", "imul")),
                ("Pow", ("pow", "ipow")),
                ("LShift", ("lshift", "ilshift")),
                ("Mod", ("mod", "imod")),
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
    update_wrapper = _owned_only(functools.update_wrapper, "update_wrapper")

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
    )
    return members


FACADES: dict[str, Callable[[], dict[str, Any]]] = {
    "itertools": _guarded_itertools,
    "operator": _guarded_operator,
    "functools": _functools_module,
}
