"""An MCP server whose tools say what they do through annotations, for approvals tests."""

from __future__ import annotations

try:
    from mcp.server.mcpserver import MCPServer as Server
except ImportError:  # mcp 1.x
    from mcp.server.fastmcp import FastMCP as Server  # type: ignore[no-redef]
from mcp.types import ToolAnnotations

server = Server("shop")
REFUNDS: list[str] = []


@server.tool(annotations=ToolAnnotations(readOnlyHint=True))
def get_order(order_id: str) -> dict[str, object]:
    """Look an order up."""
    return {"order_id": order_id, "amount": 250}


@server.tool(annotations=ToolAnnotations(destructiveHint=True))
def refund(order_id: str, amount: int) -> str:
    """Refund an order."""
    REFUNDS.append(f"{order_id}:{amount}")
    return f"refunded {amount} on {order_id}"


@server.tool(annotations=ToolAnnotations(readOnlyHint=True))
def refunds() -> list[str]:
    """The refunds made so far."""
    return list(REFUNDS)


if __name__ == "__main__":
    server.run()
