"""Jupyter: rich display of results and stubs, and the %%codemode cell magic on a real IPython
shell."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell

import codemode.executors
from codemode import Codemode, ExecuteError, ExecuteResult, LogEntry, ToolCall
from codemode.adapters.jupyter import (
    codemode_html,
    codemode_markdown,
    result_html,
    result_markdown,
    stubs_html,
)

OK = ExecuteResult(
    ok=True,
    value={"city": "<Paris>", "temps": [14.0, 15.5]},
    logs=(LogEntry("stdout", "hello <b>\n"), LogEntry("system", "result: a note")),
    tool_calls=(
        ToolCall("get_weather", {"city": "Paris"}, ok=True, duration_ms=12.345),
        ToolCall("get_weather", {"city": "A|B"}, ok=False, duration_ms=3.0, error="no station"),
    ),
    duration_ms=20.0,
)

FAILED = ExecuteResult(
    ok=False,
    error=ExecuteError(
        type="runtime",
        message="ZeroDivisionError: division by zero",
        exception="ZeroDivisionError",
        line=3,
        traceback=(
            "Traceback (most recent call last):\n"
            "  line 5, in main: return helper()\n"
            "  line 3, in helper: return 1 / 0\n"
            "ZeroDivisionError: division by zero"
        ),
    ),
    duration_ms=1.0,
)


# -- rendering ----------------------------------------------------------------------------------


def test_result_html_shows_value_logs_and_the_call_table() -> None:
    page = result_html(OK)
    assert "✓ ok" in page
    assert "2 tool calls (1 failed)" in page
    assert "&lt;Paris&gt;" in page and "<Paris>" not in page  # escaped
    assert "hello &lt;b&gt;" in page
    assert "[codemode] result: a note" in page
    assert page.count("<tr") == 3  # header and one row per call
    assert "12.3</td>" in page and "3.0</td>" in page  # durations
    assert "✗ no station" in page


def test_result_html_highlights_the_failing_line() -> None:
    page = result_html(FAILED)
    assert "runtime error at line 3: ZeroDivisionError: division by zero" in page
    marked = page.split('font-weight: bold;">', 1)[1].split("</span>", 1)[0]
    assert marked == "  line 3, in helper: return 1 / 0"
    assert "line 5, in main: return helper()" in page


def test_result_markdown() -> None:
    text = result_markdown(OK)
    assert text.startswith("**✓ ok** · 2 tool calls (1 failed) · 20.0 ms")
    assert '| 1 | `get_weather` | `{"city": "Paris"}` | 12.3 | ok |' in text
    assert '`{"city": "A\\|B"}`' in text  # a pipe cannot end the table cell
    failed = result_markdown(FAILED)
    assert "→ line 3, in helper: return 1 / 0" in failed
    assert "  line 5, in main" in failed


def test_results_and_codemode_display_richly(cm: Codemode) -> None:
    result = cm.execute_sync("await codemode.add(a=1, b=2)")
    assert result._repr_html_() == result_html(result)
    assert result._repr_markdown_() == result_markdown(result)
    page = cm._repr_html_()
    assert page == codemode_html(cm)
    assert "3 tools" in page and "InProcessExecutor" in page
    assert ">get_weather</span>" in page  # highlighted by pygments
    markdown = cm._repr_markdown_()
    assert markdown == codemode_markdown(cm)
    assert "```python\n" + cm.stubs().rstrip("\n") + "\n```" in markdown


def test_long_stubs_are_collapsed() -> None:
    stubs = "\n".join(f"async def tool_{i}() -> int: ..." for i in range(500))
    assert stubs_html(stubs).startswith("<details><summary>stubs (500 lines)</summary>")


def test_importing_codemode_loads_neither_ipython_nor_mcp() -> None:
    code = (
        "import sys, codemode, codemode.adapters.jupyter as j\n"
        "r = codemode.Codemode([]).execute_sync('1 + 1')\n"
        "assert r._repr_html_()\n"
        "loaded = [m for m in ('IPython', 'mcp', 'pygments') if m in sys.modules]\n"
        "assert not loaded, loaded\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# -- the %%codemode magic on a real IPython shell ----------------------------------------------


async def slow_add(a: int, b: int = 1) -> int:
    """Add two integers, slowly."""
    await asyncio.sleep(0.01)
    return a + b


@pytest.fixture(scope="module")
def shell() -> Iterator[InteractiveShell]:
    shell = InteractiveShell.instance()
    shell.run_cell("%load_ext codemode", store_history=False)
    yield shell
    InteractiveShell.clear_instance()


@pytest.fixture
def ip(shell: InteractiveShell) -> Iterator[InteractiveShell]:
    shell.user_ns["tools"] = [slow_add]
    shell.autoawait = True
    yield shell
    shell.autoawait = True


def cell(shell: InteractiveShell, source: str) -> Any:
    outcome = shell.run_cell(source, store_history=False)
    if outcome.error_in_exec is not None:
        raise outcome.error_in_exec
    return outcome.result


def test_magic_runs_the_cell_as_model_code(ip: InteractiveShell) -> None:
    result = cell(
        ip, '%%codemode tools\nx = await codemode.slow_add(a=1, b=2)\nprint("x", x)\nx * 10\n'
    )
    assert isinstance(result, ExecuteResult)
    assert result.ok, result.error
    assert result.value == 30
    assert result.stdout == "x 3\n"
    assert [c.name for c in result.tool_calls] == ["slow_add"]


def test_magic_runs_on_the_shells_event_loop(ip: InteractiveShell) -> None:
    # async tools bound to the notebook's loop (an MCP session, an HTTP client) need this
    cell(ip, "import asyncio\nawait asyncio.sleep(0)\nhome = asyncio.get_running_loop()\n")
    cell(ip, "async def on_home_loop() -> bool:\n    return asyncio.get_running_loop() is home\n")
    cell(ip, "here = [on_home_loop]")
    assert cell(ip, "%%codemode here\nawait codemode.on_home_loop()\n").value is True
    ip.autoawait = False  # then the plain magic runs it, on a private loop
    assert cell(ip, "%%codemode here\nawait codemode.on_home_loop()\n").value is False


def test_magic_takes_a_codemode_and_a_timeout(ip: InteractiveShell) -> None:
    ip.user_ns["cm"] = Codemode([slow_add], max_tool_calls=1)
    result = cell(ip, "%%codemode cm --timeout 0.2\nwhile True:\n    pass\n")
    assert result.error.type == "timeout"
    assert "0.2 seconds" in result.error.message
    # --executor inprocess makes a new Codemode over the same tools, with the same limits
    code = "%%codemode cm --executor inprocess\nawait codemode.slow_add(a=1)\nawait codemode.slow_add(a=2)\n"
    result = cell(ip, code)
    assert result.error.type == "policy"
    assert "tool call limit" in result.error.message


def test_magic_failure_shows_the_failing_line(ip: InteractiveShell) -> None:
    result = cell(ip, "%%codemode tools\nx = 1\nawait codemode.slow_ad(a=x)\n")
    assert result.error.type == "validation"
    assert result.error.traceback == "  line 2: await codemode.slow_ad(a=x)"
    assert 'font-weight: bold;">  line 2: await codemode.slow_ad(a=x)</span>' in result_html(result)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("%%codemode", "the following arguments are required: tools"),
        ("%%codemode nothing_here", "no variable named 'nothing_here'"),
        ("%%codemode tools.missing", "no attribute 'missing'"),
        ("%%codemode number", "number is a int; expected a Codemode"),
        ("%%codemode tools --timeout soon", "invalid float value: 'soon'"),
        ("%%codemode tools --executor docker", "invalid choice: 'docker'"),
    ],
)
def test_magic_usage_errors(ip: InteractiveShell, line: str, message: str) -> None:
    ip.user_ns["number"] = 3
    with pytest.raises(UsageError, match=message):
        cell(ip, line + "\n1\n")


def test_magic_subprocess_executor(ip: InteractiveShell) -> None:
    source = "%%codemode tools --executor subprocess\nawait codemode.slow_add(a=2)\n"
    if not hasattr(codemode.executors, "SubprocessExecutor"):
        with pytest.raises(UsageError, match=r"no codemode\.executors\.SubprocessExecutor"):
            cell(ip, source)
    else:
        result = cell(ip, source)
        assert result.ok, result.error
        assert result.value == 3


def test_terminal_still_waits_for_the_end_of_a_magic_cell(ip: InteractiveShell) -> None:
    status, _ = ip.input_transformer_manager.check_complete("%%codemode tools\nx = 1\n")
    assert status == "incomplete"


def test_unload_removes_the_magic(shell: InteractiveShell) -> None:
    shell.run_cell("%unload_ext codemode", store_history=False)
    assert "codemode" not in shell.magics_manager.magics["cell"]
    assert shell.transform_cell("%%codemode tools\n1\n").startswith("get_ipython().run_cell_magic")
    shell.run_cell("%load_ext codemode", store_history=False)
    assert shell.transform_cell("%%codemode tools\n1\n").startswith("await ")


# -- approvals in the notebook ------------------------------------------------------------------

GUARDED = "%%codemode guarded{flags}\nr = await codemode.refund(order='A1', amount=250)\nr\n"


@pytest.fixture
def guarded(ip: InteractiveShell) -> list[str]:
    from codemode import tool

    done: list[str] = []

    @tool(requires_approval=True)
    async def refund(order: str, amount: int) -> str:
        """Refund an order."""
        done.append(order)
        return f"refunded {amount}"

    ip.user_ns["guarded"] = Codemode([refund])
    return done


def test_magic_shows_a_paused_result_with_the_ids(ip: InteractiveShell, guarded: list[str]) -> None:
    result = cell(ip, GUARDED.format(flags=""))
    assert result.status == "paused" and guarded == []
    [pending] = result.pending
    html_text, markdown = result._repr_html_(), result._repr_markdown_()
    for text in (html_text, markdown):
        assert "paused" in text and pending.id in text and "cm.resume(" in text
    resumed = cell(ip, f"await guarded.resume(_, approve=[{pending.id!r}])")
    assert resumed.value == "refunded 250" and guarded == ["A1"]


def test_magic_asks_with_input(
    ip: InteractiveShell, guarded: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    prompts: list[str] = []
    answers = iter(["y", "not this one"])

    def fake_input(prompt: str = "") -> str:
        prompts.append(prompt)
        return next(answers)

    monkeypatch.setattr("builtins.input", fake_input)
    assert cell(ip, GUARDED.format(flags=" --ask")).value == "refunded 250"
    result = cell(ip, GUARDED.format(flags=" --ask"))
    assert result.error is not None and "not this one" in result.error.message
    assert guarded == ["A1"]
    assert prompts[0].startswith("approve refund(order='A1', amount=250)")


# -- one session per notebook ---------------------------------------------------------------------


@pytest.mark.parametrize("executor", ["", " --executor subprocess"])
@pytest.mark.parametrize("autoawait", [True, False])
def test_cells_share_a_session(ip: InteractiveShell, autoawait: bool, executor: str) -> None:
    ip.autoawait = autoawait  # the awaited cell and the plain magic keep the same session
    ip.user_ns["shared_tools"] = [slow_add]
    cell(
        ip,
        f"%%codemode shared_tools{executor} --reset\nx = await codemode.slow_add(a=1)\ndef twice(v):\n    return 2 * v\n",
    )
    result = cell(ip, f"%%codemode shared_tools{executor}\ntwice(x)\n")
    assert result.ok and result.value == 4, result.error
    fresh = cell(ip, f"%%codemode shared_tools{executor} --fresh\nx\n")
    assert fresh.error is not None and "NameError" in fresh.error.message
    still = cell(ip, f"%%codemode shared_tools{executor}\nx\n")  # --fresh left the session alone
    assert still.value == 2
    reset = cell(ip, f"%%codemode shared_tools{executor} --reset\nx\n")
    assert reset.error is not None and "NameError" in reset.error.message


def test_other_tools_or_a_rebound_name_get_another_session(ip: InteractiveShell) -> None:
    ip.user_ns["first_tools"] = [slow_add]
    ip.user_ns["second_tools"] = [slow_add]
    cell(ip, "%%codemode first_tools --reset\nmine = 1\n")
    other = cell(ip, "%%codemode second_tools\nmine\n")
    assert other.error is not None and "NameError" in other.error.message
    ip.user_ns["first_tools"] = [slow_add]  # a new list: a new session
    rebound = cell(ip, "%%codemode first_tools\nmine\n")
    assert rebound.error is not None and "NameError" in rebound.error.message
