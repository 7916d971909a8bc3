"""Tool results are checked against the tool's output schema: warn (default), error, off."""

from __future__ import annotations

from typing import Any

import pytest
from typing_extensions import TypedDict

from codemode import Codemode, Tool
from codemode.executors import Executor


class Forecast(TypedDict):
    city: str
    high: float


def liar() -> dict:  # type: ignore[type-arg]
    """Promises a dict, returns a string."""
    return "sunny"  # type: ignore[return-value]


async def forecast(city: str) -> Forecast:
    """A forecast that forgets a key for one city."""
    if city == "Oslo":
        return {"city": city}  # type: ignore[typeddict-item]
    return {"city": city, "high": 20.5}


def count(n: int) -> list[int]:
    return list(range(n))


UNTYPED = Tool.from_schema(
    name="untyped", input_schema={"type": "object"}, fn=lambda: "anything goes"
)

TOOLS: list[Any] = [liar, forecast, count, UNTYPED]

CALL_LIAR = "async def main():\n    return await codemode.liar()"


async def test_warn_is_the_default_and_traces_the_mismatch(executor: Executor) -> None:
    cm = Codemode(TOOLS, executor=executor)
    assert cm.check_outputs == "warn"
    result = await cm.execute(CALL_LIAR)
    assert result.ok, result.error
    assert result.value == "sunny"  # passed through as it came
    (call,) = result.tool_calls
    assert call.ok and call.error is None
    assert call.warning is not None and "liar()" in call.warning and "object" in call.warning
    assert call.to_dict()["warning"] == call.warning
    system = [entry.text for entry in result.logs if entry.stream == "system"]
    assert system == [call.warning]  # a line the model reads


async def test_warn_names_the_missing_key(executor: Executor) -> None:
    cm = Codemode(TOOLS, executor=executor)
    result = await cm.execute(
        "a = await codemode.forecast(city='Paris')\nb = await codemode.forecast(city='Oslo')\n[a, b]"
    )
    assert result.ok, result.error
    first, second = result.tool_calls
    assert first.warning is None
    assert second.warning is not None and '"high" is a required property' in second.warning


async def test_error_raises_tool_error_in_the_program(executor: Executor) -> None:
    cm = Codemode(TOOLS, executor=executor, check_outputs="error")
    result = await cm.execute(CALL_LIAR)
    assert not result.ok and result.error is not None
    assert result.error.type == "tool"
    assert "does not match its return type" in result.error.message
    (call,) = result.tool_calls
    assert not call.ok and call.error == result.error.message

    caught = await cm.execute(
        "try:\n    await codemode.liar()\nexcept ToolError as e:\n    caught = 'caught: ' + e.tool\n"
        "caught"
    )
    assert caught.ok and caught.value == "caught: liar", caught.error


async def test_off_passes_everything_through(executor: Executor) -> None:
    cm = Codemode(TOOLS, executor=executor, check_outputs="off")
    result = await cm.execute(CALL_LIAR)
    assert result.ok and result.value == "sunny"
    assert result.tool_calls[0].warning is None
    assert not [entry for entry in result.logs if entry.stream == "system"]


@pytest.mark.parametrize("mode", ["warn", "error"])
async def test_fitting_and_unschematised_results_pass(executor: Executor, mode: Any) -> None:
    cm = Codemode(TOOLS, executor=executor, check_outputs=mode)
    result = await cm.execute(
        "[await codemode.count(n=3), await codemode.forecast(city='Rome'), await codemode.untyped()]"
    )
    assert result.ok, result.error
    assert result.value == [[0, 1, 2], {"city": "Rome", "high": 20.5}, "anything goes"]
    assert all(call.ok and call.warning is None for call in result.tool_calls)
    assert not result.logs


def test_check_outputs_must_be_a_known_mode() -> None:
    with pytest.raises(ValueError, match="check_outputs must be"):
        Codemode(TOOLS, check_outputs="strict")  # type: ignore[arg-type]
