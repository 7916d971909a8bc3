"""JSON Schema to Python stubs. (First cut: every parameter typed `Any`; typed stubs follow.)"""

from __future__ import annotations

from collections.abc import Sequence

from ._tools import Tool


def render_stubs(tools: Sequence[Tool]) -> str:
    """A Python stub module with one `async def` per tool, in the order given."""
    lines = ["from typing import Any", ""]
    for tool in tools:
        required = set(tool.input_schema.get("required", []))
        params = [
            f"{kw}: Any" if prop in required else f"{kw}: Any = ..."
            for kw, prop in tool.keywords.items()
        ]
        signature = ", ".join(["*", *params]) if params else ""
        lines.append(f"async def {tool.python_name}({signature}) -> Any:")
        lines.append(f"    {tool.description!r}")
        lines.append("")
    return "\n".join(lines)
