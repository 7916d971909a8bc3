"""Facades of the modules that define types: `dataclasses` and `typing` (their decorators for the
program's own classes only), `enum` (less its host-wide `global_*` helpers)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ._facade import _public_members
from ._owner import _mark, _owned_only, checked_namespace
from ._types import install_stand_ins, real_bases, stand_in

EXCLUDED: dict[str, frozenset[str]] = {
    # get_type_hints evaluates strings as code; clear_overloads empties a host-wide registry
    "typing": frozenset({"get_type_hints", "clear_overloads"}),
    # they change the module globals of the caller (the host's, from a facade)
    "enum": frozenset(
        {
            "global_enum",
            "global_enum_repr",
            "global_flag_repr",
            "global_str",
            "pickle_by_global_name",
        }
    ),
}


def _dataclasses_module() -> dict[str, Any]:
    import dataclasses

    members = _public_members(dataclasses, frozenset())
    guarded = _owned_only(dataclasses.dataclass, "@dataclass")

    def dataclass(cls: Any = None, /, **kwargs: Any) -> Any:
        dataclasses.dataclass(**kwargs)  # CPython's TypeError for an unknown option
        if cls is None:
            return lambda target: guarded(target, **kwargs)
        return guarded(cls, **kwargs)

    def make_dataclass(
        cls_name: str, fields: Any, *, bases: Any = (), namespace: Any = None, **kwargs: Any
    ) -> Any:
        # A class statement by other means: its namespace, fields included (a field's default
        # becomes a class attribute), is checked as a class body's is.
        bases = real_bases(tuple(bases))
        namespace = dict(namespace or {})
        names = [f if isinstance(f, str) else f[0] for f in fields]
        checked_namespace(
            bases, {**namespace, **dict.fromkeys(n for n in names if isinstance(n, str))}
        )
        made = dataclasses.make_dataclass(
            cls_name, fields, bases=bases, namespace=checked_namespace(bases, namespace), **kwargs
        )
        return _mark(made)

    members["dataclass"] = dataclass
    members["make_dataclass"] = make_dataclass
    return members


def _typing_module() -> dict[str, Any]:
    import typing

    members = _public_members(typing, EXCLUDED["typing"])
    for name in ("final", "runtime_checkable", "no_type_check", "overload"):
        members[name] = _owned_only(getattr(typing, name), f"@typing.{name}")

    def dataclass_transform(**kwargs: Any) -> Callable[[Any], Any]:
        return _owned_only(typing.dataclass_transform(**kwargs), "@dataclass_transform")

    members["dataclass_transform"] = dataclass_transform
    return members


def _enum_module() -> dict[str, Any]:
    import enum

    members = _public_members(enum, EXCLUDED["enum"])
    # The metaclass called directly makes a class as a class statement does: checked the same.
    members["EnumType"] = members["EnumMeta"] = stand_in(enum.EnumType)
    return members


def _enum_class(*args: Any, **kwargs: Any) -> Any:
    import enum

    if len(args) == 3 and isinstance(args[1], tuple) and isinstance(args[2], dict):
        name, bases, namespace = args
        bases = real_bases(bases)
        return _mark(enum.EnumType(name, bases, checked_namespace(bases, namespace), **kwargs))
    return enum.EnumType(*args, **kwargs)


def _install() -> None:
    import enum

    install_stand_ins({enum.EnumType: _enum_class}, {})


_install()


FACADES: dict[str, Callable[[], dict[str, Any]]] = {
    "dataclasses": _dataclasses_module,
    "typing": _typing_module,
    "enum": _enum_module,
}
