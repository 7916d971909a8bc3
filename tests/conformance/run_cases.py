"""Running Monty's cases: under plain CPython (one subprocess for them all) and under an
executor (one executor for them all), each giving an `Outcome` per case."""

from __future__ import annotations

import json
import subprocess
import sys
import warnings
from pathlib import Path

from cases import Case, Outcome

from codemode import Codemode
from codemode._result import ExecuteResult
from codemode.executors import Executor

REFERENCE = Path(__file__).resolve().parent / "cpython_reference.py"
TIMEOUT = 10.0


def run_cpython(cases: list[Case]) -> dict[str, tuple[Outcome, bool]]:
    """Each case's CPython outcome, and whether CPython does what the file expects."""
    paths = "".join(f"{case.path}\n" for case in cases)
    done = subprocess.run(
        [sys.executable, "-W", "ignore", str(REFERENCE)],
        input=paths,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    out = {}
    for line in done.stdout.splitlines():
        row = json.loads(line)
        out[row["name"]] = (Outcome(**row["outcome"]), row["passes"])
    return out


def outcome_of(result: ExecuteResult) -> Outcome:
    error = result.error
    if error is None:
        return Outcome(value=result.value, stdout=result.stdout)
    return Outcome(
        stdout=result.stdout,
        exception=error.exception,
        message=error.message,
        line=error.line,
        error_type=error.type,
    )


async def run_executor(executor: Executor, cases: list[Case]) -> dict[str, Outcome]:
    cm = Codemode([], executor=executor, timeout=TIMEOUT, max_log_chars=200_000)
    out = {}
    with warnings.catch_warnings():  # the cases' own `x is 1` and such
        warnings.simplefilter("ignore", SyntaxWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        for case in cases:
            out[case.name] = outcome_of(await cm.execute(case.source))
    return out
