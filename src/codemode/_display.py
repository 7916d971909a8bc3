"""Rich display of results and stubs: HTML and Markdown for notebooks and other frontends.

An `ExecuteResult` shows its status, the error with its failing line highlighted, the value, the
output and the tool-call trace as a table with durations; a `Codemode` shows its tools and its
stubs with syntax highlighting (with pygments when it is installed). `ExecuteResult._repr_html_`
and `Codemode._repr_html_` call into this module; the `%%codemode` magic lives in
`codemode.adapters.jupyter`. Importing it imports neither IPython nor pygments.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from ._result import ExecuteError, ExecuteResult, LogEntry, ToolCall, truncate_text

if TYPE_CHECKING:
    from ._codemode import Codemode

__all__ = [
    "codemode_html",
    "codemode_markdown",
    "result_html",
    "result_markdown",
    "stubs_html",
    "stubs_markdown",
    "truncate_html_spans",
]

# Shown in full up to these sizes; longer text is cut in the middle with a visible marker.
MAX_VALUE_CHARS = 20_000
MAX_LOG_CHARS = 20_000
MAX_ARGS_CHARS = 300
COMPACT_VALUE_CHARS = 100
STUBS_COLLAPSE_LINES = 120

# Colours that read on light and dark notebook themes alike.
_OK = "#1a7f37"
_FAIL = "#cf222e"
_MUTED = "#6e7781"
_FAIL_BG = "rgba(207, 34, 46, 0.10)"
_MARK_BG = "rgba(207, 34, 46, 0.22)"
_BOX = "margin: 4px 0; padding: 6px 8px; white-space: pre-wrap; word-break: break-word;"
_FONT = "font-family: var(--jp-ui-font-family, system-ui, sans-serif); font-size: 13px;"


# -- ExecuteResult ------------------------------------------------------------------------------


def result_html(result: ExecuteResult) -> str:
    """The result as HTML: a status line, the error with its failing line, the value, the output
    and the tool-call trace (one row per call with its duration)."""
    parts = [f'<div class="codemode-result" style="{_FONT} line-height: 1.45;">']
    parts.append(_status_html(result))
    if result.pending:
        parts.append(_section_html("Waiting for approval", _pending_text(result)))
    if result.error is not None:
        parts.append(_error_html(result.error))
    elif result.value is not None:
        parts.append(_section_html("Result", _value_text(result.value)))
    if result.logs:
        parts.append(_logs_html(result.logs))
    if result.tool_calls:
        parts.append(_calls_html(result.tool_calls))
    parts.append("</div>")
    return "".join(parts)


def result_markdown(result: ExecuteResult) -> str:
    """The result as Markdown, for frontends that render Markdown but not HTML."""
    lines = [_status_text(result, bold=True), ""]
    if result.pending:
        lines += ["**Waiting for approval**", "", *_fence(_pending_text(result), "text"), ""]
    if result.error is not None:
        lines += [f"**{_md(result.error.describe())}**", ""]
        if result.error.traceback:
            failing = _failing_index(result.error)
            trace = [
                ("→" + line[1:] if i == failing and line.startswith(" ") else line)
                for i, line in enumerate(result.error.traceback.splitlines())
            ]
            lines += [*_fence("\n".join(trace), "text"), ""]
    elif result.value is not None:
        lines += ["**Result**", "", *_fence(_value_text(result.value), _value_lang(result)), ""]
    if result.logs:
        lines += ["**Output**", "", *_fence(_logs_text(result.logs), "text"), ""]
    if result.tool_calls:
        lines += ["| # | tool | arguments | ms | status |", "|---:|---|---|---:|---|"]
        for number, call in enumerate(result.tool_calls, 1):
            status = "ok" if call.ok else "✗ " + _md(call.error or "failed")
            lines.append(
                f"| {number} | `{call.name}` | {_code_span(_args_text(call))} "
                f"| {call.duration_ms:.1f} | {status} |"
            )
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _pending_text(result: ExecuteResult) -> str:
    waiting = "\n".join(call.describe() for call in result.pending)
    ids = ", ".join(repr(call.id) for call in result.pending)
    return f"{waiting}\n\nto go on: await cm.resume(result, approve=[{ids}])"


def _status_text(result: ExecuteResult, bold: bool = False) -> str:
    head = "✓ ok" if result.ok else f"✗ {result.error.type if result.error else 'failed'} error"
    if result.status == "paused":
        head = f"⏸ paused: {len(result.pending)} call(s) waiting for approval"
    if bold:
        head = f"**{head}**"
    calls = len(result.tool_calls)
    failed = sum(1 for call in result.tool_calls if not call.ok)
    facts = [f"{calls} tool call{'' if calls == 1 else 's'}"]
    if failed:
        facts[0] += f" ({failed} failed)"
    facts.append(f"{result.duration_ms:.1f} ms")
    return " · ".join([head, *facts])


def _status_html(result: ExecuteResult) -> str:
    colour = _OK if result.ok else _MUTED if result.status == "paused" else _FAIL
    head, _, facts = _status_text(result).partition(" · ")
    return (
        f'<div><strong style="color: {colour};">{_h(head)}</strong>'
        f'<span style="color: {_MUTED};"> · {_h(facts)}</span></div>'
    )


def _error_html(error: ExecuteError) -> str:
    out = [
        f'<div style="border-left: 3px solid {_FAIL}; background: {_FAIL_BG}; {_BOX}">',
        f"<strong>{_h(error.describe())}</strong>",
    ]
    if error.traceback:
        failing = _failing_index(error)
        rows = []
        for i, line in enumerate(error.traceback.splitlines()):
            if i == failing:
                rows.append(
                    f'<span style="background: {_MARK_BG}; font-weight: bold;">{_h(line)}</span>'
                )
            else:
                rows.append(_h(line))
        out.append(f'<pre style="margin: 6px 0 0 0;">{"<br>".join(rows)}</pre>')
    out.append("</div>")
    return "".join(out)


def _failing_index(error: ExecuteError) -> int | None:
    """The traceback line of the innermost model frame at `error.line`, if there is one."""
    if error.line is None or not error.traceback:
        return None
    pattern = re.compile(rf"^\s*line {error.line}\b")
    found = None
    for i, line in enumerate(error.traceback.splitlines()):
        if pattern.match(line):
            found = i
    return found


def _section_html(title: str, text: str) -> str:
    return (
        f'<div style="margin-top: 6px;"><strong>{_h(title)}</strong></div>'
        f'<pre style="{_BOX} background: rgba(127, 127, 127, 0.08);">{_h(text)}</pre>'
    )


def _logs_html(logs: Iterable[LogEntry]) -> str:
    spans = []
    for entry in logs:
        if entry.stream == "system":
            text = f"[codemode] {entry.text.rstrip()}\n"
            spans.append(f'<span style="color: {_MUTED}; font-style: italic;">{_h(text)}</span>')
        elif entry.stream == "stderr":
            spans.append(f'<span style="color: {_FAIL};">{_h(entry.text)}</span>')
        else:
            spans.append(_h(entry.text))
    body = truncate_html_spans(spans, MAX_LOG_CHARS)
    return (
        '<div style="margin-top: 6px;"><strong>Output</strong></div>'
        f'<pre style="{_BOX} background: rgba(127, 127, 127, 0.08);">{body}</pre>'
    )


def truncate_html_spans(spans: list[str], max_chars: int) -> str:
    """Join rendered spans, dropping the middle ones past `max_chars` behind a marker."""
    total = sum(len(span) for span in spans)
    if total <= max_chars or len(spans) < 3:
        return "".join(spans)
    head: list[str] = []
    size = 0
    for span in spans:
        if size + len(span) > max_chars // 2:
            break
        head.append(span)
        size += len(span)
    tail: list[str] = []
    for span in reversed(spans[len(head) :]):
        if size + len(span) > max_chars:
            break
        tail.insert(0, span)
        size += len(span)
    dropped = len(spans) - len(head) - len(tail)
    marker = (
        f'<span style="color: {_MUTED};">[... {dropped} pieces of output not shown ...]\n</span>'
    )
    return "".join([*head, marker, *tail])


def _calls_html(calls: Iterable[ToolCall]) -> str:
    cell = "padding: 2px 8px; text-align: left; vertical-align: top;"
    rows = [
        '<div style="margin-top: 6px;"><strong>Tool calls</strong></div>',
        '<table style="border-collapse: collapse; font-size: 12px; margin: 4px 0;">',
        "<thead><tr>",
        f'<th style="{cell} text-align: right;">#</th>',
        f'<th style="{cell}">tool</th>',
        f'<th style="{cell}">arguments</th>',
        f'<th style="{cell} text-align: right;">ms</th>',
        f'<th style="{cell}">status</th>',
        "</tr></thead><tbody>",
    ]
    for number, call in enumerate(calls, 1):
        background = "" if call.ok else f" background: {_FAIL_BG};"
        if call.ok:
            status = f'<span style="color: {_OK};">ok</span>'
        else:
            status = f'<span style="color: {_FAIL};">✗ {_h(call.error or "failed")}</span>'
        rows.append(
            f'<tr style="border-top: 1px solid rgba(127, 127, 127, 0.25);{background}">'
            f'<td style="{cell} text-align: right; color: {_MUTED};">{number}</td>'
            f'<td style="{cell}"><code>{_h(call.name)}</code></td>'
            f'<td style="{cell}"><code>{_h(_args_text(call))}</code></td>'
            f'<td style="{cell} text-align: right; font-variant-numeric: tabular-nums;">'
            f"{call.duration_ms:.1f}</td>"
            f'<td style="{cell}">{status}</td></tr>'
        )
    rows.append("</tbody></table>")
    return "".join(rows)


def _args_text(call: ToolCall) -> str:
    try:
        text = json.dumps(call.args, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(call.args)
    return truncate_text(text, MAX_ARGS_CHARS)


def _value_text(value: Any) -> str:
    if isinstance(value, str):
        text = value
    else:
        try:
            text = json.dumps(value, ensure_ascii=False)
            if len(text) > COMPACT_VALUE_CHARS:  # one line when it fits, else one item a line
                text = json.dumps(value, ensure_ascii=False, indent=2)
        except (TypeError, ValueError):
            text = repr(value)
    return truncate_text(text, MAX_VALUE_CHARS)


def _value_lang(result: ExecuteResult) -> str:
    return "text" if isinstance(result.value, str) else "json"


def _logs_text(logs: Iterable[LogEntry]) -> str:
    text = "".join(
        f"[codemode] {entry.text.rstrip()}\n" if entry.stream == "system" else entry.text
        for entry in logs
    )
    return truncate_text(text.rstrip("\n"), MAX_LOG_CHARS)


# -- stubs and Codemode -------------------------------------------------------------------------


def stubs_html(stubs: str) -> str:
    """Python source (the stubs) syntax-highlighted, with pygments when it is installed."""
    lines = stubs.count("\n") + 1
    try:
        from pygments import highlight
        from pygments.formatters import HtmlFormatter
        from pygments.lexers import PythonLexer
    except ImportError:
        code = f'<pre style="{_BOX}">{_h(stubs)}</pre>'
    else:
        code = highlight(stubs, PythonLexer(), HtmlFormatter(noclasses=True, style="default"))
    if lines > STUBS_COLLAPSE_LINES:
        return f"<details><summary>stubs ({lines} lines)</summary>{code}</details>"
    return code


def stubs_markdown(stubs: str) -> str:
    return "\n".join(_fence(stubs.rstrip("\n"), "python")) + "\n"


def codemode_html(cm: Codemode) -> str:
    """A `Codemode`: its tools, executor and limits, then the stubs the model reads."""
    return (
        f'<div style="{_FONT}"><div><strong>Codemode</strong>'
        f'<span style="color: {_MUTED};"> · {_h(_codemode_facts(cm))}</span></div>'
        f"{stubs_html(cm.stubs())}</div>"
    )


def codemode_markdown(cm: Codemode) -> str:
    return f"**Codemode** · {_md(_codemode_facts(cm))}\n\n{stubs_markdown(cm.stubs())}"


def _codemode_facts(cm: Codemode) -> str:
    count = len(cm.tools)
    facts = [f"{count} tool{'' if count == 1 else 's'}", type(cm.executor).__name__]
    if cm.limits.timeout is not None:
        facts.append(f"timeout {cm.limits.timeout:g} s")
    return " · ".join(facts)


# -- helpers ------------------------------------------------------------------------------------


def _h(text: str) -> str:
    return html.escape(text, quote=True)


def _md(text: str) -> str:
    """Text safe inside a Markdown table cell or emphasis."""
    return re.sub(r"([\\`*_|<>\[\]])", r"\\\1", text).replace("\n", " ")


def _code_span(text: str) -> str:
    text = text.replace("\n", " ").replace("|", "\\|")
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    ticks = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


def _fence(text: str, lang: str) -> list[str]:
    longest = max((len(run) for run in re.findall(r"`{3,}", text)), default=2)
    ticks = "`" * (longest + 1)
    return [f"{ticks}{lang}", text, ticks]
