"""Execute every notebook in examples/notebooks on a real Jupyter kernel; exit 1 on any error.

    python examples/run_notebooks.py             # run them all (what .ci/run does)
    python examples/run_notebooks.py mcp.ipynb   # run some
    python examples/run_notebooks.py --online    # keep OPENAI_* for the kernel
    python examples/run_notebooks.py --strip     # clear stored outputs before committing

The kernel is an ipykernel on this very interpreter (a kernel spec written to a temporary
directory), so the notebooks see the codemode installed here whatever other kernels the machine
has. Each notebook runs in its own folder, as in Jupyter. Outputs are never written back.

The LangChain and OpenAI notebooks talk to a real endpoint when OPENAI_API_KEY or OPENAI_BASE_URL
is set; the kernel gets no OPENAI_* variables unless --online is given, so a run is offline and
repeatable wherever it happens.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from ipykernel.kernelspec import write_kernel_spec
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError

NOTEBOOKS = Path(__file__).resolve().parent / "notebooks"
KERNEL = "codemode-examples"
CELL_TIMEOUT = 120  # seconds for one cell: a safety net, not a benchmark


def run(path: Path) -> bool:
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook,
        kernel_name=KERNEL,
        timeout=CELL_TIMEOUT,
        resources={"metadata": {"path": str(path.parent)}},
    )
    started = time.perf_counter()
    try:
        client.execute()
    except (CellExecutionError, CellTimeoutError) as exc:
        print(f"FAIL {path.name}\n{exc}", file=sys.stderr)
        return False
    cells = sum(1 for cell in notebook.cells if cell.cell_type == "code")
    print(f"ok   {path.name}: {cells} code cells in {time.perf_counter() - started:.1f} s")
    return True


def strip(path: Path) -> bool:
    """Clear outputs and execution counts; True when the file changed."""
    notebook = nbformat.read(path, as_version=4)
    before = nbformat.writes(notebook)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
        cell.metadata.pop("execution", None)
    after = nbformat.writes(notebook)
    if after != before:
        path.write_text(after, encoding="utf-8")
    return after != before


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("notebooks", nargs="*", help="names in examples/notebooks (default: all)")
    parser.add_argument("--strip", action="store_true", help="clear stored outputs instead")
    parser.add_argument(
        "--online", action="store_true", help="let the kernel see OPENAI_* (a real endpoint)"
    )
    args = parser.parse_args(argv)
    paths = [NOTEBOOKS / name for name in args.notebooks] or sorted(NOTEBOOKS.glob("*.ipynb"))
    if not paths:
        print(f"no notebooks in {NOTEBOOKS}", file=sys.stderr)
        return 1
    if args.strip:
        for path in paths:
            print(f"{'stripped' if strip(path) else 'clean   '} {path.name}")
        return 0
    if not args.online:  # the kernel inherits this environment
        for name in [name for name in os.environ if name.startswith("OPENAI_")]:
            del os.environ[name]
    with tempfile.TemporaryDirectory() as jupyter_path:
        write_kernel_spec(Path(jupyter_path, "kernels", KERNEL))
        os.environ["JUPYTER_PATH"] = os.pathsep.join(
            filter(None, [jupyter_path, os.environ.get("JUPYTER_PATH")])
        )
        results = [run(path) for path in paths]
    failed = results.count(False)
    print(f"{len(results) - failed} notebooks passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
