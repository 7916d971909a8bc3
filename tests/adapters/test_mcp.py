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
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import mcp
import mcp.types as mcp_types
import pytest
import pytest_asyncio

from codemode import Codemode, Tool, ToolAnnotations, ToolError
from codemode.adapters.mcp import (
    RUN_CODE_OUTPUT_SCHEMA,
    _field,
    from_mcp,
    serve_target,
    stdio_tools,
    unwrap_result,
    wrapped_result_schema,
)
from codemode.executors import InProcessExecutor

HERE = Path(__file__).resolve().parent
SERVER = HERE / "mcp_weather_server.py"
TASKS = hasattr(mcp.ClientSession, "experimental")  # mcp 1.x's experimental client for tasks
INITIALIZED: dict[str, Any] = {}  # what the served codemode answered to `initialize`

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
                INITIALIZED["result"] = await session.initialize()
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
    expected = [
        "north_environment",
        "north_erase_note",
        "north_fail",
        "north_get_forecast",
        "north_greet",
        "north_list-cities",
        "north_log_to_client",
        "north_read_note",
        "north_recent_highs",
        "north_rendezvous",
        "north_slow",
        "north_snapshot",
        "north_station_count",
        "north_was_cancelled",
        "north_week",
    ]
    if TASKS:  # only an SDK with the client side of tasks can call the task-only tool
        expected = sorted([*expected, "north_research"])
    assert sorted(by_name) == expected
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
import json

async def main():
    forecast = await codemode.north_get_forecast(
        place={"city": "Lisbon", "country": "PT"}, window={"start_day": 1, "days": 2}, units="f"
    )
    cities = await codemode.north_list_cities()
    greeting = await codemode.north_greet(name="Ada")
    print(greeting)
    return {"temps": [d["temperature"] for d in forecast["days"]], "cities": json.loads(cities)}
"""
    result = await cm.execute(code)
    assert result.ok, result.error
    # structuredContent as is; text as text (the program parses the JSON it knows is JSON)
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
    assert result.value == "caught: north_fail() failed: Error executing tool fail: the sky fell"
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
    if not hasattr(mcp, "Client"):
        pytest.skip("the in-process mcp.Client is mcp 2.x's")
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


def test_unwrap_keeps_text_as_text_unless_the_tool_declares_structured_output() -> None:
    for text in ['{"a": [1, 2]}', "NaN", "1.50", '"quoted"', "null", "not json"]:
        assert unwrap_result(mcp_types.CallToolResult(content=[_text(text)])) == text
    declared = mcp_types.CallToolResult(content=[_text('{"a": [1, 2]}')])
    assert unwrap_result(declared, declared=True) == {"a": [1, 2]}
    # declared or not, only an object or an array becomes data
    for text in ["NaN", "1.50", '"quoted"', "null", "{broken"]:
        assert unwrap_result(mcp_types.CallToolResult(content=[_text(text)]), declared=True) == text
    both = mcp_types.CallToolResult(content=[_text("1"), _text("two")])
    assert unwrap_result(both) == ["1", "two"]
    assert unwrap_result(mcp_types.CallToolResult(content=[])) is None


def test_unwrap_gives_binary_content_a_compact_shape() -> None:
    image = {"type": "image", "data": "aGk=", "mimeType": "image/png"}  # wire names: 1.x and 2.x
    result = mcp_types.CallToolResult.model_validate({"content": [image]})
    assert unwrap_result(result) == {"type": "image", "mimeType": "image/png", "size": 2}
    assert unwrap_result(result, keep_binary=True) == {
        "type": "image",
        "mimeType": "image/png",
        "size": 2,
        "data": "aGk=",
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
            mcp_types.Tool.model_validate(  # by the wire names, which mcp 1.x and 2.x both take
                {
                    "name": row["name"],
                    "description": row["description"],
                    "inputSchema": row["input_schema"],
                    "outputSchema": row["output_schema"],
                }
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
    with pytest.raises(ToolError, match=r"^x\(\) failed: quota exceeded$"):
        unwrap_result(
            mcp_types.CallToolResult(content=[_text("quota exceeded")], is_error=True), "x"
        )
    with pytest.raises(ToolError, match="without a message"):
        unwrap_result(mcp_types.CallToolResult(content=[], is_error=True))


@in_module_loop
async def test_from_mcp_follows_pagination() -> None:
    def page(names: list[str], cursor: str | None) -> Any:
        tools = [{"name": n, "inputSchema": {"type": "object", "properties": {}}} for n in names]
        return mcp_types.ListToolsResult.model_validate({"tools": tools, "nextCursor": cursor})

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
    assert json.loads(await tools[2].invoke({})) == ["c", {}]


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
    assert _field(run_code, "input_schema", "inputSchema")["required"] == ["code"]


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
    assert not _field(result, "is_error", "isError")
    structured = _field(result, "structured_content", "structuredContent")
    assert structured is not None
    assert structured["ok"] is True
    assert structured["value"] == 35
    assert [c["name"] for c in structured["tool_calls"]] == [
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
    assert _field(result, "is_error", "isError")
    structured = _field(result, "structured_content", "structuredContent")
    assert structured is not None
    assert structured["error"]["type"] == "tool"
    text = result.content[0]
    assert isinstance(text, mcp_types.TextContent)
    assert text.text.startswith("Error: tool error at line 2: get_weather() failed: ValueError")


@in_module_loop
async def test_run_code_reports_bad_code(served: mcp.ClientSession) -> None:
    result = await served.call_tool("run_code", {"code": "await codemode.get_wether(city='x')"})
    assert _field(result, "is_error", "isError")
    structured = _field(result, "structured_content", "structuredContent")
    assert structured is not None
    assert structured["error"]["type"] == "validation"
    assert "did you mean 'get_weather'" in structured["error"]["message"]


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


# -- real servers' edge cases -------------------------------------------------------------------


@in_module_loop
async def test_text_results_stay_text(cm: Codemode) -> None:
    code = '[await codemode.north_read_note(name=n) for n in ["nan", "price", "quoted", "null"]]'
    result = await cm.execute(code)
    assert result.ok, result.error
    assert result.value == ["NaN", "1.50", '"quoted"', "null"]


@in_module_loop
async def test_images_and_resources_come_back_compact(cm: Codemode) -> None:
    result = await cm.execute("await codemode.north_snapshot()")
    assert result.ok, result.error
    assert result.value == [
        {"type": "image", "mimeType": "image/png", "size": 3004},
        {"type": "resource", "uri": "file:///notes/a.txt", "mimeType": "text/plain", "text": "hi"},
        {"type": "resource", "uri": "file:///bin/b", "size": 3},
        {
            "type": "resource_link",
            "uri": "file:///big.csv",
            "name": "big.csv",
            "mimeType": "text/csv",
            "size": 10_000_000,
        },
    ]
    assert len(json.dumps(result.value)) < 500  # not the 4 kB of base64


@in_module_loop
async def test_title_and_annotations_are_kept_shown_and_filterable(north: list[Tool]) -> None:
    by_name = {tool.name: tool for tool in north}
    note = by_name["north_read_note"]
    assert note.title == "Read a note"
    assert note.annotations == ToolAnnotations(read_only=True, open_world=False)
    assert by_name["north_erase_note"].annotations == ToolAnnotations(
        read_only=False, destructive=True, idempotent=True
    )
    assert by_name["north_greet"].annotations == ToolAnnotations()
    stubs = Codemode([note, by_name["north_erase_note"]]).stubs()
    assert "Title: Read a note. Hints: read-only, closed world." in stubs
    assert "Hints: not read-only, destructive, idempotent." in stubs
    session = SimpleNamespace(
        list_tools=lambda: _listed_from(north), call_tool=None
    )  # the same specs, filtered as they come in
    read_only = await from_mcp(session, include=lambda tool: bool(tool.annotations.read_only))
    assert [tool.name for tool in read_only] == ["read_note"]


async def _listed_from(tools: list[Tool]) -> Any:
    return mcp_types.ListToolsResult.model_validate(
        {
            "tools": [
                {
                    "name": tool.name.removeprefix("north_"),
                    "inputSchema": tool.input_schema,
                    "annotations": {"readOnlyHint": True} if tool.annotations.read_only else None,
                }
                for tool in tools
            ]
        }
    )


@in_module_loop
async def test_a_task_only_tool_is_left_out_where_tasks_are_not_supported(
    north: list[Tool], caplog: pytest.LogCaptureFixture
) -> None:
    if TASKS:
        pytest.skip("this mcp SDK calls task-only tools as tasks (tested with a fake session)")
    assert "north_research" not in {tool.name for tool in north}
    with caplog.at_level("WARNING", logger="codemode.adapters.mcp"):
        async with stdio_tools([sys.executable, str(SERVER)]) as tools:
            assert "research" not in {tool.name for tool in tools}
    assert "MCP tool 'research' left out: it can only run as a task" in caplog.text


@in_module_loop
async def test_a_task_only_tool_runs_as_a_task_where_the_sdk_can() -> None:
    spec = mcp_types.Tool.model_validate(
        {
            "name": "research",
            "inputSchema": {"type": "object", "properties": {"topic": {"type": "string"}}},
            "execution": {"taskSupport": "required"},
        }
    )
    seen: list[str] = []

    class Tasks:  # the shape of mcp 1.x's `session.experimental`
        async def call_tool_as_task(self, name: str, arguments: dict[str, Any]) -> Any:
            seen.append(f"create {name} {arguments}")
            return SimpleNamespace(task=SimpleNamespace(taskId="t1"))

        async def poll_task(self, task_id: str) -> Any:
            for status in ("working", "completed"):
                seen.append(f"poll {task_id} {status}")
                if arguments_hang[0]:
                    await asyncio.sleep(60)
                yield SimpleNamespace(status=status)

        async def get_task_result(self, task_id: str, kind: Any) -> Any:
            seen.append(f"result {task_id}")
            return mcp_types.CallToolResult(content=[_text("done")])

        async def cancel_task(self, task_id: str) -> Any:
            seen.append(f"cancel {task_id}")

    arguments_hang = [False]
    session = SimpleNamespace(
        list_tools=lambda: _async(mcp_types.ListToolsResult(tools=[spec])),
        call_tool=None,
        experimental=Tasks(),
    )
    tools = await from_mcp(session)
    cm = Codemode(tools, timeout=0.5)
    result = await cm.execute('await codemode.research(topic="tides")')
    assert result.value == "done", result.error
    assert seen == [
        "create research {'topic': 'tides'}",
        "poll t1 working",
        "poll t1 completed",
        "result t1",
    ]
    seen.clear()
    arguments_hang[0] = True
    result = await cm.execute('await codemode.research(topic="tides")')
    assert result.error is not None and result.error.type == "timeout"
    await asyncio.sleep(0.05)
    assert seen[-1] == "cancel t1"


async def _async(value: Any) -> Any:
    return value


@in_module_loop
async def test_a_call_stopped_by_the_time_limit_is_cancelled_on_the_server(
    north: list[Tool],
) -> None:
    # mcp 2.x sends notifications/cancelled itself; on 1.x the adapter sends it
    # In-process: what is tested is the adapter's cancellation, and a run's start must not eat
    # the time limit on a loaded machine (a timed-out run's tool calls are cancelled by both
    # executors: tests/executors).
    cm = Codemode(north, timeout=1, executor=InProcessExecutor())
    result = await cm.execute('await codemode.north_slow(label="t1")')
    assert result.error is not None and result.error.type == "timeout"
    check = await Codemode(north, timeout=20).execute(
        'await codemode.north_was_cancelled(label="t1")'
    )
    assert check.value == {"result": True}, check


@in_module_loop
async def test_stdio_tools_gives_up_on_a_server_that_never_initializes() -> None:
    silent = [sys.executable, "-c", "import time; time.sleep(60)"]
    started = asyncio.get_running_loop().time()
    with pytest.raises(ConnectionError, match=r"did not answer `initialize` within 0.5 s"):
        async with stdio_tools(silent, startup_timeout=0.5):
            pass
    assert asyncio.get_running_loop().time() - started < 10
    hanging = {"WEATHER_NEVER_LISTS": "1"}
    with pytest.raises(ConnectionError, match=r"did not list its tools within 3 s"):
        async with stdio_tools([sys.executable, str(SERVER)], env=hanging, startup_timeout=3):
            pass


@in_module_loop
async def test_stdio_tools_passes_the_environment_and_the_client_callbacks() -> None:
    messages: list[Any] = []

    async def logging_callback(params: Any) -> None:
        messages.append(params.data)

    async with stdio_tools(
        [sys.executable, str(SERVER)],
        env={"CODEMODE_TEST_VALUE": "blue"},
        logging_callback=logging_callback,
    ) as tools:
        cm = Codemode(tools, timeout=20)
        code = """
value = await codemode.environment(name="CODEMODE_TEST_VALUE")
await codemode.log_to_client(text="hello client")
value
"""
        result = await cm.execute(code)
    assert result.value == {"result": "blue"}, result.error
    assert messages == ["hello client"]


@in_module_loop
async def test_run_code_bounds_its_structured_content(served: mcp.ClientSession) -> None:
    code = """
try:
    await codemode.get_weather(city="x" * 900_000)
except ToolError:
    pass
"y" * 90_000  # under max_result_chars, over the structured content's bound
"""
    result = await served.call_tool("run_code", {"code": code})
    structured = _field(result, "structured_content", "structuredContent")
    assert structured is not None
    assert len(json.dumps(structured)) < 25_000
    assert structured["ok"] is True and "value" not in structured
    assert "characters truncated" in structured["value_text"]
    call = structured["tool_calls"][0]
    assert call["name"] == "get_weather" and call["ok"] is False
    assert len(call["args"]) <= 200
    text = result.content[0]
    assert isinstance(text, mcp_types.TextContent) and len(text.text) <= 8000


@in_module_loop
async def test_run_code_declares_its_output_schema_and_the_version(
    served: mcp.ClientSession,
) -> None:
    import codemode

    listing = await served.list_tools()
    assert _field(listing.tools[0], "output_schema", "outputSchema") == RUN_CODE_OUTPUT_SCHEMA
    info = _field(INITIALIZED["result"], "server_info", "serverInfo")
    assert info.version == codemode.__version__


@in_module_loop
async def test_a_task_only_tool_runs_as_a_task_on_a_real_server() -> None:
    if not TASKS:
        pytest.skip("this mcp SDK has no tasks (mcp 2.x took them out of the protocol)")
    server = [sys.executable, str(HERE / "mcp_task_server.py")]
    async with stdio_tools(server, errlog=open(os.devnull, "w")) as tools:
        assert [tool.name for tool in tools] == ["research", "was_cancelled"]
        cm = Codemode(tools, timeout=20)
        result = await cm.execute('await codemode.research(topic="tides")')
        assert result.value == "findings on tides", result.error
        # stopped by the run's time limit: the task is cancelled on the server
        stopped = await Codemode(tools, timeout=0.5).execute(
            'await codemode.research(topic="waves", seconds=30)'
        )
        assert stopped.error is not None and stopped.error.type == "timeout"
        check = await cm.execute('await codemode.was_cancelled(topic="waves")')
        assert check.value == "yes", check
