"""Model code type-checked against the stubs before it runs, with `ty`.

`TypeChecker` writes the stubs once, as a module `_codemode_tools`, into a private temporary
directory; each check writes the program there behind a one-line header that binds what the
sandbox binds (`asyncio`, `codemode`, `ToolError`, `ToolArgumentError`, and in a session the names
earlier runs left), runs `ty check` on it and maps what ty says back to the model's lines.

ty was chosen by measurement (see `benchmarks/typecheck_bench.py` and the README): it checks a
30-line program against 50 tools in a fraction of the time of mypy or pyright, in a fraction of the
memory, without a daemon. It is an optional extra: `pip install "codemode[typecheck]"`.

What is kept: ty's errors, and its `unused-awaitable` warning (a tool call without `await`) as an
error. What is dropped, because the program is still correct as the sandbox runs it: `invalid-syntax`
(top-level `await` and `return` are allowed here; real syntax errors are found by the parser before
the check), imports (the sandbox's allowlist decides), and what `_Leeway` excuses (new attributes
and keys being written, attributes of the program's own classes, tool calls given one dict or
`**kwargs`, a regular expression match used without a `None` check).
"""

from __future__ import annotations

import ast
import asyncio
import contextlib
import itertools
import json
import os
import shutil
import subprocess
import sys
import tempfile
import weakref
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ._result import ExecuteError

STUB_MODULE = "_codemode_tools"
_HEADER = (
    "import asyncio; import {module} as codemode; from {module} import ToolError, ToolArgumentError"
)
_ERROR_CLASSES = """

class ToolError(Exception):
    tool: str
    message: str

class ToolArgumentError(ToolError): ...
"""
# `invalid-syntax`: top-level `await` and `return` are allowed here, and real syntax errors are
# found by the parser first. Imports: the sandbox's allowlist decides, and a program may catch
# the ImportError of one it tries.
_DROPPED_RULES = frozenset({"invalid-syntax", "unresolved-import", "import-not-found"})
_PROMOTED_RULES = ("unused-awaitable",)  # warnings ty gives that are errors here
_MAX_SHOWN = 10


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One problem the type checker found: where in the model's code (1-based), the checker's
    rule and its message."""

    line: int
    column: int
    rule: str
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message} [{self.rule}]"


class TypeCheckUnavailable(RuntimeError):
    """The type checker is not installed (`pip install "codemode[typecheck]"`)."""


def find_checker() -> str:
    """The `ty` binary, or `TypeCheckUnavailable` naming the extra to install."""
    try:
        from ty import find_ty_bin

        found: str = find_ty_bin()
        return found
    except (ImportError, FileNotFoundError):
        pass
    found_on_path = shutil.which("ty")
    if found_on_path is None:
        raise TypeCheckUnavailable(
            'type checking needs ty: pip install "codemode[typecheck]" (or put `ty` on PATH)'
        )
    return found_on_path


class TypeChecker:
    """Checks programs against one stub module. Safe to use from several tasks at once: each
    check has a file of its own."""

    def __init__(self, stubs: str, *, binary: str | None = None, timeout: float = 20.0) -> None:
        self.binary = binary or find_checker()
        self.timeout = timeout
        self.directory = tempfile.mkdtemp(prefix="codemode-typecheck-")
        self._finalizer = weakref.finalize(self, shutil.rmtree, self.directory, True)
        self._stubs = stubs.rstrip() + "\n" + _ERROR_CLASSES
        self._stub_path = os.path.join(self.directory, STUB_MODULE + ".pyi")
        self._write_stubs()
        self._ids = itertools.count(1)

    def _write_stubs(self) -> None:
        os.makedirs(self.directory, exist_ok=True)
        with open(self._stub_path, "w", encoding="utf-8", errors="replace") as f:
            f.write(self._stubs)

    def close(self) -> None:
        """Remove the temporary directory. Safe to call more than once."""
        self._finalizer()

    # -- checking ----------------------------------------------------------------------------

    def check(self, source: str, names: Iterable[str] = ()) -> list[Diagnostic]:
        """The problems in `source`, in the order of its lines. `names` are bound by earlier runs
        of a session (typed `Any`). Raises `TypeCheckUnavailable` when ty cannot run."""
        path = self._write(source, names)
        try:
            done = subprocess.run(
                self._command(path),
                capture_output=True,
                timeout=self.timeout,
                cwd=self.directory,
                env=_ENV,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise TypeCheckUnavailable(f"the type checker did not run: {exc}") from exc
        finally:
            _remove(path)
        return self._diagnostics(done.returncode, done.stdout, done.stderr, source)

    async def acheck(self, source: str, names: Iterable[str] = ()) -> list[Diagnostic]:
        """`check` without blocking the event loop."""
        path = self._write(source, names)
        try:
            process = await asyncio.create_subprocess_exec(
                *self._command(path),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                cwd=self.directory,
                env=_ENV,
            )
            try:
                stdout, stderr = await asyncio.wait_for(process.communicate(), self.timeout)
            except BaseException:
                if process.returncode is None:
                    process.kill()
                    await process.wait()
                raise
        except (OSError, TimeoutError) as exc:
            raise TypeCheckUnavailable(f"the type checker did not run: {exc}") from exc
        finally:
            _remove(path)
        assert process.returncode is not None
        return self._diagnostics(process.returncode, stdout, stderr, source)

    def _write(self, source: str, names: Iterable[str]) -> str:
        header = _HEADER.format(module=STUB_MODULE)
        declared = sorted({n for n in names if n.isidentifier()} - _BOUND)
        if declared:  # names an earlier run of the session left: anything, as far as we know
            header += "; from typing import Any as _cm_Any; " + "; ".join(
                f"{name}: _cm_Any = ..." for name in declared
            )
        text = header + "\n" + source
        path = os.path.join(self.directory, f"program_{os.getpid()}_{next(self._ids)}.py")
        try:
            if not os.path.exists(self._stub_path):  # a temporary-files cleaner took it
                self._write_stubs()
            # a lone surrogate (legal only in a string literal) cannot be UTF-8: "?" instead
            with open(path, "w", encoding="utf-8", errors="replace") as f:
                f.write(text)
        except OSError as exc:
            raise TypeCheckUnavailable(f"cannot write the program to check: {exc}") from exc
        return path

    def _command(self, path: str) -> list[str]:
        command = [
            self.binary,
            "check",
            "--output-format",
            "gitlab",
            "--no-progress",
            "--python-version",
            f"{sys.version_info.major}.{sys.version_info.minor}",
            "--python",
            sys.executable,
        ]
        for rule in _PROMOTED_RULES:
            command += ["--error", rule]
        return [*command, os.path.basename(path)]

    def _diagnostics(
        self, returncode: int, stdout: bytes, stderr: bytes, source: str
    ) -> list[Diagnostic]:
        if returncode not in (0, 1):
            detail = stderr.decode(errors="replace").strip()[-500:]
            raise TypeCheckUnavailable(f"the type checker failed (exit {returncode}): {detail}")
        try:
            reported: Any = json.loads(stdout or b"[]")
        except ValueError as exc:
            raise TypeCheckUnavailable(f"cannot read the type checker's report: {exc}") from exc
        leeway = _Leeway(source)
        found: list[Diagnostic] = []
        for item in reported if isinstance(reported, list) else ():
            diagnostic = _diagnostic(item)
            if diagnostic is None or diagnostic.rule in _DROPPED_RULES:
                continue
            if leeway.excuses(diagnostic):
                continue
            found.append(diagnostic)
        found.sort(key=lambda d: (d.line, d.column))
        return found


_BOUND = frozenset({"asyncio", "codemode", "ToolError", "ToolArgumentError"})
# ty needs no environment of ours; HOME and PATH only, so that a user's settings do not change
# what the model's code is checked against.
_ENV = {key: os.environ[key] for key in ("HOME", "PATH") if key in os.environ}


def _diagnostic(item: Any) -> Diagnostic | None:
    """One entry of ty's GitLab-format report as a `Diagnostic` on the model's lines, or None
    for a warning or for the header line."""
    if not isinstance(item, dict) or item.get("severity") not in ("major", "critical", "blocker"):
        return None
    try:
        begin = item["location"]["positions"]["begin"]
        line, column = int(begin["line"]) - 1, int(begin["column"])
    except (KeyError, TypeError, ValueError):
        return None
    if line < 1:
        return None
    rule = str(item.get("check_name") or "error")
    message = str(item.get("description") or "")
    message = message.removeprefix(f"{rule}: ")
    message = message.replace(f"Module `{STUB_MODULE}`", "`codemode`").replace(
        STUB_MODULE, "codemode"
    )
    return Diagnostic(line, column, rule, message)


class _Leeway:
    """Where a diagnostic is about code that runs correctly in the sandbox, found from the AST:
    a new attribute or key being written (`box.label = ...`, `result["note"] = ...`), a tool
    called with one dict or `**kwargs` (checked against the schema when it runs), an attribute
    of an instance of the program's own class (Python lets any code add one)."""

    def __init__(self, source: str) -> None:
        self.writes: set[tuple[int, int]] = set()
        self.opaque_calls: list[tuple[int, int, int, int]] = []
        self.own_classes: set[str] = set()
        try:
            tree = ast.parse(source)
        except (SyntaxError, ValueError, MemoryError, RecursionError):
            return
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and not isinstance(node.ctx, ast.Load):
                self.writes.add((node.lineno, node.col_offset + 1))  # ty: the whole target
                end = node.end_col_offset or 0
                self.writes.add((node.end_lineno or node.lineno, end - len(node.attr) + 1))
            elif isinstance(node, ast.Subscript) and not isinstance(node.ctx, ast.Load):
                self.writes.add((node.slice.lineno, node.slice.col_offset + 1))  # ty: the key
                self.writes.add((node.lineno, node.col_offset + 1))
            elif isinstance(node, ast.ClassDef):
                self.own_classes.add(node.name)
            elif (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "codemode"
                and (node.args or any(k.arg is None for k in node.keywords))
            ):
                self.opaque_calls.append(
                    (
                        node.lineno,
                        node.col_offset + 1,
                        node.end_lineno or node.lineno,
                        (node.end_col_offset or 0) + 1,
                    )
                )

    def excuses(self, diagnostic: Diagnostic) -> bool:
        where = (diagnostic.line, diagnostic.column)
        if "`Match[" in diagnostic.message and "None" in diagnostic.message:
            return True  # `re.search(...).group(1)`: the idiom, where the pattern is known to match
        if diagnostic.rule in _ATTRIBUTE_RULES:
            if where in self.writes:
                return True
            if any(f"type `{name}`" in diagnostic.message for name in self.own_classes):
                return True
        if diagnostic.rule in _KEY_RULES and where in self.writes:
            return True
        return any(
            (line, column) <= where <= (end_line, end_column)
            for line, column, end_line, end_column in self.opaque_calls
        )


_ATTRIBUTE_RULES = frozenset({"missing-attribute", "unresolved-attribute"})
_KEY_RULES = frozenset({"invalid-typed-dict-key", "invalid-key", "invalid-assignment"})


def _remove(path: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)


def validation_error(diagnostics: list[Diagnostic], source: str) -> ExecuteError:
    """The `validation` error the model reads: every problem with its line, the first one's
    line and column as the error's."""
    lines = source.splitlines()
    first = diagnostics[0]
    count = len(diagnostics)
    head = (
        "the type check found "
        + (f"{count} problems" if count > 1 else "a problem")
        + " (nothing ran)"
    )
    shown = []
    for diagnostic in diagnostics[:_MAX_SHOWN]:
        text = lines[diagnostic.line - 1].strip() if diagnostic.line <= len(lines) else ""
        shown.append(
            f"  line {diagnostic.line}: {text}\n    {diagnostic.message} [{diagnostic.rule}]"
        )
    if count > _MAX_SHOWN:
        shown.append(f"  ... and {count - _MAX_SHOWN} more")
    return ExecuteError(
        type="validation",
        message=f"{head}: {first.message}",
        line=first.line,
        column=first.column,
        traceback="\n".join(shown),
    )
