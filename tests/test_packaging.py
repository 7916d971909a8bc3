"""What a new user meets before any code runs: the license, the metadata, the CI script."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_license_file_matches_the_metadata() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["license"] == "MIT"
    text = (ROOT / "LICENSE").read_text()
    assert text.startswith("MIT License")
    assert "The codemode authors" in text
    assert "LICENSE" in project["license-files"]


def test_metadata_has_classifiers_and_one_version() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert "version" in project["dynamic"]  # read from codemode/__init__.py, written once
    assert "Programming Language :: Python :: 3.11" in project["classifiers"]
    assert "Typing :: Typed" in project["classifiers"]
    assert "otel" in project["optional-dependencies"]


def test_ci_keeps_its_own_environment() -> None:
    script = (ROOT / ".ci" / "run").read_text()
    assert 'VENV="${VENV:-.ci-venv}"' in script
    commands = [
        line
        for line in script.splitlines()
        if not line.lstrip().startswith(("#", "echo"))  # comments and messages may name it
    ]
    assert not [line for line in commands if re.search(r"(?<![\w-])\.venv\b", line)]
    assert ".ci-venv/" in (ROOT / ".gitignore").read_text().splitlines()
