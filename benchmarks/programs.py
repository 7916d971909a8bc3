"""The programs and tools both benchmarks run, so their figures compare like with like."""

from __future__ import annotations

from typing import Any

TRIVIAL = "async def main():\n    return 1\n"

REALISTIC = """
import json

def score(item):
    total = 0
    for key, value in item.items():
        if isinstance(value, (int, float)):
            total += value * 2
        elif isinstance(value, str):
            total += len(value)
    return total

def summarize(rows):
    out = {}
    for row in rows:
        bucket = row["city"].lower()
        out.setdefault(bucket, []).append(score(row))
    return {k: sum(v) / len(v) for k, v in out.items()}

async def main():
    cities = ["Paris", "London", "Berlin", "Madrid"]
    rows = await asyncio.gather(*[codemode.lookup(city=c) for c in cities])
    for i, row in enumerate(rows):
        row["note"] = f"row {i}"
    best = max(rows, key=lambda r: r["temp"])
    print(f"best city: {best['city']}")
    result = summarize(rows)
    result["best"] = best["city"]
    return json.dumps(result, sort_keys=True)
"""


async def lookup(city: str) -> dict[str, Any]:
    return {"city": city, "temp": len(city) * 3, "wind": len(city)}


async def noop(x: int) -> int:
    return x
