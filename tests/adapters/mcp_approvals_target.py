"""A `Codemode` with a guarded tool, served by `codemode mcp-serve` in the approvals tests."""

from __future__ import annotations

from codemode import Codemode, tool

EFFECTS: dict[str, int] = {}


@tool
def get_order(order_id: str) -> dict[str, object]:
    """Look an order up."""
    EFFECTS["get_order"] = EFFECTS.get("get_order", 0) + 1
    return {"order_id": order_id, "amount": 250}


@tool(requires_approval=True)
def refund(order_id: str, amount: int) -> str:
    """Refund an order (needs approval)."""
    EFFECTS["refund"] = EFFECTS.get("refund", 0) + 1
    return f"refunded {amount} on {order_id}"


@tool
def effects() -> dict[str, int]:
    """How often each tool with a side effect ran in this server."""
    return dict(EFFECTS)


cm = Codemode([get_order, refund, effects], timeout=10)
