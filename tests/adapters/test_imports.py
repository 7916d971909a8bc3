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


# Entry points that exist to reach an adapter by name: IPython looks for `load_ipython_extension`
# on the package itself (`%load_ext codemode`), and the command dispatches `mcp-serve`.
ENTRY_POINTS = {
    ("__init__.py", "codemode.adapters.jupyter"),
    ("_cli.py", "codemode.adapters.mcp"),
}


def test_no_core_module_imports_an_adapter() -> None:
    import ast
    from pathlib import Path

    import codemode

    package = Path(codemode.__file__).parent
    found = set()
    for path in sorted(package.rglob("*.py")):
        relative = path.relative_to(package)
        if relative.parts[0] == "adapters":
            continue
        depth = len(relative.parts) - 1  # how many packages below codemode
        for node in ast.walk(ast.parse(path.read_text())):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                module = node.module or ""
                if node.level:  # relative: resolve against codemode.<subpackage>
                    base = ["codemode", *relative.parts[:depth]][: 1 + depth - (node.level - 1)]
                    module = ".".join([*base, *module.split(".")]).rstrip(".")
                # `from codemode import adapters` names the adapter in the alias
                names = [module, *(f"{module}.{alias.name}" for alias in node.names)]
                names = [module] if module.startswith("codemode.adapters") else names
            for name in names:
                if name == "codemode.adapters" or name.startswith("codemode.adapters."):
                    found.add((str(relative), name))
    assert found - ENTRY_POINTS == set()
    assert found >= ENTRY_POINTS  # the allowance is still needed


def test_rich_display_loads_no_adapter() -> None:
    statement = (
        "from codemode import Codemode, ExecuteResult\n"
        "cm = Codemode([])\n"
        "assert '<div' in cm._repr_html_() and cm._repr_markdown_()\n"
        "r = cm.execute_sync('1 + 1')\n"
        "assert '<div' in r._repr_html_() and r._repr_markdown_()\n"
        "assert not [m for m in sys.modules if m.startswith('codemode.adapters.')], sys.modules"
    )
    code = f"import sys\n{statement}\n"
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)
