"""Approvals over MCP, with the real SDK on both ends.

In: tools annotated destructive (`destructiveHint`) need approval when `from_mcp` is told so.
Out: `codemode mcp-serve` asks the client's user through elicitation when the client supports it,
and otherwise answers that the call needs approval.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import mcp
import mcp.types as mcp_types

from codemode import Codemode
from codemode.adapters.mcp import destructive, stdio_tools

HERE = Path(__file__).resolve().parent
SERVE = [sys.executable, "-m", "codemode", "mcp-serve", "mcp_approvals_target:cm"]

REFUND = """
async def main():
    order = await codemode.get_order(order_id="A1")
    try:
        done = await codemode.refund(order_id="A1", amount=order["amount"])
    except ToolError as e:
        done = "refused: " + str(e)
    return {"done": done, "effects": await codemode.effects()}
"""


@contextlib.asynccontextmanager
async def client(elicit: Any = None) -> AsyncIterator[mcp.ClientSession]:
    """The SDK's client on `codemode mcp-serve`, held by a task of its own (the SDK's task groups
    must be left where entered)."""
    params = mcp.StdioServerParameters(command=SERVE[0], args=SERVE[1:], cwd=str(HERE))
    ready: asyncio.Future[mcp.ClientSession] = asyncio.get_running_loop().create_future()
    stop = asyncio.Event()

    async def own() -> None:
        try:
            async with (
                mcp.stdio_client(params) as (read, write),
                mcp.ClientSession(read, write, elicitation_callback=elicit) as session,
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


def structured(result: Any) -> dict[str, Any]:
    data = result.structured_content
    assert isinstance(data, dict)
    return data


async def test_elicitation_asks_the_user_and_the_answer_decides() -> None:
    asked: list[Any] = []
    answers = iter(
        [
            mcp_types.ElicitResult(action="accept", content={"approve": True, "reason": ""}),
            mcp_types.ElicitResult(action="accept", content={"approve": False, "reason": "no"}),
            mcp_types.ElicitResult(action="decline"),
        ]
    )

    async def elicit(context: Any, params: Any) -> mcp_types.ElicitResult:
        asked.append(params)
        return next(answers)

    async with client(elicit) as session:
        first = structured(await session.call_tool("run_code", {"code": REFUND}))
        assert first["status"] == "completed", first
        assert first["value"]["done"] == "refunded 250 on A1"
        # each side effect once, although the program ran again after the answer
        assert first["value"]["effects"] == {"get_order": 1, "refund": 1}
        second = structured(await session.call_tool("run_code", {"code": REFUND}))
        assert second["value"]["done"].startswith("refused: ") and "no" in second["value"]["done"]
        assert second["value"]["effects"] == {"get_order": 2, "refund": 1}
        third = structured(await session.call_tool("run_code", {"code": REFUND}))
        assert "decline" in third["value"]["done"]
    assert len(asked) == 3
    message = asked[0].message
    assert "refund(" in message and "'A1'" in message and "250" in message
    assert set(asked[0].requested_schema["properties"]) == {"approve", "reason"}


async def test_without_elicitation_the_answer_says_the_call_needs_approval() -> None:
    async with client() as session:
        result = await session.call_tool("run_code", {"code": REFUND})
        data = structured(result)
        assert data["status"] == "paused"
        [pending] = data["pending"]
        assert pending["tool"] == "refund" and json.loads(pending["args"])["amount"] == 250
        text = result.content[0]
        assert isinstance(text, mcp_types.TextContent)
        assert "waiting for approval" in text.text and pending["id"] in text.text
        assert result.is_error  # not done: the model must not take it as done
        effects = structured(
            await session.call_tool(
                "run_code", {"code": "async def main():\n    return await codemode.effects()"}
            )
        )
        assert effects["value"] == {"get_order": 1}  # the refund did not happen


async def test_destructive_mcp_tools_need_approval() -> None:
    server = [sys.executable, str(HERE / "mcp_shop_server.py")]
    async with stdio_tools(server, requires_approval=destructive) as tools:
        assert {t.name: t.requires_approval for t in tools} == {
            "get_order": False,
            "refund": True,
            "refunds": False,
        }
        cm = Codemode(tools)
        code = """
async def main():
    order = await codemode.get_order(order_id="A1")
    await codemode.refund(order_id="A1", amount=order["amount"])
    return await codemode.refunds()
"""
        paused = await cm.execute(code)
        assert [p.tool for p in paused.pending] == ["refund"]
        done = await cm.resume(paused, approve=[paused.pending[0].id])
        assert done.value == {"result": ["A1:250"]}  # the SDK wraps a list (see README)
    async with stdio_tools(server, requires_approval=["get_order"]) as tools:
        assert [t.name for t in tools if t.requires_approval] == ["get_order"]


def test_destructive_follows_the_spec_defaults() -> None:
    from codemode import Tool, ToolAnnotations

    def tool(**hints: Any) -> Tool:
        return Tool.from_schema(
            name="t",
            input_schema={"type": "object"},
            fn=lambda: None,
            annotations=ToolAnnotations(**hints),
        )

    assert destructive(tool()) is True  # no annotations: may be destructive
    assert destructive(tool(read_only=True)) is False
    assert destructive(tool(destructive=False)) is False
    assert destructive(tool(destructive=True)) is True
    assert destructive(tool(idempotent=True)) is True
