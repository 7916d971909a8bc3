"""How often the type check flags programs that run clean: Monty's language test cases.

Every case of `../shared/corpus/monty_cases/` (beside the checkout, or the folder given as the
first argument) that needs no external functions or files and expects no exception is run under
this CPython; those that run clean are type-checked as model code (no tools), and the ones the
check would reject are counted by rule and listed.

These are language tests, not model programs: many call things wrongly on purpose inside
`try`/`except`, which a checker flags by design. The list shows which dynamic idioms it flags.

    python benchmarks/typecheck_corpus.py [path/to/monty_cases]
"""

from __future__ import annotations

import collections
import subprocess
import sys
from pathlib import Path

from codemode._typecheck import TypeChecker

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "monty_cases"
SKIP = ("# call-external", "# mount-fs", "# Raise=", "TRACEBACK", "# xfail")
RUN = "exec(compile(open({path!r}).read(), {path!r}, 'exec', flags=0x2000))"  # top-level await


def main() -> None:
    root = Path(sys.argv[1]) if len(sys.argv) > 1 else CORPUS
    if not root.is_dir():
        sys.exit(f"no Monty cases at {root} (they live in ../shared beside a checkout)")
    clean = []
    for path in sorted(root.glob("*.py")):
        text = path.read_text(encoding="utf-8")
        if any(marker in text for marker in SKIP):
            continue
        command = [sys.executable, "-c", RUN.format(path=str(path))]
        try:
            done = subprocess.run(command, capture_output=True, timeout=30, check=False)
        except subprocess.TimeoutExpired:
            continue
        if done.returncode == 0:
            clean.append(path)
    checker = TypeChecker("")
    rules: collections.Counter[str] = collections.Counter()
    flagged = []
    try:
        for path in clean:
            found = checker.check(path.read_text(encoding="utf-8"))
            if found:
                flagged.append((path.name, found[0]))
                rules.update({d.rule for d in found})
    finally:
        checker.close()
    print(f"{len(clean)} cases run clean on CPython {sys.version.split()[0]}; ", end="")
    print(f"the type check flags {len(flagged)} ({len(flagged) / max(len(clean), 1):.0%})")
    print("rules:", ", ".join(f"{rule} {n}" for rule, n in rules.most_common()))
    for name, first in flagged:
        print(f"  {name}: line {first.line} [{first.rule}] {first.message[:110]}")


if __name__ == "__main__":
    main()
