"""codemode in an OpenAI function-calling loop: existing function definitions in, one tool out.

The model gets one tool, `run_code`, whose description holds typed stubs of `get_weather` and
`get_forecast`, and answers with one program instead of a tool call per city.

    python examples/openai_loop.py                    # offline: a scripted server on 127.0.0.1
    python examples/openai_loop.py --api responses    # the Responses API instead of Chat
    OPENAI_API_KEY=sk-... python examples/openai_loop.py

With OPENAI_API_KEY or OPENAI_BASE_URL set it talks to that endpoint (any OpenAI-compatible
server: OPENAI_BASE_URL=http://localhost:11434/v1 for a local one) with the model in OPENAI_MODEL.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
from typing import Any, Literal

try:
    from openai import OpenAI
except ImportError:
    raise SystemExit(
        "this example needs the OpenAI client: pip install 'codemode[openai]' "
        '(from a checkout: pip install -e ".[openai]")'
    ) from None

from codemode import Codemode
from codemode.adapters.openai import from_openai, run_loop

# Function definitions as an existing OpenAI app has them (Chat Completions and Responses forms).
FUNCTIONS: list[dict[str, Any]] = [
    {
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
        },
    },
    {
        "type": "function",
        "name": "get_forecast",
        "description": "Daily forecast for a city.",
        "parameters": {
            "type": "object",
            "properties": {
                "city": {"type": "string"},
                "days": {"type": "integer", "minimum": 1, "maximum": 7},
            },
            "required": ["city", "days"],
            "additionalProperties": False,
        },
    },
]

TEMPERATURES = {"paris": 14.0, "lisbon": 21.0, "oslo": 3.5}


def get_weather(city: str) -> dict[str, Any]:
    if city.lower() not in TEMPERATURES:
        raise ValueError(f"no weather station in {city}")
    return {"city": city, "temperature_c": TEMPERATURES[city.lower()]}


async def get_forecast(city: str, days: int) -> list[dict[str, Any]]:
    await asyncio.sleep(0)  # an async handler works the same
    base = get_weather(city)["temperature_c"]
    return [{"day": day + 1, "high_c": base + day} for day in range(days)]


QUESTION = "Which is warmer right now, Paris, Lisbon or Oslo, and by how much over the coldest?"

# What the scripted model writes; a real model writes its own program from the stubs.
PROGRAM = """\
async def main():
    cities = ["Paris", "Lisbon", "Oslo"]
    reports = await asyncio.gather(*(codemode.get_weather(city=c) for c in cities))
    warmest = max(reports, key=lambda r: r["temperature_c"])
    coldest = min(reports, key=lambda r: r["temperature_c"])
    print("checked", len(reports), "cities")
    return {
        "warmest": warmest["city"],
        "degrees_over_coldest": warmest["temperature_c"] - coldest["temperature_c"],
    }
"""


def scripted_answer(tool_output: str) -> str:
    """The scripted model's final turn: it reads the program's result from the tool output."""
    _, _, rest = tool_output.partition("Result:\n")
    try:
        result = json.loads(rest.split("\n\n")[0])
        return f"{result['warmest']} is the warmest, {result['degrees_over_coldest']} °C above the coldest."
    except (ValueError, KeyError, TypeError):
        return f"The program said: {tool_output}"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--api", choices=["chat", "responses"], default="chat")
    api: Literal["chat", "responses"] = parser.parse_args(argv).api

    cm = Codemode(
        from_openai(FUNCTIONS, {"get_weather": get_weather, "get_forecast": get_forecast})
    )
    messages = [{"role": "user", "content": QUESTION}]
    print("--- the stubs in run_code's description ---\n" + cm.stubs().rstrip() + "\n")

    if os.environ.get("OPENAI_API_KEY") or os.environ.get("OPENAI_BASE_URL"):
        client = OpenAI(api_key=os.environ.get("OPENAI_API_KEY") or "unused")
        model = os.environ.get("OPENAI_MODEL", "gpt-4.1-mini")
        print(f"endpoint: {client.base_url} ({model}, {api} API)")
        final, transcript = run_loop(client, cm, model=model, messages=messages, api=api)
    else:
        from scripted_openai import Call, ScriptedOpenAI

        script = [Call({"code": PROGRAM}), lambda r: scripted_answer(r.tool_outputs()[-1])]
        with ScriptedOpenAI(script) as server:
            print(f"endpoint: scripted model at {server.url} (offline, {api} API)")
            client = OpenAI(base_url=server.url, api_key="offline")
            final, transcript = run_loop(client, cm, model="scripted", messages=messages, api=api)

    for code, output in programs(transcript):
        print("\n--- the model's program ---\n" + code.rstrip())
        print("--- what came back ---\n" + output)
    answer = final.content if api == "chat" else final.output_text
    print("\nanswer:", answer)


def programs(transcript: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """Each run_code call in the transcript with the result sent back, in order."""
    codes: dict[str, str] = {}
    outputs: list[tuple[str, str]] = []
    for item in transcript:
        for call in item.get("tool_calls") or []:  # Chat Completions
            codes[call["id"]] = _code(call["function"]["arguments"])
        if item.get("type") == "function_call":  # Responses
            codes[item["call_id"]] = _code(item["arguments"])
        call_id = item.get("tool_call_id") or item.get("call_id")
        output = item.get("content") if item.get("role") == "tool" else item.get("output")
        if call_id in codes and isinstance(output, str):
            outputs.append((codes[call_id], output))
    return outputs


def _code(arguments: str) -> str:
    try:
        return str(json.loads(arguments).get("code", arguments))
    except (ValueError, AttributeError):
        return arguments


if __name__ == "__main__":
    main()
