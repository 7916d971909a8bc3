"""pydantic/monty's test cases (`../shared/corpus/monty_cases/`): what each file expects, and the
outcome of a run, in one shape for CPython and for the executors.

The cases are read from the shared corpus, never copied here. A case states what it expects in its
last lines (`# Return=<repr>`, `# Return.str=<str>`, `# Raise=Type('message')`, a `TRACEBACK:`
block, or nothing: it must run without an exception) and its directives in comments
(`# call-external`, `# run-async`, `# mount-fs`, `# xfail=...`).
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "monty_cases"
SUPPORT = CORPUS / "_support"

_DIRECTIVES = ("call-external", "run-async", "mount-fs")


@dataclass(frozen=True)
class Case:
    name: str  # the file name without `.py`
    path: Path
    source: str

    @property
    def directives(self) -> frozenset[str]:
        lines = {line.strip() for line in self.source.splitlines()}
        return frozenset(d for d in _DIRECTIVES if f"# {d}" in lines)

    def expectation(self) -> tuple[str, str] | None:
        """What the file says should happen: ("return", repr), ("return.str", str),
        ("raise", "Type('message')") or ("raise-type", "Type: message"); None means "runs"."""
        for line in reversed(self.source.splitlines()):
            if line.startswith("# Return.str="):
                return "return.str", line.removeprefix("# Return.str=")
            if line.startswith("# Return="):
                return "return", line.removeprefix("# Return=")
            if line.startswith("# Raise="):
                return "raise", line.removeprefix("# Raise=")
        block = re.search(r'"""\nTRACEBACK:\n(.*?)\n"""', self.source, re.S)
        if block:
            return "traceback", block.group(1).strip().splitlines()[-1]
        return None


def load_cases() -> list[Case]:
    if not CORPUS.is_dir():
        return []
    return [
        Case(path.stem, path, path.read_text(encoding="utf-8"))
        for path in sorted(CORPUS.glob("*.py"))
    ]


@dataclass(frozen=True)
class Outcome:
    """What a run did: its value (JSON-safe), what it printed, and the uncaught exception: its
    class name, its message as `ExecuteError.message` words it (`ValueError: bad`), and its line
    in the case file."""

    value: Any = None
    stdout: str = ""
    exception: str | None = None
    message: str | None = None
    line: int | None = None
    error_type: str | None = None  # the ExecuteError type, for the executors

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def describe(self) -> str:
        if self.exception or self.error_type:
            return (
                f"{self.error_type or 'raised'} {self.exception}: {self.message} (line {self.line})"
            )
        return f"value {self.value!r}"


def passes(
    case: Case, exception: BaseException | None, value_repr: str | None, value_str: str | None
) -> bool:
    """Whether a CPython run did what the file expects (`value_repr`/`value_str` are the repr
    and str of the program's value)."""
    expected = case.expectation()
    if expected is None:
        return exception is None
    kind, text = expected
    if kind == "return":
        return exception is None and value_repr == text
    if kind == "return.str":
        return exception is None and value_str == text
    if exception is None:
        return False
    name = type(exception).__name__
    message = str(exception)
    if kind == "raise":
        shown = f"{name}({message!r})" if exception.args else f"{name}()"
        return shown == text
    return text in (name, f"{name}: {message}")
