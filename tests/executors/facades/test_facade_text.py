"""The text facades (`facade_text.py`) against CPython: `re` (on the `regex` package), `textwrap`,
`string`, `unicodedata`. Every module-level `re` function with its flags positional and by
keyword, the `Pattern` and `Match` methods with their documented arguments, and generated
patterns and texts compared match for match."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from .differential import Spec, assert_same

MODULES = ("re", "textwrap", "string", "unicodedata", "urllib.parse", "csv", "io", "pprint")

# CPython's own warning for `[[` (it reads it as characters, and says so), from both sides
pytestmark = pytest.mark.filterwarnings("ignore:Possible nested set:FutureWarning")

RE_SPECS: list[Spec] = [
    # module functions: flags positional (as models write them), by keyword, defaults
    lambda m: m.findall(r"^b\w*", "a\nbc\nbd", m.M),
    lambda m: m.findall(r"^b\w*", "a\nbc\nbd", flags=m.M),
    lambda m: m.findall(r"^b\w*", "a\nbc\nbd"),
    lambda m: list(m.finditer(r"x", "XxX", m.I)),
    lambda m: m.search(r"B", "abc", m.I),
    lambda m: m.search(r"B", "abc", flags=m.IGNORECASE),
    lambda m: m.match(r"a.c", "a\nc", m.S),
    lambda m: m.fullmatch(r"a.c", "a\nc", m.DOTALL),
    lambda m: m.fullmatch(r"abc", "abcd"),
    lambda m: m.sub(r"A", "x", "aAa", 1, m.I),
    lambda m: m.sub(r"A", "x", "aAa", count=1, flags=m.I),
    lambda m: m.sub(r"a", "x", "aaa", 2),
    lambda m: m.subn(r"a", "x", "aaa", 2, m.I),
    lambda m: m.sub(r"(\w)(\d)", r"\2\1", "a1 b2"),
    lambda m: m.sub(r"(?P<w>\w+)", r"<\g<w>>", "hi there"),
    lambda m: m.sub(r"\d", lambda found: str(int(found.group()) * 2), "a1b2"),
    lambda m: m.split(r",", "a,b,c", 1),
    lambda m: m.split(r"x", "aXbXc", 1, m.I),
    lambda m: m.split(r"x", "aXbXc", maxsplit=1, flags=m.I),
    lambda m: m.split(r"(,)", "a,b"),
    lambda m: m.split(r"\b", "a b"),
    # ASCII (256 in `re`, VERSION1 in `regex`) and UNICODE
    lambda m: m.findall(r"\w+", "héllo wörld", m.A),
    lambda m: m.findall(r"\w+", "héllo wörld", m.ASCII),
    lambda m: m.findall(r"\w+", "héllo wörld"),
    lambda m: m.findall(r"(?a)\w+", "héllo"),
    lambda m: m.findall(r"\d", "١2", m.U),
    lambda m: m.findall(rb"\w+", b"abc def"),
    lambda m: m.findall(r"a b # comment", "ab", m.X),
    lambda m: m.findall(r"[[:alpha:]]+", "ab[:l]"),
    lambda m: m.findall(r"[x[:digit:]]", "1x:d]"),
    lambda m: m.findall(r"# [x\n [[:a:]]", "a:]", m.X),
    # compiled patterns
    lambda m: m.compile(r"a+", m.I),
    lambda m: m.compile(r"(?P<x>a)(b)?").groupindex,
    lambda m: m.compile(r"a").flags,
    lambda m: m.compile(rb"a").flags,
    lambda m: m.compile(r"(a)(b)").groups,
    lambda m: m.compile(r"a+").search("xaay", 2),
    lambda m: m.compile(r"a+").search("xaay", 1, 2),
    lambda m: m.compile(r"a+").match("xaay", pos=1),
    lambda m: m.compile(r"a").findall("aXaa", 1, 3),
    lambda m: list(m.compile(r"a").finditer("aXaa", endpos=3)),
    lambda m: m.compile(r"a").split("bab", maxsplit=1),
    lambda m: m.compile(r"a").sub("x", "aaa", count=2),
    lambda m: m.compile(r"a") == m.compile(r"a"),
    lambda m: m.compile(m.compile(r"a")).pattern,
    lambda m: m.search(m.compile(r"a"), "a", m.I),
    lambda m: m.compile(r"a", m.I).pattern,
    # matches
    lambda m: m.search(r"(\d+)-(\d+)", "ab 12-34").group(0, 1, 2),
    lambda m: m.search(r"(\d+)-(\d+)", "ab 12-34").group(1.5),
    lambda m: m.search(r"(\d+)", "ab 12")[1],
    lambda m: m.search(r"(?P<n>\d+)", "ab 12")["n"],
    lambda m: m.search(r"(a)|(b)", "b").groups(),
    lambda m: m.search(r"(a)|(b)", "b").groups("-"),
    lambda m: m.search(r"(a)|(b)", "b").groups(default="-"),
    lambda m: m.search(r"(?P<a>a)|(?P<b>b)", "b").groupdict(),
    lambda m: m.search(r"(?P<a>a)|(?P<b>b)", "b").groupdict(0),
    lambda m: m.search(r"(?P<a>a)", "a").groupdict(wrong=1),
    lambda m: m.search(r"(a)", "xa").span(1),
    lambda m: m.search(r"(a)", "xa").start(),
    lambda m: m.search(r"(a)", "xa").end(1),
    lambda m: m.search(r"(a)", "xa").span(2),
    lambda m: m.search(r"(a)", "xa").span("nope"),
    lambda m: m.search(r"(?P<a>a)", "xa").span("a"),
    lambda m: m.search(r"(\w)(\w)", "ab").expand(r"\2\1-\g<1>"),
    lambda m: m.search(r"(\w)", "ab").expand(r"\9"),
    lambda m: (lambda found: (found.string, found.pos, found.endpos))(m.search("b", "abc")),
    lambda m: (lambda found: (found.lastindex, found.lastgroup))(m.search("(?P<x>b)", "ab")),
    lambda m: m.search(r"(b)", "ab").regs,
    lambda m: m.search(r"(b)", "ab").re.pattern,
    lambda m: repr(m.search(r"b+", "abb")),
    lambda m: bool(m.search("a", "a")),
    # errors
    lambda m: m.compile(r"(a"),
    lambda m: m.compile(r"a{2,1}"),
    lambda m: m.compile(r"[b-a]"),
    lambda m: m.compile(r"\p"),
    lambda m: m.compile(r"(?P<1>a)"),
    lambda m: m.search(123, "a"),
    lambda m: m.search("h", "hi", "bad"),
    lambda m: m.search("h", "hi", 2.0),
    lambda m: m.findall("a", "aA", m.RegexFlag(2)),
    lambda m: m.sub(r"a", r"\9", "a"),
    lambda m: m.escape("a.b*c"),
    lambda m: m.purge(),
]


@pytest.mark.parametrize("spec", RE_SPECS)
def test_re_as_cpython(spec: Spec) -> None:
    assert_same("re", spec)


PIECES = ["a", "b", ".", r"\w", r"\d", r"\s", "[ab]", "[^a]", "(a|b)", "(?:ab)", r"\b", "^", "$"]
PIECES += ["[[:alpha:]]", "[a[:b:]]", "[]a]", r"[\]a]", r"(a)\1", "(?=a)", "(?<!b)", r"\Z"]
QUANTIFIERS = ["", "*", "+", "?", "{1,2}", "*?"]


@st.composite
def patterns(draw: st.DrawFn) -> str:
    parts = draw(
        st.lists(st.tuples(st.sampled_from(PIECES), st.sampled_from(QUANTIFIERS)), max_size=4)
    )
    return "".join(piece + ("" if piece in ANCHORS else quantifier) for piece, quantifier in parts)


ANCHORS = (r"\b", "^", "$", "(?=a)", "(?<!b)", r"\Z")


FLAG_NAMES = st.lists(st.sampled_from(["I", "M", "S", "A", "U"]), max_size=2, unique=True)


@settings(max_examples=150, deadline=None)
@given(
    pattern=patterns(),
    text=st.text(alphabet="abAB1 _\né-", max_size=12),
    flag_names=FLAG_NAMES,
)
def test_re_generated_patterns_as_cpython(pattern: str, text: str, flag_names: list[str]) -> None:
    if "A" in flag_names and "U" in flag_names:
        flag_names.remove("U")  # CPython refuses the pair; checked in RE_SPECS

    def flags(m: object) -> int:
        value = 0
        for name in flag_names:
            value |= getattr(m, name)
        return value

    assert_same("re", lambda m: m.findall(pattern, text, flags(m)))
    assert_same("re", lambda m: m.search(pattern, text, flags(m)))
    assert_same("re", lambda m: m.sub(pattern, "<\\g<0>>", text, 2, flags(m)))
    assert_same("re", lambda m: m.split(pattern, text, 1, flags(m)))


def _pprint_to_stream(m: Any) -> Any:
    import io

    out = io.StringIO()
    m.pprint({"k": list(range(30))}, stream=out, width=40, compact=True)
    m.PrettyPrinter(indent=2, stream=out).pprint([{"a": 1}])
    m.pp({"z": 1, "a": 2}, stream=out)
    return out.getvalue()


def _csv_written(m: Any) -> Any:
    import io  # the stream is the program's either way; the facade has it too

    out = io.StringIO()
    writer = m.DictWriter(out, fieldnames=["name", "note"], quoting=m.QUOTE_MINIMAL)
    writer.writeheader()
    writer.writerows([{"name": "a", "note": 'says "hi", twice'}, {"name": "b", "note": ""}])
    m.writer(out, lineterminator="\n").writerow([1, None, 2.5])
    return out.getvalue()


TEXT_SPECS: list[tuple[str, Spec]] = [
    ("textwrap", lambda m: m.wrap("The quick brown fox jumps over the lazy dog", 10)),
    ("textwrap", lambda m: m.wrap("a b c d", width=3, max_lines=2, placeholder="..")),
    ("textwrap", lambda m: m.fill("The quick brown fox", width=8, initial_indent="> ")),
    ("textwrap", lambda m: m.shorten("Hello  world, how are you", 12)),
    ("textwrap", lambda m: m.shorten("Hello world", width=5, placeholder="~")),
    ("textwrap", lambda m: m.dedent("    a\n      b\n")),
    ("textwrap", lambda m: m.indent("a\n\nb", "> ")),
    ("textwrap", lambda m: m.indent("a\n\nb", "> ", lambda line: True)),
    ("textwrap", lambda m: m.TextWrapper(width=5, break_long_words=False).wrap("abcdefgh ij")),
    ("textwrap", lambda m: m.TextWrapper(width=0).wrap("a")),
    ("string", lambda m: (m.ascii_letters, m.digits, m.punctuation, m.whitespace)),
    ("string", lambda m: m.capwords("hello   world-wide web")),
    ("string", lambda m: m.capwords("a-b-c", "-")),
    ("string", lambda m: m.Template("$who likes ${what}").substitute(who="tim", what="kung pao")),
    ("string", lambda m: m.Template("$who $x").safe_substitute({"who": "a"})),
    ("string", lambda m: m.Template("$who").substitute({})),
    ("unicodedata", lambda m: m.name("é")),
    ("unicodedata", lambda m: m.name("\x00", "none")),
    ("unicodedata", lambda m: m.name("\x00")),
    ("unicodedata", lambda m: m.lookup("LATIN SMALL LETTER E WITH ACUTE")),
    ("unicodedata", lambda m: m.normalize("NFKD", "ﬁé")),
    ("unicodedata", lambda m: m.is_normalized("NFC", "é")),
    ("unicodedata", lambda m: (m.category("A"), m.bidirectional("A"), m.combining("\u0301"))),
    ("unicodedata", lambda m: (m.decimal("7"), m.digit("7"), m.numeric("½"))),
    ("unicodedata", lambda m: m.decimal("a", -1)),
    ("unicodedata", lambda m: m.category("ab")),
    ("unicodedata", lambda m: (m.east_asian_width("界"), m.mirrored("("), m.decomposition("é"))),
    ("unicodedata", lambda m: m.unidata_version),
    ("urllib.parse", lambda m: tuple(m.urlparse("https://u:p@a.example:8080/x;y?q=1&q=2#f"))),
    ("urllib.parse", lambda m: m.urlsplit(b"http://h/p?x", "https", False)),
    ("urllib.parse", lambda m: m.urlsplit("http://h", allow_fragments=[])),
    ("urllib.parse", lambda m: m.urljoin("https://x.org/a/b/c", "../d?e")),
    ("urllib.parse", lambda m: m.urldefrag("http://h/p#frag")),
    ("urllib.parse", lambda m: m.urlencode({"a": "b c", "n": [1, 2]}, doseq=True)),
    ("urllib.parse", lambda m: m.urlencode([("k", "ü")], quote_via=m.quote)),
    ("urllib.parse", lambda m: m.parse_qs("a=1&a=2&b=&c", keep_blank_values=True)),
    ("urllib.parse", lambda m: m.parse_qsl("a=1;b=2", separator=";")),
    ("urllib.parse", lambda m: (m.quote("a b/ü", safe=""), m.quote_plus("a+b c"))),
    ("urllib.parse", lambda m: (m.unquote("%E2%82%AC%20x"), m.unquote_plus("a+b%2B"))),
    ("urllib.parse", lambda m: m.urlparse("http://[::1]:99/").port),
    ("urllib.parse", lambda m: m.urlparse("http://h:bad/").port),
    ("urllib.parse", lambda m: m.urlunsplit(("https", "h", "/p", "q=1", ""))),
    ("urllib.parse", lambda m: m.urlparse(5)),
    ("csv", lambda m: list(m.reader(['a,"b,c",d', '1,"say ""hi""",3']))),
    ("csv", lambda m: list(m.reader(["a;b"], delimiter=";", quoting=m.QUOTE_NONE))),
    ("csv", lambda m: list(m.DictReader(["x,y", "1,2", "3"], restval="-"))),
    ("csv", lambda m: (m.list_dialects(), m.get_dialect("excel").delimiter)),
    ("csv", lambda m: list(m.reader(['"unterminated'], strict=True))),
    ("csv", _csv_written),
    ("io", lambda m: (s := m.StringIO("a\nb\n"), s.readline(), s.read(), s.tell())[1:]),
    ("io", lambda m: (b := m.BytesIO(), b.write(b"xy"), b.getvalue())[1:]),
    ("io", lambda m: m.StringIO().fileno()),
    (
        "pprint",
        lambda m: m.pformat({"b": [1, 2] * 20, "a": {"x": (1,)}}, width=30, sort_dicts=False),
    ),
    ("pprint", lambda m: (m.saferepr([1, "a"]), m.isreadable({"a": 1}), m.isrecursive([]))),
    ("pprint", _pprint_to_stream),
]


@pytest.mark.parametrize(("module", "spec"), TEXT_SPECS)
def test_text_modules_as_cpython(module: str, spec: Spec) -> None:
    assert_same(module, spec)
