"""The LangChain adapter, through langchain-core's real tool and chat-model machinery."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from typing import Any

import pydantic
import pytest
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage
from langchain_core.tools import BaseTool, StructuredTool, ToolException, tool
from langchain_core.utils.function_calling import convert_to_openai_function, convert_to_openai_tool
from scripted_langchain import ScriptedChatModel, last_tool_result, run_code_call

from codemode import Codemode, ExecuteResult
from codemode.adapters.langchain import as_langchain_tool, from_langchain

# -- LangChain tools of every kind --------------------------------------------------------------

TEMPERATURES = {"paris": 14.0, "lisbon": 21.0}


@tool
def get_weather(city: str, units: str = "c") -> dict[str, float]:
    """Current weather for a city.

    Args:
        city: City name.
        units: "c" or "f".
    """
    if city.lower() not in TEMPERATURES:
        raise ToolException(f"no weather station in {city}")
    value = TEMPERATURES[city.lower()]
    return {"temperature": value if units == "c" else value * 9 / 5 + 32}


@tool
async def list_cities() -> list[str]:
    """Cities with a weather station."""
    await asyncio.sleep(0)
    return sorted(TEMPERATURES)


class SearchArgs(pydantic.BaseModel):
    query: str = pydantic.Field(description="What to look for.")
    limit: int = pydantic.Field(2, ge=1, le=5)

    @pydantic.field_validator("query")
    @classmethod
    def not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("query must not be blank")
        return value


class WebSearch(BaseTool):
    """A BaseTool subclass with an args_schema and both sync and async bodies."""

    name: str = "web-search"
    description: str = "Search the web."
    args_schema: type[pydantic.BaseModel] = SearchArgs
    ran: list[str] = pydantic.Field(default_factory=list)

    def _run(self, query: str, limit: int = 2) -> list[str]:
        self.ran.append("sync")
        return [f"{query} #{i}" for i in range(limit)]

    async def _arun(self, query: str, limit: int = 2) -> list[str]:
        self.ran.append("async")
        return [f"{query} #{i}" for i in range(limit)]


def _multiply(a: float, b: float) -> float:
    return a * b


MULTIPLY = StructuredTool.from_function(
    func=_multiply, name="multiply", description="Multiply two numbers."
)
ECHO = StructuredTool(
    name="echo",
    description="Echo with a raw JSON Schema.",
    args_schema={
        "type": "object",
        "properties": {"text": {"type": "string"}},
        "required": ["text"],
    },
    func=lambda text: {"echo": text},
)


async def _forecast(city: str, days: int = 1) -> list[float]:
    return [TEMPERATURES[city.lower()]] * days


FORECAST = StructuredTool.from_function(
    coroutine=_forecast, name="forecast", description="Daily forecast (async only)."
)


def lc_tools() -> list[BaseTool]:
    return [get_weather, list_cities, WebSearch(), MULTIPLY, ECHO, FORECAST]


@pytest.fixture
def cm() -> Codemode:
    return Codemode(from_langchain(lc_tools()), timeout=5)


# -- as_langchain_tool ---------------------------------------------------------------------------

RUN = "async def main():\n    return await codemode.multiply(a=6, b=7)\n"


def tool_call(code: Any, call_id: str = "call_1", name: str = "run_code") -> dict[str, Any]:
    return {"type": "tool_call", "id": call_id, "name": name, "args": {"code": code}}


def test_run_code_is_a_real_tool_with_the_prompt_and_one_argument(cm: Codemode) -> None:
    run_code = as_langchain_tool(cm)
    assert isinstance(run_code, BaseTool)
    assert run_code.name == "run_code"
    assert run_code.description == cm.prompt()
    assert run_code.response_format == "content_and_artifact"
    stub_lines = [line for line in cm.stubs().splitlines() if line.startswith("async def ")]
    assert len(stub_lines) == len(lc_tools())
    for line in stub_lines:
        assert line in run_code.description.splitlines()
    function = convert_to_openai_function(run_code)  # what a provider integration sends
    assert function["name"] == "run_code"
    assert set(function["parameters"]["properties"]) == {"code"}
    assert function["parameters"]["required"] == ["code"]
    assert function["parameters"]["properties"]["code"]["type"] == "string"


def test_name_renames(cm: Codemode) -> None:
    assert as_langchain_tool(cm, name="python").name == "python"


def test_invoke_with_a_tool_call_gives_text_and_the_result_as_artifact(cm: Codemode) -> None:
    message = as_langchain_tool(cm).invoke(tool_call(RUN))
    assert isinstance(message, ToolMessage)
    assert message.tool_call_id == "call_1" and message.status == "success"
    assert isinstance(message.artifact, ExecuteResult)
    assert message.artifact.ok and message.artifact.value == 42
    assert message.content == message.artifact.to_text()
    assert [c.name for c in message.artifact.tool_calls] == ["multiply"]


def test_invoke_with_args_gives_the_text(cm: Codemode) -> None:
    # multiply takes floats: LangChain's own validation turned 6 and 7 into 6.0 and 7.0
    assert as_langchain_tool(cm).invoke({"code": RUN}) == "Result:\n42.0\n\n(1 tool call, 0 failed)"


async def test_ainvoke_runs_async_tools_on_the_callers_loop() -> None:
    loop = asyncio.get_running_loop()

    async def which_loop() -> bool:
        """Whether this runs on the test's own event loop."""
        return asyncio.get_running_loop() is loop

    lc = StructuredTool.from_function(coroutine=which_loop, name="which_loop")
    run_code = as_langchain_tool(Codemode(from_langchain([lc])))
    message = await run_code.ainvoke(tool_call("await codemode.which_loop()"))
    assert message.artifact.value is True, message.content


async def test_sync_invoke_works_under_a_running_loop(cm: Codemode) -> None:
    message = as_langchain_tool(cm).invoke(tool_call(RUN))
    assert message.artifact.value == 42


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        ("def main(:\n    pass", "syntax"),
        ("async def main():\n    return 1 / 0", "runtime"),
        ("import os\nos.listdir('.')", "policy"),
        ("await codemode.get_weather(city='Atlantis')", "tool"),
        ("await codemode.get_wether(city='Paris')", "validation"),
    ],
)
def test_never_raises_for_what_the_code_does(cm: Codemode, code: str, kind: str) -> None:
    message = as_langchain_tool(cm).invoke(tool_call(code))
    assert message.artifact.error.type == kind
    assert message.content.startswith("Error: ") or "\nError: " in message.content


@pytest.mark.parametrize("args", [{}, {"cod": "x"}, {"code": 5}, {"code": None}])
async def test_a_call_without_string_code_is_an_error_message(
    cm: Codemode, args: dict[str, Any]
) -> None:
    run_code = as_langchain_tool(cm)
    call = {"type": "tool_call", "id": "c9", "name": "run_code", "args": args}
    for message in (run_code.invoke(call), await run_code.ainvoke(call)):
        assert isinstance(message, ToolMessage)
        assert message.status == "error" and message.tool_call_id == "c9"
        assert "takes one argument, `code`" in message.content
        assert message.artifact is None


# -- from_langchain --------------------------------------------------------------------------------


def test_from_langchain_keeps_names_descriptions_and_schemas() -> None:
    originals = lc_tools()
    wrapped = from_langchain(originals)
    assert [t.name for t in wrapped] == [
        "get_weather",
        "list_cities",
        "web-search",
        "multiply",
        "echo",
        "forecast",
    ]
    for original, ours in zip(originals, wrapped, strict=True):
        assert ours.description == original.description
        assert ours.input_schema == convert_to_openai_function(original)["parameters"]
    search = wrapped[2]
    assert search.python_name == "web_search"
    assert search.input_schema["properties"]["limit"] == {
        "default": 2,
        "maximum": 5,
        "minimum": 1,
        "type": "integer",
    }


def test_from_langchain_return_types_come_from_function_tools() -> None:
    weather, cities, search, multiply, echo, forecast = from_langchain(lc_tools())
    assert weather.output_schema == {"type": "object", "additionalProperties": {"type": "number"}}
    assert cities.output_schema == {"type": "array", "items": {"type": "string"}}
    assert multiply.output_schema == {"type": "number"}
    assert forecast.output_schema == {"type": "array", "items": {"type": "number"}}
    assert search.output_schema is None and echo.output_schema is None


async def test_wrapped_tools_run_from_model_code(cm: Codemode) -> None:
    code = """
async def main():
    cities = await codemode.list_cities()
    weather = await asyncio.gather(*(codemode.get_weather(city=c) for c in cities))
    hits = await codemode.web_search(query="codemode", limit=3)
    product = await codemode.multiply(a=1.5, b=4)
    echoed = await codemode.echo({"text": "hi"})
    days = await codemode.forecast(city="Paris", days=2)
    return [cities, [w["temperature"] for w in weather], hits, product, echoed, days]
"""
    result = await cm.execute(code)
    assert result.ok, result.error
    assert result.value == [
        ["lisbon", "paris"],
        [21.0, 14.0],
        ["codemode #0", "codemode #1", "codemode #2"],
        6.0,
        {"echo": "hi"},
        [14.0, 14.0],
    ]
    assert [c.name for c in result.tool_calls] == [
        "list_cities",
        "get_weather",
        "get_weather",
        "web_search",
        "multiply",
        "echo",
        "forecast",
    ]


async def test_calls_go_through_the_tools_own_ainvoke() -> None:
    class Recorder(BaseCallbackHandler):
        def __init__(self) -> None:
            self.started: list[tuple[str, Any]] = []

        def on_tool_start(self, serialized: dict[str, Any], input_str: str, **kw: Any) -> None:
            self.started.append((serialized["name"], kw.get("inputs")))

    recorder = Recorder()
    search = WebSearch(callbacks=[recorder])
    cm = Codemode(from_langchain([search]))
    result = await cm.execute("await codemode.web_search(query='q')")
    assert result.value == ["q #0", "q #1"]
    assert search.ran == ["async"]  # ainvoke -> _arun, not the sync body
    assert recorder.started == [("web-search", {"query": "q"})]


async def test_langchain_validation_applies_after_ours(cm: Codemode) -> None:
    # The JSON Schema cannot say "not blank"; the tool's pydantic validator can.
    result = await cm.execute("await codemode.web_search(query='   ')")
    assert result.error is not None and result.error.type == "tool"
    assert "query must not be blank" in result.error.message
    # Our own validation, against the schema LangChain shows models, comes first.
    result = await cm.execute("await codemode.web_search(query='q', limit=9)")
    assert result.error is not None and result.error.type == "validation"
    assert "limit" in result.error.message


async def test_a_failing_tool_is_a_tool_error_with_its_message(cm: Codemode) -> None:
    result = await cm.execute("await codemode.get_weather(city='Atlantis')")
    assert result.error is not None and result.error.type == "tool"
    assert "no weather station in Atlantis" in result.error.message
    caught = await cm.execute(
        "async def main():\n"
        "    try:\n"
        "        await codemode.get_weather(city='Atlantis')\n"
        "    except ToolError as e:\n"
        "        return str(e)\n"
    )
    assert caught.ok and "no weather station in Atlantis" in caught.value
    assert caught.tool_calls[0].ok is False


@pytest.mark.parametrize(
    ("handle", "expected"),
    [
        (True, "no weather station in Atlantis"),
        ("That city is not covered.", "That city is not covered."),
        (lambda e: f"handled: {e}", "handled: no weather station in Atlantis"),
    ],
)
async def test_handle_tool_error_shapes_the_message_but_still_raises(
    handle: Any, expected: str
) -> None:
    handled = get_weather.model_copy(update={"handle_tool_error": handle})
    cm = Codemode(from_langchain([handled]))
    result = await cm.execute("await codemode.get_weather(city='Atlantis')")
    assert result.error is not None and result.error.type == "tool"
    assert expected in result.error.message
    assert handled.handle_tool_error is handle  # the caller's tool is left as it was


async def test_other_exceptions_are_tool_errors_too() -> None:
    def broken(x: int) -> int:
        """Always fails."""
        raise KeyError("missing key")

    cm = Codemode(from_langchain([StructuredTool.from_function(broken)]))
    result = await cm.execute("await codemode.broken(x=1)")
    assert result.error is not None and result.error.type == "tool"
    assert "missing key" in result.error.message


def test_from_langchain_refuses_what_is_not_a_tool() -> None:
    from codemode import RegistrationError

    with pytest.raises(RegistrationError, match="BaseTool"):
        from_langchain([_multiply])  # type: ignore[list-item]


# -- a real LangChain agent loop -------------------------------------------------------------------

PROGRAM = """\
async def main():
    cities = await codemode.list_cities()
    temps = await asyncio.gather(*(codemode.get_weather(city=c) for c in cities))
    best = max(zip(cities, temps), key=lambda pair: pair[1]["temperature"])
    print("compared", len(cities), "cities")
    return {"city": best[0], "temperature": best[1]["temperature"]}
"""


def answer_from_tool(messages: list[BaseMessage]) -> str:
    result = json.loads(last_tool_result(messages).split("Result:\n")[1].split("\n\n")[0])
    return f"The warmest is {result['city']} at {result['temperature']}."


def check_conversation(model: ScriptedChatModel, cm: Codemode, messages: list[BaseMessage]) -> None:
    """What the model was sent and what came back, for any loop that drove `model`."""
    assert len(model.requests) == 2
    first, second = model.requests
    assert first["tools"] == [convert_to_openai_tool(as_langchain_tool(cm))]
    assert first["tools"][0]["function"]["description"] == cm.prompt()
    tool_message = second["messages"][-1]
    assert isinstance(tool_message, ToolMessage)
    assert tool_message.tool_call_id == "call_1" and tool_message.name == "run_code"
    result = tool_message.artifact
    assert isinstance(result, ExecuteResult) and result.ok
    assert result.value == {"city": "lisbon", "temperature": 21.0}
    assert result.stdout == "compared 2 cities\n"
    assert tool_message.content == result.to_text()
    assert [c.name for c in result.tool_calls] == ["list_cities", "get_weather", "get_weather"]
    assert isinstance(messages[-1], AIMessage)
    assert messages[-1].content == "The warmest is lisbon at 21.0."


def test_bind_tools_loop_sync(cm: Codemode) -> None:
    model = ScriptedChatModel(script=[run_code_call(PROGRAM), answer_from_tool])
    run_code = as_langchain_tool(cm)
    chat = model.bind_tools([run_code])
    messages: list[BaseMessage] = [HumanMessage("Which city is warmest?")]
    while True:
        reply = chat.invoke(messages)
        messages.append(reply)
        if not reply.tool_calls:
            break
        messages.extend(run_code.invoke(call) for call in reply.tool_calls)
    check_conversation(model, cm, messages)


async def test_bind_tools_loop_async(cm: Codemode) -> None:
    model = ScriptedChatModel(script=[run_code_call(PROGRAM), answer_from_tool])
    run_code = as_langchain_tool(cm)
    chat = model.bind_tools([run_code])
    messages: list[BaseMessage] = [HumanMessage("Which city is warmest?")]
    while True:
        reply = await chat.ainvoke(messages)
        messages.append(reply)
        if not reply.tool_calls:
            break
        messages.extend([await run_code.ainvoke(call) for call in reply.tool_calls])
    check_conversation(model, cm, messages)


def test_create_agent_sync(cm: Codemode) -> None:
    agents = pytest.importorskip("langchain.agents")
    model = ScriptedChatModel(script=[run_code_call(PROGRAM), answer_from_tool])
    agent = agents.create_agent(model, tools=[as_langchain_tool(cm)])
    state = agent.invoke({"messages": [HumanMessage("Which city is warmest?")]})
    check_conversation(model, cm, state["messages"])


async def test_create_agent_async(cm: Codemode) -> None:
    agents = pytest.importorskip("langchain.agents")
    model = ScriptedChatModel(script=[run_code_call(PROGRAM), answer_from_tool])
    agent = agents.create_agent(model, tools=[as_langchain_tool(cm)])
    state = await agent.ainvoke({"messages": [HumanMessage("Which city is warmest?")]})
    check_conversation(model, cm, state["messages"])


def test_create_agent_with_chat_openai_over_http(cm: Codemode) -> None:
    """A real provider integration: ChatOpenAI -> openai client -> HTTP -> scripted server."""
    agents = pytest.importorskip("langchain.agents")
    langchain_openai = pytest.importorskip("langchain_openai")
    from scripted_openai import Call, ScriptedOpenAI

    script = [Call({"code": PROGRAM}), lambda r: "Done: " + r.tool_outputs()[-1]]
    with ScriptedOpenAI(script) as server:
        model = langchain_openai.ChatOpenAI(
            model="scripted", base_url=server.url, api_key="test-key", max_retries=0
        )
        agent = agents.create_agent(model, tools=[as_langchain_tool(cm)])
        state = agent.invoke({"messages": [HumanMessage("Which city is warmest?")]})
    first, second = server.requests
    assert [t["function"]["name"] for t in first.tools] == ["run_code"]
    assert first.tools[0]["function"]["description"] == cm.prompt()
    sent = second.body["messages"]
    assert sent[-2]["tool_calls"][0]["function"]["name"] == "run_code"
    assert sent[-1]["role"] == "tool" and sent[-1]["tool_call_id"] == "call_1"
    assert '"city": "lisbon"' in sent[-1]["content"]
    assert state["messages"][-1].content == "Done: " + sent[-1]["content"]


# -- approvals through LangGraph's interrupt ----------------------------------------------------

APPROVAL_PROGRAM = """
async def main():
    order = await codemode.get_order(order_id="A1")
    first = await codemode.refund(order_id="A1", amount=order["amount"])
    second = await codemode.refund(order_id="A1", amount=5)
    return [first, second]
"""


def approval_tools(effects: Counter[str]) -> list[Any]:
    from codemode import tool as codemode_tool

    @codemode_tool
    async def get_order(order_id: str) -> dict[str, Any]:
        """Look an order up."""
        effects["get_order"] += 1
        return {"order_id": order_id, "amount": 250}

    @codemode_tool(requires_approval=True)
    async def refund(order_id: str, amount: int) -> str:
        """Refund an order."""
        effects[f"refund:{amount}"] += 1
        return f"refunded {amount}"

    return [get_order, refund]


def approval_agent(effects: Counter[str]) -> Any:
    agents = pytest.importorskip("langchain.agents")
    from langgraph.checkpoint.memory import InMemorySaver

    cm = Codemode(approval_tools(effects))
    model = ScriptedChatModel(
        script=[run_code_call(APPROVAL_PROGRAM), lambda m: "Done: " + last_tool_result(m)]
    )
    return agents.create_agent(model, tools=[as_langchain_tool(cm)], checkpointer=InMemorySaver())


def interrupt_payload(state: dict[str, Any]) -> dict[str, Any]:
    [pending_interrupt] = state["__interrupt__"]
    payload: dict[str, Any] = pending_interrupt.value
    assert payload["type"] == "codemode.approval"
    return payload


def test_create_agent_pauses_through_interrupt_and_resumes_with_command() -> None:
    from langgraph.types import Command

    effects: Counter[str] = Counter()
    agent = approval_agent(effects)
    config = {"configurable": {"thread_id": "approvals-1"}}
    state = agent.invoke({"messages": [HumanMessage("Refund order A1")]}, config)
    payload = interrupt_payload(state)
    [pending] = payload["pending"]
    assert (pending["tool"], pending["args"]) == ("refund", {"order_id": "A1", "amount": 250})
    assert effects == Counter({"get_order": 1})
    # The first refund is approved; the program goes on and waits at the second one.
    state = agent.invoke(Command(resume={"approve": [pending["id"]]}), config)
    [second] = interrupt_payload(state)["pending"]
    assert second["args"]["amount"] == 5
    assert effects == Counter({"get_order": 1, "refund:250": 1})
    state = agent.invoke(Command(resume={second["id"]: "not today"}), config)
    assert "__interrupt__" not in state
    # each side effect once, across the two resumes of the node
    assert effects == Counter({"get_order": 1, "refund:250": 1})
    tool_message = state["messages"][-2]
    assert isinstance(tool_message, ToolMessage)
    result = tool_message.artifact
    assert isinstance(result, ExecuteResult) and result.status == "error"
    assert "not today" in tool_message.content
    assert state["messages"][-1].content.startswith("Done: ")


async def test_create_agent_approvals_async() -> None:
    from langgraph.types import Command

    effects: Counter[str] = Counter()
    agent = approval_agent(effects)
    config = {"configurable": {"thread_id": "approvals-2"}}
    state = await agent.ainvoke({"messages": [HumanMessage("Refund order A1")]}, config)
    first = interrupt_payload(state)["pending"][0]["id"]
    state = await agent.ainvoke(Command(resume=True), config)
    second = interrupt_payload(state)["pending"][0]["id"]
    assert second != first
    state = await agent.ainvoke(Command(resume={"approve": [second]}), config)
    result = state["messages"][-2].artifact
    assert result.status == "completed" and result.value == ["refunded 250", "refunded 5"]
    assert effects == Counter({"get_order": 1, "refund:250": 1, "refund:5": 1})


def test_outside_a_graph_the_tool_answers_with_the_paused_run() -> None:
    effects: Counter[str] = Counter()
    run_code = as_langchain_tool(Codemode(approval_tools(effects)))
    message = run_code.invoke(
        {"type": "tool_call", "id": "1", "name": "run_code", "args": {"code": APPROVAL_PROGRAM}}
    )
    assert message.artifact.status == "paused"
    assert message.artifact.pending[0].id in message.content


def test_from_langchain_marks_the_tools_that_need_approval() -> None:
    from codemode import RegistrationError

    @tool
    def delete_file(path: str) -> str:
        """Delete a file."""
        return "deleted " + path

    @tool
    def read_file(path: str) -> str:
        """Read a file."""
        return "text"

    tools = from_langchain([delete_file, read_file], requires_approval=["delete_file"])
    assert [t.requires_approval for t in tools] == [True, False]
    paused = Codemode(tools).execute_sync(
        "async def main():\n    return await codemode.delete_file(path='/x')"
    )
    assert paused.status == "paused"
    with pytest.raises(RegistrationError, match="unknown tools: nope"):
        from_langchain([read_file], requires_approval=["nope"])


def test_a_new_agent_on_the_same_checkpointer_resumes_the_paused_program() -> None:
    """As another process would: new tools, a new Codemode and agent, the saver's stored state."""
    agents = pytest.importorskip("langchain.agents")
    from langgraph.checkpoint.memory import InMemorySaver
    from langgraph.types import Command

    saver = InMemorySaver()
    effects: Counter[str] = Counter()
    model = ScriptedChatModel(  # one script across the agents: the conversation goes on
        script=[run_code_call(APPROVAL_PROGRAM), lambda m: "Done: " + last_tool_result(m)]
    )

    def agent() -> Any:
        cm = Codemode(approval_tools(effects))
        return agents.create_agent(model, tools=[as_langchain_tool(cm)], checkpointer=saver)

    config = {"configurable": {"thread_id": "approvals-3"}}
    state = agent().invoke({"messages": [HumanMessage("Refund order A1")]}, config)
    interrupt_payload(state)
    state = agent().invoke(Command(resume=True), config)
    interrupt_payload(state)
    state = agent().invoke(Command(resume=True), config)
    assert "__interrupt__" not in state
    assert state["messages"][-2].artifact.value == ["refunded 250", "refunded 5"]
    assert effects == Counter({"get_order": 1, "refund:250": 1, "refund:5": 1})


def test_resume_by_interrupt_id() -> None:
    from langgraph.types import Command

    effects: Counter[str] = Counter()
    agent = approval_agent(effects)
    config = {"configurable": {"thread_id": "approvals-4"}}
    state = agent.invoke({"messages": [HumanMessage("Refund order A1")]}, config)
    for _ in range(2):
        [waiting] = state["__interrupt__"]
        state = agent.invoke(Command(resume={waiting.id: True}), config)
    assert "__interrupt__" not in state
    assert effects == Counter({"get_order": 1, "refund:250": 1, "refund:5": 1})


# -- sessions: one per tool, or per LangGraph thread ----------------------------------------------

KEEP = "cities = await codemode.list_cities()\nlen(cities)"
REUSE = "[c.upper() for c in cities]"


def test_a_session_tool_keeps_state_across_calls(cm: Codemode) -> None:
    run_code = as_langchain_tool(cm, session=True)
    assert "one session" in run_code.description
    first = run_code.invoke(tool_call(KEEP, "c1"))
    second = run_code.invoke(tool_call(REUSE, "c2"))
    assert first.artifact.value == 2
    assert second.artifact.ok and second.artifact.value == ["LISBON", "PARIS"]
    plain = as_langchain_tool(cm)
    assert "one session" not in plain.description
    plain.invoke(tool_call(KEEP))
    assert "NameError" in plain.invoke(tool_call(REUSE)).content
    run_code.close_sessions()  # type: ignore[attr-defined]


async def test_a_session_tool_keeps_state_across_async_calls(cm: Codemode) -> None:
    run_code = as_langchain_tool(cm, session=True)
    await run_code.ainvoke(tool_call(KEEP, "c1"))
    second = await run_code.ainvoke(tool_call(REUSE, "c2"))
    assert second.artifact.value == ["LISBON", "PARIS"]


def reused_names(messages: list[BaseMessage]) -> str:
    return "Saw: " + last_tool_result(messages)


async def test_one_session_per_langgraph_thread(cm: Codemode) -> None:
    agents = pytest.importorskip("langchain.agents")
    checkpoint = pytest.importorskip("langgraph.checkpoint.memory")
    model = ScriptedChatModel(
        script=[
            run_code_call(KEEP, call_id="a1"),
            "kept",
            run_code_call(REUSE, call_id="a2"),
            reused_names,
            run_code_call(REUSE, call_id="b1"),
            reused_names,
        ]
    )
    run_code = as_langchain_tool(cm, session=True)
    agent = agents.create_agent(model, tools=[run_code], checkpointer=checkpoint.InMemorySaver())
    thread_a = {"configurable": {"thread_id": "a"}}
    thread_b = {"configurable": {"thread_id": "b"}}
    await agent.ainvoke({"messages": [HumanMessage("list the cities")]}, thread_a)
    state = await agent.ainvoke({"messages": [HumanMessage("shout them")]}, thread_a)
    assert state["messages"][-1].content == 'Saw: Result:\n["LISBON", "PARIS"]'
    other = await agent.ainvoke({"messages": [HumanMessage("shout them")]}, thread_b)
    assert "NameError" in other["messages"][-1].content  # thread b has its own session
    assert sorted(run_code.sessions) == ["a", "b"]  # type: ignore[attr-defined]
    run_code.close_sessions()  # type: ignore[attr-defined]
