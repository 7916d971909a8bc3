"""Every Python block in README.md runs as written, so the docs stay true.

A block runs as a script in a fresh interpreter from the repository's root, offline. A comment
line just before a block says how it is run instead:

- `<!-- docs: continue -->`: after the blocks before it (a walk-through split by prose);
- `<!-- docs: model-code -->`: it is a program a model writes; it runs with `Codemode.execute`
  against the Quickstart's tools and must succeed (`model-code discovery`: in discovery mode, with
  a `refund_order` tool beside them);
- `<!-- docs: openai -->`: it talks to an OpenAI-compatible server; it runs against the scripted
  one in `examples/` (OPENAI_BASE_URL), where the model calls `run_code` once and then answers;
- `<!-- docs: skip REASON -->`: not run (kept few: a server that serves until its client leaves).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
EXAMPLES = ROOT / "examples"

_BLOCK = re.compile(
    r"(?:<!-- docs: (?P<marker>[^>]*?) -->\n)?```python\n(?P<code>.*?)```", re.DOTALL
)


@dataclass
class Block:
    line: int
    marker: str
    code: str

    @property
    def kind(self) -> str:
        return self.marker.split(" ", 1)[0] if self.marker else "run"


def readme_blocks() -> list[Block]:
    text = README.read_text()
    return [
        Block(text.count("\n", 0, m.start("code")), (m.group("marker") or "").strip(), m["code"])
        for m in _BLOCK.finditer(text)
    ]


def scripts() -> list[tuple[str, str, Block]]:
    """(test id, the script to run, the block) for every block that runs as a script."""
    out = []
    before: list[str] = []
    for block in readme_blocks():
        if block.kind == "continue":
            before.append(block.code)
        elif block.kind in ("run", "openai"):
            before = [block.code]
        else:
            continue
        out.append((f"line-{block.line}", "\n".join(before), block))
    return out


def run_script(code: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI_")}
    environment.update(env or {})
    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=environment,
        timeout=120,
    )


def test_the_readme_has_blocks_of_every_kind() -> None:
    kinds = [block.kind for block in readme_blocks()]
    assert kinds.count("run") >= 5
    assert {"continue", "model-code", "openai"} <= set(kinds)
    skipped = [block for block in readme_blocks() if block.kind == "skip"]
    assert len(skipped) <= 2, "skip markers are for what cannot run offline: keep them few"
    assert all(len(block.marker.split(" ", 1)) == 2 for block in skipped), "say why it is skipped"
    unknown = set(kinds) - {"run", "continue", "model-code", "openai", "skip"}
    assert not unknown


@pytest.mark.parametrize(("name", "code", "block"), scripts(), ids=[s[0] for s in scripts()])
def test_block_runs(name: str, code: str, block: Block) -> None:
    if block.kind == "openai":
        pytest.importorskip("openai")
        done = _with_scripted_openai(code)
    else:
        done = run_script(code)
    assert done.returncode == 0, f"README block at line {block.line} failed:\n{done.stderr}"


def _with_scripted_openai(code: str) -> subprocess.CompletedProcess[str]:
    sys.path.insert(0, str(EXAMPLES))
    try:
        from scripted_openai import Call, ScriptedOpenAI
    finally:
        sys.path.remove(str(EXAMPLES))
    program = "print('checked')\n1 + 1"
    with ScriptedOpenAI([Call({"code": program}), "It is 2."]) as server:
        return run_script(code, {"OPENAI_BASE_URL": server.url, "OPENAI_API_KEY": "offline"})


def test_model_code_blocks_run_against_the_quickstart_tools() -> None:
    from codemode import Codemode

    quickstart = next(block for block in readme_blocks() if "cm = Codemode(" in block.code)
    namespace: dict[str, object] = {}
    setup = quickstart.code.split("result = cm.execute_sync")[0]
    exec(compile(setup, "README.md", "exec"), namespace)
    cm = namespace["cm"]
    assert isinstance(cm, Codemode)
    discovering = Codemode([*cm.tools, refund_order], discovery="search")
    programs = [block for block in readme_blocks() if block.kind == "model-code"]
    assert len(programs) >= 3
    for block in programs:
        runner = discovering if block.marker == "model-code discovery" else cm
        result = runner.execute_sync(block.code)
        assert result.ok, f"README model code at line {block.line}: {result.error}"


def refund_order(order_id: str, amount: float | None = None) -> dict[str, object]:
    """Refund an order, in full or in part."""
    return {"order_id": order_id, "refunded": amount}
