"""OpenTelemetry: a span per run and per tool call, read back with the SDK's in-memory exporter;
nothing recorded, and nothing needed, without a provider or without the package."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Iterator
from typing import Any

import pytest

pytest.importorskip("opentelemetry.sdk")

from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import StatusCode

from codemode import Codemode
from codemode.executors import InProcessExecutor, SubprocessExecutor


@pytest.fixture
def spans(monkeypatch: pytest.MonkeyPatch) -> Iterator[InMemorySpanExporter]:
    """A tracer provider for this test only (the API lets a process set one once)."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    monkeypatch.setattr(trace, "_TRACER_PROVIDER", provider)
    yield exporter
    provider.shutdown()


PROGRAM = """
async def main():
    a = await codemode.get_weather(city="Paris")
    b, c = await asyncio.gather(codemode.add(a=1, b=2), codemode.add(a=3, b=4))
    try:
        await codemode.get_weather(city="Atlantis")
    except ToolError:
        pass
    return a["city"]
"""


def by_name(exporter: InMemorySpanExporter) -> dict[str, list[Any]]:
    found: dict[str, list[Any]] = {}
    for span in exporter.get_finished_spans():
        found.setdefault(span.name, []).append(span)
    return found


async def test_a_run_and_its_tool_calls_are_spans(
    spans: InMemorySpanExporter, tools: list[Any]
) -> None:
    result = await Codemode(tools, timeout=5, executor=InProcessExecutor()).execute(PROGRAM)
    assert result.ok, result.error
    found = by_name(spans)
    (run,) = found["codemode.execute"]
    assert run.attributes["codemode.executor"] == "InProcessExecutor"
    assert run.attributes["codemode.code.chars"] == len(PROGRAM)
    assert run.attributes["codemode.tool_calls"] == 4
    assert run.attributes["codemode.tool_calls.failed"] == 1
    assert run.status.status_code is StatusCode.UNSET
    calls = found["execute_tool get_weather"] + found["execute_tool add"]
    assert len(calls) == 4
    for span in calls:
        assert span.parent is not None and span.parent.span_id == run.context.span_id
        assert span.attributes["gen_ai.operation.name"] == "execute_tool"
        assert span.attributes["gen_ai.tool.type"] == "function"
        assert span.attributes["codemode.tool.arguments.chars"] > 0
        assert span.end_time > span.start_time
    paris, atlantis = found["execute_tool get_weather"]
    assert paris.attributes["gen_ai.tool.name"] == "get_weather"
    assert paris.attributes["code.lineno"] == 3  # the program's line that made the call
    assert paris.attributes["codemode.tool.arguments.chars"] == len('{"city": "Paris"}')
    assert "error.type" not in paris.attributes
    assert atlantis.attributes["error.type"] == "ToolError"
    assert atlantis.status.status_code is StatusCode.ERROR
    assert atlantis.attributes["code.lineno"] == 6
    # a call started by gather runs in a task of its own: no model frame under it, no line
    assert all("code.lineno" not in span.attributes for span in found["execute_tool add"])


async def test_a_failed_run_says_how_and_where(
    spans: InMemorySpanExporter, tools: list[Any]
) -> None:
    result = await Codemode(tools, timeout=5).execute("x = 1\n1 / 0")
    assert not result.ok
    (run,) = by_name(spans)["codemode.execute"]
    assert run.attributes["error.type"] == "runtime"
    assert run.attributes["code.lineno"] == 2
    assert run.status.status_code is StatusCode.ERROR
    assert "ZeroDivisionError" in (run.status.description or "")


async def test_subprocess_tool_calls_are_children_of_the_run(
    spans: InMemorySpanExporter, tools: list[Any]
) -> None:
    async with SubprocessExecutor(max_workers=1) as executor:
        result = await Codemode(tools, executor=executor, timeout=10).execute(PROGRAM)
    assert result.ok, result.error
    found = by_name(spans)
    (run,) = found["codemode.execute"]
    assert run.attributes["codemode.executor"] == "SubprocessExecutor"
    calls = found["execute_tool get_weather"] + found["execute_tool add"]
    assert len(calls) == 4
    assert all(
        span.parent is not None and span.parent.span_id == run.context.span_id for span in calls
    )
    # the worker says which line made each call it awaited itself (not those under gather)
    paris, atlantis = found["execute_tool get_weather"]
    assert (paris.attributes["code.lineno"], atlantis.attributes["code.lineno"]) == (3, 6)
    assert all("code.lineno" not in span.attributes for span in found["execute_tool add"])


async def test_nothing_is_recorded_without_a_provider(tools: list[Any]) -> None:
    from codemode import _telemetry

    assert trace._TRACER_PROVIDER is None  # none set in this test process
    assert _telemetry.tracer() is None
    assert (await Codemode(tools).execute("1 + 1")).value == 2


def test_without_opentelemetry_installed_nothing_changes() -> None:
    script = textwrap.dedent(
        """
        import sys
        sys.modules["opentelemetry"] = None  # as if the otel extra were not installed
        from codemode import Codemode, _telemetry
        assert _telemetry.tracer() is None
        def add(a: int, b: int) -> int:
            '''Add.'''
            return a + b
        print(Codemode([add]).execute_sync("await codemode.add(a=1, b=2)").value)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "3"
