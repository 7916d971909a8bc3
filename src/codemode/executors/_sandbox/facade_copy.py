"""The `copy` facade: copying reads an object's state, so it follows the attribute policy.

The standard library copies an object without a copy hook of its own through `__reduce_ex__`,
which hands over its whole state, private parts included; `deepcopy`'s memo then keeps every
original it met (`memo[id(memo)]`), and a `__deepcopy__` hook of the program gets that memo. So
the reduce step is allowed only where the program could read the state anyway: a plain builtin
value, the program's own object whose private state it defined itself, or a host class that
chose what its copies carry (its own `__reduce__`, `__getstate__`, `__getnewargs__`, ...).
Nothing else enters a copy, so nothing else can reach the memo.
"""

from __future__ import annotations

import copy as _copy
import types
from collections.abc import Callable
from typing import Any

from .._policy import is_reserved
from ._owner import owned, program_defined
from ._runtime import PolicyError, check_deadline

_ATOMIC = frozenset(
    {
        type(None),
        type(Ellipsis),
        type(NotImplemented),
        int,
        float,
        bool,
        complex,
        bytes,
        str,
        range,
        types.BuiltinFunctionType,
        types.FunctionType,
        property,
    }
)

# A host class defining one of these chose the state its copies carry.
_STATE_HOOKS = (
    "__reduce_ex__",
    "__reduce__",
    "__getstate__",
    "__getnewargs__",
    "__getnewargs_ex__",
)


def _state_is_public(cls: type) -> bool:
    for name in _STATE_HOOKS:
        for klass in cls.__mro__:
            if name in klass.__dict__:
                if klass is not object:
                    return True
                break
    return False


def _reduce(x: Any) -> Any:
    """`x.__reduce_ex__(4)`, where the policy lets the program read what it returns."""
    cls = type(x)
    if not owned(x) and not _state_is_public(cls):
        raise PolicyError(
            f"cannot copy a {cls.__name__} object: its state belongs to the host "
            "(copy the values you need instead)"
        )
    reduced = x.__reduce_ex__(4)
    if owned(x) and isinstance(reduced, tuple) and len(reduced) > 2:
        state = reduced[2]
        parts = state if isinstance(state, tuple) else (state,)
        for part in parts:
            for key in part if isinstance(part, dict) else ():
                if not isinstance(key, str):
                    continue
                key = str.__str__(key)
                # (codemode's own names are never the program's, whatever put them there)
                if key[:1] == "_" and (is_reserved(key) or not program_defined(x, key)):
                    raise PolicyError(
                        f"cannot copy a {cls.__name__} object: its {key!r} was set by a host "
                        "base class"
                    )
    return reduced


_NIL = object()


def deepcopy(x: Any, memo: dict[int, Any] | None = None) -> Any:
    """`copy.deepcopy`, the standard algorithm with the reduce step checked (`_reduce`), and
    the deadline checked at each object (a copy of millions of items is one call)."""
    check_deadline()
    if memo is None:
        memo = {}
    key = id(x)
    y = memo.get(key, _NIL)
    if y is not _NIL:
        return y
    cls = type(x)
    if cls in _ATOMIC or isinstance(x, type):
        return x
    if cls is list:
        y = memo[key] = []
        y.extend(deepcopy(item, memo) for item in x)
    elif cls is dict:
        y = memo[key] = {}
        for k, v in x.items():
            y[deepcopy(k, memo)] = deepcopy(v, memo)
    elif cls is tuple:
        items = [deepcopy(item, memo) for item in x]
        if key in memo:  # the tuple is inside itself, through a list or dict
            return memo[key]
        y = x if all(a is b for a, b in zip(items, x, strict=True)) else tuple(items)
    elif cls is types.MethodType:
        y = types.MethodType(x.__func__, deepcopy(x.__self__, memo))
    else:
        hook = getattr(x, "__deepcopy__", None)
        if hook is not None:
            y = hook(memo)
        else:
            reduced = _reduce(x)
            if isinstance(reduced, str):
                return x
            y = _copy._reconstruct(x, memo, *reduced, deepcopy=deepcopy)  # type: ignore[attr-defined]
    if y is not x:
        memo[key] = y
        memo.setdefault(id(memo), []).append(x)  # keep `x` alive while its id is a key
    return y


def copy(x: Any) -> Any:
    """`copy.copy`, with the reduce step checked as `deepcopy`'s is."""
    cls = type(x)
    if cls in _ATOMIC or isinstance(x, type):
        return x
    if cls in (list, dict, set, bytearray):
        return x.copy()
    if cls in (tuple, frozenset):
        return x
    hook = getattr(x, "__copy__", None)
    if hook is not None:
        return hook()
    reduced = _reduce(x)
    if isinstance(reduced, str):
        return x
    return _copy._reconstruct(x, None, *reduced)  # type: ignore[attr-defined]


def _copy_module() -> dict[str, Any]:
    return {"copy": copy, "deepcopy": deepcopy, "Error": _copy.Error, "error": _copy.Error}


FACADES: dict[str, Callable[[], dict[str, Any]]] = {"copy": _copy_module}
