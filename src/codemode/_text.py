"""Text of model code's values, within a bound.

CPython writes the repr of a list, tuple, dict or set in one C call that visits every path to
every item: 40 lists that each hold the one before twice are 40 objects with a repr of 2**40
items, and that call never returns (nor lets a deadline in). Wherever codemode itself turns a
value of model code into text (a `print`, an exception's message, a result's repr), it writes
these containers here, item by item, and stops past a bound. Anything else is asked for its
own repr, as CPython would.
"""

from __future__ import annotations

import collections
from typing import Any


def exact_str(text: Any) -> Any:
    """`text` as an exact `str` (a `str` subclass of model code copied by CPython's own
    `str.__str__`, which runs none of its methods); anything that is not text as it is."""
    if type(text) is str or not isinstance(text, str):
        return text
    return str.__str__(text)


def bounded_repr(value: Any, limit: int) -> str:
    """`repr(value)`, or, when that is longer than `limit`, a longer-than-`limit` start of it:
    never more work than the bound allows, whatever the containers share."""
    if _base(type(value)) is None or _fits(value, limit):
        text: str = exact_str(repr(value))
        return text
    return _write(value, limit)


def cheap(value: Any, limit: int) -> bool:
    """Whether `str(value)` and `repr(value)` are cheap to take whole: `value` is not one of the
    containers CPython writes in one call, or they hold at most `limit` items along every path."""
    return _base(type(value)) is None or _fits(value, limit)


def bounded_str(value: Any, limit: int) -> str:
    """`str(value)` within `limit`, as `bounded_repr` (the containers' `str` is their repr)."""
    kind = type(value)
    if kind is str:
        return str(value)
    if _base(kind) is None or not _str_is_repr(kind) or _fits(value, limit):
        text: str = exact_str(str(value))
        return text
    return _write(value, limit)


# The containers whose repr is CPython's own, by that repr: the base class whose methods
# `_write` reads them with (a subclass's `__iter__` or `__len__` is not asked: CPython's repr
# does not ask them either).
_BASES: dict[Any, type] = {
    list.__repr__: list,
    tuple.__repr__: tuple,
    dict.__repr__: dict,
    set.__repr__: set,
    frozenset.__repr__: frozenset,
    collections.deque.__repr__: collections.deque,
}
_MRO = type.__dict__["__mro__"]
_DICT = type.__dict__["__dict__"]


def _base(kind: type) -> type | None:
    """The container base whose repr `kind` writes with, looked up as CPython does (along the
    MRO, in each class's own dict: no metaclass is asked)."""
    known = _KNOWN.get(kind, _DONE)
    if known is not _DONE:
        return known  # type: ignore[return-value]
    return _BASES.get(_lookup(kind, "__repr__"))


# The builtin classes, which nothing can change: no lookup (print is a hot path).
_KNOWN: dict[type, type | None] = {
    **{kind: kind for kind in (list, tuple, dict, set, frozenset, collections.deque)},
    **{kind: None for kind in (str, int, float, bool, type(None), bytes, complex)},
}


def _items(value: Any, base: type) -> Any:
    return iter(dict.items(value)) if base is dict else base.__iter__(value)  # type: ignore[attr-defined]


def _str_is_repr(kind: type) -> bool:
    return kind in _KNOWN or _lookup(kind, "__str__") in (object.__str__, None)


def _fits(value: Any, limit: int) -> bool:
    """Whether the containers reachable from `value` hold at most `limit` items in all, each
    counted on every path to it (what CPython's repr will visit): then its repr is cheap."""
    stack = [value]
    pop = stack.pop
    extend = stack.extend
    known = _KNOWN.get
    scalars = _SCALARS.issuperset
    while stack:
        item = pop()
        kind = type(item)
        found = known(kind, _DONE)
        if found is None:
            continue
        base: Any = _BASES.get(_lookup(kind, "__repr__")) if found is _DONE else found
        if base is None:
            continue
        limit -= base.__len__(item) + 1
        if limit < 0:
            return False
        if base is dict:
            if not scalars(map(type, dict.keys(item))):
                extend(dict.keys(item))
            if not scalars(map(type, dict.values(item))):
                extend(dict.values(item))
        elif not scalars(map(type, base.__iter__(item))):  # the common flat list, in C
            extend(base.__iter__(item))
    return True


_SCALARS = frozenset({str, int, float, bool, type(None)})


_DONE = object()
_TYPE_NAME = type.__dict__["__name__"]


def _write(value: Any, limit: int) -> str:
    """The start of `repr(value)`, written container by container on a stack of our own (no
    recursion: a deep structure needs no deep C stack), until past `limit` characters."""
    parts: list[str] = []
    size = 0
    writing: set[int] = set()  # containers being written: met again, CPython writes `[...]`
    # Each frame: [its items, closing text, separator, the container's id, first item?, dict?]
    stack: list[list[Any]] = []
    todo: Any = value
    pending = True
    while size <= limit:
        if pending:
            pending = False
            text, opened = _open(todo, writing)
            parts.append(text)
            size += len(text)
            if opened is not None:
                writing.add(id(todo))
                stack.append([*opened, id(todo), True, isinstance(todo, dict)])
        if not stack:
            break
        frame = stack[-1]
        item: Any = next(frame[0], _DONE)
        if item is _DONE:
            stack.pop()
            writing.discard(frame[3])
            parts.append(frame[1])
            size += len(frame[1])
            continue
        if not frame[4]:
            parts.append(frame[2])
            size += len(frame[2])
        frame[4] = False
        if frame[5]:  # a dict's item: its key, ": ", its value
            stack.append([iter(item), "", ": ", None, True, False])
            continue
        todo = item
        pending = True
    return "".join(parts)


def _open(value: Any, writing: set[int]) -> tuple[str, tuple[Any, str, str] | None]:
    """The text a value starts with and, for a container to write item by item, its items,
    its closing text and its separator."""
    kind = type(value)
    base = _base(kind)
    if base is None:
        text: str = exact_str(repr(value))
        return text, None
    if id(value) in writing:
        return _AGAIN.get(base) or f"{_name(kind)}(...)", None
    items = _items(value, base)
    if base is list:
        return "[", (items, "]", ", ")
    if base is tuple:
        return "(", (items, ",)" if tuple.__len__(value) == 1 else ")", ", ")
    if base is dict:
        return "{", (items, "}", ", ")
    if base is collections.deque:
        maxlen = collections.deque.__dict__["maxlen"].__get__(value)
        close = "])" if maxlen is None else f"], maxlen={int(maxlen)})"
        return f"{_name(kind)}([", (items, close, ", ")
    if not base.__len__(value):  # type: ignore[attr-defined]
        return f"{_name(kind)}()", None
    if kind is set:
        return "{", (items, "}", ", ")
    return f"{_name(kind)}({{", (items, "})", ", ")


_AGAIN: dict[type, str] = {list: "[...]", tuple: "(...)", dict: "{...}", collections.deque: "[...]"}


def _name(kind: type) -> str:
    return str.__str__(_TYPE_NAME.__get__(kind))


_ARGS = BaseException.__dict__["args"]


def bounded_exception_str(exc: BaseException, limit: int) -> str:
    """`str(exc)` within `limit`: an exception that says its arguments (as most do, by
    `BaseException.__str__` or `KeyError.__str__`) has them written by `bounded_str`; one with a
    `__str__` of its own is asked for it."""
    method = _lookup(type(exc), "__str__")
    if method is BaseException.__str__ or method is KeyError.__str__:
        args = _ARGS.__get__(exc)
        if not args:
            return ""
        if len(args) > 1:
            return bounded_repr(args, limit)
        return (bounded_repr if method is KeyError.__str__ else bounded_str)(args[0], limit)
    text: str = exact_str(str(exc))
    return text


def _lookup(kind: type, name: str) -> Any:
    """`name` as `kind` holds it, found along its MRO in each class's own dict (no metaclass is
    asked, as CPython's slot lookup asks none)."""
    for klass in _MRO.__get__(kind):
        found = _DICT.__get__(klass).get(name)
        if found is not None:
            return found
    return None
