"""Calling a module and its facade the same way and comparing what comes back.

A spec is a function of the module (`lambda m: m.sub("a", "b", "aaa", 1, m.I)`): it runs once
with the real module and once with the facade, inside an execution (the facades find their
deadline and tasks through it), and the two outcomes — the value, or the exception's class and
message — must be equal. Values are compared through `normalize`, which reads facade stand-ins
(`re.Match`, task handles, checked iterators) the way a program would.
"""

from __future__ import annotations

import importlib
import inspect
import math
import types
from collections.abc import Callable, Iterator
from typing import Any

from codemode.executors._sandbox import CURRENT, DEFAULT_MODULES, Execution, Importer

Spec = Callable[[Any], Any]

IMPORTER = Importer(frozenset(DEFAULT_MODULES))


def facade(name: str) -> Any:
    return IMPORTER.load(name)


def real(name: str) -> Any:
    return importlib.import_module(name)


def normalize(value: Any, depth: int = 0) -> Any:
    if depth > 4:
        return repr(value)
    if isinstance(value, float) and math.isnan(value):
        return "nan"
    if isinstance(value, complex):
        return ("complex", normalize(value.real), normalize(value.imag))
    if hasattr(value, "span") and hasattr(value, "groups") and hasattr(value, "group"):
        return ("Match", repr(value), value.groups(), value.groupdict())
    if type(value).__name__ == "Pattern":
        return ("Pattern", repr(value), value.flags, value.groups)
    if isinstance(value, Iterator) and not isinstance(value, str | bytes):
        return ("iterator", [normalize(v, depth + 1) for v in _take(value)])
    if isinstance(value, list | tuple):
        return type(value).__name__, [normalize(v, depth + 1) for v in value]
    if isinstance(value, dict):
        return {k: normalize(v, depth + 1) for k, v in value.items()}
    return value


def _take(iterator: Iterator[Any], limit: int = 200) -> list[Any]:
    out = []
    for item in iterator:
        out.append(item)
        if len(out) >= limit:
            break
    return out


def outcome(spec: Spec, module: Any) -> Any:
    token = CURRENT.set(Execution())
    try:
        return ("value", normalize(spec(module)))
    except Exception as exc:
        return ("raises", type(exc).__name__, str(exc))
    finally:
        CURRENT.reset(token)


def assert_same(name: str, spec: Spec) -> None:
    """`spec` gives the same outcome with module `name` and with its facade."""
    expected = outcome(spec, real(name))
    actual = outcome(spec, facade(name))
    assert actual == expected, f"{name}: {inspect.getsource(spec).strip()}\n{actual} != {expected}"


def parameters(function: Any) -> list[tuple[str, Any, Any]] | None:
    """(name, kind, default) of each parameter, or None where Python cannot tell."""
    call = type(function).__dict__.get("__call__")
    if isinstance(call, staticmethod):  # a builtin's stand-in: the function it calls
        function = call.__func__
    try:
        signature = inspect.signature(function)
    except (TypeError, ValueError):
        return None
    # a private parameter (`copy.deepcopy`'s `_nil`) is the implementation's, not the API's
    return [(p.name, p.kind, p.default) for p in signature.parameters.values() if p.name[:1] != "_"]


def replaced_members(name: str) -> dict[str, tuple[Any, Any]]:
    """The facade's members that are not the module's own objects: (real, stand-in)."""
    module, ours = real(name), facade(name)
    out = {}
    for key in dir(ours):
        theirs = getattr(module, key, None)
        mine = getattr(ours, key)
        if theirs is not None and mine is not theirs and callable(theirs):
            out[key] = (theirs, mine)
    return out


def is_function(value: Any) -> bool:
    return isinstance(value, types.FunctionType | types.BuiltinFunctionType)


def run_cpython(source: str) -> Any:
    """The outcome of `source` as CPython runs it: the last expression's value (JSON-safe), or
    the exception's class and message."""
    import ast
    import asyncio

    from codemode._result import to_jsonable

    tree = ast.parse(source)
    last = tree.body[-1]
    if isinstance(last, ast.Expr):  # its value is the program's, as codemode takes it
        store = ast.Assign([ast.Name("_result_", ast.Store())], last.value)
        tree.body[-1] = ast.copy_location(store, last)
        ast.fix_missing_locations(tree)
    namespace: dict[str, Any] = {"__name__": "__main__"}
    try:
        # dont_inherit: this module's `from __future__ import annotations` is not the program's
        code = compile(
            tree, "<cpython>", "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT, dont_inherit=True
        )
        started = eval(code, namespace)
        if started is not None:
            asyncio.run(started)
        return ("value", to_jsonable(namespace.get("_result_"), []))
    except Exception as exc:  # the exception is the outcome compared, worded as a run words it
        from codemode.executors._inprocess import _exception_text

        name = type(exc).__name__
        return ("raises", name, _exception_text(exc).removeprefix(f"{name}: "))


def run_codemode(source: str) -> Any:
    from codemode import Codemode
    from codemode.executors import InProcessExecutor

    # the facades are the same in the subprocess worker; the conformance suite runs both
    result = Codemode([], executor=InProcessExecutor()).execute_sync(source)
    if result.error is None:
        return ("value", result.value)
    message = result.error.message.removeprefix(f"{result.error.exception}: ")
    return ("raises", result.error.exception, message)


def assert_same_program(source: str) -> None:
    """`source` gives the same value or exception in codemode as in CPython."""
    assert run_codemode(source) == run_cpython(source), source
