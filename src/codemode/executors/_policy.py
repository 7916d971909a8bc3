"""What model code may touch, for every executor.

The policy follows RestrictedPython's model: a compile-time pass over the AST refuses what must never
run and inserts calls to guards; the guards and a reduced set of builtins (starting from
RestrictedPython's `safe_builtins`) hold at run time. RestrictedPython's own transformer refuses
`async def` and `await`, and wraps every attribute access, subscript and loop in a Python-level guard
call; this pass accepts modern async Python and guards only where a guard is needed, so that
ordinary code runs at close to CPython's speed.

What it refuses at compile time:
- the dunders that lead to a host's internals (`HOST_DUNDERS`: `__globals__`, `__dict__`, ...;
  reading `x.__class__` is `type(x)`); names starting with `__` (a class body may bind and read
  back special methods, a class's `__private` names are mangled and guarded as `_private` ones;
  any code may read `__name__`, `__debug__`, `__doc__`); names starting with the guards' prefix;
- the attributes that reach frames and code objects (`gi_frame`, `cr_frame`, `f_globals`, `tb_frame`,
  `f_back`, ...), and the ones that reach an event loop (`get_loop`, `get_stack`, ...);
- `from x import *`, relative imports, and defining `__del__` or `__reduce__`-style hooks.

What it inserts:
- `_cm_tick_()` at the top of every loop body, function, lambda, comprehension clause, `except`
  handler and `finally` block. It is a no-op until the deadline passes; then the executor swaps in
  one that raises, so a runaway loop, a swallowed cancellation or a looping `finally` all stop;
- guards on `*`, `**`, `<<`, `%` and `//` where the operands could make a huge object or a long
  C call (`name % 7` tests inline that `name` is an int, so `fmt % 5` cannot format unchecked), on
  attribute writes (only objects of classes the program defined can change), on `_private`
  attribute reads and on other dunders, `__init__` and `__new__` (the program's own members only:
  `_sandbox/_owner.py`), on the methods that can make huge results or reach host-wide state
  (`join`, `zfill`, `format`, `translate`, `encode`, `elements`, `digest`, `register`,
  `samples`, ...), and on
  format specs computed at run time;
- generator expressions become `_cm_genexp_(iterable, lambda it: (... for x in it))` and generator
  functions get `@_cm_generator_`, so that each knows how deep a chain of iterators it ends.
"""

from __future__ import annotations

import ast
import re
import unicodedata
from typing import Any

from .._program import ToolUseFinder, ToolUses

GUARD_PREFIX = "_cm_"
# Marks codemode keeps in the program's classes (`typing.Protocol` leaves `_abc_` names out of a
# protocol's members, so a program protocol's `isinstance` is not thrown by them).
MARK_PREFIX = "_abc" + GUARD_PREFIX
TICK = "_cm_tick_"
WRITE = "_cm_write_"
SETATTR = "_cm_setattr_"  # `obj.__x__ = value`: the value is checked too
PRIVATE = "_cm_private_"
ATTR = "_cm_attr_"
FORMAT = "_cm_format_"
FSTRING = "_cm_fstring_"  # an f-string of many fields, sized before its pieces are joined
OPCHECK = "_cm_opcheck_"
INIT = "_cm_init_"
NEW = "_cm_new_"
DUNDER = "_cm_dunder_"
GENEXP = "_cm_genexp_"  # a generator expression, made knowing how deep its iterable is
GENERATOR = "_cm_generator_"  # decorates generator functions, likewise
TYPE = "_cm_type_"  # `type`, which model code cannot rebind under this name
CLASS = "_cm_class_"  # `x.__class__`, read as `type(x)` is
OBJECT_SETATTR = "_cm_object_setattr_"  # `object.__setattr__`, for the program's own objects
INT = "_cm_int_"  # `int`, likewise
NUMBERS = "_cm_numbers_"  # `{int, float}`: `x * 3` is not a repeat when `x` is one
HALF_LOW = "_cm_half_low_"  # the bounds of the ints whose square fits the integer limit
HALF_HIGH = "_cm_half_high_"
BINOP_GUARDS = {
    "Mult": "_cm_mult_",
    "Pow": "_cm_pow_",
    "LShift": "_cm_lshift_",
    "Mod": "_cm_mod_",
    "FloorDiv": "_cm_floordiv_",
}

# Dunder attributes model code may read: strings, or methods it needs through super().
ALLOWED_DUNDERS = frozenset(
    {
        "__init__",
        "__post_init__",
        "__name__",
        "__qualname__",
        "__doc__",
        "__repr__",
        "__str__",
        "__eq__",
        "__ne__",
        "__lt__",
        "__le__",
        "__gt__",
        "__ge__",
        "__hash__",
        "__len__",
        "__iter__",
        "__next__",
        "__aiter__",
        "__anext__",
        "__contains__",
        "__getitem__",
        "__setitem__",
        "__delitem__",
        "__enter__",
        "__exit__",
        "__aenter__",
        "__aexit__",
        "__call__",
        "__bool__",
    }
)

# Dunders that lead to a host's internals (globals, frames, the class graph, the raw attribute
# machinery): refused at compile time, whatever the object. Any other `__x__` attribute is judged
# at run time (`_cm_dunder_`): the program may read what it defined on its own objects.
HOST_DUNDERS = frozenset(
    {
        "__class__",
        "__dict__",
        "__globals__",
        "__code__",
        "__closure__",
        "__subclasses__",
        "__bases__",
        "__base__",
        "__mro__",
        "__builtins__",
        "__getattribute__",
        "__setattr__",
        "__delattr__",
        "__self__",
        "__func__",
        "__traceback__",
        "__context__",
        "__cause__",
        "__import__",
        "__loader__",
        "__spec__",
        "__objclass__",
        "__weakref__",
        "__reduce__",
        "__reduce_ex__",
        "__getstate__",
        "__setstate__",
        "__build_class__",
        "__kwdefaults__",
        "__defaults__",
    }
)

# Harmless data dunders the program may read on its own classes, instances and functions.
OWN_DUNDERS = frozenset(
    {
        "__annotations__",
        "__module__",
        "__dataclass_fields__",
        "__dataclass_params__",
        "__match_args__",
        "__slots__",
        "__members__",
        "__wrapped__",
    }
)

# Module-level names model code may read (never bind).
READABLE_NAMES = frozenset({"__name__", "__debug__", "__doc__"})

# Dunder methods a class in model code may not define: they run at times the program does not
# control (garbage collection) or feed serialisation machinery.
FORBIDDEN_DEFINITIONS = frozenset(
    {"__del__", "__reduce__", "__reduce_ex__", "__getstate__", "__setstate__", "__class_getitem__"}
)

# Attributes without an underscore that still lead out: frames, code objects, the event loop.
FORBIDDEN_ATTRIBUTES = frozenset(
    {
        "gi_frame",
        "gi_code",
        "gi_yieldfrom",
        "cr_frame",
        "cr_code",
        "cr_await",
        "cr_origin",
        "ag_frame",
        "ag_code",
        "ag_await",
        "tb_frame",
        "tb_next",
        "tb_lasti",
        "f_back",
        "f_globals",
        "f_locals",
        "f_builtins",
        "f_code",
        "f_trace",
        "co_code",
        "func_globals",
        "func_code",
        "get_loop",
        "get_stack",
        "print_stack",
        "get_coro",
        "mro",
    }
)

# String methods that can build a huge string from small inputs; read through a guard.
GUARDED_METHODS = frozenset(
    {
        "format",
        "format_map",
        "join",
        "zfill",
        "ljust",
        "rjust",
        "center",
        "expandtabs",
        "replace",
        "to_bytes",
        "register",
        "sort",
        "most_common",
        "strftime",
        "re",
        "translate",
        "encode",
        "decode",
        "elements",
        "digest",
        "hexdigest",
        "samples",
        "send",
        "throw",
        "__iter__",
    }
)

# Methods that grow a list in place: read as a value rather than called at once (`map(l.append,
# l)`, `json.dumps(l, default=l.append)`), they are read through the attribute guard, which
# hands out a Python function for them (see `_guards.attr_guard`).
GROWING_METHODS = frozenset({"append", "extend", "insert", "__setitem__"})

SMALL_CONSTANT = 10_000


class PolicyViolation(Exception):
    """Raised by `transform` with every problem found, each with its line."""

    def __init__(self, problems: list[tuple[int, int, str]]) -> None:
        self.problems = sorted(problems)
        line, _, message = self.problems[0]
        super().__init__(f"line {line}: {message}")


def is_reserved(name: str) -> bool:
    """Names of codemode's own (guards, marks): model code may not bind, read or write them."""
    return name.startswith(GUARD_PREFIX) or name.startswith(MARK_PREFIX)


def check_name(name: str) -> str | None:
    """Why model code may not use `name` as a variable, or None if it may."""
    name = unicodedata.normalize("NFKC", name)
    if is_reserved(name):
        return f"the name {name!r} is reserved"
    if name.startswith("__") and name != "__":
        return f"names starting with '__' are not allowed: {name!r}"
    return None


def is_dunder(name: str) -> bool:
    return len(name) > 4 and name.startswith("__") and name.endswith("__")


# What to write instead of a refused attribute, where there is something (the message is read by
# the model that wrote the code).
_INSTEAD = {
    "__dict__": "read the attributes by name, use vars(obj) on your own objects, or "
    "dataclasses.asdict()",
    "__cause__": "keep the exception you caught in a variable of your own",
    "__context__": "keep the exception you caught in a variable of your own",
    "__traceback__": "the run's error reports the line",
    "__mro__": "use isinstance() or issubclass()",
    "mro": "use isinstance() or issubclass()",
    "__bases__": "use isinstance() or issubclass()",
    "__base__": "use isinstance() or issubclass()",
    "__subclasses__": "keep a registry of your classes (a dict filled in __init_subclass__)",
    "__getattribute__": "use getattr(obj, name)",
    "__setattr__": "use setattr(obj, name, value)",
    "__delattr__": "use delattr(obj, name)",
}


# What to define instead of a method a class may not have.
_DEFINE_INSTEAD = {
    "__setattr__": "for an immutable class use @dataclass(frozen=True), or validate in properties",
    "__delattr__": "for an immutable class use @dataclass(frozen=True)",
    "__getattribute__": "define __getattr__, which runs for missing attributes only",
}


def check_attribute(name: str) -> str | None:
    """Why model code may never read attribute `name`, or None if it may (a dunder outside
    `ALLOWED_DUNDERS` is then still judged at run time, by the object it is read on)."""
    name = unicodedata.normalize("NFKC", name)
    if name in HOST_DUNDERS or name in FORBIDDEN_ATTRIBUTES or is_reserved(name):
        instead = _INSTEAD.get(name)
        return f"access to {name!r} is not allowed" + (f"; {instead}" if instead else "")
    if name.startswith("__") and not is_dunder(name):
        return f"access to {name!r} is not allowed"
    return None


def _at(node: Any, ref: ast.AST) -> Any:
    """Give a node made here the source position of the node it stands for."""
    node.lineno = ref.lineno  # type: ignore[attr-defined]
    node.col_offset = ref.col_offset  # type: ignore[attr-defined]
    node.end_lineno = ref.end_lineno  # type: ignore[attr-defined]
    node.end_col_offset = ref.end_col_offset  # type: ignore[attr-defined]
    return node


def _call(name: str, ref: ast.AST, *args: ast.expr) -> ast.Call:
    return _at(ast.Call(_at(ast.Name(name, ast.Load()), ref), list(args), []), ref)  # type: ignore[no-any-return]


def _const(value: Any, ref: ast.AST) -> ast.Constant:
    return _at(ast.Constant(value), ref)  # type: ignore[no-any-return]


def _tick(ref: ast.AST) -> ast.stmt:
    return _at(ast.Expr(_call(TICK, ref)), ref)  # type: ignore[no-any-return]


# Node fields that never hold nodes to visit (names, numbers, strings, load/store contexts).
_SCALAR_FIELDS = frozenset(
    {
        "ctx",
        "id",
        "attr",
        "name",
        "arg",
        "names",
        "module",
        "level",
        "conversion",
        "kind",
        "type_comment",
        "asname",
        "is_async",
        "simple",
        "rest",
        "kwd_attrs",
        "op",
    }
)


class Transformer:
    """One pass over the module: collect policy violations and uses of the tool proxy, and
    insert the guards. A hand-rolled walk rather than `ast.NodeTransformer`: it skips fields
    that hold no nodes, which makes compiling new code noticeably cheaper."""

    def __init__(self, proxy_name: str = "codemode") -> None:
        self.problems: list[tuple[int, int, str]] = []
        self.tool_uses = ToolUseFinder(proxy_name)
        # Per scope being walked: whether it is a class body, and the dunders it has bound so
        # far (a class body by assignment or `def`; any other scope by `def` only).
        self._scopes: list[tuple[bool, set[str]]] = [(False, set())]
        self._fields: dict[type, tuple[str, ...]] = {}
        self._yields: list[bool] = []  # per enclosing function: whether it yields
        self._classes: list[str] = []  # the enclosing class statements, innermost last
        self._dispatch: dict[type, Any] = {
            getattr(ast, name[6:]): getattr(self, name)
            for name in dir(self)
            if name.startswith("visit_") and hasattr(ast, name[6:])
        }

    def refuse(self, node: ast.AST, message: str) -> None:
        self.problems.append(
            (getattr(node, "lineno", 0), getattr(node, "col_offset", 0) + 1, message)
        )

    # -- the walk -----------------------------------------------------------------------------

    def visit(self, node: Any) -> Any:
        method = self._dispatch.get(type(node))
        if method is not None:
            return method(node)
        self.generic_visit(node)
        return node

    def generic_visit(self, node: Any) -> None:
        kind = type(node)
        fields = self._fields.get(kind)
        if fields is None:
            fields = tuple(f for f in kind._fields if f not in _SCALAR_FIELDS)
            if kind is ast.Constant or kind is ast.MatchSingleton:
                fields = ()
            self._fields[kind] = fields
        for field in fields:
            value = getattr(node, field, None)
            if type(value) is list:
                changed = False
                out: list[Any] = []
                for item in value:
                    if isinstance(item, ast.AST):
                        result = self.visit(item)
                        if type(result) is list:
                            out.extend(result)
                            changed = True
                            continue
                        if result is not item:
                            changed = True
                        out.append(result)
                    else:
                        out.append(item)
                if changed:
                    setattr(node, field, out)
            elif isinstance(value, ast.AST):
                result = self.visit(value)
                if result is not value:
                    setattr(node, field, result)

    # -- names --------------------------------------------------------------------------------

    def mangled(self, name: str) -> str | None:
        """`__x` inside class `C` as the compiler mangles it (`_C__x`), or None when it is not
        mangled (outside a class, a dunder) or would mangle into one of codemode's names."""
        name = unicodedata.normalize("NFKC", name)
        if not self._classes or not name.startswith("__") or is_dunder(name) or "." in name:
            return None
        owner = self._classes[-1].lstrip("_")
        mangled = f"_{owner}{name}"
        return mangled if owner and not is_reserved(mangled) else None

    def visit_Name(self, node: ast.Name) -> ast.AST:
        problem = check_name(node.id)
        if problem and not self._dunder_name_allowed(node) and not self.mangled(node.id):
            self.refuse(node, problem)
        self.tool_uses.see(node)
        return node

    def _dunder_name_allowed(self, node: ast.Name) -> bool:
        """A class body may bind special methods (`__hash__ = None`, `__repr__ = __str__`), any
        scope may read back the dunders it bound itself (`def __init__` in a class decorator),
        and any code may read `__name__`, `__debug__` and `__doc__` (a class body's docstring)."""
        name = unicodedata.normalize("NFKC", node.id)
        if type(node.ctx) is ast.Load and name in READABLE_NAMES:
            return True
        in_class, bound = self._scopes[-1]
        if type(node.ctx) is ast.Load:
            return name in bound
        if not in_class or not is_dunder(name):
            return False
        if name in FORBIDDEN_DEFINITIONS or name in HOST_DUNDERS:
            return False
        bound.add(name)
        return True

    def visit_arg(self, node: ast.arg) -> ast.AST:
        problem = check_name(node.arg)
        if problem and not self.mangled(node.arg):
            self.refuse(node, problem)
        self.tool_uses.see(node)
        if node.annotation is not None:
            node.annotation = self.visit(node.annotation)
        return node

    def check_names(self, node: ast.AST, *names: str | None) -> None:
        """Refuse the names model code may not bind (each with `node`'s position)."""
        for name in names:
            problem = check_name(name) if name else None
            if problem:
                self.refuse(node, problem)

    def visit_Global(self, node: ast.Global) -> ast.AST:
        self.check_names(node, *node.names)
        return node

    def visit_Nonlocal(self, node: ast.Nonlocal) -> ast.AST:
        self.check_names(node, *node.names)
        return node

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> ast.AST:
        self.check_names(node, node.name)
        self.generic_visit(node)
        node.body.insert(0, _tick(node))
        return node

    def visit_Import(self, node: ast.Import) -> ast.AST:
        for alias in node.names:
            self.check_names(node, *alias.name.split("."), alias.asname)
        return node

    def visit_ImportFrom(self, node: ast.ImportFrom) -> ast.AST:
        if node.level:
            self.refuse(node, "relative imports are not allowed")
        for alias in node.names:
            if alias.name == "*":
                self.refuse(node, "'from ... import *' is not allowed; import the names you use")
                continue
            problem = check_name(alias.name) or (check_name(alias.asname) if alias.asname else None)
            if problem is None and alias.name.startswith("_"):
                problem = f"importing private name {alias.name!r} is not allowed"
            if problem:
                self.refuse(node, problem)
        return node

    # -- attributes ---------------------------------------------------------------------------

    def visit_Attribute(self, node: ast.Attribute) -> ast.AST:
        attr = node.attr
        if attr == "__class__" and type(node.ctx) is ast.Load:
            # `self.__class__.__name__`: the class `type(x)` gives, nothing more (a program
            # class cannot define `__class__`, so the two never differ for its objects)
            return _call(CLASS, node, self.visit(node.value))
        if (
            attr == "__setattr__"
            and type(node.ctx) is ast.Load
            and isinstance(node.value, ast.Name)
            and node.value.id == "object"
        ):
            # `object.__setattr__(self, "x", v)` in a frozen dataclass's `__post_init__`
            return _call(OBJECT_SETATTR, node, self.visit(node.value))
        mangled = self.mangled(attr) if attr[:2] == "__" else None
        if mangled is not None:
            # `self.__pin` in class `Wallet` is `self._Wallet__pin`: a private attribute, guarded
            # as one (the compiler still mangles `node.attr` to the same name)
            self.tool_uses.see(node)
            node.value = self.visit(node.value)
            if type(node.ctx) is ast.Load:
                return _call(PRIVATE, node, node.value, _const(mangled, node))
            node.value = _call(WRITE, node, node.value, _const(mangled, node))
            return node
        problem = check_attribute(attr)
        if problem:
            self.refuse(node, problem)
            return node
        self.tool_uses.see(node)
        node.value = self.visit(node.value)
        if type(node.ctx) is ast.Load:
            if attr[0] == "_":
                if attr == "__init__":  # re-running a host object's __init__ would reset it
                    return _call(INIT, node, node.value)
                if attr == "__new__":  # `object.__new__(HostClass)` skips the host's checks
                    return _call(NEW, node, node.value)
                if not attr.startswith("__"):
                    return _call(PRIVATE, node, node.value, _const(attr, node))
                if attr not in ALLOWED_DUNDERS:  # the program's own dunders only
                    return _call(DUNDER, node, node.value, _const(attr, node))
            if attr in GUARDED_METHODS or (
                attr in GROWING_METHODS and not getattr(node, "_cm_called", False)
            ):
                return _call(ATTR, node, node.value, _const(attr, node))
            return node
        # Store or Del: only objects the program made may change.
        node.value = _call(WRITE, node, node.value, _const(attr, node))
        return node

    def visit_Assign(self, node: ast.Assign) -> Any:
        target = node.targets[0]
        if (
            len(node.targets) == 1
            and isinstance(target, ast.Attribute)
            and is_dunder(target.attr)
            and check_attribute(target.attr) is None
        ):
            # `C.__next__ = f`: a class's special methods are judged by what they are set to
            self.tool_uses.see(target)
            obj, value = self.visit(target.value), self.visit(node.value)
            call = _call(SETATTR, node, obj, _const(target.attr, target), value)
            return _at(ast.Expr(call), node)
        self.generic_visit(node)
        return node

    def visit_Call(self, node: ast.Call) -> ast.AST:
        if type(node.func) is ast.Attribute and node.func.attr in GROWING_METHODS:
            node.func._cm_called = True  # type: ignore[attr-defined]  # `l.append(x)`: plain
        self.tool_uses.see(node)
        self.generic_visit(node)
        return node

    def visit_MatchClass(self, node: ast.MatchClass) -> ast.AST:
        for attr in node.kwd_attrs:
            problem = check_attribute(attr) or (
                f"access to {attr!r} is not allowed" if attr.startswith("_") else None
            )
            if problem:
                self.refuse(node, problem)
        self.generic_visit(node)
        return node

    def visit_MatchAs(self, node: ast.MatchAs) -> ast.AST:
        self.check_names(node, node.name)
        self.generic_visit(node)
        return node

    def visit_MatchStar(self, node: ast.MatchStar) -> ast.AST:
        self.check_names(node, node.name)
        return node

    def visit_MatchMapping(self, node: ast.MatchMapping) -> ast.AST:
        self.check_names(node, node.rest)
        self.generic_visit(node)
        return node

    # -- definitions --------------------------------------------------------------------------

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> ast.AST:
        name = unicodedata.normalize("NFKC", node.name)
        if name in FORBIDDEN_DEFINITIONS:
            self.refuse(node, f"defining {name!r} is not allowed")
        elif (
            is_reserved(name)
            or name in HOST_DUNDERS
            or (name.startswith("__") and not is_dunder(name) and not self.mangled(name))
        ):
            instead = _DEFINE_INSTEAD.get(name)
            self.refuse(
                node,
                f"the function name {name!r} is not allowed" + (f"; {instead}" if instead else ""),
            )
        elif is_dunder(name):
            self._scopes[-1][1].add(name)
        self.tool_uses.see(node)
        self._yields.append(False)
        self._scoped(node)
        is_generator = self._yields.pop()
        at = 1 if _has_docstring(node.body) else 0
        node.body.insert(at, _tick(node.body[0]))
        if is_generator and isinstance(node, ast.FunctionDef):
            node.decorator_list.append(_at(ast.Name(GENERATOR, ast.Load()), node))
        return node

    def visit_Yield(self, node: ast.Yield | ast.YieldFrom) -> ast.AST:
        if self._yields:
            self._yields[-1] = True  # the innermost function is a generator
        self.generic_visit(node)
        return node

    visit_YieldFrom = visit_Yield

    visit_FunctionDef = _function
    visit_AsyncFunctionDef = _function

    def visit_GeneratorExp(self, node: ast.GeneratorExp) -> ast.AST:
        self._scoped(node)
        if any(g.is_async for g in node.generators):
            return node
        # `(e for x in it)` -> `_cm_genexp_(it, lambda _cm_it_: (e for x in _cm_it_))`: the
        # iterable is still evaluated first, in the enclosing scope.
        first = node.generators[0]
        iterable = first.iter
        first.iter = _at(ast.Name("_cm_it_", ast.Load()), iterable)
        arguments = ast.arguments(
            posonlyargs=[],
            args=[_at(ast.arg("_cm_it_"), node)],
            kwonlyargs=[],
            kw_defaults=[],
            defaults=[],
        )
        make = _at(ast.Lambda(arguments, node), node)
        return _call(GENEXP, node, iterable, make)

    def _scoped(self, node: ast.AST, in_class: bool = False) -> None:
        """Walk `node` as a new scope, with the dunders it binds its own."""
        self._scopes.append((in_class, set()))
        try:
            self.generic_visit(node)
        finally:
            self._scopes.pop()

    def visit_Lambda(self, node: ast.Lambda) -> ast.AST:
        self._yields.append(False)  # a `yield` in a lambda is the lambda's, not ours
        self._scoped(node)
        self._yields.pop()
        # `_cm_tick_()` returns a false value, so `tick() or body` is `body`.
        node.body = _at(ast.BoolOp(ast.Or(), [_call(TICK, node.body), node.body]), node.body)
        return node

    def visit_ClassDef(self, node: ast.ClassDef) -> ast.AST:
        self.check_names(node, node.name)
        self.tool_uses.see(node)
        # Decorators, bases and keywords belong to the enclosing scope; the body is its own.
        for field in ("decorator_list", "bases", "keywords"):
            for item in getattr(node, field):
                self.visit(item)
        body = ast.Module(body=node.body, type_ignores=[])
        self._classes.append(node.name)
        try:
            self._scoped(body, in_class=True)
        finally:
            self._classes.pop()
        node.body = body.body
        return node

    # -- control flow: the deadline is checked wherever code can repeat or linger -------------

    def _loop(self, node: ast.For | ast.AsyncFor | ast.While) -> ast.AST:
        self.generic_visit(node)
        node.body.insert(0, _tick(node.body[0]))
        return node

    visit_For = _loop
    visit_AsyncFor = _loop
    visit_While = _loop

    def _comprehension_scope(self, node: ast.AST) -> ast.AST:
        self._scoped(node)
        return node

    visit_ListComp = _comprehension_scope
    visit_SetComp = _comprehension_scope
    visit_DictComp = _comprehension_scope

    def visit_comprehension(self, node: ast.comprehension) -> ast.AST:
        self.generic_visit(node)
        node.ifs.insert(0, _at(ast.UnaryOp(ast.Not(), _call(TICK, node.iter)), node.iter))
        return node

    def _try(self, node: ast.Try | ast.TryStar) -> ast.AST:
        self.generic_visit(node)
        if node.finalbody:
            node.finalbody.insert(0, _tick(node.finalbody[0]))
        return node

    visit_Try = _try
    visit_TryStar = _try

    # -- operators that can make huge objects from small ones ---------------------------------

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        self.generic_visit(node)
        return self._guard_binop(node)

    def _guard_binop(self, node: ast.BinOp) -> ast.AST:
        if _needs_guard(node.op, node.left, node.right):
            guard = BINOP_GUARDS[type(node.op).__name__]
            guarded = _call(guard, node, node.left, node.right)
            name = _repeated_name(node)
            if name is None:
                return guarded
            # `x * 3`: the guard, unless `x` is a number, tested inline so that arithmetic
            # stays cheap (a number times a small constant is linear in its size)
            is_number = _at(
                ast.Compare(
                    _call(TYPE, node, _at(ast.Name(name, ast.Load()), node)),
                    [ast.In()],
                    [_at(ast.Name(NUMBERS, ast.Load()), node)],
                ),
                node,
            )
            return _at(ast.IfExp(is_number, node, guarded), node)  # type: ignore[no-any-return]
        name = _squared_name(node)
        if name is not None:
            # `x * x` and `x ** 2` double an integer's size, and the time of one squaring grows
            # faster than the size: unchecked, a chain of them passed the integer limit and
            # each call took about three times the last, past any deadline. The guard, unless
            # `x` is not an int or is below half the limit, tested inline (`i * i` stays cheap).
            def load() -> ast.expr:
                return _at(ast.Name(name, ast.Load()), node)  # type: ignore[no-any-return]

            not_int = ast.Compare(_call(TYPE, node, load()), [ast.IsNot()], [_name(INT, node)])
            small = ast.Compare(
                _name(HALF_LOW, node), [ast.Lt(), ast.Lt()], [load(), _name(HALF_HIGH, node)]
            )
            test = _at(ast.BoolOp(ast.Or(), [_at(not_int, node), _at(small, node)]), node)
            guard = BINOP_GUARDS[type(node.op).__name__]
            guarded = _call(guard, node, node.left, node.right)
            return _at(ast.IfExp(test, node, guarded), node)  # type: ignore[no-any-return]
        if isinstance(node.op, ast.Mod) and isinstance(node.left, ast.Name):
            # `fmt % 5` formats when `fmt` is a string (`'%0999999999d'`): the guard, unless
            # the left operand is an int, tested inline so that `i % 2` stays cheap.
            is_int = _at(
                ast.Compare(
                    _call(TYPE, node, _at(ast.Name(node.left.id, ast.Load()), node)),
                    [ast.Is()],
                    [_at(ast.Name(INT, ast.Load()), node)],
                ),
                node,
            )
            guarded = _call(BINOP_GUARDS["Mod"], node, node.left, node.right)
            return _at(ast.IfExp(is_int, node, guarded), node)  # type: ignore[no-any-return]
        return node

    def visit_AugAssign(self, node: ast.AugAssign) -> Any:
        self.generic_visit(node)
        target = node.target
        if isinstance(target, ast.Name) and (
            isinstance(node.op, ast.Mod)
            or (isinstance(node.op, ast.Mult) and _needs_guard(node.op, target, node.value))
        ):
            # `fmt %= 5`, `s *= 3`: as `fmt = fmt % 5`, with the same inline test as `visit_BinOp`
            load = _at(ast.Name(target.id, ast.Load()), target)
            value = self._guard_binop(_at(ast.BinOp(load, node.op, node.value), node))
            assert isinstance(value, ast.expr)
            return _at(ast.Assign([target], value), node)
        if not _needs_guard(node.op, node.target, node.value):
            return node
        op = type(node.op).__name__
        if isinstance(target, ast.Name):
            # `x *= n` -> `x = _cm_mult_(x, n)`
            load = _at(ast.Name(target.id, ast.Load()), target)
            value = _call(BINOP_GUARDS[op], node, load, node.value)
            return _at(ast.Assign([target], value), node)
        # Attribute or subscript: check the size first, then do the operation in place.
        check = _call(OPCHECK, node, _const(op, node), _load_copy(target), node.value)
        return [_at(ast.Expr(check), node), node]

    def visit_JoinedStr(self, node: ast.JoinedStr) -> ast.AST:
        self.generic_visit(node)
        fields = sum(1 for value in node.values if isinstance(value, ast.FormattedValue))
        if fields < 3:
            return node  # at most doubles what it formats, as `a + b` does
        # `f"{s}{s}{s}..."`: the fields are joined in one call, which would make as many copies
        # of a long value as there are fields: each is formatted on its own, and the pieces
        # are sized before they are joined (`_cm_fstring_`).
        pieces: list[ast.expr] = [
            value if isinstance(value, ast.Constant) else _at(ast.JoinedStr([value]), value)
            for value in node.values
        ]
        return _call(FSTRING, node, _at(ast.Tuple(pieces, ast.Load()), node))

    def visit_FormattedValue(self, node: ast.FormattedValue) -> ast.AST:
        self.generic_visit(node)
        spec = node.format_spec
        if spec is None:
            return node
        if isinstance(spec, ast.JoinedStr) and all(
            isinstance(v, ast.Constant) for v in spec.values
        ):
            text = "".join(str(v.value) for v in spec.values if isinstance(v, ast.Constant))
            if format_spec_width(text) <= SMALL_CONSTANT:
                return node
        formatted = _call(FORMAT, node, node.value, _const(node.conversion, node), spec)
        return _at(ast.FormattedValue(formatted, -1, None), node)  # type: ignore[no-any-return]


def _has_docstring(body: list[ast.stmt]) -> bool:
    return (
        bool(body)
        and isinstance(body[0], ast.Expr)
        and isinstance(body[0].value, ast.Constant)
        and isinstance(body[0].value.value, str)
    )


def _load_copy(node: ast.expr) -> ast.expr:
    copy = ast.parse(ast.unparse(node), mode="eval").body
    for sub in ast.walk(copy):
        if hasattr(sub, "ctx"):
            sub.ctx = ast.Load()
        if hasattr(sub, "lineno"):
            _at(sub, node)
    return copy


def _small_number(node: ast.expr) -> bool:
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        node = node.operand
    return (
        isinstance(node, ast.Constant)
        and isinstance(node.value, int | float)
        and not isinstance(node.value, bool)
        and abs(node.value) <= SMALL_CONSTANT
    )


def _name(name: str, ref: ast.AST) -> ast.Name:
    return _at(ast.Name(name, ast.Load()), ref)  # type: ignore[no-any-return]


def _squared_name(node: ast.BinOp) -> str | None:
    """The name in `name * name` or `name ** 2` (unguarded, see `_needs_guard`)."""
    left, right = node.left, node.right
    if not isinstance(left, ast.Name):
        return None
    if isinstance(node.op, ast.Mult) and isinstance(right, ast.Name) and right.id == left.id:
        return left.id
    if isinstance(node.op, ast.Pow) and _tiny(right) and _constant(right) == 2:
        return left.id
    return None


def _tiny(node: ast.expr) -> bool:
    return _small_number(node) and abs(_constant(node)) <= 2


def _repeated_name(node: ast.BinOp) -> str | None:
    """The name in `name * small_constant` (either way round), whose guard is skipped inline
    when it holds a number."""
    if not isinstance(node.op, ast.Mult):
        return None
    if isinstance(node.left, ast.Name) and _small_number(node.right):
        return node.left.id
    if isinstance(node.right, ast.Name) and _small_number(node.left):
        return node.right.id
    return None


def _constant(node: ast.expr) -> Any:
    if isinstance(node, ast.UnaryOp) and isinstance(node.operand, ast.Constant):
        return node.operand.value
    assert isinstance(node, ast.Constant)
    return node.value


def _is_float(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, float)


def _needs_guard(op: ast.operator, left: ast.expr, right: ast.expr) -> bool:
    if isinstance(op, ast.Mult):
        # Times 2 at most doubles anything (as `x + x` does); `x * x` cannot be a sequence
        # repeat (sequence * sequence is a TypeError). A float never repeats. A larger constant
        # multiplies a sequence's size: `s * 1000` of a million-character `s` made a gigabyte
        # in one call (`_repeated_name` keeps `n * 1000` cheap when `n` is a number).
        if _tiny(left) or _tiny(right) or _is_float(left) or _is_float(right):
            return False
        return not (
            isinstance(left, ast.Name) and isinstance(right, ast.Name) and left.id == right.id
        )
    if isinstance(op, ast.LShift):
        # `x << 8`: a small constant shift adds a few bits, in one pass over the number
        return not (_small_number(right) and abs(_constant(right)) <= 64)
    if isinstance(op, ast.Pow):
        # A constant exponent above 2 multiplies a number's size, and the time of the last
        # squaring grows faster than the size: `x ** 64` of a 1-million-bit `x` held the
        # interpreter 12 s in one call. `name ** 2` is tested inline (`_squared_name`), any
        # other `e ** 2` guarded; `x ** 1`, `x ** 0.5`, `x ** -2` do not grow an integer.
        if _small_number(right) and (abs(_constant(right)) < 2 or _constant(right) < 0):
            return False
        if _is_float(right):
            return False
        return not (_small_number(right) and _constant(right) == 2 and isinstance(left, ast.Name))
    if isinstance(op, ast.Mod):
        if isinstance(left, ast.Constant) and isinstance(left.value, str | bytes):
            text = left.value if isinstance(left.value, str) else left.value.decode("latin-1")
            return "*" in text or percent_width(text) > SMALL_CONSTANT
        # A numeric left operand never formats; a name is tested inline (`visit_BinOp`).
        if _small_number(left) or _is_float(left) or isinstance(left, ast.Name):
            return not (_small_number(right) or _is_float(right) or _small_number(left))
        return True
    if isinstance(op, ast.FloorDiv):
        # long division is quadratic in the sizes; by a small constant it is linear
        return not (_small_number(right) or _is_float(right) or _is_float(left))
    return False


def transform(tree: ast.Module) -> ToolUses:
    """Check `tree` against the policy and insert the guards, in place.

    Returns how the code uses the tool proxy (for the pre-check); raises `PolicyViolation`.
    """
    transformer = Transformer()
    transformer.visit(tree)
    if transformer.problems:
        raise PolicyViolation(transformer.problems)
    return transformer.tool_uses.result()


# -- sizes of format operations ---------------------------------------------------------------


def format_spec_width(spec: str) -> int:
    """The largest width or precision a format spec asks for (0 if none)."""
    numbers = [int(n) for n in re.findall(r"\d+", spec)]
    return max(numbers, default=0)


def percent_width(text: str) -> int:
    """The largest width or precision in a %-format string (0 if none)."""
    numbers = [
        int(n) for spec in re.findall(r"%[-#0 +]*(\d*)(?:\.(\d+))?", text) for n in spec if n
    ]
    return max(numbers, default=0)
