"""The example notebooks are stored without outputs (`python examples/run_notebooks.py --strip`).

Running them is `examples/run_notebooks.py`, which `.ci/run` calls on a real kernel.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "examples" / "notebooks").glob("*.ipynb"))


def test_there_are_notebooks() -> None:
    assert {path.name for path in NOTEBOOKS} >= {
        "quickstart.ipynb",
        "langchain.ipynb",
        "openai_loop.ipynb",
        "mcp.ipynb",
        "approvals.ipynb",
    }


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[path.name for path in NOTEBOOKS])
def test_notebook_has_no_stored_outputs(path: Path) -> None:
    notebook = json.loads(path.read_text(encoding="utf-8"))
    dirty = [
        index
        for index, cell in enumerate(notebook["cells"])
        if cell["cell_type"] == "code" and (cell.get("outputs") or cell.get("execution_count"))
    ]
    assert not dirty, (
        f"{path.name}: cells {dirty} have stored outputs; "
        "run `python examples/run_notebooks.py --strip`"
    )
