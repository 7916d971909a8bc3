"""What a module facade is: a read-only object holding a module's public members."""

from __future__ import annotations

import types
from collections.abc import Mapping
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
        raise AttributeError(f"module {self._cm_name_!r} has no attribute {name!r} in codemode")

    def __repr__(self) -> str:
        return f"<module {self._cm_name_!r}>"

    def __dir__(self) -> list[str]:
        return sorted(k for k in self.__dict__ if not k.startswith("_"))


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
