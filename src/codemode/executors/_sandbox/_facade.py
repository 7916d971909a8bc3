"""What a module facade is: a read-only object holding a module's public members."""

from __future__ import annotations

import sys
import types
from collections.abc import Callable, Mapping
from typing import Any

from .._policy import FORBIDDEN_ATTRIBUTES
from ._runtime import PolicyError


def _frozen(value: Any) -> Any:
    """Module-level containers are shared by every execution: hand out read-only copies."""
    if isinstance(value, set | frozenset):
        return frozenset(value)
    if isinstance(value, list | tuple):
        return tuple(value)
    if isinstance(value, dict):
        return types.MappingProxyType(dict(value))
    return value


class ModuleFacade:
    """A module as model code sees it: its public computation API and nothing else."""

    def __init__(self, name: str, members: Mapping[str, Any]) -> None:
        if "_cm_name_" in self.__dict__:
            raise PolicyError(f"module {name!r} cannot be changed")
        object.__setattr__(self, "_cm_name_", name)
        self.__dict__.update({key: _frozen(value) for key, value in members.items()})

    def __setattr__(self, name: str, value: Any) -> None:
        raise PolicyError(f"module {self._cm_name_!r} cannot be changed")

    def __delattr__(self, name: str) -> None:
        raise PolicyError(f"module {self._cm_name_!r} cannot be changed")

    def __getattr__(self, name: str) -> Any:
        error = AttributeError(f"module {self._cm_name_!r} has no attribute {name!r}")
        real = sys.modules.get(self._cm_name_)
        if real is not None and name in vars(real):  # no module `__getattr__` runs
            error.add_note(f"codemode: {self._cm_name_}.{name} is not available in codemode")
        raise error

    def __repr__(self) -> str:
        return f"<module {self._cm_name_!r}>"

    def __dir__(self) -> list[str]:
        return sorted(k for k in self.__dict__ if not k.startswith("_"))


def shown_as(real: Any, function: Callable[..., Any]) -> Any:
    """`function`, standing in for `real`, shown as `real` is: a builtin as
    `<built-in function len>`, a Python function under its own name (`<function gather at ..>`),
    so that what a program prints or compares does not show codemode's wrapper."""
    if isinstance(real, types.BuiltinFunctionType):
        return _builtin_shown_as(real.__name__, function, real.__doc__)
    if isinstance(real, types.FunctionType) and isinstance(function, types.FunctionType):
        for name in ("__name__", "__qualname__", "__module__", "__doc__"):
            setattr(function, name, getattr(real, name))
    return function


def _builtin_shown_as(name: str, function: Callable[..., Any], doc: str | None) -> Any:
    def qualname(self: Any, attribute: str) -> str:
        if attribute == "__qualname__":  # what CPython's call errors name: `iter() argument ..`
            return name
        raise AttributeError(f"'builtin_function_or_method' object has no attribute {attribute!r}")

    shown = f"<built-in function {name}>"
    kind = type(
        "builtin_function_or_method",
        (),
        {
            "__slots__": (),
            "__call__": staticmethod(function),  # called straight, no extra frame
            "__repr__": lambda self: shown,
            "__getattr__": qualname,
            "__name__": name,
            "__module__": "builtins",
            "__doc__": doc,
        },
    )
    return kind()


def _public_members(module: types.ModuleType, excluded: frozenset[str]) -> dict[str, Any]:
    names = getattr(module, "__all__", None) or [n for n in dir(module) if not n.startswith("_")]
    members = {}
    for name in names:
        if name.startswith("_") or name in excluded or name in FORBIDDEN_ATTRIBUTES:
            continue
        value = getattr(module, name, None)
        if value is None and not hasattr(module, name):
            continue
        if isinstance(value, types.ModuleType):
            continue  # `json.codecs`, `re.enum`: routes back to the host
        members[name] = value
    return members
