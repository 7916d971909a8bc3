"""A small MCP server for the tests, on the SDK's own server class, run as `python <this file>`.

Tools with nested input schemas and output schemas, plain-text and JSON-text results, one that
fails, and one that only returns once several calls are in flight at the same time; a list and a
scalar result, wrapped as `{"result": ...}` by the SDK, once as the SDK publishes them and once
marked the way the standalone `fastmcp` package marks them. Runs on mcp 2.x (`MCPServer`) and 1.x
(`FastMCP`).
"""

from __future__ import annotations

import asyncio
import base64
import os
from typing import Literal, NotRequired

import mcp.types as mcp_types
from pydantic import BaseModel, Field
from typing_extensions import TypedDict  # pydantic needs it on 3.11

try:
    from mcp.server.mcpserver import Context, MCPServer
    from mcp.server.mcpserver.exceptions import ToolError
    from mcp.server.mcpserver.tools import Tool
except ImportError:  # mcp 1.x
    from mcp.server.fastmcp import Context  # type: ignore[no-redef]
    from mcp.server.fastmcp import FastMCP as MCPServer  # type: ignore[no-redef]
    from mcp.server.fastmcp.exceptions import ToolError  # type: ignore[no-redef]
    from mcp.server.fastmcp.tools import Tool  # type: ignore[no-redef]

_CLIMATE = {"paris": 14.0, "lisbon": 21.0, "oslo": 3.0}


class Place(TypedDict):
    city: str
    country: NotRequired[str]


class Window(BaseModel):
    start_day: int = Field(0, ge=0, description="Days from today.")
    days: int = Field(3, ge=1, le=7)


class Day(TypedDict):
    day: int
    temperature: float


class Forecast(TypedDict):
    city: str
    units: Literal["c", "f"]
    days: list[Day]


def week(city: str) -> list[Day]:
    """Seven days of temperatures for a city (a list: sent as {"result": [...]})."""
    base = _CLIMATE.get(city.lower(), 10.0)
    return [{"day": offset, "temperature": base + offset} for offset in range(7)]


def station_count() -> int:
    """How many weather stations there are (a scalar: sent as {"result": n})."""
    return len(_CLIMATE)


def _marked_as_fastmcp_does(fn: object) -> Tool:
    """A tool whose wrapped output schema carries the marker the standalone `fastmcp` package
    adds (`x-fastmcp-wrap-result`); the SDK's own server wraps the same way without it."""
    tool = Tool.from_function(fn)  # type: ignore[arg-type]
    schema = dict(tool.fn_metadata.output_schema or {})
    schema.pop("title", None)  # fastmcp prunes titles
    tool.fn_metadata.output_schema = {**schema, "x-fastmcp-wrap-result": True}
    return tool


class WeatherServer(MCPServer):  # type: ignore[misc, valid-type]
    """Lists `research` as a tool that can only run as a task, as the reference `everything`
    server does with `simulate-research-query`."""

    async def list_tools(self) -> list[mcp_types.Tool]:
        if os.environ.get("WEATHER_NEVER_LISTS"):  # a server that starts but never answers
            await asyncio.sleep(3600)
        tools = list(await super().list_tools())
        for i, spec in enumerate(tools):
            if spec.name == "research":
                tools[i] = spec.model_copy(
                    update={
                        "execution": mcp_types.ToolExecution.model_validate(
                            {"taskSupport": "required"}
                        )
                    }
                )
        return tools


server = WeatherServer(
    "weather", tools=[_marked_as_fastmcp_does(week), _marked_as_fastmcp_does(station_count)]
)


@server.tool()
def research(topic: str) -> str:
    """Listed as task-only (see WeatherServer)."""
    return f"researched {topic}"


@server.tool(
    title="Read a note",
    annotations=mcp_types.ToolAnnotations.model_validate(
        {"readOnlyHint": True, "openWorldHint": False}
    ),
    structured_output=False,
)
def read_note(name: str) -> str:
    """The text of a note, as stored (`nan`, `1.50`, `"quoted"` and `null` included)."""
    return {"nan": "NaN", "price": "1.50", "quoted": '"quoted"', "null": "null"}.get(name, name)


@server.tool(
    annotations=mcp_types.ToolAnnotations.model_validate(
        {"readOnlyHint": False, "destructiveHint": True, "idempotentHint": True}
    ),
)
def erase_note(name: str) -> str:
    """Erase a note."""
    return f"erased {name}"


_PNG = base64.b64encode(b"\x89PNG" + bytes(3000)).decode()  # 3,004 bytes


@server.tool()
def snapshot() -> mcp_types.CallToolResult:
    """An image, an embedded text and binary resource, and a resource link."""
    return mcp_types.CallToolResult.model_validate(
        {
            "content": [
                {"type": "image", "data": _PNG, "mimeType": "image/png"},
                {
                    "type": "resource",
                    "resource": {
                        "uri": "file:///notes/a.txt",
                        "mimeType": "text/plain",
                        "text": "hi",
                    },
                },
                {
                    "type": "resource",
                    "resource": {"uri": "file:///bin/b", "blob": "AAEC"},
                },
                {
                    "type": "resource_link",
                    "uri": "file:///big.csv",
                    "name": "big.csv",
                    "mimeType": "text/csv",
                    "size": 10_000_000,
                },
            ]
        }
    )


@server.tool()
def environment(name: str) -> str:
    """The server's environment variable `name` (empty when unset)."""
    return os.environ.get(name, "")


@server.tool()
async def log_to_client(text: str, ctx: Context) -> str:  # type: ignore[type-arg]
    """Sends `text` to the client as a log message."""
    await ctx.info(text)
    return "logged"


_cancelled: set[str] = set()


@server.tool()
async def slow(label: str) -> str:
    """Sleeps a minute; a cancellation from the client is recorded under `label`."""
    try:
        await asyncio.sleep(60)
    except asyncio.CancelledError:
        _cancelled.add(label)
        raise
    return "slept"


@server.tool()
async def was_cancelled(label: str) -> bool:
    """Whether the server saw `slow(label)` cancelled (waits up to 5 s for it)."""
    for _ in range(100):
        if label in _cancelled:
            return True
        await asyncio.sleep(0.05)
    return False


@server.tool()
def recent_highs(city: str) -> list[float]:
    """The last three daily highs, wrapped by the SDK without the FastMCP marker."""
    base = _CLIMATE.get(city.lower(), 10.0)
    return [base + 1, base + 2, base + 3]


@server.tool()
def get_forecast(place: Place, window: Window, units: Literal["c", "f"] = "c") -> Forecast:
    """Daily forecast for a place."""
    base = _CLIMATE.get(place["city"].lower())
    if base is None:
        raise ToolError(f"no forecast for {place['city']}")
    days: list[Day] = []
    for offset in range(window.start_day, window.start_day + window.days):
        celsius = base + offset
        days.append(
            {"day": offset, "temperature": celsius if units == "c" else celsius * 9 / 5 + 32}
        )
    return {"city": place["city"], "units": units, "days": days}


@server.tool(name="list-cities", structured_output=False)
def list_cities() -> str:
    """Cities with a weather station, as JSON text."""
    return '["Paris", "Lisbon", "Oslo"]'


@server.tool(structured_output=False)
def greet(name: str) -> str:
    """A greeting, as plain text."""
    return f"Hello, {name}!"


@server.tool()
def fail(reason: str) -> str:
    """Always fails with `reason` (the SDK's ToolError passes its message to the client)."""
    raise ToolError(reason)


_groups: dict[str, tuple[list[str], asyncio.Event]] = {}


@server.tool()
async def rendezvous(group: str, label: str, parties: int) -> dict[str, object]:
    """Returns once `parties` calls of `group` are in flight at once (or after 10 s, met=False)."""
    arrived, everyone_here = _groups.setdefault(group, ([], asyncio.Event()))
    arrived.append(label)
    if len(arrived) >= parties:
        everyone_here.set()
    try:
        await asyncio.wait_for(everyone_here.wait(), 10)
        met = True
    except TimeoutError:
        met = False
    return {"label": label, "met": met}


if __name__ == "__main__":
    server.run("stdio")
