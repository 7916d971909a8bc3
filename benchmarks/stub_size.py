"""How big the stubs are next to the JSON tool definitions they replace in a prompt.

Over the real-tools corpus (../shared/corpus/tools/real_tools.jsonl beside the checkout, or the
path given as the first argument), in characters:

- JSON: `json.dumps` of each tool definition (name, description, input and output schema), as
  tool-calling APIs put them in the prompt; also compact JSON (no spaces).
- floor: the descriptions alone (the tool's and every `description` in its schemas), the text
  either form has to carry; "structure" is what each form adds on top of it.
- stubs: `render_stubs` tool by tool, and all tools as one module (types shared across tools).

    python benchmarks/stub_size.py [path/to/real_tools.jsonl]
"""

from __future__ import annotations

import json
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from codemode import Tool
from codemode._stubs import render_stubs
from codemode._tools import python_name

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "tools" / "real_tools.jsonl"


def main() -> int:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else CORPUS
    if not path.exists():
        print(f"skipped: no corpus at {path} (it lives in ../shared beside a checkout)")
        return 0
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    tools = [_tool(row, name) for row, name in zip(rows, _unique_names(rows), strict=True)]

    start = time.perf_counter()
    stubs = [render_stubs([tool]) for tool in tools]
    per_tool_seconds = time.perf_counter() - start
    start = time.perf_counter()
    module = render_stubs(tools)
    module_seconds = time.perf_counter() - start

    definitions = [_definition(row) for row in rows]
    plain = [len(json.dumps(d)) for d in definitions]
    compact = [len(json.dumps(d, separators=(",", ":"))) for d in definitions]
    floor = [len(_descriptions(d)) for d in definitions]
    stub = [len(s) for s in stubs]

    print(f"{len(rows)} tools from {path}")
    print(f"{'':28}{'chars':>12}{'/ JSON':>9}{'structure / JSON structure':>29}")
    _line("JSON (json.dumps)", sum(plain), sum(plain), sum(floor))
    _line("JSON, compact", sum(compact), sum(plain), sum(floor))
    _line("floor: descriptions only", sum(floor), sum(plain), sum(floor))
    _line("stubs, tool by tool", sum(stub), sum(plain), sum(floor))
    _line("stubs, one module", len(module), sum(plain), sum(floor))

    print("\nby source (stubs tool by tool / JSON):")
    groups: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for row, p, s in zip(rows, plain, stub, strict=True):
        group = groups[_family(row["source"])]
        group[0] += 1
        group[1] += p
        group[2] += s
    for family, (count, p, s) in sorted(groups.items(), key=lambda item: -item[1][1]):
        print(f"  {family:44}{count:>6} tools  {s / p:.2f}")
    print(
        f"\nrender time: {per_tool_seconds:.2f} s tool by tool, {module_seconds:.2f} s as one module"
    )
    return 0


def _line(label: str, size: int, json_size: int, floor: int) -> None:
    structure = (size - floor) / (json_size - floor)
    print(f"{label:28}{size:>12,}{size / json_size:>9.2f}{structure:>29.2f}")


def _tool(row: dict[str, Any], name: str) -> Tool:
    return Tool.from_schema(
        name=name,
        description=row["description"],
        input_schema=row["input_schema"],
        output_schema=row["output_schema"],
        fn=lambda **kwargs: None,
    )


def _unique_names(rows: list[dict[str, Any]]) -> list[str]:
    """Names as published; a name that recurs (with another schema) gets a number, so that all
    tools fit in one module."""
    seen: Counter[str] = Counter()
    names = []
    for row in rows:
        name = python_name(row["name"])
        seen[name] += 1
        names.append(row["name"] if seen[name] == 1 else f"{name}_{seen[name]}")
    return names


def _definition(row: dict[str, Any]) -> dict[str, Any]:
    keys = ("name", "description", "input_schema", "output_schema")
    return {k: row[k] for k in keys if row[k] is not None}


def _descriptions(node: Any) -> str:
    if isinstance(node, dict):
        own = node.get("description")
        text = own if isinstance(own, str) else ""
        return text + "".join(_descriptions(v) for v in node.values())
    if isinstance(node, list):
        return "".join(_descriptions(v) for v in node)
    return ""


def _family(source: str) -> str:
    repo = source.removeprefix("npm:").split(":")[0]
    return "BFCL (gorilla)" if repo.startswith("ShishirPatil/gorilla") else repo


if __name__ == "__main__":
    raise SystemExit(main())
