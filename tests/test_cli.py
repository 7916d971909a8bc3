"""The `codemode` command: help, version, and one-line answers for a target that cannot load."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import codemode
from codemode._cli import main


def test_bare_command_prints_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: codemode")
    assert "demo" in out and "mcp-serve" in out


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out == f"codemode {codemode.__version__}\n"


def test_version_is_the_installed_metadata() -> None:
    from importlib.metadata import version

    assert version("codemode") == codemode.__version__


def test_mcp_serve_of_a_missing_module_says_what_to_fix(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "codemode", "mcp-serve", "nosuchmod:cm"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
    )
    assert done.returncode == 2
    assert "no module named 'nosuchmod'" in done.stderr
    assert "Traceback" not in done.stderr


def test_mcp_serve_of_a_module_that_fails_to_import_says_why(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("mcp")
    from codemode.adapters.mcp import serve_target

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", list(sys.path))
    (tmp_path / "needs_dep.py").write_text("import nosuchdependency\n")
    (tmp_path / "broken.py").write_text("x = 1\nraise RuntimeError('bad config')\n")
    assert serve_target("needs_dep:cm") == 2
    assert serve_target("broken:cm") == 2
    err = capsys.readouterr().err
    assert "it needs the module 'nosuchdependency', which is not installed" in err
    assert "broken.py, line 2): RuntimeError: bad config" in err


def test_mcp_serve_without_the_mcp_extra_says_what_to_install() -> None:
    code = (
        "import sys\n"
        "sys.modules['mcp'] = None  # as in a base install\n"
        "from codemode._cli import main\n"
        "sys.exit(main(['mcp-serve', 'my_tools:cm']))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "pip install 'codemode[mcp]'" in done.stderr
    assert "Traceback" not in done.stderr
