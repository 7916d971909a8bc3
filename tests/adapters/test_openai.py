"""The OpenAI adapter, through the real `openai` client talking HTTP to a scripted server."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import openai
import pytest
from openai.types.chat import ChatCompletionMessage
from openai.types.responses import Response
from scripted_openai import Call, Request, ScriptedOpenAI

from codemode import CheckpointError, Codemode, RegistrationError, Tool
from codemode.adapters.openai import (
    PausedLoop,
    ahandle_tool_calls,
    aresume_loop,
    arun_loop,
    from_openai,
    handle_tool_calls,
    openai_tool,
    resume_loop,
    run_loop,
)

# -- existing OpenAI functions, in each of the three forms -------------------------------------

WEATHER = {  # Chat Completions tool form
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather for a city.",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string", "description": "City name."}},
            "required": ["city"],
            "additionalProperties": False,
        },
        "strict": True,
    },
}
CONVERT = {  # bare form
    "name": "convert",
    "description": "Celsius to Fahrenheit.",
    "parameters": {
        "type": "object",
        "properties": {"celsius": {"type": "number"}},
        "required": ["celsius"],
    },
}
CITIES = {  # Responses form, no parameters
    "type": "function",
    "name": "list-cities",
    "description": "Cities with a weather station.",
}

TEMPERATURES = {"paris": 14.0, "lisbon": 21.0}


class Handlers:
    """Sync and async handlers that record what they were called with."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def get_weather(self, city: str) -> dict[str, Any]:
        self.calls.append(("get_weather", {"city": city}))
        if city.lower() not in TEMPERATURES:
            raise LookupError(f"no weather station in {city}")
        return {"city": city, "temperature": TEMPERATURES[city.lower()]}

    async def convert(self, celsius: float) -> float:
        self.calls.append(("convert", {"celsius": celsius}))
        await asyncio.sleep(0)
        return celsius * 9 / 5 + 32

    def list_cities(self) -> list[str]:
        self.calls.append(("list-cities", {}))
        return sorted(TEMPERATURES)

    def mapping(self) -> dict[str, Any]:
        return {
            "get_weather": self.get_weather,
            "convert": self.convert,
            "list-cities": self.list_cities,
        }


@pytest.fixture
def handlers() -> Handlers:
    return Handlers()


@pytest.fixture
def cm(handlers: Handlers) -> Codemode:
    return Codemode(from_openai([WEATHER, CONVERT, CITIES], handlers.mapping()), timeout=5)


PROGRAM = """\
async def main():
    cities = await codemode.list_cities()
    reports = await asyncio.gather(*(codemode.get_weather(city=c) for c in cities))
    warmest = max(reports, key=lambda r: r["temperature"])
    print("compared", len(reports))
    return {"city": warmest["city"], "f": await codemode.convert(celsius=warmest["temperature"])}
"""
EXPECTED = {"city": "lisbon", "f": 69.8}


@pytest.fixture
def server_factory() -> Iterator[Any]:
    servers: list[ScriptedOpenAI] = []

    def start(script: list[Any]) -> ScriptedOpenAI:
        server = ScriptedOpenAI(script).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


def client_for(server: ScriptedOpenAI) -> Any:
    return openai.OpenAI(base_url=server.url, api_key="test-key", max_retries=0)


def async_client_for(server: ScriptedOpenAI) -> Any:
    return openai.AsyncOpenAI(base_url=server.url, api_key="test-key", max_retries=0)


def answer(request: Request) -> str:
    return "Final: " + request.tool_outputs()[-1]


# -- openai_tool -----------------------------------------------------------------------------------

PARAMETERS = {
    "type": "object",
    "properties": {"code": {"type": "string"}},
    "required": ["code"],
    "additionalProperties": False,
}


def test_openai_tool_shapes(cm: Codemode) -> None:
    assert openai_tool(cm, "chat") == {
        "type": "function",
        "function": {
            "name": "run_code",
            "description": cm.prompt(),
            "parameters": PARAMETERS,
            "strict": True,
        },
    }
    assert openai_tool(cm, api="responses") == {
        "type": "function",
        "name": "run_code",
        "description": cm.prompt(),
        "parameters": PARAMETERS,
        "strict": True,
    }
    assert openai_tool(cm) == openai_tool(cm, "chat")
    assert openai_tool(cm, name="python")["function"]["name"] == "python"
    with pytest.raises(ValueError, match="api"):
        openai_tool(cm, api="assistants")  # type: ignore[arg-type]


def test_openai_tool_description_holds_every_stub(cm: Codemode) -> None:
    description = openai_tool(cm)["function"]["description"]
    stub_lines = [line for line in cm.stubs().splitlines() if line.startswith("async def ")]
    assert len(stub_lines) == 3
    assert all(line in description.splitlines() for line in stub_lines)


def test_openai_tool_parameters_are_a_fresh_copy(cm: Codemode) -> None:
    openai_tool(cm)["function"]["parameters"]["properties"]["x"] = {}
    assert openai_tool(cm)["function"]["parameters"] == PARAMETERS


# -- handle_tool_calls -----------------------------------------------------------------------------


def chat_message(*calls: tuple[str, str, str], content: str | None = None) -> dict[str, Any]:
    return {
        "role": "assistant",
        "content": content,
        "tool_calls": [
            {"id": i, "type": "function", "function": {"name": n, "arguments": a}}
            for i, n, a in calls
        ],
    }


def responses_output(*calls: tuple[str, str, str]) -> list[dict[str, Any]]:
    return [
        {"type": "reasoning", "id": "rs_1", "summary": []},
        *(
            {
                "type": "function_call",
                "id": f"fc_{i}",
                "call_id": i,
                "name": n,
                "arguments": a,
                "status": "completed",
            }
            for i, n, a in calls
        ),
    ]


def response_of(output: list[dict[str, Any]]) -> Response:
    return Response.model_validate(
        {
            "id": "resp_1",
            "object": "response",
            "created_at": 0,
            "model": "m",
            "output": output,
            "parallel_tool_calls": True,
            "tool_choice": "auto",
            "tools": [],
        }
    )


def code_args(code: str) -> str:
    return json.dumps({"code": code})


CALLS = (
    ("c1", "run_code", code_args("await codemode.get_weather(city='Paris')")),
    ("c2", "lookup", "{}"),  # another tool: the caller's
    ("c3", "run_code", code_args("await codemode.convert(celsius=100)")),
)


@pytest.mark.parametrize("form", ["object", "dict"])
def test_handle_chat_message(cm: Codemode, form: str) -> None:
    data = chat_message(*CALLS)
    message = ChatCompletionMessage.model_validate(data) if form == "object" else data
    replies = handle_tool_calls(cm, message)
    assert replies == [
        {
            "role": "tool",
            "tool_call_id": "c1",
            "content": cm.execute_sync("await codemode.get_weather(city='Paris')").to_text(),
        },
        {
            "role": "tool",
            "tool_call_id": "c3",
            "content": "Result:\n212.0\n\n(1 tool call, 0 failed)",
        },
    ]
    assert json.loads(json.dumps(replies)) == replies


@pytest.mark.parametrize("form", ["response", "output", "output-objects"])
def test_handle_responses_output(cm: Codemode, form: str) -> None:
    output = responses_output(*CALLS)
    response = response_of(output)
    given: Any = {"response": response, "output": output, "output-objects": response.output}[form]
    replies = handle_tool_calls(cm, given)
    assert [r["call_id"] for r in replies] == ["c1", "c3"]
    assert all(r["type"] == "function_call_output" for r in replies)
    assert replies[1]["output"] == "Result:\n212.0\n\n(1 tool call, 0 failed)"
    assert json.loads(json.dumps(replies)) == replies


def test_handle_a_message_without_tool_calls(cm: Codemode) -> None:
    assert handle_tool_calls(cm, {"role": "assistant", "content": "hi"}) == []
    assert handle_tool_calls(cm, []) == []


def test_handle_refuses_what_is_not_a_turn(cm: Codemode) -> None:
    with pytest.raises(TypeError, match="ChatCompletionMessage"):
        handle_tool_calls(cm, {"unrelated": 1})


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        ('{"code": "await codemode.list_cities()', "not valid JSON"),
        ("", "got no arguments"),
        ("{}", "got no arguments"),
        ('{"program": "x"}', "got arguments 'program'"),
        ('{"code": 5}', "got `code` as a number"),
        ('{"code": null}', "got `code` as null"),
        ('["await codemode.list_cities()"]', "got an array, not an object"),
    ],
)
def test_bad_arguments_get_a_clear_message_and_run_nothing(
    cm: Codemode, handlers: Handlers, arguments: str, expected: str
) -> None:
    for message in (
        chat_message(("c1", "run_code", arguments)),
        responses_output(("c1", "run_code", arguments)),
    ):
        [reply] = handle_tool_calls(cm, message)
        text = reply.get("content", reply.get("output"))
        assert text.startswith("Error: ") and expected in text
        assert "code" in text and "Nothing was run" in text
    assert handlers.calls == []


async def test_handle_inside_a_running_loop(cm: Codemode) -> None:
    [reply] = handle_tool_calls(cm, chat_message(CALLS[2]))
    assert reply["content"].startswith("Result:\n212.0")


async def test_ahandle_runs_on_the_callers_loop() -> None:
    loop = asyncio.get_running_loop()

    async def same_loop() -> bool:
        return asyncio.get_running_loop() is loop

    cm = Codemode([Tool.from_function(same_loop)])
    message = chat_message(("c1", "run_code", code_args("await codemode.same_loop()")))
    [reply] = await ahandle_tool_calls(cm, message)
    assert reply["content"].startswith("Result:\ntrue")


# -- run_loop and arun_loop against the scripted server -------------------------------------------


def check_chat_exchange(
    server: ScriptedOpenAI, cm: Codemode, final: Any, transcript: list[dict[str, Any]]
) -> None:
    first, second = server.requests
    assert first.api == second.api == "chat"
    assert first.headers.get("authorization") == "Bearer test-key"
    assert first.body["model"] == "test-model"
    assert first.tools == [openai_tool(cm, "chat", session=True)]
    assert first.body["messages"] == [{"role": "user", "content": "Which city is warmest?"}]
    assistant, tool_message = second.body["messages"][1:]
    assert assistant["role"] == "assistant"
    [call] = assistant["tool_calls"]
    assert call["type"] == "function" and call["function"]["name"] == "run_code"
    assert json.loads(call["function"]["arguments"]) == {"code": PROGRAM}
    assert tool_message["role"] == "tool" and tool_message["tool_call_id"] == call["id"]
    expected = cm.execute_sync(PROGRAM)
    assert expected.value == EXPECTED
    assert tool_message["content"] == expected.to_text()
    assert tool_message["content"].startswith("Output:\ncompared 2\n\nResult:\n")
    assert isinstance(final, ChatCompletionMessage)
    assert final.content == "Final: " + tool_message["content"]
    assert transcript == [*second.body["messages"], {"role": "assistant", "content": final.content}]
    assert json.loads(json.dumps(transcript)) == transcript


def check_responses_exchange(
    server: ScriptedOpenAI, cm: Codemode, final: Any, transcript: list[dict[str, Any]]
) -> None:
    first, second = server.requests
    assert first.api == second.api == "responses"
    assert first.tools == [openai_tool(cm, "responses", session=True)]
    assert first.body["input"] == [{"role": "user", "content": "Which city is warmest?"}]
    call, output = second.body["input"][1:]
    assert call["type"] == "function_call" and call["name"] == "run_code"
    assert json.loads(call["arguments"]) == {"code": PROGRAM}
    assert output == {
        "type": "function_call_output",
        "call_id": call["call_id"],
        "output": cm.execute_sync(PROGRAM).to_text(),
    }
    assert isinstance(final, Response)
    assert final.output_text == "Final: " + output["output"]
    assert transcript[: len(second.body["input"])] == second.body["input"]
    assert transcript[-1]["type"] == "message"
    assert json.loads(json.dumps(transcript)) == transcript


def test_run_loop_chat(cm: Codemode, server_factory: Any) -> None:
    server = server_factory([Call({"code": PROGRAM}), answer])
    final, transcript = run_loop(
        client_for(server),
        cm,
        model="test-model",
        messages=[{"role": "user", "content": "Which city is warmest?"}],
    )
    check_chat_exchange(server, cm, final, transcript)


def test_run_loop_responses(cm: Codemode, server_factory: Any) -> None:
    server = server_factory([Call({"code": PROGRAM}), answer])
    final, transcript = run_loop(
        client_for(server),
        cm,
        model="test-model",
        messages="Which city is warmest?",
        api="responses",
    )
    check_responses_exchange(server, cm, final, transcript)


async def test_arun_loop_chat(cm: Codemode, server_factory: Any) -> None:
    server = server_factory([Call({"code": PROGRAM}), answer])
    final, transcript = await arun_loop(
        async_client_for(server), cm, model="test-model", messages="Which city is warmest?"
    )
    check_chat_exchange(server, cm, final, transcript)


async def test_arun_loop_responses(cm: Codemode, server_factory: Any) -> None:
    server = server_factory([Call({"code": PROGRAM}), answer])
    final, transcript = await arun_loop(
        async_client_for(server),
        cm,
        model="test-model",
        messages=[{"role": "user", "content": "Which city is warmest?"}],
        api="responses",
    )
    check_responses_exchange(server, cm, final, transcript)


@pytest.mark.parametrize("api", ["chat", "responses"])
def test_run_loop_survives_bad_calls(
    cm: Codemode, handlers: Handlers, server_factory: Any, api: str
) -> None:
    turn = [
        Call('{"code": "await codemode.list_cities()'),  # cut-off JSON
        Call({"query": "weather"}, name="web_search"),  # a tool that is not there
        Call({}),  # no code
        Call({"code": "await codemode.get_weather(city='Atlantis')"}),  # a failing tool
    ]
    server = server_factory([turn, "Sorry."])
    final, _ = run_loop(
        client_for(server),
        cm,
        model="test-model",
        messages="hi",
        api=api,  # type: ignore[call-overload]
    )
    outputs = server.requests[1].tool_outputs()
    assert len(outputs) == 4
    assert "not valid JSON" in outputs[0]
    assert "there is no tool 'web_search'" in outputs[1] and "'run_code'" in outputs[1]
    assert "takes one argument, `code`" in outputs[2]
    assert "no weather station in Atlantis" in outputs[3] and outputs[3].startswith("Error: ")
    assert handlers.calls == [("get_weather", {"city": "Atlantis"})]
    final_text = final.content if api == "chat" else final.output_text
    assert final_text == "Sorry."


@pytest.mark.parametrize("api", ["chat", "responses"])
def test_run_loop_stops_after_max_turns(cm: Codemode, server_factory: Any, api: str) -> None:
    again = Call({"code": "await codemode.list_cities()"})
    server = server_factory([again, again, again])
    final, transcript = run_loop(
        client_for(server),
        cm,
        model="m",
        messages="loop",
        api=api,
        max_turns=2,  # type: ignore[call-overload]
    )
    assert len(server.requests) == 2
    tool_outputs = [
        t for t in transcript if t.get("role") == "tool" or t.get("type") == "function_call_output"
    ]
    assert len(tool_outputs) == 2  # the last turn's call is answered in the transcript
    if api == "chat":
        assert final.tool_calls
    else:
        assert final.output[-1].type == "function_call"


def test_run_loop_refuses_bad_settings(cm: Codemode) -> None:
    with pytest.raises(ValueError, match="max_turns"):
        run_loop(object(), cm, model="m", messages="hi", max_turns=0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="api"):
        run_loop(object(), cm, model="m", messages="hi", api="batch")  # type: ignore[call-overload]


def test_run_loop_passes_create_arguments(cm: Codemode, server_factory: Any) -> None:
    server = server_factory(["hello"])
    final, transcript = run_loop(client_for(server), cm, model="m", messages="hi", temperature=0.25)
    assert server.requests[0].body["temperature"] == 0.25
    assert final.content == "hello"
    assert transcript == [
        {"role": "user", "content": "hi"},
        {"role": "assistant", "content": "hello"},
    ]


def test_run_loop_raises_api_errors(cm: Codemode, server_factory: Any) -> None:
    server = server_factory([])  # the scripted server answers 400 to everything
    with pytest.raises(openai.BadRequestError):
        run_loop(client_for(server), cm, model="m", messages="hi")


# -- from_openai -----------------------------------------------------------------------------------


def test_from_openai_reads_all_three_forms(handlers: Handlers) -> None:
    tools = from_openai([WEATHER, CONVERT, CITIES], handlers.mapping())
    assert [t.name for t in tools] == ["get_weather", "convert", "list-cities"]
    assert [t.python_name for t in tools] == ["get_weather", "convert", "list_cities"]
    assert tools[0].description == "Current weather for a city."
    assert tools[0].input_schema == WEATHER["function"]["parameters"]  # type: ignore[index]
    assert tools[1].input_schema == CONVERT["parameters"]
    assert tools[2].input_schema == {"type": "object", "properties": {}}


async def test_from_openai_tools_run_validated(cm: Codemode, handlers: Handlers) -> None:
    result = await cm.execute(PROGRAM)
    assert result.ok, result.error
    assert result.value == EXPECTED
    assert ("convert", {"celsius": 21.0}) in handlers.calls
    bad = await cm.execute("await codemode.get_weather(city=5)")
    assert bad.error is not None and bad.error.type == "validation"
    assert "get_weather()" in bad.error.message
    extra = await cm.execute("await codemode.get_weather({'city': 'Paris', 'units': 'c'})")
    assert extra.error is not None and extra.error.type == "validation"
    failing = await cm.execute("await codemode.get_weather(city='Atlantis')")
    assert failing.error is not None and failing.error.type == "tool"
    assert "no weather station in Atlantis" in failing.error.message


def test_from_openai_mistakes_are_registration_errors(handlers: Handlers) -> None:
    with pytest.raises(RegistrationError, match="no handler for the OpenAI function 'convert'"):
        from_openai([CONVERT], {})
    with pytest.raises(RegistrationError, match="not given: convert"):
        from_openai([WEATHER], {"get_weather": handlers.get_weather, "convert": handlers.convert})
    with pytest.raises(RegistrationError, match="only function tools"):
        from_openai([{"type": "web_search"}], {})
    with pytest.raises(RegistrationError, match="needs a name"):
        from_openai([{"type": "function", "function": {"parameters": {}}}], {})


def test_from_openai_then_run_loop_end_to_end(handlers: Handlers, server_factory: Any) -> None:
    cm = Codemode(from_openai([WEATHER, CONVERT, CITIES], handlers.mapping()))
    server = server_factory([Call({"code": PROGRAM}), answer])
    final, _ = run_loop(client_for(server), cm, model="m", messages="warmest?")
    assert '"city": "lisbon"' in final.content and '"f": 69.8' in final.content
    stubs = server.requests[0].tools[0]["function"]["description"]
    assert "async def list_cities(" in stubs and "async def convert(" in stubs


def test_own_loop_with_another_tool(cm: Codemode, server_factory: Any) -> None:
    """The README's hand-written loop: run_code beside a tool the caller answers itself."""
    lookup = {"type": "function", "function": {"name": "lookup", "parameters": {"type": "object"}}}
    turn = [Call({"code": "await codemode.convert(celsius=0)"}), Call({}, name="lookup")]
    server = server_factory([turn, "done"])
    client = client_for(server)
    messages: list[Any] = [{"role": "user", "content": "hi"}]
    tools = [openai_tool(cm), lookup]
    message = client.chat.completions.create(model="m", messages=messages, tools=tools)
    message = message.choices[0].message
    messages.append(message)  # the client's own object, as OpenAI's docs do
    messages.extend(handle_tool_calls(cm, message))
    [other] = [c for c in message.tool_calls if c.function.name == "lookup"]
    messages.append({"role": "tool", "tool_call_id": other.id, "content": "looked up"})
    final = client.chat.completions.create(model="m", messages=messages, tools=tools)
    assert final.choices[0].message.content == "done"
    sent = server.requests[1].body["messages"]
    assert [m["role"] for m in sent] == ["user", "assistant", "tool", "tool"]
    assert sent[2]["content"] == "Result:\n32.0\n\n(1 tool call, 0 failed)"
    assert sent[3] == {"role": "tool", "tool_call_id": other.id, "content": "looked up"}


# -- approvals: the loop stops while a program waits, and goes on with the decisions -------------

GUARDED_PROGRAM = """\
async def main():
    cities = await codemode.list_cities()
    first = await codemode.get_weather(city=cities[0])
    return {"first": first, "f": await codemode.convert(celsius=first["temperature"])}
"""


def guarded_cm(handlers: Handlers) -> Codemode:
    tools = from_openai(
        [WEATHER, CONVERT, CITIES], handlers.mapping(), requires_approval=["convert"]
    )
    return Codemode(tools, timeout=5)


@pytest.mark.parametrize("api", ["chat", "responses"])
def test_run_loop_returns_the_pending_calls_and_resume_loop_goes_on(
    handlers: Handlers, server_factory: Any, api: str
) -> None:
    server = server_factory([Call({"code": GUARDED_PROGRAM}), answer])
    cm = guarded_cm(handlers)
    paused, transcript = run_loop(
        client_for(server), cm, model="test-model", messages="Warmest?", api=api
    )
    assert isinstance(paused, PausedLoop)
    [pending] = paused.pending
    assert (pending.tool, pending.args) == ("convert", {"celsius": 21.0})
    assert len(server.requests) == 1  # the model was not asked again while the program waits
    assert [name for name, _ in handlers.calls] == ["list-cities", "get_weather"]
    stored = json.loads(json.dumps(paused.to_dict()))  # kept in a database meanwhile
    other = guarded_cm(handlers)  # another process: the same tools
    final, transcript = resume_loop(
        client_for(server), other, stored, model="test-model", approve=[pending.id]
    )
    assert [name for name, _ in handlers.calls] == ["list-cities", "get_weather", "convert"]
    output = server.requests[1].tool_outputs()[-1]
    assert '"f": 69.8' in output
    text = final.content if api == "chat" else final.output_text
    assert text == "Final: " + output
    assert json.loads(json.dumps(transcript)) == transcript


async def test_arun_loop_rejected_and_inline_approvals(
    handlers: Handlers, server_factory: Any
) -> None:
    server = server_factory([Call({"code": GUARDED_PROGRAM}), answer])
    cm = guarded_cm(handlers)
    paused, _ = await arun_loop(async_client_for(server), cm, model="m", messages="Warmest?")
    assert isinstance(paused, PausedLoop)
    with pytest.raises(CheckpointError):
        await aresume_loop(async_client_for(server), cm, paused, model="m", approve=["nope"])
    final, _ = await aresume_loop(
        async_client_for(server), cm, paused, model="m", reject={paused.pending[0].id: "no"}
    )
    assert "rejected: no" in final.content
    assert "convert" not in [name for name, _ in handlers.calls]
    # with an approve callback nothing pauses
    server = server_factory([Call({"code": GUARDED_PROGRAM}), answer])
    cm.approve = lambda call: call.tool == "convert"
    final, _ = await arun_loop(async_client_for(server), cm, model="m", messages="Warmest?")
    assert '"f": 69.8' in final.content


# -- sessions: one per loop --------------------------------------------------------------------

FIRST_TURN = "reports = [await codemode.get_weather(city=c) for c in await codemode.list_cities()]"
SECOND_TURN = "max(reports, key=lambda r: r['temperature'])['city']"


def check_state_kept(server: ScriptedOpenAI, handlers: Handlers) -> None:
    first, _, third = server.requests
    assert "one session" in first.tools[0]["function"]["description"]
    outputs = third.tool_outputs()
    assert outputs[-1] == "Result:\nlisbon", outputs  # the second turn read the first's names
    assert [name for name, _ in handlers.calls].count("list-cities") == 1


def test_run_loop_keeps_state_across_turns(
    cm: Codemode, handlers: Handlers, server_factory: Any
) -> None:
    server = server_factory([Call({"code": FIRST_TURN}), Call({"code": SECOND_TURN}), answer])
    run_loop(client_for(server), cm, model="m", messages="warmest?")
    check_state_kept(server, handlers)


async def test_arun_loop_keeps_state_across_turns(
    cm: Codemode, handlers: Handlers, server_factory: Any
) -> None:
    server = server_factory([Call({"code": FIRST_TURN}), Call({"code": SECOND_TURN}), answer])
    await arun_loop(async_client_for(server), cm, model="m", messages="warmest?")
    check_state_kept(server, handlers)


def test_run_loop_without_a_session_starts_each_program_afresh(
    cm: Codemode, server_factory: Any
) -> None:
    server = server_factory([Call({"code": FIRST_TURN}), Call({"code": SECOND_TURN}), answer])
    run_loop(client_for(server), cm, model="m", messages="warmest?", session=False)
    first, _, third = server.requests
    assert "one session" not in first.tools[0]["function"]["description"]
    assert "NameError" in third.tool_outputs()[-1]


def test_two_loops_do_not_share_a_session(cm: Codemode, server_factory: Any) -> None:
    one = server_factory([Call({"code": FIRST_TURN}), answer])
    run_loop(client_for(one), cm, model="m", messages="a")
    two = server_factory([Call({"code": SECOND_TURN}), answer])
    run_loop(client_for(two), cm, model="m", messages="b")
    assert "NameError" in two.requests[1].tool_outputs()[-1]


def test_handle_tool_calls_takes_a_session(cm: Codemode) -> None:
    session = cm.session()
    turn = {"role": "assistant", "tool_calls": [_chat_call("c1", FIRST_TURN)]}
    handle_tool_calls(session, turn)
    (reply,) = handle_tool_calls(session, {**turn, "tool_calls": [_chat_call("c2", SECOND_TURN)]})
    assert reply["content"] == "Result:\nlisbon"
    session.close()


def _chat_call(call_id: str, code: str) -> dict[str, Any]:
    return {
        "id": call_id,
        "type": "function",
        "function": {"name": "run_code", "arguments": json.dumps({"code": code})},
    }
