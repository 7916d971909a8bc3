"""Facades of the modules that combine values: `itertools` (endless iterators checked against the
deadline), `operator` (the guarded operators and attribute access), `functools` (decorators that
change what they wrap, for the program's own functions only)."""

from __future__ import annotations

import collections
import functools
import itertools
import operator
from collections.abc import Callable
from typing import Any

from ._builtins import _check_getattr_name, checked, getattr_builtin
from ._facade import _public_members
from ._guards import _owned_only, mark_owned, opcheck_guard
from ._runtime import PolicyError

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

    def attrgetter(*names: str) -> Callable[[Any], Any]:
        for name in names:
            for part in name.split("."):
                _check_getattr_name(part)
                if part.startswith("_"):
                    raise PolicyError(f"access to {part!r} is not allowed")
        return operator.attrgetter(*names)

    def methodcaller(name: str, *args: Any, **kwargs: Any) -> Callable[[Any], Any]:
        _check_getattr_name(name)
        if name.startswith("_"):
            raise PolicyError(f"access to {name!r} is not allowed")
        return lambda obj: getattr_builtin(obj, name)(*args, **kwargs)

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


def _collections_module() -> dict[str, Any]:
    members = _public_members(collections, frozenset())

    def namedtuple(
        typename: Any,
        field_names: Any,
        *,
        rename: bool = False,
        defaults: Any = None,
        module: Any = None,
    ) -> Any:
        factory: Any = collections.namedtuple  # mypy wants literal arguments
        made: type = factory(
            typename,
            field_names,
            rename=rename,
            defaults=defaults,
            module="__main__" if module is None else module,  # else it would name this module
        )
        mark_owned(made)  # the program's class: its own `_replace`, `_asdict`, `_fields`, ...
        return made

    members["namedtuple"] = namedtuple
    return members


FACADES: dict[str, Callable[[], dict[str, Any]]] = {
    "collections": _collections_module,
    "itertools": _guarded_itertools,
    "operator": _guarded_operator,
    "functools": _functools_module,
}
