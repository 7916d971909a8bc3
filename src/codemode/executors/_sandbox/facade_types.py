"""Facades of the modules that define types: `dataclasses` and `typing` (their decorators for the
program's own classes only), `enum` (less its host-wide `global_*` helpers)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ._facade import _public_members
from ._owner import _owned_only

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

    members["dataclass"] = dataclass
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

    return _public_members(enum, EXCLUDED["enum"])


FACADES: dict[str, Callable[[], dict[str, Any]]] = {
    "dataclasses": _dataclasses_module,
    "typing": _typing_module,
    "enum": _enum_module,
}
