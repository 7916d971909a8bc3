"""Host-wide caches: nothing a program made is kept in them (issue 9, causes 6 and 7).

The rule: program objects never reach host-wide state. A cache compares and hashes its keys: a
program object kept as a key (a `str` subclass as a pattern) would run the program's `__eq__` and
`__hash__` inside later lookups, the host's own included, and keep the program's classes alive
after its run. So what a program hands to code that caches it is an exact copy (`exact`), made
without running any of its methods; where the key cannot be copied, the cache is bypassed.

    cache (module-level, process-wide)       reached by                      closed by
    re._cache, re._compile_repl,             the `re` facade: compile and    `exact` copies of the
    regex's _cache and _replacement_cache,   every function taking a         pattern, flags and
    facade_text._compile                     pattern; sub, subn, expand      template (facade_text)
    _strptime._regex_cache                   time.strptime,                  `exact` copies of the
                                             datetime.strptime               format (facade_time)
    typing's `_tp_cache` lru caches          subscriptions: Literal[x],      keys that hold a program
                                             Union[C, D], G[C], List[C]      object skip the cache
                                                                             (`guard_typing_caches`)
    a host Flag's _value2member_map_         re.RegexFlag(x), re.I | x       values that are not
    (pseudo-members: re.RegexFlag)                                           exact ints are not kept
                                                                             (`guard_flag_members`)
    ABC caches of host ABCs                  isinstance(x, Mapping)          weak references: die
                                                                             with the class
    codecs' search cache, encodings._cache   str.encode(S("utf-8"))          keyed by the normalised
                                                                             name, a new exact str
    hashlib's builtin constructor cache      hashlib.new(S("md5"))           literal keys only
"""

from __future__ import annotations

import enum
import functools
import gc
import types
from collections.abc import Callable
from typing import Any

from ..._program import PROGRAM_MODULE
from ._owner import OWNER_MARK, class_dict, class_mro

_TYPE_MODULE = type.__dict__["__module__"]


def exact(value: Any) -> Any:
    """`value` as an exact `str`, `int` or `float` when it is a subclass's instance, copied by
    the builtin's own method (which runs none of the subclass's); anything else as it is."""
    kind = type(value)
    if kind is str or kind is int or kind is float:
        return value
    if isinstance(value, str):
        return str.__str__(value)
    if isinstance(value, int) and kind is not bool:
        return int.__int__(value)
    if isinstance(value, float):
        return float.__float__(value)
    return value


def program_class(cls: type) -> bool:
    """A class the program made (or derived), judged from the class's own namespaces: asking
    `getattr` would run a program metaclass's `__getattr__` in the host."""
    try:
        mro = class_mro(cls)
    except TypeError:
        return False
    for klass in mro:
        if OWNER_MARK in class_dict(klass) or _TYPE_MODULE.__get__(klass) == PROGRAM_MODULE:
            return True
    return False


_PLAIN = frozenset({str, int, float, bool, bytes, type(None), type(Ellipsis)})
_OPAQUE = (types.FunctionType, types.BuiltinFunctionType, types.ModuleType, types.CodeType)
_MAX_WALK = 200  # objects looked at in one key; past it the key is taken to hold the program's


def holds_program_object(value: Any) -> bool:
    """Whether `value`, or what it refers to, is the program's: its own classes' instances, or
    the classes themselves. Walks what the objects refer to as the garbage collector sees it
    (no code of theirs runs), stopping at classes, functions and modules."""
    pending = [value]
    seen: set[int] = set()
    while pending:
        item = pending.pop()
        kind = type(item)
        if kind in _PLAIN or id(item) in seen:
            continue
        seen.add(id(item))
        if len(seen) > _MAX_WALK:
            return True
        if program_class(kind):
            return True
        if isinstance(item, type):
            if program_class(item):
                return True
            continue
        if isinstance(item, _OPAQUE):
            continue
        pending.extend(gc.get_referents(item))
    return False


class _ProgramKey(TypeError):
    """Raised to typing's cache wrapper: it then calls the function without its cache, as for
    an unhashable argument."""


def _bypassed_for_program_keys(cached: Any) -> Callable[..., Any]:
    def lookup(*args: Any, **kwargs: Any) -> Any:
        if holds_program_object(args) or (kwargs and holds_program_object(kwargs)):
            raise _ProgramKey("not cached: a program's object")
        return cached(*args, **kwargs)

    lookup.cache_clear = cached.cache_clear  # type: ignore[attr-defined]
    lookup.__wrapped__ = cached  # type: ignore[attr-defined]
    return lookup


@functools.cache
def guard_typing_caches() -> int:
    """Have typing's subscription caches skip keys that hold a program object. typing wraps each
    cached `__getitem__` in a function that falls back to the uncached call on `TypeError` (its
    answer to unhashable arguments): the cache it reaches (through its closure on 3.11, through
    `typing._caches` from 3.12) is replaced by one that raises that error for a program's key.
    Returns how many caches are guarded."""
    import typing

    caches = {
        id(clear.__self__): clear.__self__
        for clear in getattr(typing, "_cleanups", ())
        if isinstance(getattr(clear, "__self__", None), functools._lru_cache_wrapper)
    }
    guarded = 0
    registry = getattr(typing, "_caches", None)
    if isinstance(registry, dict):  # 3.12+: the wrapper looks its cache up here at every call
        for func, cached in list(registry.items()):
            if isinstance(cached, functools._lru_cache_wrapper):
                registry[func] = _bypassed_for_program_keys(cached)
                guarded += 1
        return guarded
    for function in _typing_functions(typing):
        for cell in function.__closure__ or ():
            try:
                contents = cell.cell_contents
            except ValueError:  # an empty cell
                continue
            if id(contents) in caches:
                cell.cell_contents = _bypassed_for_program_keys(contents)
                guarded += 1
    return guarded


def _typing_functions(typing: types.ModuleType) -> list[types.FunctionType]:
    """Every function typing defines at module level, in its classes, or in its special forms."""
    found: list[types.FunctionType] = []
    for value in list(vars(typing).values()):
        candidates: list[Any] = [value]
        if isinstance(value, type) and value.__module__ == "typing":
            candidates = list(class_dict(value).values())
        elif hasattr(type(value), "__module__") and type(value).__module__ == "typing":
            candidates = [getattr(value, "_getitem", None)]
        for candidate in candidates:
            function = getattr(candidate, "__func__", candidate)
            if type(function) is types.FunctionType:
                found.append(function)
    return found


class _ExactKeys(dict):  # type: ignore[type-arg]
    """A host Flag's value-to-member map that keeps pseudo-members for exact `int` values only:
    the program's `int` subclass (`re.RegexFlag(I(3))`, `re.I | I(3)` through its `__ror__`)
    gets its member without the host keeping it."""

    __slots__ = ()

    def setdefault(self, key: Any, default: Any = None) -> Any:
        if type(key) is not int:
            return default
        return dict.setdefault(self, key, default)

    def __setitem__(self, key: Any, value: Any) -> None:
        if type(key) is int:
            dict.__setitem__(self, key, value)


def guard_flag_members(members: dict[str, Any]) -> None:
    """The host Flag classes among a facade's `members` keep no program value (see `_ExactKeys`)."""
    for value in members.values():
        if (
            isinstance(value, enum.EnumType)
            and issubclass(value, enum.Flag)
            and not program_class(value)
            and type(class_dict(value).get("_value2member_map_")) is dict
        ):
            current = class_dict(value)["_value2member_map_"]
            safe = _ExactKeys({k: v for k, v in current.items() if type(k) is int})
            type.__setattr__(value, "_value2member_map_", safe)
