"""Importing codemode must not import the frameworks the adapters wrap."""

from __future__ import annotations

import json
import subprocess
import sys

FRAMEWORKS = {"langchain", "langchain_core", "langgraph", "openai"}


def loaded_after(statement: str) -> list[str]:
    """The framework modules in sys.modules after `statement`, in a fresh interpreter."""
    code = (
        f"import json, sys\n{statement}\n"
        f"print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {FRAMEWORKS!r})))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return list(json.loads(done.stdout))


def test_import_codemode_imports_no_framework() -> None:
    assert loaded_after("import codemode, codemode.adapters, codemode.executors") == []


def test_the_openai_adapter_does_not_need_openai_imported() -> None:
    # It reads the client's objects and calls the client it is given; nothing more.
    assert loaded_after("import codemode.adapters.openai") == []


def test_the_langchain_adapter_says_which_extra_is_missing() -> None:
    code = (
        "import sys\n"
        "sys.modules['langchain_core'] = None  # as if it were not installed\n"
        "try:\n"
        "    import codemode.adapters.langchain\n"
        "except ImportError as exc:\n"
        "    print(exc)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "pip install 'codemode[langchain]'" in done.stdout
