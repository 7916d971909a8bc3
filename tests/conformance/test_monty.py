"""Monty's test cases run under CPython and under both executors, outcomes compared.

Compared: the value of the last expression, what was printed, and the uncaught exception (its
class, its message, its line). A difference must be in `expected_differences.DIFFERENCES`.
"""

from __future__ import annotations

import asyncio
import fnmatch
from collections.abc import Iterator

import pytest
from cases import CORPUS, Case, Outcome, load_cases
from expected_differences import DIFFERENCES, Difference
from run_cases import run_cpython, run_executor

from codemode.executors import InProcessExecutor, SubprocessExecutor

CASES = load_cases()
EXECUTORS = ("inprocess", "subprocess")

pytestmark = pytest.mark.skipif(
    not CASES, reason=f"Monty's cases are not at {CORPUS} (the shared corpus is absent)"
)


@pytest.fixture(scope="session")
def cpython() -> dict[str, tuple[Outcome, bool]]:
    return run_cpython(CASES)


@pytest.fixture(scope="session")
def executed() -> Iterator[dict[str, dict[str, Outcome]]]:
    async def both() -> dict[str, dict[str, Outcome]]:
        subprocess_executor = SubprocessExecutor()
        try:
            return {
                "inprocess": await run_executor(InProcessExecutor(), CASES),
                "subprocess": await run_executor(subprocess_executor, CASES),
            }
        finally:
            await subprocess_executor.aclose()

    yield asyncio.run(both())


def differences(expected: Outcome, actual: Outcome) -> list[str]:
    problems = []
    if actual.stdout != expected.stdout:
        problems.append(f"printed {actual.stdout!r}, CPython printed {expected.stdout!r}")
    if (actual.exception, actual.message, actual.line) != (
        expected.exception,
        expected.message,
        expected.line,
    ):
        problems.append(f"{actual.describe()}; CPython: {expected.describe()}")
    elif actual.value != expected.value:
        problems.append(f"value {actual.value!r}, CPython {expected.value!r}")
    return problems


def row_for(case: Case, executor: str) -> Difference | None:
    for row in DIFFERENCES:
        if executor in row.executors and any(_covers(pattern, case) for pattern in row.cases):
            return row
    return None


def _covers(pattern: str, case: Case) -> bool:
    if pattern.startswith("# "):
        return pattern[2:] in case.directives
    return fnmatch.fnmatchcase(case.name, pattern)


@pytest.mark.parametrize("executor", EXECUTORS)
@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_case_runs_as_in_cpython(
    case: Case,
    executor: str,
    cpython: dict[str, tuple[Outcome, bool]],
    executed: dict[str, dict[str, Outcome]],
) -> None:
    expected, _ = cpython[case.name]
    actual = executed[executor][case.name]
    problems = differences(expected, actual)
    row = row_for(case, executor)
    if row is None:
        assert not problems, "\n".join(problems)
    elif problems or row.strict:
        assert problems, f"listed as a difference ({row.reason}) but runs as in CPython"
        assert row.shows in actual.describe(), (
            f"listed as a difference ({row.reason}) showing {row.shows!r}, but: "
            + "\n".join(problems)
        )


def test_every_row_covers_a_case() -> None:
    for row in DIFFERENCES:
        for pattern in row.cases:
            assert any(_covers(pattern, case) for case in CASES), f"{pattern!r} covers no case"
