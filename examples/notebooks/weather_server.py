"""A small MCP weather server for the MCP notebook, on the SDK's own server class.

Run it as `python weather_server.py`: it speaks MCP over stdin/stdout.
"""

from __future__ import annotations

from typing import Literal

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from typing_extensions import TypedDict  # pydantic needs it on Python 3.11

server = MCPServer("weather")

_STATIONS = {"paris": 14.0, "lisbon": 21.0, "oslo": 3.0, "madrid": 19.0, "rome": 18.0}


class Day(TypedDict):
    day: int
    high: float
    low: float
    conditions: Literal["clear", "cloudy", "rain"]


class Cities(TypedDict):
    cities: list[str]


class Forecast(TypedDict):
    city: str
    days: list[Day]


@server.tool()
def list_cities() -> Cities:
    """Cities that have a weather station."""
    return {"cities": sorted(city.title() for city in _STATIONS)}


@server.tool()
def get_forecast(city: str, days: int = 3) -> Forecast:
    """Daily forecast for a city, today first.

    Args:
        city: City name, e.g. "Lisbon".
        days: How many days, 1 to 7.
    """
    base = _STATIONS.get(city.lower())
    if base is None:
        raise ToolError(f"no weather station in {city!r}; try list_cities()")
    conditions: list[Literal["clear", "cloudy", "rain"]] = ["clear", "cloudy", "rain"]
    return {
        "city": city,
        "days": [
            {
                "day": i,
                "high": base + 4 + (i * 7) % 5,
                "low": base - 3 + (i * 3) % 4,
                "conditions": conditions[(len(city) + i) % 3],
            }
            for i in range(max(1, min(days, 7)))
        ],
    }


if __name__ == "__main__":
    server.run("stdio")
