"""Red-team round 3 (issue 9, causes 1-5, 7, 8, 12): attacks written by someone who has read the
policy's code, against every executor.

Each family is one root cause, tried from several directions. A program prints nothing and
returns `"PWNED"` only if it reached what it went for (the host's state, a real class, a host
object's private state), so one check covers them all: `execute` returns (never raises), no
`"PWNED"` and no secret in the result, no canary file, nothing on the host's stderr, and the
host and the next run work as before (ABC checks, `re.compile`, `strptime`: process-wide caches a
program could have planted its code in). The programs marked as hits reached their target on
main before this round (the root cause and the rule that closes it are in the comment above
each family, and in the code where the rule lives); the others are novel misses, kept as guards.
"""

from __future__ import annotations

import _strptime  # type: ignore[import-not-found]
import abc
import ast
import asyncio
import collections.abc
import datetime
import gc
import json
import os
import random
import re
import textwrap
import time
import warnings
from pathlib import Path

import pytest

from codemode._program import PROGRAM_MODULE

from .conftest import Run

SECRET = "s3cr3t-round3-7c1e"
SECRET_MARKERS = ("PWNED", SECRET, "'__builtins__': ", "ToolBridge object", "EventLoop running")


def _programs(**programs: str) -> dict[str, str]:
    return {name.replace("_", "-"): textwrap.dedent(code) for name, code in programs.items()}


# -- Wrappers that hand out real objects (cause 2) ----------------------------------------------
# Hits. `functools.update_wrapper` read any attribute it was told to (`assigned`/`updated` are
# the caller's) with the real `getattr` and merged `wrapped.__dict__` into the wrapper, an object
# the program owns, whose `__dict__` is the program's to read: the tool proxy's bridge and
# execution (hence the event loop: a shell command ran), a facade function's `__globals__`, or,
# by `updated=('__globals__',)`, the program's own globals rebound to a host module's (`codecs`
# wrote a file). Rule (`facade_collections.update_wrapper`): it reads `wrapped` and writes
# `wrapper` as the program's own `getattr`/`setattr` would, and merges a `__dict__` only from
# an object the program owns.
_STATE_FROM_COPY = """
    import functools, copy
    got = []
    class O:
        def __getattr__(self, name):
            if name == "__setstate__":
                return lambda state: got.append(state)
            raise AttributeError(name)
    """
WRAPPERS = _programs(
    update_wrapper_proxy_state=_STATE_FROM_COPY
    + """
    o = O()
    functools.update_wrapper(o, codemode)
    copy.copy(o)
    bridge, execution, control = got[0]["_cm_state_"]
    bridge.tools["add"].fn(1, 2)
    return "PW" + "NED"
    """,
    wraps_proxy_state=_STATE_FROM_COPY
    + """
    o = functools.wraps(codemode)(O())
    copy.copy(o)
    return "PW" + "NED" if "_cm_state_" in got[0] else "safe"
    """,
    update_wrapper_assigned_globals=_STATE_FROM_COPY
    + """
    import json
    o = O()
    functools.update_wrapper(o, json.dumps, assigned=("__globals__",), updated=())
    copy.copy(o)
    return "PW" + "NED" if "__builtins__" in got[0]["__globals__"] else "safe"
    """,
    update_wrapper_updated_globals="""
    import functools, json
    def f():
        return codecs
    functools.update_wrapper(f, json.loads, assigned=(), updated=("__globals__",))
    f().open("{canary}", "w").write("x")
    return "PW" + "NED"
    """,
    update_wrapper_assigned_private=_STATE_FROM_COPY
    + """
    o = O()
    functools.update_wrapper(o, codemode, assigned=("_cm_state_",), updated=())
    copy.copy(o)
    return "PW" + "NED" if "_cm_state_" in got[0] else "safe"
    """,
    update_wrapper_function_dict="""
    import functools
    def f():
        pass
    functools.update_wrapper(f, codemode, assigned=(), updated=("__dict__",))
    return "PW" + "NED" if any(name.startswith("_cm") for name in dir(f)) else "safe"
    """,
    update_wrapper_forwardref_evaluate="""
    import functools, typing
    def f():
        pass
    functools.update_wrapper(f, typing.ForwardRef("1"), assigned=("_evaluate",), updated=())
    return "PW" + "NED" if f._evaluate(None, None, frozenset()) == 1 else "safe"
    """,
)

# Hits. Host code hands the program's class hooks the real classes it holds: `singledispatch`
# calls `issubclass(type(arg), P)` (a metaclass's `__subclasscheck__`, an ABC's
# `__subclasshook__`), CPython calls `__mro_entries__`, `__prepare__` and a metaclass's
# `__new__`/`__init__` with the bases after the stand-ins were swapped for real classes, and
# `typing.get_origin(Type[int])` is `type`. The real `type` builds classes past the namespace
# check: a property at `_loop` of an `asyncio.Queue` subclass was handed the host's event loop.
# Rule (`_types.visible_class`, `_owner.build_class`/`_class_hook`): every route that hands
# the program a class maps it as `type()` would; class hooks host code calls are wrapped where
# the class is made, must be functions, and cannot be assigned later.
_BUILD_WITH = """
    def f(self, name):
        return "PW" + "NED"
    Y = T("Y", (), {"__getattribute__": f})
    return Y().anything
    """
REAL_CLASSES = _programs(
    singledispatch_subclasscheck="""
    import functools
    got = []
    class M(type):
        def __subclasscheck__(cls, sub):
            got.append(sub)
            return False
    class A(metaclass=M):
        pass
    @functools.singledispatch
    def g(x):
        return 0
    g.register(A, lambda x: 1)
    g(int)
    T = got[0]
    """
    + _BUILD_WITH,
    singledispatch_event_loop="""
    import functools, asyncio
    got = []
    class M(type):
        def __subclasscheck__(cls, sub):
            got.append(sub)
            return False
    class A(metaclass=M):
        pass
    @functools.singledispatch
    def g(x):
        return 0
    g.register(A, lambda x: 1)
    g(int)
    stash = []
    Q = got[0]("Q", (asyncio.Queue,), {"_loop": property(lambda s: None, stash.append)})
    q = Q()
    t = asyncio.create_task(q.get())
    await asyncio.sleep(0)
    q.put_nowait(1)
    return "PW" + "NED" if stash else "safe"
    """,
    singledispatch_subclasshook="""
    import functools, collections.abc
    got = []
    class A(collections.abc.Sized):
        @classmethod
        def __subclasshook__(cls, sub):
            got.append(sub)
            return NotImplemented
    @functools.singledispatch
    def g(x):
        return 0
    g.register(A, lambda x: 1)
    g(int)
    T = [c for c in got if repr(c) == "<class 'type'>"][0]
    """
    + _BUILD_WITH,
    singledispatch_proxy_class="""
    import functools
    got = []
    class M(type):
        def __subclasscheck__(cls, sub):
            got.append(sub)
            return False
    class A(metaclass=M):
        pass
    @functools.singledispatch
    def g(x):
        return 0
    g.register(A, lambda x: 1)
    g(codemode)
    ToolProxy = got[0]
    p = ToolProxy.__new__(ToolProxy)
    return "PW" + "NED"
    """,
    subclasscheck_assigned_later="""
    import functools
    got = []
    class M(type):
        pass
    def check(cls, sub):
        got.append(sub)
        return False
    M.__subclasscheck__ = check
    class A(metaclass=M):
        pass
    @functools.singledispatch
    def g(x):
        return 0
    g.register(A, lambda x: 1)
    g(int)
    T = got[0]
    """
    + _BUILD_WITH,
    subclasscheck_as_property="""
    import functools
    got = []
    def check(cls, sub):
        got.append(sub)
        return False
    class M(type):
        __subclasscheck__ = property(lambda cls: lambda sub: check(cls, sub))
    class A(metaclass=M):
        pass
    @functools.singledispatch
    def g(x):
        return 0
    g.register(A, lambda x: 1)
    g(int)
    T = got[0]
    """
    + _BUILD_WITH,
    mro_entries_bases="""
    got = []
    class E:
        def __mro_entries__(self, bases):
            got.extend(bases)
            return ()
    class X(type, E()):
        pass
    T = got[0]
    """
    + _BUILD_WITH,
    prepare_bases="""
    got = []
    class M(type):
        @classmethod
        def __prepare__(mcs, name, bases, **kw):
            got.extend(bases)
            return {}
    class X(type, metaclass=M):
        pass
    T = got[0]
    """
    + _BUILD_WITH,
    metaclass_init_bases="""
    got = []
    class M(type):
        def __init__(cls, name, bases, ns):
            got.extend(bases)
    class X(type, metaclass=M):
        pass
    T = got[0]
    """
    + _BUILD_WITH,
    metaclass_new_bases="""
    got = []
    class M(type):
        def __new__(mcs, name, bases, ns):
            got.extend(bases)
            return super().__new__(mcs, name, bases, ns)
    class X(type, metaclass=M):
        pass
    T = got[0]
    """
    + _BUILD_WITH,
    function_metaclass_bases="""
    got = []
    def meta(name, bases, ns):
        got.extend(bases)
        return 1
    class X(type, metaclass=meta):
        pass
    T = got[0]
    """
    + _BUILD_WITH,
    function_metaclass_prepare="""
    got = []
    def meta(name, bases, ns):
        return 1
    def prepare(name, bases, **kw):
        got.extend(bases)
        return {}
    meta.__prepare__ = prepare
    class X(type, metaclass=meta):
        pass
    T = got[0]
    """
    + _BUILD_WITH,
    typing_get_origin="""
    import typing
    T = typing.get_origin(typing.Type[int])
    """
    + _BUILD_WITH,
    typing_get_origin_bare="""
    import typing
    T = typing.get_origin(typing.Type)
    """
    + _BUILD_WITH,
)

# -- Facade classes that narrow a host class (causes 2, 7, 8) ------------------------------------
# Hits. A facade that narrows a host class by deriving from it (the asyncio `Timeout` that
# answers to the run, `random.Random` with sized `choices`, the main task's handle that cannot
# be cancelled) was passed by the base's own method: `super(asyncio.Timeout, t).__aenter__()`
# armed asyncio's own timeout on the caller's task, which cancelled the integrator a moment
# after the run (the next `await` raised `CancelledError`); `type(handle).cancel(main)`
# cancelled the caller's task (`execute` raised `CancelledError`). Rule (`_owner.ProgramSuper`,
# `facade_async.MainTask`, `_owner._initialisable`): `super()` stands for the program's own
# classes only, and a `super` object is never initialised again (`super.__init__(s, C, obj)`
# would point it elsewhere); the main task's handle is a class of its own, not a
# `TaskHandle` with methods overridden.
NARROWED = _programs(
    super_timeout_enter="""
    import asyncio
    t = asyncio.timeout(0)
    await super(asyncio.Timeout, t).__aenter__()
    return 1
    """,
    super_timeout_enter_by_name="""
    import asyncio
    s = super
    t = asyncio.timeout(0)
    await getattr(s(asyncio.Timeout, t), "__aenter__")()
    return 1
    """,
    super_random_choices="""
    import random
    r = random.Random(1)
    return len(super(random.Random, r).choices([1], k=5 * 10**7))
    """,
    super_template_of_a_facade="""
    import string
    t = string.Template("$a")
    reached = super(string.Template, t).substitute(a=1) == "1"  # the stdlib's own method
    return "PW" + "NED" if reached else "safe"
    """,
    super_reinitialised_on_a_host_class="""
    import asyncio
    class A:
        def get(self):
            return super()
    s = A().get()
    t = asyncio.timeout(0)
    super.__init__(s, asyncio.Timeout, t)
    await s.__aenter__()
    return 1
    """,
    explicit_super_reinitialised="""
    import asyncio
    class A:
        pass
    s = super(A, A())
    t = asyncio.timeout(0)
    getattr(super, "__init__")(s, asyncio.Timeout, t)
    await s.__aenter__()
    return 1
    """,
    print_reinitialised="""
    got = []
    print.__init__(lambda kind, text: got.append(text))
    print("x")
    return "PW" + "NED" if got else "safe"
    """,
    main_task_cancel_through_handle_class="""
    import asyncio
    t = asyncio.create_task(asyncio.sleep(0))
    type(t).cancel(asyncio.current_task())
    await asyncio.sleep(0)
    return 1
    """,
    main_task_cancel_through_getattr="""
    import asyncio, operator
    t = asyncio.create_task(asyncio.sleep(0))
    operator.attrgetter("cancel")(type(t))(asyncio.current_task(), "x")
    await asyncio.sleep(0)
    return 1
    """,
    main_task_awaited_through_wait="""
    import asyncio
    await asyncio.wait([asyncio.current_task()], timeout=0.01)
    return 1
    """,
)

# -- Classes made by other routes than a class statement (cause 1) -------------------------------
# Hits. A class statement cannot bind the host dunders (`__class__`, `__getattribute__`,
# `__setattr__`, `__traceback__`...), but `type()`, a metaclass, `make_dataclass`, `@dataclass`
# fields, `Enum("E", [(name, value)])` and a lying namespace mapping could: `__class__` fields
# turned a program object into a host class's instance, `__getattribute__` ran program code in
# host lookups (`isinstance`, the error report), and a metaclass's `__eq__`/`__hash__` put
# program code in host caches (ABC caches, `re`'s), which the host's own `isinstance(5, Sized)`
# then ran after the run. Rule (`_owner.checked_namespace`, held by every route that makes a
# class; `facade_types` for `@dataclass` and enum names): what a class body may bind and no
# more, read once from the namespace's own storage; metaclasses compare by identity.
CLASS_ROUTES = _programs(
    type3_class_property="""
    def c(self):
        return int
    E = type("E", (), {"__class__": property(c)})
    return "PW" + "NED" if isinstance(E(), int) else "safe"
    """,
    type3_getattribute="""
    def g(self, name):
        return "PW" + "NED"
    E = type("E", (), {"__getattribute__": g})
    return E().x
    """,
    type3_setattr="""
    seen = []
    def s(self, name, value):
        seen.append(value)
    O = type("O", (), {"__setattr__": s})
    o = O()
    o.x = 1
    return "PW" + "NED" if seen else "safe"
    """,
    type3_traceback_property="""
    def tb(self):
        return "PW" + "NED"
    E = type("E", (Exception,), {"__traceback__": property(tb)})
    raise E()
    """,
    metaclass_call_getattribute="""
    def g(self, name):
        return "PW" + "NED"
    class M(type):
        pass
    X = M("X", (), {"__getattribute__": g})
    return X().x
    """,
    prepare_hides_a_key="""
    def f(self, name):
        return "PW" + "NED"
    class NS(dict):
        def __setitem__(self, k, v):
            dict.__setitem__(self, k, v)
            dict.__setitem__(self, "__getattribute__", f)
        def __iter__(self):
            return iter([k for k in dict.keys(self) if k != "__getattribute__"])
    class M(type):
        @classmethod
        def __prepare__(mcs, name, bases):
            return NS()
    class X(metaclass=M):
        y = 1
    return X().y
    """,
    type3_namespace_hides_a_key="""
    def f(self, name):
        return "PW" + "NED"
    class NS(dict):
        def __iter__(self):
            return iter(["y"])
    ns = NS(y=1)
    dict.__setitem__(ns, "__getattribute__", f)
    return type("X", (), ns)().y
    """,
    make_dataclass_class_field="""
    import dataclasses, json
    D = dataclasses.make_dataclass("D", [("__class__", object)])
    return "PW" + "NED" if isinstance(D(json.JSONEncoder), json.JSONEncoder) else "safe"
    """,
    make_dataclass_lying_fields="""
    import dataclasses, json
    class Fields:
        n = 0
        def __iter__(self):
            Fields.n += 1
            return iter(["a"] if Fields.n == 1 else [("__class__", object)])
    D = dataclasses.make_dataclass("D", Fields())
    return "PW" + "NED" if isinstance(D(json.JSONEncoder), json.JSONEncoder) else "safe"
    """,
    dataclass_annotation_class="""
    import dataclasses, json
    D = dataclasses.dataclass(type("D", (), {"__annotations__": {"__class__": object}}))
    return "PW" + "NED" if isinstance(D(json.JSONEncoder), json.JSONEncoder) else "safe"
    """,
    dataclass_annotation_added_later="""
    import dataclasses, json
    class D:
        x: int
    D.__annotations__["__class__"] = object
    D = dataclasses.dataclass(D)
    return "PW" + "NED" if isinstance(D(1, json.JSONEncoder), json.JSONEncoder) else "safe"
    """,
    dataclass_host_managed_field="""
    import dataclasses, asyncio, collections
    got = []
    class Spy:
        def append(self, item):
            got.append(item)
    @dataclasses.dataclass
    class Q(asyncio.Queue):
        _maxsize: int
        _getters: object
        _putters: object
        _unfinished_tasks: int
        _finished: object
        _queue: object
    q = Q(0, Spy(), Spy(), 0, None, collections.deque())
    t = asyncio.create_task(q.get())
    await asyncio.sleep(0)
    return "PW" + "NED" if got else "safe"
    """,
    enum_functional_getattribute="""
    import enum
    E = enum.Enum("E", [("__getattribute__", lambda self, name: "PW" + "NED"), ("a", 1)])
    return E.a.name
    """,
    enum_functional_del="""
    import enum
    def d(self):
        pass
    E = enum.Enum("E", [("__del__", d), ("a", 1)])
    return "PW" + "NED"
    """,
    enum_functional_mapping="""
    import enum
    E = enum.Enum("E", {"__subclasscheck__": lambda cls, sub: True, "a": 1})
    return "PW" + "NED"
    """,
    enum_functional_string="""
    import enum
    E = enum.Enum("E", "a __reduce_ex__")
    return "PW" + "NED"
    """,
    enum_new_member="""
    import enum, asyncio
    class E(enum.Enum):
        A = 1
    q = E._new_member_(asyncio.Queue)
    return "PW" + "NED"
    """,
    enum_new_member_on_a_member="""
    import enum, json
    class E(enum.Enum):
        A = 1
    e = E.A._new_member_(json.JSONEncoder)
    return "PW" + "NED"
    """,
    metaclass_eq_in_abc_caches="""
    import collections.abc
    class M(type):
        def __eq__(cls, other):
            return False
        def __hash__(cls):
            return hash(int)
    class P(metaclass=M):
        pass
    isinstance(P(), collections.abc.Sized)
    isinstance(P(), collections.abc.Hashable)
    return "planted"
    """,
    metaclass_eq_assigned_later="""
    import collections.abc
    class M(type):
        pass
    M.__eq__ = lambda cls, other: False
    M.__hash__ = lambda cls: hash(int)
    class P(metaclass=M):
        pass
    isinstance(P(), collections.abc.Hashable)
    return "planted"
    """,
    metaclass_eq_in_re_cache="""
    import re
    class M(type):
        def __eq__(cls, other):
            return True
        def __hash__(cls):
            return hash(str)
    class S(str, metaclass=M):
        def __eq__(self, other):
            return True
        def __hash__(self):
            return hash("zz+")
    re.compile(S("zz+"))
    return "planted"
    """,
    str_subclass_in_strptime_cache="""
    import time
    class S(str):
        def __eq__(self, other):
            return True
        def __hash__(self):
            return hash("%d")
    time.strptime("1", S("%d"))
    return "planted"
    """,
    str_subclass_in_datetime_strptime_cache="""
    import datetime
    class S(str):
        def __eq__(self, other):
            return True
        def __hash__(self):
            return hash("%d")
    datetime.datetime.strptime("2", S("%d"))
    type(datetime.datetime(2020, 1, 1).date()).today()
    return "planted"
    """,
    str_subclass_in_re_cache="""
    import re
    class S(str):
        def __eq__(self, other):
            return True
        def __hash__(self):
            return hash("zz+")
    re.compile(S("zz+"))
    re.compile(S("zz+"), re.IGNORECASE)
    return "planted"
    """,
)

# -- Stdlib code that compiles program text (cause 3) --------------------------------------------
# Hit. `strptime` (any route: `time`'s, the `datetime` facade's, a real `datetime` class's)
# compiles a pattern built from the format with the stdlib `re`, its literal text included:
# a format of 2 million characters held the interpreter for seconds in one C call, past the
# deadline. Rule (`facade_time._ExactKeys.get`, the cache every route reads first; the sink
# table in `_modules.py`): formats up to 2000 characters.
_SLOW = """
    import time as clock
    s = "a" * 2_000_000
    started = clock.monotonic()
    try:
        {call}
    except Exception:
        pass
    return "PW" + "NED" if clock.monotonic() - started > 1 else "safe"
    """
SINKS = _programs(
    strptime_long_format=_SLOW.replace("{call}", "clock.strptime(s, s)"),
    datetime_strptime_long_format=_SLOW.replace(
        "{call}", "import datetime\n        datetime.datetime.strptime(s, s)"
    ),
    real_datetime_strptime_long_format=_SLOW.replace(
        "{call}",
        "import datetime\n        type(datetime.datetime(2020, 1, 1).date()).fromisoformat\n"
        "        type(datetime.datetime(2020, 1, 1) + datetime.timedelta(1)).strptime(s, s)",
    ),
)

# -- Copies by other routes (cause 5) ------------------------------------------------------------
# Hit. `dataclasses.asdict`/`astuple` copy what is not a container with the real
# `copy.deepcopy`, past the `copy` facade: a field holding the tool proxy was copied through its
# state, the bridge and the tools, and a `__deepcopy__` of the program met first got the memo,
# which held the copies (a tool's own function, called without validation or trace) and the
# originals. Rule (`facade_types._as_plain`): they copy with the `copy` facade and read fields
# with the program's `getattr`.
_MEMO_OF = """
    import dataclasses
    got = []
    class Hook:
        def __deepcopy__(self, memo):
            got.append(memo)
            return self
    class Holder:
        pass
    holder = Holder()
    holder.hook = Hook()
    holder.proxy = codemode
    @dataclasses.dataclass
    class D:
        a: object
    try:
        dataclasses.{call}(D(holder))
    except Exception:
        pass
    for value in list(got[0].values()) if got else []:
        for item in value if type(value) is list else [value]:
            try:
                fn = getattr(item, "fn", None)
            except Exception:  # a copy of the tool proxy, without its state, recurses
                continue
            if getattr(fn, "__name__", "") == "add" and fn(a=1, b=2) == 3:
                return "PW" + "NED"  # the tool's own function: no validation, no trace
    return "safe"
    """
COPIES = _programs(
    dataclasses_asdict_memo=_MEMO_OF.replace("{call}", "asdict"),
    dataclasses_astuple_memo=_MEMO_OF.replace("{call}", "astuple"),
    dataclasses_asdict_host_fields="""
    import dataclasses, asyncio
    @dataclasses.dataclass
    class D:
        x: int = 1
    class Q(asyncio.Queue):
        pass
    q = Q()
    await q.put(1)
    return dataclasses.asdict(D(q))
    """,
)

# -- Runs that outlive themselves (cause 7) -----------------------------------------------------
# Hits. The end of a run called methods the program could override: `expired`/`reschedule` of
# its `asyncio.Timeout` subclass, `cancel` of a "future" it handed `gather` (asyncio takes any
# object with `_asyncio_future_blocking` as a future); that code raised `Timeout` out of
# `execute`. And stdlib coroutines the program made and never awaited (`asyncio.sleep(1)`,
# a task cancelled before it started) warned on the host's stderr. Rule (`_runtime.disarm`,
# `Execution.spawn`): the end of a run calls asyncio's own methods only; everything but asyncio's
# own futures is awaited in a task of the run's; unstarted coroutines are closed at the end.
# Hit, too: `statistics.NormalDist.samples()` without a seed drew from (and moved on) the host's
# shared `random` generator. Rule (`_guards.attr_guard`, `samples` by any route): it draws from
# the run's own `random`.
_FAKE_FUTURE = """
    import asyncio
    class L:
        def get_debug(self):
            return False
    class F:
        _asyncio_future_blocking = False
        def get_loop(self):
            return L()
        def add_done_callback(self, callback, context=None):
            pass
        def done(self):
            return False
        def cancel(self, msg=None):
            return True
        def __await__(self):
            yield
    """
LIFETIME = _programs(
    timeout_subclass_expired="""
    import asyncio
    class T(asyncio.Timeout):
        def expired(self):
            return False
    await T(None).__aenter__()
    return 1
    """,
    timeout_subclass_reschedule="""
    import asyncio
    class T(asyncio.Timeout):
        def reschedule(self, when):
            pass
    await T(None).__aenter__()
    return 1
    """,
    timeout_subclass_raises_on_end="""
    import asyncio
    class T(asyncio.Timeout):
        def expired(self):
            raise SystemExit(1)
    await T(None).__aenter__()
    return 1
    """,
    gather_fake_future=_FAKE_FUTURE + "\n    asyncio.gather(F())\n    return 1\n",
    ensure_future_fake_future=_FAKE_FUTURE + "\n    asyncio.ensure_future(F())\n    return 1\n",
    shield_fake_future=_FAKE_FUTURE + "\n    asyncio.shield(F())\n    return 1\n",
    wait_fake_future=_FAKE_FUTURE
    + "\n    t = asyncio.create_task(asyncio.wait([F()]))\n    await asyncio.sleep(0)\n    return 1\n",
    normal_dist_samples_host_random="""
    import statistics
    d = statistics.NormalDist(0, 1)
    return [d.samples(3), (d + 1).samples(2), statistics.NormalDist.samples(d * 2, 2)]
    """,
    normal_dist_samples_by_methodcaller="""
    import statistics, operator
    return operator.methodcaller("samples", 3)(statistics.NormalDist(0, 1) - 1)
    """,
    unawaited_sleep="""
    import asyncio
    x = asyncio.sleep(1)
    asyncio.sleep(2)
    return 1
    """,
    task_cancelled_before_start="""
    import asyncio
    t = asyncio.ensure_future(asyncio.sleep(1))
    return 1
    """,
    gather_cancelled_before_start="""
    import asyncio
    g = asyncio.gather(asyncio.sleep(1), asyncio.sleep(2))
    return 1
    """,
    wait_for_never_awaited="""
    import asyncio
    w = asyncio.wait_for(asyncio.sleep(1), 1)
    return 1
    """,
    queue_get_never_awaited="""
    import asyncio
    g = asyncio.Queue().get()
    e = asyncio.Event().wait()
    return 1
    """,
    shield_cancelled_before_start="""
    import asyncio
    s = asyncio.shield(asyncio.sleep(1))
    return 1
    """,
)

# -- BaseExceptions out of the error report (cause 8) --------------------------------------------
# Hits. Reading the program's exception for the error (its `__str__`, its class's `__name__`, a
# `ToolError` subclass's `describe`, a `KeyError` argument's `__repr__`) is program code, and
# whatever it raised that was not an `Exception` (`SystemExit`, `KeyboardInterrupt`,
# `CancelledError`, `GeneratorExit`, the deadline's `Timeout`) left `execute`. Rule
# (`_inprocess._exception_text`): every exception raised there is the program's; the class's
# name is read with `type`'s own descriptor.
BASE_EXCEPTIONS = _programs(
    str_system_exit="""
    class E(Exception):
        def __str__(self):
            raise SystemExit(3)
    raise E()
    """,
    str_keyboard_interrupt="""
    class E(Exception):
        def __str__(self):
            raise KeyboardInterrupt()
    raise E()
    """,
    str_cancelled="""
    import asyncio
    class E(Exception):
        def __str__(self):
            raise asyncio.CancelledError()
    raise E()
    """,
    str_generator_exit="""
    class E(Exception):
        def __str__(self):
            raise GeneratorExit()
    raise E()
    """,
    metaclass_name_system_exit="""
    class M(type):
        @property
        def __name__(cls):
            raise SystemExit(1)
    class E(Exception, metaclass=M):
        pass
    raise E()
    """,
    metaclass_name_loops="""
    class M(type):
        @property
        def __name__(cls):
            while True:
                pass
    class E(Exception, metaclass=M):
        pass
    raise E()
    """,
    tool_error_describe="""
    class E(ToolError):
        def describe(self):
            raise SystemExit(2)
    raise E("x")
    """,
    key_error_argument_repr="""
    class K:
        def __repr__(self):
            raise SystemExit()
    raise KeyError(K())
    """,
    exception_group_member="""
    class M(type):
        @property
        def __name__(cls):
            raise SystemExit(1)
    class E(Exception, metaclass=M):
        pass
    raise ExceptionGroup("g", [E()])
    """,
    str_loops_to_the_deadline="""
    class E(Exception):
        def __str__(self):
            while True:
                pass
    raise E()
    """,
    value_repr_system_exit="""
    class V:
        def __repr__(self):
            raise SystemExit(8)
    return {"a": V()}
    """,
)

# -- Awaitables driven by hand (causes 7, 8) -----------------------------------------------------
# Hit. `coro.send(None)` on a coroutine of asyncio (or of the program, awaiting one) handed the
# program what the coroutine awaited: asyncio's own future, whose `add_done_callback` put the
# program's code in the event loop's callbacks: a `SystemExit` there left `run_forever` and
# stopped the host process; after the run the callback still ran (and wrote to stderr). Rule
# (`_guards.attr_guard`, `send`/`throw` by any route): coroutines and async generators'
# awaitables are awaited, never driven by hand; generators keep `send`/`throw`.
_CALLBACK = """
    def cb(f):
        raise SystemExit(9)
    fut.add_done_callback(cb)
    fut.set_result(None)
    await asyncio.sleep(0)
    return 1
    """
DRIVEN = _programs(
    host_coroutine_send="""
    import asyncio
    fut = asyncio.Event().wait().send(None)
    """
    + _CALLBACK,
    program_coroutine_send="""
    import asyncio
    async def waits():
        await asyncio.Event().wait()
    fut = waits().send(None)
    """
    + _CALLBACK,
    coroutine_send_by_class="""
    import asyncio
    c = asyncio.Queue().get()
    fut = type(c).send(c, None)
    """
    + _CALLBACK,
    coroutine_send_by_methodcaller="""
    import asyncio, operator
    fut = operator.methodcaller("send", None)(asyncio.Event().wait())
    """
    + _CALLBACK,
    async_generator_asend="""
    import asyncio
    async def agen():
        await asyncio.Event().wait()
        yield 1
    fut = agen().asend(None).send(None)
    """
    + _CALLBACK,
    async_generator_anext="""
    import asyncio
    async def agen():
        await asyncio.Event().wait()
        yield 1
    fut = getattr(anext(agen()), "send")(None)
    """
    + _CALLBACK,
    coroutine_throw="""
    import asyncio
    c = asyncio.Lock().acquire()
    try:
        c.throw(ValueError("x"))
    except ValueError:
        pass
    return "PW" + "NED"
    """,
)

# -- Misses: routes that held (novel spellings kept as guards) -----------------------------------
MISSES = _programs(
    json_hooks_get_plain_values="""
    import json
    got = []
    json.loads('{"a": {"b": 1}', object_hook=lambda d: got.append(type(d)) or d)
    class Enc(json.JSONEncoder):
        def default(self, o):
            got.append(o)
            return 0
    Enc().encode({"x": object()})
    return "PW" + "NED" if any(getattr(g, "_cm_state_", None) for g in got) else "safe"
    """,
    re_repl_gets_a_facade_match="""
    import re
    got = []
    re.sub("a", lambda m: got.append(m) or "", "abc")
    m = got[0]
    return "PW" + "NED" if repr(type(m.re)) != "<class 're.Pattern'>" else "safe"
    """,
    async_generator_frame_by_getattr="""
    async def ag():
        yield 1
    g = ag()
    return getattr(g, "ag_" + "frame")
    """,
    task_internals_by_getattr="""
    import asyncio
    t = asyncio.create_task(asyncio.sleep(0))
    for name in ("_cm_task_", "get_" + "loop", "_loop", "add_done_callback"):
        try:
            getattr(t, name)
            return "PW" + "NED"
        except AttributeError:
            pass
    await t
    return "safe"
    """,
    condition_lock_internals="""
    import asyncio
    c = asyncio.Condition()
    lock = c.acquire
    return getattr(lock, "__self" + "__")
    """,
    tzinfo_subclass_callbacks="""
    import datetime
    got = []
    class TZ(datetime.tzinfo):
        def utcoffset(self, dt):
            got.append(dt)
            return datetime.timedelta(0)
        def tzname(self, dt):
            return "X"
        def dst(self, dt):
            return None
    d = datetime.datetime(2020, 1, 1, tzinfo=TZ())
    d.astimezone(datetime.timezone.utc)
    return "PW" + "NED" if any(getattr(g, "_cm_state_", None) for g in got) else "safe"
    """,
    typing_type_alias_is_not_callable="""
    import typing
    T = typing.Type[int]
    """
    + _BUILD_WITH,
    cached_property_under_a_host_name="""
    import asyncio, functools
    class Q(asyncio.Queue):
        @functools.cached_property
        def _loop(self):
            return None
    return "PW" + "NED"
    """,
    slots_under_a_host_name="""
    import asyncio
    class Q(asyncio.Queue):
        __slots__ = ("_loop",)
    q = Q()
    await q.put(1)
    return q._loop
    """,
    format_map_with_a_program_mapping="""
    class M(dict):
        def __missing__(self, key):
            return codemode
    return "{a._cm_state_}".format_map(M())
    """,
    methodcaller_format_map="""
    import operator
    return operator.methodcaller("format_map", {"a": codemode})("{a.__class__}")
    """,
    deepcopy_memo_of_a_tool_error="""
    import copy
    got = []
    class Hook:
        def __deepcopy__(self, memo):
            got.append(memo)
            return self
    try:
        await codemode.add(a="x", b=1)
    except ToolError as e:
        error = e
    copy.deepcopy([error, Hook()])
    return "PW" + "NED" if "ToolBridge" in repr(got) else "safe"
    """,
    protocol_probes_host_state="""
    import asyncio, typing
    class P(typing.Protocol):
        _loop: object
    q = asyncio.Queue()
    await q.put(1)
    return "PW" + "NED" if not isinstance(isinstance(q, P), bool) else "safe"
    """,
    json_decoder_host_function_globals="""
    import json
    class D(json.JSONDecoder):
        pass
    return getattr(D().parse_object, "__glo" + "bals__")
    """,
    exit_builtin_swallows_the_deadline="""
    class S:
        __exit__ = staticmethod(slice)
        def __enter__(self):
            return self
    n = 0
    while True:
        with S():
            while True:
                n += 1
    return "PW" + "NED"
    """,
    enum_functional_type_stand_in="""
    import enum
    E = enum.Enum("E", "a b", type=bytes)
    return "PW" + "NED" if repr(E._member_type_) != "<class 'bytes'>" else "safe"
    """,
    heapq_compares_program_objects="""
    import heapq
    got = []
    class L:
        def __init__(self, v):
            self.v = v
        def __lt__(self, other):
            got.append(other)
            return self.v < other.v
    h = [L(3), L(1), L(2)]
    heapq.heapify(h)
    return "PW" + "NED" if any(type(g) is not L for g in got) else "safe"
    """,
)

ATTACKS = {
    **{f"wrappers/{name}": code for name, code in WRAPPERS.items()},
    **{f"real-classes/{name}": code for name, code in REAL_CLASSES.items()},
    **{f"class-routes/{name}": code for name, code in CLASS_ROUTES.items()},
    **{f"narrowed/{name}": code for name, code in NARROWED.items()},
    **{f"sinks/{name}": code for name, code in SINKS.items()},
    **{f"copies/{name}": code for name, code in COPIES.items()},
    **{f"lifetime/{name}": code for name, code in LIFETIME.items()},
    **{f"driven/{name}": code for name, code in DRIVEN.items()},
    **{f"base-exception/{name}": code for name, code in BASE_EXCEPTIONS.items()},
    **{f"misses/{name}": code for name, code in MISSES.items()},
}


def _fresh_caches() -> None:
    """Empty the process-wide caches a program could plant a key in, so that its key, not the
    host's, is the one a later lookup meets first (else the test would depend on order)."""
    re.purge()
    _strptime._regex_cache.clear()


def test_every_attack_is_a_program() -> None:
    """An attack that does not even compile would pass for the wrong reason."""
    for name, code in {**ATTACKS, **HOST_EXCEPT}.items():
        ast.parse(code.replace("{canary}", "c"), name)


def _host_still_works() -> None:
    """What a program could have planted its code in, looked up by the host as usual."""
    for abc_class in (collections.abc.Hashable, collections.abc.Sized):
        _, cache, negative, _ = abc._get_dump(abc_class)  # type: ignore[attr-defined]
        for ref in (*cache, *negative):
            cached = ref()
            # a class in a host ABC cache compares by identity (no program `__eq__` runs)
            assert cached is None or type(cached).__eq__ is type.__eq__, cached
    assert isinstance(5, collections.abc.Hashable)
    assert not isinstance(5, collections.abc.Sized)
    assert issubclass(int, collections.abc.Hashable)
    assert re.compile("zz+").pattern == "zz+"
    assert time.strptime("5", "%d").tm_mday == 5
    assert datetime.datetime.strptime("7", "%d").day == 7


@pytest.fixture(autouse=True)
def host_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CODEMODE_TEST_SECRET", SECRET)


@pytest.mark.parametrize("name", sorted(ATTACKS))
async def test_attack_reaches_nothing(
    run: Run, name: str, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    canary = tmp_path / "canary"
    _fresh_caches()
    host_random = random.getstate()
    with warnings.catch_warnings(record=True) as caught:
        # every warning is recorded (pytest would otherwise take them off stderr), except the
        # one codemode itself drops for the program's own module
        warnings.simplefilter("always")
        warnings.filterwarnings("ignore", module=re.escape(PROGRAM_MODULE))
        result = await run(ATTACKS[name].replace("{canary}", str(canary)), timeout=3)
        for _ in range(3):  # what the end of the run left to the loop, and to the collector
            await asyncio.sleep(0)
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
    _host_still_works()
    noise = [str(w.message) for w in caught if "never awaited" in str(w.message)]
    assert not noise, f"{name} left the host a warning: {noise}"
    err = capfd.readouterr().err
    for text in ("never awaited", "Traceback", "Exception ignored", "Task exception"):
        assert text not in err, f"{name} wrote to the host's stderr: {err[-500:]}"


@pytest.mark.parametrize("name", sorted(BASE_EXCEPTIONS))
async def test_base_exceptions_in_the_report_are_the_programs(run: Run, name: str) -> None:
    result = await run(BASE_EXCEPTIONS[name], timeout=2)
    assert not result.ok
    assert result.error is not None
    assert result.error.type in ("runtime", "tool", "timeout"), result.error
    assert type(result.error.message) is str and type(result.error.exception) is str


# -- The host's `except` context (cause 12) ------------------------------------------------------
# Hit. The value was made JSON-safe in `run`'s own frame, which an integrator may call inside an
# `except` block: a value's `__repr__` with a bare `raise` re-raised the host's exception and
# returned its text. Rule (`_inprocess._settled`): the value is converted inside the runner,
# which runs in a task of its own when called from a host `except` block.
HOST_EXCEPT = _programs(
    value_repr_bare_raise="""
    class V:
        def __repr__(self):
            try:
                raise
            except Exception as e:
                return "LEAK " + str(e)
    return V()
    """,
    exception_str_bare_raise="""
    class E(Exception):
        def __str__(self):
            try:
                raise
            except RecursionError:
                return "own"
            except Exception as e:
                return "LEAK " + str(e)
    raise E()
    """,
    top_level_bare_raise="""
    try:
        raise
    except Exception as e:
        r = "LEAK " + str(e)
    return r
    """,
    task_bare_raise="""
    import asyncio
    async def f():
        try:
            raise
        except Exception as e:
            return "LEAK " + str(e)
    return await asyncio.create_task(f())
    """,
)


@pytest.mark.parametrize("name", sorted(HOST_EXCEPT))
async def test_host_except_context_stays_the_hosts(run: Run, name: str) -> None:
    try:
        raise RuntimeError(SECRET)
    except RuntimeError:
        result = await run(HOST_EXCEPT[name])
    assert SECRET not in json.dumps(result.to_dict())
