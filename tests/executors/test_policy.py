"""Model code must not reach the host. Each program here tries a real route out; every one must
fail without touching the canary file, and no secret may appear in what comes back."""

from __future__ import annotations

import hashlib
import json
import os
import random
import textwrap
from pathlib import Path
from typing import Any

import pytest

from codemode import Codemode, Tool

from .conftest import Run

SECRET = "s3cr3t-host-value-9f8e7d"  # a host global the model must never see

ATTACKS: dict[str, str] = {
    "open-file": "open('{canary}', 'w').write('pwned')",
    "import-os": "import os\nos.system('touch {canary}')",
    "import-os-path": "import os.path",
    "from-os": "from os import environ\nenviron",
    "import-sys": "import sys\nsys.modules",
    "import-subprocess": "import subprocess",
    "dunder-import": "__import__('os')",
    "builtins-dunder": "__builtins__",
    "eval": "eval('1 + 1')",
    "exec": "exec('x = 1')",
    "compile": "compile('1', 'x', 'eval')",
    "globals": "globals()",
    "locals": "locals()",
    "vars": "vars()",
    "breakpoint": "breakpoint()",
    "help": "help()",
    "subclasses": "().__class__.__bases__[0].__subclasses__()",
    "mro-walk": "type(()).__mro__",
    "mro-method": "type(()).mro()",
    "getattr-dunder": "getattr((), '__class__')",
    "getattr-computed": "getattr((), '_' + '_class__')",
    "getattr-fullwidth": "getattr((), '\uff3f\uff3fclass\uff3f\uff3f')",
    "unicode-identifier": "def f(): pass\nf.__\uff47lobals__",
    "function-globals": "def f(): pass\nf.__globals__",
    "getattr-globals": "def f(): pass\ngetattr(f, '__globals__')",
    "method-self": "print.__self__",
    "format-attr": "'{0.__class__.__mro__}'.format(())",
    "format-globals": "def f(): pass\n'{0.__globals__}'.format(f)",
    "format-unbound": "str.format('{0.__class__}', 1)",
    "format-map": "'{x.__class__}'.format_map({'x': 1})",
    "getattr-format": "getattr('{0.__class__}', 'format')(1)",
    "gen-frame": "def g():\n    yield 1\nx = g()\nnext(x)\nx.gi_frame.f_back.f_globals",
    "coro-frame": "async def c():\n    pass\nco = c()\nco.cr_frame",
    "getattr-frame": "def g():\n    yield 1\ngetattr(g(), 'gi_' + 'frame')",
    "traceback-frame": "try:\n    1/0\nexcept Exception as e:\n    e.__traceback__.tb_frame",
    "json-codecs": "import json\njson.codecs.open('{canary}', 'w')",
    "json-codecs-sys": "import json\njson.codecs.sys.modules",
    "re-enum": "import re\nre.enum.bltns",
    "typing-sys": "import typing\ntyping.sys.modules",
    "type-hints-eval": "import typing\ntyping.get_type_hints",
    "string-formatter": "import string\nstring.Formatter().get_field('0.__class__', [1], {{}})",
    "operator-attrgetter": "import operator\noperator.attrgetter('__class__')(1)",
    "operator-methodcaller": "import operator\noperator.methodcaller('__reduce_ex__', 2)(1)",
    "proxy-internals": "codemode._bridge",
    "proxy-dict": "codemode.__dict__",
    "proxy-class-closure": "type(codemode).__getattr__.__closure__",
    "proxy-setattr": "codemode.add = lambda **k: 1",
    "proxy-function-closure": "codemode.add.__closure__",
    "object-setattr": "object.__setattr__(codemode, 'x', 1)",
    "module-setattr": "import json\njson.loads = lambda s: 1",
    "host-class-setattr": "import json\njson.JSONEncoder.default = lambda self, o: 1",
    "setattr-builtin": "import json\nsetattr(json.JSONEncoder, 'default', None)",
    "event-loop": "import asyncio\nasyncio.get_event_loop()",
    "task-loop": "import asyncio\nasync def c():\n    pass\nt = asyncio.create_task(c())\nt.get_loop()",
    "task-loop-getattr": "import asyncio\nasync def c():\n    pass\nt = asyncio.create_task(c())\ngetattr(t, 'get_loop')()",
    "task-internals": "import asyncio\nasync def c():\n    pass\nt = asyncio.create_task(c())\nt._cm_task_",
    "decimal-default-context": "import decimal\ndecimal.DefaultContext.prec = 2",
    "time-sleep": "import time\ntime.sleep(5)",
    "abc-register": "import collections.abc\ncollections.abc.Sequence.register(dict)",
    "abc-register-getattr": "from collections.abc import Sized\ngetattr(Sized, 'register')(int)",
    "facade-reinit": "import json\ntype(json).__init__(json, 'json', {'loads': len})",
    "facade-reinit-getattr": "import json\ngetattr(type(json), '__init__')(json, 'j', {})",
    "proxy-reinit": "codemode.__init__(1, 2)",
    "host-set-mutation": "import hashlib\nhashlib.algorithms_available.clear()",
    "host-class-dict": "import textwrap\ntextwrap.TextWrapper.unicode_whitespace_trans[32] = 65",
    "dataclass-host-class": "import dataclasses, json\ndataclasses.dataclass(json.JSONEncoder)",
    "dataclass-decorator-host": "from dataclasses import dataclass\nimport json\ndataclass(order=True)(json.JSONDecoder)",
    "total-ordering-host": "import functools, json\nfunctools.total_ordering(json.JSONEncoder)",
    "update-wrapper-host": "import functools, json\nfunctools.update_wrapper(json.loads, len)",
    "wraps-host": "import functools, json\nfunctools.wraps(len)(json.dumps)",
    "typing-final-host": "import typing, json\ntyping.final(json.loads)",
    "typing-clear-overloads": "import typing\ntyping.clear_overloads()",
    "enum-global": "import enum, re\nenum.global_enum(re.RegexFlag)",
    "define-del": "class X:\n    def __del__(self):\n        pass",
    "reserved-guard-name": "_cm_tick_ = None",
    "star-import": "from json import *",
    "relative-import": "from . import x",
    "private-import": "from json import _default_encoder",
    "class-dict": "class A:\n    pass\nA.__dict__",
    "super-getattribute": "class A:\n    def f(self):\n        return super().__getattribute__('__class__')\nA().f()",
}

FORBIDDEN_BUT_CATCHABLE = {
    "enum-global",
    "typing-clear-overloads",
    "host-set-mutation",
    "host-class-dict",
    "json-codecs",
    "json-codecs-sys",
    "re-enum",
    "typing-sys",
    "type-hints-eval",
    "string-formatter",
    "event-loop",
    "decimal-default-context",
}


@pytest.fixture
def canary(tmp_path: Path) -> Path:
    return tmp_path / "canary"


@pytest.fixture(autouse=True)
def host_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CODEMODE_TEST_SECRET", SECRET)


@pytest.mark.parametrize("name", sorted(ATTACKS))
async def test_attack_is_refused(run: Run, name: str, canary: Path) -> None:
    code = ATTACKS[name].replace("{canary}", str(canary)).replace("{{}}", "{}")
    result = await run(code)
    assert not result.ok, f"{name} was allowed: {result.value!r}"
    assert result.error is not None
    if name in FORBIDDEN_BUT_CATCHABLE:
        # Not part of the facade at all: an AttributeError, never the real object.
        assert result.error.type in ("runtime", "policy"), result.error
    else:
        assert result.error.type == "policy", f"{name}: {result.error}"
    assert not canary.exists()
    assert hashlib.algorithms_available and textwrap.TextWrapper.unicode_whitespace_trans[32] == 32
    dumped = json.dumps(result.to_dict())
    assert SECRET not in dumped
    assert os.environ.get("CODEMODE_TEST_SECRET") == SECRET


async def test_policy_errors_name_the_line(run: Run) -> None:
    result = await run("x = 1\ny = ().__mro__\n")
    assert result.error is not None and result.error.type == "policy"
    assert result.error.line == 2
    assert "__mro__" in result.error.message
    assert "isinstance" in result.error.message  # what to write instead


async def test_import_error_lists_allowed_modules_and_is_catchable(run: Run) -> None:
    result = await run("try:\n    import numpy\nexcept ImportError as e:\n    msg = str(e)\nmsg")
    assert result.ok, result.error
    assert "numpy" in result.value
    result = await run("import numpy, os")
    assert result.error is not None and result.error.traceback is not None
    assert "numpy" in result.error.message and "json" in result.error.traceback


async def test_unknown_module_is_module_not_found_as_in_cpython(run: Run) -> None:
    result = await run(
        "try:\n    import no_such_module_here\n"
        "except ModuleNotFoundError as e:\n    msg = (type(e).__name__, str(e))\nmsg"
    )
    assert result.value == ["ModuleNotFoundError", "No module named 'no_such_module_here'"]
    result = await run("import os")
    assert result.error is not None and result.error.type == "policy"
    assert "import of 'os' is not allowed" in result.error.message


async def test_stdlib_internal_imports_are_not_the_programs(run: Run) -> None:
    result = await run(
        "import datetime, time\n"
        "d = datetime.datetime.strptime('2024-03-05', '%Y-%m-%d')\n"
        "(d.day, time.strptime('2024', '%Y').tm_year)"
    )
    assert result.value == [5, 2024], result.error
    result = await run("import _strptime")
    assert result.error is not None and result.error.type == "policy"
    result = await run("from _strptime import _strptime_datetime")
    assert result.error is not None and result.error.type == "policy"


async def test_refused_attributes_are_attribute_errors(run: Run) -> None:
    result = await run(
        "out = []\n"
        "for target in (5, [1], 'text'):\n"
        "    try:\n        target.foo = 1\n"
        "    except AttributeError as e:\n        out.append(str(e))\n"
        "try:\n    (5)._private\nexcept AttributeError as e:\n    out.append(type(e).__name__)\n"
        "out.append(hasattr(5, '_private'))\n"
        "out"
    )
    assert result.value == [
        "'int' object has no attribute 'foo'",
        "'list' object has no attribute 'foo'",
        "'str' object has no attribute 'foo'",
        "AttributeError",
        False,
    ], result.error
    result = await run("x = [1]\nx.foo = 2")
    assert result.error is not None and result.error.exception == "AttributeError"
    assert result.error.type == "policy" and result.error.line == 2
    assert "classes defined in your code" in (result.error.traceback or "")


async def test_tool_results_are_plain_data(executor: Any) -> None:
    class HostThing:
        def __init__(self) -> None:
            self.secret = SECRET

        def __repr__(self) -> str:
            return "<HostThing>"

    def leak() -> dict[str, Any]:
        return {"thing": HostThing()}

    cm = Codemode([Tool.from_function(leak)], executor=executor)
    result = await cm.execute("r = await codemode.leak()\n[type(r['thing']).__name__, r['thing']]")
    assert result.ok, result.error
    assert result.value == ["str", "<HostThing>"]
    assert SECRET not in json.dumps(result.to_dict())


async def test_model_random_seed_does_not_touch_host_random(run: Run) -> None:
    random.seed(1234)
    expected = [random.random() for _ in range(3)]
    random.seed(1234)
    result = await run("import random\nrandom.seed(0)\nrandom.random()")
    assert result.ok
    assert [random.random() for _ in range(3)] == expected


async def test_host_exception_details_stay_out_of_tracebacks(executor: Any) -> None:
    def boom() -> None:
        raise RuntimeError("tool failed")

    cm = Codemode([Tool.from_function(boom, threaded=False)], executor=executor)
    result = await cm.execute("async def main():\n    await codemode.boom()\n")
    assert result.error is not None and result.error.type == "tool"
    assert "tool failed" in result.error.message
    trace = result.error.traceback or ""
    assert "line 2, in main" in trace
    assert ".py" not in trace and "site-packages" not in trace


# What ordinary classes do with dunders and private names, allowed because it gives the program
# nothing it did not already have: `x.__class__` is `type(x)`; `self.__pin` is `self._C__pin`,
# guarded as a private name; `object.__setattr__` works on the program's own instances only.
OWN_NAMES = {
    "class-of": ("class A:\n    pass\n[A().__class__ is A, ().__class__ is tuple]", [True, True]),
    "mangled": (
        "class W:\n    def __init__(self):\n        self.__pin = 1\n"
        "    def __check(self):\n        return self.__pin\n"
        "    def get(self):\n        return self.__check()\n[W().get(), W()._W__pin]",
        [1, 1],
    ),
    "object-setattr": (
        "from dataclasses import dataclass\n@dataclass(frozen=True)\nclass M:\n    a: int\n"
        "    def __post_init__(self):\n        object.__setattr__(self, 'a', self.a * 2)\nM(2).a",
        4,
    ),
}
NOT_OWN = {
    "class-write": "class A:\n    pass\na = A()\na.__class__ = int",
    "mangled-host-private": "import asyncio\nclass Queue:\n    def f(self, q):\n"
    "        return q.__getters\nasync def main():\n    return Queue().f(asyncio.Queue())",
    "mangled-outside-class": "x = 1\nx.__secret",
    "object-setattr-host": "import json\nobject.__setattr__(json.JSONEncoder(), 'indent', 5)",
    "object-setattr-class": "class A:\n    pass\nobject.__setattr__(A(), '__class__', int)",
    "object-setattr-rebound": "object = int\nobject.__setattr__",
    "vars-class": "class A:\n    pass\nvars(A)",
    "vars-host": "import json\nvars(json.JSONEncoder())",
}


@pytest.mark.parametrize("name", sorted(OWN_NAMES))
async def test_own_dunders_and_private_names(run: Run, name: str) -> None:
    program, expected = OWN_NAMES[name]
    result = await run(program)
    assert result.ok and result.value == expected, result.error


@pytest.mark.parametrize("name", sorted(NOT_OWN))
async def test_dunders_and_private_names_of_the_host_stay_closed(run: Run, name: str) -> None:
    result = await run(NOT_OWN[name])
    assert result.error is not None and result.error.type == "policy", result
