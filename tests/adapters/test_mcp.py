"""MCP in and out against real servers over stdio, driven with the SDK's own client.

In: `mcp_weather_server.py` (the SDK's server class) runs once for the module; its tools go through
`from_mcp` into a `Codemode`. Out: `python -m codemode mcp-serve mcp_codemode_target:cm` runs once
for the module and the SDK's `ClientSession` calls its `run_code` tool.
"""

from __future__ import annotations

import ast
import asyncio
import contextlib
import json
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import mcp
import mcp.types as mcp_types
import pytest
import pytest_asyncio

from codemode import Codemode, Tool, ToolError
from codemode.adapters.mcp import (
    from_mcp,
    serve_target,
    stdio_tools,
    unwrap_result,
    wrapped_result_schema,
)

HERE = Path(__file__).resolve().parent
SERVER = HERE / "mcp_weather_server.py"

# async tests share the module's event loop, where the module-scoped sessions live
in_module_loop = pytest.mark.asyncio(loop_scope="module")


# -- fixtures: one server process of each kind for the module ---------------------------------


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def north() -> AsyncIterator[list[Tool]]:
    async with stdio_tools([sys.executable, str(SERVER)], prefix="north") as tools:
        yield tools


@pytest.fixture
def cm(north: list[Tool]) -> Codemode:
    return Codemode(north, timeout=20)


@contextlib.asynccontextmanager
async def client_session(argv: list[str], cwd: Path) -> AsyncIterator[mcp.ClientSession]:
    """The SDK's client over stdio, held by a task of its own: pytest-asyncio sets a fixture up and
    tears it down in different tasks, and the SDK's task groups must be left where entered."""
    params = mcp.StdioServerParameters(command=argv[0], args=argv[1:], cwd=str(cwd))
    ready: asyncio.Future[mcp.ClientSession] = asyncio.get_running_loop().create_future()
    stop = asyncio.Event()

    async def own() -> None:
        try:
            async with (
                mcp.stdio_client(params) as (read, write),
                mcp.ClientSession(read, write) as session,
            ):
                await session.initialize()
                ready.set_result(session)
                await stop.wait()
        except Exception as exc:
            if not ready.done():
                ready.set_exception(exc)
            raise

    owner = asyncio.create_task(own())
    try:
        yield await ready
    finally:
        stop.set()
        await owner


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def served() -> AsyncIterator[mcp.ClientSession]:
    argv = [sys.executable, "-m", "codemode", "mcp-serve", "mcp_codemode_target:cm"]
    async with client_session(argv, cwd=HERE) as session:
        yield session


# -- in: from_mcp ------------------------------------------------------------------------------


@in_module_loop
async def test_every_server_tool_becomes_a_tool_with_its_schemas(north: list[Tool]) -> None:
    by_name = {tool.name: tool for tool in north}
    assert sorted(by_name) == [
        "north_fail",
        "north_get_forecast",
        "north_greet",
        "north_list-cities",
        "north_recent_highs",
        "north_rendezvous",
        "north_station_count",
        "north_week",
    ]
    assert by_name["north_list-cities"].python_name == "north_list_cities"
    forecast = by_name["north_get_forecast"]
    assert forecast.description == "Daily forecast for a place."
    assert forecast.input_schema["required"] == ["place", "window"]
    assert forecast.input_schema["$defs"]["Place"]["required"] == ["city"]
    assert forecast.output_schema is not None
    assert forecast.output_schema["properties"]["days"]["type"] == "array"
    assert by_name["north_greet"].output_schema is None


@in_module_loop
async def test_model_code_calls_server_tools(cm: Codemode) -> None:
    code = """
async def main():
    forecast = await codemode.north_get_forecast(
        place={"city": "Lisbon", "country": "PT"}, window={"start_day": 1, "days": 2}, units="f"
    )
    cities = await codemode.north_list_cities()
    greeting = await codemode.north_greet(name="Ada")
    print(greeting)
    return {"temps": [d["temperature"] for d in forecast["days"]], "cities": cities}
"""
    result = await cm.execute(code)
    assert result.ok, result.error
    # structuredContent as is; JSON text parsed; plain text as text
    assert result.value == {"temps": [71.6, 73.4], "cities": ["Paris", "Lisbon", "Oslo"]}
    assert result.stdout == "Hello, Ada!\n"
    assert [call.name for call in result.tool_calls] == [
        "north_get_forecast",
        "north_list_cities",  # the trace uses the names model code calls
        "north_greet",
    ]
    assert result.tool_calls[0].args["place"] == {"city": "Lisbon", "country": "PT"}


@in_module_loop
async def test_fastmcp_result_wrapper_is_unwrapped(north: list[Tool], cm: Codemode) -> None:
    by_name = {tool.name: tool for tool in north}
    # the inner schema, with the root's definitions its $ref points at
    assert by_name["north_week"].output_schema == {
        "type": "array",
        "title": "Result",
        "items": {"$ref": "#/$defs/Day"},
        "$defs": {"Day": by_name["north_get_forecast"].output_schema["$defs"]["Day"]},
    }
    stubs = cm.stubs()
    assert "async def north_week(*, city: str) -> list[Day]:" in stubs
    assert "async def north_station_count() -> int:" in stubs
    code = """
week = await codemode.north_week(city="Oslo")
count = await codemode.north_station_count()
[week[:2], count]
"""
    result = await cm.execute(code)
    assert result.ok, result.error
    assert result.value == [[{"day": 0, "temperature": 3.0}, {"day": 1, "temperature": 4.0}], 3]


@in_module_loop
async def test_unmarked_result_wrapper_stays_a_wrapper(north: list[Tool], cm: Codemode) -> None:
    # The SDK's own server wraps a list without the marker; nothing tells it from an object
    # with a `result` field, so the stub and the value both keep the wrapper, and agree.
    highs = {tool.name: tool for tool in north}["north_recent_highs"]
    assert highs.output_schema is not None
    assert list(highs.output_schema["properties"]) == ["result"]
    assert "-> RecentHighsOutput:" in cm.stubs()
    result = await cm.execute('await codemode.north_recent_highs(city="Oslo")')
    assert result.ok, result.error
    assert result.value == {"result": [4.0, 5.0, 6.0]}


@in_module_loop
async def test_parallel_calls_are_in_flight_together(cm: Codemode) -> None:
    # Each call returns met=True only once all three are at the server at the same time.
    code = """
async def main():
    calls = [codemode.north_rendezvous(group="g1", label=str(i), parties=3) for i in range(3)]
    return await asyncio.gather(*calls)
"""
    result = await cm.execute(code)
    assert result.ok, result.error
    assert result.value == [{"label": str(i), "met": True} for i in range(3)]
    assert len(result.tool_calls) == 3
    assert all(call.ok for call in result.tool_calls)


@in_module_loop
async def test_server_error_raises_tool_error_inside_the_code(cm: Codemode) -> None:
    code = """
async def main():
    try:
        await codemode.north_fail(reason="the sky fell")
    except ToolError as e:
        return "caught: " + str(e)
"""
    result = await cm.execute(code)
    assert result.ok, result.error
    assert result.value == "caught: Error executing tool fail: the sky fell"
    assert result.tool_calls[0].ok is False
    assert result.tool_calls[0].error == result.value.removeprefix("caught: ")


@in_module_loop
async def test_uncaught_server_error_is_a_tool_error(cm: Codemode) -> None:
    code = 'await codemode.north_get_forecast(place={"city": "Atlantis"}, window={})'
    result = await cm.execute(code)
    assert not result.ok
    assert result.error is not None
    assert result.error.type == "tool"
    assert "no forecast for Atlantis" in result.error.message
    assert result.error.line == 1


@in_module_loop
async def test_nested_arguments_are_checked_before_the_server_sees_them(cm: Codemode) -> None:
    code = 'await codemode.north_get_forecast(place={"town": "Paris"}, window={"days": 2})'
    result = await cm.execute(code)
    assert result.error is not None
    assert result.error.type == "validation"
    assert "'place'" in result.error.message
    assert "city" in result.error.message


@in_module_loop
async def test_tools_used_from_another_event_loop_fail_clearly(cm: Codemode) -> None:
    # execute_sync inside a running loop runs the code on a private loop in a helper thread
    result = cm.execute_sync('await codemode.north_greet(name="x")')
    assert result.error is not None
    assert result.error.type == "tool"
    assert "the MCP session lives on another event loop" in result.error.message


@in_module_loop
async def test_two_servers_side_by_side_with_prefixes(north: list[Tool]) -> None:
    sys.path.insert(0, str(HERE))
    try:
        from mcp_weather_server import server
    finally:
        sys.path.remove(str(HERE))
    # the same server in-process through the SDK's high-level Client, as a second server
    async with mcp.Client(server) as client:
        south = await from_mcp(client, prefix="south")
        cm = Codemode([*north, *south], timeout=20)
        code = """
a, b = await asyncio.gather(
    codemode.north_greet(name="N"), codemode.south_greet(name="S")
)
[a, b]
"""
        result = await cm.execute(code)
    assert result.ok, result.error
    assert result.value == ["Hello, N!", "Hello, S!"]


@in_module_loop
async def test_stdio_tools_reports_a_server_that_does_not_start() -> None:
    with pytest.raises(ConnectionError, match=r"did not start: .*Connection closed"):
        async with stdio_tools([sys.executable, "-c", "raise SystemExit(3)"]):
            pass
    with pytest.raises(ConnectionError, match="FileNotFoundError"):
        async with stdio_tools("/no/such/mcp-server --flag"):
            pass


# -- unwrap_result and pagination, without a server --------------------------------------------


def _text(text: str) -> mcp_types.TextContent:
    return mcp_types.TextContent(type="text", text=text)


def test_unwrap_prefers_structured_content() -> None:
    result = mcp_types.CallToolResult(content=[_text("ignored")], structured_content={"a": 1})
    assert unwrap_result(result) == {"a": 1}


def test_unwrap_parses_json_text_else_returns_text() -> None:
    assert unwrap_result(mcp_types.CallToolResult(content=[_text('{"a": [1, 2]}')])) == {
        "a": [1, 2]
    }
    assert unwrap_result(mcp_types.CallToolResult(content=[_text("not json")])) == "not json"
    both = mcp_types.CallToolResult(content=[_text("1"), _text("two")])
    assert unwrap_result(both) == [1, "two"]
    assert unwrap_result(mcp_types.CallToolResult(content=[])) is None


def test_unwrap_keeps_other_content_as_dicts() -> None:
    image = mcp_types.ImageContent(type="image", data="aGk=", mime_type="image/png")
    assert unwrap_result(mcp_types.CallToolResult(content=[image])) == {
        "type": "image",
        "data": "aGk=",
        "mimeType": "image/png",
    }


def test_unwrap_takes_the_value_out_of_a_wrapper() -> None:
    wrapped = mcp_types.CallToolResult(
        content=[_text("[1, 2]")], structured_content={"result": [1, 2]}
    )
    assert unwrap_result(wrapped, wrapped=True) == [1, 2]
    assert unwrap_result(wrapped) == {"result": [1, 2]}
    # a server that breaks its own schema: the value as it came
    odd = mcp_types.CallToolResult(content=[], structured_content={"value": 1})
    assert unwrap_result(odd, wrapped=True) == {"value": 1}
    # text only: FastMCP's text holds the inner value already
    assert unwrap_result(mcp_types.CallToolResult(content=[_text("[1, 2]")]), wrapped=True) == [
        1,
        2,
    ]


MARK = "x-fastmcp-wrap-result"


def test_wrapped_result_schema_needs_the_marker_and_one_result_property() -> None:
    inner = {"type": "array", "items": {"type": "string"}}
    wrapper = {"type": "object", "properties": {"result": inner}, "required": ["result"]}
    assert wrapped_result_schema({**wrapper, MARK: True}) == inner
    assert wrapped_result_schema(wrapper) is None
    assert wrapped_result_schema({**wrapper, MARK: "yes"}) is None
    two = {**wrapper, "properties": {"result": inner, "next": {"type": "string"}}, MARK: True}
    assert wrapped_result_schema(two) is None
    assert (
        wrapped_result_schema({"type": "object", "properties": {"value": inner}, MARK: True})
        is None
    )
    assert wrapped_result_schema(None) is None
    assert (
        wrapped_result_schema({"type": "object", "properties": {"result": True}, MARK: True})
        is None
    )


def test_wrapped_result_schema_keeps_the_definitions() -> None:
    day = {"type": "object", "properties": {"high": {"type": "number"}}}
    schema = {
        "type": "object",
        "properties": {"result": {"type": "array", "items": {"$ref": "#/$defs/Day"}}},
        "required": ["result"],
        "$defs": {"Day": day},
        MARK: True,
    }
    assert wrapped_result_schema(schema) == {
        "type": "array",
        "items": {"$ref": "#/$defs/Day"},
        "$defs": {"Day": day},
    }
    tool = Tool.from_schema(
        name="days",
        description="",
        input_schema={"type": "object", "properties": {}},
        output_schema=wrapped_result_schema(schema),
        fn=lambda: [],
    )
    assert "async def days() -> list[Day]:" in Codemode([tool]).stubs()


@in_module_loop
async def test_marked_corpus_tools_return_their_inner_type() -> None:
    """The tools in the real-tools corpus whose schemas carry the marker, through `from_mcp`:
    no stub returns a one-field wrapper TypedDict."""
    from conftest import load_corpus  # tests/ is on sys.path under pytest's default import mode

    rows = [
        row
        for row in load_corpus()
        if isinstance(row.get("output_schema"), dict) and row["output_schema"].get(MARK)
    ]
    assert rows
    listed = mcp_types.ListToolsResult(
        tools=[
            mcp_types.Tool(
                name=row["name"],
                description=row["description"],
                input_schema=row["input_schema"],
                output_schema=row["output_schema"],
            )
            for row in rows
        ]
    )

    class Listing:
        async def list_tools(self) -> Any:
            return listed

        async def call_tool(self, name: str, arguments: dict[str, Any]) -> Any:
            raise AssertionError("not called")

    tools = await from_mcp(Listing())
    assert all(
        tool.output_schema == row["output_schema"]["properties"]["result"]
        for tool, row in zip(tools, rows, strict=True)
    )
    wrappers = [
        node.name
        for node in ast.parse(Codemode(tools).stubs()).body
        if isinstance(node, ast.ClassDef)
        and [ast.unparse(field.target) for field in node.body if isinstance(field, ast.AnnAssign)]
        == ["result"]
    ]
    assert wrappers == []


def test_unwrap_error_raises_tool_error_with_the_message() -> None:
    with pytest.raises(ToolError, match=r"^quota exceeded$") as raised:
        unwrap_result(
            mcp_types.CallToolResult(content=[_text("quota exceeded")], is_error=True), "x"
        )
    assert raised.value.tool == "x"
    assert raised.value.describe() == "x() failed: quota exceeded"
    with pytest.raises(ToolError, match="without a message"):
        unwrap_result(mcp_types.CallToolResult(content=[], is_error=True))


@in_module_loop
async def test_from_mcp_follows_pagination() -> None:
    def page(names: list[str], cursor: str | None) -> Any:
        tools = [
            mcp_types.Tool(name=n, input_schema={"type": "object", "properties": {}}) for n in names
        ]
        return mcp_types.ListToolsResult(tools=tools, next_cursor=cursor)

    class PagedSession:
        def __init__(self) -> None:
            self.seen: list[str | None] = []

        async def list_tools(
            self, *, params: mcp_types.PaginatedRequestParams | None = None
        ) -> Any:
            cursor = params.cursor if params else None
            self.seen.append(cursor)
            return {None: page(["a", "b"], "p2"), "p2": page(["c"], None)}[cursor]

        async def call_tool(self, name: str, arguments: dict[str, Any]) -> Any:
            return SimpleNamespace(content=[_text(json.dumps([name, arguments]))], is_error=False)

    session = PagedSession()
    tools = await from_mcp(session)
    assert [t.name for t in tools] == ["a", "b", "c"]
    assert session.seen == [None, "p2"]
    assert await tools[2].invoke({}) == ["c", {}]


# -- out: codemode mcp-serve --------------------------------------------------------------------


@in_module_loop
async def test_served_codemode_lists_one_run_code_tool(served: mcp.ClientSession) -> None:
    listing = await served.list_tools()
    assert [tool.name for tool in listing.tools] == ["run_code"]
    run_code = listing.tools[0]
    description = run_code.description or ""
    assert description.startswith("Use the tools by writing one Python program.")
    assert "async def get_weather(" in description
    assert "async def add(" in description
    assert run_code.input_schema["required"] == ["code"]


@in_module_loop
async def test_run_code_runs_the_program(served: mcp.ClientSession) -> None:
    code = """
async def main():
    a, b = await asyncio.gather(
        codemode.get_weather(city="Paris"), codemode.get_weather(city="Lisbon")
    )
    print("compared", a["city"], b["city"])
    return await codemode.add(a=int(a["temperature"]), b=int(b["temperature"]))
"""
    result = await served.call_tool("run_code", {"code": code})
    assert not result.is_error
    assert result.structured_content is not None
    assert result.structured_content["ok"] is True
    assert result.structured_content["value"] == 35
    assert [c["name"] for c in result.structured_content["tool_calls"]] == [
        "get_weather",
        "get_weather",
        "add",
    ]
    text = result.content[0]
    assert isinstance(text, mcp_types.TextContent)
    assert text.text == "Output:\ncompared Paris Lisbon\n\nResult:\n35\n\n(3 tool calls, 0 failed)"


@in_module_loop
async def test_run_code_failure_is_flagged_as_error(served: mcp.ClientSession) -> None:
    result = await served.call_tool(
        "run_code", {"code": "async def main():\n    return await codemode.get_weather(city='Oz')"}
    )
    assert result.is_error
    assert result.structured_content is not None
    assert result.structured_content["error"]["type"] == "tool"
    text = result.content[0]
    assert isinstance(text, mcp_types.TextContent)
    assert text.text.startswith("Error: tool error at line 2: get_weather() failed: ValueError")


@in_module_loop
async def test_run_code_reports_bad_code(served: mcp.ClientSession) -> None:
    result = await served.call_tool("run_code", {"code": "await codemode.get_wether(city='x')"})
    assert result.is_error
    assert result.structured_content is not None
    assert result.structured_content["error"]["type"] == "validation"
    assert "did you mean 'get_weather'" in result.structured_content["error"]["message"]


def test_serve_target_refuses_what_is_not_a_codemode(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(HERE)
    monkeypatch.setattr(sys, "path", list(sys.path))
    assert serve_target("no-colon") == 2
    assert serve_target("mcp_codemode_target:missing") == 2
    assert serve_target("mcp_codemode_target:not_a_codemode") == 2
    captured = capsys.readouterr()
    assert captured.out == ""  # the target's own print went to stderr
    assert "expected module:attr" in captured.err
    assert "has no attribute 'missing'" in captured.err
    assert "is a list, not a codemode.Codemode" in captured.err
