"""OpenTelemetry spans for runs and tool calls, when `opentelemetry-api` is installed.

`pip install "codemode[otel]"` and configure a tracer provider as usual (the SDK, an exporter);
then every `Codemode.execute` is a span, `codemode.execute`, with one child span per tool call,
`execute_tool <name>`, named and attributed after the OpenTelemetry GenAI semantic conventions
where they fit:

- run: `codemode.executor`, `codemode.code.chars`, `codemode.tool_calls`,
  `codemode.tool_calls.failed`, and for a failed run `error.type` (the `ExecuteError` type:
  `runtime`, `timeout`, ...), `code.lineno` (the program's line) and an error status;
- tool call: `gen_ai.operation.name` = `execute_tool`, `gen_ai.tool.name`, `gen_ai.tool.type` =
  `function`, `codemode.tool.arguments.chars` (the size of the arguments as JSON, never their
  content), `code.lineno` (the line of the program that made the call, when it awaited the call
  itself rather than through `asyncio.gather`), and for a failed call `error.type` and an error status. Durations are the spans'.

Without `opentelemetry-api`, or with no tracer provider configured, nothing is recorded and a
tool call costs what it did before: the traced bridge is only used when a provider is set.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping
from types import FrameType
from typing import TYPE_CHECKING, Any

from ._program import FILENAME
from .executors._base import CheckOutputs, EventHandler, ToolBridge

if TYPE_CHECKING:
    from ._result import ExecuteResult, Limits
    from ._tools import Tool

try:
    from opentelemetry import context as otel_context
    from opentelemetry import trace
except ImportError:  # the `otel` extra is not installed: no spans
    trace = None  # type: ignore[assignment]
    otel_context = None  # type: ignore[assignment]

INSTRUMENTATION = "codemode"


def tracer() -> Any:
    """The tracer to record with, or None when there is nowhere for spans to go."""
    if trace is None:
        return None
    # The global the API keeps, read directly: `get_tracer_provider()` looks at os.environ on
    # every call (microseconds, on every run). It stays None until a provider is set.
    provider: Any = getattr(trace, "_TRACER_PROVIDER", _UNKNOWN)
    if provider is None:
        return None
    if provider is _UNKNOWN:  # an API without that global: ask it
        provider = trace.get_tracer_provider()
    cached = _cache[0]
    if cached is not None and cached[0] is provider:
        return cached[1]
    if isinstance(provider, trace.ProxyTracerProvider | trace.NoOpTracerProvider):
        active = None  # no SDK configured: spans would be dropped anyway
    else:
        from . import __version__

        active = provider.get_tracer(INSTRUMENTATION, __version__)
    _cache[0] = (provider, active)
    return active


_cache: list[tuple[Any, Any] | None] = [None]  # the provider last seen, and its tracer
_UNKNOWN = object()

if trace is not None and "OTEL_PYTHON_TRACER_PROVIDER" in os.environ:
    trace.get_tracer_provider()  # sets the global from the environment, as the API would


class Run:
    """One traced run: its span (current while the run is, so tool spans become its children)
    and the bridge that records the tool calls under it."""

    def __init__(
        self,
        active: Any,
        executor: object,
        code: object,
        tools: Mapping[str, Tool],
        limits: Limits,
        on_event: EventHandler | None,
        check_outputs: CheckOutputs = "warn",
    ) -> None:
        self.span = active.start_span(
            "codemode.execute",
            attributes={
                "codemode.executor": type(executor).__name__,
                "codemode.code.chars": len(code) if isinstance(code, str) else 0,
            },
        )
        self._context = trace.set_span_in_context(self.span)
        self._token: Any = None
        self.bridge = TracedToolBridge(
            tools, limits, on_event, active, self._context, check_outputs=check_outputs
        )

    def enter(self) -> None:
        """Make the run's span the current one (until `end`)."""
        self._token = otel_context.attach(self._context)

    def end(self, result: ExecuteResult | None) -> None:
        """End the span with what the run gave (None: the caller was cancelled)."""
        if self._token is not None:
            otel_context.detach(self._token)
            self._token = None
        span = self.span
        if result is not None:
            span.set_attribute("codemode.tool_calls", len(result.tool_calls))
            failed = sum(1 for call in result.tool_calls if not call.ok)
            span.set_attribute("codemode.tool_calls.failed", failed)
            error = result.error
            if error is not None:
                span.set_attribute("error.type", error.type)
                if error.line is not None:
                    span.set_attribute("code.lineno", error.line)
                span.set_status(trace.Status(trace.StatusCode.ERROR, error.describe()[:500]))
        else:
            span.set_attribute("error.type", "cancelled")
        span.end()


class TracedToolBridge(ToolBridge):
    """A `ToolBridge` that records each tool call as a span under the run's span.

    The run's context is given, not taken from the caller: a subprocess worker's calls start
    from the event loop's callbacks, outside the run's task, and still belong under its span.
    """

    __slots__ = ("_parent", "_tracer")

    def __init__(
        self,
        tools: Mapping[str, Tool],
        limits: Limits,
        on_event: EventHandler | None,
        active: Any,
        parent: Any,
        *,
        check_outputs: CheckOutputs = "warn",
    ) -> None:
        super().__init__(tools, limits, on_event, check_outputs=check_outputs)
        self._tracer = active
        self._parent = parent  # the run span's context

    async def call(self, name: str, args: Mapping[str, Any], line: int | None = None) -> Any:
        attributes: dict[str, Any] = {
            "gen_ai.operation.name": "execute_tool",
            "gen_ai.tool.name": name,
            "gen_ai.tool.type": "function",
            "codemode.tool.arguments.chars": _json_size(args),
        }
        if line is None:
            line = _program_line()
        if line is not None:
            attributes["code.lineno"] = line
        with self._tracer.start_as_current_span(
            f"execute_tool {name}",
            context=self._parent,
            attributes=attributes,
            record_exception=False,  # the message is the model's to see, not the trace's
            set_status_on_exception=False,
        ) as span:
            try:
                return await super().call(name, args, line)
            except BaseException as exc:
                kind = type(exc).__name__ if isinstance(exc, Exception) else "cancelled"
                span.set_attribute("error.type", kind)
                span.set_status(trace.Status(trace.StatusCode.ERROR, str(exc)[:500]))
                raise


def _json_size(args: Mapping[str, Any]) -> int:
    try:
        return len(json.dumps(args, ensure_ascii=False, default=repr))
    except (TypeError, ValueError, RecursionError):
        return -1


def _program_line() -> int | None:
    """The line of model code that made the call, when it runs in this thread (in-process)."""
    frame: FrameType | None = sys._getframe(2)
    for _ in range(50):
        if frame is None:
            return None
        if frame.f_code.co_filename == FILENAME:
            return frame.f_lineno
        frame = frame.f_back
    return None


__all__ = ["Run", "TracedToolBridge", "tracer"]
