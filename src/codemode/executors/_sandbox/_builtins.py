"""The builtins model code gets: a safe subset of Python's, with the ones that could reach the host
or build huge objects replaced (`getattr`, `range`, `iter`, `sum`, `bytes`, ...), and its `print`."""

from __future__ import annotations

import builtins
import itertools
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from RestrictedPython.Guards import safe_builtins

from ..._errors import ToolArgumentError, ToolError
from .. import _policy as policy
from .._policy import GUARD_PREFIX, check_attribute
from ._facade import stand_in
from ._guards import (
    _SEQUENCES,
    _TEXT_METHODS,
    _check_width,
    attr_guard,
    build_class,
    format_builtin,
    init_guard,
    pow_guard,
    private_guard,
    write_guard,
)
from ._runtime import (
    BIG_RANGE,
    CHUNK,
    CURRENT,
    MAX_ITEMS,
    MAX_MEMORY_GROWTH,
    AttributeRefused,
    Execution,
    PolicyError,
    Timeout,
    _refuse,
    resident_memory,
)


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


def dir_builtin(*args: Any, **kwargs: Any) -> list[str]:
    if len(args) > 1 or kwargs:
        return dir(*args, **kwargs)  # CPython's own TypeError
    if not args:
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
        error = AttributeRefused(f"attribute {name!r} cannot be read")
        error.add_note(f"codemode: {problem}")
        raise error
    return name


_MISSING = object()


# A stand-in given arguments of the wrong shape calls the real builtin with them: that raises
# CPython's own TypeError (it checks the shape before doing anything), or does what CPython does.


def getattr_builtin(*args: Any, **kwargs: Any) -> Any:
    if kwargs or not 2 <= len(args) <= 3 or not isinstance(args[1], str):
        return getattr(*args, **kwargs)
    return _getattr(*args)


def _getattr(obj: Any, name: str, default: Any = _MISSING) -> Any:
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


def hasattr_builtin(*args: Any, **kwargs: Any) -> bool:
    if kwargs or len(args) != 2 or not isinstance(args[1], str):
        return hasattr(*args, **kwargs)
    try:
        _getattr(*args)
    except (AttributeError, PolicyError):
        return False
    return True


def setattr_builtin(*args: Any, **kwargs: Any) -> None:
    if kwargs or len(args) != 3 or not isinstance(args[1], str):
        setattr(*args, **kwargs)
        return
    obj, name, value = args
    _check_getattr_name(name)
    setattr(write_guard(obj, name), name, value)


def delattr_builtin(*args: Any, **kwargs: Any) -> None:
    if kwargs or len(args) != 2 or not isinstance(args[1], str):
        delattr(*args, **kwargs)
        return
    obj, name = args
    _check_getattr_name(name)
    delattr(write_guard(obj, name), name)


def pow_builtin(base: Any, exp: Any, mod: Any = None) -> Any:
    if mod is None:
        return pow_guard(base, exp)
    return pow(base, exp, mod)


# The guarded builtins as the program calls them: a call the real builtin would refuse for its
# shape goes to the real builtin, which raises CPython's own TypeError before doing anything.


def sum_call(*args: Any, **kwargs: Any) -> Any:
    if args and len(args) + len(kwargs) <= 2 and kwargs.keys() <= {"start"}:
        return sum_builtin(*args, **kwargs)
    return sum(*args, **kwargs)


def _pow_parameters(base: Any, exp: Any, mod: Any = None) -> tuple[Any, Any, Any]:
    return base, exp, mod


def pow_call(*args: Any, **kwargs: Any) -> Any:
    if not kwargs and 2 <= len(args) <= 3:
        return pow_builtin(*args)
    try:
        bound = _pow_parameters(*args, **kwargs)  # pow takes its arguments by keyword too
    except TypeError:
        return pow(*args, **kwargs)
    return pow_builtin(*bound)


def format_call(*args: Any, **kwargs: Any) -> str:
    if kwargs or not 1 <= len(args) <= 2:
        return format(*args, **kwargs)
    return format_builtin(*args)


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


def checked(
    iterator: Iterable[Any],
    kind: type[itertools.chain[Any]] = itertools.chain,
    progress: list[Any] | None = None,
) -> Iterator[Any]:
    """Iterate a possibly endless or huge C iterator with deadline checks every few items, as a
    `kind` (a chain). `progress`, when given, holds how many items were taken from `iterator`
    and the iterator over the current chunk (what is taken but not yet handed out)."""
    execution = CURRENT.get(None)
    it = iter(iterator)

    def chunks() -> Iterator[Iterator[Any]]:
        baseline = resident_memory()
        for number in itertools.count():
            if execution is not None and execution.expired:
                raise Timeout()
            if number % 256 == 255 and resident_memory() - baseline > MAX_MEMORY_GROWTH:
                raise _refuse(f"iterating grew memory by more than {MAX_MEMORY_GROWTH >> 20} MB")
            chunk = tuple(itertools.islice(it, 256))
            if not chunk:
                return
            if progress is None:
                yield iter(chunk)
            else:
                progress[0] += len(chunk)
                progress[1] = iter(chunk)
                yield progress[1]

    return kind.from_iterable(chunks())


def iter_builtin(*args: Any, **kwargs: Any) -> Iterator[Any]:
    if len(args) == 1 and not kwargs:
        return iter(args[0])
    if len(args) == 2 and not kwargs and callable(args[0]):
        return callable_iterator(args[0], args[1])
    return iter(*args, **kwargs)


class callable_iterator:
    """`iter(callable, sentinel)`: calls until the sentinel, checking the deadline between
    calls (the callable may be a C function that never checks it)."""

    __slots__ = ("_cm_call_", "_cm_execution_", "_cm_sentinel_")
    __module__ = "builtins"

    def __init__(self, call: Callable[[], Any], sentinel: Any) -> None:
        self._cm_call_: Callable[[], Any] | None = call
        self._cm_sentinel_ = sentinel
        # the running execution's, whoever calls the class (`type(it)(f, 0)` in the program)
        self._cm_execution_: Execution | None = CURRENT.get(None)

    def __iter__(self) -> callable_iterator:
        return self

    def __next__(self) -> Any:
        call = self._cm_call_
        if call is None:
            raise StopIteration
        execution = self._cm_execution_
        if execution is not None and execution.expired:
            raise Timeout()
        try:
            value = call()
        except StopIteration:
            self._cm_call_ = None
            raise
        if value == self._cm_sentinel_:
            self._cm_call_ = None  # exhausted for good, as CPython's
            raise StopIteration
        return value


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
    real = getattr(builtins, name, None)
    return refuse if real is None else stand_in(real, refuse)


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
        {
            name: stand_in(getattr(builtins, name), function)
            for name, function in (
                ("getattr", getattr_builtin),
                ("dir", dir_builtin),
                ("sum", sum_call),
                ("hasattr", hasattr_builtin),
                ("setattr", setattr_builtin),
                ("delattr", delattr_builtin),
                ("pow", pow_call),
                ("iter", iter_builtin),
                ("format", format_call),
            )
        },
        range=range_builtin,
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


_PRINT_KEYWORDS = frozenset({"sep", "end", "file", "flush"})


def make_print(log: Callable[[Any, str], None]) -> Callable[..., None]:
    """The execution's `print`: its output goes to `log`."""
    return Print(log)


class Print:
    """`print`, shown as the builtin; one class for every execution (each has its own `log`)."""

    __slots__ = ("_cm_log_",)
    __module__ = "builtins"
    __name__ = "print"
    __doc__ = builtins.print.__doc__

    def __init__(self, log: Callable[[Any, str], None]) -> None:
        self._cm_log_ = log

    def __call__(self, *args: Any, **kwargs: Any) -> None:
        sep = end = file = None
        if kwargs:
            if not kwargs.keys() <= _PRINT_KEYWORDS:
                unknown = {k: v for k, v in kwargs.items() if k not in _PRINT_KEYWORDS}
                builtins.print(**unknown)  # CPython's TypeError, before anything is printed
            sep, end, file = kwargs.get("sep"), kwargs.get("end"), kwargs.get("file")
            for name, value in (("sep", sep), ("end", end)):
                if value is not None and not isinstance(value, str):
                    raise TypeError(f"{name} must be None or a string, not {type(value).__name__}")
        text = (" " if sep is None else sep).join(map(str, args)) + ("\n" if end is None else end)
        if file is not None:
            file.write(text)
        else:
            self._cm_log_("stdout", text)

    def __repr__(self) -> str:
        return "<built-in function print>"

    def __getattr__(self, name: str) -> str:
        if name == "__qualname__":  # what CPython's call errors name: `print() argument ..`
            return "print"
        raise AttributeError(f"'builtin_function_or_method' object has no attribute {name!r}")
