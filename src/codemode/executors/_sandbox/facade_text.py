"""Text facades: `re` (backed by `regex`, every match bounded by the deadline), `string` (its
`Template` on `regex` too, less `Formatter`), and `json`, `textwrap` and `unicodedata` with their
expansions sized before they run."""

from __future__ import annotations

import re
import time
import types
from collections.abc import Callable
from typing import Any

from ._facade import _public_members
from ._runtime import CURRENT, MAX_ITEMS, PolicyError, Timeout, _refuse

EXCLUDED: dict[str, frozenset[str]] = {
    # it reads any attribute a format field names (`str.format` goes through SafeFormatter)
    "string": frozenset({"Formatter"}),
    "re": frozenset({"template", "TEMPLATE", "T", "LOCALE", "L"}),
}


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

    def __copy__(self) -> Pattern:
        return self  # immutable, as CPython's compiled patterns

    def __deepcopy__(self, memo: Any) -> Pattern:
        return self


# Compiling a pattern is one C call, about 5 us per character of pattern, with no deadline check.
MAX_PATTERN = 20_000


def compile_regex(pattern: Any, flags: int = 0) -> Any:
    """`regex.compile`, for patterns of a bounded length."""
    import regex

    if isinstance(pattern, str | bytes) and len(pattern) > MAX_PATTERN:
        raise PolicyError(
            f"a regular expression of {len(pattern)} characters (limit {MAX_PATTERN}): compiling "
            "it is one long call that the deadline cannot stop"
        )
    return regex.compile(pattern, flags)


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
        return Pattern(compile_regex(pattern, flags))

    def module_function(name: str) -> Callable[..., Any]:
        def call(pattern: Any, *args: Any, **kwargs: Any) -> Any:
            flags = kwargs.pop("flags", 0)
            return getattr(compile(pattern, flags), name)(*args, **kwargs)

        call.__name__ = name
        return call

    members = _public_members(re, EXCLUDED["re"])
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


def _check_size(size: int, what: str) -> None:
    if size > MAX_ITEMS:
        raise _refuse(f"{what} would make about {size} characters (limit {MAX_ITEMS})")


def _text_length(text: Any) -> int:
    return len(text) if isinstance(text, str) else 0


def _textwrap_module() -> dict[str, Any]:
    """`textwrap`, whose indents are repeated on every line: `indent(text, 'x' * 10**6)` and
    `wrap(text, width=1, subsequent_indent=...)` are sized before they run."""
    import textwrap

    class TextWrapper(textwrap.TextWrapper):
        # The class-level translation table is a dict the host's textwrap shares.
        unicode_whitespace_trans = types.MappingProxyType(  # type: ignore[assignment]
            dict(textwrap.TextWrapper.unicode_whitespace_trans)
        )

        def wrap(self, text: str) -> list[str]:
            indent = max(_text_length(self.initial_indent), _text_length(self.subsequent_indent))
            width = self.width if isinstance(self.width, int) else 1
            # every line carries at least about half its room of text, and one indent
            lines = 2 * _text_length(text) // max(width - indent, 1) + text.count("\n") + 1
            _check_size(lines * (indent + max(width, 0)) + _text_length(text), "wrapping")
            return super().wrap(text)

    def wrap(text: str, width: int = 70, **kwargs: Any) -> list[str]:
        return TextWrapper(width=width, **kwargs).wrap(text)

    def fill(text: str, width: int = 70, **kwargs: Any) -> str:
        return TextWrapper(width=width, **kwargs).fill(text)

    def indent(text: str, prefix: str, predicate: Any = None) -> str:
        lines = text.count("\n") + 1 if isinstance(text, str) else 0
        _check_size(_text_length(text) + lines * _text_length(prefix), "indent")
        return textwrap.indent(text, prefix, predicate)

    members = _public_members(textwrap, frozenset())
    members.update(TextWrapper=TextWrapper, wrap=wrap, fill=fill, indent=indent)
    return members


# `json` indents and separators repeat on every line and item of the output.
MAX_JSON_INDENT = 1_000


def _check_json_options(indent: Any, separators: Any) -> None:
    width = len(indent) if isinstance(indent, str) else indent if isinstance(indent, int) else 0
    if width > MAX_JSON_INDENT:
        raise _refuse(f"a JSON indent of {width} (limit {MAX_JSON_INDENT})")
    if isinstance(separators, tuple | list):
        longest = max((len(part) for part in separators if isinstance(part, str)), default=0)
        if longest > MAX_JSON_INDENT:
            raise _refuse(f"a JSON separator of {longest} characters (limit {MAX_JSON_INDENT})")


def _json_module() -> dict[str, Any]:
    import json

    class JSONEncoder(json.JSONEncoder):
        # checked where the options are used: a subclass may set them after `__init__`
        def iterencode(self, o: Any, _one_shot: bool = False) -> Any:
            _check_json_options(self.indent, (self.item_separator, self.key_separator))
            return super().iterencode(o, _one_shot)

    def dumps(obj: Any, *args: Any, **kwargs: Any) -> str:
        _check_json_options(kwargs.get("indent"), kwargs.get("separators"))
        return json.dumps(obj, *args, **kwargs)

    def dump(obj: Any, fp: Any, *args: Any, **kwargs: Any) -> None:
        _check_json_options(kwargs.get("indent"), kwargs.get("separators"))
        json.dump(obj, fp, *args, **kwargs)

    members = _public_members(json, frozenset())
    members.update(JSONEncoder=JSONEncoder, dumps=dumps, dump=dump)
    return members


def _string_module() -> dict[str, Any]:
    import string

    flags = string.Template.flags | re.VERBOSE
    default = Pattern(regex_module().compile(string.Template.pattern.pattern, flags))

    class Template(string.Template):
        """`string.Template` whose pattern is compiled by `regex` and matched against the run's
        deadline: the stdlib compiles a subclass's `pattern`/`idpattern`/`delimiter` with `re`,
        where a catastrophic pattern holds the interpreter past any deadline."""

        def __init_subclass__(cls) -> None:
            text: Any
            if "pattern" in cls.__dict__:
                text = cls.pattern
                if isinstance(text, Pattern):
                    return
            else:
                delim = re.escape(cls.delimiter)
                ident = cls.idpattern
                bid = cls.braceidpattern or cls.idpattern
                text = rf"""
                {delim}(?:
                  (?P<escaped>{delim})  |   # Escape sequence of two delimiters
                  (?P<named>{ident})       |   # delimiter and a Python identifier
                  {{(?P<braced>{bid})}} |   # delimiter and a braced identifier
                  (?P<invalid>)             # Other ill-formed delimiter exprs
                )
                """
            compiled: Any = Pattern(compile_regex(text, cls.flags | re.VERBOSE))
            cls.pattern = compiled

    Template.pattern = default  # type: ignore[assignment]  # after `string`'s own hook ran
    members = _public_members(string, EXCLUDED["string"])
    members["Template"] = Template
    return members


def regex_module() -> Any:
    import regex

    return regex


# How many characters one character can become, per normalization form (U+FDFA: 18 in NFKD).
_NORMAL_GROWTH = {"NFC": 3, "NFD": 4, "NFKC": 18, "NFKD": 18}


def _unicodedata_module() -> dict[str, Any]:
    import unicodedata

    def normalize(form: Any, text: str, /) -> str:
        if isinstance(text, str) and not text.isascii():
            _check_size(len(text) * _NORMAL_GROWTH.get(form, 18), f"normalize({form!r})")
        return unicodedata.normalize(form, text)

    members = _public_members(unicodedata, frozenset())
    members["normalize"] = normalize
    return members


FACADES: dict[str, Callable[[], dict[str, Any]]] = {
    "string": _string_module,
    "unicodedata": _unicodedata_module,
    "re": _re_module,
    "textwrap": _textwrap_module,
    "json": _json_module,
}
