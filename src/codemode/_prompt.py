"""The instructions the model reads before the stubs."""

from __future__ import annotations

from collections.abc import Iterable

PROMPT_TEMPLATE = """\
Use the tools by writing one Python program. Write `async def main():` that calls the tools with
`await codemode.<tool>(...)` (keyword arguments, as typed below), and `return` the answer; it comes
back to you as JSON. The types below are for reading: pass and read TypedDicts as plain dicts
(`{{"city": "Paris"}}`), not by their names. Run independent calls at once with
`await asyncio.gather(...)`. `print()` for notes you want to see. A failing tool raises `ToolError`
(catch it with `except ToolError as e:`). A tool typed `-> Any` may give back plain text: parse
JSON text with `json.loads` when you need the data. `codemode` and `asyncio` need no import; you
may also import: {modules}. Nothing else is available: no files, network, environment or
subprocesses.

```python
{stubs}
```"""


def render_prompt(stubs: str, modules: Iterable[str]) -> str:
    """The prompt: how to write the program, then the stubs in a fenced block."""
    return PROMPT_TEMPLATE.format(modules=", ".join(sorted(modules)), stubs=stubs.rstrip())
