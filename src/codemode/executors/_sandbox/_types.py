"""The classes model code sees: `type(x)` never hands out an unchecked host class.

`type(x)` gives the program's own classes and every class it can already name (builtins and the
public members of the allowed modules) as they are. `bytes`, `bytearray`, `range` and `type`
itself are stand-ins that check what they are asked to build; `type()` maps the real classes to
them, so `type(b"") is bytes` and `isinstance(r, range)` hold as in CPython. Any other host class
(`type(iter([]))`, the class of a facade's internal helper) comes back as a view: it compares,
names and `isinstance`-checks as the class does, and cannot build anything or be subclassed.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from ..._program import PROGRAM_MODULE
from ._owner import class_dict, make_class, owned_class
from ._runtime import PolicyError


class StandIn(type):
    """The metaclass of stand-ins and views: one object per real class, which passes
    `isinstance`/`issubclass` through to the real class and checks construction."""

    _cm_real_: type
    _cm_make_: Callable[..., Any] | None

    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        make = cls._cm_make_
        if make is None:
            raise PolicyError(f"{cls._cm_real_.__name__} objects cannot be made directly here")
        return make(*args, **kwargs)

    def __instancecheck__(cls, obj: Any) -> bool:
        return isinstance(obj, _ALSO.get(cls._cm_real_, cls._cm_real_))

    def __subclasscheck__(cls, sub: Any) -> bool:
        return issubclass(real_class(sub), cls._cm_real_)

    def __getattr__(cls, name: str) -> Any:
        # Public class attributes (`bytes.fromhex`) through the policy's `getattr`; the rest is
        # missing, as for host code that probes a class (`dataclasses.is_dataclass`).
        if name[:1] == "_":
            raise AttributeError(f"type object {cls.__name__!r} has no attribute {name!r}")
        from ._builtins import getattr_builtin

        return getattr_builtin(cls._cm_real_, name)

    def __repr__(cls) -> str:
        return repr(cls._cm_real_)


class TypeStandIn(StandIn):
    """The metaclass of the `type` stand-in: `type(x)` answers from `_VISIBLE` at once."""

    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        if len(args) == 1 and not kwargs:
            known = _VISIBLE.get(type(args[0]))
            if known is not None:
                return known
        return type_builtin(*args, **kwargs)


def _stand_in(real: type, make: Callable[..., Any] | None) -> StandIn:
    namespace = {
        "_cm_real_": real,
        "_cm_make_": staticmethod(make) if make is not None else None,
        "__module__": real.__module__,
        "__qualname__": real.__qualname__,
        "__doc__": real.__doc__,
    }
    meta = TypeStandIn if real is type else StandIn
    return meta(real.__name__, (), namespace)


def real_class(cls: Any) -> Any:
    """The class a stand-in or view stands for (anything else as it is)."""
    return cls._cm_real_ if isinstance(cls, StandIn) else cls


_ALSO: dict[type, Any] = {}  # real class -> what else `isinstance` accepts (BigRange for range)
_STAND_INS: dict[type, StandIn] = {}  # real class -> its stand-in or view


def install_stand_ins(
    makers: dict[type, Callable[..., Any]],
    aliases: dict[type, type],
    sealed: tuple[type, ...] = (),
) -> None:
    """Called once by `_builtins` (and by a facade whose class needs one, `decimal.Decimal`): the
    stand-ins of the classes replaced. `aliases` maps a class of ours to the builtin it stands for
    (`BigRange` is a `range` to model code); `sealed` ones cannot be subclassed (a subclass would
    build without the stand-in's checks)."""
    _NOT_SUBCLASSED.update(sealed)
    for real, make in makers.items():
        _STAND_INS[real] = _stand_in(real, make)
    for alias, real in aliases.items():
        _STAND_INS[alias] = _STAND_INS[real]
        _ALSO[real] = (*_ALSO.get(real, (real,)), alias)


def stand_in(real: type) -> StandIn:
    return _STAND_INS[real]


def _view(cls: type) -> StandIn:
    view = _STAND_INS.get(cls)
    if view is None:
        view = _STAND_INS.setdefault(cls, _stand_in(cls, None))
    return view


@functools.cache
def _public_classes() -> frozenset[type]:
    """Every class model code can name: the builtins and the members of the allowed modules'
    facades (one level into each class's public attributes is not needed: a class reached as
    an attribute is a public member of its module too)."""
    from ._builtins import base_builtins
    from ._modules import DEFAULT_MODULES, Importer

    found: set[type] = set()
    importer = Importer(frozenset(DEFAULT_MODULES))
    spaces: list[Any] = [base_builtins()]
    for name in DEFAULT_MODULES:
        spaces.append(vars(importer.load(name)))
    spaces.append(vars(importer.load("collections.abc")))
    for space in spaces:
        for value in space.values():
            if isinstance(value, type) and not isinstance(value, StandIn):
                found.add(value)
    # The classes of the builtin constants: nothing to build that the constant is not already
    # (`type(None)` is how programs name NoneType, as in `typing.get_args(Optional[int])`).
    found.update({type(None), type(Ellipsis), type(NotImplemented)})
    return frozenset(found)


# Host class -> what `type()` gives for it. Classes made while programs run (a `namedtuple`, a
# `make_dataclass`) are not kept here: their view is kept on the class itself, and dies with it.
_VISIBLE: dict[type, Any] = {}
VIEW_MARK = "_cm_view_"
_HEAP_TYPE = 1 << 9  # Py_TPFLAGS_HEAPTYPE: a class made at run time rather than built in
_TYPE_FLAGS = type.__dict__["__flags__"]
_TYPE_MODULE = type.__dict__["__module__"]


def visible_type(obj: Any) -> Any:
    """`type(obj)` as model code gets it."""
    return visible_class(type(obj))


def visible_class(cls: Any) -> Any:
    """Class `cls` as model code may hold it: what `type()` gives for its instances. Every route
    by which host code hands the program a class it did not name (`type(x)`, the bases a class
    hook is called with, `issubclass(host_class, P)` in a hook, `typing.get_origin`) maps it
    here: the real `type` that builds unchecked classes never reaches model code."""
    known = _VISIBLE.get(cls)
    if known is not None:
        return known
    if isinstance(cls, StandIn) or not isinstance(cls, type):
        return cls  # already what the program holds (or not a class at all)
    if owned_class(cls) or _TYPE_MODULE.__get__(cls) == PROGRAM_MODULE:
        # The program's class, or one a factory made at its call (`namedtuple`, `Enum("E",
        # ...)`) and handed to it: nothing new. Not remembered: it dies with its run.
        return cls
    if cls is StandIn or cls is TypeStandIn:
        known = _STAND_INS[type]
    else:
        known = _STAND_INS.get(cls) or (cls if cls in _public_classes() else None)
    if known is None and _TYPE_FLAGS.__get__(cls) & _HEAP_TYPE:
        known = class_dict(cls).get(VIEW_MARK)
        if known is not None:
            return known
        known = _stand_in(cls, None)
        try:
            type.__setattr__(cls, VIEW_MARK, known)
            return known
        except TypeError:  # an immutable extension type: one of a fixed few, kept below
            known = _STAND_INS.setdefault(cls, known)
    if known is None:
        known = _view(cls)
    _VISIBLE[cls] = known
    return known


def visible_classes(values: tuple[Any, ...]) -> tuple[Any, ...]:
    """`values` with every class in it as model code may hold it (`visible_class`)."""
    return tuple(visible_class(v) if isinstance(v, type) else v for v in values)


def type_builtin(*args: Any, **kwargs: Any) -> Any:
    """`type(x)` and `type(name, bases, namespace)` for model code."""
    if len(args) == 1 and not kwargs:
        return visible_type(args[0])
    if len(args) == 3:
        return make_class(*args, **kwargs)
    return type(*args, **kwargs)  # the TypeError CPython gives


def real_bases(bases: tuple[Any, ...]) -> tuple[Any, ...]:
    """The bases a program class is built on: stand-ins that build things (`bytes`, `type`)
    become their real class; a view cannot be subclassed (its subclass would build what the
    view refuses to)."""
    out = []
    for base in bases:
        if isinstance(base, StandIn):
            if base._cm_make_ is None or base._cm_real_ in _NOT_SUBCLASSED:
                raise PolicyError(f"cannot subclass {base._cm_real_.__name__} here")
            base = base._cm_real_
        out.append(base)
    return tuple(out)


# Stand-ins whose real class, once subclassed, would build without the stand-in's size check.
_NOT_SUBCLASSED: set[type] = {bytes, bytearray}
