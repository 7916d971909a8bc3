"""codemode as a LangChain tool: existing LangChain tools in, one `run_code` tool out.

A LangChain tool-calling loop (`bind_tools`, run the tool, feed the `ToolMessage` back) where the
model answers with one program instead of one tool call per lookup.

    python examples/langchain_agent.py             # offline: a scripted chat model
    OPENAI_API_KEY=sk-... python examples/langchain_agent.py

With OPENAI_API_KEY or OPENAI_BASE_URL set it uses `ChatOpenAI` (`pip install langchain-openai`)
against that endpoint (any OpenAI-compatible server) with the model in OPENAI_MODEL.
`langchain.agents.create_agent(model, tools=[run_code])` takes the same tool.
"""

from __future__ import annotations

import asyncio
import os
from typing import Any

try:
    from langchain_core.language_models import BaseChatModel
    from langchain_core.messages import BaseMessage, HumanMessage, ToolMessage
    from langchain_core.tools import ToolException, tool
except ImportError:
    raise SystemExit(
        "this example needs LangChain: pip install 'codemode[langchain]' "
        '(from a checkout: pip install -e ".[langchain]")'
    ) from None

from codemode import Codemode, ExecuteResult
from codemode.adapters.langchain import as_langchain_tool, from_langchain

TEMPERATURES = {"paris": 14.0, "lisbon": 21.0, "oslo": 3.5}


@tool
def get_weather(city: str) -> dict[str, Any]:
    """Current weather for a city.

    Args:
        city: City name.
    """
    if city.lower() not in TEMPERATURES:
        raise ToolException(f"no weather station in {city}")
    return {"city": city, "temperature_c": TEMPERATURES[city.lower()]}


@tool
async def list_cities() -> list[str]:
    """The cities with a weather station."""
    await asyncio.sleep(0)
    return sorted(name.title() for name in TEMPERATURES)


QUESTION = "Which city with a weather station is the warmest right now? Try Berlin too."

# What the scripted model writes; a real model writes its own program from the stubs.
PROGRAM = """\
async def main():
    cities = await codemode.list_cities()
    try:
        await codemode.get_weather(city="Berlin")
    except ToolError as e:
        print("Berlin:", e)
    reports = await asyncio.gather(*(codemode.get_weather(city=c) for c in cities))
    return max(reports, key=lambda r: r["temperature_c"])
"""


def scripted_model() -> BaseChatModel:
    from scripted_langchain import ScriptedChatModel, last_tool_result, run_code_call

    def answer(messages: list[BaseMessage]) -> str:
        return "The program found:\n" + last_tool_result(messages)

    return ScriptedChatModel(script=[run_code_call(PROGRAM), answer])


def real_model() -> BaseChatModel:
    from langchain_openai import ChatOpenAI  # pip install langchain-openai

    return ChatOpenAI(
        model=os.environ.get("OPENAI_MODEL", "gpt-4.1-mini"),
        base_url=os.environ.get("OPENAI_BASE_URL"),
        api_key=os.environ.get("OPENAI_API_KEY") or "unused",
    )


def main() -> None:
    online = bool(os.environ.get("OPENAI_API_KEY") or os.environ.get("OPENAI_BASE_URL"))
    model = real_model() if online else scripted_model()
    print(f"model: {type(model).__name__} ({'online' if online else 'offline'})")

    cm = Codemode(from_langchain([get_weather, list_cities]))
    run_code = as_langchain_tool(cm)
    chat = model.bind_tools([run_code])

    messages: list[BaseMessage] = [HumanMessage(QUESTION)]
    for _ in range(5):
        reply = chat.invoke(messages)
        messages.append(reply)
        if not reply.tool_calls:
            break
        for call in reply.tool_calls:
            if call["name"] != run_code.name:
                error = f"unknown tool {call['name']!r}; use {run_code.name}"
                messages.append(ToolMessage(error, tool_call_id=call["id"], status="error"))
                continue
            message = run_code.invoke(call)  # a ToolMessage, with the ExecuteResult as artifact
            messages.append(message)
            show(call["args"].get("code", ""), message)
    print("\nanswer:", messages[-1].content)


def show(code: str, message: ToolMessage) -> None:
    result: ExecuteResult = message.artifact
    print("\n--- the model's program ---\n" + str(code).rstrip())
    print("--- tool calls it made ---")
    for call in result.tool_calls:
        print(f"  {call.name}({call.args}) -> {'ok' if call.ok else call.error}")
    print("--- what the model reads back ---\n" + str(message.content))


if __name__ == "__main__":
    main()
