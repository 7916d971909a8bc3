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


SESSION_NOTE = """\
Your programs run in one session: names a program binds at top level (variables, functions,
classes, imports) are still there for your next program; names inside a function are not. So
here you may write top-level statements instead of `main()` (top-level `await` works) and end
with an expression: its value is the answer. Keep results you will need in top-level variables
and reuse them rather than calling the tools again. If a run's output says the session started
clean, earlier names are gone."""


def render_prompt(stubs: str, modules: Iterable[str], *, session: bool = False) -> str:
    """The prompt: how to write the program (and, in a session, that names stay), then the
    stubs in a fenced block."""
    text = PROMPT_TEMPLATE.format(modules=", ".join(sorted(modules)), stubs=stubs.rstrip())
    return with_session_note(text) if session else text


def with_session_note(prompt: str) -> str:
    """`prompt` with `SESSION_NOTE` after its instructions (before the first code block)."""
    head, fence, rest = prompt.partition("\n\n```")
    return f"{head}\n\n{SESSION_NOTE}{fence}{rest}"
