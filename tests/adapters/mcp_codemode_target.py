"""A `Codemode` for `codemode mcp-serve tests.adapters.mcp_codemode_target:cm`-style tests."""

from __future__ import annotations

from typing import Literal

from codemode import Codemode

print("importing the target must not corrupt the protocol on stdout")


async def get_weather(city: str, units: Literal["c", "f"] = "c") -> dict[str, object]:
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


cm = Codemode([get_weather, add], timeout=10)
not_a_codemode = [get_weather, add]
