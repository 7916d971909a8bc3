"""The conformance figures, for a person: of the cases CPython passes, how many each executor
runs as CPython does, and every difference (listed in the table or not).

    python tests/conformance/report.py [-v]
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from cases import load_cases
from run_cases import run_cpython, run_executor
from test_monty import differences, row_for

from codemode.executors import InProcessExecutor, SubprocessExecutor


async def main(verbose: bool) -> None:
    cases = load_cases()
    cpython = run_cpython(cases)
    passing = [case for case in cases if cpython[case.name][1]]
    print(f"{len(cases)} cases; CPython {sys.version.split()[0]} passes {len(passing)}")
    subprocess_executor = SubprocessExecutor()
    try:
        runs = {
            "inprocess": await run_executor(InProcessExecutor(), cases),
            "subprocess": await run_executor(subprocess_executor, cases),
        }
    finally:
        await subprocess_executor.aclose()
    for executor, outcomes in runs.items():
        same = [c for c in passing if not differences(cpython[c.name][0], outcomes[c.name])]
        listed = [c for c in cases if row_for(c, executor)]
        print(
            f"{executor}: {len(same)}/{len(passing)} as CPython; {len(listed)} cases in the table"
        )
        for case in cases:
            problems = differences(cpython[case.name][0], outcomes[case.name])
            row = row_for(case, executor)
            if problems and (verbose or row is None):
                mark = "listed" if row else "NOT LISTED"
                print(f"  {case.name} [{mark}]: {'; '.join(problems)[:300]}")


if __name__ == "__main__":
    asyncio.run(main("-v" in sys.argv))
