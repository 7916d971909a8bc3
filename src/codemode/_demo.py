"""`codemode demo`: example tools, a model-style program, and what comes back. No API key."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Literal

from typing_extensions import TypedDict

from ._codemode import Codemode
from ._result import ExecuteResult

_CLIMATE = {"paris": 14.0, "lisbon": 21.0, "oslo": 3.0, "madrid": 19.0, "rome": 18.0}


class Weather(TypedDict):
    city: str
    temperature: float
    units: Literal["c", "f"]
    conditions: str


class Flight(TypedDict):
    flight: str
    origin: str
    destination: str
    departs: str
    price_eur: float


async def get_weather(city: str, units: Literal["c", "f"] = "c") -> Weather:
    """Current weather for a city.

    Args:
        city: City name, e.g. "Lisbon".
        units: "c" for Celsius or "f" for Fahrenheit.
    """
    await asyncio.sleep(0.05)  # a network call, in real life
    celsius = _CLIMATE.get(city.lower())
    if celsius is None:
        raise ValueError(f"no weather station for {city!r}")
    value = celsius if units == "c" else celsius * 9 / 5 + 32
    return {"city": city, "temperature": value, "units": units, "conditions": "clear"}


async def search_flights(origin: str, destination: str, date: dt.date) -> list[Flight]:
    """Direct flights between two cities on a date, cheapest first.

    Args:
        origin: Departure city.
        destination: Arrival city.
        date: Day of travel.
    """
    await asyncio.sleep(0.05)
    base = 40 + (len(origin) * 7 + len(destination) * 3) % 90
    return [
        {
            "flight": f"CM{100 + i * 17}",
            "origin": origin,
            "destination": destination,
            "departs": f"{date.isoformat()}T{8 + i * 5:02d}:15",
            "price_eur": float(base + i * 35),
        }
        for i in range(3)
    ]


PROGRAM = """\
async def main():
    cities = ["Paris", "Lisbon", "Oslo", "Madrid", "Atlantis"]
    # All weather lookups at once; a failing one comes back as an exception.
    reports = await asyncio.gather(
        *[codemode.get_weather(city=c) for c in cities], return_exceptions=True
    )
    known = [r for r in reports if not isinstance(r, Exception)]
    for city, r in zip(cities, reports):
        if isinstance(r, Exception):
            print(f"skipping {city}: {r}")
    warmest = max(known, key=lambda r: r["temperature"])
    print(f"warmest: {warmest['city']} at {warmest['temperature']}°C")
    flights = await codemode.search_flights(
        origin="Oslo", destination=warmest["city"], date="2026-12-01"
    )
    cheapest = flights[0]
    return {
        "destination": warmest["city"],
        "temperature_c": warmest["temperature"],
        "flight": cheapest["flight"],
        "price_eur": cheapest["price_eur"],
    }
"""


def demo_codemode() -> Codemode:
    return Codemode([get_weather, search_flights])


def _section(title: str) -> str:
    return f"\n=== {title} " + "=" * max(0, 60 - len(title))


def render(result: ExecuteResult) -> str:
    lines = [_section("logs")]
    lines += [entry.text.rstrip("\n") for entry in result.logs] or ["(none)"]
    lines.append(_section("tool calls"))
    for call in result.tool_calls:
        status = "ok" if call.ok else f"error: {call.error}"
        lines.append(f"{call.name}({call.args}) {call.duration_ms:.1f} ms  {status}")
    lines.append(_section("result"))
    if result.ok:
        import json

        lines.append(json.dumps(result.value, indent=2, ensure_ascii=False))
    else:
        assert result.error is not None
        lines.append(result.error.describe())
    lines.append(f"\n(ran in {result.duration_ms:.1f} ms)")
    return "\n".join(lines)


def main() -> int:
    cm = demo_codemode()
    print(_section("stubs the model reads"))
    print(cm.stubs())
    print(_section("program the model wrote"))
    print(PROGRAM)
    result = cm.execute_sync(PROGRAM)
    print(render(result))
    return 0 if result.ok else 1
