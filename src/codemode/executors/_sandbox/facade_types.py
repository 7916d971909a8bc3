"""Facades of the modules that define types: `dataclasses` and `typing` (their decorators for the
program's own classes only), `enum` (less its host-wide `global_*` helpers)."""

from __future__ import annotations

import enum
import functools
import itertools
import typing
from collections.abc import Callable, Mapping
from typing import Any

from ..._program import PROGRAM_MODULE
from ..._text import exact_str
from .._policy import is_reserved
from ._builtins import getattr_builtin
from ._caches import exact, guard_typing_caches
from ._facade import _public_members
from ._owner import FIELD, _mark, _owned_only, checked_namespace, class_dict, owned
from ._runtime import CURRENT, PolicyError, _refuse, check_deadline, current
from ._types import install_stand_ins, real_bases, stand_in, visible_class, visible_classes
from .facade_collections import MAX_FIELDS
from .facade_copy import deepcopy

EXCLUDED: dict[str, frozenset[str]] = {
    # get_type_hints and evaluate_forward_ref (3.14) evaluate strings as code; clear_overloads
    # empties a host-wide registry
    "typing": frozenset({"get_type_hints", "evaluate_forward_ref", "clear_overloads"}),
    # they change the module globals of the caller (the host's, from a facade)
    "enum": frozenset(
        {
            "global_enum",
            "global_enum_repr",
            "global_flag_repr",
            "global_str",
            "pickle_by_global_name",
            # a base for mixed-in data types only: it cannot get a bounded facade class
            "ReprEnum",
        }
    ),
}


def _dataclasses_module() -> dict[str, Any]:
    import dataclasses

    members = _public_members(dataclasses, frozenset())
    guarded = _owned_only(dataclasses.dataclass, "@dataclass")

    def checked(target: Any, **kwargs: Any) -> Any:
        if isinstance(target, type) and owned(target):
            _check_fields(target)
        return guarded(target, **kwargs)

    def dataclass(cls: Any = None, /, **kwargs: Any) -> Any:
        dataclasses.dataclass(**kwargs)  # CPython's TypeError for an unknown option
        if cls is None:
            return lambda target: checked(target, **kwargs)
        return checked(cls, **kwargs)

    def make_dataclass(
        cls_name: str, fields: Any, *, bases: Any = (), namespace: Any = None, **kwargs: Any
    ) -> Any:
        # A class statement by other means: its namespace, fields included (a field's default
        # becomes a class attribute), is checked as a class body's is.
        bases = real_bases(tuple(bases))
        namespace = dict(namespace or {})
        # taken once, as plain data: what is checked is what `make_dataclass` gets
        fields = [exact_str(f) if isinstance(f, str) else _field_spec(tuple(f)) for f in fields]
        names = [f if isinstance(f, str) else f[0] for f in fields]
        checked_namespace(
            bases, {**namespace, **dict.fromkeys((n for n in names if isinstance(n, str)), FIELD)}
        )
        made = dataclasses.make_dataclass(
            cls_name, fields, bases=bases, namespace=checked_namespace(bases, namespace), **kwargs
        )
        return _mark(made)

    def asdict(obj: Any, *, dict_factory: Any = dict) -> Any:
        if not _dataclass_instance(obj):
            raise TypeError("asdict() should be called on dataclass instances")
        _check_walk(obj, "asdict")
        return _as_plain(obj, dict_factory, named=True)

    def astuple(obj: Any, *, tuple_factory: Any = tuple) -> Any:
        if not _dataclass_instance(obj):
            raise TypeError("astuple() should be called on dataclass instances")
        _check_walk(obj, "astuple")
        return _as_plain(obj, tuple_factory, named=False)

    members["dataclass"] = dataclass
    members["make_dataclass"] = make_dataclass
    members["asdict"] = asdict
    members["astuple"] = astuple
    return members


def _dataclass_instance(obj: Any) -> bool:
    import dataclasses

    return dataclasses.is_dataclass(obj) and not isinstance(obj, type)


def _as_plain(obj: Any, factory: Any, named: bool) -> Any:
    """`dataclasses.asdict`/`astuple` (`named` for `asdict`), as the standard library walks:
    fields read as the program's `getattr` would, and what is not a container copied by the
    `copy` facade. The standard library's own copies with the real `copy.deepcopy`, whose memo
    (handed to a `__deepcopy__` of the program met on the way) keeps the originals of all it
    copied: the tool proxy's bridge, the tools' functions."""
    if _dataclass_instance(obj):
        import dataclasses

        items = []
        for field in dataclasses.fields(obj):
            value = _as_plain(getattr_builtin(obj, field.name), factory, named)
            items.append((field.name, value) if named else value)
        return factory(items)
    if isinstance(obj, tuple) and hasattr(obj, "_fields"):  # a namedtuple: rebuilt by fields
        return type(obj)(*[_as_plain(v, factory, named) for v in obj])
    if isinstance(obj, list | tuple):
        return type(obj)(_as_plain(v, factory, named) for v in obj)
    if isinstance(obj, dict):
        return type(obj)(
            (_as_plain(k, factory, named), _as_plain(v, factory, named)) for k, v in obj.items()
        )
    return deepcopy(obj)


def _field_spec(spec: tuple[Any, ...]) -> tuple[Any, ...]:
    return (exact_str(spec[0]), *spec[1:]) if spec else spec


def _check_fields(cls: type) -> None:
    """The fields `@dataclass` will make `cls.__init__` assign are held to the rules of a class
    body (`_owner.checked_namespace`): the generated `__init__` writes them on the instance,
    past `write_guard` (a field named `__class__` would turn the instance into a host class's;
    `_getters` on an `asyncio.Queue` subclass would be the host's private state)."""
    annotations = class_dict(cls).get("__annotations__")
    if annotations is None:
        return
    if type(annotations) is not dict or any(type(key) is not str for key in annotations):
        raise PolicyError("@dataclass needs the class's __annotations__ as a plain dict of names")
    checked_namespace((cls,), dict.fromkeys(annotations, FIELD))


# Objects `asdict`/`astuple` may walk: they copy every item in `dataclasses`' own Python code
# (about a microsecond each, no deadline checks).
MAX_DATACLASS_WALK = 1_000_000


def _check_walk(obj: Any, what: str) -> None:
    """Count what `asdict(obj)` would walk, checking the deadline as it goes; refuse past
    `MAX_DATACLASS_WALK`. Reads the fields the way `_as_plain` does."""
    import dataclasses

    pending, seen = [obj], 0
    while pending:
        item = pending.pop()
        seen += 1
        if seen % 4096 == 0:
            check_deadline()
        if seen > MAX_DATACLASS_WALK:
            raise _refuse(f"dataclasses.{what} over more than {MAX_DATACLASS_WALK} objects")
        kind = type(item)
        if kind is list or kind is tuple or kind is set or kind is frozenset:
            pending.extend(item)
        elif kind is dict:
            pending.extend(item.keys())
            pending.extend(item.values())
        elif dataclasses.is_dataclass(item) and not isinstance(item, type):
            pending.extend(getattr_builtin(item, field.name) for field in dataclasses.fields(item))


def _typing_per_run() -> dict[str, Any]:
    """`typing` caches every subscription (`Literal[x]`, `list[X]`, `Generic[T]`) in process-wide
    caches keyed by the program's objects, whose `__eq__` and `__hash__` a later lookup (the host's
    included) would run: a run that imported `typing` has them cleared when it ends."""
    execution = CURRENT.get(None)
    if execution is not None:  # (none when a worker warms its facades up)
        execution.at_end(_clear_typing_caches)
    return _typing_members()


def _clear_typing_caches() -> None:
    import typing

    for clear in getattr(typing, "_cleanups", ()):
        clear()


@functools.cache
def _typing_members() -> dict[str, Any]:
    return _typing_module()


def _typing_module() -> dict[str, Any]:
    import typing

    guard_typing_caches()  # its subscription caches keep no program object (`_caches`)

    members = _public_members(typing, EXCLUDED["typing"])
    for name in ("final", "runtime_checkable", "no_type_check"):
        members[name] = _owned_only(getattr(typing, name), f"@typing.{name}")
    members.update(overload=_owned_only(overload, "@typing.overload"), get_overloads=get_overloads)

    # What an alias stands for is a class the program may not hold as it is: the real `type`
    # behind `typing.Type[X]` builds classes unchecked (`_types.visible_class`).
    def get_origin(tp: Any) -> Any:
        origin = typing.get_origin(tp)
        return visible_class(origin) if isinstance(origin, type) else origin

    def get_args(tp: Any) -> tuple[Any, ...]:
        return visible_classes(typing.get_args(tp))

    members.update(get_origin=get_origin, get_args=get_args)

    def dataclass_transform(**kwargs: Any) -> Callable[[Any], Any]:
        return _owned_only(typing.dataclass_transform(**kwargs), "@dataclass_transform")

    members["dataclass_transform"] = dataclass_transform
    members["TypeVar"] = stand_in(typing.TypeVar)

    def NamedTuple(typename: str, fields: Any = None, /, **kwargs: Any) -> Any:
        count = len(kwargs) + (len(fields) if hasattr(fields, "__len__") else 0)
        if count > MAX_FIELDS:  # `collections.namedtuple` compiles source text of them all
            raise PolicyError(f"NamedTuple with {count} fields (limit {MAX_FIELDS})")
        factory: Any = typing.NamedTuple
        made = factory(typename, fields, **kwargs)
        type.__setattr__(made, "__module__", PROGRAM_MODULE)  # the program's, not this module's
        return made

    def mro_entries(bases: tuple[Any, ...]) -> Any:  # `class P(NamedTuple)`, as typing's own
        real = tuple(typing.NamedTuple if base is NamedTuple else base for base in bases)
        return typing.NamedTuple.__mro_entries__(real)  # type: ignore[attr-defined]

    NamedTuple.__mro_entries__ = mro_entries  # type: ignore[attr-defined]
    members["NamedTuple"] = NamedTuple
    members["reveal_type"] = reveal_type
    return members


def _make_type_var(name: Any, *constraints: Any, **kwargs: Any) -> Any:
    """`typing.TypeVar(...)` for model code. CPython 3.12's C `TypeVar` leaks its arguments when
    `name` is not a `str` (the run's objects would stay alive for good): its own error first."""
    import typing

    if not isinstance(name, str):
        raise TypeError(f"TypeVar() argument 'name' must be str, not {type(name).__name__}")
    return typing.TypeVar(exact(name), *constraints, **kwargs)


def reveal_type(obj: Any, /) -> Any:
    """`typing.reveal_type`, into the run's log: typing's writes to the host's stderr."""
    log = getattr(current().globals.get("print"), "_cm_log_", None)
    if log is not None:
        log("stderr", f"Runtime type is {type(obj).__name__!r}\n")
    return obj


def overload(func: Any) -> Any:
    """`typing.overload`, recorded in the run's own registry: typing's is process-wide, and a
    later run defining a function of the same name would read this run's overloads."""
    execution = current()
    if execution.overloads is None:
        execution.overloads = {}
    execution.overloads.setdefault(func.__qualname__, []).append(func)
    return _overload_dummy


def get_overloads(func: Any) -> list[Any]:
    overloads = current().overloads or {}
    return list(overloads.get(str(getattr(func, "__qualname__", "")), ()))


def _overload_dummy(*args: Any, **kwargs: Any) -> Any:
    raise NotImplementedError(
        "You should not call an overloaded function. A series of @overload-decorated functions "
        "outside a stub module should always be followed by an implementation that is not "
        "@overload-ed."
    )


# Making an enum costs time that grows faster than its member count, in `enum`'s own Python code
# (no deadline checks): `Enum("E", [...200_000 names])` runs for minutes.
MAX_ENUM_MEMBERS = 4_096


class _BoundedEnumType(enum.EnumType):
    """The metaclass of the facade's enum base classes: the functional API (`Enum("E", names)`)
    bounded to `MAX_ENUM_MEMBERS`. The bound sits in `_create_`, which every route to the
    functional API ends in (`super()` included; the program cannot name it)."""

    def _create_(cls, class_name: Any, names: Any, **kwargs: Any) -> Any:
        if isinstance(names, str):
            count = len(names.replace(",", " ").split())
        elif hasattr(names, "__len__"):
            count = len(names)
        else:  # an iterator: taken here, one past the bound at most
            names = list(itertools.islice(names, MAX_ENUM_MEMBERS + 1))
            count = len(names)
        if count > MAX_ENUM_MEMBERS:
            raise PolicyError(f"an enum of {count} members (limit {MAX_ENUM_MEMBERS})")
        # Taken once, as plain data, and checked: a name that is a dunder becomes a class
        # attribute, not a member (`("__del__", f)`, `("__subclasscheck__", f)`), past the
        # namespace check a class statement gets (`_owner.checked_namespace`).
        if isinstance(names, str):
            taken = names.replace(",", " ").split()
        elif isinstance(names, Mapping):
            names = {key: names[key] for key in names}
            taken = list(names)
        else:
            names = list(names)
            taken = [item[0] if isinstance(item, tuple | list) and item else item for item in names]
        for name in taken:
            if isinstance(name, str) and (str.__str__(name)[:2] == "__" or is_reserved(name)):
                raise PolicyError(f"an enum member may not be named {name!r}")
        if kwargs.get("module") is None:  # the program's enum, not this module's
            kwargs["module"] = PROGRAM_MODULE
        return super()._create_(class_name, names, **kwargs)  # type: ignore[misc]

    # `isinstance(member, enum.Enum)` holds for members of `enum.IntEnum` subclasses too
    def __instancecheck__(cls, obj: Any) -> bool:
        real = _REAL_ENUMS.get(cls)
        return isinstance(obj, real) if real is not None else super().__instancecheck__(obj)

    def __subclasscheck__(cls, sub: Any) -> bool:
        real = _REAL_ENUMS.get(cls)
        return issubclass(sub, real) if real is not None else super().__subclasscheck__(sub)


_REAL_ENUMS: dict[type, type] = {}  # the facade's base class -> enum's own


def _enum_module() -> dict[str, Any]:
    # ReprEnum is left out: a base for mixed-in data types only, it cannot get a facade class
    excluded = frozenset(
        name
        for name in dir(enum)
        if name.startswith("global_") or name in ("pickle_by_global_name", "ReprEnum")
    )
    members = _public_members(enum, excluded)
    for name in ("Enum", "IntEnum", "StrEnum", "Flag", "IntFlag"):
        real = getattr(enum, name, None)
        if real is not None:
            facade = _BoundedEnumType(name, (real,), enum.EnumType.__prepare__(name, (real,)))
            _REAL_ENUMS[facade] = real
            members[name] = facade
    # The metaclass called directly makes a class as a class statement does: checked the same.
    members["EnumType"] = members["EnumMeta"] = stand_in(_BoundedEnumType)
    return members


def _enum_class(*args: Any, **kwargs: Any) -> Any:
    if len(args) == 3 and isinstance(args[1], tuple) and isinstance(args[2], dict):
        name, bases, namespace = args
        bases = real_bases(bases)
        return _mark(_BoundedEnumType(name, bases, checked_namespace(bases, namespace), **kwargs))
    return _BoundedEnumType(*args, **kwargs)


install_stand_ins({_BoundedEnumType: _enum_class}, {})
install_stand_ins({typing.TypeVar: _make_type_var}, {})


FACADES: dict[str, Callable[[], dict[str, Any]]] = {
    "dataclasses": _dataclasses_module,
    "enum": _enum_module,
}

# Modules whose facade differs per execution.
PER_EXECUTION: dict[str, Callable[[], dict[str, Any]]] = {"typing": _typing_per_run}
