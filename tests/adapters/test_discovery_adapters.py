"""The adapters carry discovery: in discovery mode their one tool's description is the short
discovery prompt, not every stub."""

from __future__ import annotations

from typing import Any

from codemode import Codemode, Tool
from codemode._discovery import estimate_tokens


def many_tools(count: int = 300) -> list[Tool]:
    def fn(**kwargs: Any) -> None:
        return None

    return [
        Tool.from_schema(
            name=f"crm_record_{i}",
            description=f"Read customer record number {i} with its order history and notes.",
            input_schema={
                "type": "object",
                "properties": {"customer_id": {"type": "string", "description": "Customer."}},
            },
            fn=fn,
        )
        for i in range(count)
    ]


def check(description: str, cm: Codemode) -> None:
    assert cm.discovering  # "auto": 300 stubs are over the default budget
    assert description == cm.prompt()
    assert "codemode.search_tools(" in description
    assert "async def crm_record_1(" not in description
    assert estimate_tokens(description) < 1000


def test_openai_tool_uses_the_discovery_prompt() -> None:
    from codemode.adapters.openai import openai_tool

    cm = Codemode(many_tools())
    check(openai_tool(cm)["function"]["description"], cm)
    check(openai_tool(cm, "responses")["description"], cm)


def test_langchain_tool_uses_the_discovery_prompt() -> None:
    from codemode.adapters.langchain import as_langchain_tool

    cm = Codemode(many_tools())
    check(as_langchain_tool(cm).description, cm)


async def test_mcp_server_uses_the_discovery_prompt() -> None:
    from codemode.adapters.mcp import to_mcp_server

    cm = Codemode(many_tools())
    (run_code,) = await to_mcp_server(cm).list_tools()
    check(run_code.description or "", cm)
