"""Codemode end to end (in-process, as the `cm` fixture makes it; then the default executor):
shapes of code, errors, limits, events."""

from __future__ import annotations

import asyncio
import sys
from typing import Any

import pytest

from codemode import Codemode, ExecuteResult, LogEntry, ToolCall
from codemode.executors import InProcessExecutor, SubprocessExecutor, default_executor


async def test_async_main_with_gather(cm: Codemode) -> None:
    code = """
async def main():
    a, b = await asyncio.gather(
        codemode.get_weather(city="Paris"), codemode.get_weather(city="Lisbon")
    )
    print("got", a["city"], b["city"])
    return max(a, b, key=lambda w: w["temperature"])["city"]
"""
    result = await cm.execute(code)
    assert result.ok, result.error
    assert result.value == "Lisbon"
    assert result.stdout == "got Paris Lisbon\n"
    assert [c.name for c in result.tool_calls] == ["get_weather", "get_weather"]
    assert all(c.ok for c in result.tool_calls)


@pytest.mark.parametrize(
    "code",
    [
        "def main():\n    return 42\n",
        "async def run():\n    return 42\n",
        "x = 40\nx + 2\n",
        "r = await codemode.add(a=40, b=2)\nr\n",
        "```python\nasync def main():\n    return 42\n```",
        "Sure:\n```py\ndef main():\n    return 42\n```\nDone.",
        "import asyncio\nasync def main():\n    return 42\n\nasyncio.run(main())\n",
        "async def main():\n    return 42\n\nif __name__ == '__main__':\n    asyncio.run(main())\n",
        "return 42\n",
        "x = await codemode.add(a=41)\nif x > 1:\n    return x\nreturn 0\n",
        "def main():\n    return 42\n\nprint('defined')\n",
    ],
    ids=[
        "def-main",
        "other-async-name",
        "final-expression",
        "top-level-await",
        "fence",
        "fence-prose",
        "asyncio-run",
        "main-guard",
        "top-level-return",
        "early-return",
        "main-not-called-then-expression",
    ],
)
async def test_code_shapes(cm: Codemode, code: str) -> None:
    result = await cm.execute(code)
    assert result.ok, result.error
    assert result.value == 42


async def test_tool_called_with_single_dict(cm: Codemode) -> None:
    result = await cm.execute("await codemode.echo_tool({'text': 'hi', 'count': 2})")
    assert result.ok, result.error
    assert result.value == {"text": "hi", "count": 2}


async def test_unknown_tool_is_validation_error_with_suggestion(cm: Codemode) -> None:
    result = await cm.execute("async def main():\n    return await codemode.get_wether(city='x')")
    assert not result.ok and result.error is not None
    assert result.error.type == "validation"
    assert "get_weather" in result.error.message
    assert result.error.line == 2
    assert result.tool_calls == ()  # nothing ran


async def test_unknown_keyword_found_before_running(cm: Codemode) -> None:
    result = await cm.execute("print('ran')\nawait codemode.echo_tool(txt='x')")
    assert result.error is not None and result.error.type == "validation"
    assert "'txt'" in result.error.message and "'text'" in result.error.message
    assert result.logs == ()


async def test_bad_argument_type_is_catchable_and_never_reaches_tool(cm: Codemode) -> None:
    code = """
try:
    await codemode.add(a="one")
except ToolArgumentError as e:
    print("caught:", e)
"""
    result = await cm.execute(code)
    assert result.ok, result.error
    assert "caught: add(): argument 'a'" in result.stdout
    assert result.tool_calls[0].ok is False


async def test_uncaught_tool_failure_is_tool_error(cm: Codemode) -> None:
    result = await cm.execute("await codemode.get_weather(city='Atlantis')")
    assert result.error is not None and result.error.type == "tool"
    assert "unknown city Atlantis" in result.error.message
    assert result.tool_calls[0].error is not None


async def test_syntax_error_names_line(cm: Codemode) -> None:
    result = await cm.execute("x = 1\ndef main(:\n    pass\n")
    assert result.error is not None and result.error.type == "syntax"
    assert result.error.line == 2


async def test_runtime_error_line_and_model_only_traceback(cm: Codemode) -> None:
    code = "def helper(x):\n    return 1 / x\n\ndef main():\n    return helper(0)\n"
    result = await cm.execute(code)
    assert result.error is not None and result.error.type == "runtime"
    assert result.error.line == 2
    assert result.error.exception == "ZeroDivisionError"
    trace = result.error.traceback or ""
    assert "line 5, in main" in trace and "line 2, in helper" in trace
    assert "/" not in trace.replace("1 / x", "")  # no host paths


async def test_max_tool_calls(tools: list[Any]) -> None:
    cm = Codemode(tools, max_tool_calls=3)
    result = await cm.execute("for i in range(10):\n    await codemode.add(a=i)\n")
    assert result.error is not None and result.error.type == "policy"
    assert len(result.tool_calls) == 3


async def test_log_truncation(cm: Codemode) -> None:
    result = await cm.execute("for i in range(10000):\n    print('x' * 50)\n", max_log_chars=1000)
    assert sum(len(e.text) for e in result.logs if e.stream == "stdout") == 1000
    assert result.logs[-1].stream == "system" and "truncated" in result.logs[-1].text


async def test_result_too_large_is_output_error(cm: Codemode) -> None:
    result = await cm.execute("['x' * 100] * 100", max_result_chars=1000)
    assert result.error is not None and result.error.type == "output"


async def test_on_event_streams_logs_and_calls(cm: Codemode) -> None:
    events: list[Any] = []
    result = await cm.execute(
        "print('a')\nawait codemode.add(a=1)\nprint('b')", on_event=events.append
    )
    assert result.ok
    kinds = [type(e) for e in events]
    assert kinds == [LogEntry, ToolCall, LogEntry]
    assert events[0].text == "a\n"


async def test_non_json_value_is_converted_with_note(cm: Codemode) -> None:
    result = await cm.execute("import datetime\n{'when': datetime.date(2026, 1, 2), 's': {1}}")
    assert result.ok
    assert result.value == {"when": "2026-01-02", "s": [1]}


def test_execute_sync_inside_running_loop(cm: Codemode) -> None:
    async def inner() -> ExecuteResult:
        return cm.execute_sync("await codemode.add(a=1, b=2)")

    assert asyncio.run(inner()).value == 3


def test_prompt_contains_stubs_and_instructions(cm: Codemode) -> None:
    prompt = cm.prompt()
    assert "async def main()" in prompt
    assert "asyncio.gather" in prompt
    assert cm.stubs() in prompt
    assert "json" in prompt  # allowed modules are listed


def test_stubs_are_deterministic(tools: list[Any]) -> None:
    assert Codemode(tools).stubs() == Codemode(tools).stubs()


async def test_tool_argument_size_is_capped(cm: Codemode) -> None:
    code = "async def main():\n    return await codemode.echo_tool(text='x' * 2_000_000)\n"
    result = await cm.execute(code)
    assert result.error is not None and result.error.type == "validation"
    assert "larger than 1000000 characters" in result.error.message
    assert result.tool_calls[0].ok is False  # recorded, never run


async def test_with_executor_keeps_tools_and_limits(cm: Codemode) -> None:
    from codemode.executors import InProcessExecutor

    other = cm.with_executor(InProcessExecutor())
    assert other.executor is not cm.executor
    assert other.limits == cm.limits and other.stubs() == cm.stubs()
    assert (await other.execute("await codemode.add(a=1)")).value == 2


async def test_a_failing_on_event_callback_is_logged_and_dropped(
    cm: Codemode, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(event: object) -> None:
        raise RuntimeError("callback bug")

    with caplog.at_level("WARNING", logger="codemode"):
        result = await cm.execute("print('a')\nprint('b')\n1", on_event=broken)
    assert result.value == 1
    assert "on_event callback failed and was dropped" in caplog.text
    assert "callback bug" in caplog.text


@pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="the subprocess default is Linux's"
)
async def test_default_executor_isolates_model_code(tools: list[Any]) -> None:
    # Model code may have read hostile text: by default it runs in a process of its own.
    async with Codemode(tools, timeout=10) as cm:
        assert isinstance(cm.executor, SubprocessExecutor)
        result = await cm.execute(
            "import asyncio\n"
            "a, b = await asyncio.gather(codemode.add(a=1, b=2), codemode.get_weather(city='Paris'))\n"
            "print('sum', a)\n"
            "return [a, b['temperature']]"
        )
        assert result.ok, result.error
        assert result.value == [3, 14.0]
        assert result.stdout == "sum 3\n"
        assert [call.name for call in result.tool_calls] == ["add", "get_weather"]


def test_default_executor_by_platform(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "platform", "darwin")
    assert isinstance(default_executor(), InProcessExecutor)
    monkeypatch.setattr(sys, "platform", "linux")
    assert isinstance(default_executor(), SubprocessExecutor)


def test_default_executor_in_sync_code(tools: list[Any]) -> None:
    cm = Codemode(tools, timeout=10)
    first = cm.execute_sync("return await codemode.add(a=2, b=2)")
    second = cm.execute_sync("return await codemode.add(a=3, b=3)")  # another event loop
    assert (first.value, second.value) == (4, 6)
    asyncio.run(cm.aclose())


async def test_default_executor_mixes_await_and_execute_sync(tools: list[Any]) -> None:
    # Jupyter: one cell awaits, another calls execute_sync while the kernel's loop runs.
    async with Codemode(tools, timeout=10) as cm:
        assert (await cm.execute("return await codemode.add(a=1, b=1)")).value == 2
        assert cm.execute_sync("return await codemode.add(a=2, b=2)").value == 4
        assert cm.execute_sync("return await codemode.add(a=3, b=3)").value == 6
        assert (await cm.execute("return await codemode.add(a=4, b=4)")).value == 8
