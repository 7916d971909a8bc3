"""Single C calls and allocations that no deadline check can interrupt (issue 9, cause 10): each
is sized before it runs and refused (a `memory` error), by the same guards as `'a' * 10**10`.
Several spellings of each; the host must stay responsive and the next run fine."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from codemode import Codemode
from codemode.executors import Executor, SubprocessExecutor

REFUSED: dict[str, str] = {
    # modular pow: one multiplication per exponent bit, quadratic in the modulus
    "pow-mod": "pow(3, (1 << 200000) - 1, (1 << 200000) - 3)",
    "pow-mod-by-name": "p = pow\nm = (1 << 300000) + 7\np(5, m - 2, m)",
    # long division of big integers is quadratic
    "floordiv": "a = 1 << 4000000\nb = (1 << 2000000) + 1\na // b",
    "floordiv-augmented": "a = 1 << 4000000\na //= (1 << 2000000) + 1",
    "mod-of-ints": "a = 1 << 4000000\nb = (1 << 2000000) + 1\na % b",
    "divmod": "divmod(1 << 4000000, (1 << 2000000) + 1)",
    "operator-floordiv": "import operator\noperator.floordiv(1 << 4000000, (1 << 2000000) + 1)",
    "big-power-small-exponent": "a = 1 << 4000000\nn = 3\na ** n",
    # comb/perm: many multiplications into a huge number
    "comb": "import math\nmath.comb(10**6, 5 * 10**5)",
    "perm": "import math\nmath.perm(10**6, 10**5)",
    "comb-chain": "import math\nmath.comb(math.comb(3000, 1500), 2000)",
    "perm-of-a-huge-n": "import math\nmath.perm(1 << 100000, 100)",
    "isqrt": "import math\nmath.isqrt(1 << 4000000)",
    "normalize-nfkd": "import unicodedata\nunicodedata.normalize('NFKD', '\\ufdfa' * 5_000_000)",
    # Decimal <-> int conversions are quadratic
    "int-of-decimal": "import decimal\nint(decimal.Decimal('1e4000000'))",
    "decimal-of-int": "import decimal\ndecimal.Decimal(1 << 4000000)",
    "decimal-from-import": "from decimal import Decimal\nround(Decimal('9e999999'))",
    # a Decimal operand past the largest precision: `d ** Decimal("1.5")` took 50 s at 20,000
    # digits, in one C call; the constructor is the one way to so many digits
    "decimal-long-text": "import decimal\ndecimal.Decimal('1.' + '7' * 20000) ** decimal.Decimal('1.5')",
    "decimal-long-int": "import decimal\ndecimal.Decimal(7 ** 20000) ** decimal.Decimal('1.5')",
    "decimal-long-tuple": "import decimal\ndecimal.Decimal((0, (7,) * 5000, -4999))",
    "decimal-long-by-type": "import decimal\nD = type(decimal.Decimal(1))\nD('1.' + '7' * 5000)",
    "decimal-long-json": (
        "import decimal, json\njson.loads('1.' + '7' * 5000, parse_float=decimal.Decimal)"
    ),
    # huge lists built by one call of Python's own code
    "random-choices": "import random\nrandom.choices([1, 2], k=2 * 10**8)",
    "random-sample": "import random\nrandom.sample(range(10**12), 2 * 10**7)",
    "random-instance-choices": "import random\nrandom.Random(1).choices('ab', k=10**9)",
    # quadratic codecs written in Python
    "punycode": "('\\u00e9' * 200_000).encode('punycode')",
    "idna": "('\\u00e9' * 200_000).encode('idna')",
    "punycode-by-getattr": "getattr('\\u00e9' * 200_000, 'encode')('punycode')",
    "punycode-bytes-constructor": "bytes('\\u00e9' * 200_000, 'punycode')",
    "punycode-decode": "(b'a' * 100_000 + b'-' + b'b' * 100_000).decode('punycode')",
    # SHAKE digests are as long as asked
    "shake-digest": "import hashlib\nhashlib.shake_128(b'x').digest(10**10)",
    "shake-new": "import hashlib\nhashlib.new('shake_256').hexdigest(10**10)",
    "shake-through-type": ("import hashlib\nh = hashlib.shake_128()\ntype(h).digest(h, 10**10)"),
    # %-format widths with a constant right operand
    "percent-name": "f = '%0999999999d'\nf % 5",
    "percent-augmented": "f = '%0999999999d'\nf %= 5",
    "percent-expression": "('%0' + '999999999d') % 5",
    "percent-bytes": "f = b'%0999999999d'\nf % 5",
    "percent-star": "'%*d' % (10**9, 1)",
    # translate: each character may become a long string
    "translate": "('a' * 10**6).translate({97: 'b' * 10**4})",
    "translate-unbound": "str.translate('a' * 10**6, {97: 'b' * 10**4})",
    "translate-maketrans": "t = str.maketrans({'a': 'b' * 10**4})\n('a' * 10**6).translate(t)",
    # json indents and separators repeat on every line
    "json-indent": "import json\njson.dumps([[1]] * 100, indent=10**7)",
    "json-indent-str": "import json\njson.dumps([1, 2], indent=' ' * 10**7)",
    "json-separators": "import json\njson.dumps([1] * 1000, separators=(',' * 10**6, ':'))",
    "json-encoder": "import json\njson.JSONEncoder(indent=10**7).encode([[1]] * 100)",
    "json-encoder-subclass": (
        "import json\nclass E(json.JSONEncoder):\n    pass\n"
        "e = E()\ne.indent = 10**7\ne.encode([[1]] * 100)"
    ),
    # textwrap: the indent is repeated on every line
    "textwrap-indent": "import textwrap\ntextwrap.indent('a\\n' * 10**6, 'x' * 1000)",
    "textwrap-wrap": "import textwrap\ntextwrap.wrap('a ' * 10**5, width=3, subsequent_indent='x' * 10**4)",
    "textwrap-wrapper": (
        "import textwrap\nw = textwrap.TextWrapper(width=3, initial_indent='x' * 10**4,\n"
        "    subsequent_indent='y' * 10**4)\nw.fill('a ' * 10**5)"
    ),
    # itertools copies its pools first
    "product-of-ranges": "import itertools\nitertools.product(range(10**9))",
    "product-repeat": "import itertools\nitertools.product(range(10**4), repeat=10**4)",
    "permutations": "import itertools\nitertools.permutations(range(10**8), 2)",
    "combinations-list": "import itertools\nitertools.combinations(list(range(10**5)) * 200, 2)",
    # padding-like methods (the existing family)
    "statistics-mean": "import statistics\nstatistics.mean([0.5] * 5_000_000)",
    "statistics-generator": "import statistics\nstatistics.stdev(x / 3 for x in range(5_000_000))",
    "statistics-correlation": (
        "import statistics\nx = [0.5] * 2_000_000\nstatistics.correlation(x, x)"
    ),
    # Euclid's algorithm on big integers: quadratic (a modular inverse: far worse)
    "pow-inverse": "pow(3 ** 1000000, -1, (1 << 2000000) + 1)",
    "pow-huge-exponent-small-modulus": "pow(3, int.from_bytes(b'\\xff' * 5_000_000), 7)",
    "pow-inverse-by-keyword": "pow(3 ** 1000000, exp=-5, mod=(1 << 2000000) + 1)",
    "gcd": "import math\nmath.gcd(3 ** 1000000, (1 << 1500000) + 1)",
    "gcd-of-many": "import math\nmath.gcd(*[3 ** 1000000 + i for i in range(3)])",
    "lcm-of-many": "import math\nmath.lcm(*range(1, 300_000))",
    "fraction": "import fractions\nfractions.Fraction(3 ** 1000000, (1 << 1500000) + 1)",
    "fraction-through-type": (
        "import fractions\ntype(fractions.Fraction(1, 2))(3 ** 1000000, (1 << 1500000) + 1)"
    ),
    # the quadratic codec, by routes other than the string methods
    "punycode-str-constructor": "str(b'a' * 100_000 + b'-' + b'b' * 100_000, 'punycode')",
    "punycode-str-keywords": "str(object=b'a' * 100_000 + b'-b', encoding='punycode')",
    "punycode-map": "list(map(str, [b'a' * 100_000 + b'-b'], ['punycode']))",
    "punycode-partial": (
        "import functools\nfunctools.partial(str, encoding='punycode')(b'a' * 100_000 + b'-b')"
    ),
    "punycode-type-of-str": "type('')(b'a' * 100_000 + b'-b', 'punycode')",
    # template expansion: each match can repeat a long group many times
    "re-sub-group-repeated": "import re\nre.sub('a+', '\\\\g<0>' * 1000, 'a' * 10**6)",
    "re-sub-backref": "import re\nre.sub('(a+)', '\\\\1' * 100, 'a' * 10**6)",
    "re-sub-lookahead-group": "import re\nre.sub('(?=(a*))', '\\\\1', 'a' * 10**5)",
    "re-sub-many-matches": "import re\nre.sub('', 'x' * 100, 'a' * 10**6)",
    "re-subn-compiled": "import re\np = re.compile('(a+)')\np.subn('\\\\1\\\\1' * 50, 'a' * 10**6)",
    "re-sub-named": "import re\nre.sub('(?P<x>a+)', '\\\\g<x>' * 100, 'a' * 10**6)",
    "match-expand": "import re\nre.search('a+', 'a' * 10**6).expand('\\\\g<0>' * 1000)",
    # one sort is one C call (its key may be C too)
    "sorted": "sorted([0.5, 0.25] * 2_000_000)",
    "sorted-of-a-range": "sorted(range(3_000_000), key=str)",
    "list-sort": "x = [3, 1, 2] * 1_000_000\nx.sort()",
    "list-sort-unbound": "x = [3, 1, 2] * 1_000_000\nlist.sort(x, key=str)",
    "list-sort-methodcaller": "import operator\nx = [3, 1] * 1_500_000\noperator.methodcaller('sort')(x)",
    "list-sort-by-getattr": "x = [3, 1] * 1_500_000\ngetattr(x, 'sort')(reverse=True)",
    "counter-most-common": (
        "import collections\nc = collections.Counter(range(3_000_000))\nc.most_common(5)"
    ),
    "counter-most-common-unbound": (
        "import collections\nc = collections.Counter(range(3_000_000))\n"
        "collections.Counter.most_common(c)"
    ),
    # the standard library's own Python loops, which never check the deadline
    "prod-of-many": "import math\nmath.prod(range(1, 10**5))",
    "dataclass-asdict": (
        "import dataclasses\n@dataclasses.dataclass\nclass D:\n    x: list\n"
        "dataclasses.asdict(D(list(range(3_000_000))))"
    ),
    "dataclass-astuple-nested": (
        "import dataclasses\n@dataclasses.dataclass\nclass D:\n    x: list\n"
        "dataclasses.astuple(D([D([i]) for i in range(600_000)]))"
    ),
    "shuffle": "import random\nx = list(range(3_000_000))\nrandom.shuffle(x)",
    "shuffle-own-generator": "import random\nrandom.Random(1).shuffle(list(range(3_000_000)))",
    "choices-python-loop": "import random\nrandom.choices('ab', k=5_000_000)",
    "textwrap-long-text": "import textwrap\ntextwrap.wrap('ab ' * 1_000_000, width=5)",
    "textwrap-shorten": "import textwrap\ntextwrap.shorten('ab ' * 2_000_000, width=10**7)",
    "textwrap-indent-lines": "import textwrap\ntextwrap.indent('a\\n' * 3_000_000, '')",
    # strftime: each directive can become dozens of characters
    "time-strftime": "import time\ntime.strftime('%c' * 4_000_000)",
    "date-strftime": "import datetime\ndatetime.date(2020, 1, 1).strftime('%c' * 4_000_000)",
    "datetime-strftime-unbound": (
        "import datetime\nd = datetime.datetime(2020, 1, 1)\n"
        "datetime.datetime.strftime(d, '%c' * 4_000_000)"
    ),
    "time-of-day-strftime": "import datetime\ndatetime.time(1, 2).strftime('%c' * 4_000_000)",
    "real-date-strftime": (
        "import datetime\nd = datetime.datetime(2020, 1, 1).date()\nd.strftime('%A' * 4_000_000)"
    ),
    "date-strftime-keyword": (
        "import datetime\ndatetime.date(2020, 1, 1).strftime(format='%c' * 4_000_000)"
    ),
    "date-format": "import datetime\nformat(datetime.date(2020, 1, 1), '%c' * 4_000_000)",
    "date-fstring": "import datetime\nd = datetime.date(2020, 1, 1)\nf = '%c' * 4_000_000\nf'{d:{f}}'",
    "date-str-format": (
        "import datetime\n('{:' + '%c' * 4_000_000 + '}').format(datetime.date(2020, 1, 1))"
    ),
    "center": "'x'.center(10**10)",
    "bytes-constructor": "bytes(10**10)",
}

# Compiling a regular expression is one C call that grows with the pattern.
PATTERNS: dict[str, str] = {
    "compile": "import re\nre.compile('(?:a|b)' * 100_000)",
    "search": "import re\nre.search('(?:a|b)' * 100_000, 'ab')",
    "template-pattern": (
        "import string\nclass T(string.Template):\n    idpattern = '(?:a|b)' * 100_000\n"
    ),
}


@pytest.mark.parametrize("name", sorted(PATTERNS))
async def test_huge_patterns_are_refused(executor: Executor, tools: list[Any], name: str) -> None:
    cm = Codemode(tools, executor=executor, timeout=5)
    result = await _bounded(cm, PATTERNS[name])
    assert result.error is not None and result.error.type == "policy", result.error
    assert "regular expression" in result.error.message


# An enum's creation time grows faster than its member count, in `enum`'s own Python code.
ENUMS: dict[str, str] = {
    "enum-list": "import enum\nenum.Enum('E', ['m%d' % i for i in range(200_000)])",
    "enum-string": "import enum\nenum.Enum('E', ' '.join('m%d' % i for i in range(200_000)))",
    "enum-dict": "import enum\nenum.IntEnum('E', {'m%d' % i: i for i in range(200_000)})",
    "enum-generator": "import enum\nenum.Flag('E', ('m%d' % i for i in range(200_000)))",
    "enum-through-super": (
        "import enum\nsuper(enum.EnumType, enum.Enum).__call__('E', ['m%d' % i for i in range(200_000)])"
    ),
    "enum-through-metaclass": (
        "import enum\nenum.EnumMeta.__call__(enum.StrEnum, 'E', ['m%d' % i for i in range(200_000)])"
    ),
}


@pytest.mark.parametrize("name", sorted(ENUMS))
async def test_huge_enums_are_refused(executor: Executor, tools: list[Any], name: str) -> None:
    cm = Codemode(tools, executor=executor, timeout=5)
    result = await _bounded(cm, ENUMS[name])
    assert result.error is not None, result
    # refused for its size, or (through the `EnumType` stand-in, or `super()` of a host class)
    # not a route to it at all
    if result.error.type == "policy":
        assert "members" in result.error.message or "super()" in result.error.message, result.error
    else:
        assert result.error.type == "runtime", result.error


# These end by the run's own limits (deadline, memory) instead of in one long C call.
STOPPED: dict[str, str] = {
    "sliced-huge-range": "sum(range(10**18)[::2])",
    "stepped-slice-of-slice": "sum(range(10**18)[10:][::3])",
    "float-in-huge-range": "1.5 in range(10**15)",
    "counter-elements": "import collections\nsum(collections.Counter(a=10**12).elements())",
    "counter-elements-unbound": (
        "import collections\nc = collections.Counter(a=10**12)\nsum(collections.Counter.elements(c))"
    ),
    "counter-subclass-elements": (
        "import collections\nclass C(collections.Counter):\n    pass\nsum(C(a=10**12).elements())"
    ),
    "counter-elements-into-list": "import collections\nlist(collections.Counter(a=10**12).elements())",
    "decimal-arithmetic-growth": "import decimal\nd = decimal.Decimal('1e20000')\nint(d ** 50)",
    # C loops calling the facade's own functions, which check the deadline at every step
    "reduce-add-lists": "import functools, operator\nfunctools.reduce(operator.add, [[1]] * 100_000)",
    "reduce-concat-strings": (
        "import functools, operator\nfunctools.reduce(operator.concat, ['ab'] * 300_000)"
    ),
    "reduce-iadd-tuples": "import functools, operator\nfunctools.reduce(operator.iadd, [(1,)] * 100_000)",
    "accumulate-lists": "import itertools\nlist(itertools.accumulate([[1]] * 50_000))",
    "accumulate-strings": "import itertools\nsum(map(len, itertools.accumulate(['ab'] * 300_000)))",
    "deepcopy-huge-list": "import copy\ncopy.deepcopy(list(range(5_000_000)))",
    "deepcopy-nested": "import copy\ncopy.deepcopy([[i, [i]] for i in range(1_000_000)])",
}


async def _bounded(cm: Codemode, code: str) -> Any:
    # A hang past the deadline fails the test here rather than hanging the suite.
    return await asyncio.wait_for(cm.execute(code), 60)


@pytest.mark.parametrize("name", sorted(REFUSED))
async def test_single_huge_calls_are_refused(
    executor: Executor, tools: list[Any], name: str
) -> None:
    cm = Codemode(tools, executor=executor, timeout=5)
    result = await _bounded(cm, REFUSED[name])
    assert result.error is not None, f"{name} ran: {result.value!r}"[:300]
    if isinstance(executor, SubprocessExecutor) and result.error.exception == "LookupError":
        return  # the worker cannot load codecs written in Python at all (its file access)
    assert result.error.type == "memory", result.error
    assert "refused before running" in result.error.message, result.error
    assert (await cm.execute("return 1")).value == 1


@pytest.mark.parametrize("name", sorted(STOPPED))
async def test_long_calls_stop_at_the_limits(
    executor: Executor, tools: list[Any], name: str
) -> None:
    cm = Codemode(tools, executor=executor, timeout=1)
    result = await _bounded(cm, STOPPED[name])
    assert result.error is not None, f"{name} ran: {result.value!r}"[:300]
    assert result.error.type in ("timeout", "memory", "runtime"), result.error
    assert (await cm.execute("return 1")).value == 1


EVERYDAY: dict[str, tuple[str, Any]] = {
    "modulo": ("return [i % 3 for i in range(6)]", [0, 1, 2, 0, 1, 2]),
    "modulo-augmented": ("x = 17\nx %= 5\nreturn x", 2),
    "format-percent": ("f = '%05d|%s'\nreturn f % (42, 'a')", "00042|a"),
    "floordiv": (
        "a, b = 10**40, 10**20 + 7\nreturn a // b, divmod(100, 7)",
        [10**40 // (10**20 + 7), [14, 2]],
    ),
    "pow-mod": ("return pow(3, 10**18, 10**9 + 7)", pow(3, 10**18, 10**9 + 7)),
    "comb": (
        "import math\nreturn math.comb(50, 25) % 1000",
        __import__("math").comb(50, 25) % 1000,
    ),
    "decimal": (
        "import decimal\nreturn str(decimal.Decimal('1.10') + decimal.Decimal('2.20'))",
        "3.30",
    ),
    "decimal-of-2000-digits": (
        "import decimal\nd = decimal.Decimal('1.' + '7' * 1999)\n"
        "return str(d ** decimal.Decimal('1.5'))[:6]",
        "2.3703",
    ),
    "decimal-rounded-from-long-text": (
        "import decimal\nc = decimal.Context(prec=12)\nreturn str(c.create_decimal('1.' + '7' * 9000))",
        "1.77777777778",
    ),
    "decimal-isinstance": (
        "from decimal import Decimal\nreturn isinstance(Decimal(1) + 1, Decimal)",
        True,
    ),
    "range-slice": ("return list(range(10**18)[5:8])", [5, 6, 7]),
    "range-contains": ("return 3.0 in range(10), 10**17 in range(10**18)", [True, True]),
    "counter": (
        "import collections\nreturn sorted(collections.Counter('abca').elements())",
        ["a", "a", "b", "c"],
    ),
    "punycode": ("return 'b\\u00fccher'.encode('punycode').decode()", "bcher-kva"),
    "shake": ("import hashlib\nreturn hashlib.shake_128(b'x').hexdigest(4)", None),
    "translate": ("return 'abc'.translate({97: 'xy'})", "xybc"),
    "json-indent": (
        "import json\nreturn json.dumps({'a': [1]}, indent=2)",
        '{\n  "a": [\n    1\n  ]\n}',
    ),
    "textwrap": ("import textwrap\nreturn textwrap.wrap('aa bb cc', width=5)", ["aa bb", "cc"]),
    "product": ("import itertools\nreturn len(list(itertools.product(range(10), repeat=3)))", 1000),
    "choices": ("import random\nreturn len(random.choices('ab', k=1000))", 1000),
    "statistics": (
        "import statistics\nreturn [statistics.mean([1, 2, 3]), statistics.median(x for x in [3, 1, 2])]",
        [2, 2],
    ),
    "comb-of-a-large-n": (
        "import math\nreturn [math.comb(10**7, 2), math.perm(10**7, 3), math.comb(10**18, 5) % 97]",
        [
            __import__("math").comb(10**7, 2),
            __import__("math").perm(10**7, 3),
            __import__("math").comb(10**18, 5) % 97,
        ],
    ),
    "comb-of-a-big-n": (
        "import math\nreturn math.comb(math.comb(3000, 1500), 2) % 1000",
        __import__("math").comb(__import__("math").comb(3000, 1500), 2) % 1000,
    ),
    "gcd-lcm": (
        "import math\nreturn [math.gcd(3**1000, 6), math.lcm(*range(1, 20))]",
        [3, 232792560],
    ),
    "pow-inverse": ("return pow(3, -1, 7)", 5),
    "fraction": ("import fractions\nreturn str(fractions.Fraction(6, 4) + 1)", "5/2"),
    "sorted": (
        "x = [3, 1, 2]\nx.sort(reverse=True)\nreturn [sorted('cab'), x]",
        [["a", "b", "c"], [3, 2, 1]],
    ),
    "re-sub-template": ("import re\nreturn re.sub('(a)(b)?', '[\\\\1\\\\2]', 'xaab')", "x[a][ab]"),
    "re-sub-long-text": ("import re\nreturn len(re.sub('a', 'bb', 'a' * 10**6))", 2 * 10**6),
    "most-common": (
        "import collections\nreturn collections.Counter('abcab').most_common(1)",
        [["a", 2]],
    ),
    "asdict": (
        "import dataclasses\n@dataclasses.dataclass\nclass P:\n    x: int\n    y: list\n"
        "return dataclasses.asdict(P(1, [P(2, [])]))",
        {"x": 1, "y": [{"x": 2, "y": []}]},
    ),
    "prod": ("import math\nreturn math.prod(range(1, 11))", 3628800),
    "strftime": (
        "import datetime\nd = datetime.date(2020, 1, 2)\n"
        "return [d.strftime('%Y-%m-%d'), f'{d:%d/%m}', format(d, '%Y'), '{:%m}'.format(d)]",
        ["2020-01-02", "02/01", "2020", "01"],
    ),
    "shuffle": (
        "import random\nx = list(range(10))\nrandom.shuffle(x)\nreturn sorted(x)",
        list(range(10)),
    ),
    "enum": (
        "import enum\nclass C(enum.Enum):\n    R = 1\n    G = enum.auto()\n"
        "class P(enum.IntEnum):\n    A = 1\nE = enum.Enum('E', 'X Y')\n"
        "return [C(1).name, C.G.value, P.A + 1, isinstance(P.A, enum.Enum), E.Y.value]",
        ["R", 2, 2, True, 2],
    ),
}


@pytest.mark.parametrize("name", sorted(EVERYDAY))
async def test_everyday_uses_still_work(executor: Executor, tools: list[Any], name: str) -> None:
    code, expected = EVERYDAY[name]
    if name == "punycode" and isinstance(executor, SubprocessExecutor):
        pytest.skip("the worker cannot load codecs written in Python (its file access)")
    cm = Codemode(tools, executor=executor, timeout=5)
    result = await cm.execute(code)
    assert result.error is None, result.error
    if expected is not None:
        assert result.value == expected


# A count or size given as a program's object with `__index__`: CPython calls `__index__` itself,
# so a guard that sized it would not size what CPython uses (it may answer 3, then 3 * 10**9).
# Such counts are refused with a `policy` error (`_runtime.counted`), by every route.
_HUGE_INDEX = "class P:\n    def __index__(self):\n        return 3 * 10**9\n"
INDEX_COUNTS: dict[str, str] = {
    "str-times": "len('x' * P())",
    "times-str": "len(P() * 'ab')",
    "list-times": "len([0] * P())",
    "tuple-times": "len((0,) * P())",
    "bytes-times": "len(b'x' * P())",
    "in-place": "x = [1]\nx *= P()",
    "operator-mul": "import operator\noperator.mul('x', P())",
    "bytes-of-n": "bytes(P())",
    "bytearray-of-n": "bytearray(P())",
    "ljust": "'x'.ljust(P())",
    "zfill": "'1'.zfill(P())",
    "center-by-method": "str.center('x', P())",
    "expandtabs": "'\\t'.expandtabs(P())",
    "to-bytes": "(1).to_bytes(P(), 'big')",
    "factorial": "import math\nmath.factorial(P())",
    "comb": "import math\nmath.comb(P(), 2)",
    "choices-k": "import random\nrandom.choices([1], k=P())",
    "first-small-then-huge": (
        "class Q:\n    n = 0\n    def __index__(self):\n        Q.n += 1\n"
        "        return 3 if Q.n == 1 else 3 * 10**9\nlen('x' * Q())"
    ),
}


@pytest.mark.parametrize("name", sorted(INDEX_COUNTS))
async def test_counts_through_index_are_refused(
    executor: Executor, tools: list[Any], name: str
) -> None:
    cm = Codemode(tools, executor=executor, timeout=5)
    result = await cm.execute(_HUGE_INDEX + INDEX_COUNTS[name])
    assert result.error is not None and result.error.type == "policy", result.error
    assert "a count must be an int" in result.error.message
    assert (await cm.execute("return ['ab' * 2, 'x'.ljust(2), len(bytes(2))]")).value == [
        "abab",
        "x ",
        2,
    ]


# The guarded methods reached through `super()` of a program subclass: the method is the host
# class's, judged by what the `super` object is bound to (`attr_guard`).
THROUGH_SUPER: dict[str, str] = {
    "strftime": (
        "import datetime\nclass D(datetime.datetime):\n    pass\n"
        "super(D, D(2020, 1, 1)).strftime('%c' * 400_000)"
    ),
    "to-bytes": "class I(int):\n    pass\nsuper(I, I(1)).to_bytes(10**9, 'big')",
    "sort": "class L(list):\n    pass\nl = L(range(3_000_000))\nsuper(L, l).sort()",
    "most-common": (
        "import collections\nclass C(collections.Counter):\n    pass\n"
        "c = C(range(2_100_000))\nsuper(C, c).most_common()"
    ),
}


@pytest.mark.parametrize("name", sorted(THROUGH_SUPER))
async def test_guarded_methods_through_super_are_sized(
    executor: Executor, tools: list[Any], name: str
) -> None:
    cm = Codemode(tools, executor=executor, timeout=10)
    result = await cm.execute(THROUGH_SUPER[name])
    assert result.error is not None and result.error.type == "memory", result.error
    assert "refused before running" in result.error.message


async def test_super_of_guarded_methods_still_works(executor: Executor, tools: list[Any]) -> None:
    code = (
        "import datetime\nclass L(list):\n    def sort(self, **kw):\n        super().sort(**kw)\n"
        "        return 'mine'\nclass D(datetime.date):\n    def strftime(self, f):\n"
        "        return 'x' + super().strftime(f)\nclass I(int):\n    pass\nl = L([3, 1, 2])\n"
        "return [l.sort(), list(l), D(2020, 1, 2).strftime('%Y'), "
        "list(super(I, I(5)).to_bytes(2, 'big'))]"
    )
    result = await Codemode(tools, executor=executor, timeout=10).execute(code)
    assert result.value == ["mine", [1, 2, 3], "x2020", [0, 5]], result.error


# ln, exp and power cost the cube of the precision in one C call (seconds at 5,000 digits): a
# context's precision and exponents are bounded by every route that sets them.
DECIMAL_CONTEXTS = {
    "attribute": "import decimal\ndecimal.getcontext().prec = 10**6\ndecimal.Decimal(2).ln()",
    "localcontext": "import decimal\nwith decimal.localcontext(prec=10**6):\n    pass",
    "constructor": "import decimal\ndecimal.Context(prec=10**6)",
    "copy": "import decimal\nc = decimal.getcontext().copy()\nc.prec = 10**6",
    "deepcopy": "import copy, decimal\nc = copy.deepcopy(decimal.getcontext())\nc.prec = 10**6",
    "emax": "import decimal\ndecimal.getcontext().Emax = 10**9",
    "subclass": "import decimal\nclass C(decimal.Context):\n    pass\nC(prec=10**6)",
}


@pytest.mark.parametrize("name", sorted(DECIMAL_CONTEXTS))
async def test_decimal_contexts_are_bounded(
    executor: Executor, tools: list[Any], name: str
) -> None:
    cm = Codemode(tools, executor=executor, timeout=5)
    result = await cm.execute(DECIMAL_CONTEXTS[name])
    assert result.error is not None and result.error.exception == "ValueError", result
    assert "in codemode" in result.error.message
