"""Text facades: `re` (CPython's compiler for what a pattern is, the `regex` package for matching,
every match bounded by the deadline), `string` (its `Template` on the same `re`, less
`Formatter`), `json`, `textwrap` and `unicodedata` with their expansions sized before they
run, `urllib.parse` handed exact strings (it caches what it splits), `csv` less its process-wide
settings, `io` as `StringIO`/`BytesIO` only, and `pprint` writing to the run's output. `tests/executors/facades/test_facade_text.py` compares them with CPython."""

from __future__ import annotations

import functools
import re
import sys
import time
import types
from collections.abc import Callable, Iterator
from typing import Any, cast

import regex

from ._caches import exact
from ._facade import _public_members
from ._iterators import _through
from ._runtime import CURRENT, MAX_ITEMS, PolicyError, Timeout, _refuse

EXCLUDED: dict[str, frozenset[str]] = {
    # it reads any attribute a format field names (`str.format` goes through SafeFormatter)
    "string": frozenset({"Formatter"}),
    # process-wide settings (the dialect registry, the field size limit); `Sniffer` matches the
    # program's text with the stdlib `re`, past the deadline
    "csv": frozenset({"register_dialect", "unregister_dialect", "field_size_limit", "Sniffer"}),
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


# `re`'s flags as the `regex` package numbers them (`re.ASCII` is 256, which is `regex.VERSION1`).
# DEBUG is left out: it prints the compiled pattern on the host's stdout.
_FLAGS = (
    (re.IGNORECASE, regex.IGNORECASE),
    (re.MULTILINE, regex.MULTILINE),
    (re.DOTALL, regex.DOTALL),
    (re.UNICODE, regex.UNICODE),
    (re.VERBOSE, regex.VERBOSE),
    (re.ASCII, regex.ASCII),
)


@functools.lru_cache(maxsize=512)
def _compile(kind: type, pattern: str | bytes, flags: int) -> Pattern:
    """CPython compiles the pattern first: its errors, flags and groups are what programs see.
    `regex`, in `re`'s compatible VERSION0, does the matching, which it can stop at a deadline.
    (`kind` keeps `b"a"` and `"a"` apart in the cache.)"""
    checked = re.compile(pattern, flags & ~re.DEBUG)
    translated = regex.VERSION0
    for ours, theirs in _FLAGS:
        if flags & ours:
            translated |= theirs
    try:
        compiled = regex.compile(_sets_as_cpython(pattern, checked.flags), translated)
    except regex.error as exc:  # CPython accepted it: a difference between the two engines
        raise re.error(f"{exc} (the pattern is not supported in codemode)") from None
    return Pattern(checked, compiled)


def _sets_as_cpython(pattern: str | bytes, flags: int) -> str | bytes:
    """`pattern` with every `[` inside a character set escaped: CPython takes it as a literal
    (`[[:alpha:]]` is the set `[:alph` then `]`), `regex` as the start of a POSIX class."""
    text = pattern if isinstance(pattern, str) else pattern.decode("latin-1")
    if "[" not in text[text.find("[") + 1 :]:
        return pattern  # at most one `[`: nothing nested
    verbose = bool(flags & re.VERBOSE)
    out: list[str] = []
    in_set = in_comment = set_start = False
    index = 0
    while index < len(text):
        char = text[index]
        if in_comment:
            in_comment = char != "\n"
        elif char == "\\":
            out.append(text[index : index + 2])
            index += 2
            set_start = False
            continue
        elif in_set:
            if char == "[":
                char = "\\["
            elif char == "]" and not set_start:
                in_set = False
        elif char == "[":
            in_set = True
            out.append(char)
            index += 1
            if text.startswith("^", index):
                out.append("^")
                index += 1
            set_start = True  # a `]` first in a set is a literal
            continue
        elif verbose and char == "#":
            in_comment = True
        set_start = False
        out.append(char)
        index += 1
    rewritten = "".join(out)
    return rewritten if isinstance(pattern, str) else rewritten.encode("latin-1")


def compile(pattern: Any, flags: int = 0) -> Pattern:  # `re.compile`
    # exact copies: `re`, `regex` and `_compile` cache patterns process-wide (`_caches`)
    pattern, flags = exact(pattern), exact(flags)
    if isinstance(pattern, Pattern):
        if flags:
            raise ValueError("cannot process flags argument with a compiled pattern")
        return pattern
    if isinstance(pattern, str | bytes) and len(pattern) > MAX_PATTERN:
        raise PolicyError(
            f"a regular expression of {len(pattern)} characters (limit {MAX_PATTERN}): compiling "
            "it is one long call that the deadline cannot stop"
        )
    if isinstance(pattern, str | bytes) and isinstance(flags, int):
        # exact text already (above): CPython's, `regex`'s and this module's caches are
        # process-wide, and a program `str` subclass kept as a key would have its `__eq__` run by
        # later lookups (the host's own `re.compile` included), after its run is over
        text = str.__str__(pattern) if isinstance(pattern, str) else bytes(pattern)
        return _compile(type(text), text, int(flags))
    if not isinstance(pattern, str | bytes):
        re.compile(pattern)  # CPython's TypeError for what is not a pattern
    flags & re.DEBUG  # CPython's TypeError for flags that are not a number
    raise TypeError(f"flags must be an int, not {type(flags).__name__}")


class Pattern:
    """`re.Pattern`: CPython's compiled pattern for what it says about itself, `regex`'s for
    matching, every match run against the execution's deadline."""

    __slots__ = ("_cm_checked_", "_cm_pattern_")
    _cm_checked_: re.Pattern[Any]
    _cm_pattern_: Any

    def __init__(self, checked: re.Pattern[Any], compiled: Any) -> None:
        object.__setattr__(self, "_cm_checked_", checked)
        object.__setattr__(self, "_cm_pattern_", compiled)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"readonly attribute {name!r} of 're.Pattern' object")

    # `re.Pattern[str]` in an annotation, as CPython's class allows
    __class_getitem__: Any = classmethod(types.GenericAlias)

    pattern = property(lambda self: self._cm_checked_.pattern)
    flags = property(lambda self: self._cm_checked_.flags)
    groups = property(lambda self: self._cm_checked_.groups)
    groupindex = property(lambda self: self._cm_checked_.groupindex)

    def search(self, string: Any, pos: int = 0, endpos: int = sys.maxsize) -> Match | None:
        return self._match(self._cm_pattern_.search, string, pos, endpos)

    def match(self, string: Any, pos: int = 0, endpos: int = sys.maxsize) -> Match | None:
        return self._match(self._cm_pattern_.match, string, pos, endpos)

    def fullmatch(self, string: Any, pos: int = 0, endpos: int = sys.maxsize) -> Match | None:
        return self._match(self._cm_pattern_.fullmatch, string, pos, endpos)

    # The text searched is an exact copy as well: `regex`'s objects are invisible to the garbage
    # collector, so a match holding a program's `str` subclass (whose class reaches the match
    # back through the program's globals) would keep the whole run alive for good.

    def _match(self, method: Any, string: Any, pos: int, endpos: int) -> Match | None:
        found = _regex_call(method, exact(string), pos, endpos)
        return None if found is None else Match(found, self)

    def findall(self, string: Any, pos: int = 0, endpos: int = sys.maxsize) -> list[Any]:
        found: list[Any] = _regex_call(self._cm_pattern_.findall, exact(string), pos, endpos)
        return found

    def finditer(self, string: Any, pos: int = 0, endpos: int = sys.maxsize) -> Iterator[Match]:
        found = _regex_call(_all_matches, self._cm_pattern_, exact(string), pos, endpos)
        return iter([Match(each, self) for each in found])

    def split(self, string: Any, maxsplit: int = 0) -> list[Any]:
        parts: list[Any] = _regex_call(self._cm_pattern_.split, exact(string), maxsplit)
        return parts

    def sub(self, repl: Any, string: Any, count: int = 0) -> Any:
        string = exact(string)
        return _regex_call(self._cm_pattern_.sub, self._sized(repl, string, count), string, count)

    def subn(self, repl: Any, string: Any, count: int = 0) -> Any:
        string = exact(string)
        return _regex_call(self._cm_pattern_.subn, self._sized(repl, string, count), string, count)

    def _sized(self, repl: Any, string: Any, count: Any) -> Any:
        """The replacement for `sub`, sized: a template whose expansions could pass `MAX_ITEMS`
        (`\\g<0>` a thousand times over a long match, a group inside a lookahead that spans the
        rest of the text at every position) is expanded match by match against a running total
        instead, so that the result is refused before it is built."""
        repl = self._repl(repl)
        if callable(repl) or not isinstance(string, str | bytes | bytearray | memoryview):
            return repl  # a function's results are the program's own objects, sized as made
        size = len(string)
        matches = size + 1 if not isinstance(count, int) or count <= 0 else min(count, size + 1)
        refs = _template_refs(repl)
        bounded = not (refs and _has_lookaround(self._cm_checked_.pattern))
        if bounded and size + matches * len(repl) + refs * size <= MAX_ITEMS:
            return repl  # the usual case: expanded by `regex`, in C
        total = [size]
        groups = _template_groups(repl)

        def expand(found: Any) -> Any:
            total[0] += _expansion_size(found, repl, groups)
            if total[0] > MAX_ITEMS:
                raise _refuse(f"re.sub would make more than {MAX_ITEMS} characters")
            return found.expand(repl)

        return expand

    def _repl(self, repl: Any) -> Any:
        if callable(repl):  # the program's function is given an `re.Match`, as in CPython
            # What it returns is joined in one call at the end, as many times as it matches:
            # sized as it comes (a function returning one long string for each of a thousand
            # matches made a thousand copies of it).
            total = [0]

            def call(found: Any) -> Any:
                piece = repl(Match(found, self))
                if isinstance(piece, str | bytes):
                    total[0] += len(piece) if type(piece) in (str, bytes) else _exact_len(piece)
                    if total[0] > MAX_ITEMS:
                        raise _refuse(f"sub would make over {MAX_ITEMS} characters of replacements")
                return piece

            return call
        return self._check_template(repl)

    def _check_template(self, template: Any) -> Any:
        """CPython parses a template (`\\1`, `\\g<name>`) before any match: its errors are
        the ones programs see, whatever `regex` would say. Returns the template as an exact
        copy (both engines cache parsed templates process-wide)."""
        template = exact(template)
        if callable(template):  # (CPython's words; `sub` would call it on a CPython match)
            kind = type(template).__name__
            raise TypeError(f"decoding to str: need a bytes-like object, {kind} found")
        # Anything else that is no template is refused here, as CPython does: `regex` leaks a
        # reference to what it cannot parse, which would keep the run's objects alive for good.
        checked = self._cm_checked_
        checked.sub(template, checked.pattern[:0])
        return template

    def __repr__(self) -> str:
        return repr(self._cm_checked_)

    def __eq__(self, other: Any) -> bool:
        return isinstance(other, Pattern) and self._cm_checked_ == other._cm_checked_

    def __hash__(self) -> int:
        return hash(self._cm_checked_)

    def __copy__(self) -> Pattern:
        return self  # immutable, as CPython's compiled patterns

    def __deepcopy__(self, memo: Any) -> Pattern:
        return self


# Group references in a replacement template (`\\1`, `\\g<name>`), found conservatively (an
# escaped backslash before a digit counts too).
_REFS = (
    re.compile(r"\\(?:g<([^>]*)>|([1-9][0-9]?))"),
    re.compile(rb"\\(?:g<([^>]*)>|([1-9][0-9]?))"),
)


def _template_groups(template: Any) -> list[Any]:
    """The groups a template refers to, by number or name."""
    groups: list[Any] = []
    for name, number in _REFS[not isinstance(template, str)].findall(template):
        ref = name or number
        ref = ref if isinstance(ref, str) else ref.decode("latin-1")
        groups.append(int(ref) if ref.isdigit() else ref)
    return groups


def _template_refs(template: Any) -> int:
    return len(_template_groups(template))


def _expansion_size(found: Any, template: Any, groups: list[Any]) -> int:
    """At most how long `found.expand(template)` is: the template and each group it names."""
    size = len(template)
    for group in groups:
        try:
            start, end = found.span(group)
        except (IndexError, KeyError, ValueError, TypeError):  # no such group: `expand` says so
            continue
        size += max(end - start, 0)
    return size


def _has_lookaround(pattern: Any) -> bool:
    """Whether a group of `pattern` may lie outside its match (a lookahead or lookbehind): then
    the groups of successive matches overlap and their expansions can pass the text's size."""
    marks = ("(?=", "(?!", "(?<=", "(?<!")
    text = pattern if isinstance(pattern, str) else bytes(pattern).decode("latin-1")
    return any(mark in text for mark in marks)


def _all_matches(compiled: Any, string: Any, pos: int, endpos: int, **kwargs: Any) -> list[Any]:
    return list(compiled.finditer(string, pos, endpos, **kwargs))


# Compiling a pattern is one C call, about 5 us per character of pattern, with no deadline check.
MAX_PATTERN = 20_000


class Match:
    """`re.Match` over a `regex` match, with CPython's repr and group rules."""

    __slots__ = ("_cm_match_", "_cm_re_")
    _cm_match_: Any
    _cm_re_: Pattern

    def __init__(self, found: Any, pattern: Pattern) -> None:
        object.__setattr__(self, "_cm_match_", found)
        object.__setattr__(self, "_cm_re_", pattern)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"readonly attribute {name!r} of 're.Match' object")

    __class_getitem__: Any = classmethod(types.GenericAlias)

    # A method given arguments of the wrong shape is called on a CPython match with them:
    # that raises CPython's own TypeError.

    def group(self, *groups: Any, **kwargs: Any) -> Any:
        if kwargs:
            _SAMPLE.group(*groups, **kwargs)
        return self._cm_match_.group(*map(_group, groups))

    def __getitem__(self, group: Any) -> Any:
        return self._cm_match_.group(_group(group))

    def groups(self, *args: Any, **kwargs: Any) -> tuple[Any, ...]:
        if len(args) + len(kwargs) > 1 or not kwargs.keys() <= {"default"}:
            _SAMPLE.groups(*args, **kwargs)
        found: tuple[Any, ...] = self._cm_match_.groups(*args, **kwargs)
        return found

    def groupdict(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        if len(args) + len(kwargs) > 1 or not kwargs.keys() <= {"default"}:
            _SAMPLE.groupdict(*args, **kwargs)
        found: dict[str, Any] = self._cm_match_.groupdict(*args, **kwargs)
        return found

    def start(self, *args: Any, **kwargs: Any) -> int:
        found: int = self._cm_match_.start(*_one_group("start", args, kwargs))
        return found

    def end(self, *args: Any, **kwargs: Any) -> int:
        found: int = self._cm_match_.end(*_one_group("end", args, kwargs))
        return found

    def span(self, *args: Any, **kwargs: Any) -> tuple[int, int]:
        found: tuple[int, int] = self._cm_match_.span(*_one_group("span", args, kwargs))
        return found

    def expand(self, *args: Any, **kwargs: Any) -> Any:
        if len(args) != 1 or kwargs:
            _SAMPLE.expand(*args, **kwargs)
        template = self._cm_re_._check_template(args[0])
        found = self._cm_match_
        _check_size(_expansion_size(found, template, _template_groups(template)), "Match.expand")
        return found.expand(template)

    string = property(lambda self: self._cm_match_.string)
    re = property(lambda self: self._cm_re_)
    pos = property(lambda self: self._cm_match_.pos)
    endpos = property(lambda self: self._cm_match_.endpos)
    lastindex = property(lambda self: self._cm_match_.lastindex)
    lastgroup = property(lambda self: self._cm_match_.lastgroup)
    regs = property(lambda self: self._cm_match_.regs)

    def __repr__(self) -> str:
        return f"<re.Match object; span={self.span()!r}, match={self.group()!r}>"

    def __copy__(self) -> Match:
        return self

    def __deepcopy__(self, memo: Any) -> Match:
        return self


for _shown in (Pattern, Match):
    _shown.__module__ = "re"  # `<class 're.Match'>`, as in CPython


_SAMPLE = cast(re.Match[str], re.match("", ""))  # a CPython match, for its argument errors


def _one_group(method: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, ...]:
    if len(args) > 1 or kwargs:
        getattr(_SAMPLE, method)(*args, **kwargs)
    return tuple(map(_group, args))


def _group(group: Any) -> Any:
    """A group as CPython's `re` takes one: an index or a name; anything else is no group."""
    if isinstance(group, int | str | bytes):
        return group
    if hasattr(type(group), "__index__"):
        return group.__index__()
    raise IndexError("no such group")


def _re_module() -> dict[str, Any]:
    """`re`, backed by the `regex` package so that no match can outrun the deadline (a
    catastrophic pattern in CPython's `re` holds the GIL until it is done)."""

    def search(pattern: Any, string: Any, flags: int = 0) -> Match | None:
        return compile(pattern, flags).search(string)

    def match(pattern: Any, string: Any, flags: int = 0) -> Match | None:
        return compile(pattern, flags).match(string)

    def fullmatch(pattern: Any, string: Any, flags: int = 0) -> Match | None:
        return compile(pattern, flags).fullmatch(string)

    def findall(pattern: Any, string: Any, flags: int = 0) -> list[Any]:
        return compile(pattern, flags).findall(string)

    def finditer(pattern: Any, string: Any, flags: int = 0) -> Iterator[Match]:
        return compile(pattern, flags).finditer(string)

    def split(pattern: Any, string: Any, maxsplit: int = 0, flags: int = 0) -> list[Any]:
        return compile(pattern, flags).split(string, maxsplit)

    def sub(pattern: Any, repl: Any, string: Any, count: int = 0, flags: int = 0) -> Any:
        return compile(pattern, flags).sub(repl, string, count)

    def subn(pattern: Any, repl: Any, string: Any, count: int = 0, flags: int = 0) -> Any:
        return compile(pattern, flags).subn(repl, string, count)

    def purge() -> None:
        _compile.cache_clear()

    members = _public_members(re, EXCLUDED["re"])
    members.update(
        search=search,
        match=match,
        fullmatch=fullmatch,
        findall=findall,
        finditer=finditer,
        split=split,
        sub=sub,
        subn=subn,
        compile=compile,
        purge=purge,
        Pattern=Pattern,
        Match=Match,
        error=re.error,
        escape=re.escape,
    )
    return members


def _check_size(size: int, what: str) -> None:
    if size > MAX_ITEMS:
        raise _refuse(f"{what} would make about {size} characters (limit {MAX_ITEMS})")


# Items (characters to wrap, lines to indent) one call of `textwrap`'s own Python code may loop
# over: about half a microsecond each, with no deadline checks.
MAX_TEXTWRAP_LOOP = 1_000_000


def _check_loop(items: int, what: str) -> None:
    if items > MAX_TEXTWRAP_LOOP:
        raise _refuse(f"{what} {items} (limit {MAX_TEXTWRAP_LOOP}) in one call")


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
            _check_loop(_text_length(text), "wrapping a text of")
            return super().wrap(text)

    def wrap(text: str, width: int = 70, **kwargs: Any) -> list[str]:
        return TextWrapper(width=width, **kwargs).wrap(text)

    def fill(text: str, width: int = 70, **kwargs: Any) -> str:
        return TextWrapper(width=width, **kwargs).fill(text)

    def shorten(text: str, width: int, **kwargs: Any) -> str:
        wrapper = TextWrapper(width=width, max_lines=1, **kwargs)
        return wrapper.fill(" ".join(text.strip().split()))

    def indent(text: str, prefix: str, predicate: Any = None) -> str:
        lines = text.count("\n") + 1 if isinstance(text, str) else 0
        _check_size(_text_length(text) + lines * _text_length(prefix), "indent")
        _check_loop(lines, "indenting lines:")
        return textwrap.indent(text, prefix, predicate)

    members = _public_members(textwrap, frozenset())
    members.update(TextWrapper=TextWrapper, wrap=wrap, fill=fill, indent=indent, shorten=shorten)
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


_JSON_NESTED = (list, tuple, dict)


def _check_json_layout(obj: Any, indent: Any, separators: Any) -> None:
    """An indent and the separators repeat on every item of the output, at every depth:
    `json.dumps([[0]] * 10**5, indent=500)` made 2 * 10**8 characters in one call. The items
    are counted first (as the encoder walks them, shared ones each time they occur, without
    running the program's code), up to the size limit."""
    width = len(indent) if isinstance(indent, str) else indent if isinstance(indent, int) else -1
    parts = separators if isinstance(separators, tuple | list) else ()
    extra = sum(len(part) for part in parts if isinstance(part, str))
    if width < 0 and extra <= 4:
        return  # no indent and short separators: the output is as long as its text
    per_level = max(width, 0) + 1 if width >= 0 else 0
    total = 0
    pending: list[tuple[Any, int, frozenset[int]]] = [(obj, 1, frozenset())]
    while pending:
        item, depth, path = pending.pop()
        if isinstance(item, list | tuple):
            children: Any = list.__iter__(item) if isinstance(item, list) else tuple.__iter__(item)
            count = len(item)
        elif isinstance(item, dict):
            children = dict.values(item)
            count = dict.__len__(item)
        else:
            continue
        if id(item) in path:
            continue  # a cycle: the encoder refuses it
        total += count * (per_level * depth + extra)
        if total > MAX_ITEMS:
            raise _refuse(f"JSON indents and separators would make over {MAX_ITEMS} characters")
        inner = path | {id(item)}
        pending.extend(
            (child, depth + 1, inner) for child in children if isinstance(child, _JSON_NESTED)
        )


def _json_module() -> dict[str, Any]:
    import json

    class JSONEncoder(json.JSONEncoder):
        # checked where the options are used: a subclass may set them after `__init__`
        def iterencode(self, o: Any, _one_shot: bool = False) -> Any:
            separators = (self.item_separator, self.key_separator)
            _check_json_options(self.indent, separators)
            _check_json_layout(o, self.indent, separators)
            return super().iterencode(o, _one_shot)

    def sized(real: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(real)  # `__wrapped__`: inspect.signature shows json's own parameters
        def call(*args: Any, **kwargs: Any) -> Any:
            indent, separators = kwargs.get("indent"), kwargs.get("separators")
            _check_json_options(indent, separators)
            if args and kwargs.get("cls") is None:  # (a facade encoder checks for itself)
                _check_json_layout(args[0], indent, separators)
            return real(*args, **kwargs)

        return call

    dumps, dump = sized(json.dumps), sized(json.dump)

    members = _public_members(json, frozenset())
    members.update(JSONEncoder=JSONEncoder, dumps=dumps, dump=dump)
    return members


def _exact_len(text: Any) -> int:
    return str.__len__(text) if isinstance(text, str) else bytes.__len__(text)


_NO_MAPPING: dict[str, Any] = {}


class _SizedLookup:
    """The names a `Template` substitutes, looked up (keywords first, as the stdlib's `ChainMap`)
    and turned into text here, with the running size of the result checked."""

    __slots__ = ("kws", "mapping", "total")

    def __init__(self, template: Any, mapping: Any, kws: dict[str, Any]) -> None:
        self.mapping, self.kws = mapping, kws
        self.total = len(template) if isinstance(template, str) else 0

    def __getitem__(self, name: str) -> str:
        value = self.kws[name] if name in self.kws else self.mapping[name]
        text = str(value)
        self.total += str.__len__(text)
        if self.total > MAX_ITEMS:
            raise _refuse(f"Template substitution would make over {MAX_ITEMS} characters")
        return text


def _string_module() -> dict[str, Any]:
    import string

    flags = string.Template.flags | re.VERBOSE
    default = compile(string.Template.pattern.pattern, flags)

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
            compiled: Any = compile(text, cls.flags | re.VERBOSE)
            cls.pattern = compiled

        # The stdlib substitutes through one `pattern.sub` whose pieces are joined in one call
        # at the end: each value is sized as it is looked up (`('$a' * 1000)` of a long `a`).
        def substitute(self, mapping: Any = _NO_MAPPING, /, **kws: Any) -> str:
            lookup: Any = _SizedLookup(self.template, mapping, kws)
            return super().substitute(lookup)

        def safe_substitute(self, mapping: Any = _NO_MAPPING, /, **kws: Any) -> str:
            lookup: Any = _SizedLookup(self.template, mapping, kws)
            return super().safe_substitute(lookup)

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

    def normalize(form: Any, unistr: str, /) -> str:
        if isinstance(unistr, str) and not unistr.isascii():
            _check_size(len(unistr) * _NORMAL_GROWTH.get(form, 18), f"normalize({form!r})")
        return unicodedata.normalize(form, unistr)

    members = _public_members(unicodedata, frozenset())
    members["normalize"] = normalize
    return members


def _exact_text(value: Any) -> Any:
    """A `str` or `bytes` subclass's instance as an exact copy (made by the builtin, running none
    of the subclass's methods); anything else as it is."""
    if type(value) is not str and isinstance(value, str):
        return str.__str__(value)
    if type(value) is not bytes and isinstance(value, bytes):
        return bytes.__bytes__(value) if hasattr(bytes, "__bytes__") else bytes(memoryview(value))
    return exact(value)


# Functions whose arguments become keys of `urlsplit`'s process-wide lru_cache (and `quote`'s
# cache of `safe` sets): a program object kept there would run its `__eq__` in the host's lookups.
_URL_CACHED = frozenset({"urlsplit", "urlparse", "urljoin", "urldefrag"})
# what may reach the cache: exact text and flags, or builtins it refuses as unhashable
_URL_TEXT = (str, bytes, bool, int, type(None), bytearray, list, dict, set)


def _url_function(name: str, real: Callable[..., Any]) -> Callable[..., Any]:
    cached = name in _URL_CACHED

    @functools.wraps(real)
    def call(*args: Any, **kwargs: Any) -> Any:
        args = tuple(_exact_text(a) for a in args)
        kwargs = {k: _exact_text(v) for k, v in kwargs.items()}
        if cached:
            for value in (*args, *kwargs.values()):
                if type(value) not in _URL_TEXT:
                    raise TypeError(f"{name}() takes str or bytes, not {type(value).__name__}")
        return real(*args, **kwargs)

    return call


def _urllib_parse_module() -> dict[str, Any]:
    import urllib.parse

    members = _public_members(urllib.parse, frozenset())
    for name, value in list(members.items()):
        if callable(value) and not isinstance(value, type):  # `urlsplit` is an lru_cache
            members[name] = _url_function(name, value)
    return members


def _csv_module() -> dict[str, Any]:
    import csv

    members = _public_members(csv, EXCLUDED["csv"])
    real_reader = csv.reader

    def reader(csvfile: Any, /, *args: Any, **kwargs: Any) -> Any:
        # its `next` calls the lines' `next` in C: a chain of readers (`x = csv.reader(x)`)
        # would recurse in C through every layer; a generator between them is counted against
        # the recursion limit instead
        if type(csvfile) not in _PLAIN_LINES:
            csvfile = _through(csvfile)
        return real_reader(csvfile, *args, **kwargs)

    members["reader"] = reader
    return members


_PLAIN_LINES = frozenset({list, tuple, str, dict, set, frozenset})


class _RunOutput:
    """Where `pprint` writes when given no stream: the running program's `print`, not the
    process's `sys.stdout`."""

    __slots__ = ()

    def write(self, text: str) -> int:
        execution = CURRENT.get(None)
        show = execution.globals.get("print") if execution is not None else None
        if not callable(show):
            raise PolicyError("pprint has no output here: pass stream=")
        show(text, end="")
        return len(text)


def _pprint_module() -> dict[str, Any]:
    import pprint

    class PrettyPrinter(pprint.PrettyPrinter):
        __doc__ = pprint.PrettyPrinter.__doc__

        def __init__(
            self,
            indent: int = 1,
            width: int = 80,
            depth: int | None = None,
            stream: Any = None,
            *,
            compact: bool = False,
            sort_dicts: bool = True,
            underscore_numbers: bool = False,
        ) -> None:
            super().__init__(
                indent,
                width,
                depth,
                _RunOutput() if stream is None else stream,  # type: ignore[arg-type]
                compact=compact,
                sort_dicts=sort_dicts,
                underscore_numbers=underscore_numbers,
            )

    PrettyPrinter.__module__ = "pprint"

    def pprint_(
        object: Any,
        stream: Any = None,
        indent: int = 1,
        width: int = 80,
        depth: int | None = None,
        *,
        compact: bool = False,
        sort_dicts: bool = True,
        underscore_numbers: bool = False,
    ) -> None:
        printer = PrettyPrinter(
            indent,
            width,
            depth,
            stream,
            compact=compact,
            sort_dicts=sort_dicts,
            underscore_numbers=underscore_numbers,
        )
        printer.pprint(object)

    def pp(object: Any, *args: Any, sort_dicts: bool = False, **kwargs: Any) -> None:
        pprint_(object, *args, sort_dicts=sort_dicts, **kwargs)

    members = _public_members(pprint, frozenset())
    members.update(PrettyPrinter=PrettyPrinter, pprint=pprint_, pp=pp)
    return members


def _io_module() -> dict[str, Any]:
    """`io` as in-memory text and bytes only: files (`open`, `FileIO`, the buffered and wrapped
    classes over them) are the host's."""
    import io

    names = ("StringIO", "BytesIO", "SEEK_SET", "SEEK_CUR", "SEEK_END", "UnsupportedOperation")
    return {name: getattr(io, name) for name in names}


FACADES: dict[str, Callable[[], dict[str, Any]]] = {
    "csv": _csv_module,
    "pprint": _pprint_module,
    "io": _io_module,
    "urllib.parse": _urllib_parse_module,
    "string": _string_module,
    "unicodedata": _unicodedata_module,
    "re": _re_module,
    "textwrap": _textwrap_module,
    "json": _json_module,
}
