"""Shared fixtures: example tools, a Codemode over them, and the real-tools corpus."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

import pytest
from typing_extensions import TypedDict

from codemode import Codemode, Tool
from codemode.executors import InProcessExecutor

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "tools" / "real_tools.jsonl"


class Weather(TypedDict):
    city: str
    temperature: float


async def get_weather(city: str, units: Literal["c", "f"] = "c") -> Weather:
    """Current weather for a city.

    Args:
        city: City name.
        units: Celsius or Fahrenheit.
    """
    temps = {"paris": 14.0, "lisbon": 21.0}
    if city.lower() not in temps:
        raise ValueError(f"unknown city {city}")
    value = temps[city.lower()]
    return {"city": city, "temperature": value if units == "c" else value * 9 / 5 + 32}


def add(a: int, b: int = 1) -> int:
    """Add two integers."""
    return a + b


async def echo(**kwargs: Any) -> dict[str, Any]:
    return kwargs


ECHO = Tool.from_schema(
    name="echo-tool",
    description="Returns its arguments.",
    input_schema={
        "type": "object",
        "properties": {"text": {"type": "string"}, "count": {"type": "integer", "minimum": 0}},
        "required": ["text"],
        "additionalProperties": False,
    },
    fn=echo,
)


@pytest.fixture
def tools() -> list[Any]:
    return [get_weather, add, ECHO]


@pytest.fixture
def cm(tools: list[Any]) -> Codemode:
    # In-process for speed: what differs between executors is tested in tests/executors, over
    # every executor; the default executor has its own tests in tests/test_codemode.py.
    return Codemode(tools, timeout=5, executor=InProcessExecutor())


def load_corpus() -> list[dict[str, Any]]:
    if not CORPUS.exists():
        pytest.skip(
            f"the real-tools corpus is not at {CORPUS} (it lives in ../shared beside a checkout)"
        )
    return [json.loads(line) for line in CORPUS.read_text().splitlines() if line.strip()]
