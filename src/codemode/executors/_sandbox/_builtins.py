"""The builtins model code gets: a safe subset of Python's, with the ones that could reach the host
or build huge objects replaced (`getattr`, `range`, `iter`, `sum`, `bytes`, ...), and its `print`."""

from __future__ import annotations

import builtins
import fractions
import itertools
import sys
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from RestrictedPython.Guards import safe_builtins

from ..._errors import ToolArgumentError, ToolError
from ..._text import bounded_str, cheap, exact_str
from .. import _policy as policy
from .._policy import check_attribute, is_reserved
from ._facade import shown_as
from ._guards import (
    _SEQUENCES,
    MAX_DIGIT_OPS,
    _check_codec,
    _check_width,
    attr_guard,
    check_division,
    format_builtin,
    pow_guard,
    sorted_call,
)
from ._iterators import BUILTINS as ITERATOR_BUILTINS
from ._iterators import ListIterator, bounded
from ._owner import (
    ProgramSuper,
    build_class,
    init_guard,
    new_guard,
    own_dunder_guard,
    private_guard,
    setattr_guard,
    write_guard,
)
from ._runtime import (
    BIG_RANGE,
    CHUNK,
    CURRENT,
    MAX_INT_BITS,
    MAX_ITEMS,
    MAX_MEMORY_GROWTH,
    AllocationRefused,
    AttributeRefused,
    Execution,
    PolicyError,
    Timeout,
    _refuse,
    counted,
    resident_memory,
)
from ._types import install_stand_ins, stand_in, type_builtin


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
    return [name for name in dir(args[0]) if not is_reserved(name)]


def _check_getattr_name(name: Any) -> str:
    """The attribute name model code passed, as an exact `str` (a `str` subclass's own
    `startswith` or `__eq__` must not answer the checks), once the policy allows it."""
    if not isinstance(name, str):
        raise TypeError("attribute name must be a string")
    exact: str = str.__str__(name)
    normal = unicodedata.normalize("NFKC", exact)
    problem = check_attribute(normal) or (
        f"access to {exact!r} is not allowed" if is_reserved(normal) else None
    )
    if problem:
        error = AttributeRefused(f"attribute {exact!r} cannot be read")
        error.add_note(f"codemode: {problem}")
        raise error
    return exact


_MISSING = object()


# A stand-in given arguments of the wrong shape calls the real builtin with them: that raises
# CPython's own TypeError (it checks the shape before doing anything), or does what CPython does.


def getattr_builtin(*args: Any, **kwargs: Any) -> Any:
    if kwargs or not 2 <= len(args) <= 3 or not isinstance(args[1], str):
        return getattr(*args, **kwargs)
    return _getattr(*args)


def _getattr(obj: Any, name: str, default: Any = _MISSING) -> Any:
    """`getattr` for model code: the same routing as `obj.name` compiled by the policy. Every
    other dynamic route to an attribute (`operator.attrgetter`, `methodcaller`, a stand-in's
    class attributes) comes through here."""
    name = _check_getattr_name(name)
    try:
        if name[:1] == "_":
            if name == "__init__":
                return init_guard(obj)
            if name == "__new__":
                return new_guard(obj)
            if not name.startswith("__"):
                return private_guard(obj, name)
            if name not in policy.ALLOWED_DUNDERS:
                return own_dunder_guard(obj, name)
        if name in policy.GUARDED_METHODS or name in policy.GROWING_METHODS:
            return attr_guard(obj, name)  # (a growing method read by name is read as a value)
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
    setattr_guard(obj, _check_getattr_name(name), value)


def delattr_builtin(*args: Any, **kwargs: Any) -> None:
    if kwargs or len(args) != 2 or not isinstance(args[1], str):
        delattr(*args, **kwargs)
        return
    obj, name = args
    name = _check_getattr_name(name)
    delattr(write_guard(obj, name), name)


def pow_builtin(base: Any, exp: Any, mod: Any = None) -> Any:
    if mod is None:
        return pow_guard(base, exp)
    if isinstance(exp, int) and isinstance(mod, int) and exp:
        # one modular multiplication per exponent bit, each quadratic in the modulus's digits
        # plus a fixed cost (`pow(3, x, 7)` with a 40-million-bit `x`: over a second); a
        # negative exponent first inverts `base` (Euclid's algorithm, far slower per digit)
        digits = mod.bit_length() // 30 + 1
        cost = abs(exp).bit_length() * (digits**2 + 8)
        cost += INVERSE_COST * digits**2 if exp < 0 else 0
        if cost > MAX_DIGIT_OPS:
            raise _refuse(
                f"pow() with a {exp.bit_length()}-bit exponent and a {mod.bit_length()}-bit modulus"
            )
    return pow(base, exp, mod)


# Digit operations a modular inverse costs per squared modulus digit, against a multiplication:
# `pow(3**1000000, -1, (1 << 2000000) + 1)` runs for minutes.
INVERSE_COST = 64


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


def round_builtin(*args: Any, **kwargs: Any) -> Any:
    """`round`: an int rounded to a negative number of digits is divided by `10 ** -ndigits`,
    a long division quadratic in the sizes (`round(x, -10**6)` of a 16-million-bit `x` held the
    interpreter a minute in one call): sized as `//` is (`check_division`)."""
    if len(args) == 2 and not kwargs:
        number, ndigits = args
    elif len(args) == 1 and kwargs.keys() == {"ndigits"}:
        number, ndigits = args[0], kwargs["ndigits"]
    else:
        return round(*args, **kwargs)  # one argument, or CPython's own TypeError
    if isinstance(number, int) and isinstance(ndigits, int) and ndigits < 0:
        # CPython computes `10 ** -ndigits` first (itself slow past the integer limit), then
        # divides by it: both sized from the digit count, without computing anything
        bits = int(-ndigits * _BITS_PER_DIGIT) + 1
        if bits > MAX_INT_BITS:
            raise _refuse(f"round() to {ndigits} digits")
        digits_a, digits_b = number.bit_length() // 30 + 1, bits // 30 + 1
        if digits_a > 1000 and digits_b > 1000 and digits_a * digits_b > MAX_DIGIT_OPS:
            raise _refuse(f"round() of a {number.bit_length()}-bit integer to {ndigits} digits")
    elif (
        isinstance(ndigits, int)
        and isinstance(number, fractions.Fraction)
        and abs(ndigits) * _BITS_PER_DIGIT > MAX_INT_BITS
    ):
        raise _refuse(f"round() to {ndigits} digits")  # `Fraction` computes `10 ** ndigits`
    return round(number, ndigits)


_BITS_PER_DIGIT = 3.3219280948873626  # log2(10)


def divmod_builtin(x: Any, y: Any, /) -> Any:
    check_division(x, y)
    return divmod(x, y)


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

    __slots__ = ("_execution", "_fresh", "_range")

    def __init__(self, r: range, execution: Execution | None) -> None:
        self._range = r
        self._execution = execution
        self._fresh: tuple[tuple[int, int], Any] | None = None

    def __iter__(self) -> Iterator[int]:
        chunks = self._chunks(self._range)
        self._fresh = (_calling_instruction(), chunks)  # see `__len__`
        return itertools.chain.from_iterable(chunks)

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
        # C allocates by a length hint: `tuple(range(10**9))` (`f(*range(...))`, a tuple
        # subclass's constructor, `itertools.product`) cleared a slot for each item, 8 GB in
        # one call, before taking any. C asks for the hint right after it started iterating,
        # in the same instruction of the program (`PySequence_Tuple`, `list.extend`): asked
        # then, with that iteration not begun, the answer is 0 (C then grows what it builds as
        # items come, in checked chunks). Asked any other way, `len()` is the range's own.
        fresh = self._fresh
        if fresh is not None:
            self._fresh = None
            where, chunks = fresh
            if (
                chunks.gi_frame is not None
                and not chunks.gi_running
                and not chunks.gi_suspended
                and where == _calling_instruction()
            ):
                return 0
        return len(self._range)

    def __bool__(self) -> bool:
        return bool(self._range)

    def __getitem__(self, index: Any) -> Any:
        item = self._range[index]
        # a slice of a huge range is a huge range (`range(10**18)[::2]`): it stays chunked
        return BigRange(item, self._execution) if isinstance(item, range) else item

    def __contains__(self, value: Any) -> bool:
        if type(value) is int or type(value) is bool:
            return value in self._range  # computed, not searched
        # anything else (`1.5 in r`) is compared item by item: in checked chunks
        return any(item == value for item in self)

    def __eq__(self, other: Any) -> bool:
        return self._range == (other._range if isinstance(other, BigRange) else other)

    def __hash__(self) -> int:
        return hash(self._range)

    def __copy__(self) -> BigRange:
        return self  # immutable, as `range`

    def __deepcopy__(self, memo: Any) -> BigRange:
        return self

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


def _calling_instruction() -> tuple[int, int]:
    """Where the Python code that (through C) called the caller is: its frame and instruction."""
    frame = sys._getframe(2)
    return id(frame), frame.f_lasti


def real_range(value: Any) -> Any:
    """A `BigRange` as the `range` it stands for (anything else as it is), for standard library
    functions that only index it: they take its length in Python, where nothing allocates."""
    return value._range if type(value) is BigRange else value


def _range_size(r: range) -> int:
    if r.step > 0:
        return max(0, (r.stop - r.start + r.step - 1) // r.step)
    return max(0, (r.start - r.stop - r.step - 1) // -r.step)


def iter_builtin(*args: Any, **kwargs: Any) -> Iterator[Any]:
    if len(args) == 1 and not kwargs:
        return iter(bounded(args[0]))  # a list's, as C may read it (`_iterators.bounded`)
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


def _sized(real: type) -> Callable[..., Any]:
    """`bytes(n)` / `bytearray(n)` with `n` checked before anything is allocated."""

    def make(*args: Any, **kwargs: Any) -> Any:
        if args and isinstance(args[0], int) and not isinstance(args[0], bool):
            _check_width(args[0], real.__name__)
        elif args and not isinstance(args[0], str | bytes | bytearray):
            counted(args[0], real.__name__)  # `bytes(n)` through `__index__`
        if args and isinstance(args[0], str):  # `bytes(text, "punycode")`
            _check_codec(args[0], args[1] if len(args) > 1 else kwargs.get("encoding"))
        return real(*args, **kwargs)

    return make


install_stand_ins(
    {bytes: _sized(bytes), bytearray: _sized(bytearray), range: range_builtin, type: type_builtin},
    {BigRange: range},
)
# `iter(a_list)` is a `ListIterator` (`_iterators.bounded`): a list iterator to model code
install_stand_ins({type(iter([])): None}, {ListIterator: type(iter([]))})  # type: ignore[dict-item]


def _unavailable(name: str, hint: str) -> Callable[..., Any]:
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise PolicyError(f"{name}() is not available in codemode: {hint}")

    refuse.__name__ = name
    real = getattr(builtins, name, None)
    return refuse if real is None else shown_as(real, refuse)


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
        "object",
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
            name: shown_as(getattr(builtins, name), function)
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
                ("divmod", divmod_builtin),
                ("round", round_builtin),
                ("sorted", sorted_call),
            )
        },
        super=ProgramSuper,
        range=stand_in(range),
        type=stand_in(type),
        **ITERATOR_BUILTINS,  # map, filter, zip, enumerate: their depth is bounded
        bytes=stand_in(bytes),
        bytearray=stand_in(bytearray),
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


def _print_text(value: Any, name: str) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{name} must be None or a string, not {type(value).__name__}")
    return exact_str(value)  # type: ignore[no-any-return]


MAX_PRINTED = 1_000_000


def make_print(log: Callable[[Any, str], None], room: Callable[[], int]) -> Callable[..., None]:
    """The execution's `print`: its output goes to `log`, which keeps `room()` more characters."""
    return Print(log, room)


class Print:
    """`print`, shown as the builtin; one class for every execution (each has its own `log`)."""

    __slots__ = ("_cm_log_", "_cm_room_")
    __module__ = "builtins"
    __name__ = "print"
    __doc__ = builtins.print.__doc__

    def __init__(self, log: Callable[[Any, str], None], room: Callable[[], int]) -> None:
        self._cm_log_ = log
        self._cm_room_ = room

    def __call__(self, *args: Any, **kwargs: Any) -> None:
        sep = end = file = None
        if kwargs:
            if not kwargs.keys() <= _PRINT_KEYWORDS:
                unknown = {k: v for k, v in kwargs.items() if k not in _PRINT_KEYWORDS}
                builtins.print(**unknown)  # CPython's TypeError, before anything is printed
            sep, end, file = kwargs.get("sep"), kwargs.get("end"), kwargs.get("file")
        # Exact strings, joined by `str`'s own methods: a `str` subclass of the program (its
        # `join`, `__add__`) never decides what the log holds.
        sep = " " if sep is None else _print_text(sep, "sep")
        end = "\n" if end is None else _print_text(end, "end")
        # A container's own repr is one C call that may have no end (`_text`): for the log, it
        # is written only as far as the log keeps; for a file, a container with more than
        # MAX_PRINTED items along all its paths is refused (proving it has fewer takes time).
        if file is None:
            room = max(self._cm_room_(), 0)
            pieces = [bounded_str(arg, room) for arg in args]
        elif all(cheap(arg, MAX_PRINTED) for arg in args):
            pieces = [exact_str(str(arg)) for arg in args]
        else:
            raise AllocationRefused(
                f"print() to a file writes at most {MAX_PRINTED} items of a container"
            )
        text = str.join(sep, pieces) + end
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
