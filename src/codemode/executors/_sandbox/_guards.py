"""The guards `_policy.Transformer` compiles into model code (`_cm_write_`, `_cm_mult_`, ...):
ownership of what the program may change, size checks on operators, formatting and the string
methods that can build huge strings. `GUARDS` maps each inserted name to its function."""

from __future__ import annotations

import _string  # type: ignore[import-not-found]  # CPython's format-field parser
import abc
import codecs
import collections
import contextlib
import datetime
import functools
import hashlib
import re
import statistics
import string
import sys
from collections.abc import Callable, Mapping
from typing import Any

from .. import _policy as policy
from .._policy import check_attribute, format_spec_width, percent_width
from ._iterators import bounded_sequence, checked, generator_function, genexp
from ._owner import (
    class_dict,
    class_mro,
    init_guard,
    is_super,
    new_guard,
    object_setattr_guard,
    own_dunder_guard,
    owned,
    private_guard,
    setattr_guard,
    super_mro,
    write_guard,
)
from ._runtime import (
    CURRENT,
    MAX_INT_BITS,
    MAX_ITEMS,
    AttributeRefused,
    PolicyError,
    _refuse,
    check_deadline,
    counted,
)
from ._types import visible_type

# -- ownership (`_owner`) and the rest of the guards ----------------------------------------------


# -- operators --------------------------------------------------------------------------------

_SEQUENCES = (str, bytes, bytearray, list, tuple)


def _check_repeat(seq: Any, times: Any) -> None:
    counted(times, f"{type(seq).__name__} * n")
    # past sys.maxsize CPython refuses it itself (OverflowError), as programs may expect
    if isinstance(times, int) and 0 < times <= sys.maxsize and len(seq) * times > MAX_ITEMS:
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


def mul_guard(a: Any, b: Any, /) -> Any:
    if type(a) is float or type(b) is float:
        return a * b
    _check_mul(a, b)
    return a * b


def _check_pow(a: Any, b: Any) -> None:
    if isinstance(b, int) and b > 1:
        if isinstance(a, int):
            if abs(a) <= 1:  # -1, 0 and 1 to any power stay one bit
                return
            bits = a.bit_length() * b
            if bits > MAX_INT_BITS:
                digits = int(bits * 0.30103)
                base = f"{a}" if a.bit_length() < 64 else f"a {a.bit_length()}-bit integer"
                raise _refuse(f"{base} ** {b} would be a number of about {digits} digits")
        elif hasattr(a, "numerator") and hasattr(a, "denominator") and not isinstance(a, float):
            bits = (int(a.numerator).bit_length() + int(a.denominator).bit_length()) * b
            if bits > MAX_INT_BITS:
                raise _refuse(f"raising a fraction to the power {b}")


def pow_guard(a: Any, b: Any, /) -> Any:
    _check_pow(a, b)
    return a**b


def _check_lshift(a: Any, b: Any) -> None:
    if isinstance(a, int) and isinstance(b, int) and a and a.bit_length() + b > MAX_INT_BITS:
        raise _refuse(f"{a} << {b} would be a number of {a.bit_length() + b} bits")


def lshift_guard(a: Any, b: Any, /) -> Any:
    _check_lshift(a, b)
    return a << b


# Digit operations (of 30 bits) past which one integer operation is refused: about a second.
MAX_DIGIT_OPS = 300_000_000


def check_division(a: Any, b: Any) -> None:
    """Long division is quadratic: `a // b` of a 4-million-bit `a` by a 2-million-bit `b` holds
    the interpreter for many seconds in one C call."""
    if (type(a) is int and type(b) is int) or (isinstance(a, int) and isinstance(b, int)):
        digits_a, digits_b = a.bit_length() // 30 + 1, b.bit_length() // 30 + 1
        if digits_a > 1000 and digits_b > 1000 and digits_a * digits_b > MAX_DIGIT_OPS:
            raise _refuse(f"dividing integers of {a.bit_length()} and {b.bit_length()} bits")


def floordiv_guard(a: Any, b: Any) -> Any:
    check_division(a, b)
    return a // b


def _check_mod(a: Any, b: Any) -> Any:
    """Check `a % b`; returns the right operand to use (a mapping as a plain dict)."""
    if isinstance(a, int):
        check_division(a, b)
        return b
    if isinstance(a, str | bytes | bytearray):
        text = a if isinstance(a, str) else bytes(a).decode("latin-1")
        width = percent_width(text)
        if "*" in text:
            values = b if isinstance(b, tuple) else (b,)
            width = max([width, *(abs(v) for v in values if isinstance(v, int))])
        if width > MAX_ITEMS:
            raise _refuse(f"a %-format width of {width}")
        return _sized_percent(text, b, isinstance(a, str))
    return b


_PERCENT_FIELD = re.compile(r"%(?:\(([^)]*)\))?[-#0 +]*(\*|\d*)(?:\.(\*|\d*))?[hlL]?(.)")


def _sized_percent(text: str, values: Any, is_text: bool) -> Any:
    """A %-format's fields are formatted and joined in one C call: its result (the template, each
    field's value and width) is sized first, so that many fields of one long value
    (`('%s' * 1000) % ((s,) * 1000)`, `('%(a)s' * 1000) % {'a': s}`) or many wide fields are
    refused before the call. A mapping other than a plain dict is read here, once per name, into
    one: C would look each name up as it goes, by the mapping's own code (a `defaultdict`'s
    factory), after the check."""
    fields = [m for m in _PERCENT_FIELD.finditer(text) if m.group(4) != "%"]
    if not fields:
        return values
    total = len(text)
    for field in fields:
        for number in field.group(2, 3):
            if number and number != "*":
                total += int(number)
    named = [
        field.group(1) if is_text else field.group(1).encode("latin-1")
        for field in fields
        if field.group(1) is not None
    ]
    if named and isinstance(values, Mapping) and not isinstance(values, tuple):
        if type(values) is not dict:
            plain: dict[Any, Any] = {}
            for key in dict.fromkeys(named):
                with contextlib.suppress(KeyError):  # (CPython's own KeyError, from the call)
                    plain[key] = values[key]
            values = plain
        for key in named:
            total += _formatted_size(values.get(key))
    elif isinstance(values, tuple):
        total += sum(_formatted_size(value) for value in values)
    else:
        total += _formatted_size(values)
    if total > MAX_ITEMS:
        raise _refuse(f"a %-format of {len(fields)} fields would make {total} characters")
    return values


def _formatted_size(value: Any) -> int:
    """Characters a value takes formatted, at least (text exactly; a container one per item)."""
    if isinstance(value, str):
        return str.__len__(value)
    if isinstance(value, bytes | bytearray):
        return len(bytes(value)) if not isinstance(value, bytes) else bytes.__len__(value)
    if isinstance(value, list | tuple | dict | set | frozenset):
        return len(value)
    return 0


def mod_guard(a: Any, b: Any, /) -> Any:
    return a % _check_mod(a, b)


_OP_CHECKS: dict[str, Callable[[Any, Any], None]] = {
    "FloorDiv": check_division,
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
    """`str.format` that follows the attribute policy and bounds widths, raising what the C
    `str.format` raises where `string.Formatter` words it otherwise."""

    total = 0  # characters its fields made so far (one call's: see `_FormatCall`)

    def get_value(self, key: Any, args: Any, kwargs: Any) -> Any:
        if not isinstance(key, int):
            return kwargs[key]
        if args is _NO_POSITIONAL:
            raise ValueError("Format string contains positional fields")
        if key >= len(args):
            raise IndexError(f"Replacement index {key} out of range for positional args tuple")
        return args[key]

    def vformat(self, format_string: str, args: Any, kwargs: Any) -> str:
        try:
            return super().vformat(format_string, args, kwargs)
        except ValueError as exc:
            if str(exc).startswith("cannot switch from"):  # string.Formatter says one way only
                raise ValueError(_switch_message(format_string)) from None
            raise

    def get_field(self, field_name: str, args: Any, kwargs: Any) -> Any:
        first, rest = _string.formatter_field_name_split(field_name)
        obj = self.get_value(first, args, kwargs)
        for is_attr, key in rest:
            if is_attr:
                problem = check_attribute(key) or (
                    f"access to {key!r} is not allowed" if str(key).startswith("_") else None
                )
                if problem:
                    error = AttributeRefused(f"attribute {key!r} cannot be read")
                    error.add_note(f"codemode: format field {field_name!r}: {problem}")
                    raise error
                obj = getattr(obj, key)
            else:
                obj = obj[key]
        return obj, first

    def format_field(self, value: Any, format_spec: str) -> Any:
        if format_spec_width(format_spec) > MAX_ITEMS:
            raise _refuse(f"a format width in {format_spec!r}")
        if isinstance(value, _TIME_VALUES):
            check_strftime(format_spec)
        formatted = format(value, format_spec)
        # The fields are joined in one call at the end: sized as they come, so that many
        # fields of one long value (`('{0}' * 1000).format(s)`) are refused before the join.
        if isinstance(formatted, str):
            self.total += str.__len__(formatted)
            if self.total > MAX_ITEMS:
                raise _refuse(f"format would make over {MAX_ITEMS} characters")
        return formatted


class _FormatCall(SafeFormatter):
    """One call of the safe formatter, which keeps the running size of its fields."""

    def __init__(self, template: str) -> None:
        self.total = len(template)


_NO_POSITIONAL: tuple[Any, ...] = tuple.__new__(type("NoPositional", (tuple,), {}))  # format_map


def _switch_message(template: str) -> str:
    """Which way a template switches between `{}` and `{0}`, as the C `str.format` says it."""
    automatic: bool | None = None
    pending = [template]
    while pending:
        for _, field, spec, _ in _string.formatter_parser(pending.pop(0)):
            if field is None:
                continue
            first = field.split(".", 1)[0].split("[", 1)[0]
            now = first == ""
            if first == "" or first.isdigit():
                if automatic is not None and automatic != now:
                    return (
                        "cannot switch from automatic field numbering to manual field specification"
                        if automatic
                        else "cannot switch from manual field specification to automatic field "
                        "numbering"
                    )
                automatic = now
            if spec and "{" in spec:
                pending.insert(0, spec)
    return "cannot switch from manual field specification to automatic field numbering"


def safe_format(template: str, /, *args: Any, **kwargs: Any) -> str:
    return _FormatCall(template).vformat(template, args, kwargs)


def safe_format_map(template: str, mapping: Mapping[str, Any], /) -> str:
    return _FormatCall(template).vformat(template, _NO_POSITIONAL, mapping)


# Characters one `strftime` directive can become (`%c`: 24; a time zone's name), at most.
_STRFTIME_GROWTH = 32
_TIME_VALUES = (datetime.date, datetime.time)


def check_strftime(fmt: Any) -> Any:
    """`fmt` for `strftime`, when what it expands to fits: each directive may become dozens of
    characters (`'%c' * 4_000_000` makes 96 million), in one C call."""
    if isinstance(fmt, str):
        size = len(fmt) + fmt.count("%") * _STRFTIME_GROWTH
        if size > MAX_ITEMS:
            raise _refuse(f"strftime would make up to {size} characters (limit {MAX_ITEMS})")
    return fmt


def _strftime_method(strftime: Callable[..., Any], unbound: bool) -> Callable[..., Any]:
    """`d.strftime` (or `date.strftime`, unbound) with its format checked, however passed."""

    def call(*args: Any, **kwargs: Any) -> Any:
        formats = [*args[1 if unbound else 0 :][:1], kwargs.get("format")]
        for fmt in formats:
            check_strftime(fmt)
        return strftime(*args, **kwargs)  # a call of another shape: CPython's own error

    return call


def format_guard(value: Any, conversion: int, spec: str) -> str:
    if conversion == ord("r"):
        value = repr(value)
    elif conversion == ord("s"):
        value = str(value)
    elif conversion == ord("a"):
        value = ascii(value)
    if format_spec_width(spec) > MAX_ITEMS:
        raise _refuse(f"a format width in {spec!r}")
    if isinstance(value, _TIME_VALUES):
        check_strftime(spec)  # a date's format spec is a `strftime` format
    return format(value, spec)


def fstring_guard(pieces: tuple[str, ...], /) -> str:
    """An f-string of three fields or more, its fields formatted one by one: sized, then joined."""
    total = 0
    for piece in pieces:
        total += str.__len__(piece)
    if total > MAX_ITEMS:
        raise _refuse(f"an f-string would make {total} characters (limit {MAX_ITEMS})")
    return "".join(pieces)


def format_builtin(value: Any, format_spec: str = "", /) -> str:
    return format_guard(value, -1, format_spec)


# -- string methods that can build huge strings -----------------------------------------------


def _check_width(width: Any, what: str) -> None:
    counted(width, what)
    if isinstance(width, int) and width > MAX_ITEMS:
        raise _refuse(f"{what}({width}) would make {width} characters (limit {MAX_ITEMS})")


# A method given arguments of the wrong shape (or a join of what is not iterable) is called as
# given: that raises CPython's own TypeError before doing anything.


def _join(sep: Any, *args: Any, **kwargs: Any) -> Any:
    if len(args) != 1 or kwargs:
        return sep.join(*args, **kwargs)
    try:
        items = iter(args[0])
    except TypeError:
        return sep.join(args[0])
    parts = list(items)
    total = len(sep) * max(len(parts) - 1, 0)
    for part in parts:
        if isinstance(part, str | bytes | bytearray):
            total += len(part)
    if total > MAX_ITEMS:
        raise _refuse(f"join would make {total} characters (limit {MAX_ITEMS})")
    return sep.join(parts)


def _replace(text: Any, *args: Any, **kwargs: Any) -> Any:
    if not 2 <= len(args) <= 3 or not kwargs.keys() <= {"count"}:
        return text.replace(*args, **kwargs)
    old, new, count = (*args, kwargs.get("count", -1))[:3]
    if isinstance(old, str | bytes | bytearray) and isinstance(new, str | bytes | bytearray):
        hits = text.count(old) if old else len(text) + 1
        if isinstance(count, int) and count >= 0:
            hits = min(hits, count)
        size = len(text) + hits * (len(new) - len(old))
        if size > MAX_ITEMS:
            raise _refuse(f"replace would make {size} characters (limit {MAX_ITEMS})")
    return text.replace(*args, **kwargs)


def _expandtabs(text: Any, *args: Any, **kwargs: Any) -> Any:
    if len(args) + len(kwargs) > 1 or not kwargs.keys() <= {"tabsize"}:
        return text.expandtabs(*args, **kwargs)
    tabsize = args[0] if args else kwargs.get("tabsize", 8)
    counted(tabsize, "expandtabs")
    if isinstance(tabsize, int):
        _check_width(
            len(text) + text.count("\t" if isinstance(text, str) else b"\t") * tabsize, "expandtabs"
        )
    return text.expandtabs(tabsize)


def _padder(method: str) -> Callable[..., Any]:
    def pad(text: Any, *args: Any, **kwargs: Any) -> Any:
        _check_width(args[0] if args else kwargs.get("width"), method)
        return getattr(text, method)(*args, **kwargs)

    pad.__name__ = method
    return pad


def _to_bytes(number: int, length: int = 1, *args: Any, **kwargs: Any) -> bytes:
    _check_width(length, "to_bytes")
    result: bytes = number.to_bytes(length, *args, **kwargs)
    return result


def _translate(text: Any, table: Any, *args: Any) -> Any:
    if not isinstance(text, str) or args:
        return text.translate(table, *args)  # bytes (a 256-byte table), or CPython's TypeError
    # C looks each character up in the table as it goes, and a table that is not a plain dict
    # answers by its own code (a `defaultdict`'s factory, a `ChainMap`, a dict subclass whose
    # `__getitem__` is `{97: 'b' * 10**4}.get`): what the check saw would not be what C gets.
    # So C gets a plain dict, built here with one lookup per distinct character and sized
    # before the call: each character mapped to a longer string grows the result by its
    # occurrences.
    text = str.__str__(text)  # an exact copy: a subclass's `count` or `__iter__` could lie
    plain: dict[int, Any] = {}
    size = len(text)
    for char in set(text):
        try:
            value = table[ord(char)]
        except LookupError:
            continue
        plain[ord(char)] = value
        if isinstance(value, str) and str.__len__(value) > 1:
            size += text.count(char) * (str.__len__(value) - 1)
    if size > MAX_ITEMS:
        raise _refuse(f"translate would make {size} characters (limit {MAX_ITEMS})")
    return str.translate(text, plain)


# Codecs written in Python whose time grows with the square of the input: punycode (idna hands
# it one label at a time, each bounded in the codec itself: `install_codec_bounds`).
_QUADRATIC_CODECS = frozenset({"punycode"})
MAX_QUADRATIC_CODEC = 20_000


def _check_codec(text: Any, encoding: Any) -> None:
    if isinstance(encoding, str) and len(text) > MAX_QUADRATIC_CODEC:
        try:
            name = codecs.lookup(encoding).name
        except LookupError:
            return
        if name in _QUADRATIC_CODECS:
            raise _refuse(
                f"{name} of {len(text)} characters (limit {MAX_QUADRATIC_CODEC}): its time grows "
                "with the square of the length"
            )


def install_codec_bounds() -> None:
    """Bound the quadratic codecs where they run: `punycode`'s own functions (idna calls them
    too) refuse long input while a run is current, whatever route reached the codec
    (`str(b, "punycode")`, `map(str, [b], ["punycode"])`, a `functools.partial` of `str`);
    outside a run they are the codec's, unchanged. Once per process."""
    import encodings.punycode as punycode

    for name in ("punycode_encode", "punycode_decode"):
        real = getattr(punycode, name)
        if getattr(real, "codemode", False):
            continue
        setattr(punycode, name, _bounded_codec(real))


def _bounded_codec(real: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(real)
    def bounded(text: Any, *args: Any, **kwargs: Any) -> Any:
        if CURRENT.get(None) is not None and len(text) > MAX_QUADRATIC_CODEC:
            raise _refuse(
                f"punycode of {len(text)} characters (limit {MAX_QUADRATIC_CODEC}): its time "
                "grows with the square of the length"
            )
        return real(text, *args, **kwargs)

    bounded.codemode = True  # type: ignore[attr-defined]
    return bounded


def _encode(text: Any, encoding: Any = "utf-8", errors: Any = "strict") -> Any:
    _check_codec(text, encoding)
    return text.encode(encoding, errors)


def _decode(data: Any, encoding: Any = "utf-8", errors: Any = "strict") -> Any:
    _check_codec(data, encoding)
    return data.decode(encoding, errors)


_TEXT_METHODS: dict[str, Callable[..., Any]] = {
    "translate": _translate,
    "encode": _encode,
    "decode": _decode,
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


_TEXT_TYPES = (str, bytes, bytearray)


def _text_method(obj: Any, name: str) -> Any:
    """`obj.name` for a text method, by whoever defines it: the guarded version when it is
    `str`'s, `bytes`'s or `bytearray`'s own, reached by any route (an instance, a subclass or
    its instance, `super()`, the unbound method); None when the program overrides it."""
    method = _TEXT_METHODS[name]
    if is_super(obj):
        bound = obj.__self__
        mro = super_mro(obj)
    else:
        bound = None if isinstance(obj, type) else obj
        mro = class_mro(obj if bound is None else type(obj))
    for klass in mro:
        if name in class_dict(klass):
            if klass not in _TEXT_TYPES:
                return None  # the program's own method (or an unrelated class's)
            if name in ("format", "format_map") and klass is not str:
                return None
            if bound is None or isinstance(bound, type):
                return method
            return functools.partial(method, bound)
    return None


def attr_guard(obj: Any, name: str) -> Any:
    """Read `obj.name` where `name` is one of the guarded methods (`GUARDED_METHODS`)."""
    # `super(C, x).name` is `x`'s method, from past `C`: judged by what it is bound to
    target = obj.__self__ if is_super(obj) else obj
    if type(obj) is str:  # the common case first: `", ".join(...)`
        method = _TEXT_METHODS.get(name)
        if method is not None:
            return functools.partial(method, obj)
    elif name in _TEXT_METHODS and (
        isinstance(obj, _TEXT_TYPES)
        or is_super(obj)
        or (isinstance(obj, type) and issubclass(obj, _TEXT_TYPES))
    ):
        guarded = _text_method(obj, name)
        if guarded is not None:
            return guarded
    elif isinstance(target, int) and not isinstance(target, type) and name == "to_bytes":
        return functools.partial(_to_bytes, obj)
    elif obj is int and name == "to_bytes":
        return _to_bytes
    elif name == "register":
        return _register_guard(getattr(obj, name))
    elif name in policy.GROWING_METHODS or name == "__iter__":
        return _list_method(obj, target, name)
    elif name == "sort" and _is_or_of(target, list):
        return _sort_method(target, getattr(obj, name))
    elif name == "strftime" and _is_or_of(target, *_TIME_VALUES):
        return _strftime_method(getattr(obj, name), isinstance(target, type))
    elif name == "most_common" and _is_or_of(target, collections.Counter):
        # the standard library sorts (or heaps) every count, in one call
        return _sort_method(target, getattr(obj, name))
    elif name == "elements" and _is_or_of(target, collections.Counter):
        # `Counter(a=10**12).elements()` repeats in C, past the deadline, into any consumer
        elements = getattr(obj, name)
        return lambda *args: checked(elements(*args))
    elif name in ("send", "throw") and _is_or_of(target, *_AWAITED):
        # Driving an awaitable by hand hands the program what its `await`s yield: asyncio's
        # own futures, whose `add_done_callback` would run the program's code as a callback
        # of the event loop (a `SystemExit` there stops the host's loop), after its run too.
        raise PolicyError(f"{name}() on a coroutine is not available in codemode: await it instead")
    elif name == "samples" and _is_or_of(target, statistics.NormalDist):
        # with no seed it draws from the host's shared `random` generator (and moves it on)
        samples = getattr(obj, name)
        if isinstance(target, type):
            return lambda dist, n, *, seed=None: samples(dist, n, seed=_seed(seed))
        return lambda n, *, seed=None: samples(n, seed=_seed(seed))
    elif name in ("digest", "hexdigest") and _is_or_of(target, *_SHAKES):
        # a SHAKE digest is as long as asked: `shake_128().digest(10**10)` allocates 10 GB
        digest = getattr(obj, name)
        if isinstance(target, type):
            return lambda shake, length: digest(shake, _checked_width(length, name))
        return lambda length: digest(_checked_width(length, name))
    return getattr(obj, name)


def _list_method(obj: Any, target: Any, name: str) -> Any:
    """`l.append` (or `extend`, `insert`, `__setitem__`) read as a value, and `l.__iter__`, when
    they are `list`'s or `bytearray`'s own. A C loop that calls a growing method as it reads the
    same list (`json.dumps(l, default=l.append)` reads by index, up to a length it re-reads each
    step) never ends, with no bytecode the deadline or the watchdog could stop: handed out as a
    Python function, each call checks the deadline and can be interrupted. `__iter__` hands out
    the iterator `iter()` does (`_iterators.bounded`)."""
    method = getattr(obj, name)
    if not _is_or_of(target, list, bytearray):
        return method
    if is_super(obj):
        mro = super_mro(obj)
    else:
        mro = class_mro(target if isinstance(target, type) else type(target))
    klass = next((k for k in mro if name in class_dict(k)), None)
    if klass is not list and klass is not bytearray:
        return method  # the program's own
    if name == "__iter__":
        if isinstance(target, type):
            return lambda seq, /: bounded_sequence(seq)
        return lambda: bounded_sequence(target)

    def call(*args: Any, **kwargs: Any) -> Any:
        check_deadline()
        return method(*args, **kwargs)

    call.__name__ = call.__qualname__ = name
    return call


def _seed(seed: Any) -> Any:
    from .facade_numbers import run_random  # (`facade_numbers` uses this module's checks)

    return run_random().getrandbits(64) if seed is None else seed


# Items past which one sort (a single C call: `sorted(x)`, `x.sort()`, about 0.3 us per item and
# comparison) is refused; its key may be a C function (`key=str`) that never checks the deadline.
MAX_SORT = 2_000_000


def check_sort(items: Any) -> Any:
    """`items`, when sorting them fits in `MAX_SORT`; the sized ones only (an iterator is taken
    by `sorted` in checked steps, then sorted: see `sorted_builtin`)."""
    if isinstance(items, list | tuple | dict | set | frozenset | str) and len(items) > MAX_SORT:
        raise _refuse(f"sorting {len(items)} items (limit {MAX_SORT}) in one call")
    return items


def sorted_call(*args: Any, **kwargs: Any) -> list[Any]:
    """`sorted`: the list is built first (a checked iterator stops at the deadline), then its
    size is checked before the one long C call that sorts it. A call of another shape gets
    CPython's own error from the real `sorted`."""
    if len(args) != 1 or not kwargs.keys() <= {"key", "reverse"}:
        return sorted(*args, **kwargs)
    items = list(args[0])
    check_sort(items)
    items.sort(**kwargs)
    return items


def _sort_method(obj: Any, sort: Callable[..., Any]) -> Callable[..., Any]:
    """`x.sort` (or `list.sort`, unbound), checking the list's size first."""
    if isinstance(obj, type):
        return lambda *args, **kwargs: sort(*map(check_sort, args), **kwargs)
    return lambda *args, **kwargs: sort(*args, **kwargs) if check_sort(obj) is obj else None


def _is_or_of(obj: Any, *classes: type) -> bool:
    """`obj` is an instance of one of `classes`, or one of them, or a subclass."""
    if isinstance(obj, type):
        return issubclass(obj, classes)
    return isinstance(obj, classes)


_SHAKES = (type(hashlib.shake_128()), type(hashlib.shake_256()))


def _awaited_types() -> tuple[type, ...]:
    """Coroutines and the awaitables of async generators (`asend`, `athrow`, `anext`)."""

    async def agen() -> Any:
        yield

    async def coro() -> None:
        pass

    made = [coro(), agen().asend(None), agen().athrow(GeneratorExit), anext(agen())]
    kinds = tuple({type(each) for each in made})
    for each in made:
        each.close()
    return kinds


_AWAITED = _awaited_types()


def _checked_width(width: Any, what: str) -> Any:
    _check_width(width, what)
    return width


_ABC_REGISTER = abc.ABCMeta.register


def _register_guard(method: Any) -> Any:
    """A host ABC's registry is process-wide: `register` on it (read from the class, its
    metaclass, `super()` or `methodcaller`) would change `isinstance` for the host and every
    later run. Judged by the method reached, not by the route: only the program's own ABCs."""
    if method is _ABC_REGISTER:  # unbound, from `type(X)` or `abc.ABCMeta`

        def register(cls: Any, subclass: Any) -> Any:
            _check_registry(cls)
            return _ABC_REGISTER(cls, subclass)

        return register
    if getattr(method, "__func__", None) is _ABC_REGISTER:
        _check_registry(method.__self__)
    return method


def _check_registry(cls: Any) -> None:
    if not owned(cls):
        name = getattr(cls, "__name__", type(cls).__name__)
        raise PolicyError(f"cannot register classes with {name}: it belongs to the host")


# -- what the transformer's names resolve to ----------------------------------------------------

GUARDS: dict[str, Any] = {
    policy.GENEXP: genexp,
    policy.GENERATOR: generator_function,
    policy.BINOP_GUARDS["FloorDiv"]: floordiv_guard,
    policy.TYPE: type,
    policy.CLASS: visible_type,
    policy.OBJECT_SETATTR: object_setattr_guard,
    policy.INT: int,
    policy.NUMBERS: frozenset({int, float}),
    policy.HALF_LOW: -(1 << (MAX_INT_BITS // 2)),
    policy.HALF_HIGH: 1 << (MAX_INT_BITS // 2),
    policy.WRITE: write_guard,
    policy.SETATTR: setattr_guard,
    policy.PRIVATE: private_guard,
    policy.ATTR: attr_guard,
    policy.FORMAT: format_guard,
    policy.FSTRING: fstring_guard,
    policy.OPCHECK: opcheck_guard,
    policy.INIT: init_guard,
    policy.NEW: new_guard,
    policy.DUNDER: own_dunder_guard,
    policy.BINOP_GUARDS["Mult"]: mul_guard,
    policy.BINOP_GUARDS["Pow"]: pow_guard,
    policy.BINOP_GUARDS["LShift"]: lshift_guard,
    policy.BINOP_GUARDS["Mod"]: mod_guard,
}
