"""The policy's object rules (issue 9, causes 1, 2, 4, 5; issue 10's legitimate side of them).

Each cause is a family of attack variants, tried from several directions, against every executor:
every one must fail without reaching the host. Beside each family, the programs the same rule must
let through, with the value CPython gives.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from .conftest import Run

# What a leak would put in the result: a globals or builtins dict, the bridge, the event loop.
SECRET_MARKERS = ("'__builtins__': ", "'None': None", "ToolBridge object", "EventLoop running")

# A `str` subclass whose own methods lie to any check that asks them.
_LYING_STR = (
    "class S(str):\n    def startswith(self, *a):\n        return False\n"
    "    def __eq__(self, o):\n        return False\n    def __hash__(self):\n        return 7\n"
    "    def split(self, *a):\n        return ['real']\n"
)

# Cause 1: ownership is not inherited. A program subclass of a host class owns what it defines,
# never what the host class defined; `__init__`/`__new__` are judged by the object they act on.
OWNERSHIP_ATTACKS: dict[str, str] = {
    "subclass-private-method": "import asyncio\nclass Q(asyncio.Queue): pass\nQ()._get_loop()",
    "subclass-private-getattr": (
        "import asyncio\nclass Q(asyncio.Queue): pass\ngetattr(Q(), '_get_loop')()"
    ),
    "subclass-private-on-class": "import asyncio\nclass Q(asyncio.Queue): pass\nQ._get_loop(Q())",
    "subclass-private-via-super": (
        "import asyncio\nclass Q(asyncio.Queue):\n    def loop(self):\n"
        "        return super()._get_loop()\nQ().loop()"
    ),
    "subclass-private-methodcaller": (
        "import asyncio, operator\nclass Q(asyncio.Queue): pass\n"
        "operator.methodcaller('_get_loop')(Q())"
    ),
    "subclass-private-attrgetter": (
        "import asyncio, operator\nclass Q(asyncio.Queue): pass\n"
        "operator.attrgetter('_get_loop')(Q())()"
    ),
    "subclass-host-state": (
        "import asyncio\nclass Q(asyncio.Queue): pass\nq = Q()\nawait q.put(1)\nq._loop"
    ),
    "subclass-host-instance-state": "import asyncio\nclass Q(asyncio.Queue): pass\nQ()._getters",
    "subclass-write-host-member": "import asyncio\nclass Q(asyncio.Queue): pass\nQ()._loop = 1",
    "subclass-shadows-host-state": (
        "import asyncio\nclass Q(asyncio.Queue):\n    _loop = None\nq = Q()\n"
        "t = asyncio.create_task(q.get())\nawait asyncio.sleep(0)\nq.put_nowait(1)\nq._loop"
    ),
    "subclass-writes-then-host-sets": (
        "import asyncio\nclass Q(asyncio.Queue):\n    _loop = None\nq = Q()\nq._loop = None\n"
        "t = asyncio.create_task(q.get())\nawait asyncio.sleep(0)\nq.put_nowait(1)\nq._loop"
    ),
    "subclass-property-sees-host-state": (
        "import asyncio\nseen = []\nclass Q(asyncio.Queue):\n    @property\n"
        "    def _loop(self):\n        return None\n    @_loop.setter\n"
        "    def _loop(self, value):\n        seen.append(value)\nq = Q()\n"
        "t = asyncio.create_task(q.get())\nawait asyncio.sleep(0)\nq.put_nowait(1)\nseen"
    ),
    "subclass-overrides-host-private": (
        "import asyncio\nseen = []\nclass Q(asyncio.Queue):\n"
        "    def _wakeup_next(self, waiters):\n        seen.append(waiters)\nQ()"
    ),
    "subclass-stashed-by-init-subclass": (
        "import asyncio\nstash = []\nclass Base:\n    def __init_subclass__(cls):\n"
        "        stash.append(cls)\ntry:\n    class Q(Base, asyncio.Queue):\n"
        "        _loop = property(lambda s: None, lambda s, v: stash.append(v))\n"
        "except Exception:\n    pass\nq = stash[0]()\n"
        "t = asyncio.create_task(q.get())\nawait asyncio.sleep(0)\nq.put_nowait(1)\nstash[1:]"
    ),
    "make-dataclass-namespace": (
        "import dataclasses, asyncio\nseen = []\n"
        "Q = dataclasses.make_dataclass('Q', [], bases=(asyncio.Queue,), init=False, repr=False,"
        " eq=False, namespace={'_loop': property(lambda s: None, lambda s, v: seen.append(v))})\n"
        "q = Q()\nt = asyncio.create_task(q.get())\nawait asyncio.sleep(0)\nq.put_nowait(1)\nseen"
    ),
    "make-dataclass-field": (
        "import dataclasses, asyncio\n"
        "dataclasses.make_dataclass('Q', [('_loop', object, property(lambda s: 1))],"
        " bases=(asyncio.Queue,), init=False)"
    ),
    "make-dataclass-del-hook": (
        "import dataclasses\ndataclasses.make_dataclass('D', [], namespace={'__del__': print})"
    ),
    "enum-metaclass-called": (
        "import enum, asyncio\nenum.EnumType('Q', (asyncio.Queue,), {'_loop': property(len)})"
    ),
    "enum-metaclass-subclass-new": (
        "import enum, asyncio\nclass M(enum.EnumType):\n"
        "    def __new__(mcs, name, bases, ns, **kw):\n"
        "        return super().__new__(mcs, name, bases, ns, **kw)\n"
        "M('Q', (asyncio.Queue,), {'_loop': 1})"
    ),
    "subclass-property-added-later": (
        "import asyncio\nclass Q(asyncio.Queue): pass\nQ._getters = property(lambda s: 1)"
    ),
    "type3-subclass": "import asyncio\nQ = type('Q', (asyncio.Queue,), {})\nQ()._get_loop()",
    "metaclass-fake-dict": (
        "import asyncio\nclass M(type):\n    @property\n    def __dict__(cls):\n"
        "        return {'_get_loop': 1, '_abc_cm_owner_': True}\n"
        "class Q(asyncio.Queue, metaclass=M): pass\nQ()._get_loop()"
    ),
    "reinit-host-object": (
        "import uuid\nclass U(uuid.UUID): pass\nU.__init__(uuid.NAMESPACE_DNS, int=5)"
    ),
    "reinit-host-object-getattr": (
        "import uuid\nclass U(uuid.UUID): pass\ngetattr(U, '__init__')(uuid.NAMESPACE_DNS, int=5)"
    ),
    "reinit-host-object-methodcaller": (
        "import uuid, operator\noperator.methodcaller('__init__', int=5)(uuid.NAMESPACE_DNS)"
    ),
    "reinit-host-object-super": (
        "import uuid\nsuper(uuid.UUID, uuid.NAMESPACE_DNS).__init__(int=5)"
    ),
    "new-host-object": "import uuid\nobject.__new__(uuid.UUID)",
    "new-proxy": "object.__new__(type(codemode))",
    "type3-forbidden-hook": "type('C', (), {'__del__': lambda self: None})",
    "type3-reserved-name": "type('C', (), {'_cm_owner_': True})",
    "type3-mark-name": "import asyncio\ntype('C', (asyncio.Queue,), {'_abc_cm_owner_': True})",
    "class-body-mark": "class A:\n    _abc_cm_lookup_ = {}",
    "mark-write": "class A: pass\nA._abc_cm_lookup_ = {None: A}",
    "mark-setattr": "class A: pass\nsetattr(A, '_abc_cm_lookup_', {None: A})",
    "mark-getattr": "class A: pass\ngetattr(A, '_abc_cm_lookup_')",
    "host-function-dunder": "import json\njson.dumps.__wrapped__",
    "class-body-builtins": "class A:\n    __builtins__ = 1\n    x = [__builtins__ for _ in [1]]",
    "dunder-name-outside-class": "__builtins__",
    "guard-mark-read": "class A: pass\nA()._abc_cm_owner_",
    "assign-del-hook": "class A: pass\nA.__del__ = lambda self: None",
    "setattr-del-hook": "class A: pass\nsetattr(A, '__del__', lambda self: None)",
    "metaclass-new-namespace": (
        "class M(type):\n    def __new__(mcs, name, bases, ns):\n"
        "        return super().__new__(mcs, name, bases, ns)\n"
        "M('X', (), {'__del__': lambda self: None})"
    ),
    "metaclass-call-namespace": (
        "class M(type):\n    pass\nM('X', (), {'__del__': lambda self: None})"
    ),
    "str-subclass-name-getattr": f"{_LYING_STR}def f(): pass\ngetattr(f, S('__globals__'))",
    "str-subclass-name-attrgetter": (
        f"{_LYING_STR}import operator\ndef f(): pass\noperator.attrgetter(S('__globals__'))(f)"
    ),
    "str-subclass-namespace-key": f"{_LYING_STR}type('C', (), {{S('__del__'): lambda s: None}})",
}

OWNERSHIP_ALLOWED: dict[str, tuple[str, Any]] = {
    "hash-none": (
        "class H:\n    __hash__ = None\ntry:\n    hash(H())\nexcept TypeError:\n    r = 'unhashable'\nr",
        "unhashable",
    ),
    "iter-none": (
        "class I:\n    __iter__ = None\ntry:\n    iter(I())\nexcept TypeError:\n    r = 'no'\nr",
        "no",
    ),
    "repr-is-str": (
        "class A:\n    def __str__(self):\n        return 'a'\n    __repr__ = __str__\nrepr(A())",
        "a",
    ),
    "decorator-injects-init": (
        "def with_init(cls):\n    def __init__(self, x):\n        self.x = x\n"
        "    cls.__init__ = __init__\n    return cls\n@with_init\nclass P: pass\nP(3).x",
        3,
    ),
    "own-dunders": (
        "from dataclasses import dataclass\n@dataclass\nclass D:\n    x: int\n    _y: int = 2\n"
        "class M(dict):\n    def __missing__(self, key):\n        return key * 2\n"
        "def f(a: int) -> str:\n    pass\n"
        "import enum\nclass C(enum.Enum):\n    R = 1\n"
        "class G:\n    def get(self):\n        if getattr(self, '_c', None) is None:\n"
        "            self._c = 5\n        return [hasattr(self, '_o'), self._c]\n"
        "[list(D.__annotations__), D.__module__, list(D.__dataclass_fields__), D(1)._y, "
        "M()['ab'], M().__missing__('c'), f.__annotations__['a'].__name__, __name__ != '', "
        "__debug__, list(C.__members__), G().get()]",
        [
            ["x", "_y"],
            "__codemode__",
            ["x", "_y"],
            2,
            "abab",
            "cc",
            "int",
            True,
            True,
            ["R"],
            [False, 5],
        ],
    ),
    "type3-instances-owned": (
        "C = type('C', (), {'a': 1})\nc = C()\nc.b = 2\nc._p = 3\n[c.a, c.b, c._p]",
        [1, 2, 3],
    ),
    "own-dunder-call": (
        "class V:\n    def __init__(self, x):\n        self.x = x\n"
        "    def __add__(self, o):\n        return V(self.x + o.x)\n"
        "    def __neg__(self):\n        return V(-self.x)\n"
        "[V(1).__add__(V(2)).x, V(4).__neg__().x]",
        [3, -4],
    ),
    "private-state-of-own-objects": (
        "import json, enum\n"
        "class P:\n    def __init__(self):\n        self._x = 1\n    def _h(self):\n        return self._x\n"
        "class Q(P):\n    def _h(self):\n        return super()._h() + 1\n"
        "class E(Exception):\n    def __init__(self, code):\n        super().__init__(code)\n"
        "        self._code = code\n"
        "class J(json.JSONEncoder):\n    def __init__(self):\n        super().__init__()\n"
        "        self._depth = 3\n"
        "class C(enum.Enum):\n    A = 1\n    @classmethod\n    def _missing_(cls, value):\n"
        "        return cls.A\n"
        "[Q()._h(), Q()._x, E(5)._code, J()._depth, C(7).name, C.A._value_]",
        [2, 1, 5, 3, "A", 1],
    ),
    "new-of-own-class": (
        "class S(str):\n    def __new__(cls, v):\n        return super().__new__(cls, v.upper())\n"
        "class One:\n    def __new__(cls):\n        return object.__new__(cls)\n"
        "[S('ab'), type(One()).__name__, str.__new__(str, 'x')]",
        ["AB", "One", "x"],
    ),
    "enum-members-made-by-the-class": (
        "from enum import Enum\nclass Planet(Enum):\n    EARTH = (1, 2)\n"
        "    def __init__(self, mass, radius):\n        self.mass = mass\n        self._r = radius\n"
        "class Code(Enum):\n    def __new__(cls, value):\n        obj = object.__new__(cls)\n"
        "        obj._value_ = value\n        return obj\n    A = 5\n"
        "[Planet.EARTH.mass, Planet.EARTH._r, Code(5).name]",
        [1, 2, "A"],
    ),
    "enum-metaclasses-and-make-dataclass": (
        "import enum, dataclasses\nclass M(enum.EnumType):\n    pass\n"
        "class C(enum.Enum, metaclass=M):\n    A = 1\n"
        "class D(enum.Enum, metaclass=enum.EnumType):\n    B = 2\n"
        "K = dataclasses.make_dataclass('K', [('a', int)], namespace={'twice': lambda s: 2 * s.a})\n"
        "k = K(2)\nk._x = 1\n"
        "[C.A.value, D.B.name, isinstance(C, enum.EnumType), type(C) is M,"
        " type(D) is enum.EnumMeta, k.twice(), k._x, type(k) is K]",
        [1, "B", True, True, True, 4, 1, True],
    ),
    "runtime-checkable-protocol": (
        "from typing import Protocol, runtime_checkable\n@runtime_checkable\n"
        "class HasLen(Protocol):\n    def __len__(self) -> int: ...\n"
        "[isinstance([], HasLen), isinstance(1, HasLen)]",
        [True, False],
    ),
    "metaclass-made-classes-owned": (
        "class M(type):\n    def __new__(mcs, name, bases, ns):\n"
        "        return super().__new__(mcs, name, bases, ns)\n"
        "X = M('X', (), {'a': 1})\nx = X()\nx.b = 2\nclass Y(metaclass=M):\n    pass\n"
        "y = Y()\ny._p = 1\n[x.a, x.b, y._p, type(X) is M]",
        [1, 2, 1, True],
    ),
    "reinit-own-object": (
        "class A:\n    def __init__(self, x=0):\n        self.x = x\na = A()\na.__init__(4)\n"
        "A.__init__(a, 5)\nl = [1]\nlist.__init__(l, [2, 3])\n[a.x, l]",
        [5, [2, 3]],
    ),
}

# Cause 2: whatever model code reaches is a plain value, its own object or a guarded one;
# `type(x)` included. `attrgetter`/`methodcaller` apply `getattr`'s policy.
WRAPPER_ATTACKS: dict[str, str] = {
    "type-of-attrgetter": "import operator\ntype(operator.attrgetter('x'))('__globals__')",
    "type-of-methodcaller": (
        "import operator\ntype(operator.methodcaller('x'))('__reduce_ex__', 2)(1)"
    ),
    "attrgetter-dunder": "def f(): pass\nimport operator\noperator.attrgetter('__globals__')(f)",
    "attrgetter-dotted": "import operator\noperator.attrgetter('real.__class__')(1)",
    "attrgetter-frame": "def g():\n    yield 1\nimport operator\noperator.attrgetter('gi_frame')(g())",
    "attrgetter-own-internals": "import operator\noperator.attrgetter('_cm_paths_')(operator.attrgetter('x'))",
    "attrgetter-register": (
        "import operator, collections.abc\n"
        "operator.attrgetter('register')(collections.abc.Sequence)(dict)"
    ),
    "methodcaller-register": (
        "import operator, collections.abc\n"
        "operator.methodcaller('register', dict)(collections.abc.Sequence)"
    ),
    "type-of-bytes": "type(b'')(10 ** 10)",
    "type-of-bytearray": "type(bytearray())(10 ** 10)",
    "type-of-range": "list(type(range(1))(10 ** 10))",
    "type-of-iterator": "type(iter([]))([])",
    "subclass-a-view": "class X(type(iter([]))): pass",
    "type-of-lru-wrapper": "import functools\ntype(functools.cache(len))(len, 1, False, tuple)",
    "type-of-facade": "import json\ntype(json)('json', {'loads': len})",
    "type-of-proxy": "type(codemode)(None, None)",
    "type-of-task": (
        "import asyncio\nasync def c():\n    pass\nt = asyncio.create_task(c())\ntype(t)(t)"
    ),
    "type-of-print": "type(print)(None, {})",
    "type-of-type-of-stand-in": "type(type(b''))('X', (), {})._cm_real_",
}

WRAPPER_ALLOWED: dict[str, tuple[str, Any]] = {
    "stand-ins-look-like-builtins": (
        "[type(range(1)) is range, type(range(10 ** 6)) is range, isinstance(range(10 ** 6), range),"
        " type(b'') == bytes, type(bytearray()) is bytearray, repr(range), repr(bytes),"
        " type(int) is type, isinstance(int, type), issubclass(type(b''), bytes),"
        " isinstance(b'x', (bytes, str)), type(type) is type, bytes.fromhex('41'),"
        " type('C', (), {}).__name__, range.__name__]",
        [True] * 5 + ["<class 'range'>", "<class 'bytes'>"] + [True] * 5 + ["A", "C", "range"],
    ),
    "classes-made-at-the-programs-call": (
        "import collections, enum, typing\nP = collections.namedtuple('P', 'x y')\n"
        "E = enum.Enum('E', 'A B')\nN = typing.NamedTuple('N', [('a', int)])\n"
        "p = P(1, 2)\n"
        "[type(p) is P, type(E.A) is E, type(N(1)) is N, type(p)(3, 4).y, p._asdict(),"
        " p._replace(x=5), P._fields]",
        [True, True, True, 4, {"x": 1, "y": 2}, [5, 2], ["x", "y"]],
    ),
    "typing-classes": (
        "import typing\nT = typing.TypeVar('T')\nclass N(typing.NamedTuple):\n    a: int\n"
        "class G(typing.Generic[T]):\n    pass\n"
        "[N(1).a, type(G[int]()).__name__, typing.get_args(typing.Optional[int])[1] is type(None),"
        " type(None)() is None]",
        [1, "G", True, True],
    ),
    "views-compare-and-check": (
        "it = iter([1])\n[type(it) is type(iter([2])), isinstance(it, type(iter([]))),"
        " type(it).__name__]",
        [True, True, "list_iterator"],
    ),
    "operator-getters": (
        "import operator\na = operator.attrgetter('real', 'imag')\n"
        "[a(3), type(a) is operator.attrgetter, repr(operator.attrgetter('x.y')),"
        " operator.methodcaller('split', ',')('a,b'), operator.itemgetter(1)([5, 6]),"
        " operator.attrgetter('format')('{}!')(1)]",
        [[3, 0], True, "operator.attrgetter('x.y')", ["a", "b"], 6, "1!"],
    ),
    "metaclass-of-own-class": (
        "class M(type):\n    pass\nclass A(metaclass=M):\n    pass\n"
        "[type(A) is M, isinstance(A, type), type(M) is type]",
        [True, True, True],
    ),
}

# Cause 4: every route to `str.format` / `format_map` goes through the safe formatter.
FORMAT_ATTACKS: dict[str, str] = {
    "subclass-instance": "class S(str): pass\ndef f(): pass\nS('{0.__globals__}').format(f)",
    "subclass-super": (
        "class S(str):\n    def format(self, *a):\n        return super().format(*a)\n"
        "def f(): pass\nS('{0.__globals__}').format(f)"
    ),
    "subclass-unbound": "class S(str): pass\ndef f(): pass\nS.format('{0.__globals__}', f)",
    "str-unbound": "def f(): pass\nstr.format('{0.__globals__}', f)",
    "getattr-instance": "def f(): pass\ngetattr('{0.__globals__}', 'format')(f)",
    "getattr-class": "def f(): pass\ngetattr(str, 'format')('{0.__globals__}', f)",
    "attrgetter": "import operator\ndef f(): pass\noperator.attrgetter('format')('{0.__globals__}')(f)",
    "methodcaller": "import operator\ndef f(): pass\noperator.methodcaller('format', f)('{0.__globals__}')",
    "format-map": "def f(): pass\n'{x.__globals__}'.format_map({'x': f})",
    "format-map-subclass": (
        "class S(str): pass\ndef f(): pass\nS('{x.__globals__}').format_map({'x': f})"
    ),
    "partial": "import functools\ndef f(): pass\nfunctools.partial(str.format, '{0.__globals__}')(f)",
    "map": "def f(): pass\nlist(map(str.format, ['{0.__globals__}'], [f]))",
    "type-of-str": "def f(): pass\ntype('').format('{0.__globals__}', f)",
    "metaclass-fake-dict": (
        "class M(type):\n    @property\n    def __dict__(cls):\n        return {'format': 1}\n"
        "class S(str, metaclass=M): pass\ndef f(): pass\nS('{0.__globals__}').format(f)"
    ),
    "private-field": "class A:\n    _s = 1\n'{0._s}'.format(A())",
}

FORMAT_ALLOWED: dict[str, tuple[str, Any]] = {
    "format-routes": (
        "class S(str):\n    pass\n"
        "class T(str):\n    def format(self, *a):\n        return 'own:' + super().format(*a)\n"
        "[S('{}-{x}').format(1, x=2), T('{}').format(3), str.format('{0.real}', 4),"
        " '{a[0]}'.format_map({'a': [5]}), S.format('{}', 6)]",
        ["1-2", "own:3", "4", "5", "6"],
    ),
}

# Cause 5: copying follows the attribute policy, so the memo holds nothing of the host's.
COPY_ATTACKS: dict[str, str] = {
    "memo-keepalive": "import copy\nmemo = {}\ncopy.deepcopy([1, codemode], memo)\nmemo[id(memo)]",
    "deepcopy-proxy": "import copy\ncopy.deepcopy(codemode)",
    "copy-proxy": "import copy\ncopy.copy(codemode)",
    "hook-sees-memo": (
        "import copy\nseen = []\nclass H:\n    def __deepcopy__(self, memo):\n"
        "        seen.append(dict(memo))\n        return self\n"
        "copy.deepcopy([codemode, H()])\nseen"
    ),
    "deepcopy-facade": "import copy, json\ncopy.deepcopy(json)",
    "deepcopy-task": (
        "import asyncio, copy\nasync def c():\n    pass\ncopy.deepcopy(asyncio.create_task(c()))"
    ),
    "deepcopy-host-base-state": "import asyncio, copy\nclass Q(asyncio.Queue): pass\ncopy.deepcopy(Q())",
    "copy-host-base-state": "import asyncio, copy\nclass Q(asyncio.Queue): pass\ncopy.copy(Q())._loop",
}

COPY_ALLOWED: dict[str, tuple[str, Any]] = {
    "copies": (
        "import copy, datetime, decimal, collections, fractions, uuid, enum\n"
        "from dataclasses import dataclass\n@dataclass\nclass D:\n    a: list\n    _b: int = 1\n"
        "class C(enum.Enum):\n    A = 1\nP = collections.namedtuple('P', 'x y')\n"
        "class H:\n    def __init__(self):\n        self.n = 1\n"
        "    def __deepcopy__(self, memo):\n        h = H()\n        h.n = 2\n        return h\n"
        "x = [D([1, {2: (3, [4])}]), datetime.date(2020, 1, 2), decimal.Decimal('1.5'),"
        " collections.Counter('aab'), collections.deque([1]), fractions.Fraction(1, 3),"
        " uuid.UUID(int=5), C.A, P(1, 2), {1, 2}, b'x', bytearray(b'y')]\n"
        "y = copy.deepcopy(x)\nz = copy.copy(x[0])\n"
        "cyc = [1]\ncyc.append(cyc)\nc2 = copy.deepcopy(cyc)\n"
        "r = range(10 ** 6)\n"
        "[y == x, y[0] is not x[0], y[0].a is not x[0].a, z.a is x[0].a, y[7] is C.A,"
        " copy.deepcopy(H()).n, c2[1] is c2, c2 is not cyc, copy.deepcopy(r) == r]",
        [True] * 5 + [2, True, True, True],
    ),
}


ATTACKS = {
    **{f"ownership/{k}": v for k, v in OWNERSHIP_ATTACKS.items()},
    **{f"wrappers/{k}": v for k, v in WRAPPER_ATTACKS.items()},
    **{f"format/{k}": v for k, v in FORMAT_ATTACKS.items()},
    **{f"copy/{k}": v for k, v in COPY_ATTACKS.items()},
}

ALLOWED = {
    **{f"ownership/{k}": v for k, v in OWNERSHIP_ALLOWED.items()},
    **{f"wrappers/{k}": v for k, v in WRAPPER_ALLOWED.items()},
    **{f"format/{k}": v for k, v in FORMAT_ALLOWED.items()},
    **{f"copy/{k}": v for k, v in COPY_ALLOWED.items()},
}

# Refused by something other than the policy, still without reaching anything.
NOT_POLICY = {
    "ownership/host-function-dunder": ("runtime", "policy"),
    # refused before the class exists: the stash stays empty (IndexError)
    "ownership/subclass-stashed-by-init-subclass": ("runtime", "policy"),
    "wrappers/type-of-bytes": ("memory",),
    "wrappers/type-of-bytearray": ("memory",),
    "wrappers/type-of-range": ("memory", "timeout"),
    "wrappers/type-of-type-of-stand-in": ("policy", "runtime"),
}


@pytest.mark.parametrize("name", sorted(ATTACKS))
async def test_object_attack_is_refused(run: Run, name: str) -> None:
    dns = uuid.NAMESPACE_DNS.int
    result = await run(ATTACKS[name], timeout=5)
    assert not result.ok, f"{name} was allowed: {result.value!r}"
    assert result.error is not None
    assert result.error.type in NOT_POLICY.get(name, ("policy",)), f"{name}: {result.error}"
    dumped = json.dumps(result.to_dict())
    for marker in SECRET_MARKERS:
        assert marker not in dumped, f"{name} leaked {marker}"
    assert uuid.NAMESPACE_DNS.int == dns


@pytest.mark.parametrize("name", sorted(ALLOWED))
async def test_object_rule_lets_programs_through(run: Run, name: str) -> None:
    code, expected = ALLOWED[name]
    result = await run(code)
    assert result.ok, f"{name}: {result.error}"
    assert result.value == expected
