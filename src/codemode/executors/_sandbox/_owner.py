"""Ownership: what the program made, and so may change and look inside.

The rule: the program may touch what *it* defined, that is the attributes found in the `__dict__`
of its own classes and of their instances, and nothing a host class defined. Ownership is not
inherited: `class Q(asyncio.Queue)` is the program's, but `Q()._get_loop` was defined by the host
and stays closed. Every guard that asks "may the program do this to that object" asks here.
"""

from __future__ import annotations

import builtins
import collections
import enum
import functools
import types
import weakref
from collections.abc import Callable
from typing import Any

from ..._program import FILENAME, PROGRAM_MODULE
from .._policy import FORBIDDEN_DEFINITIONS, HOST_DUNDERS, MARK_PREFIX, OWN_DUNDERS, is_reserved
from ._facade import ModuleFacade
from ._runtime import (
    MAX_ITEMS,
    AllocationRefused,
    AttributeRefused,
    PolicyError,
    counted,
    refused_attribute,
)

OWNER_MARK = MARK_PREFIX + "owner_"  # in the own `__dict__` of every class the program made
# In the own `__dict__` of a facade's class: the attributes the program may set on its objects
# (`decimal.getcontext().prec = 50`), each checked by the class's own `__setattr__`.
SETTABLE_MARK = MARK_PREFIX + "settable_"

# Host modules whose classes keep no host objects in their instances' `__dict__` (C value types,
# exceptions, typing and ABC markers, enums): their code's names do not make instance state the
# host's.
_PLAIN_BASE_MODULES = frozenset(
    {"builtins", "typing", "abc", "_collections_abc", "collections.abc", "enum", "numbers"}
)


# A class's own namespace and MRO, read with `type`'s own descriptors: a metaclass of the program
# may define `__dict__` or `__mro__` properties that would say anything.
_TYPE_DICT = type.__dict__["__dict__"]
_TYPE_MRO = type.__dict__["__mro__"]
_TYPE_MODULE = type.__dict__["__module__"]


def class_dict(cls: type) -> types.MappingProxyType[str, Any]:
    """`cls.__dict__`, as the class really holds it."""
    return _TYPE_DICT.__get__(cls)  # type: ignore[no-any-return]


def class_mro(cls: type) -> tuple[type, ...]:
    """`cls.__mro__`, as the class really has it."""
    return _TYPE_MRO.__get__(cls)  # type: ignore[no-any-return]


def owned_class(cls: Any) -> bool:
    """A class the program defined, or one derived from such a class (only program classes
    carry the mark, and a class derives from one only at the program's request): a program
    subclass does not make its host base the program's. A class whose module is the program's
    is too: one being made by a `class` statement (an enum's members are made before the class
    statement ends), or one a factory made at the program's call (`namedtuple`, `Enum("E",
    ...)`)."""
    return isinstance(cls, type) and (
        getattr(cls, OWNER_MARK, False) is True or _TYPE_MODULE.__get__(cls) == PROGRAM_MODULE
    )


def owned(obj: Any) -> bool:
    """True for the program's classes, their instances and the program's functions."""
    cls = type(obj)
    if getattr(cls, OWNER_MARK, False) is True or _TYPE_MODULE.__get__(cls) == PROGRAM_MODULE:
        return True
    if isinstance(obj, type):
        return owned_class(obj)
    if type(obj) is types.FunctionType:
        return obj.__code__.co_filename == FILENAME
    return False


def definer(mro: tuple[type, ...], name: str) -> type | None:
    """The first class of `mro` whose own `__dict__` defines `name`."""
    for klass in mro:
        if name in class_dict(klass):
            return klass
    return None


_CODE_NAMES: weakref.WeakKeyDictionary[type, frozenset[str]] = weakref.WeakKeyDictionary()


def _host_code_names(cls: type) -> frozenset[str]:
    """Every name the code of host class `cls` uses (its methods' `co_names`, nested code
    included): the attributes and methods its code may set, read or call. Host classes never
    change, so this is worked out once per class (and forgotten with a class made at run time)."""
    known = _CODE_NAMES.get(cls)
    if known is not None:
        return known
    names: set[str] = set()
    codes = []
    for value in class_dict(cls).values():
        for part in (value, getattr(value, "__func__", None), getattr(value, "fget", None)):
            code = getattr(part, "__code__", None) if part is not None else None
            if isinstance(code, types.CodeType):
                codes.append(code)
        for part in (getattr(value, "fset", None), getattr(value, "fdel", None)):
            code = getattr(part, "__code__", None) if part is not None else None
            if isinstance(code, types.CodeType):
                codes.append(code)
    while codes:
        code = codes.pop()
        names.update(code.co_names)
        codes.extend(c for c in code.co_consts if isinstance(c, types.CodeType))
    known = _CODE_NAMES[cls] = frozenset(names)
    return known


def _host_managed(cls: type, name: str) -> bool:
    """Whether a host base class of `cls` (outside the plain ones) has code that uses `name`:
    then the instance's `name` may hold what that code put there (`asyncio.Queue` keeps its
    event loop in `self._loop`), whoever wrote it last, and a program definition of `name` (a
    property, a method) would be handed what that code passes it."""
    for klass in class_mro(cls):
        if owned_class(klass) or _TYPE_MODULE.__get__(klass) in _PLAIN_BASE_MODULES:
            continue
        if name in _host_code_names(klass):
            return True
    return False


# How a name resolves on instances of a program class, worked out once per class and name (the
# answer depends on the classes only; `_GENERATION` moves on whenever the program changes one of
# its classes, which makes every answer worked out before stale). A verdict is (generation, may
# read when the instance's `__dict__` holds the name, may read wherever it comes from, may write).
LOOKUP_MARK = MARK_PREFIX + "lookup_"
_GENERATION = [0]
Verdict = tuple[int, bool, bool, bool]


def hands_out_new(value: Any) -> bool:
    """Whether `value` is a builtin `__new__` (`object.__new__`, which the class statement of an
    enum keeps as `_new_member_`): by any name, it is judged as `__new__` is (`new_guard`)."""
    return type(value) is types.BuiltinMethodType and value.__name__ == "__new__"


def _verdict(cls: type, name: str) -> Verdict:
    found = definer(class_mro(cls), name)
    managed = _host_managed(cls, name)
    if managed or (found is not None and hands_out_new(class_dict(found)[name])):
        # a host base's code uses it: the host's, whoever defined or wrote it (or a builtin
        # `__new__` kept under another name, which would make objects of any class)
        verdict = (_GENERATION[0], False, False, False)
    elif found is None:  # instance state the program wrote
        verdict = (_GENERATION[0], True, False, True)
    elif not owned_class(found):  # a host class's member, whatever the instance holds
        verdict = (_GENERATION[0], False, False, False)
    else:  # the program's member, or what the program wrote on the instance over it
        verdict = (_GENERATION[0], True, True, True)
    cache = class_dict(cls).get(LOOKUP_MARK)
    if cache is not None and cache.get(None) is cls:
        cache[name] = verdict  # (a class host code derived from a program class has none)
    return verdict


_NO_CACHE: dict[Any, Any] = {}  # stays empty


def _instance_verdict(cls: type, name: str) -> Verdict:
    """The verdict for `name` on instances of program class `cls`, from its cache when fresh.
    The cache is read as a plain attribute only when no metaclass of the program could answer
    for it; it names its class, so a class that host code derived from a program class does not
    borrow its parent's."""
    if type(cls) is type:
        cache: dict[Any, Any] = getattr(cls, LOOKUP_MARK, _NO_CACHE)
    else:
        cache = _TYPE_DICT.__get__(cls).get(LOOKUP_MARK, _NO_CACHE)
    known: Verdict | None = cache.get(name)
    if known is not None and known[0] == _GENERATION[0] and cache[None] is cls:
        return known
    return _verdict(cls, name)


def class_changed() -> None:
    """The program changed one of its classes: name lookups are worked out again."""
    _GENERATION[0] += 1


def program_defined(obj: Any, name: str) -> bool:
    """Whether `obj.name` is the program's. The value comes from the first class of the lookup
    that defines `name`, unless the instance's own `__dict__` holds it: a host class's member
    never is; a program class's is; instance state is, unless a host base's code manages it."""
    if is_super(obj):
        # `super()._helper()`: the classes after `__thisclass__` in the instance's MRO decide.
        found = definer(super_mro(obj), name)
        return found is not None and owned_class(found)
    if isinstance(obj, type):
        if not owned_class(obj):
            return False
        found = definer(class_mro(obj), name)
        if found is not None:
            return owned_class(found) and not hands_out_new(class_dict(found)[name])
        found = definer(class_mro(type(obj)), name)
        return found is not None and owned_class(found)
    cls = type(obj)
    if cls is types.FunctionType:
        return owned(obj) and name in obj.__dict__
    if not owned_class(cls):
        return False
    verdict = _instance_verdict(cls, name)
    return verdict[2] or (verdict[1] and name in getattr(obj, "__dict__", ()))


class ProgramSuper(super):
    """`super` for model code: a `super()` object stands for the program's own classes only.
    `super(C, obj)` with `C` a class of the host (`super(asyncio.Timeout, t).__aenter__()`,
    `super(random.Random, r).choices(...)`) would call the host base's method past the facade
    class that narrows it. The zero-argument form takes its class from the `__class__` cell of a
    method the program defined (`super_init` reads the program's frame: this class defines no
    `__init__`), which is the program's."""

    def __new__(cls, *args: Any) -> Any:
        if args:
            first = _types.real_class(args[0])
            if not owned_class(first):
                name = getattr(first, "__name__", type(first).__name__)
                raise PolicyError(
                    f"super() with a class works for classes defined in your code, not {name}"
                )
            return super(*args)  # a plain `super`, made from the arguments
        return super.__new__(cls)


ProgramSuper.__name__ = ProgramSuper.__qualname__ = "super"
ProgramSuper.__module__ = "builtins"
_SUPERS = (super, ProgramSuper)


def is_super(obj: Any) -> bool:
    return type(obj) in _SUPERS


def super_mro(obj: Any) -> tuple[type, ...]:
    """The classes a `super()` object looks in: those after `__thisclass__` in the MRO of
    the object it is bound to."""
    self_class = obj.__self_class__
    if self_class is None:
        return ()
    mro = class_mro(self_class)
    start = obj.__thisclass__
    return mro[mro.index(start) + 1 :] if start in mro else ()


def _refused(obj: Any, name: str) -> PolicyError:
    """A refused read or write of `obj.name`: the `AttributeError` CPython raises for a missing
    attribute, in its words, with the reason as a note."""
    kind = type(obj).__name__
    if owned(obj) and type(obj) is not types.FunctionType:
        cls = obj if isinstance(obj, type) else type(obj)
        found = definer(class_mro(cls), name)
        if found is not None and not owned_class(found):
            why = f"{found.__name__}, a host class, defined it"
        else:
            why = "a host base class manages it"
        return refused_attribute(obj, name, f"access to {name!r} is not allowed: {why}")
    return refused_attribute(
        obj, name, f"private attributes of a {kind} object the program did not make are closed"
    )


def private_guard(obj: Any, name: str) -> Any:
    """`obj._name`: the program's own members only."""
    cls = type(obj)
    if owned_class(cls) and not isinstance(obj, type):
        # the common case, `self._x` on the program's own instance, inline
        verdict = _instance_verdict(cls, name)
        if verdict[2] or (verdict[1] and name in getattr(obj, "__dict__", ())):
            return getattr(obj, name)
    elif program_defined(obj, name):
        return getattr(obj, name)
    if owned(obj) and not is_super(obj) and not hasattr(obj, name):
        return getattr(obj, name)  # the AttributeError a missing attribute gives in Python
    if name in _NAMEDTUPLE_API and _namedtuple_member(obj, name):
        return getattr(obj, name)
    raise _refused(obj, name)


# A namedtuple's public API has underscores, to keep clear of field names: on a host's
# namedtuple (`urlparse(u)._replace(...)`, `cache_info()._asdict()`) it is read as any public
# member. `_make` is left out: it builds past a subclass's own `__new__`.
_NAMEDTUPLE_API = frozenset({"_replace", "_asdict", "_fields", "_field_defaults"})
_NAMEDTUPLE_CODE = collections.namedtuple("_Sample", "x")._replace.__code__  # type: ignore[attr-defined]


def _namedtuple_member(obj: Any, name: str) -> bool:
    """Whether `obj.name` is the member `collections.namedtuple` made, on a namedtuple class
    (or its instance) that no subclass overrode it on."""
    cls = obj if isinstance(obj, type) else type(obj)
    if not issubclass(cls, tuple):
        return False
    mro = class_mro(cls)
    base = definer(mro, "_replace")
    if base is None or definer(mro, name) is not base:
        return False
    return getattr(class_dict(base)["_replace"], "__code__", None) is _NAMEDTUPLE_CODE


def own_dunder_guard(obj: Any, name: str) -> Any:
    """`obj.__x__` outside `ALLOWED_DUNDERS`: on the program's own objects, the harmless data
    dunders (`OWN_DUNDERS`: `__annotations__`, `__members__`, ...) and the dunders the program
    defined (`v.__add__(w)` where its class defines `__add__`)."""
    if owned(obj) and (name in OWN_DUNDERS or program_defined(obj, name)):
        return getattr(obj, name)
    if name == "__notes__" and isinstance(obj, BaseException):
        # the notes `add_note` made (strings), of any exception the program caught: a copy, so
        # that a host exception's notes stay strings for whoever formats it
        notes = getattr(obj, name)
        return list(notes) if isinstance(notes, list) else notes
    if name == "__init_subclass__" and is_super(obj) and owned_class(obj.__self_class__):
        # `super().__init_subclass__(**kwargs)` in the program's own hook: the base's hook,
        # bound to the program's new class, as `type.__new__` would call it had there been none
        return getattr(obj, name)
    raise refused_attribute(
        obj, name, "only the dunders your code defined on its own objects can be read"
    )


def write_guard(obj: Any, name: str, special: bool = False) -> Any:
    """`obj.name = ...` / `del obj.name`: only the program's objects change, and never in a
    member a host base class defined (`self._loop = ...` on an `asyncio.Queue` subclass).
    A class's special methods are set only where the value is seen (`setattr_guard`)."""
    cls = type(obj)
    if owned_class(cls) and not isinstance(obj, type):
        # the common case, `self.x = ...` on the program's own instance, inline
        if name[:1] != "_" or name[1:2] == "_":
            return obj
        if _instance_verdict(cls, name)[3]:
            return obj
        raise _refused(obj, name)
    if not owned(obj):
        if name in class_dict(cls).get(SETTABLE_MARK, ()):
            return obj
        reason = "only objects of classes defined in your code can be changed"
        if not hasattr(obj, "__dict__"):  # CPython refuses it too, in these words
            raise refused_attribute(obj, name, reason)
        what = repr(obj) if isinstance(obj, ModuleFacade) else f"a {type(obj).__name__!r} object"
        error = AttributeRefused(f"cannot set attribute {name!r} of {what}")
        error.add_note(f"codemode: {reason}")
        raise error
    if isinstance(obj, type) and name[:1] != "_":
        class_changed()
    if name[:1] == "_":
        cls = obj if isinstance(obj, type) else type(obj)
        if is_reserved(name):
            raise PolicyError(f"the name {name!r} is reserved")
        if name in FORBIDDEN_DEFINITIONS:  # `A.__del__ = f` would run at garbage collection
            raise PolicyError(f"a class may not define {name!r}")
        if name in CLASS_HOOKS and isinstance(obj, type):  # wrapped only where a class is made
            raise PolicyError(f"{name!r} can only be defined in the class body")
        if name in SPECIAL_METHODS and isinstance(obj, type) and not special:
            # checked by value (`special_method`): a plain `C.name = f` or `setattr` does that
            raise PolicyError(f"{name!r} of a class can only be set as `C.{name} = function`")
        if name in METACLASS_FORBIDDEN and isinstance(obj, type) and issubclass(obj, type):
            raise PolicyError(f"a metaclass may not define {name!r}: classes compare by identity")
        if isinstance(obj, type):
            class_changed()
            found = definer(class_mro(cls), name)
            if name[1:2] != "_" and (
                (found is not None and not owned_class(found)) or _host_managed(cls, name)
            ):
                raise _refused(obj, name)
        elif (
            type(obj) is not types.FunctionType
            and name[1:2] != "_"
            and not _instance_verdict(cls, name)[3]
        ):
            raise _refused(obj, name)
    return obj


def setattr_guard(obj: Any, name: str, value: Any) -> None:
    """`obj.name = value` where `name` is a dunder (and `setattr(obj, name, value)`): a class's
    special methods are held to `special_method` as in a class body."""
    if isinstance(obj, type) and name in SPECIAL_METHODS:
        value = special_method(name, value, class_mro(obj))
        setattr(write_guard(obj, name, special=True), name, value)
        return
    setattr(write_guard(obj, name), name, value)


def vars_builtin(*args: Any) -> Any:
    """`vars(obj)`: the `__dict__` of an instance of the program's own classes, whose state only
    the program wrote. Not a class's (it holds codemode's marks and lookup caches), nor an
    instance of a class with a host base whose code keeps state there (`asyncio.Queue`'s loop),
    nor `vars()` of the caller's frame."""
    if len(args) != 1:
        if args:
            return vars(*args)  # CPython's TypeError for too many arguments
        raise PolicyError(
            "vars() without an argument is not available in codemode: name the object"
        )
    (obj,) = args
    cls = type(obj)
    if owned_class(cls) and not isinstance(obj, type):
        for klass in class_mro(cls):
            if not owned_class(klass) and _TYPE_MODULE.__get__(klass) not in _PLAIN_BASE_MODULES:
                raise PolicyError(
                    f"vars() of a {cls.__name__} object is not available in codemode: "
                    f"{klass.__name__}, a host base class, keeps its own state there"
                )
        return vars(obj)  # the TypeError CPython gives for a class with `__slots__` only
    if not isinstance(obj, type | ModuleFacade) and not _TYPE_DICTOFFSET.__get__(cls):
        return vars(obj)  # no `__dict__` to give (`vars(3)`): CPython's TypeError
    what = (
        "a class"
        if isinstance(obj, type)
        else "a module"
        if isinstance(obj, ModuleFacade)
        else f"a {cls.__name__} object"
    )
    raise PolicyError(
        f"vars() of {what} is not available in codemode: it works on objects of classes defined "
        "in your code; read other attributes by name"
    )


_TYPE_DICTOFFSET = type.__dict__["__dictoffset__"]


def object_setattr_guard(owner: Any) -> Any:
    """`object.__setattr__`, as the program reads it to set a field of its own frozen
    dataclass: `object`'s setter, for the program's own instances only."""
    if owner is not object:  # `object` rebound by the program: not the idiom
        raise refused_attribute(owner, "__setattr__", "use setattr(obj, name, value)")
    return _object_setattr


def _object_setattr(target: Any, name: Any, value: Any, /) -> None:
    cls = type(target)
    if not owned_class(cls) or isinstance(target, type):
        raise PolicyError(
            "object.__setattr__ works on instances of classes defined in your code; "
            "use setattr(obj, name, value)"
        )
    if not isinstance(name, str):
        raise TypeError(f"attribute name must be string, not '{type(name).__name__}'")
    name = str.__str__(name)
    if name in HOST_DUNDERS or is_reserved(name):  # `__class__` would make it a host object
        raise PolicyError(f"setting {name!r} is not allowed")
    found = definer(class_mro(cls), "__setattr__")
    if found is not object and not owned_class(found):
        # past a host base's own `__setattr__`, which may keep its state consistent
        raise PolicyError(f"object.__setattr__ on a {cls.__name__} object is not allowed")
    object.__setattr__(write_guard(target, name), name, value)


def _initialisable(target: Any) -> bool:
    """An object `__init__` may run on again: the program's own, or a plain builtin value
    (whose `__init__` does nothing its public methods cannot). Not a `super` object, whose
    `__init__` would point it at a host class (`super.__init__(s, asyncio.Timeout, t)`), nor
    codemode's own classes that only look builtin (`print`)."""
    return owned(target) or _plain_builtin(type(target))


def _plain_builtin(cls: Any) -> bool:
    """A class of CPython's builtins (`dict`, `list`), not one that only says it is."""
    return (
        isinstance(cls, type)
        and _TYPE_MODULE.__get__(cls) == "builtins"
        and getattr(builtins, cls.__name__, None) is cls
        and cls is not super
    )


def init_guard(obj: Any) -> Any:
    """`obj.__init__`. Judges the object the method would initialise, not where it was read:
    `Q.__init__(host_queue)` with `Q` a program subclass of `asyncio.Queue` is refused."""
    if is_super(obj):
        target = obj.__self__
        if target is None or isinstance(target, type) or _initialisable(target):
            return obj.__init__
    elif isinstance(obj, type):
        unbound = obj.__init__  # type: ignore[misc]

        def init(self: Any, /, *args: Any, **kwargs: Any) -> Any:
            if not _initialisable(self):
                raise _init_refused(self)
            return unbound(self, *args, **kwargs)

        init.__name__ = init.__qualname__ = "__init__"
        return init
    elif _initialisable(obj):
        return obj.__init__
    raise _init_refused(obj)


def _init_refused(target: Any) -> PolicyError:
    return PolicyError(
        f"calling __init__ of a {type(target).__name__} object the program did not make is "
        "not allowed"
    )


def new_guard(obj: Any) -> Any:
    """`cls.__new__`: makes objects of the program's own classes (or plain builtin values)
    only; `object.__new__(HostClass)` would skip the host class's own checks. A class made by
    `type.__new__` (a program metaclass's `super().__new__`) is checked and owned as one from a
    `class` statement."""
    new = obj.__new__

    def checked_new(cls: Any, /, *args: Any, **kwargs: Any) -> Any:
        if not (owned_class(cls) or _plain_builtin(cls)):
            raise PolicyError(
                f"__new__ can only make objects of classes defined in your code, not "
                f"{getattr(cls, '__name__', type(cls).__name__)}"
            )
        if _makes_class(cls, args):
            name, bases, namespace = args
            bases = _types.real_bases(bases)
            return _mark(new(cls, name, bases, checked_namespace(bases, namespace), **kwargs))
        return new(cls, *args, **kwargs)

    checked_new.__name__ = checked_new.__qualname__ = "__new__"
    return checked_new


# -- making classes ----------------------------------------------------------------------------


def _mark(cls: Any) -> Any:
    """Mark `cls`, made at the program's request, as the program's."""
    if isinstance(cls, type):
        type.__setattr__(cls, OWNER_MARK, True)
        type.__setattr__(cls, LOOKUP_MARK, {None: cls})
        if issubclass(cls, type) and "__new__" not in class_dict(cls):
            # A metaclass of the program: calling it (`M("X", bases, namespace)`) would reach
            # `type.__new__` from C, past every check; this `__new__` applies them.
            type.__setattr__(cls, "__new__", staticmethod(_metaclass_new))
    return cls


def _makes_class(cls: Any, args: tuple[Any, ...]) -> bool:
    """Whether `cls.__new__(cls, *args)` makes a class: `cls` is a metaclass and `args` are a
    name, bases and a namespace."""
    return (
        isinstance(cls, type)
        and issubclass(cls, type)
        and len(args) == 3
        and isinstance(args[1], tuple)
        and isinstance(args[2], dict)
    )


def _metaclass_new(mcs: Any, *args: Any, **kwargs: Any) -> Any:
    new = _next_new(mcs)
    if _makes_class(mcs, args):
        name, bases, namespace = args
        bases = _types.real_bases(bases)
        return _mark(new(mcs, name, bases, checked_namespace(bases, namespace), **kwargs))
    return new(mcs, *args, **kwargs)


def _next_new(mcs: type) -> Any:
    """The `__new__` a program metaclass inherits (`type`'s, or `enum.EnumType`'s)."""
    for klass in class_mro(mcs):
        new = class_dict(klass).get("__new__")
        if new is not None and getattr(new, "__func__", new) is not _metaclass_new:
            return klass.__new__
    return type.__new__


# Hooks that host code calls with classes it holds: `issubclass(host_class, P)` in
# `functools.singledispatch`'s dispatch, ABC checks. Each is wrapped where its class is made, so
# that it is handed what model code may hold (`_types.visible_class`), never the real `type`.
CLASS_HOOKS = frozenset({"__subclasscheck__", "__subclasshook__", "__instancecheck__"})


def _slot_names() -> frozenset[str]:
    """The special methods CPython's C code calls through a type's slots (`__next__`,
    `__getitem__`, `__len__`, ...): every name a builtin type implements as a slot wrapper."""
    import builtins as _builtins

    names: set[str] = set()
    for value in vars(_builtins).values():
        if isinstance(value, type):
            for key, member in vars(value).items():
                if type(member) is types.WrapperDescriptorType:
                    names.add(key)
    return frozenset(names)


# The special methods host code calls on the program's objects: those C calls through a type's
# slots, and those C or the standard library looks up by name on the type (`__length_hint__`,
# `__missing__`, `__format__`, `__set_name__`, ...), less the host dunders (never definable).
SPECIAL_METHODS = (
    (
        _slot_names()
        | {
            "__new__",
            "__matmul__",
            "__rmatmul__",
            "__imatmul__",
            "__itruediv__",
            "__ifloordiv__",
            "__imod__",
            "__ipow__",
            "__ilshift__",
            "__irshift__",
            "__length_hint__",
            "__missing__",
            "__format__",
            "__reversed__",
            "__round__",
            "__trunc__",
            "__floor__",
            "__ceil__",
            "__complex__",
            "__bytes__",
            "__fspath__",
            "__enter__",
            "__exit__",
            "__aenter__",
            "__aexit__",
            "__getattr__",
            "__dir__",
            "__sizeof__",
            "__copy__",
            "__deepcopy__",
            "__set_name__",
            "__init_subclass__",
            "__prepare__",
            "__mro_entries__",
            "__post_init__",
            "__getnewargs__",
            "__getnewargs_ex__",
            "__buffer__",
            "__release_buffer__",
            "__replace__",
        }
    )
    - HOST_DUNDERS
    - FORBIDDEN_DEFINITIONS
    - CLASS_HOOKS
)

# Lengths C trusts to size what it allocates: `tuple(obj)`, `f(*obj)` and a tuple subclass's
# constructor allocate (and clear) a slot for each item `obj` says it has before taking any.
SIZE_METHODS = frozenset({"__len__", "__length_hint__"})


# What a dataclass field's name stands for in the namespace checked for it: its default is set
# on the class later, by `dataclasses`' own `setattr`.
FIELD = object()


def _program_function(value: Any) -> bool:
    return type(value) is types.FunctionType and owned(value)


def _inherited(name: str, value: Any, mro: tuple[type, ...]) -> bool:
    """`value` is a builtin's own implementation of `name` that a class of `mro` defines:
    naming it (`__hash__ = object.__hash__`) gives what inheritance would."""
    if type(value) not in _BUILTIN_METHODS or getattr(value, "__name__", None) != name:
        return False
    owner = getattr(value, "__objclass__", None)
    return owner is not None and owner in mro and class_dict(owner).get(name) is value


_BUILTIN_METHODS = (types.WrapperDescriptorType, types.MethodDescriptorType)


def special_method(name: str, value: Any, mro: tuple[type, ...]) -> Any:
    """`value`, to be bound as special method `name` of a program class whose bases' classes are
    `mro`, as the class may hold it. Host code calls special methods on the program's objects,
    often in a loop of its own (`any(obj)` calls `__next__` until it raises, `iter(obj)` calls
    `__getitem__` with 0, 1, 2, ...): a program function checks the deadline as it starts, but
    a builtin there (`__next__ = int`, `__getitem__ = {}.get`, `functools.partial`, a class, a
    property whose getter is one) would have C run that loop with no check at all, and nothing
    stops a C loop (the host hung). So a special method is the program's own function (also as
    a classmethod, staticmethod or a property's accessors), None or another value nothing can
    call, or the very method a base class defines under that name. A length (`SIZE_METHODS`) is wrapped so that it says at most
    `MAX_ITEMS`: C allocates by it (`tuple(obj)` with a `__len__` of 10**9 cleared 8 GB in
    one call)."""
    if value is FIELD:
        raise PolicyError(f"a field may not be named {name!r}: it is a special method's name")
    if value is None or _inherited(name, value, mro):
        return value
    kind = type(value)
    if not callable(value) and not any("__get__" in class_dict(k) for k in class_mro(kind)):
        return value  # nothing C could call: CPython's TypeError when it tries (`__len__ = 42`)
    if kind is classmethod or kind is staticmethod:
        parts: tuple[Any, ...] = (value.__func__,)
    elif kind is property:
        parts = tuple(part for part in (value.fget, value.fset, value.fdel) if part is not None)
    else:
        parts = (value,)
    if not parts or not all(_program_function(part) for part in parts):
        raise PolicyError(
            f"{name} must be a function defined in your code (def or lambda), not "
            f"{getattr(value, '__name__', type(value).__name__)!r}: host code calls it"
        )
    if name in SIZE_METHODS:
        if kind is property:
            raise PolicyError(f"{name} must be a function defined in your code, not a property")
        function = parts[0]

        def sized(*args: Any, **kwargs: Any) -> Any:
            return check_length(function(*args, **kwargs), name)

        sized.__name__ = sized.__qualname__ = name
        return kind(sized) if kind is classmethod or kind is staticmethod else sized
    return value


def check_length(length: Any, what: str) -> Any:
    """A length a program's object reports, when it fits `MAX_ITEMS` (see `special_method`)."""
    counted(length, what)  # C would ask a non-int's `__index__` again
    if isinstance(length, int) and int.__int__(length) > MAX_ITEMS:
        raise AllocationRefused(
            f"refused before running: {what} says {length} items (limit {MAX_ITEMS}); C code "
            "would allocate a slot for each"
        )
    return length


# What a metaclass of the program may not define: classes are keys of process-wide caches (ABC
# caches, `typing`'s, `re`'s) that the host and later runs look up; a class that hashes as
# `int` and compares by the program's `__eq__` would run the program's code in those lookups,
# after its run is over. Classes compare and hash by identity.
METACLASS_FORBIDDEN = frozenset({"__eq__", "__ne__", "__hash__"})


def checked_namespace(bases: tuple[Any, ...], namespace: Any) -> Any:
    """The namespace of a class about to be made, checked before the class exists (no code of
    the program, an `__init_subclass__` say, can hold the class before the check): exact `str`
    keys; what a class body may bind and no more, by whichever route the class is made (`type()`,
    a metaclass, `make_dataclass`): no `__del__`-style hooks, guard names or host dunders
    (`__class__`, `__getattribute__`, `__setattr__`, `__traceback__`: a class statement cannot
    bind them, and host code that reads them, `isinstance` included, would run the program's
    code); no private name that the code of a host base class uses (`class Q(asyncio.Queue)`
    defining `_loop` as a property, or overriding `_wakeup_next`, would be handed what the host's
    own code passes them); class hooks host code calls (`CLASS_HOOKS`) wrapped."""
    host_names: set[str] = set()
    base_mro = tuple(
        klass for base in bases if isinstance(base, type) for klass in class_mro(base)
    ) or (object,)
    for base in bases:
        for klass in class_mro(base) if isinstance(base, type) else ():
            if not owned_class(klass) and _TYPE_MODULE.__get__(klass) not in _PLAIN_BASE_MODULES:
                host_names |= _host_code_names(klass)
    # Read once, from the dict's own storage: a program mapping (its `__prepare__`'s, or one
    # passed to `type()`) could show the check one set of keys and the class another.
    items = list(dict.items(namespace) if isinstance(namespace, dict) else dict(namespace).items())
    kept = type(namespace) is _ENUM_DICT  # enum's own namespace, which its metaclass needs
    checked = {}
    metaclass = any(isinstance(base, type) and issubclass(base, type) for base in bases)
    for key, value in items:
        name = key
        if isinstance(key, str):
            name = str.__str__(key)
            kept = kept and type(key) is str
            if is_reserved(name) or name in FORBIDDEN_DEFINITIONS or name in HOST_DUNDERS:
                raise PolicyError(f"a class may not define {name!r}")
            if name[:1] == "_" and name[1:2] != "_" and name in host_names:
                raise PolicyError(
                    f"a class may not define {name!r}: the code of a host base class uses it"
                )
            if metaclass and name in METACLASS_FORBIDDEN:
                raise PolicyError(
                    f"a metaclass may not define {name!r}: classes compare by identity"
                )
            if name in CLASS_HOOKS:
                value = _class_hook(name, value)
                if kept:
                    dict.__setitem__(namespace, key, value)
            elif name in SPECIAL_METHODS:
                checked_value = special_method(name, value, base_mro)
                if checked_value is not value:
                    value = checked_value
                    if kept:
                        dict.__setitem__(namespace, key, value)
        checked[name] = value
    return namespace if kept else checked


_ENUM_DICT = type(enum.EnumType.__prepare__("E", (enum.Enum,)))


def _class_hook(name: str, value: Any) -> Any:
    """`value`, a class hook (`CLASS_HOOKS`) of the program, made to receive the classes host
    code passes it as model code may hold them. Only a function can be wrapped (a property or
    a callable object could hand back anything at each lookup)."""
    kind = type(value)
    function = value.__func__ if kind is classmethod or kind is staticmethod else value
    if type(function) is not types.FunctionType:
        raise PolicyError(f"{name} must be a function (or a classmethod or staticmethod of one)")

    def hook(*args: Any) -> Any:
        return function(*_types.visible_classes(args))

    hook.__name__ = hook.__qualname__ = name
    return kind(hook) if kind is classmethod or kind is staticmethod else hook


class _CheckedMetaclass:
    """Stands in for a class statement's metaclass so that its namespace is checked after the
    body ran and before the metaclass makes the class. A metaclass of the program sees the
    bases as model code may hold them (`bytes`, `type` as their stand-ins, which its
    `super().__new__` turns back into the real classes)."""

    __slots__ = ("meta", "orig_bases")

    def __init__(self, meta: Any, orig_bases: tuple[Any, ...] | None) -> None:
        self.meta = meta
        self.orig_bases = orig_bases  # what the class statement wrote, when `__mro_entries__` ran

    def _bases(self, bases: tuple[Any, ...]) -> tuple[Any, ...]:
        # a host metaclass gets the real bases it needs; the program's own (a class, or a
        # function given as `metaclass=`) gets them as it may hold them
        meta = self.meta
        host = isinstance(meta, type) and not owned_class(meta)
        return bases if host else _types.visible_classes(bases)

    def __prepare__(self, name: str, bases: tuple[Any, ...], **kwargs: Any) -> Any:
        prepare = getattr(self.meta, "__prepare__", None)
        return prepare(name, self._bases(bases), **kwargs) if prepare is not None else {}

    def __call__(self, name: str, bases: tuple[Any, ...], namespace: Any, **kwargs: Any) -> Any:
        if self.orig_bases is not None:
            namespace["__orig_bases__"] = self.orig_bases  # as `__build_class__` would set it
        checked = checked_namespace(bases, namespace)
        return self.meta(name, self._bases(bases), checked, **kwargs)


def _resolve_bases(bases: tuple[Any, ...]) -> tuple[Any, ...]:
    """`types.resolve_bases`: each base's `__mro_entries__` is handed the bases as the class
    statement wrote them (what model code holds), not the real classes behind stand-ins."""
    resolved: list[Any] = []
    for base in bases:
        entries = None if isinstance(base, type) else getattr(base, "__mro_entries__", None)
        if entries is None:
            resolved.append(base)
            continue
        new = entries(bases)
        if not isinstance(new, tuple):
            raise TypeError("__mro_entries__ must return a tuple")
        resolved.extend(new)
    return tuple(resolved)


def _winner(meta: Any, bases: tuple[Any, ...]) -> Any:
    """The metaclass CPython would use: the most derived of `meta` and the bases' own."""
    if not isinstance(meta, type):
        return meta  # a function as metaclass: CPython calls it as it is
    for base in bases:
        candidate = type(base)
        if issubclass(meta, candidate):
            continue
        if issubclass(candidate, meta):
            meta = candidate
            continue
        raise TypeError(
            "metaclass conflict: the metaclass of a derived class must be a (non-strict) "
            "subclass of the metaclasses of all its bases"
        )
    return meta


def build_class(func: Callable[..., Any], name: str, *bases: Any, **kwargs: Any) -> Any:
    """`__build_class__` for `class` statements: the bases resolved as model code holds them,
    the namespace checked before the class is made, and the class marked as the program's."""
    resolved = _resolve_bases(bases)
    orig_bases = bases if resolved != bases else None
    real = _types.real_bases(resolved)
    # the winner among the bases a class statement really gets, as CPython picks it
    meta = _winner(_types.real_class(kwargs.pop("metaclass", type)), real)
    checked = _CheckedMetaclass(meta, orig_bases)
    return _mark(builtins.__build_class__(func, name, *real, metaclass=checked, **kwargs))


def make_class(name: Any, bases: Any, namespace: Any, **kwargs: Any) -> Any:
    """`type(name, bases, namespace)`: a program class like one from a `class` statement."""
    if not isinstance(bases, tuple) or not isinstance(namespace, dict):
        return type(name, bases, namespace, **kwargs)  # the TypeError CPython gives
    bases = _types.real_bases(bases)
    return _mark(type(name, bases, program_namespace(bases, namespace), **kwargs))


def program_namespace(bases: tuple[Any, ...], namespace: Any) -> dict[str, Any]:
    """`checked_namespace` for a class made by a call (`type(name, bases, ns)`), which takes
    its `__module__` from the caller's frame: the program's, as for a class statement, not the
    facade's that made the call."""
    checked = checked_namespace(bases, namespace)
    if checked is not namespace and "__module__" not in checked:
        checked["__module__"] = PROGRAM_MODULE  # a copy of the program's mapping, ours to set
    return checked  # type: ignore[no-any-return]


def _owned_only(function: Callable[..., Any], what: str) -> Callable[..., Any]:
    """A decorator from the standard library that changes the object it is given, made to
    refuse objects the program did not make (`dataclass(json.JSONEncoder)` would rewrite the
    host's class)."""

    @functools.wraps(function)
    def guarded(target: Any, /, *args: Any, **kwargs: Any) -> Any:
        if not owned(target):
            raise PolicyError(f"{what} can only be applied to classes and functions of the program")
        return function(target, *args, **kwargs)

    return guarded


from . import _types  # noqa: E402  (`_types` uses this module's ownership test)
