"""The CPython side of the conformance suite: runs Monty's cases in this one process, each in a
fresh namespace as `__main__`, and prints one JSON object per case.

    python cpython_reference.py < case-paths   (one path a line)

Run in a subprocess of its own: the cases change what they like (the recursion limit, `sys`).
External functions of `# call-external` cases come from Monty's own `_support/test_fixtures.py`.
"""

from __future__ import annotations

import ast
import asyncio
import builtins
import contextlib
import io
import json
import sys
import traceback
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from cases import SUPPORT, Case, Outcome, passes

from codemode._result import to_jsonable
from codemode.executors._inprocess import _exception_text

RESULT = "__conformance_result__"


def run(case: Case, fixtures: dict[str, Any]) -> tuple[Outcome, bool]:
    tree = ast.parse(case.source, case.path.name)
    if tree.body and isinstance(tree.body[-1], ast.Expr):
        last = tree.body[-1]
        store = ast.Assign([ast.Name(RESULT, ast.Store())], last.value)
        tree.body[-1] = ast.copy_location(store, last)
        ast.fix_missing_locations(tree)
    namespace: dict[str, Any] = {"__name__": "__main__", "__builtins__": builtins}
    if "call-external" in case.directives:
        namespace.update(fixtures)
    out = io.StringIO()
    value: Any = None
    error: BaseException | None = None
    limit = sys.getrecursionlimit()
    try:
        with contextlib.redirect_stdout(out):
            code = compile(
                tree,
                case.path.name,
                "exec",
                flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT,
                dont_inherit=True,
            )
            started = eval(code, namespace)
            if started is not None:
                asyncio.run(started)
            value = namespace.get(RESULT)
    except BaseException as exc:
        error = exc
    finally:
        sys.setrecursionlimit(limit)
    value_repr = value_str = None
    if error is None:
        try:
            value_repr, value_str = repr(value), str(value)
        except Exception as exc:
            value_repr = value_str = f"<{type(exc).__name__}>"
    ok = passes(case, error, value_repr, value_str)
    if isinstance(error, SyntaxError):  # worded as the executors word a syntax error
        line = error.lineno
        message = f"{error.msg} (line {line})" if line else str(error.msg)
        return Outcome(exception=type(error).__name__, message=message, line=line), ok
    if error is not None:
        frames = [
            f for f in traceback.extract_tb(error.__traceback__) if f.filename == case.path.name
        ]
        return Outcome(
            stdout=out.getvalue(),
            exception=type(error).__name__,
            message=_exception_text(error),
            line=frames[-1].lineno if frames else None,
        ), ok
    return Outcome(value=to_jsonable(value, []), stdout=out.getvalue()), ok


def main() -> None:
    sys.path.insert(0, str(SUPPORT))
    from test_fixtures import exported_globals  # Monty's own CPython-side fixtures

    for line in sys.stdin:
        path = Path(line.strip())
        case = Case(path.stem, path, path.read_text(encoding="utf-8"))
        outcome, ok = run(case, dict(exported_globals))
        print(json.dumps({"name": case.name, "passes": ok, "outcome": outcome.to_dict()}))
        sys.stdout.flush()


if __name__ == "__main__":
    main()
