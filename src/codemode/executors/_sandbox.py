"""The run-time half of the policy: guards, builtins and module facades for model code.

The names inserted by `_policy.Transformer` (`_cm_tick_`, `_cm_mul_`, ...) resolve to the functions
here. Stateless guards are shared by every execution; what belongs to one execution (its deadline,
its tasks, its print output) is reached through `Execution`, found via a context variable where a
shared function needs it.
"""

from __future__ import annotations

import _string  # type: ignore[import-not-found]  # CPython's format-field parser
import abc
import asyncio
import builtins
import contextvars
import functools
import importlib
import itertools
import math
import operator
import os
import random
import re
import string
import sys
import time
import types
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from RestrictedPython.Guards import safe_builtins

from .._errors import ToolArgumentError, ToolError
from .._program import FILENAME
from . import _policy as policy
from ._policy import (
    FORBIDDEN_ATTRIBUTES,
    GUARD_PREFIX,
    check_attribute,
    format_spec_width,
    percent_width,
)

# Sizes past which a single operation is refused before it runs.
MAX_ITEMS = 10_000_000  # characters of a string, items of a list
MAX_INT_BITS = 1 << 22  # about 1.3 million decimal digits
BIG_RANGE = 100_000  # ranges longer than this iterate in checked chunks
CHUNK = 4096

MAX_MEMORY_GROWTH = 1 << 30  # bytes a single range iteration may add to the process

OWNER_MARK = GUARD_PREFIX + "owner_"


def resident_memory() -> int:
    """The process's resident set size in bytes (0 where /proc is not available)."""
    try:
        with open("/proc/self/statm", "rb") as statm:
            return int(statm.read().split()[1]) * _PAGE
    except (OSError, ValueError, IndexError):
        return 0


_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


class PolicyError(Exception):
    """Model code tried something the policy forbids."""


class ImportPolicyError(PolicyError, ImportError):
    """An import of a module that is not allowed (catchable as ImportError)."""


class AllocationRefused(MemoryError):
    """A single operation would build an object past the size limits."""


class Timeout(BaseException):
    """The execution's deadline passed. Not an Exception, so `except Exception` cannot keep it;
    every `except` and `finally` in model code re-raises it on entry."""


# -- the current execution ----------------------------------------------------------------------


class Execution:
    """What one execution's guards share: the deadline flag, spawned tasks, the namespace."""

    __slots__ = (
        "__weakref__",
        "cancelled",
        "dead",
        "deadline",
        "expired",
        "globals",
        "modules",
        "tasks",
        "waker",
    )

    def __init__(self, deadline: float | None = None) -> None:
        self.deadline = deadline  # time.monotonic() value, or None for no limit
        self.expired = False
        self.cancelled = False
        self.modules: dict[str, ModuleFacade] = {}
        self.dead = False
        self.globals: dict[str, Any] = {}
        self.tasks: set[asyncio.Task[Any]] = set()
        # the loop and the task the watchdog wakes at the deadline, until the execution is over
        self.waker: tuple[asyncio.AbstractEventLoop, asyncio.Task[Any] | None] | None = None

    def expire(self) -> None:
        """The deadline passed: from now on every check in model code raises `Timeout`."""
        self.expired = True
        self.globals[TICK_NAME] = _raise_timeout

    def kill(self) -> None:
        """The execution is over: leftover model code (a paused generator) stops at its next check."""
        self.dead = True
        self.globals[TICK_NAME] = _raise_timeout

    def spawn(self, awaitable: Any) -> asyncio.Future[Any]:
        future: asyncio.Future[Any] = asyncio.ensure_future(awaitable)
        if isinstance(future, asyncio.Task):
            self.tasks.add(future)
        return future


CURRENT: contextvars.ContextVar[Execution] = contextvars.ContextVar("codemode_execution")
TICK_NAME = GUARD_PREFIX + "tick_"


def _raise_timeout() -> None:
    raise Timeout()


def _quiet_unraisable(previous: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """A leftover generator of a finished execution is closed when it is garbage collected; its
    `finally` then stops at the first check, raising `Timeout` where nobody can catch it. That
    is the policy working, not an error worth printing on the host's stderr."""

    def hook(unraisable: Any) -> None:
        if not isinstance(unraisable.exc_value, Timeout):
            previous(unraisable)

    hook.codemode = True  # type: ignore[attr-defined]
    return hook


def install_unraisable_filter() -> None:
    if not getattr(sys.unraisablehook, "codemode", False):
        sys.unraisablehook = _quiet_unraisable(sys.unraisablehook)


def current() -> Execution:
    return CURRENT.get()


# -- ownership: what the program made may change ----------------------------------------------


def owned(obj: Any) -> bool:
    """True for objects of classes defined in model code, those classes, and its functions."""
    if getattr(type(obj), OWNER_MARK, False):
        return True
    if isinstance(obj, type):
        return bool(getattr(obj, OWNER_MARK, False))
    if type(obj) is types.FunctionType:
        return obj.__code__.co_filename == FILENAME
    return False


def build_class(func: Callable[..., Any], name: str, *bases: Any, **kwargs: Any) -> Any:
    cls = builtins.__build_class__(func, name, *bases, **kwargs)
    if isinstance(cls, type):
        type.__setattr__(cls, OWNER_MARK, True)
    return cls


def write_guard(obj: Any, name: str) -> Any:
    if owned(obj):
        return obj
    raise PolicyError(
        f"cannot change attribute {name!r} of a {type(obj).__name__} object: only objects of "
        "classes defined in your code can be changed"
    )


def init_guard(obj: Any) -> Any:
    """`obj.__init__`, for `super()`, the program's own objects and builtin types only."""
    if type(obj) is super or owned(obj) or (isinstance(obj, type) and obj.__module__ == "builtins"):
        return obj.__init__
    raise PolicyError(
        f"calling __init__ of a {type(obj).__name__} object the program did not make is not allowed"
    )


def private_guard(obj: Any, name: str) -> Any:
    if owned(obj):
        return getattr(obj, name)
    raise PolicyError(
        f"access to private attribute {name!r} of a {type(obj).__name__} object is not allowed"
    )


# -- operators --------------------------------------------------------------------------------

_SEQUENCES = (str, bytes, bytearray, list, tuple)


def _refuse(what: str) -> AllocationRefused:
    return AllocationRefused(f"refused before running: {what}")


def _check_repeat(seq: Any, times: Any) -> None:
    if isinstance(times, int) and times > 0 and len(seq) * times > MAX_ITEMS:
        kind = type(seq).__name__
        raise _refuse(
            f"{kind} * {times} would make a {kind} of {len(seq) * times} items (limit {MAX_ITEMS})"
        )


def _check_mul(a: Any, b: Any) -> None:
    if isinstance(a, int) and isinstance(b, int):
        if a.bit_length() + b.bit_length() > MAX_INT_BITS:
            raise _refuse(f"multiplying integers of {a.bit_length()} and {b.bit_length()} bits")
    elif isinstance(a, _SEQUENCES):
        _check_repeat(a, b)
    elif isinstance(b, _SEQUENCES):
        _check_repeat(b, a)


def mul_guard(a: Any, b: Any) -> Any:
    if type(a) is float or type(b) is float:
        return a * b
    _check_mul(a, b)
    return a * b


def _check_pow(a: Any, b: Any) -> None:
    if isinstance(b, int) and b > 64:
        if isinstance(a, int) and abs(a) > 1:
            bits = a.bit_length() * b
            if bits > MAX_INT_BITS:
                digits = int(bits * 0.30103)
                raise _refuse(f"{a} ** {b} would be a number of about {digits} digits")
        elif hasattr(a, "numerator") and hasattr(a, "denominator") and not isinstance(a, float):
            bits = (int(a.numerator).bit_length() + int(a.denominator).bit_length()) * b
            if bits > MAX_INT_BITS:
                raise _refuse(f"raising a fraction to the power {b}")


def pow_guard(a: Any, b: Any) -> Any:
    _check_pow(a, b)
    return a**b


def _check_lshift(a: Any, b: Any) -> None:
    if isinstance(a, int) and isinstance(b, int) and a and a.bit_length() + b > MAX_INT_BITS:
        raise _refuse(f"{a} << {b} would be a number of {a.bit_length() + b} bits")


def lshift_guard(a: Any, b: Any) -> Any:
    _check_lshift(a, b)
    return a << b


def _check_mod(a: Any, b: Any) -> None:
    if isinstance(a, str | bytes | bytearray):
        text = a if isinstance(a, str) else bytes(a).decode("latin-1")
        width = percent_width(text)
        if "*" in text:
            values = b if isinstance(b, tuple) else (b,)
            width = max([width, *(abs(v) for v in values if isinstance(v, int))])
        if width > MAX_ITEMS:
            raise _refuse(f"a %-format width of {width}")


def mod_guard(a: Any, b: Any) -> Any:
    _check_mod(a, b)
    return a % b


_OP_CHECKS: dict[str, Callable[[Any, Any], None]] = {
    "Mult": _check_mul,
    "Pow": _check_pow,
    "LShift": _check_lshift,
    "Mod": _check_mod,
}


def opcheck_guard(op: str, a: Any, b: Any) -> None:
    """The size check alone, for `obj.attr *= n` and `seq[i] **= n` (done in place after)."""
    _OP_CHECKS[op](a, b)


# -- formatting -------------------------------------------------------------------------------


class SafeFormatter(string.Formatter):
    """`str.format` that follows the attribute policy and bounds widths."""

    def get_field(self, field_name: str, args: Any, kwargs: Any) -> Any:
        first, rest = _string.formatter_field_name_split(field_name)
        obj = self.get_value(first, args, kwargs)
        for is_attr, key in rest:
            if is_attr:
                problem = check_attribute(key) or (
                    f"access to {key!r} is not allowed" if str(key).startswith("_") else None
                )
                if problem:
                    raise PolicyError(f"format field {field_name!r}: {problem}")
                obj = getattr(obj, key)
            else:
                obj = obj[key]
        return obj, first

    def format_field(self, value: Any, format_spec: str) -> Any:
        if format_spec_width(format_spec) > MAX_ITEMS:
            raise _refuse(f"a format width in {format_spec!r}")
        return format(value, format_spec)


_SAFE_FORMATTER = SafeFormatter()


def safe_format(template: str, /, *args: Any, **kwargs: Any) -> str:
    return _SAFE_FORMATTER.vformat(template, args, kwargs)


def safe_format_map(template: str, mapping: Mapping[str, Any], /) -> str:
    return _SAFE_FORMATTER.vformat(template, (), mapping)


def format_guard(value: Any, conversion: int, spec: str) -> str:
    if conversion == ord("r"):
        value = repr(value)
    elif conversion == ord("s"):
        value = str(value)
    elif conversion == ord("a"):
        value = ascii(value)
    if format_spec_width(spec) > MAX_ITEMS:
        raise _refuse(f"a format width in {spec!r}")
    return format(value, spec)


def format_builtin(value: Any, spec: str = "") -> str:
    return format_guard(value, -1, spec)


# -- string methods that can build huge strings -----------------------------------------------


def _check_width(width: Any, what: str) -> None:
    if isinstance(width, int) and width > MAX_ITEMS:
        raise _refuse(f"{what}({width}) would make {width} characters (limit {MAX_ITEMS})")


def _join(sep: Any, iterable: Iterable[Any]) -> Any:
    parts = list(iterable)
    total = len(sep) * max(len(parts) - 1, 0)
    for part in parts:
        if isinstance(part, str | bytes | bytearray):
            total += len(part)
    if total > MAX_ITEMS:
        raise _refuse(f"join would make {total} characters (limit {MAX_ITEMS})")
    return sep.join(parts)


def _replace(text: Any, old: Any, new: Any, count: int = -1) -> Any:
    if isinstance(old, str | bytes | bytearray) and isinstance(new, str | bytes | bytearray):
        hits = text.count(old) if old else len(text) + 1
        if count >= 0:
            hits = min(hits, count)
        size = len(text) + hits * (len(new) - len(old))
        if size > MAX_ITEMS:
            raise _refuse(f"replace would make {size} characters (limit {MAX_ITEMS})")
    return text.replace(old, new, count)


def _expandtabs(text: Any, tabsize: int = 8) -> Any:
    if isinstance(tabsize, int):
        _check_width(
            len(text) + text.count("\t" if isinstance(text, str) else b"\t") * tabsize, "expandtabs"
        )
    return text.expandtabs(tabsize)


def _padder(method: str) -> Callable[..., Any]:
    def pad(text: Any, width: Any, *fill: Any) -> Any:
        _check_width(width, method)
        return getattr(text, method)(width, *fill)

    pad.__name__ = method
    return pad


def _to_bytes(number: int, length: int = 1, *args: Any, **kwargs: Any) -> bytes:
    _check_width(length, "to_bytes")
    result: bytes = number.to_bytes(length, *args, **kwargs)
    return result


_TEXT_METHODS: dict[str, Callable[..., Any]] = {
    "format": safe_format,
    "format_map": safe_format_map,
    "join": _join,
    "replace": _replace,
    "expandtabs": _expandtabs,
    "zfill": _padder("zfill"),
    "ljust": _padder("ljust"),
    "rjust": _padder("rjust"),
    "center": _padder("center"),
}


def attr_guard(obj: Any, name: str) -> Any:
    """Read `obj.name` where `name` is one of the methods that can build huge strings."""
    if isinstance(obj, str | bytes | bytearray):
        method = _TEXT_METHODS.get(name)
        if method is not None:
            if name in ("format", "format_map") and not isinstance(obj, str):
                return getattr(obj, name)
            return functools.partial(method, obj)
    elif obj is str or obj is bytes or obj is bytearray:
        method = _TEXT_METHODS.get(name)
        if method is not None:
            return method
    elif isinstance(obj, int) and name == "to_bytes":
        return functools.partial(_to_bytes, obj)
    elif obj is int and name == "to_bytes":
        return _to_bytes
    elif name == "re" and type(obj) is _REGEX_MATCH:
        match: Any = obj  # the pattern behind a match keeps the deadline too
        return Pattern(match.re)
    elif name == "register" and isinstance(obj, abc.ABCMeta) and not owned(obj):
        # `collections.abc.Sequence.register(dict)` would change isinstance() for the host.
        raise PolicyError(f"cannot register classes with {obj.__name__}: it belongs to the host")
    return getattr(obj, name)


# -- builtins ---------------------------------------------------------------------------------


def sum_builtin(iterable: Iterable[Any], /, start: Any = 0) -> Any:
    if start == 0 and type(start) is int:
        return sum(iterable)
    if isinstance(start, str | bytes | bytearray | list | tuple):
        # Adding sequences copies the growing result at every step: refuse the quadratic case.
        items = list(iterable)
        total = len(start) + sum(len(x) for x in items if isinstance(x, _SEQUENCES))
        if total > MAX_ITEMS or total * len(items) > 100 * MAX_ITEMS:
            raise _refuse(
                f"sum() of {len(items)} sequences ({total} items); use itertools.chain or "
                "list.extend instead"
            )
        return sum(items, start)
    return sum(iterable, start)


def dir_builtin(*args: Any) -> list[str]:
    if len(args) != 1:
        raise PolicyError("dir() needs an object: dir(x)")
    return [name for name in dir(args[0]) if not name.startswith(GUARD_PREFIX)]


def _check_getattr_name(name: Any) -> str:
    if not isinstance(name, str):
        raise TypeError("attribute name must be a string")
    normal = unicodedata.normalize("NFKC", name)
    problem = check_attribute(normal) or (
        f"access to {name!r} is not allowed" if normal.startswith(GUARD_PREFIX) else None
    )
    if problem:
        raise PolicyError(problem)
    return name


_MISSING = object()


def getattr_builtin(obj: Any, name: str, default: Any = _MISSING) -> Any:
    _check_getattr_name(name)
    try:
        if name == "__init__":
            return init_guard(obj)
        if name.startswith("_") and not name.startswith("__"):
            return private_guard(obj, name)
        if name in policy.GUARDED_METHODS:  # the same routing as `obj.name` in model code
            return attr_guard(obj, name)
        return getattr(obj, name)
    except AttributeError:
        if default is _MISSING:
            raise
        return default


def hasattr_builtin(obj: Any, name: str) -> bool:
    try:
        getattr_builtin(obj, name)
    except (AttributeError, PolicyError):
        return False
    return True


def setattr_builtin(obj: Any, name: str, value: Any) -> None:
    _check_getattr_name(name)
    setattr(write_guard(obj, name), name, value)


def delattr_builtin(obj: Any, name: str) -> None:
    _check_getattr_name(name)
    delattr(write_guard(obj, name), name)


def pow_builtin(base: Any, exp: Any, mod: Any = None) -> Any:
    if mod is None:
        return pow_guard(base, exp)
    return pow(base, exp, mod)


def range_builtin(*args: Any) -> Any:
    r = range(*args)
    try:
        size = len(r)
    except OverflowError:
        size = BIG_RANGE + 1
    if size <= BIG_RANGE:
        return r
    return BigRange(r, CURRENT.get(None))


class BigRange:
    """A range too long to iterate unchecked: it iterates in chunks, checking the deadline
    between chunks, at C speed inside each."""

    __slots__ = ("_execution", "_range")

    def __init__(self, r: range, execution: Execution | None) -> None:
        self._range = r
        self._execution = execution

    def __iter__(self) -> Iterator[int]:
        return itertools.chain.from_iterable(self._chunks(self._range))

    def __reversed__(self) -> Iterator[int]:
        return itertools.chain.from_iterable(self._chunks(self._range[::-1]))

    def _chunks(self, r: range) -> Iterator[range]:
        execution = self._execution
        size = _range_size(r)
        baseline = resident_memory()
        for number, start in enumerate(range(0, size, CHUNK)):
            if execution is not None and execution.expired:
                raise Timeout()
            if number % 64 == 63 and resident_memory() - baseline > MAX_MEMORY_GROWTH:
                # Something is keeping every item (`list(range(10**10))`).
                raise _refuse(
                    f"iterating {r!r} grew memory by more than {MAX_MEMORY_GROWTH >> 20} MB"
                )
            yield r[start : start + CHUNK]

    def __len__(self) -> int:
        return len(self._range)

    def __getitem__(self, index: Any) -> Any:
        return self._range[index]

    def __contains__(self, value: Any) -> bool:
        return value in self._range

    def __eq__(self, other: Any) -> bool:
        return self._range == (other._range if isinstance(other, BigRange) else other)

    def __hash__(self) -> int:
        return hash(self._range)

    def __repr__(self) -> str:
        return repr(self._range)

    @property
    def start(self) -> int:
        return self._range.start

    @property
    def stop(self) -> int:
        return self._range.stop

    @property
    def step(self) -> int:
        return self._range.step

    def index(self, value: int) -> int:
        return self._range.index(value)

    def count(self, value: int) -> int:
        return self._range.count(value)


def _range_size(r: range) -> int:
    if r.step > 0:
        return max(0, (r.stop - r.start + r.step - 1) // r.step)
    return max(0, (r.start - r.stop - r.step - 1) // -r.step)


def checked(iterator: Iterable[Any]) -> Iterator[Any]:
    """Iterate a possibly endless or huge C iterator with deadline checks every few items."""
    execution = CURRENT.get(None)
    it = iter(iterator)

    def chunks() -> Iterator[tuple[Any, ...]]:
        baseline = resident_memory()
        for number in itertools.count():
            if execution is not None and execution.expired:
                raise Timeout()
            if number % 256 == 255 and resident_memory() - baseline > MAX_MEMORY_GROWTH:
                raise _refuse(f"iterating grew memory by more than {MAX_MEMORY_GROWTH >> 20} MB")
            chunk = tuple(itertools.islice(it, 256))
            if not chunk:
                return
            yield chunk

    return itertools.chain.from_iterable(chunks())


def iter_builtin(obj: Any, *sentinel: Any) -> Iterator[Any]:
    if sentinel:
        return _call_until(obj, sentinel[0], CURRENT.get(None))
    return iter(obj)


def _call_until(fn: Callable[[], Any], sentinel: Any, execution: Execution | None) -> Iterator[Any]:
    while True:
        if execution is not None and execution.expired:
            raise Timeout()
        value = fn()
        if value == sentinel:
            return
        yield value


class _GuardedType(type):
    """A stand-in for `bytes`/`bytearray` that checks sizes; isinstance still works."""

    _real: type

    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        if args and isinstance(args[0], int) and not isinstance(args[0], bool):
            _check_width(args[0], cls._real.__name__)
        return cls._real(*args, **kwargs)

    def __instancecheck__(cls, obj: Any) -> bool:
        return isinstance(obj, cls._real)

    def __subclasscheck__(cls, sub: Any) -> bool:
        return issubclass(sub, cls._real)

    def __getattr__(cls, name: str) -> Any:
        return attr_guard(cls._real, name) if name in _TEXT_METHODS else getattr(cls._real, name)

    def __repr__(cls) -> str:
        return repr(cls._real)


def _guarded_type(real: type) -> type:
    return _GuardedType(real.__name__, (), {"_real": real})


def _unavailable(name: str, hint: str) -> Callable[..., Any]:
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise PolicyError(f"{name}() is not available in codemode: {hint}")

    refuse.__name__ = name
    return refuse


def base_builtins() -> dict[str, Any]:
    """The builtins shared by every execution (copied per execution, which adds its own
    `print` and `__import__`)."""
    names = {
        name: value
        for name, value in safe_builtins.items()
        if not name.startswith("_") and name not in ("setattr", "delattr")
    }
    extra = [
        "dict",
        "list",
        "set",
        "frozenset",
        "enumerate",
        "map",
        "filter",
        "sum",
        "min",
        "max",
        "any",
        "all",
        "reversed",
        "next",
        "zip",
        "sorted",
        "abs",
        "round",
        "divmod",
        "len",
        "repr",
        "ascii",
        "chr",
        "ord",
        "bin",
        "hex",
        "oct",
        "int",
        "float",
        "complex",
        "bool",
        "str",
        "tuple",
        "slice",
        "isinstance",
        "issubclass",
        "callable",
        "hash",
        "id",
        "iter",
        "super",
        "object",
        "type",
        "property",
        "classmethod",
        "staticmethod",
        "aiter",
        "anext",
        "memoryview",
        "NotImplemented",
        "Ellipsis",
        "StopAsyncIteration",
        "ExceptionGroup",
        "BaseExceptionGroup",
        "RecursionError",
        "TimeoutError",
        "ConnectionError",
        "ModuleNotFoundError",
        "UnicodeError",
        "EncodingWarning",
    ]
    for name in extra:
        names[name] = getattr(builtins, name)
    names.update(
        getattr=getattr_builtin,
        dir=dir_builtin,
        sum=sum_builtin,
        hasattr=hasattr_builtin,
        setattr=setattr_builtin,
        delattr=delattr_builtin,
        pow=pow_builtin,
        range=range_builtin,
        iter=iter_builtin,
        format=format_builtin,
        bytes=_guarded_type(bytes),
        bytearray=_guarded_type(bytearray),
        ToolError=ToolError,
        ToolArgumentError=ToolArgumentError,
        open=_unavailable("open", "there is no file system; use the tools"),
        input=_unavailable("input", "there is no user to ask; return what you need"),
        **{
            name: _unavailable(name, "code cannot run or inspect other code")
            for name in ("eval", "exec", "compile", "globals", "locals", "vars", "breakpoint")
        },
        help=_unavailable("help", "the stubs in the prompt document the tools"),
        exit=_unavailable("exit", "return from main() to finish"),
        quit=_unavailable("quit", "return from main() to finish"),
        __build_class__=build_class,
    )
    names["__name__"] = "builtins"
    return names


GUARDS: dict[str, Any] = {
    policy.WRITE: write_guard,
    policy.PRIVATE: private_guard,
    policy.ATTR: attr_guard,
    policy.FORMAT: format_guard,
    policy.OPCHECK: opcheck_guard,
    policy.INIT: init_guard,
    policy.BINOP_GUARDS["Mult"]: mul_guard,
    policy.BINOP_GUARDS["Pow"]: pow_guard,
    policy.BINOP_GUARDS["LShift"]: lshift_guard,
    policy.BINOP_GUARDS["Mod"]: mod_guard,
}


# -- module facades ---------------------------------------------------------------------------


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


DEFAULT_MODULES = (
    "asyncio",
    "base64",
    "bisect",
    "cmath",
    "collections",
    "copy",
    "dataclasses",
    "datetime",
    "decimal",
    "enum",
    "fractions",
    "functools",
    "hashlib",
    "heapq",
    "itertools",
    "json",
    "math",
    "operator",
    "random",
    "re",
    "statistics",
    "string",
    "textwrap",
    "time",
    "typing",
    "unicodedata",
    "uuid",
)

# Members left out of otherwise public modules, and why.
_EXCLUDED: dict[str, frozenset[str]] = {
    # host-wide state, or C loops that ignore the deadline
    "decimal": frozenset(
        {
            "getcontext",
            "setcontext",
            "localcontext",
            "Context",
            "DefaultContext",
            "BasicContext",
            "ExtendedContext",
        }
    ),
    "hashlib": frozenset({"pbkdf2_hmac", "scrypt", "file_digest", "shake_128", "shake_256"}),
    "string": frozenset({"Formatter"}),
    # get_type_hints evaluates strings as code; clear_overloads empties a host-wide registry
    "typing": frozenset({"get_type_hints", "clear_overloads"}),
    "uuid": frozenset({"uuid1", "getnode"}),
    "time": frozenset(
        {
            "sleep",
            "thread_time",
            "thread_time_ns",
            "pthread_getcpuclockid",
            "clock_settime",
            "clock_settime_ns",
            "tzset",
        }
    ),
    "re": frozenset({"template", "TEMPLATE", "T", "LOCALE", "L"}),
    "functools": frozenset({"singledispatchmethod"}),
}


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


def _guarded_math() -> dict[str, Any]:
    members = _public_members(math, frozenset())

    def factorial(n: int) -> int:
        if isinstance(n, int) and n > 100_000:
            raise _refuse(f"factorial({n})")
        return math.factorial(n)

    def comb(n: int, k: int) -> int:
        if isinstance(n, int) and n > 1_000_000:
            raise _refuse(f"comb({n}, {k})")
        return math.comb(n, k)

    def perm(n: int, k: int | None = None) -> int:
        if isinstance(n, int) and n > 1_000_000:
            raise _refuse(f"perm({n}, {k})")
        return math.perm(n, k)

    def prod(iterable: Iterable[Any], /, *, start: Any = 1) -> Any:
        items = list(iterable)
        bits = sum(x.bit_length() for x in items if isinstance(x, int))
        if isinstance(start, int):
            bits += start.bit_length()
        if bits > MAX_INT_BITS:
            raise _refuse(f"prod() of integers totalling {bits} bits")
        return math.prod(items, start=start)

    members.update(factorial=factorial, comb=comb, perm=perm, prod=prod)
    return members


def _guarded_itertools() -> dict[str, Any]:
    members = _public_members(itertools, frozenset())

    def wrap(name: str) -> Callable[..., Iterator[Any]]:
        real = getattr(itertools, name)

        @functools.wraps(real)
        def guarded(*args: Any, **kwargs: Any) -> Iterator[Any]:
            return checked(real(*args, **kwargs))

        return guarded

    for name in (
        "count",
        "cycle",
        "repeat",
        "product",
        "permutations",
        "combinations",
        "combinations_with_replacement",
    ):
        members[name] = wrap(name)
    return members


def _guarded_operator() -> dict[str, Any]:
    members = _public_members(operator, frozenset())

    def attrgetter(*names: str) -> Callable[[Any], Any]:
        for name in names:
            for part in name.split("."):
                _check_getattr_name(part)
                if part.startswith("_"):
                    raise PolicyError(f"access to {part!r} is not allowed")
        return operator.attrgetter(*names)

    def methodcaller(name: str, *args: Any, **kwargs: Any) -> Callable[[Any], Any]:
        _check_getattr_name(name)
        if name.startswith("_"):
            raise PolicyError(f"access to {name!r} is not allowed")
        return lambda obj: getattr_builtin(obj, name)(*args, **kwargs)

    members.update(
        attrgetter=attrgetter,
        methodcaller=methodcaller,
        mul=mul_guard,
        imul=mul_guard,
        pow=pow_guard,
        ipow=pow_guard,
        lshift=lshift_guard,
        ilshift=lshift_guard,
        mod=mod_guard,
        imod=mod_guard,
    )
    return members


class _SafeRandom(random.Random):
    def getrandbits(self, k: int) -> int:
        if k > MAX_INT_BITS:
            raise _refuse(f"getrandbits({k})")
        bits: int = super().getrandbits(k)
        return bits

    def randbytes(self, n: int) -> bytes:
        _check_width(n, "randbytes")
        data: bytes = super().randbytes(n)
        return data


def _random_module() -> dict[str, Any]:
    """Each execution gets its own generator: `random.seed` must not touch the host's."""
    generator = _SafeRandom()
    members: dict[str, Any] = {}
    for name in random.__all__:
        if name in ("SystemRandom",):
            continue
        value = getattr(generator, name, None)
        if callable(value) and not isinstance(value, type):
            members[name] = value
    members["Random"] = _SafeRandom
    return members


def _time_module() -> dict[str, Any]:
    import time

    members = _public_members(time, _EXCLUDED["time"])
    members["sleep"] = _unavailable("time.sleep", "use `await asyncio.sleep(seconds)`")
    return members


class TaskHandle:
    """A task as model code sees it: awaitable, cancellable, no way to its event loop."""

    __slots__ = ("_cm_task_",)
    _cm_task_: asyncio.Future[Any]

    def __init__(self, task: asyncio.Future[Any]) -> None:
        object.__setattr__(self, "_cm_task_", task)

    def __await__(self) -> Any:
        return self._cm_task_.__await__()

    def done(self) -> bool:
        return bool(self._cm_task_.done())

    def cancelled(self) -> bool:
        return bool(self._cm_task_.cancelled())

    def cancel(self, msg: Any = None) -> bool:
        return bool(self._cm_task_.cancel(msg))

    def result(self) -> Any:
        return self._cm_task_.result()

    def exception(self) -> BaseException | None:
        error: BaseException | None = self._cm_task_.exception()
        return error

    def get_name(self) -> str:
        task = self._cm_task_
        return task.get_name() if isinstance(task, asyncio.Task) else ""

    def __repr__(self) -> str:
        state = "done" if self.done() else "pending"
        return f"<Task {self.get_name()} {state}>"

    def __setattr__(self, name: str, value: Any) -> None:
        raise PolicyError("tasks cannot be changed")


def _asyncio_module() -> dict[str, Any]:
    def gather(*aws: Any, return_exceptions: bool = False) -> TaskHandle:
        execution = current()
        futures = [execution.spawn(_unwrap(aw)) for aw in aws]
        # The gathering future goes back behind a handle: awaitable, no way to its loop.
        return TaskHandle(asyncio.gather(*futures, return_exceptions=return_exceptions))

    def create_task(coro: Any, *, name: str | None = None) -> TaskHandle:
        task = current().spawn(coro)
        if name is not None and isinstance(task, asyncio.Task):
            task.set_name(name)
        return TaskHandle(task)

    def ensure_future(aw: Any) -> TaskHandle:
        return TaskHandle(current().spawn(_unwrap(aw)))

    async def wait_for(aw: Any, timeout: float | None) -> Any:
        return await asyncio.wait_for(current().spawn(_unwrap(aw)), timeout)

    def as_completed(aws: Iterable[Any], *, timeout: float | None = None) -> Iterator[Any]:
        execution = current()
        return asyncio.as_completed([execution.spawn(_unwrap(aw)) for aw in aws], timeout=timeout)

    class TaskGroup:
        """`asyncio.TaskGroup` whose tasks belong to the execution."""

        __slots__ = ("_cm_group_",)
        _cm_group_: asyncio.TaskGroup

        def __init__(self) -> None:
            object.__setattr__(self, "_cm_group_", asyncio.TaskGroup())

        async def __aenter__(self) -> TaskGroup:
            await self._cm_group_.__aenter__()
            return self

        async def __aexit__(self, *exc: Any) -> Any:
            return await self._cm_group_.__aexit__(*exc)

        def create_task(self, coro: Any, *, name: str | None = None) -> TaskHandle:
            task = self._cm_group_.create_task(coro, name=name)
            current().tasks.add(task)
            return TaskHandle(task)

    def run(*args: Any, **kwargs: Any) -> Any:
        raise PolicyError(
            "asyncio.run() is not needed: the event loop is already running; `await` instead"
        )

    members: dict[str, Any] = dict(
        gather=gather,
        create_task=create_task,
        ensure_future=ensure_future,
        wait_for=wait_for,
        as_completed=as_completed,
        TaskGroup=TaskGroup,
        run=run,
        sleep=asyncio.sleep,
        timeout=asyncio.timeout,
        Semaphore=asyncio.Semaphore,
        BoundedSemaphore=asyncio.BoundedSemaphore,
        Lock=asyncio.Lock,
        Event=asyncio.Event,
        Condition=asyncio.Condition,
        Queue=asyncio.Queue,
        LifoQueue=asyncio.LifoQueue,
        PriorityQueue=asyncio.PriorityQueue,
        QueueEmpty=asyncio.QueueEmpty,
        QueueFull=asyncio.QueueFull,
        CancelledError=asyncio.CancelledError,
        TimeoutError=asyncio.TimeoutError,
        InvalidStateError=asyncio.InvalidStateError,
        iscoroutine=asyncio.iscoroutine,
        iscoroutinefunction=asyncio.iscoroutinefunction,
    )
    return members


def _unwrap(aw: Any) -> Any:
    return object.__getattribute__(aw, "_cm_task_") if isinstance(aw, TaskHandle) else aw


def _remaining() -> float | None:
    execution = CURRENT.get(None)
    if execution is None or execution.deadline is None:
        return None
    return max(execution.deadline - time.monotonic(), 0.001)


def _regex_call(method: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    try:
        return method(*args, timeout=_remaining(), **kwargs)
    except TimeoutError:
        raise Timeout() from None


class Pattern:
    """A compiled pattern whose every match runs against the execution's deadline."""

    __slots__ = ("_cm_pattern_",)
    _cm_pattern_: Any

    def __init__(self, compiled: Any) -> None:
        object.__setattr__(self, "_cm_pattern_", compiled)

    def __setattr__(self, name: str, value: Any) -> None:
        raise PolicyError("patterns cannot be changed")

    pattern = property(lambda self: self._cm_pattern_.pattern)
    flags = property(lambda self: self._cm_pattern_.flags)
    groups = property(lambda self: self._cm_pattern_.groups)
    groupindex = property(lambda self: self._cm_pattern_.groupindex)

    def search(self, string: Any, *args: Any) -> Any:
        return _regex_call(self._cm_pattern_.search, string, *args)

    def match(self, string: Any, *args: Any) -> Any:
        return _regex_call(self._cm_pattern_.match, string, *args)

    def fullmatch(self, string: Any, *args: Any) -> Any:
        return _regex_call(self._cm_pattern_.fullmatch, string, *args)

    def findall(self, string: Any, *args: Any) -> Any:
        return _regex_call(self._cm_pattern_.findall, string, *args)

    def finditer(self, string: Any, *args: Any) -> Any:
        return iter(
            _regex_call(lambda *a, **k: list(self._cm_pattern_.finditer(*a, **k)), string, *args)
        )

    def split(self, string: Any, maxsplit: int = 0) -> Any:
        return _regex_call(self._cm_pattern_.split, string, maxsplit)

    def sub(self, repl: Any, string: Any, count: int = 0) -> Any:
        return _regex_call(self._cm_pattern_.sub, repl, string, count)

    def subn(self, repl: Any, string: Any, count: int = 0) -> Any:
        return _regex_call(self._cm_pattern_.subn, repl, string, count)

    def __repr__(self) -> str:
        return f"re.compile({self._cm_pattern_.pattern!r})"

    def __eq__(self, other: Any) -> bool:
        return isinstance(other, Pattern) and self._cm_pattern_ == other._cm_pattern_

    def __hash__(self) -> int:
        return hash(self._cm_pattern_)


def _regex_match_type() -> type:
    import regex

    return type(regex.match("", ""))


_REGEX_MATCH = _regex_match_type()


def _re_module() -> dict[str, Any]:
    """`re`, backed by the `regex` package so that no match can outrun the deadline (a
    catastrophic pattern in CPython's `re` holds the GIL until it is done)."""
    import regex

    def compile(pattern: Any, flags: int = 0) -> Pattern:
        if isinstance(pattern, Pattern):
            return pattern
        return Pattern(regex.compile(pattern, flags))

    def module_function(name: str) -> Callable[..., Any]:
        def call(pattern: Any, *args: Any, **kwargs: Any) -> Any:
            flags = kwargs.pop("flags", 0)
            return getattr(compile(pattern, flags), name)(*args, **kwargs)

        call.__name__ = name
        return call

    members = _public_members(re, _EXCLUDED["re"])
    members.update(
        {
            name: module_function(name)
            for name in (
                "search",
                "match",
                "fullmatch",
                "findall",
                "finditer",
                "split",
                "sub",
                "subn",
            )
        }
    )
    members.update(
        compile=compile, Pattern=Pattern, error=regex.error, escape=re.escape, purge=lambda: None
    )
    return members


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


def _dataclasses_module() -> dict[str, Any]:
    import dataclasses

    members = _public_members(dataclasses, frozenset())
    guarded = _owned_only(dataclasses.dataclass, "@dataclass")

    def dataclass(cls: Any = None, /, **kwargs: Any) -> Any:
        if cls is None:
            return lambda target: guarded(target, **kwargs)
        return guarded(cls, **kwargs)

    members["dataclass"] = dataclass
    return members


def _functools_module() -> dict[str, Any]:
    members = _public_members(functools, _EXCLUDED["functools"])
    update_wrapper = _owned_only(functools.update_wrapper, "update_wrapper")

    def wraps(wrapped: Any, *args: Any, **kwargs: Any) -> Callable[[Any], Any]:
        return lambda wrapper: update_wrapper(wrapper, wrapped, *args, **kwargs)

    members.update(
        update_wrapper=update_wrapper,
        wraps=wraps,
        total_ordering=_owned_only(functools.total_ordering, "@total_ordering"),
    )
    return members


def _typing_module() -> dict[str, Any]:
    import typing

    members = _public_members(typing, _EXCLUDED["typing"])
    for name in ("final", "runtime_checkable", "no_type_check", "overload"):
        members[name] = _owned_only(getattr(typing, name), f"@typing.{name}")

    def dataclass_transform(**kwargs: Any) -> Callable[[Any], Any]:
        return _owned_only(typing.dataclass_transform(**kwargs), "@dataclass_transform")

    members["dataclass_transform"] = dataclass_transform
    return members


def _enum_module() -> dict[str, Any]:
    import enum

    excluded = frozenset(
        name for name in dir(enum) if name.startswith("global_") or name == "pickle_by_global_name"
    )
    return _public_members(enum, excluded)


def _textwrap_module() -> dict[str, Any]:
    import textwrap

    class TextWrapper(textwrap.TextWrapper):
        # The class-level translation table is a dict the host's textwrap shares.
        unicode_whitespace_trans = types.MappingProxyType(  # type: ignore[assignment]
            dict(textwrap.TextWrapper.unicode_whitespace_trans)
        )

    members = _public_members(textwrap, frozenset())
    members["TextWrapper"] = TextWrapper
    return members


_SPECIAL: dict[str, Callable[[], dict[str, Any]]] = {
    "dataclasses": _dataclasses_module,
    "functools": _functools_module,
    "typing": _typing_module,
    "enum": _enum_module,
    "re": _re_module,
    "textwrap": _textwrap_module,
    "math": _guarded_math,
    "itertools": _guarded_itertools,
    "operator": _guarded_operator,
    "time": _time_module,
    "asyncio": _asyncio_module,
}

# Modules whose facade differs per execution.
PER_EXECUTION: dict[str, Callable[[], dict[str, Any]]] = {"random": _random_module}


@functools.cache
def shared_facade(name: str) -> ModuleFacade:
    """The facade of module `name`, built once and shared (it cannot be changed)."""
    builder = _SPECIAL.get(name)
    if builder is not None:
        members = builder()
    else:
        module = importlib.import_module(name)
        members = _public_members(module, _EXCLUDED.get(name, frozenset()))
    facade = ModuleFacade(name, members)
    if name == "collections":
        object.__setattr__(facade, "abc", shared_facade("collections.abc"))
    return facade


class Importer:
    """`__import__` for model code: allowed modules as facades, anything else refused.

    Shared by the executions of one executor; a module whose facade is per execution (`random`)
    is kept in the current execution's own cache.
    """

    __slots__ = ("allowed",)

    def __init__(self, allowed: frozenset[str]) -> None:
        self.allowed = allowed

    def __call__(
        self,
        name: str,
        globals: Any = None,
        locals: Any = None,
        fromlist: Any = (),
        level: int = 0,
    ) -> ModuleFacade:
        if level:
            raise ImportPolicyError("relative imports are not allowed")
        allowed = name in self.allowed or (
            name == "collections.abc" and "collections" in self.allowed
        )
        if not allowed:
            raise ImportPolicyError(
                f"import of {name!r} is not allowed; available modules: "
                + ", ".join(sorted(self.allowed))
            )
        return self.load(name if fromlist else name.partition(".")[0])

    def load(self, name: str) -> ModuleFacade:
        builder = PER_EXECUTION.get(name)
        if builder is None:
            return shared_facade(name)
        execution = CURRENT.get(None)
        cache = execution.modules if execution is not None else {}
        facade = cache.get(name)
        if facade is None:
            facade = cache[name] = ModuleFacade(name, builder())
        return facade


def make_print(log: Callable[[Any, str], None]) -> Callable[..., None]:
    def print(
        *args: Any,
        sep: str | None = " ",
        end: str | None = "\n",
        file: Any = None,
        flush: bool = False,
    ) -> None:
        text = (" " if sep is None else sep).join(map(str, args)) + ("\n" if end is None else end)
        if file is not None:
            file.write(text)
        else:
            log("stdout", text)

    return print
