"""Jupyter: rich display of results and stubs, and the `%%codemode` cell magic.

In a notebook an `ExecuteResult` shows the result, the output, the tool-call trace as a table with
durations, and an error with its failing line highlighted; a `Codemode` shows its stubs with syntax
highlighting (`ExecuteResult._repr_html_` and `Codemode._repr_html_` call into this module). Plain
text everywhere else. Importing this module imports neither IPython nor pygments.

    %load_ext codemode

    %%codemode tools [--executor subprocess] [--timeout 5] [--ask]
    weather = await codemode.get_weather(city="Paris")
    weather["temperature"]

`tools` names a `Codemode`, or a list of functions or tools, in the notebook's namespace; the cell is
run as model code and its `ExecuteResult` is the cell's value. The cell runs on the kernel's event
loop, so async tools bound to it (an MCP session opened in an earlier cell) work.

A call that waits for approval: with `--ask` the magic asks in the notebook (`input()`: `y`
approves, anything else rejects, with what was typed as the reason); without it the paused result
shows the calls that wait with their ids, for `cm.resume(result, approve=[...])`.
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import dataclasses
import html
import json
import re
import shlex
from collections.abc import Callable, Coroutine, Iterable
from typing import TYPE_CHECKING, Any, NoReturn

from .._result import ExecuteError, ExecuteResult, LogEntry, ToolCall, truncate_text

if TYPE_CHECKING:
    from .._codemode import Codemode
    from ..executors import Executor

__all__ = [
    "ask",
    "codemode_html",
    "codemode_markdown",
    "load_ipython_extension",
    "result_html",
    "result_markdown",
    "stubs_html",
    "stubs_markdown",
    "unload_ipython_extension",
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


# -- the %%codemode cell magic ------------------------------------------------------------------

MAGIC = "codemode"


class _ArgumentParser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise ValueError(message)  # argparse would print and exit; the shell shows this instead


def _parser() -> argparse.ArgumentParser:
    parser = _ArgumentParser(
        prog="%%codemode",
        description="Run the cell as model code against the tools and show the ExecuteResult.",
        exit_on_error=False,
        add_help=False,
    )
    parser.add_argument("tools", help="a Codemode, or a list of functions or tools, by name")
    parser.add_argument("--executor", choices=["inprocess", "subprocess"], default=None)
    parser.add_argument("--timeout", type=float, default=None, help="seconds")
    parser.add_argument(
        "--ask", action="store_true", help="ask with input() about calls that wait for approval"
    )
    return parser


@dataclasses.dataclass
class _Cell:
    cm: Codemode
    timeout: float | None
    owned: Executor | None  # an executor made for this cell, closed after it
    ask: bool = False  # ask about calls that wait for approval with input()


def _prepare(line: str, namespace: dict[str, Any]) -> _Cell:
    from IPython.core.error import UsageError

    from .._codemode import Codemode

    try:
        args = _parser().parse_args(shlex.split(line))
    except (argparse.ArgumentError, ValueError) as exc:
        raise UsageError(
            f"%%codemode: {exc}\nusage: %%codemode TOOLS [--executor subprocess] [--timeout 5] "
            "[--ask]"
        ) from None
    target = _lookup(args.tools, namespace)
    owned = _executor(args.executor)
    if isinstance(target, Codemode):
        cm = target
        if owned is not None:  # the same tools and limits on the executor asked for
            cm = target.with_executor(owned)
    else:
        items = [target] if callable(target) else target
        if isinstance(items, str | bytes) or not isinstance(items, Iterable):
            raise UsageError(
                f"%%codemode: {args.tools} is a {type(target).__name__}; expected a Codemode, "
                "or a list of functions or tools"
            )
        cm = Codemode(items, executor=owned)
    return _Cell(cm=cm, timeout=args.timeout, owned=owned, ask=args.ask)


def _lookup(name: str, namespace: dict[str, Any]) -> Any:
    from IPython.core.error import UsageError

    first, *rest = name.split(".")
    if first not in namespace:
        raise UsageError(f"%%codemode: no variable named {first!r} in the notebook")
    value = namespace[first]
    for part in rest:
        try:
            value = getattr(value, part)
        except AttributeError:
            raise UsageError(f"%%codemode: {name!r}: no attribute {part!r}") from None
    return value


def _executor(name: str | None) -> Executor | None:
    from IPython.core.error import UsageError

    if name is None:
        return None
    from .. import executors

    if name == "inprocess":
        return executors.InProcessExecutor()
    factory: Callable[[], Executor] | None = getattr(executors, "SubprocessExecutor", None)
    if factory is None:
        raise UsageError(
            "%%codemode --executor subprocess: this version of codemode has no "
            "codemode.executors.SubprocessExecutor; run without --executor"
        )
    return factory()


async def _execute(cell: _Cell, code: str) -> ExecuteResult:
    try:
        result = await cell.cm.execute(code, timeout=cell.timeout)
        while cell.ask and result.pending:
            approve, reject = ask(result)
            result = await cell.cm.resume(
                result, approve=approve, reject=reject, timeout=cell.timeout
            )
    finally:
        if cell.owned is not None:
            await cell.owned.aclose()
    return _with_source_line(result, code)


def ask(
    result: ExecuteResult, read: Callable[[str], str] | None = None
) -> tuple[list[str], dict[str, str]]:
    """Ask about each call `result` waits on (`input()` by default): `y` or `yes` approves,
    anything else rejects, and what was typed (if more than `n`) is the reason."""
    read = read or input  # looked up now: the kernel puts its own input() in builtins
    approve: list[str] = []
    reject: dict[str, str] = {}
    for call in result.pending:
        answer = read(f"approve {call.describe()}? [y/N or a reason] ").strip()
        if answer.lower() in ("y", "yes"):
            approve.append(call.id)
        else:
            reject[call.id] = answer if answer.lower() not in ("", "n", "no") else "rejected"
    return approve, reject


def _with_source_line(result: ExecuteResult, code: str) -> ExecuteResult:
    """Errors found before the code runs carry a line but no traceback; give them the line's
    text, as the executor does for its own errors, so the failing line shows."""
    error = result.error
    if error is None or error.line is None or error.traceback:
        return result
    lines = code.splitlines()
    if not 0 < error.line <= len(lines):
        return result
    trace = f"  line {error.line}: {lines[error.line - 1].strip()}"
    return dataclasses.replace(result, error=dataclasses.replace(error, traceback=trace))


async def run_cell_async(line: str, cell: str) -> ExecuteResult:
    """What an `%%codemode` cell becomes when the shell can await it on its own event loop."""
    from IPython import get_ipython

    shell = get_ipython()
    namespace: dict[str, Any] = shell.user_ns if shell is not None else {}
    return await _execute(_prepare(line, namespace), cell)


def _await_transform(shell: Any) -> Callable[[list[str]], list[str]]:
    """A cleanup transform that turns `%%codemode ...` cells into `await run_cell_async(...)`.

    IPython magics are synchronous; awaiting the execution instead lets the kernel run it on its
    own event loop, where the notebook's async clients live. Used only where the shell awaits top
    level code on asyncio (autoawait on, the asyncio runner); elsewhere the plain magic runs.
    """

    def transform(lines: list[str]) -> list[str]:
        if not lines or not re.match(rf"%%{MAGIC}(\s|$)", lines[0]) or not _can_await(shell):
            return lines
        line = lines[0][len(MAGIC) + 2 :].strip()
        body = "".join(lines[1:])
        call = f"__import__({__name__!r}, fromlist=['_']).run_cell_async({line!r}, {body!r})"
        return [f"await {call}\n"]

    # IPython skips transforms with side effects when it only checks whether input is complete,
    # so the terminal still sees a cell magic there and waits for the closing blank line.
    transform.has_side_effects = True  # type: ignore[attr-defined]
    return transform


def _can_await(shell: Any) -> bool:
    try:
        from IPython.core.interactiveshell import _asyncio_runner  # type: ignore[attr-defined]
    except ImportError:  # pragma: no cover - older IPython
        return False
    return bool(getattr(shell, "autoawait", False)) and shell.loop_runner is _asyncio_runner


def _cell_magic(shell: Any) -> Callable[[str, str | None], ExecuteResult]:
    def codemode(line: str, cell: str | None = None) -> ExecuteResult:
        """%%codemode TOOLS [--executor subprocess] [--timeout SECONDS] [--ask]

        Run the cell as model code against TOOLS (a Codemode, or a list of functions or tools in
        the notebook's namespace) and show the ExecuteResult.
        """
        prepared = _prepare(line, shell.user_ns)
        return _run_sync(_execute(prepared, cell or ""))

    return codemode


def _run_sync(coro: Coroutine[Any, Any, ExecuteResult]) -> ExecuteResult:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    # inside a running loop that cannot be awaited here: a private loop in a helper thread
    with concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="codemode") as pool:
        return pool.submit(asyncio.run, coro).result()


_INSTALLED: dict[int, Callable[[list[str]], list[str]]] = {}


def load_ipython_extension(shell: Any) -> None:
    """`%load_ext codemode`: register `%%codemode`."""
    shell.register_magic_function(_cell_magic(shell), magic_kind="cell", magic_name=MAGIC)
    if id(shell) not in _INSTALLED:
        transform = _await_transform(shell)
        shell.input_transformers_cleanup.append(transform)
        _INSTALLED[id(shell)] = transform


def unload_ipython_extension(shell: Any) -> None:
    transform = _INSTALLED.pop(id(shell), None)
    if transform is not None and transform in shell.input_transformers_cleanup:
        shell.input_transformers_cleanup.remove(transform)
    shell.magics_manager.magics["cell"].pop(MAGIC, None)
