"""An MCP server with a tool that can only run as a task, on mcp 1.x's experimental task support
(the reference `everything` server's `simulate-research-query` is such a tool). mcp 2.x took tasks
out of the core protocol, so this server exists only where the installed SDK still has them.

Run as `python mcp_task_server.py`.
"""

from __future__ import annotations

from typing import Any

import anyio
import mcp.types as types
from mcp.server.lowlevel import Server
from mcp.server.stdio import stdio_server

server = Server("tasks")
support = server.experimental.enable_tasks()
_task_ids: dict[str, str] = {}  # topic -> the task researching it

RESEARCH = types.Tool(
    name="research",
    description="Researches a topic, slowly; only as a task.",
    inputSchema={
        "type": "object",
        "properties": {"topic": {"type": "string"}, "seconds": {"type": "number"}},
        "required": ["topic"],
    },
    execution=types.ToolExecution(taskSupport="required"),
)
WAS_CANCELLED = types.Tool(
    name="was_cancelled",
    description="Whether the research on `topic` was cancelled.",
    inputSchema={"type": "object", "properties": {"topic": {"type": "string"}}},
)


@server.list_tools()
async def list_tools() -> list[types.Tool]:
    return [RESEARCH, WAS_CANCELLED]


@server.call_tool()
async def call_tool(name: str, arguments: dict) -> types.CallToolResult | types.CreateTaskResult:
    ctx = server.request_context
    if name == "was_cancelled":  # the task's status in the store, once the client has said
        status = None
        for _ in range(100):
            task = await support.store.get_task(_task_ids.get(arguments["topic"], ""))
            status = task.status if task is not None else None
            if status == "cancelled":
                break
            await anyio.sleep(0.05)
        text = "yes" if status == "cancelled" else f"no ({status})"
        return types.CallToolResult(content=[types.TextContent(type="text", text=text)])
    ctx.experimental.validate_task_mode(types.TASK_REQUIRED)
    topic = arguments["topic"]

    async def work(task: Any) -> types.CallToolResult:
        _task_ids[topic] = task.task_id
        await anyio.sleep(float(arguments.get("seconds", 0.2)))
        return types.CallToolResult(
            content=[types.TextContent(type="text", text=f"findings on {topic}")]
        )

    return await ctx.experimental.run_task(work)


async def main() -> None:
    async with stdio_server() as (read, write):
        await server.run(read, write, server.create_initialization_options())


if __name__ == "__main__":
    anyio.run(main)
