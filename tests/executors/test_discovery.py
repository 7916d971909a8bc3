"""Discovery on every executor: model code searches, describes and calls tools it was not shown."""

from __future__ import annotations

from typing import Any

from typing_extensions import TypedDict

from codemode import Codemode, Tool
from codemode.executors import Executor


class Refund(TypedDict):
    order_id: str
    amount: float


async def refund_order(order_id: str, amount: float | None = None) -> Refund:
    """Refund an order, in full or in part.

    Args:
        order_id: The order to refund.
        amount: How much to give back; everything when left out.
    """
    return {"order_id": order_id, "amount": 12.5 if amount is None else amount}


def filler(index: int) -> Tool:
    def fn(**kwargs: Any) -> int:
        return index

    return Tool.from_schema(
        name=f"inventory_item_{index}",
        description=f"Stock level of warehouse shelf {index}.",
        input_schema={"type": "object", "properties": {"shelf": {"type": "string"}}},
        fn=fn,
    )


def make(executor: Executor, **options: Any) -> Codemode:
    tools = [filler(i) for i in range(40)]
    tools.insert(17, Tool.from_function(refund_order))
    return Codemode(tools, executor=executor, timeout=10, discovery="search", **options)


PROGRAM = """
async def main():
    found = await codemode.search_tools("give a customer their money back", limit=3)
    best = found[0]
    doc = await codemode.describe(best["name"])
    refund = getattr(codemode, best["name"])
    return {
        "found": [f["name"] for f in found],
        "signature": best["signature"],
        "doc": doc,
        "refund": await refund(order_id="A-1"),
    }
"""


async def test_program_searches_describes_and_calls_an_unseen_tool(executor: Executor) -> None:
    cm = make(executor)
    assert "async def refund_order(" not in cm.prompt()  # the model was not shown it
    result = await cm.execute(PROGRAM)
    assert result.ok, result.error
    value = result.value
    assert value["found"][0] == "refund_order"
    assert value["signature"].startswith("class Refund(TypedDict):\n    order_id: str\n")
    assert (
        "async def refund_order(*, order_id: str, amount: float | None = None)"
        in (value["signature"])
    )
    assert "amount: How much to give back" in value["doc"]
    assert value["refund"] == {"order_id": "A-1", "amount": 12.5}
    # the two discovery calls are in the trace like any other
    assert [c.name for c in result.tool_calls] == ["search_tools", "describe", "refund_order"]
    assert result.tool_calls[0].args == {"query": "give a customer their money back", "limit": 3}
    assert result.tool_calls[1].args == {"name": "refund_order"}


async def test_every_tool_is_callable_without_a_search(executor: Executor) -> None:
    result = await make(executor).execute(
        "async def main():\n    return await codemode.inventory_item_3(shelf='x')"
    )
    assert result.ok, result.error
    assert result.value == 3


async def test_discovery_mistakes_are_tool_errors_in_the_program(executor: Executor) -> None:
    code = """
async def main():
    out = []
    try:
        await codemode.describe("refund_ordr")
    except ToolError as e:
        out.append(str(e))
    try:
        await codemode.search_tools("refund", limit=500)
    except ToolError as e:
        out.append(str(e))
    out.append(await codemode.search_tools(query="refund", limit=1))
    return out
"""
    result = await make(executor).execute(code)
    assert result.ok, result.error
    missing, limit, found = result.value
    assert "no tool named 'refund_ordr'" in missing and "refund_order" in missing
    assert "limit must be between 1 and 50" in limit
    assert [f["name"] for f in found] == ["refund_order"]


async def test_the_precheck_knows_the_builtins_only_in_discovery_mode(executor: Executor) -> None:
    code = "async def main():\n    return await codemode.search_tools('refund')"
    off = Codemode([refund_order], executor=executor, discovery="off")
    result = await off.execute(code)
    assert not result.ok and result.error is not None
    assert "unknown tool codemode.search_tools" in result.error.message
    on = await make(executor).execute(code)
    assert on.ok, on.error
    assert on.value[0]["name"] == "refund_order"


async def test_an_unknown_name_points_to_search(executor: Executor) -> None:
    cm = make(executor)
    static = await cm.execute("async def main():\n    return await codemode.refund_ordr()")
    assert static.error is not None
    assert "did you mean 'refund_order'?" in static.error.message
    assert "codemode.search_tools(...)" in static.error.message
    dynamic = await cm.execute(
        "async def main():\n    return await getattr(codemode, 'no_such_tool')()"
    )
    assert dynamic.error is not None
    assert "find tools with codemode.search_tools(...)" in dynamic.error.message
    described = await cm.execute(
        "async def main():\n    return await codemode.describe('describe')"
    )
    assert described.ok, described.error
    assert "async def describe(" in described.value
