"""Standard-library code that evaluates strings (issue 9, cause 3): no allowed function may run
text the program supplies outside the policy pass, or match a program's pattern outside the
deadline. The sink table is in `executors/_sandbox/_modules.py`; each row is tried here."""

from __future__ import annotations

from typing import Any

import pytest

from codemode import Codemode
from codemode.executors import Executor

ESCAPE = "().__class__.__base__.__subclasses__()"

# Each tries to have the stdlib evaluate ESCAPE (or reach an evaluator): none may succeed.
EVALUATED: dict[str, str] = {
    "singledispatch-string-annotation": (
        "import functools\n@functools.singledispatch\ndef f(x):\n    return 0\n"
        f"@f.register\ndef _(x: {ESCAPE!r}):\n    return 1\nreturn f(1)"
    ),
    "singledispatch-forwardref-annotation": (
        "import functools, typing\n@functools.singledispatch\ndef f(x):\n    return 0\n"
        f"@f.register\ndef _(x: typing.ForwardRef({ESCAPE!r})):\n    return 1"
    ),
    "singledispatch-generic-with-string": (
        "import functools\n@functools.singledispatch\ndef f(x):\n    return 0\n"
        f"@f.register\ndef _(x: list[{ESCAPE!r}]):\n    return 1"
    ),
    "singledispatch-optional-string": (
        "import functools, typing\n@functools.singledispatch\ndef f(x):\n    return 0\n"
        f"@f.register\ndef _(x: typing.Optional[{ESCAPE!r}]):\n    return 1"
    ),
    "singledispatch-register-call": (
        "import functools\ndef g(x: 'int'):\n    return 1\n"
        "functools.singledispatch(lambda x: 0).register(g)"
    ),
    "get-type-hints": f"import typing\ndef f(x: {ESCAPE!r}): pass\ntyping.get_type_hints(f)",
    "get-type-hints-from-import": "from typing import get_type_hints",
    "forwardref-evaluate": f"import typing\ntyping.ForwardRef({ESCAPE!r})._evaluate({{}}, {{}}, frozenset())",
    "forwardref-evaluate-by-getattr": (
        f"import typing\ngetattr(typing.ForwardRef({ESCAPE!r}), '_evaluate')({{}}, {{}}, frozenset())"
    ),
    "forwardref-subclass-evaluate": (
        f"import typing\nclass F(typing.ForwardRef, _root=True):\n    pass\n"
        f"return len(F({ESCAPE!r})._evaluate({{}}, {{}}, frozenset()))"
    ),
    "forwardref-subclass-getattr": (
        f"import typing\nclass F(typing.ForwardRef, _root=True):\n    def go(self):\n"
        f"        return getattr(self, '_evaluate')({{}}, {{}}, frozenset())\n"
        f"return len(F({ESCAPE!r}).go())"
    ),
    "forwardref-subclass-self": (
        f"import typing\nclass F(typing.ForwardRef, _root=True):\n    def go(self):\n"
        f"        return self._evaluate({{}}, {{}}, frozenset())\n"
        f"return len(F({ESCAPE!r}).go())"
    ),
    "singledispatchmethod": "import functools\nfunctools.singledispatchmethod",
    "make-dataclass-namespace": (
        "import dataclasses\n"
        "dataclasses.make_dataclass('D', ['a'], namespace={'__reduce__': lambda self: 1})"
    ),
    "make-dataclass-namespace-del": (
        "import dataclasses\n"
        "dataclasses.make_dataclass('D', ['a'], namespace={'__del__': lambda self: 1})"
    ),
    "namedtuple-field-text": "import collections\ncollections.namedtuple('P', ['a=__import__'])",
    "namedtuple-typename-text": "import collections\ncollections.namedtuple('P(): pass\\nx', ['a'])",
    "namedtuple-huge": "import collections\ncollections.namedtuple('P', ['f%d' % i for i in range(10**5)])",
    "typing-namedtuple-huge": (
        "import typing\ntyping.NamedTuple('P', [('f%d' % i, int) for i in range(10**5)])"
    ),
}


@pytest.mark.parametrize("name", sorted(EVALUATED))
async def test_no_stdlib_route_evaluates_program_text(
    executor: Executor, tools: list[Any], name: str
) -> None:
    cm = Codemode(tools, executor=executor, timeout=5)
    result = await cm.execute(EVALUATED[name])
    assert result.error is not None, f"{name} ran: {result.value!r}"[:300]
    assert result.error.type in ("policy", "runtime", "syntax"), result.error
    assert "subclasses" not in str(result.value)


# A catastrophic pattern (`(a|aa)+$` against 'a' * 40 + 'b') in a Template subclass: matched by
# the stdlib `re` it would hold the interpreter for hours; here it stops at the deadline.
TEMPLATES: dict[str, str] = {
    "idpattern": "class T(string.Template):\n    idpattern = '(a|aa)+$'\n",
    "braceidpattern": "class T(string.Template):\n    braceidpattern = '(a|aa)+$'\n",
    "pattern": (
        "class T(string.Template):\n"
        "    pattern = r'\\$(?:(?P<escaped>\\$)|(?P<named>(a|aa)+$)|{(?P<braced>x)}|(?P<invalid>))'\n"
    ),
    "flags-and-idpattern": (
        "import re\nclass T(string.Template):\n    flags = re.IGNORECASE\n"
        "    idpattern = '(A|AA)+$'\n"
    ),
    "subclass-of-subclass": (
        "class B(string.Template):\n    pass\nclass T(B):\n    idpattern = '(a|aa)+$'\n"
    ),
}


@pytest.mark.parametrize("name", sorted(TEMPLATES))
@pytest.mark.parametrize("method", ["substitute", "safe_substitute", "get_identifiers"])
async def test_template_patterns_obey_the_deadline(
    executor: Executor, tools: list[Any], name: str, method: str
) -> None:
    cm = Codemode(tools, executor=executor, timeout=0.5)
    code = (
        "import string\n"
        + TEMPLATES[name]
        + "t = T('$' + 'a' * 40 + 'b' + '${' + 'a' * 40 + 'b}')\n"
        f"t.{method}() if {method!r} != 'substitute' else t.substitute({{}})"
    )
    result = await cm.execute(code)
    assert result.error is not None, result
    assert result.error.type in ("timeout", "runtime"), result.error


TEMPLATE_USES: dict[str, tuple[str, Any]] = {
    "plain": (
        "import string\nreturn string.Template('$a and ${b}').substitute(a=1, b=2)",
        "1 and 2",
    ),
    "safe": ("import string\nreturn string.Template('$a $c').safe_substitute(a=1)", "1 $c"),
    "delimiter": (
        "import string\nclass T(string.Template):\n    delimiter = '%'\nreturn T('%x!').substitute(x=5)",
        "5!",
    ),
    "identifiers": (
        "import string\nreturn string.Template('$a ${b} $$').get_identifiers()",
        ["a", "b"],
    ),
    "invalid": (
        "import string\ntry:\n    string.Template('$').substitute()\nexcept ValueError:\n"
        "    return 'invalid'",
        "invalid",
    ),
    "singledispatch": (
        "import functools\n@functools.singledispatch\ndef f(x):\n    return 0\n"
        "@f.register\ndef _(x: int):\n    return 1\n@f.register(str)\ndef _(x):\n    return 2\n"
        "@f.register\ndef _(x: list | tuple):\n    return 3\nreturn [f(1), f('a'), f([]), f(1.0)]",
        [1, 2, 3, 0],
    ),
    "namedtuple": (
        "import collections\nP = collections.namedtuple('P', 'x y', defaults=[0])\nreturn P(1).y",
        0,
    ),
    "typing-namedtuple-class": (
        "import typing\nclass P(typing.NamedTuple):\n    x: int\n    y: str = 'a'\n"
        "return [P(1).y, isinstance(P(1), tuple)]",
        ["a", True],
    ),
    "typing-namedtuple-call": (
        "import typing\nP = typing.NamedTuple('P', [('x', int)])\nreturn P(4).x",
        4,
    ),
    "make-dataclass": (
        "import dataclasses\nD = dataclasses.make_dataclass('D', [('a', int)],\n"
        "    namespace={'double': lambda self: self.a * 2})\nreturn D(3).double()",
        6,
    ),
}


@pytest.mark.parametrize("name", sorted(TEMPLATE_USES))
async def test_everyday_uses_still_work(executor: Executor, tools: list[Any], name: str) -> None:
    code, expected = TEMPLATE_USES[name]
    cm = Codemode(tools, executor=executor, timeout=5)
    result = await cm.execute(code)
    assert result.error is None, result.error
    assert result.value == expected
