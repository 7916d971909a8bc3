"""Red-team round 4: attacks on what C does with the program's objects, against every executor.

Rounds 1-3 closed the routes by which model code reaches host objects. This round looks at what
CPython's C code does on the program's behalf with the program's own objects, where no policy
check and no deadline check runs: special methods C calls in a loop of its own, lengths C
allocates by, tables C looks things up in. Each family is one root cause, tried from several
directions; the comment above it says what the hit did on main before this round, the root
cause, and where the rule that closes it lives.

A program returns `"PWNED"` only if the dangerous construct was accepted (so a regression shows
as a failed assertion, not as a hung or exhausted host); the shared check is round 3's: `execute`
returns, no `"PWNED"` and no secret in the result, no canary file, the host's caches and the next
run work as before, nothing on the host's stderr.
"""

from __future__ import annotations

import ast
import asyncio
import gc
import json
import os
import random
import re
import resource
import textwrap
import warnings
from pathlib import Path
from typing import Any

import pytest

from codemode import Codemode
from codemode._program import PROGRAM_MODULE
from codemode.executors import Executor

from .conftest import Run
from .test_redteam_round3 import SECRET, SECRET_MARKERS, _fresh_caches, _host_still_works


def _programs(**programs: str) -> dict[str, str]:
    return {name.replace("_", "-"): textwrap.dedent(code) for name, code in programs.items()}


_ACCEPTED = '\n    return "PW" + "NED"\n    '

# -- Special methods that are not program code ---------------------------------------------------
# Hits (in-process: the host hung for good). C calls special methods on the program's objects,
# often in a loop of its own: `any(obj)` calls `__next__` until it raises, `iter(obj)` calls
# `__getitem__` with 0, 1, 2, ... A program function checks the deadline as it starts, but
# `class I: __next__ = int` (or `__getitem__ = {}.get`) made `any(I())` a loop in C that calls C,
# with no bytecode anywhere: neither the deadline's check nor the watchdog's interrupt can land,
# and the event loop never ran again. Rule (`_owner.special_method`, held where every class is
# made and where a class attribute is set, `_owner.setattr_guard`): a special method is the
# program's own function (also as a classmethod, staticmethod or property's accessors), None, or
# the very method a base class defines under that name.
SPECIALS = _programs(
    next_is_a_class="""
    class I:
        __next__ = int
        def __iter__(self):
            return self
    """
    + _ACCEPTED,
    getitem_is_a_bound_builtin="""
    class S:
        __getitem__ = {}.get
    """
    + _ACCEPTED,
    getitem_is_a_partial="""
    import functools
    class S:
        __getitem__ = functools.partial(abs)
    """
    + _ACCEPTED,
    next_is_a_bound_method="""
    import itertools
    class I:
        __next__ = itertools.count().__next__
        def __iter__(self):
            return self
    """
    + _ACCEPTED,
    next_is_another_builtins_method="""
    class I(int):
        __next__ = int.bit_length
        def __iter__(self):
            return self
    """
    + _ACCEPTED,
    next_is_a_staticmethod_of_a_builtin="""
    class I:
        __next__ = staticmethod(int)
        def __iter__(self):
            return self
    """
    + _ACCEPTED,
    next_is_a_property_of_a_builtin="""
    class I:
        __next__ = property(type)
        def __iter__(self):
            return self
    """
    + _ACCEPTED,
    next_is_a_program_class="""
    class Z:
        pass
    class I:
        __next__ = Z
        def __iter__(self):
            return self
    """
    + _ACCEPTED,
    bool_is_a_builtin="""
    class B:
        __bool__ = staticmethod(bool)
    """
    + _ACCEPTED,
    metaclass_next="""
    class M(type):
        __next__ = int
        def __iter__(cls):
            return cls
    class I(metaclass=M):
        pass
    """
    + _ACCEPTED,
    type_call_namespace="""
    def it(self):
        return self
    I = type("I", (), {"__next__": int, "__iter__": it})
    """
    + _ACCEPTED,
    assigned_after_the_class="""
    class I:
        def __iter__(self):
            return self
    I.__next__ = int
    """
    + _ACCEPTED,
    setattr_after_the_class="""
    class I:
        def __iter__(self):
            return self
    setattr(I, "__next__", int)
    """
    + _ACCEPTED,
    assigned_in_a_tuple_target="""
    class I:
        def __iter__(self):
            return self
    I.__next__, x = int, 1
    """
    + _ACCEPTED,
    update_wrapper_onto_a_class="""
    import functools
    class I:
        def __iter__(self):
            return self
    class W:
        pass
    w = W()
    w.__next__ = int
    functools.update_wrapper(I, w, assigned=("__next__",), updated=())
    """
    + _ACCEPTED,
    dataclass_field_default="""
    import dataclasses
    @dataclasses.dataclass
    class I:
        __next__: object = dataclasses.field(default=int)
        def __iter__(self):
            return self
    """
    + _ACCEPTED,
    make_dataclass_field="""
    import dataclasses
    def it(self):
        return self
    I = dataclasses.make_dataclass(
        "I", [("__next__", object, dataclasses.field(default=int))], namespace={"__iter__": it}
    )
    """
    + _ACCEPTED,
    enum_body="""
    import enum
    class E(enum.Enum):
        A = 1
        __next__ = int
        def __iter__(self):
            return self
    """
    + _ACCEPTED,
    namedtuple_body="""
    import typing
    class P(typing.NamedTuple):
        x: int = 0
        __next__ = int
        def __iter__(self):
            return self
    """
    + _ACCEPTED,
    reversed_with_a_builtin_getitem="""
    class S:
        def __len__(self):
            return 10**6
        __getitem__ = {}.get
    """
    + _ACCEPTED,
    missing_is_a_builtin="""
    class D(dict):
        __missing__ = staticmethod(str)
    """
    + _ACCEPTED,
)

# -- Lengths C allocates by ----------------------------------------------------------------------
# Hits (in-process: gigabytes in one C call, past the memory limit). `PySequence_Tuple` (behind
# `tuple(x)`, `f(*x)`, a tuple subclass's constructor, a namedtuple's `_make`, itertools' pools)
# allocates and clears a slot for each item `len(x)` promises before taking one: a program
# `__len__` saying 3 * 10**8 cleared 2.4 GB, and so did `tuple(range(3 * 10**8))` through the
# range the sandbox hands out, against a 512 MB limit that cannot stop a C call. Rules: a
# program's `__len__`/`__length_hint__` says at most `MAX_ITEMS` (`_owner.special_method` wraps
# them); a long range answers 0 when C asks for a hint right after it started iterating it, and
# its own length to `len()` (`_builtins.BigRange.__len__`); the run then stops at its limit.
_SIZED = """
    class S:
        def {method}(self):
            return 3 * 10**8
        def __iter__(self):
            return iter([1])
    """
LENGTHS = _programs(
    tuple_of_a_len=_SIZED.replace("{method}", "__len__") + "\n    tuple(S())" + _ACCEPTED,
    tuple_of_a_length_hint=_SIZED.replace("{method}", "__length_hint__")
    + "\n    tuple(S())"
    + _ACCEPTED,
    star_arguments_of_a_len=_SIZED.replace("{method}", "__len__") + "\n    print(*S())" + _ACCEPTED,
    tuple_subclass_of_a_len=_SIZED.replace("{method}", "__len__")
    + "\n    class T(tuple):\n        pass\n    T(S())"
    + _ACCEPTED,
    namedtuple_make_of_a_len=_SIZED.replace("{method}", "__len__")
    + "\n    import collections\n    collections.namedtuple('P', 'a')._make(S())"
    + _ACCEPTED,
    len_assigned_later="""
    class S:
        def __iter__(self):
            return iter([1])
    S.__len__ = lambda self: 3 * 10**8
    tuple(S())
    """
    + _ACCEPTED,
    len_through_index="""
    class N:
        def __index__(self):
            return 3 * 10**8
    class S:
        def __len__(self):
            return N()
        def __iter__(self):
            return iter([1])
    tuple(S())
    """
    + _ACCEPTED,
    len_as_a_staticmethod="""
    class S:
        __len__ = staticmethod(lambda: 3 * 10**8)
        def __iter__(self):
            return iter([1])
    tuple(S())
    """
    + _ACCEPTED,
)

# The range the sandbox hands out: each of these ends at the run's memory limit (its chunks are
# checked), and the host's peak stays near the limit instead of 2.4 GB.
RANGES = {
    "tuple": "tuple(range(3 * 10**8))",
    "star-arguments": "max(*range(3 * 10**8))",
    "tuple-subclass": "class T(tuple):\n    pass\nT(range(3 * 10**8))",
    "namedtuple-make": "import collections\ncollections.namedtuple('P', 'a')._make(range(3 * 10**8))",
    "product": "import itertools\nitertools.product(range(3 * 10**8))",
}

# -- Tables C looks up as it goes ----------------------------------------------------------------
# Hits (single C calls past the size limit). `str.translate` was sized from a plain dict's items,
# but C looks each character up in the table as it goes: a table that answers by its own code (a
# `defaultdict` whose factory is `functools.partial(str, 'b' * 10**4)`, a `ChainMap`, a dict
# subclass whose `__getitem__` returns a long string, any mapping) made 10**4 characters of each
# one. Rule (`_guards._translate`): C gets a plain dict, built with one lookup per distinct
# character and sized before the call.
TRANSLATE = _programs(
    defaultdict_factory="""
    import collections, functools
    t = collections.defaultdict(functools.partial(str, "b" * 10**4))
    """,
    chainmap="""
    import collections
    t = collections.ChainMap({97: "b" * 10**4})
    """,
    dict_subclass_getitem="""
    class D(dict):
        def __getitem__(self, key):
            return "b" * 10**4
    t = D()
    """,
    own_mapping="""
    class M:
        def __getitem__(self, key):
            return "b" * 10**4
    t = M()
    """,
    str_subclass_value_that_lies="""
    class S(str):
        def __len__(self):
            return 1
    t = {97: S("b" * 10**4)}
    """,
)
TRANSLATE = {
    name: code + '\nreturn "PW" + "NED" if len(("a" * 2000).translate(t)) > 10**7 else "safe"'
    for name, code in TRANSLATE.items()
}
TRANSLATE["unbound-with-a-defaultdict"] = textwrap.dedent(
    """
    import collections
    t = collections.defaultdict(lambda: "b" * 10**4)
    return "PW" + "NED" if len(str.translate("a" * 2000, t)) > 10**7 else "safe"
    """
)

# -- C loops over a list they grow ---------------------------------------------------------------
# Hits (in-process: the host grew until memory ran out, 4 GB in 3 s, with no way to stop it).
# CPython's list iterator re-reads the list's length at every step, and the C encoder of `json`
# reads a list by index up to a length it re-reads: a C call that grows the list it reads never
# ends, and with only C on the stack neither the deadline's check nor the watchdog's interrupt
# lands. `l.extend(iter(l))`, `l += map(int, l)`, `any(map(l.append, l))`, `any(filter(l.append,
# l))`, `json.dumps(l, default=l.append)`. Rules: an iterator over a list that model code makes or
# hands to C (`iter`, `__iter__`, `map`/`zip`/`filter`/`enumerate`, itertools, `chain.from_iterable`,
# `tee`) reads it live but stops `GROWTH` items past its length (`_iterators.bounded`); a method
# that grows a list (`append`, `extend`, `insert`, `__setitem__`, `heapq.heappush`,
# `bisect.insort`) read as a value is a Python function that checks the deadline
# (`_guards._list_method`, `facade_collections._heapq_module`).
_GROWING_SOURCES = {
    "iter": "iter(l)",
    "dunder-iter": "l.__iter__()",
    "dunder-iter-unbound": "list.__iter__(l)",
    "dunder-iter-by-getattr": "getattr(l, '__iter__')()",
    "map": "map(int, l)",
    "zip": "(x for x, in zip(l))",
    "enumerate": "(x for _, x in enumerate(l))",
    "filter": "filter(None, l)",
    "chain": "itertools.chain(l)",
    "chain-from-iterable": "itertools.chain.from_iterable([l])",
    "tee": "itertools.tee(l)[0]",
    "islice": "itertools.islice(l, None)",
    "zip-longest": "(x for x, in itertools.zip_longest(l))",
    "starmap": "itertools.starmap(int, zip(l))",
    "compress": "itertools.compress(l, itertools.repeat(1))",
}
# (the program's own bound, 5000, stands in for "forever" on main; the test sets `GROWTH` to 1000)
GROWING = {
    name: "import itertools\nl = [1]\nl.extend(itertools.islice(" + source + ", 5000))\n"
    'return "PW" + "NED" if len(l) > 1002 else len(l)'
    for name, source in _GROWING_SOURCES.items()
}
GROWING["augmented-assignment"] = (
    "import itertools\nl = [1]\nl += itertools.islice(map(int, l), 5000)\n"
    'return "PW" + "NED" if len(l) > 1002 else len(l)'
)

# Growing methods read as values: the very callbacks of the hits, handed out as Python functions
# (on main, CPython's own method, shown as such: a C loop calling it never reached a check).
_CALLBACKS = {
    "bound": "l.append",
    "extend": "l.extend",
    "insert": "l.insert",
    "setitem": "l.__setitem__",
    "unbound": "list.append",
    "type-of": "type(l).append",
    "getattr": "getattr(l, 'append')",
    "attrgetter": "operator.attrgetter('append')(l)",
    "partial": "functools.partial(l.append).func",
    "super": "L().grab()",
}
CALLBACKS = {
    name: "import operator, functools\nclass L(list):\n    def grab(self):\n"
    "        return super().append\nl = []\n"
    f"f = {source}\n"
    'return "safe" if repr(f).startswith("<function") else "PW" + "NED"'
    for name, source in _CALLBACKS.items()
}

# The hits themselves, which now end (bounded, or at the deadline) with the host's memory near
# where it was. Run under an address-space cap the test sets, so that a regression fails with a
# `MemoryError` instead of exhausting the machine.
FOREVER = {
    "extend-own-iterator": "l = [1]\nl.extend(iter(l))",
    "augmented-own-map": "l = [1]\nl += map(int, l)",
    "any-map-append": "l = [1]\nany(map(l.append, l))",
    "any-filter-append": "l = [1]\nany(filter(l.append, l))",
    "json-default-append": "import json\nl = [object()]\njson.dumps(l, default=l.append)",
    "json-default-getattr": (
        "import json\nl = [object()]\njson.dumps(l, default=getattr(l, 'append'))"
    ),
    "json-default-heappush": (
        "import json, functools, heapq\nl = [{1}]\n"
        "json.dumps(l, default=functools.partial(heapq.heappush, l))"
    ),
    "json-default-insort": (
        "import json, functools, bisect\nl = [{1}]\n"
        "json.dumps(l, default=functools.partial(bisect.insort, l))"
    ),
    "json-default-setitem": (
        "import json, functools\nl = [{1}]\n"
        "json.dumps(l, default=functools.partial(l.__setitem__, slice(0, 0)))"
    ),
    "json-encoder-attribute": (
        "import json\nl = [object()]\nclass E(json.JSONEncoder):\n    pass\n"
        "e = E()\ne.default = l.append\ne.encode(l)"
    ),
}

# -- Guards elided for small constants, and integer work past the limit -------------------------
# Hits (one C call, past the deadline or the memory limit). The policy skipped the size guard of
# `x * c` and `x ** c` for a small constant `c` (up to 10000 and 64), taking the growth to be
# bounded: it is bounded relative to `x`, which may already be as large as the limits allow.
# `s * 1000` of a million-character string made a gigabyte, `l * 300` of a million-item list
# 2.4 GB, `x ** 64` of a million-bit integer held the interpreter 12 s. Rule
# (`_policy._needs_guard`): only a constant of at most 2 (which at most doubles, as `x + x` does)
# or a float skips the guard; `name * c` keeps its cost for numbers with an inline type test.
# Integers past the limit come from constructors too (`int.from_bytes`, `int(s, 16)`): squaring
# one (`x * x`, `x ** 2`, unguarded since they only double) held the interpreter for minutes, and
# so did `round(x, -10**6)`. Rules: `x * x` and `x ** 2` are guarded unless `x` is below half the
# limit (tested inline); `round` sizes its division (`_builtins.round_builtin`).
ELIDED = {
    "str-times-constant": "s = 'a' * 10**6\ns * 1000",
    "constant-times-str": "s = 'a' * 10**6\n1000 * s",
    "list-times-constant": "l = [0] * 10**6\nl * 300",
    "expression-times-constant": "l = [0] * 10**6\n(l + []) * 300",
    "augmented-times-constant": "l = [0] * 10**6\nl *= 300",
    "attribute-times-constant": ("class A:\n    pass\na = A()\na.l = [0] * 10**6\na.l *= 300"),
    "bytes-times-constant": "b = bytes(10**6)\nb * 1000",
    "int-power-constant": "x = (1 << 1_000_000) - 1\nx ** 64",
    "int-power-augmented": "x = (1 << 1_000_000) - 1\nx **= 64",
    "int-power-of-an-expression": "x = (1 << 1_000_000) - 1\n(x + 1) ** 50",
    # `x * x` and `x ** 2` (unguarded: they only double) of an integer made past the limit by a
    # constructor, or a chain of them: one call of a minute and more
    "square-of-a-constructed-int": "x = int.from_bytes(b'\\xff' * 10**7, 'big')\nx * x",
    "square-by-power": "x = int('f' * 10**7, 16)\nx ** 2",
    "square-of-an-expression": "x = int('f' * 10**7, 16)\n(x + 1) ** 2",
    "square-chain": "x = (1 << 4_000_000) - 1\nfor _ in range(5):\n    x = x * x",
    # `round` to negative digits divides by `10 ** -ndigits` (a minute for a 16-million-bit int)
    "round-to-negative-digits": (
        "x = int.from_bytes(b'\\xff' * 2 * 10**6, 'big')\nround(x, -1_000_000)"
    ),
    "round-to-negative-digits-by-keyword": (
        "x = int.from_bytes(b'\\xff' * 2 * 10**6, 'big')\nround(x, ndigits=-1_000_000)"
    ),
    "round-power-of-ten": "round(5, -10**8)",
    "round-fraction": "import fractions\nround(fractions.Fraction(1, 3), 10**8)",
    "round-through-map": (
        "x = int.from_bytes(b'\\xff' * 2 * 10**6, 'big')\nlist(map(round, [x], [-1_000_000]))"
    ),
}

# -- Formats of many fields ----------------------------------------------------------------------
# Hits (one call, past the size limits: 10**8 characters from a 10**5-character value, and so
# 10**10 from one of 10**7). The format guards sized widths, not what the fields add up to, and
# every route joins its fields in one call: `%` (a tuple holding one long string many times, a
# mapping's name used many times, a `defaultdict` answering by its factory, many wide fields),
# `str.format`/`format_map`, an f-string with many fields, `string.Template`. Rules: a %-format
# is sized (template, widths and values) before the call, a mapping read once per name into a
# plain dict (`_guards._sized_percent`); the safe formatter keeps a running total
# (`_guards._FormatCall`), and so does `re.sub` of a function (`facade_text.Pattern._repl`); an
# f-string of three fields or more is formatted field by field and
# sized before the join (`_policy.visit_JoinedStr`, `_guards.fstring_guard`); `Template` sizes
# each value as it is looked up (`facade_text._SizedLookup`).
_LONG = "s = 'x' * 10**5\n"
FORMATS = {
    "percent-tuple": _LONG + "('%s' * 1000) % ((s,) * 1000)",
    "percent-mapping": _LONG + "('%(a)s' * 1000) % {'a': s}",
    "percent-defaultdict": (
        "import collections, functools\n"
        "d = collections.defaultdict(functools.partial(str, 'x' * 10**5))\n('%(a)s' * 1000) % d"
    ),
    "percent-wide-fields": "('%9999999d' * 100) % ((1,) * 100)",
    "percent-bytes": "s = b'x' * 10**5\n(b'%s' * 1000) % ((s,) * 1000)",
    "percent-augmented": _LONG + "f = '%s' * 1000\nf %= ((s,) * 1000)",
    "percent-list-reprs": "l = [0] * 10**5\n('%s' * 1000) % ((l,) * 1000)",
    "format-positional": _LONG + "('{0}' * 1000).format(s)",
    "format-map": _LONG + "('{a}' * 1000).format_map({'a': s})",
    "format-unbound": _LONG + "str.format('{0}' * 1000, s)",
    "format-by-methodcaller": (
        "import operator\n" + _LONG + "operator.methodcaller('format', s)('{0}' * 1000)"
    ),
    "fstring-fields": _LONG + "f'" + "{s}" * 1000 + "'",
    "fstring-with-specs": _LONG + "f'" + "{s:>10}" * 1000 + "'",
    "template": "import string\n" + _LONG + "string.Template('$a' * 1000).substitute(a=s)",
    "template-safe": "import string\n"
    + _LONG
    + "string.Template('$a' * 1000).safe_substitute({'a': s})",
    # a function as `re.sub`'s replacement: its results are joined in one call at the end
    "re-sub-function": "import re\n" + _LONG + "re.sub('a', lambda m: s, 'a' * 1000)",
    "re-subn-function": "import re\n" + _LONG + "re.subn('a', lambda m: s, 'a' * 1000)",
    "compiled-sub-function": "import re\n" + _LONG + "re.compile('a').sub(lambda m: s, 'a' * 1000)",
    # `json` indents and separators repeat on every item, at every depth (an indent of up to
    # 1000 is allowed: the product was not sized, `facade_text._check_json_layout`)
    "json-indent-on-every-item": "import json\njson.dumps([[0]] * 10**5, indent=500)",
    "json-separators-on-every-item": (
        "import json\njson.dumps([0] * 10**5, separators=(',' * 1000, ':'))"
    ),
    "json-encoder-indent": "import json\njson.JSONEncoder(indent=500).encode([[0]] * 10**5)",
    "json-indent-at-depth": (
        "import json\nx = 0\nfor _ in range(500):\n    x = [x]\njson.dumps([x] * 300, indent=100)"
    ),
    "template-subclass": (
        "import string\nclass T(string.Template):\n    delimiter = '#'\n"
        + _LONG
        + "T('#a' * 1000).substitute(a=s)"
    ),
}

# -- Futures left behind -------------------------------------------------------------------------
# Hit (in-process: the program's message and traceback on the host's stderr). `asyncio.shield`'s
# outer future was not the run's: one whose inner task failed, never awaited, was logged when
# collected ("Future exception was never retrieved"), program text in the host's logs. Rule
# (`facade_async`): every future a facade makes for the run is adopted by it (`Execution.adopt`),
# retrieved or cancelled when the run ends.
_FAILS = """
    import asyncio
    async def f():
        raise ValueError("left behind")
    """
LEFT_BEHIND = _programs(
    shield_of_a_failing_coroutine=_FAILS
    + "s = asyncio.shield(f())\n    await asyncio.sleep(0.01)\n    return 'safe'",
    shield_of_a_failing_task=_FAILS
    + "s = asyncio.shield(asyncio.create_task(f()))\n    await asyncio.sleep(0.01)\n"
    "    return 'safe'",
    shield_of_a_shield=_FAILS
    + "s = asyncio.shield(asyncio.shield(f()))\n    await asyncio.sleep(0.01)\n    return 'safe'",
    shield_of_a_gather=_FAILS
    + "s = asyncio.shield(asyncio.gather(f(), f()))\n    await asyncio.sleep(0.01)\n"
    "    return 'safe'",
    shield_in_a_task=_FAILS
    + "async def g():\n        asyncio.shield(f())\n        await asyncio.sleep(0.01)\n"
    "    await asyncio.create_task(g())\n    return 'safe'",
    ensure_future_of_a_shield=_FAILS
    + "s = asyncio.ensure_future(asyncio.shield(f()))\n    await asyncio.sleep(0.01)\n"
    "    return 'safe'",
)

# -- Misses: routes that held (novel spellings kept as guards) -----------------------------------
MISSES = _programs(
    tool_error_attributes="""
    try:
        await codemode.get_weather(city="nowhere")
    except ToolError as e:
        seen = [repr(e.args), e.tool, e.kind, e.message, dir(e)]
    for name in ("__cause__", "__context__", "__traceback__", "__dict__"):
        try:
            getattr(e, name)
            return "PW" + "NED"
        except AttributeError:
            pass
    return "safe"
    """,
    validation_error_attributes="""
    try:
        await codemode.add(a="x")
    except ToolError as e:
        error = e
    values = []
    for name in dir(error):
        try:
            values.append(repr(getattr(error, name)))
        except Exception:
            pass
    return "PW" + "NED" if any("Bridge" in v or "_cm_" in v for v in values) else "safe"
    """,
    tool_function_attributes="""
    f = codemode.add
    values = []
    for name in dir(f):
        try:
            values.append(repr(getattr(f, name)))
        except Exception:
            pass
    return "PW" + "NED" if any("Bridge" in v or "Execution" in v for v in values) else "safe"
    """,
    proxy_class_builds_nothing="""
    T = type(codemode)
    try:
        T(1, 2, 3)
    except Exception:
        return "safe"
    return "PW" + "NED"
    """,
    format_attribute_in_a_nested_spec="""
    try:
        return "{0:{1.__class__}}".format(1, 2)
    except AttributeError:
        return "safe"
    """,
    format_through_map="""
    try:
        return list(map(str.format, ["{0.__globals__}"], [len]))
    except AttributeError:
        return "safe"
    """,
    format_of_a_str_subclass="""
    class S(str):
        pass
    try:
        return S("{0.__class__}").format(1)
    except AttributeError:
        return "safe"
    """,
    template_dotted_idpattern="""
    import string
    class T(string.Template):
        idpattern = r"(?a:[_a-z][_a-z0-9.]*)"
    try:
        return T("$a.__class__").substitute(a=1)
    except KeyError:
        return "safe"
    """,
    except_star_with_a_program_metaclass="""
    got = []
    class M(type):
        def __instancecheck__(cls, obj):
            got.append(obj)
            return False
        def __subclasscheck__(cls, sub):
            got.append(sub)
            return False
    class P(Exception, metaclass=M):
        pass
    try:
        raise ExceptionGroup("g", [ValueError(1)])
    except* P:
        pass
    except* ValueError:
        pass
    return "PW" + "NED" if any(repr(g) == "<class 'type'>" for g in got) else "safe"
    """,
    generator_finally_after_the_run="""
    def g():
        try:
            yield 1
        finally:
            print("after the run")
            raise SystemExit(1)
    x = g()
    next(x)
    return "safe"
    """,
    task_failure_never_retrieved="""
    import asyncio
    async def f():
        raise ValueError("boom")
    t = asyncio.create_task(f())
    g = asyncio.gather(f(), f())
    await asyncio.sleep(0)
    return "safe"
    """,
    task_group_entered_by_hand="""
    import asyncio
    async def f():
        await asyncio.sleep(0.3)
        raise SystemExit(3)
    tg = asyncio.TaskGroup()
    await tg.__aenter__()
    tg.create_task(f())
    return "safe"
    """,
    shield_outliving_the_run="""
    import asyncio
    async def f():
        await asyncio.sleep(0.3)
        raise SystemExit(1)
    s = asyncio.shield(f())
    return "safe"
    """,
    as_completed_left_behind="""
    import asyncio
    async def f(i):
        await asyncio.sleep(i)
        raise SystemExit(i)
    for fut in asyncio.as_completed([f(0.3), f(0.3)]):
        break
    return "safe"
    """,
    condition_waiter_left_behind="""
    import asyncio
    c = asyncio.Condition()
    async def w():
        async with c:
            await c.wait()
    asyncio.create_task(w())
    await asyncio.sleep(0)
    return "safe"
    """,
    eq_reflected_by_facade_containers="""
    import json, re, string, enum, typing, dataclasses, functools, collections, uuid, datetime
    got = []
    class E:
        def __eq__(self, other):
            got.append(other)
            return False
        def __hash__(self):
            return 1
    e = E()
    for mod in (json, re, string, enum, typing, dataclasses, functools, collections, uuid):
        for name in dir(mod):
            value = getattr(mod, name)
            try:
                e in value
            except Exception:
                pass
            try:
                e in value.values()
            except Exception:
                pass
    plain = (str, int, float, bool, type(None))
    return "PW" + "NED" if any(type(g) not in plain for g in got) else "safe"
    """,
    percent_format_mapping_reads_no_attribute="""
    class M(dict):
        def __missing__(self, key):
            return key
    return "safe" if "%(__class__)s" % M() == "__class__" else "PW" + "NED"
    """,
)

ATTACKS = {
    **{f"callbacks/{name}": code for name, code in CALLBACKS.items()},
    **{f"left-behind/{name}": code for name, code in LEFT_BEHIND.items()},
    **{f"specials/{name}": code for name, code in SPECIALS.items()},
    **{f"lengths/{name}": code for name, code in LENGTHS.items()},
    **{f"translate/{name}": code for name, code in TRANSLATE.items()},
    **{f"misses/{name}": code for name, code in MISSES.items()},
}


def test_every_attack_is_a_program() -> None:
    """An attack that does not even compile would pass for the wrong reason."""
    for name, code in {**ATTACKS, **RANGES, **GROWING, **FOREVER, **ELIDED, **FORMATS}.items():
        ast.parse(code, name)


@pytest.fixture(autouse=True)
def host_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CODEMODE_TEST_SECRET", SECRET)


@pytest.mark.parametrize("name", sorted(ATTACKS))
async def test_attack_reaches_nothing(
    run: Run,
    name: str,
    tmp_path: Path,
    capfd: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    canary = tmp_path / "canary"
    _fresh_caches()
    host_random = random.getstate()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warnings.filterwarnings("ignore", module=re.escape(PROGRAM_MODULE))
        result = await run(ATTACKS[name].replace("{canary}", str(canary)), timeout=3)
        for _ in range(3):  # what the end of the run left to the loop, and to the collector
            await asyncio.sleep(0)
        await asyncio.sleep(0.4)  # past the program's own `sleep(0.3)`s
        gc.collect()
    dumped = json.dumps(result.to_dict())
    for marker in SECRET_MARKERS:
        assert marker not in dumped, f"{name} reached its target: {dumped[:500]}"
    assert not canary.exists()
    assert os.environ["CODEMODE_TEST_SECRET"] == SECRET
    assert random.getstate() == host_random, f"{name} moved the host's random generator"
    _host_still_works()
    after = await run("return 41 + 1")
    assert after.ok and after.value == 42, after.error
    noise = [str(w.message) for w in caught if "never awaited" in str(w.message)]
    assert not noise, f"{name} left the host a warning: {noise}"
    # asyncio logs what a run left behind ("Future exception was never retrieved") through
    # `logging`, which writes it to the host's stderr (pytest captures it here)
    logged = [r.getMessage() for r in caplog.records if r.name.startswith("asyncio")]
    assert not logged, f"{name} left the host a log: {logged}"
    err = capfd.readouterr().err
    for text in ("never awaited", "Traceback", "Exception ignored", "exception", "after"):
        assert text not in err, f"{name} wrote to the host's stderr: {err[-500:]}"


@pytest.mark.parametrize("name", sorted(LENGTHS))
async def test_lengths_past_the_limit_are_refused(run: Run, name: str) -> None:
    result = await run(LENGTHS[name], timeout=5)
    assert result.error is not None, result
    assert result.error.type in ("memory", "policy"), result.error
    if result.error.type == "memory":
        assert "refused before running" in result.error.message, result.error


@pytest.mark.parametrize("name", sorted(RANGES))
async def test_long_ranges_are_never_allocated_by_their_length(
    executor: Executor, tools: list[Any], name: str
) -> None:
    cm = Codemode(tools, executor=executor, timeout=10)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kB
    result = await cm.execute(RANGES[name])
    grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak) >> 10
    assert result.error is not None, result
    assert result.error.type in ("memory", "timeout"), result.error
    # on main, 2.4 GB cleared in one C call; now the run stops at its 512 MB limit
    assert grown < 1500, f"{name}: the host's peak grew by {grown} MB"
    after = await cm.execute("return 1")
    assert after.value == 1, after.error


@pytest.mark.parametrize("executor", ["inprocess"], indirect=True)
@pytest.mark.parametrize("name", sorted(GROWING))
async def test_iterators_over_a_list_stop_past_its_growth(
    run: Run, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from codemode.executors._sandbox import _iterators

    monkeypatch.setattr(_iterators, "GROWTH", 1000)
    result = await run(GROWING[name])
    assert result.ok, result.error
    assert result.value == 1002, f"{name}: {result.value}"


@pytest.mark.parametrize("name", sorted(FOREVER))
async def test_c_loops_over_a_growing_list_end(
    executor: Executor, tools: list[Any], name: str
) -> None:
    cm = Codemode(tools, executor=executor, timeout=1)
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    with open("/proc/self/statm") as statm:
        size = int(statm.read().split()[0]) * resource.getpagesize()
    cap = size + (3 << 30)  # a regression ends in MemoryError here, not by exhausting the machine
    resource.setrlimit(
        resource.RLIMIT_AS, (cap if hard == resource.RLIM_INFINITY else min(cap, hard), hard)
    )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    try:
        result = await cm.execute(FOREVER[name])
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
    grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak) >> 10
    assert result.error is None or result.error.type in ("timeout", "memory"), result.error
    assert grown < 1200, f"{name}: the host's peak grew by {grown} MB"
    after = await cm.execute("return 1")
    assert after.value == 1, after.error


@pytest.mark.parametrize("name", sorted(ELIDED))
async def test_small_constants_do_not_skip_the_size_guard(run: Run, name: str) -> None:
    result = await run(ELIDED[name], timeout=5)
    assert result.error is not None, result
    assert result.error.type == "memory", result.error
    assert "refused before running" in result.error.message, result.error


@pytest.mark.parametrize("name", sorted(FORMATS))
async def test_formats_are_sized_by_what_their_fields_add_up_to(run: Run, name: str) -> None:
    result = await run(FORMATS[name], timeout=5)
    assert result.error is not None, result
    assert result.error.type == "memory", result.error
    assert "refused before running" in result.error.message, result.error


EVERYDAY: dict[str, tuple[str, Any]] = {
    "special-methods": (
        "class V:\n    def __init__(self, x):\n        self.x = x\n"
        "    def __eq__(self, other):\n        return self.x == other.x\n"
        "    __hash__ = object.__hash__\n    def __str__(self):\n        return 'v'\n"
        "    __repr__ = __str__\n    __iter__ = None\n"
        "    @property\n    def __doc__(self):\n        return 'd'\n"
        "    @classmethod\n    def __init_subclass__(cls):\n        pass\n"
        "    @staticmethod\n    def __new__(cls, x):\n        return object.__new__(cls)\n"
        "def adds(self, other):\n    return V(self.x + other.x)\n"
        "V.__add__ = adds\nsetattr(V, '__len__', lambda self: 3)\n"
        "return [repr(V(1)), (V(1) + V(2)).x, len(V(0)), V(1) == V(1)]",
        ["v", 3, 3, True],
    ),
    "lengths": (
        "class S:\n    def __len__(self):\n        return 10**6\n"
        "    def __getitem__(self, i):\n        if i >= 3:\n            raise IndexError(i)\n"
        "        return i\nreturn [len(S()), list(S()), tuple(S())]",
        [10**6, [0, 1, 2], [0, 1, 2]],
    ),
    "long-ranges": (
        "import random, bisect\nr = range(10**12)\n"
        "return [len(r), bool(r), r[5], 7 in r, random.choice(r) < 10**12, len(random.sample(r, 3)),"
        " bisect.bisect_left(range(10**18), 10**9, key=lambda x: x * x), len(range(10**6)),"
        " len(tuple(range(200_000))), sum(range(10**6))]",
        [10**12, True, 5, True, True, 3, 31623, 10**6, 200_000, 499999500000],
    ),
    "lists": (
        "import heapq, bisect, json, operator\nl = [3, 1]\nl.append(2)\nl.extend([5])\n"
        "l.insert(0, 9)\nadd = l.append\nadd(7)\nh = []\nheapq.heappush(h, 2)\n"
        "bisect.insort(h, 1)\nq = [1]\nfor i, x in enumerate(q):\n    if x < 5:\n"
        "        q.append(x + 1)\nit = iter([1, 2])\n"
        "return [l, h, q, next(it), list(it), type(it).__name__, list(map(str, [1])),"
        " [4, 5].__iter__().__next__(), list(list.__iter__([6])),"
        " json.dumps([object()], default=lambda o: 1), list(zip([1, 2], [3, 4]))]",
        [
            [9, 3, 1, 2, 5, 7],
            [1, 2],
            [1, 2, 3, 4, 5],
            1,
            [2],
            "list_iterator",
            ["1"],
            4,
            [6],
            "[1]",
            [[1, 3], [2, 4]],
        ],
    ),
    "arithmetic": (
        "x = 7\ny = 1.5\ns = 'ab'\nl = [1]\nx *= 3\nl *= 3\nalias = l\nl *= 2\n"
        "return [s * 3, 3 * s, x * 10, 10 * y, y * 1000, [i * 100 for i in range(3)],"
        " (x + 1) * 5, l, alias is l, True * 5, 3 ** 3, 2.0 ** 10, 7 ** -1, x ** 2,"
        " round(1234567, -3), round(12345, ndigits=-2), round(2.5), (x - 1) ** 2, y * y]",
        [
            "ababab",
            "ababab",
            210,
            15.0,
            1500.0,
            [0, 100, 200],
            110,
            [1] * 6,
            True,
            5,
            27,
            1024.0,
            1 / 7,
            441,
            1235000,
            12300,
            2,
            400,
            2.25,
        ],
    ),
    "formats": (
        "import collections, string\na, b, c, w = 1, 'x', 2.5, 6\n"
        "d = collections.defaultdict(lambda: 'z', {'a': 1})\n"
        "return ['%s-%d' % ('a', 3), '%(a)s %(b)s' % {'a': 1, 'b': 2}, b'%s' % b'x',"
        " '%(a)s%(q)s' % d, '%5.2f' % 3.14159, '%%' % (), '%*d' % (5, 3), '{0} {1}'.format(1, 2),"
        " '{a}'.format_map({'a': 5}), f'{a} {b!r} {c:.1f}', f'{a:>{w}}|{b:<{w}}|{c:^{w}}',"
        " f'{a=} {b=} {c=}', string.Template('$a and ${b} $$').substitute(a=1, b=2),"
        " string.Template('$a $c').safe_substitute({'a': 1})]",
        [
            "a-3",
            "1 2",
            "x",
            "1z",
            " 3.14",
            "%",
            "    3",
            "1 2",
            "5",
            "1 'x' 2.5",
            "     1|x     | 2.5  ",
            "a=1 b='x' c=2.5",
            "1 and 2 $",
            "1 $c",
        ],
    ),
    "translate": (
        "import collections\n"
        "return ['abc'.translate({97: 'xy', 98: None, 99: 100}), 'abc'.translate(str.maketrans('a', 'b')),"
        " 'ab'.translate(collections.defaultdict(lambda: 'z', {97: 'q'})),"
        " b'abc'.translate(bytes.maketrans(b'a', b'b')).decode()]",
        ["xyd", "bbc", "qz", "bbc"],
    ),
}


@pytest.mark.parametrize("name", sorted(EVERYDAY))
async def test_everyday_uses_still_work(run: Run, name: str) -> None:
    code, expected = EVERYDAY[name]
    result = await run(code)
    assert result.error is None, result.error
    assert result.value == expected
