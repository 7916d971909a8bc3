"""Model code as written, made into one runnable shape, and checked before it runs.

Models write code in several shapes: an `async def main()`, a plain `def main()`, a single async
function of another name, top-level statements using `await` whose last expression is the answer,
`asyncio.run(main())` at the bottom, and any of these inside a Markdown fence. `prepare` turns all of
them into one module whose last statement stores the answer in `RESULT_NAME`, to be compiled with
top-level await allowed. `precheck` finds calls to tools that do not exist and keyword arguments a
tool does not take, so that a typo costs no run.
"""

from __future__ import annotations

import ast
import dataclasses
import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ._result import ExecuteError

if TYPE_CHECKING:  # not at run time: the subprocess worker imports this module without pydantic
    from ._tools import Tool

RESULT_NAME = "_codemode_result_"
RETURN_NAME = "_codemode_return_"
FILENAME = "<codemode>"
PROGRAM_MODULE = "__codemode__"  # `__name__` in model code, `__module__` of what it defines

_FENCE = re.compile(
    r"^[ \t]*(`{3,}|~{3,})[ \t]*([\w+-]*)[^\n]*\n(.*?)^[ \t]*\1[ \t]*$", re.S | re.M
)


def strip_fences(text: str) -> str:
    """The code inside Markdown fences, or `text` itself when it has none.

    Several fenced blocks are joined in order (models split helpers and `main` at times); blocks
    labelled with a language other than Python are left out.
    """
    if "```" not in text and "~~~" not in text:
        return text
    blocks = [
        body
        for _, lang, body in _FENCE.findall(text)
        if lang.lower() in ("", "python", "py", "python3", "py3")
    ]
    if not blocks:
        stripped = text.strip()
        if stripped.startswith(("```", "~~~")):  # an unclosed fence: drop the opening line
            return stripped.split("\n", 1)[1] if "\n" in stripped else ""
        return text
    return "\n".join(block.rstrip("\n") + "\n" for block in blocks)


def parse(source: str) -> ast.Module | ExecuteError:
    """Parse model code, or describe the syntax error with its line and column."""
    try:
        return ast.parse(source, FILENAME, type_comments=False)
    except SyntaxError as exc:
        return syntax_error(exc, source)
    except (ValueError, MemoryError, RecursionError) as exc:  # null bytes, absurd nesting
        return ExecuteError(type="syntax", message=f"cannot parse the code: {exc}")


def syntax_error(exc: SyntaxError, source: str) -> ExecuteError:
    line = exc.lineno
    text = exc.text if exc.text is not None else _line(source, line)
    where = ""
    if line is not None:
        where = f"\n  line {line}: {text.rstrip() if text else ''}"
        if exc.offset and text:
            where += "\n  " + " " * (len(f"line {line}: ") + exc.offset - 1) + "^"
    return ExecuteError(
        type="syntax",
        message=f"{exc.msg} (line {line})" if line else str(exc.msg),
        exception=type(exc).__name__,
        line=line,
        column=exc.offset,
        traceback=where.lstrip("\n") or None,
    )


def _line(source: str, line: int | None) -> str | None:
    if not line:
        return None
    lines = source.splitlines()
    return lines[line - 1] if 0 < line <= len(lines) else None


def prepare(tree: ast.Module) -> ast.Module:
    """Reshape a parsed module so that its last statement stores the answer in `RESULT_NAME`.

    The tree is changed in place and returned.
    """
    body = _unwrap_main_guard(tree.body)
    body = [_rewrite_asyncio_run(stmt) for stmt in body]
    _rewrite_returns(body)
    functions = {
        stmt.name: stmt for stmt in body if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef)
    }
    entry: ast.expr | None = None
    last = body[-1] if body else None
    if isinstance(last, ast.Expr):
        body.pop()
        entry = last.value
    called = _called_at_top_level(body, entry)
    line = (body[-1].end_lineno or 1) if body else 1
    name = _entry_function(functions)
    if name is not None and name not in called:
        # A `main` nobody calls is the program; a trailing expression still runs before it.
        if entry is not None:
            body.append(_located(ast.Expr(entry), entry.lineno))
        entry = _located(ast.Call(_located(ast.Name(name, ast.Load()), line), [], []), line)
    if entry is None:
        entry = _located(ast.Constant(None), line)
    store = ast.Assign([_located(ast.Name(RESULT_NAME, ast.Store()), entry.lineno)], entry)
    body.append(_located(store, entry.lineno))
    tree.body = body
    return tree


class EarlyReturn(BaseException):
    """`return value` at the top level of model code: the program's answer, given early."""

    def __init__(self, value: Any = None) -> None:
        super().__init__()
        self.value = value


def _rewrite_returns(body: list[ast.stmt]) -> None:
    """`return x` outside any function -> `raise _codemode_return_(x)` (models write it)."""
    for index, stmt in enumerate(body):
        if isinstance(stmt, ast.Return):
            value = stmt.value or _located(ast.Constant(None), stmt.lineno)
            call = ast.Call(_located(ast.Name(RETURN_NAME, ast.Load()), stmt.lineno), [value], [])
            body[index] = _located(ast.Raise(_located(call, stmt.lineno), None), stmt.lineno)
        elif not isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            for field in ("body", "orelse", "finalbody", "handlers", "cases"):
                block = getattr(stmt, field, None)
                if isinstance(block, list):
                    if field in ("handlers", "cases"):
                        for part in block:
                            _rewrite_returns(part.body)
                    else:
                        _rewrite_returns(block)


def _located(node: Any, line: int) -> Any:
    node.lineno = node.end_lineno = line
    node.col_offset = node.end_col_offset = 0
    return node


def _entry_function(functions: Mapping[str, ast.FunctionDef | ast.AsyncFunctionDef]) -> str | None:
    if "main" in functions:
        return "main"
    async_names = [n for n, f in functions.items() if isinstance(f, ast.AsyncFunctionDef)]
    if len(async_names) == 1 and not _takes_required_args(functions[async_names[0]]):
        return async_names[0]
    return None


def _takes_required_args(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    args = fn.args
    positional = len(args.posonlyargs) + len(args.args)
    if positional > len(args.defaults):
        return True
    return any(default is None for default in args.kw_defaults)


def _called_at_top_level(body: list[ast.stmt], entry: ast.expr | None) -> set[str]:
    """Names of functions called by top-level code outside function and class bodies."""
    names: set[str] = set()
    nodes: list[ast.AST] = [
        s for s in body if not isinstance(s, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
    ]
    if entry is not None:
        nodes.append(entry)
    for node in nodes:
        for sub in ast.walk(node):
            if isinstance(sub, ast.Call) and isinstance(sub.func, ast.Name):
                names.add(sub.func.id)
    return names


def _unwrap_main_guard(body: list[ast.stmt]) -> list[ast.stmt]:
    """`if __name__ == "__main__": ...` -> its body (model code runs as the main program)."""
    out: list[ast.stmt] = []
    for stmt in body:
        if (
            isinstance(stmt, ast.If)
            and isinstance(stmt.test, ast.Compare)
            and isinstance(stmt.test.left, ast.Name)
            and stmt.test.left.id == "__name__"
        ):
            out.extend(stmt.body)
        else:
            out.append(stmt)
    return out


def _rewrite_asyncio_run(stmt: ast.stmt) -> ast.stmt:
    """`asyncio.run(main())` at top level -> `await main()`: the loop is already running."""
    if not isinstance(stmt, ast.Expr | ast.Assign):
        return stmt
    value = stmt.value
    if (
        isinstance(value, ast.Call)
        and isinstance(value.func, ast.Attribute)
        and value.func.attr == "run"
        and isinstance(value.func.value, ast.Name)
        and value.func.value.id == "asyncio"
        and len(value.args) == 1
    ):
        stmt.value = ast.copy_location(ast.Await(value.args[0]), value)
    return stmt


# -- the static pre-check ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ToolUse:
    """`codemode.<name>` in the code: a call when `call`; `keywords` when the call spells out
    all its arguments as keywords (None when it passes a dict or `**kwargs`)."""

    name: str
    line: int
    column: int
    keywords: tuple[str, ...] | None
    call: bool = False


@dataclass(frozen=True, slots=True)
class ToolUses:
    """Every use of the tool proxy in a program; `rebound` if the code assigns the name."""

    uses: tuple[ToolUse, ...]
    rebound: bool


class ToolUseFinder:
    """Collects the uses of the tool proxy from the nodes it is shown (any order, any kind), so
    that a pass that walks the tree anyway can collect them on the way."""

    def __init__(self, proxy_name: str = "codemode") -> None:
        self.proxy_name = proxy_name
        self.uses: list[ToolUse] = []
        self.rebound = False

    def see(self, node: ast.AST) -> None:
        proxy = self.proxy_name
        if isinstance(node, ast.Attribute):
            value = node.value
            if isinstance(value, ast.Name) and value.id == proxy:
                self.uses.append(ToolUse(node.attr, node.lineno, node.col_offset + 1, None))
        elif isinstance(node, ast.Call):
            func = node.func
            if (
                isinstance(func, ast.Attribute)
                and isinstance(func.value, ast.Name)
                and func.value.id == proxy
            ):
                opaque = bool(node.args) or any(k.arg is None for k in node.keywords)
                names = None if opaque else tuple(k.arg for k in node.keywords if k.arg)
                self.uses.append(ToolUse(func.attr, node.lineno, node.col_offset + 1, names, True))
        elif isinstance(node, ast.Name):
            if node.id == proxy and not isinstance(node.ctx, ast.Load):
                self.rebound = True
        elif isinstance(node, ast.arg):
            self.rebound = self.rebound or node.arg == proxy
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            self.rebound = self.rebound or node.name == proxy

    def result(self) -> ToolUses:
        return ToolUses(tuple(self.uses), self.rebound)


def find_tool_uses(tree: ast.Module, proxy_name: str = "codemode") -> ToolUses:
    """One walk over the tree collecting the uses of the proxy."""
    finder = ToolUseFinder(proxy_name)
    for node in ast.walk(tree):
        finder.see(node)
    return finder.result()


def check_tool_uses(
    found: ToolUses, tools: Mapping[str, Tool], proxy_name: str = "codemode"
) -> ExecuteError | None:
    """The first call that cannot work: an unknown tool (with the closest names), or keywords
    the tool does not take, or a required one missing. Nothing when the code rebinds the proxy."""
    if found.rebound:
        return None
    for use in found.uses:
        if use.name.startswith("_") or use.name in tools:
            continue  # the policy speaks to `_` names
        if use.name in ("ToolError", "ToolArgumentError"):
            continue
        close = difflib.get_close_matches(use.name, list(tools), n=3, cutoff=0.5)
        hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
        if "search_tools" in tools:  # discovery mode: the model can look the tool up
            hint += f"; find tools with {proxy_name}.search_tools(...)"
        return ExecuteError(
            type="validation",
            message=f"unknown tool {proxy_name}.{use.name}{hint}",
            line=use.line,
            column=use.column,
        )
    for use in found.uses:
        if use.call and use.keywords is not None:
            problem = _check_call(use.keywords, tools[use.name])
            if problem:
                return ExecuteError(
                    type="validation",
                    message=f"{proxy_name}.{use.name}(): {problem}",
                    line=use.line,
                    column=use.column,
                )
    return None


def show_line(error: ExecuteError, source: str) -> ExecuteError:
    """`error` with the line it names quoted as its traceback, when it has none."""
    text = _line(source, error.line)
    if error.traceback or text is None:
        return error
    return dataclasses.replace(error, traceback=f"  line {error.line}: {text.strip()}")


def precheck(
    tree: ast.Module, tools: Mapping[str, Tool], proxy_name: str = "codemode"
) -> ExecuteError | None:
    """Find `codemode.<tool>(...)` uses that cannot work, before anything runs."""
    return check_tool_uses(find_tool_uses(tree, proxy_name), tools, proxy_name)


def _check_call(names_given: tuple[str, ...], tool: Tool) -> str | None:
    schema: dict[str, Any] = tool.input_schema
    properties = schema.get("properties")
    if not isinstance(properties, dict):
        return None
    names = set(names_given)
    accepted = tool.keywords
    if schema.get("additionalProperties") is False:
        unknown = sorted(n for n in names if n not in accepted)
        if unknown:
            close = difflib.get_close_matches(unknown[0], list(accepted), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            takes = ", ".join(sorted(accepted)) or "no arguments"
            return f"unexpected argument {unknown[0]!r}{hint}; it takes: {takes}"
    required = schema.get("required")
    if isinstance(required, list):
        given = {accepted.get(n, n) for n in names}
        missing = [r for r in required if isinstance(r, str) and r not in given and r in properties]
        if missing:
            return f"missing required argument {missing[0]!r}"
    return None
