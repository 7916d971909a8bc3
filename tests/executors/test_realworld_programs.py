"""Programs of the kind a model writes in code mode, run under plain CPython and under every
executor: the value, the printed output and any uncaught exception must be CPython's.

The sandbox refuses what leads to the host; everything else must run as written. These programs
are ordinary agent code (tools called concurrently, records shaped with dataclasses and enums,
text parsed with `re`, numbers summarised with `statistics`, big lists sorted) and each one is a
place where a guard could refuse or change ordinary code. The expected outcome is never written
down: each program runs under CPython first, with the same tools as plain async functions.

`REFUSED` holds the programs whose refusal is the policy's (a module outside the allowed list,
the host's dunders): they must fail with an error that says what to do instead.
"""

from __future__ import annotations

import ast
import asyncio
import builtins
import contextlib
import functools
import hashlib
import io
import json
from collections.abc import Callable
from typing import Any, Literal

import pytest

from codemode import Codemode
from codemode._result import to_jsonable
from codemode.executors import Executor

# -- the tools ------------------------------------------------------------------------------------
# Deterministic stand-ins for what agents call: each returns fresh JSON data (a program may change
# what it gets), and the async ones yield to the loop as a network call would.

_CITIES = {
    "paris": {"country": "FR", "temp_c": 14.0, "humidity": 71, "conditions": "cloudy"},
    "lisbon": {"country": "PT", "temp_c": 21.5, "humidity": 60, "conditions": "sunny"},
    "oslo": {"country": "NO", "temp_c": 3.5, "humidity": 80, "conditions": "snow"},
    "tokyo": {"country": "JP", "temp_c": 18.25, "humidity": 65, "conditions": "rain"},
    "new york": {"country": "US", "temp_c": 9.0, "humidity": 55, "conditions": "windy"},
    "sydney": {"country": "AU", "temp_c": 25.0, "humidity": 50, "conditions": "sunny"},
}


async def get_weather(city: str, units: Literal["c", "f"] = "c") -> dict[str, Any]:
    """Current weather for a city.

    Args:
        city: City name.
        units: Celsius or Fahrenheit.
    """
    await asyncio.sleep(0)
    data = _CITIES.get(city.lower())
    if data is None:
        raise ValueError(f"unknown city: {city}")
    temp = data["temp_c"] if units == "c" else round(data["temp_c"] * 9 / 5 + 32, 1)
    return {"city": city, "temperature": temp, "units": units, **data}


async def get_forecast(city: str, days: int = 3) -> list[dict[str, Any]]:
    """Daily forecast: date (ISO), high, low, chance of rain (0..1)."""
    await asyncio.sleep(0)
    base = _CITIES[city.lower()]["temp_c"]
    seed = sum(map(ord, city.lower()))
    return [
        {
            "date": f"2026-03-{10 + day:02d}",
            "high": round(base + (seed * (day + 3)) % 7, 1),
            "low": round(base - (seed * (day + 5)) % 6, 1),
            "rain_chance": ((seed + day * 37) % 100) / 100,
        }
        for day in range(days)
    ]


_PAGES = [
    ("Python asyncio tutorial", "https://docs.example.org/asyncio", "Write concurrent code"),
    ("Understanding the GIL", "https://blog.example.com/gil", "Threads, processes and the GIL"),
    ("Asyncio vs threads", "https://blog.example.com/async-threads", "When to use which"),
    ("Rust async book", "https://rust.example.org/async", "Futures and executors in Rust"),
    ("Structured concurrency", "https://blog.example.com/trio", "Nurseries and task groups"),
    ("Python packaging guide", "https://packaging.example.org", "pyproject.toml explained"),
    ("Data classes in Python", "https://docs.example.org/dataclasses", "Less boilerplate"),
    ("Regex cookbook", "https://cookbook.example.net/regex", "Named groups, lookarounds"),
]


def search_web(query: str, limit: int = 5) -> list[dict[str, Any]]:
    """Search the web; results ranked by score (highest first)."""
    words = query.lower().split()
    hits = []
    for title, url, snippet in _PAGES:
        text = f"{title} {snippet}".lower()
        score = sum(text.count(w) for w in words)
        if score:
            hits.append({"title": title, "url": url, "snippet": snippet, "score": score})
    hits.sort(key=lambda h: (-h["score"], h["title"]))
    return hits[:limit]


_CUSTOMERS = {
    "c1": {"id": "c1", "name": "Ada Lovelace", "email": "ada@example.com", "tier": "gold"},
    "c2": {"id": "c2", "name": "Alan Turing", "email": "alan@example.com", "tier": "silver"},
    "c3": {"id": "c3", "name": "Grace Hopper", "email": "grace@example.com", "tier": "gold"},
    "c4": {"id": "c4", "name": "Linus T", "email": "linus@example.com", "tier": "bronze"},
}
_STATUSES = ("pending", "shipped", "delivered", "cancelled")
_SKUS = {"A100": 19.99, "B200": 5.25, "C300": 149.0, "D400": 0.99, "E500": 42.5}


def _order(n: int) -> dict[str, Any]:
    skus = sorted(_SKUS)
    items = [
        {"sku": skus[(n + k) % 5], "qty": 1 + (n * (k + 2)) % 4, "price": _SKUS[skus[(n + k) % 5]]}
        for k in range(1 + n % 3)
    ]
    return {
        "id": f"o{n:03d}",
        "customer_id": f"c{1 + n % 4}",
        "status": _STATUSES[(n * 7) % 4],
        "created_at": f"2026-0{1 + n % 9}-{1 + (n * 3) % 28:02d}T{(n * 5) % 24:02d}:{n % 60:02d}:00",
        "items": items,
        "total": round(sum(i["qty"] * i["price"] for i in items), 2),
    }


async def list_orders(
    customer_id: str | None = None, status: str | None = None
) -> list[dict[str, Any]]:
    """Orders, optionally filtered by customer and status."""
    await asyncio.sleep(0)
    orders = [_order(n) for n in range(1, 41)]
    return [
        o
        for o in orders
        if (customer_id is None or o["customer_id"] == customer_id)
        and (status is None or o["status"] == status)
    ]


async def get_order(order_id: str) -> dict[str, Any]:
    """One order by id (`o001` .. `o040`)."""
    await asyncio.sleep(0)
    if not (order_id.startswith("o") and order_id[1:].isdigit() and 1 <= int(order_id[1:]) <= 40):
        raise LookupError(f"order {order_id} not found")
    return _order(int(order_id[1:]))


async def get_customer(customer_id: str) -> dict[str, Any]:
    """A customer record."""
    await asyncio.sleep(0)
    if customer_id not in _CUSTOMERS:
        raise LookupError(f"no customer {customer_id!r}")
    return dict(_CUSTOMERS[customer_id])


_PRICES = {"AAPL": 189.5, "MSFT": 410.25, "GOOG": 140.0, "AMZN": 178.75, "NVDA": 880.0}


async def get_stock_price(symbol: str) -> dict[str, Any]:
    """Latest price of a stock symbol."""
    await asyncio.sleep(0)
    price = _PRICES.get(symbol.upper())
    if price is None:
        raise ValueError(f"unknown symbol {symbol}")
    change = ((sum(map(ord, symbol)) % 11) - 5) / 2
    return {"symbol": symbol.upper(), "price": price, "currency": "USD", "change_pct": change}


async def get_price_history(symbol: str, days: int = 30) -> list[dict[str, Any]]:
    """Daily closing prices, oldest first."""
    await asyncio.sleep(0)
    price = _PRICES[symbol.upper()]
    seed = sum(map(ord, symbol))
    out = []
    for day in range(days):
        price = round(price * (1 + (((seed * (day + 1)) % 21) - 10) / 1000), 2)
        out.append({"date": f"2026-02-{1 + day % 28:02d}", "close": price, "volume": seed * day})
    return out


async def convert_currency(amount: float, from_currency: str, to_currency: str) -> float:
    """Convert money between currencies."""
    rates = {"USD": 1.0, "EUR": 0.92, "GBP": 0.79, "JPY": 151.3, "CHF": 0.88}
    return round(amount / rates[from_currency] * rates[to_currency], 4)


_FILES = {
    "data/sales.csv": "date,region,product,units,unit_price\n"
    + "".join(
        f"2026-01-{1 + n % 28:02d},{('north', 'south', 'east', 'west')[n % 4]},"
        f"{('widget', 'gadget', 'doohickey')[n % 3]},{1 + (n * 7) % 13},{(5 + n % 6) * 1.25}\n"
        for n in range(60)
    ),
    "logs/app.log": "".join(
        f"2026-03-01 12:{n % 60:02d}:{(n * 7) % 60:02d} "
        f"{('INFO', 'WARNING', 'ERROR', 'INFO', 'DEBUG')[n % 5]} "
        f"[{('api', 'db', 'auth')[n % 3]}] "
        f"{(f'request handled in {n * 13 % 400} ms', 'slow query on users', f'token expired for user u{n % 7}', 'cache hit', 'retrying')[n % 5]}\n"
        for n in range(120)
    ),
    "config/settings.json": json.dumps(
        {
            "service": "billing",
            "retries": 3,
            "timeouts": {"connect": 2.5, "read": 10},
            "features": ["invoices", "refunds", "tax"],
            "owners": [{"name": "ops", "oncall": True}],
        }
    ),
    "docs/readme.md": "# Billing service\n\nHandles invoices and refunds.\n\n## Setup\n\n"
    "Run `make install`, then `make run`.\n\n## API\n\n- GET /invoices\n- POST /refunds\n"
    "- GET /health\n\nContact: ops@example.com or billing-team@example.org.\n",
}


async def list_files(prefix: str = "") -> list[str]:
    """Paths of the files in the workspace that start with `prefix`."""
    return sorted(path for path in _FILES if path.startswith(prefix))


async def read_file(path: str) -> str:
    """The text of a file in the workspace."""
    await asyncio.sleep(0)
    if path not in _FILES:
        raise FileNotFoundError(f"no such file: {path}")
    return _FILES[path]


async def send_email(to: str, subject: str, body: str) -> dict[str, Any]:
    """Send an email; returns the message id."""
    digest = hashlib.sha1(f"{to}|{subject}|{body}".encode()).hexdigest()[:12]
    return {"id": f"msg-{digest}", "status": "queued", "to": to}


async def create_ticket(
    title: str, priority: Literal["low", "medium", "high"] = "medium", tags: list[str] | None = None
) -> dict[str, Any]:
    """Open a support ticket."""
    number = sum(map(ord, title)) % 9000 + 1000
    return {"id": f"T-{number}", "title": title, "priority": priority, "tags": tags or []}


async def get_user_events(user_id: str, limit: int = 50) -> list[dict[str, Any]]:
    """A user's recent events, newest last: kind, ISO timestamp, and a payload."""
    await asyncio.sleep(0)
    seed = sum(map(ord, user_id))
    kinds = ("login", "view", "click", "purchase", "logout")
    return [
        {
            "kind": kinds[(seed + n * n) % 5],
            "at": f"2026-03-0{1 + n // 24 % 9}T{n % 24:02d}:{(seed * n) % 60:02d}:00+00:00",
            "payload": {"page": f"/p/{(seed + n) % 9}", "ms": (seed * (n + 1)) % 900},
        }
        for n in range(limit)
    ]


async def list_products(category: str | None = None) -> list[dict[str, Any]]:
    """Products in the catalogue."""
    products = [
        {"sku": "A100", "name": "Widget", "category": "tools", "price": 19.99, "stock": 12},
        {"sku": "B200", "name": "Gadget", "category": "tools", "price": 5.25, "stock": 0},
        {"sku": "C300", "name": "Monitor", "category": "electronics", "price": 149.0, "stock": 4},
        {"sku": "D400", "name": "Sticker", "category": "misc", "price": 0.99, "stock": 250},
        {"sku": "E500", "name": "Keyboard", "category": "electronics", "price": 42.5, "stock": 7},
        {"sku": "F600", "name": "Cable", "category": "electronics", "price": 7.0, "stock": 31},
    ]
    return [p for p in products if category is None or p["category"] == category]


TOOLS: list[Callable[..., Any]] = [
    get_weather,
    get_forecast,
    search_web,
    list_orders,
    get_order,
    get_customer,
    get_stock_price,
    get_price_history,
    convert_currency,
    list_files,
    read_file,
    send_email,
    create_ticket,
    get_user_events,
    list_products,
]


# -- the programs ---------------------------------------------------------------------------------

PROGRAMS: dict[str, str] = {}
PROGRAMS["weather-compare-gather"] = r"""
import asyncio

async def main():
    cities = ["Paris", "Lisbon", "Oslo", "Tokyo"]
    reports = await asyncio.gather(*(codemode.get_weather(city=c) for c in cities))
    warmest = max(reports, key=lambda r: r["temperature"])
    coldest = min(reports, key=lambda r: r["temperature"])
    for r in sorted(reports, key=lambda r: r["temperature"], reverse=True):
        print(f"{r['city']:<10} {r['temperature']:>6.1f}°C  {r['conditions']}")
    spread = warmest["temperature"] - coldest["temperature"]
    return {"warmest": warmest["city"], "coldest": coldest["city"], "spread": round(spread, 2)}
"""

PROGRAMS["weather-fahrenheit-loop"] = r"""
async def main():
    out = {}
    for city in ("Paris", "New York", "Sydney"):
        w = await codemode.get_weather(city=city, units="f")
        out[city] = w["temperature"]
        print("%s: %.1fF (%d%% humidity)" % (city, w["temperature"], w["humidity"]))
    return out
"""

PROGRAMS["weather-errors-collected"] = r"""
import asyncio

async def main():
    cities = ["Paris", "Atlantis", "Oslo", "El Dorado"]
    results = await asyncio.gather(
        *[codemode.get_weather(city=c) for c in cities], return_exceptions=True
    )
    ok, failed = {}, []
    for city, res in zip(cities, results):
        if isinstance(res, Exception):
            failed.append(f"{city}: {res}")
        else:
            ok[city] = res["temperature"]
    print(f"{len(ok)} ok, {len(failed)} failed")
    for line in failed:
        print(" -", line)
    return {"ok": ok, "failed": failed}
"""

PROGRAMS["weather-try-except-per-city"] = r"""
async def main():
    summary = []
    for city in ["Lisbon", "Gotham", "Tokyo"]:
        try:
            w = await codemode.get_weather(city=city)
        except Exception as e:
            summary.append({"city": city, "error": str(e)})
            continue
        else:
            summary.append({"city": city, "temp": w["temperature"]})
        finally:
            print("checked", city)
    return summary
"""

PROGRAMS["forecast-rain-planner"] = r"""
import asyncio
from statistics import mean

async def main():
    cities = ["Paris", "Oslo", "Tokyo"]
    forecasts = dict(zip(cities, await asyncio.gather(*(codemode.get_forecast(city=c, days=5) for c in cities))))
    plan = {}
    for city, days in forecasts.items():
        dry = [d["date"] for d in days if d["rain_chance"] < 0.5]
        plan[city] = {
            "dry_days": dry,
            "avg_high": round(mean(d["high"] for d in days), 2),
            "max_rain": max(d["rain_chance"] for d in days),
        }
    best = max(plan, key=lambda c: (len(plan[c]["dry_days"]), plan[c]["avg_high"]))
    print("Best city for a trip:", best)
    return {"plan": plan, "best": best}
"""

PROGRAMS["search-dedupe-rank"] = r"""
import asyncio
from urllib.parse import urlparse

async def main():
    queries = ["python asyncio", "asyncio threads", "structured concurrency"]
    batches = await asyncio.gather(*(codemode.search_web(query=q, limit=4) for q in queries))
    seen = {}
    for q, results in zip(queries, batches):
        for r in results:
            entry = seen.setdefault(r["url"], {"title": r["title"], "score": 0, "queries": []})
            entry["score"] += r["score"]
            entry["queries"].append(q)
    ranked = sorted(seen.items(), key=lambda kv: (-kv[1]["score"], kv[0]))
    domains = sorted({urlparse(url).netloc for url, _ in ranked})
    for url, info in ranked[:3]:
        print(f"{info['score']:3d}  {info['title']}  ({urlparse(url).netloc})")
    return {"top": [u for u, _ in ranked[:3]], "domains": domains}
"""

PROGRAMS["search-then-summarise"] = r"""
async def main():
    results = await codemode.search_web(query="python data classes regex", limit=10)
    if not results:
        return "nothing found"
    lines = [f"{i}. {r['title']} - {r['snippet']}" for i, r in enumerate(results, start=1)]
    report = "\n".join(lines)
    print(report)
    return {"count": len(results), "best": results[0]["title"]}
"""

PROGRAMS["orders-revenue-by-customer"] = r"""
from collections import defaultdict

async def main():
    orders = await codemode.list_orders()
    revenue = defaultdict(float)
    counts = defaultdict(int)
    for o in orders:
        if o["status"] == "cancelled":
            continue
        revenue[o["customer_id"]] += o["total"]
        counts[o["customer_id"]] += 1
    customers = {cid: await codemode.get_customer(customer_id=cid) for cid in revenue}
    rows = sorted(
        ((customers[cid]["name"], round(total, 2), counts[cid]) for cid, total in revenue.items()),
        key=lambda row: row[1],
        reverse=True,
    )
    for name, total, n in rows:
        print(f"{name:<15}{total:>10,.2f}{n:>4}")
    return rows
"""

PROGRAMS["orders-status-counter"] = r"""
from collections import Counter

async def main():
    orders = await codemode.list_orders()
    by_status = Counter(o["status"] for o in orders)
    by_month = Counter(o["created_at"][:7] for o in orders)
    print(by_status.most_common(2))
    return {"status": dict(sorted(by_status.items())), "busiest_month": by_month.most_common(1)[0]}
"""

PROGRAMS["orders-concurrent-fetch-semaphore"] = r"""
import asyncio

async def main():
    sem = asyncio.Semaphore(5)
    ids = [f"o{n:03d}" for n in range(1, 21)]

    async def fetch(order_id):
        async with sem:
            return await codemode.get_order(order_id=order_id)

    orders = await asyncio.gather(*(fetch(i) for i in ids))
    big = [o["id"] for o in orders if o["total"] > 100]
    skus = sorted({item["sku"] for o in orders for item in o["items"]})
    return {"big": big, "skus": skus, "n": len(orders)}
"""

PROGRAMS["orders-taskgroup"] = r"""
import asyncio

async def main():
    tasks = {}
    async with asyncio.TaskGroup() as tg:
        for cid in ["c1", "c2", "c3", "c4"]:
            tasks[cid] = tg.create_task(codemode.list_orders(customer_id=cid))
    totals = {cid: round(sum(o["total"] for o in t.result()), 2) for cid, t in tasks.items()}
    print("totals:", totals)
    return max(totals, key=totals.get)
"""

PROGRAMS["orders-missing-lookup"] = r"""
async def main():
    found, missing = [], []
    for oid in ["o001", "o999", "o040", "x12"]:
        try:
            order = await codemode.get_order(order_id=oid)
            found.append((order["id"], order["status"]))
        except Exception as exc:
            missing.append(str(exc))
    return {"found": found, "missing": missing}
"""

PROGRAMS["orders-as-completed"] = r"""
import asyncio

async def main():
    coros = [codemode.get_order(order_id=f"o{i:03d}") for i in (3, 1, 2, 5, 4)]
    done = []
    for fut in asyncio.as_completed(coros):
        order = await fut
        done.append(order["id"])
    return sorted(done)
"""

PROGRAMS["orders-wait-for-timeout"] = r"""
import asyncio

async def slow_lookup(order_id):
    await asyncio.sleep(5)
    return await codemode.get_order(order_id=order_id)

async def main():
    try:
        order = await asyncio.wait_for(slow_lookup("o001"), timeout=0.01)
    except asyncio.TimeoutError:
        print("lookup timed out, using fallback")
        order = await codemode.get_order(order_id="o002")
    return order["id"]
"""

PROGRAMS["orders-queue-workers"] = r"""
import asyncio

async def main():
    queue: asyncio.Queue[str] = asyncio.Queue()
    for n in range(1, 16):
        queue.put_nowait(f"o{n:03d}")
    results: dict[str, float] = {}

    async def worker(name: str) -> int:
        handled = 0
        while True:
            try:
                oid = queue.get_nowait()
            except asyncio.QueueEmpty:
                return handled
            order = await codemode.get_order(order_id=oid)
            results[oid] = order["total"]
            handled += 1
            queue.task_done()

    counts = await asyncio.gather(*(worker(f"w{i}") for i in range(3)))
    await queue.join()
    return {"handled": sum(counts), "total": round(sum(results.values()), 2)}
"""

PROGRAMS["orders-producer-consumer"] = r"""
import asyncio

async def producer(q, ids):
    for oid in ids:
        await q.put(await codemode.get_order(order_id=oid))
    await q.put(None)

async def consumer(q):
    items = 0
    while (order := await q.get()) is not None:
        items += sum(i["qty"] for i in order["items"])
    return items

async def main():
    q = asyncio.Queue(maxsize=2)
    ids = [f"o{n:03d}" for n in range(10, 20)]
    _, items = await asyncio.gather(producer(q, ids), consumer(q))
    return items
"""

PROGRAMS["stocks-portfolio"] = r"""
import asyncio

PORTFOLIO = {"AAPL": 10, "MSFT": 4, "NVDA": 2, "GOOG": 15}

async def main():
    quotes = await asyncio.gather(*(codemode.get_stock_price(symbol=s) for s in PORTFOLIO))
    value = {q["symbol"]: q["price"] * PORTFOLIO[q["symbol"]] for q in quotes}
    total = sum(value.values())
    print(f"{'Symbol':<6} {'Value':>12} {'Weight':>7}")
    for sym, v in sorted(value.items(), key=lambda kv: -kv[1]):
        print(f"{sym:<6} {v:>12,.2f} {v / total:>7.1%}")
    movers = [q["symbol"] for q in quotes if abs(q["change_pct"]) >= 1]
    return {"total": round(total, 2), "movers": movers}
"""

PROGRAMS["stocks-moving-average"] = r"""
from collections import deque
from statistics import mean, stdev

async def main():
    history = await codemode.get_price_history(symbol="MSFT", days=30)
    closes = [d["close"] for d in history]
    window = deque(maxlen=5)
    sma = []
    for c in closes:
        window.append(c)
        if len(window) == window.maxlen:
            sma.append(round(mean(window), 3))
    signals = ["buy" if c > s else "sell" for c, s in zip(closes[4:], sma)]
    returns = [(b - a) / a for a, b in zip(closes, closes[1:])]
    return {
        "last_sma": sma[-1],
        "signals": signals[-5:],
        "volatility": round(stdev(returns), 6),
        "best_day": max(range(len(returns)), key=returns.__getitem__),
    }
"""

PROGRAMS["currency-conversion-table"] = r"""
import asyncio

async def main():
    amounts = [10, 250.5, 1000]
    targets = ["EUR", "GBP", "JPY"]
    pairs = [(a, t) for a in amounts for t in targets]
    converted = await asyncio.gather(
        *(codemode.convert_currency(amount=a, from_currency="USD", to_currency=t) for a, t in pairs)
    )
    table = {}
    for (a, t), v in zip(pairs, converted):
        table.setdefault(str(a), {})[t] = v
    for a, row in table.items():
        print(a.rjust(8), " | ".join(f"{t} {v:>10.2f}" for t, v in row.items()))
    return table
"""

PROGRAMS["files-sales-report"] = r"""
from collections import defaultdict

async def main():
    text = await codemode.read_file(path="data/sales.csv")
    header, *rows = text.strip().splitlines()
    cols = header.split(",")
    records = [dict(zip(cols, row.split(","))) for row in rows]
    by_region = defaultdict(lambda: {"units": 0, "revenue": 0.0})
    for r in records:
        units = int(r["units"])
        by_region[r["region"]]["units"] += units
        by_region[r["region"]]["revenue"] += units * float(r["unit_price"])
    report = {k: {"units": v["units"], "revenue": round(v["revenue"], 2)} for k, v in sorted(by_region.items())}
    top = max(report.items(), key=lambda kv: kv[1]["revenue"])
    print(f"top region: {top[0]} (${top[1]['revenue']:,.2f})")
    return report
"""

PROGRAMS["files-log-errors"] = r"""
import re
from collections import Counter

LINE = re.compile(r"^(?P<date>\S+) (?P<time>\S+) (?P<level>[A-Z]+) \[(?P<component>\w+)\] (?P<msg>.*)$")

async def main():
    log = await codemode.read_file(path="logs/app.log")
    entries = [m.groupdict() for line in log.splitlines() if (m := LINE.match(line))]
    levels = Counter(e["level"] for e in entries)
    errors = [e for e in entries if e["level"] == "ERROR"]
    by_component = Counter(e["component"] for e in errors)
    durations = [int(m.group(1)) for e in entries if (m := re.search(r"in (\d+) ms", e["msg"]))]
    users = sorted(set(re.findall(r"user (u\d+)", log)))
    return {
        "levels": dict(levels),
        "error_components": by_component.most_common(),
        "p_max": max(durations),
        "slow": sum(d > 300 for d in durations),
        "users": users,
    }
"""

PROGRAMS["files-config-merge"] = r"""
import json

DEFAULTS = {"retries": 1, "timeouts": {"connect": 1, "read": 5, "write": 5}, "debug": False}

def deep_merge(base, override):
    out = dict(base)
    for k, v in override.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = deep_merge(out[k], v)
        else:
            out[k] = v
    return out

async def main():
    raw = await codemode.read_file(path="config/settings.json")
    config = deep_merge(DEFAULTS, json.loads(raw))
    print(json.dumps(config, indent=2, sort_keys=True))
    return config
"""

PROGRAMS["files-walk-and-stats"] = r"""
import asyncio

async def main():
    paths = await codemode.list_files()
    texts = await asyncio.gather(*(codemode.read_file(path=p) for p in paths))
    stats = []
    for path, text in zip(paths, texts):
        ext = path.rsplit(".", 1)[-1]
        stats.append({"path": path, "ext": ext, "lines": text.count("\n"), "chars": len(text), "words": len(text.split())})
    stats.sort(key=lambda s: s["chars"], reverse=True)
    for s in stats:
        print("{path:<24} {lines:>5} {words:>6}".format(**s))
    return stats
"""

PROGRAMS["files-markdown-outline"] = r"""
import re

async def main():
    md = await codemode.read_file(path="docs/readme.md")
    outline = []
    for line in md.splitlines():
        if m := re.match(r"^(#+)\s+(.*)", line):
            level = len(m.group(1))
            outline.append("  " * (level - 1) + m.group(2))
    endpoints = re.findall(r"^- (GET|POST|PUT|DELETE) (\S+)$", md, flags=re.MULTILINE)
    emails = re.findall(r"[\w.+-]+@[\w-]+\.[\w.]+", md)
    commands = re.findall(r"`([^`]+)`", md)
    print("\n".join(outline))
    return {"outline": outline, "endpoints": endpoints, "emails": emails, "commands": commands}
"""

PROGRAMS["email-notify-customers"] = r"""
import asyncio

TEMPLATE = '''Hello {name},

You have {n} pending order(s) totalling ${total:.2f}.
'''

async def main():
    pending = await codemode.list_orders(status="pending")
    by_customer = {}
    for o in pending:
        by_customer.setdefault(o["customer_id"], []).append(o)
    customers = await asyncio.gather(*(codemode.get_customer(customer_id=c) for c in sorted(by_customer)))
    sent = []
    for cust in customers:
        orders = by_customer[cust["id"]]
        body = TEMPLATE.format(name=cust["name"].split()[0], n=len(orders), total=sum(o["total"] for o in orders))
        receipt = await codemode.send_email(to=cust["email"], subject="Pending orders", body=body)
        sent.append(receipt["id"])
    print(f"sent {len(sent)} emails")
    return sent
"""

PROGRAMS["tickets-from-log"] = r"""
import re

async def main():
    log = await codemode.read_file(path="logs/app.log")
    errors = [l for l in log.splitlines() if " ERROR " in l]
    components = sorted({re.search(r"\[(\w+)\]", l).group(1) for l in errors})
    tickets = []
    for comp in components:
        n = sum(f"[{comp}]" in l for l in errors)
        priority = "high" if n > 5 else "medium" if n > 2 else "low"
        t = await codemode.create_ticket(title=f"{n} errors in {comp}", priority=priority, tags=["auto", comp])
        tickets.append(t)
    return tickets
"""

PROGRAMS["events-sessionize"] = r"""
from datetime import datetime, timedelta
from itertools import groupby

async def main():
    events = await codemode.get_user_events(user_id="u42", limit=60)
    parsed = [(datetime.fromisoformat(e["at"]), e["kind"]) for e in events]
    parsed.sort()
    sessions = []
    current = [parsed[0]]
    for prev, cur in zip(parsed, parsed[1:]):
        if cur[0] - prev[0] > timedelta(minutes=30):
            sessions.append(current)
            current = []
        current.append(cur)
    sessions.append(current)
    by_day = {day: len(list(g)) for day, g in groupby(parsed, key=lambda p: p[0].date().isoformat())}
    longest = max(sessions, key=len)
    return {
        "sessions": len(sessions),
        "longest": [longest[0][0].isoformat(), longest[-1][0].isoformat(), len(longest)],
        "by_day": by_day,
        "weekday": parsed[0][0].strftime("%A %d %B %Y"),
    }
"""

PROGRAMS["events-funnel"] = r"""
import asyncio
from collections import Counter

FUNNEL = ["login", "view", "click", "purchase"]

async def main():
    users = [f"u{i}" for i in range(1, 9)]
    streams = await asyncio.gather(*(codemode.get_user_events(user_id=u, limit=20) for u in users))
    reached = Counter()
    for events in streams:
        kinds = {e["kind"] for e in events}
        for step in FUNNEL:
            if step not in kinds:
                break
            reached[step] += 1
    rates = {step: reached[step] / len(users) for step in FUNNEL}
    for step in FUNNEL:
        bar = "#" * reached[step]
        print(f"{step:>9} {bar:<8} {rates[step]:.0%}")
    return rates
"""

PROGRAMS["products-restock"] = r"""
async def main():
    products = await codemode.list_products()
    out_of_stock = [p["name"] for p in products if p["stock"] == 0]
    low = sorted((p for p in products if 0 < p["stock"] < 10), key=lambda p: p["stock"])
    value = sum(p["price"] * p["stock"] for p in products)
    by_cat = {}
    for p in products:
        by_cat.setdefault(p["category"], []).append(p["sku"])
    return {"out": out_of_stock, "low": [p["sku"] for p in low], "value": round(value, 2), "by_cat": by_cat}
"""

PROGRAMS["toplevel-await-script"] = r"""
import asyncio
w = await codemode.get_weather(city="Oslo")
orders = await codemode.list_orders(customer_id="c2")
print(w["conditions"], len(orders))
{"temp": w["temperature"], "orders": [o["id"] for o in orders][:5]}
"""

PROGRAMS["asyncio-run-at-bottom"] = r"""
import asyncio

async def fetch_all(cities):
    return await asyncio.gather(*(codemode.get_weather(city=c) for c in cities))

async def main():
    data = await fetch_all(["Paris", "Tokyo"])
    print([d["city"] for d in data])
    return sum(d["temperature"] for d in data) / len(data)

if __name__ == "__main__":
    asyncio.run(main())
"""

PROGRAMS["tool-call-with-dict-arg"] = r"""
async def main():
    args = {"city": "Sydney", "units": "f"}
    w = await codemode.get_weather(args)
    q = await codemode.get_stock_price(**{"symbol": "nvda"})
    return [w["temperature"], q["symbol"], q["price"]]
"""

PROGRAMS["dataclass-orders-model"] = r"""
from dataclasses import dataclass, field, asdict
from typing import Optional

@dataclass
class LineItem:
    sku: str
    qty: int
    price: float

    @property
    def subtotal(self) -> float:
        return round(self.qty * self.price, 2)

@dataclass
class Order:
    id: str
    customer_id: str
    status: str
    items: list[LineItem] = field(default_factory=list)
    note: Optional[str] = None

    @classmethod
    def from_api(cls, data: dict) -> "Order":
        return cls(
            id=data["id"],
            customer_id=data["customer_id"],
            status=data["status"],
            items=[LineItem(**i) for i in data["items"]],
        )

    def total(self) -> float:
        return round(sum(i.subtotal for i in self.items), 2)

async def main():
    raw = await codemode.list_orders(customer_id="c3")
    orders = [Order.from_api(o) for o in raw]
    print(orders[0])
    biggest = max(orders, key=Order.total)
    return {"first": asdict(orders[0]), "biggest": biggest.id, "totals": [o.total() for o in orders]}
"""

PROGRAMS["dataclass-frozen-ordering"] = r"""
from dataclasses import dataclass, replace, astuple, fields

@dataclass(frozen=True, order=True)
class Version:
    major: int
    minor: int = 0
    patch: int = 0

    @staticmethod
    def parse(text: str) -> "Version":
        return Version(*(int(p) for p in text.lstrip("v").split(".")))

    def bump(self, part: str) -> "Version":
        if part == "major":
            return replace(self, major=self.major + 1, minor=0, patch=0)
        if part == "minor":
            return replace(self, minor=self.minor + 1, patch=0)
        return replace(self, patch=self.patch + 1)

    def __str__(self) -> str:
        return f"v{self.major}.{self.minor}.{self.patch}"

versions = [Version.parse(v) for v in ["1.2.3", "v0.9", "1.10.0", "1.2.10", "2"]]
versions.sort()
latest = versions[-1]
try:
    latest.major = 5
except Exception as exc:
    err = type(exc).__name__
print(", ".join(map(str, versions)))
[str(v) for v in versions], str(latest.bump("minor")), astuple(latest), [f.name for f in fields(Version)], err, hash(latest) == hash(Version(2)), {latest, Version(2, 0, 0)}.__len__()
"""

PROGRAMS["dataclass-post-init-validation"] = r"""
from dataclasses import dataclass, field

class ValidationError(ValueError):
    def __init__(self, field_name, message):
        super().__init__(f"{field_name}: {message}")
        self.field_name = field_name

@dataclass
class User:
    name: str
    email: str
    age: int = 0
    tags: set[str] = field(default_factory=set)
    slug: str = field(init=False)

    def __post_init__(self):
        if "@" not in self.email:
            raise ValidationError("email", f"invalid address {self.email!r}")
        if self.age < 0:
            raise ValidationError("age", "must be >= 0")
        self.slug = self.name.lower().replace(" ", "-")

rows = [("Ada Lovelace", "ada@example.com", 36), ("Bob", "bob-at-example", 20), ("Eve", "eve@x.io", -1)]
users, errors = [], []
for name, email, age in rows:
    try:
        users.append(User(name, email, age))
    except ValidationError as e:
        errors.append((e.field_name, str(e)))
print(users)
[u.slug for u in users], errors, repr(users[0])
"""

PROGRAMS["dataclass-slots-kw-only"] = r"""
from dataclasses import dataclass, field, KW_ONLY

@dataclass(slots=True, kw_only=True)
class Config:
    host: str = "localhost"
    port: int = 8080
    debug: bool = False

@dataclass
class Job:
    name: str
    _: KW_ONLY
    priority: int = 5
    retries: int = field(default=3, repr=False)

c = Config(port=9000)
jobs = sorted([Job("b", priority=1), Job("a"), Job("c", priority=9, retries=0)], key=lambda j: (j.priority, j.name))
try:
    c.extra = 1
    slot_error = None
except AttributeError as e:
    slot_error = "AttributeError"
[repr(c), [repr(j) for j in jobs], slot_error, Config() == Config(), Config(debug=True) != Config()]
"""

PROGRAMS["dataclass-nested-asdict-json"] = r"""
import json
from dataclasses import dataclass, field, asdict
from datetime import date

@dataclass
class Address:
    street: str
    city: str
    zip: str

@dataclass
class Person:
    name: str
    born: date
    addresses: list[Address] = field(default_factory=list)
    meta: dict[str, int] = field(default_factory=dict)

def default(o):
    if isinstance(o, date):
        return o.isoformat()
    raise TypeError(f"cannot serialise {type(o).__name__}")

p = Person("Grace", date(1906, 12, 9), [Address("1 Navy Rd", "Arlington", "22201")], {"ships": 1})
text = json.dumps(asdict(p), default=default, indent=2, sort_keys=True)
print(text)
back = json.loads(text)
back["addresses"][0]["city"], len(text), json.dumps(asdict(p), default=default, separators=(",", ":"))
"""

PROGRAMS["enum-status-machine"] = r"""
from enum import Enum, auto

class Status(Enum):
    PENDING = auto()
    SHIPPED = auto()
    DELIVERED = auto()
    CANCELLED = auto()

    @property
    def is_final(self) -> bool:
        return self in (Status.DELIVERED, Status.CANCELLED)

TRANSITIONS = {
    Status.PENDING: {Status.SHIPPED, Status.CANCELLED},
    Status.SHIPPED: {Status.DELIVERED},
}

class InvalidTransition(Exception):
    pass

def advance(current: Status, target: Status) -> Status:
    if target not in TRANSITIONS.get(current, set()):
        raise InvalidTransition(f"{current.name} -> {target.name}")
    return target

async def main():
    orders = await codemode.list_orders()
    statuses = [Status[o["status"].upper()] for o in orders]
    log = []
    for s in statuses[:6]:
        try:
            log.append(advance(s, Status.SHIPPED).name)
        except InvalidTransition as e:
            log.append(f"refused {e}")
    print(Status.PENDING, repr(Status.SHIPPED))
    return {
        "log": log,
        "final": sum(s.is_final for s in statuses),
        "values": [s.value for s in Status],
        "members": list(Status.__members__),
    }
"""

PROGRAMS["enum-int-str-flag"] = r"""
from enum import IntEnum, StrEnum, Flag, IntFlag, auto, unique

@unique
class Priority(IntEnum):
    LOW = 1
    MEDIUM = 2
    HIGH = 3

class Color(StrEnum):
    RED = auto()
    GREEN = auto()

class Perm(Flag):
    READ = auto()
    WRITE = auto()
    EXEC = auto()
    RW = READ | WRITE

class Mode(IntFlag):
    R = 4
    W = 2
    X = 1

tasks = [("deploy", Priority.HIGH), ("lint", Priority.LOW), ("test", Priority.MEDIUM)]
tasks.sort(key=lambda t: t[1], reverse=True)
p = Perm.READ | Perm.EXEC
[
    [t for t, _ in tasks],
    Priority.HIGH > Priority.LOW, Priority(2).name, int(Priority.MEDIUM) + 1,
    Color.RED.upper(), f"{Color.GREEN}", Color("red") is Color.RED,
    Perm.READ in p, Perm.WRITE in p, str(p), repr(Perm.RW), [m.name for m in Perm],
    int(Mode.R | Mode.W), str(Mode(7)), Mode(6) & Mode.W == Mode.W,
]
"""

PROGRAMS["enum-functional-and-lookup"] = r"""
from enum import Enum

Weekday = Enum("Weekday", "MON TUE WED THU FRI SAT SUN")
Unit = Enum("Unit", {"KB": 1024, "MB": 1024 ** 2, "GB": 1024 ** 3})

def human(n: int) -> str:
    for unit in reversed(Unit):
        if n >= unit.value:
            return f"{n / unit.value:.1f} {unit.name}"
    return f"{n} B"

class Planet(Enum):
    MERCURY = (3.303e23, 2.4397e6)
    EARTH = (5.976e24, 6.37814e6)

    def __init__(self, mass, radius):
        self.mass = mass
        self.radius = radius

    @property
    def gravity(self):
        return 6.673e-11 * self.mass / (self.radius * self.radius)

[Weekday.WED.value, Weekday(6).name, len(Weekday), [human(n) for n in (512, 2048, 5 * 1024 ** 2, 3 * 1024 ** 3)],
 round(Planet.EARTH.gravity, 3), Planet["MERCURY"].radius, [p.name for p in Planet]]
"""

PROGRAMS["class-bank-account"] = r"""
class InsufficientFunds(Exception):
    def __init__(self, needed: float, available: float):
        super().__init__(f"need {needed:.2f}, have {available:.2f}")
        self.needed = needed
        self.available = available

class Account:
    interest_rate = 0.02
    _next_id = 1

    def __init__(self, owner: str, balance: float = 0.0):
        self.owner = owner
        self._balance = balance
        self.id = Account._next_id
        Account._next_id += 1
        self.history: list[tuple[str, float]] = []

    @property
    def balance(self) -> float:
        return self._balance

    def deposit(self, amount: float) -> "Account":
        if amount <= 0:
            raise ValueError("deposit must be positive")
        self._balance += amount
        self.history.append(("deposit", amount))
        return self

    def withdraw(self, amount: float) -> "Account":
        if amount > self._balance:
            raise InsufficientFunds(amount, self._balance)
        self._balance -= amount
        self.history.append(("withdraw", amount))
        return self

    def __repr__(self) -> str:
        return f"Account({self.owner!r}, balance={self._balance:.2f})"

class SavingsAccount(Account):
    interest_rate = 0.05

    def add_interest(self) -> float:
        interest = round(self.balance * self.interest_rate, 2)
        self.deposit(interest)
        return interest

acct = SavingsAccount("Ada", 100)
acct.deposit(50).withdraw(30)
interest = acct.add_interest()
try:
    acct.withdraw(1_000)
except InsufficientFunds as e:
    failure = (str(e), e.needed, e.args)
print(acct)
[repr(acct), interest, acct.history, failure, isinstance(acct, Account), acct.id, Account("x").id]
"""

PROGRAMS["class-vector-dunders"] = r"""
import math
from functools import total_ordering

@total_ordering
class Vector:
    __slots__ = ("x", "y")

    def __init__(self, x: float = 0.0, y: float = 0.0):
        self.x = x
        self.y = y

    def __add__(self, other: "Vector") -> "Vector":
        return Vector(self.x + other.x, self.y + other.y)

    def __sub__(self, other):
        return Vector(self.x - other.x, self.y - other.y)

    def __mul__(self, k: float) -> "Vector":
        return Vector(self.x * k, self.y * k)

    __rmul__ = __mul__

    def __neg__(self):
        return Vector(-self.x, -self.y)

    def __abs__(self) -> float:
        return math.hypot(self.x, self.y)

    def __eq__(self, other):
        return isinstance(other, Vector) and (self.x, self.y) == (other.x, other.y)

    def __lt__(self, other):
        return abs(self) < abs(other)

    def __hash__(self):
        return hash((self.x, self.y))

    def __iter__(self):
        yield self.x
        yield self.y

    def __getitem__(self, i):
        return (self.x, self.y)[i]

    def __len__(self):
        return 2

    def __bool__(self):
        return bool(self.x or self.y)

    def __repr__(self):
        return f"Vector({self.x!r}, {self.y!r})"

    def __format__(self, spec):
        return f"<{format(self.x, spec)}, {format(self.y, spec)}>"

a, b = Vector(3, 4), Vector(1, -2)
path = [a, b, a + b, a - b, 2 * a, -b, Vector()]
[repr(v) for v in sorted(path)], abs(a), list(a + b), a[1], bool(Vector()), f"{a:.2f}", len({a, Vector(3, 4)}), a >= b, max(path)[0]
"""

PROGRAMS["class-abc-shapes"] = r"""
from abc import ABC, abstractmethod
import math

class Shape(ABC):
    @abstractmethod
    def area(self) -> float: ...

    def describe(self) -> str:
        return f"{type(self).__name__} with area {self.area():.2f}"

class Circle(Shape):
    def __init__(self, r):
        self.r = r
    def area(self):
        return math.pi * self.r ** 2

class Rect(Shape):
    def __init__(self, w, h):
        self.w, self.h = w, h
    def area(self):
        return self.w * self.h

class Square(Rect):
    def __init__(self, side):
        super().__init__(side, side)

try:
    Shape()
except TypeError as e:
    err = str(e)
shapes = [Circle(1), Rect(2, 3), Square(4)]
[s.describe() for s in shapes], err, sum(s.area() for s in shapes) > 20, isinstance(shapes[2], Rect)
"""

PROGRAMS["class-inheritance-super-chain"] = r"""
class Base:
    def __init__(self, name, **kwargs):
        super().__init__(**kwargs)
        self.name = name

    def describe(self):
        return [f"Base({self.name})"]

class TimestampMixin:
    def __init__(self, created="2026-01-01", **kwargs):
        super().__init__(**kwargs)
        self.created = created

    def describe(self):
        return super().describe() + [f"created {self.created}"]

class TaggedMixin:
    def __init__(self, tags=(), **kwargs):
        super().__init__(**kwargs)
        self.tags = list(tags)

    def describe(self):
        return super().describe() + [f"tags {','.join(self.tags)}"]

class Document(TimestampMixin, TaggedMixin, Base):
    def describe(self):
        return ["Document"] + super().describe()

d = Document(name="spec", tags=["draft", "v2"], created="2026-03-01")
d.describe(), issubclass(Document, TaggedMixin), vars(d), [c.__name__ for c in (Document, Base)]
"""

PROGRAMS["class-classmethod-registry"] = r"""
class Plugin:
    registry: dict[str, type] = {}

    def __init_subclass__(cls, key: str = "", **kwargs):
        super().__init_subclass__(**kwargs)
        Plugin.registry[key or cls.__name__.lower()] = cls

    @classmethod
    def create(cls, key: str, *args):
        return cls.registry[key](*args)

    def run(self, data):
        raise NotImplementedError

class Upper(Plugin, key="upper"):
    def run(self, data):
        return data.upper()

class Reverse(Plugin):
    def run(self, data):
        return data[::-1]

class Repeat(Plugin, key="repeat"):
    def __init__(self, n=2):
        self.n = n
    def run(self, data):
        return data * self.n

pipeline = [Plugin.create("upper"), Plugin.create("reverse"), Plugin.create("repeat", 3)]
text = "abc"
for step in pipeline:
    text = step.run(text)
try:
    Plugin().run("x")
except NotImplementedError:
    ni = True
sorted(Plugin.registry), text, ni
"""

PROGRAMS["class-context-manager-timer"] = r"""
import time

class Timer:
    def __init__(self, label):
        self.label = label
        self.elapsed = None

    def __enter__(self):
        self.start = time.perf_counter()
        return self

    def __exit__(self, exc_type, exc, tb):
        self.elapsed = time.perf_counter() - self.start
        print(f"{self.label}: done" + (f" with {exc_type.__name__}" if exc_type else ""))
        return exc_type is ZeroDivisionError

with Timer("sum") as t1:
    total = sum(i * i for i in range(10_000))
with Timer("div") as t2:
    1 / 0
[total, t1.elapsed >= 0, t2.elapsed is not None]
"""

PROGRAMS["class-property-setter-validation"] = r"""
class Temperature:
    def __init__(self, celsius: float = 0.0):
        self.celsius = celsius

    @property
    def celsius(self) -> float:
        return self._celsius

    @celsius.setter
    def celsius(self, value: float) -> None:
        if value < -273.15:
            raise ValueError(f"{value} is below absolute zero")
        self._celsius = float(value)

    @property
    def fahrenheit(self) -> float:
        return self._celsius * 9 / 5 + 32

    @fahrenheit.setter
    def fahrenheit(self, value: float) -> None:
        self.celsius = (value - 32) * 5 / 9

    @celsius.deleter
    def celsius(self):
        self._celsius = 0.0

t = Temperature(25)
t.fahrenheit = 212
errors = []
for v in (-300, 10):
    try:
        t.celsius = v
    except ValueError as e:
        errors.append(str(e))
snapshot = t.celsius
del t.celsius
[snapshot, t.celsius, round(Temperature(37).fahrenheit, 1), errors, hasattr(t, "kelvin"), getattr(t, "kelvin", "n/a")]
"""

PROGRAMS["class-cached-property-lazy"] = r"""
from functools import cached_property

class Report:
    computed = 0

    def __init__(self, numbers):
        self.numbers = numbers

    @cached_property
    def stats(self):
        Report.computed += 1
        n = len(self.numbers)
        mean = sum(self.numbers) / n
        var = sum((x - mean) ** 2 for x in self.numbers) / n
        return {"n": n, "mean": mean, "var": var}

r = Report(list(range(1, 101)))
first = r.stats
second = r.stats
del r.stats
third = r.stats
[first, first is second, Report.computed, third == first]
"""

PROGRAMS["namedtuple-and-typing-namedtuple"] = r"""
from collections import namedtuple
from typing import NamedTuple

Point = namedtuple("Point", ["x", "y"], defaults=[0])

class Employee(NamedTuple):
    name: str
    dept: str
    salary: float = 50_000.0

    def raise_by(self, pct: float) -> "Employee":
        return self._replace(salary=round(self.salary * (1 + pct / 100), 2))

staff = [Employee("ann", "eng", 120_000), Employee("bob", "ops"), Employee("cy", "eng", 95_000)]
by_dept = {}
for e in staff:
    by_dept.setdefault(e.dept, []).append(e.name)
p = Point(3)
x, y = p
[p, p._asdict(), Point._fields, x + y, staff[0].raise_by(10), Employee._fields, staff[1]._asdict(),
 max(staff, key=lambda e: e.salary).name, by_dept, Employee("z", "q") < Employee("zz", "a"), repr(p)]
"""

PROGRAMS["typeddict-and-protocol"] = r"""
from typing import TypedDict, Protocol, NotRequired, runtime_checkable, Literal

class Ticket(TypedDict):
    id: str
    title: str
    priority: Literal["low", "medium", "high"]
    tags: NotRequired[list[str]]

@runtime_checkable
class Notifier(Protocol):
    def notify(self, message: str) -> str: ...

class Slack:
    def notify(self, message: str) -> str:
        return f"slack: {message}"

class Pager:
    def notify(self, message: str) -> str:
        return f"PAGE: {message.upper()}"

class Nothing:
    pass

async def main():
    tickets: list[Ticket] = []
    for title, pr in [("disk full", "high"), ("typo", "low")]:
        t = await codemode.create_ticket(title=title, priority=pr)
        tickets.append(Ticket(id=t["id"], title=t["title"], priority=t["priority"]))
    channels: list[Notifier] = [Slack(), Pager()]
    sent = [c.notify(t["title"]) for t in tickets if t["priority"] == "high" for c in channels]
    return {
        "tickets": tickets,
        "sent": sent,
        "checks": [isinstance(x, Notifier) for x in (Slack(), Pager(), Nothing())],
        "keys": sorted(Ticket.__annotations__),
    }
"""

PROGRAMS["generic-repository-typevar"] = r"""
from typing import TypeVar, Generic, Callable, Iterable, Iterator, Optional
from dataclasses import dataclass

T = TypeVar("T")
K = TypeVar("K")

class Repository(Generic[T]):
    def __init__(self, key: Callable[[T], str]):
        self._items: dict[str, T] = {}
        self._key = key

    def add(self, item: T) -> None:
        self._items[self._key(item)] = item

    def get(self, key: str) -> Optional[T]:
        return self._items.get(key)

    def find(self, pred: Callable[[T], bool]) -> list[T]:
        return [i for i in self._items.values() if pred(i)]

    def __iter__(self) -> Iterator[T]:
        return iter(self._items.values())

    def __len__(self) -> int:
        return len(self._items)

def group_by(items: Iterable[T], key: Callable[[T], K]) -> dict[K, list[T]]:
    out: dict[K, list[T]] = {}
    for item in items:
        out.setdefault(key(item), []).append(item)
    return out

@dataclass
class Product:
    sku: str
    name: str
    category: str
    price: float

async def main():
    repo: Repository[Product] = Repository(key=lambda p: p.sku)
    for p in await codemode.list_products():
        repo.add(Product(p["sku"], p["name"], p["category"], p["price"]))
    cheap = repo.find(lambda p: p.price < 10)
    groups = group_by(repo, key=lambda p: p.category)
    return {
        "n": len(repo),
        "cheap": [p.name for p in cheap],
        "groups": {k: [p.sku for p in v] for k, v in groups.items()},
        "missing": repo.get("Z999"),
    }
"""

PROGRAMS["class-eq-hash-set-dedupe"] = r"""
class Contact:
    def __init__(self, name, email):
        self.name = name.strip()
        self.email = email.strip().lower()

    def __eq__(self, other):
        if not isinstance(other, Contact):
            return NotImplemented
        return self.email == other.email

    def __hash__(self):
        return hash(self.email)

    def __repr__(self):
        return f"Contact({self.name!r}, {self.email!r})"

raw = [("Ada", "ADA@example.com "), ("Ada L.", "ada@example.com"), ("Bob", "bob@example.com"), ("Bobby", " BOB@EXAMPLE.COM")]
contacts = [Contact(n, e) for n, e in raw]
unique = list(dict.fromkeys(contacts))
[repr(c) for c in unique], len(set(contacts)), contacts[0] == contacts[1], contacts[0] == "ada", contacts[0] != contacts[2]
"""

PROGRAMS["class-callable-and-iterator-protocol"] = r"""
class Countdown:
    def __init__(self, start):
        self.current = start

    def __iter__(self):
        return self

    def __next__(self):
        if self.current <= 0:
            raise StopIteration
        self.current -= 1
        return self.current + 1

class Multiplier:
    def __init__(self, k):
        self.k = k
    def __call__(self, x):
        return x * self.k

class Matrix:
    def __init__(self, rows):
        self.rows = rows
    def __getitem__(self, idx):
        r, c = idx
        return self.rows[r][c]
    def __setitem__(self, idx, value):
        r, c = idx
        self.rows[r][c] = value
    def __contains__(self, value):
        return any(value in row for row in self.rows)
    def __matmul__(self, other):
        cols = list(zip(*other.rows))
        return Matrix([[sum(a * b for a, b in zip(row, col)) for col in cols] for row in self.rows])

m = Matrix([[1, 2], [3, 4]])
m[0, 1] = 5
triple = Multiplier(3)
[list(Countdown(4)), list(map(triple, [1, 2, 3])), callable(triple), m[0, 1], 4 in m, 9 in m, (m @ m).rows]
"""

PROGRAMS["re-parse-invoices"] = r"""
import re

TEXT = '''
Invoice #INV-2026-0042 dated 2026-03-14
  Widget x3 @ $19.99
  Gadget x10 @ $5.25
  Monitor x1 @ $149.00
Invoice #INV-2026-0043 dated 2026-03-15
  Sticker x100 @ $0.99
'''

INVOICE = re.compile(r"Invoice #(?P<number>INV-\d{4}-\d{4}) dated (?P<date>\d{4}-\d{2}-\d{2})")
ITEM = re.compile(r"^\s+(?P<name>\w+) x(?P<qty>\d+) @ \$(?P<price>\d+\.\d{2})$", re.MULTILINE)

invoices = []
for block in re.split(r"\n(?=Invoice)", TEXT.strip()):
    head = INVOICE.search(block)
    items = [
        {"name": m["name"], "qty": int(m["qty"]), "price": float(m["price"])}
        for m in ITEM.finditer(block)
    ]
    invoices.append({**head.groupdict(), "items": items, "total": round(sum(i["qty"] * i["price"] for i in items), 2)})
invoices
"""

PROGRAMS["re-sub-with-function"] = r"""
import re

template = "Hello {{name}}, your order {{ order_id }} ships on {{date}}. {{unknown}}"
values = {"name": "Ada", "order_id": "o042", "date": "2026-03-20"}

def fill(m: re.Match) -> str:
    key = m.group(1).strip()
    return str(values.get(key, m.group(0)))

filled = re.sub(r"\{\{\s*(\w+)\s*\}\}", fill, template)
snake = re.sub(r"(?<!^)(?=[A-Z])", "_", "getHTTPResponseCode").lower()
camel = re.sub(r"_([a-z])", lambda m: m.group(1).upper(), "user_account_id")
redacted = re.sub(r"\b(\d{4})\d{8}(\d{4})\b", r"\1********\2", "card 4111111111111111 ok")
squeezed, n = re.subn(r"\s+", " ", "  lots   of\t\twhite \n space  ")
[filled, snake, camel, redacted, squeezed.strip(), n]
"""

PROGRAMS["re-tokenizer-calculator"] = r"""
import re
import operator

TOKEN = re.compile(r"\s*(?:(?P<num>\d+(?:\.\d+)?)|(?P<op>[-+*/()]))")
OPS = {"+": (1, operator.add), "-": (1, operator.sub), "*": (2, operator.mul), "/": (2, operator.truediv)}

def tokenize(expr):
    pos, out = 0, []
    expr = expr.strip()
    while pos < len(expr):
        m = TOKEN.match(expr, pos)
        if not m:
            raise SyntaxError(f"bad input at {pos}: {expr[pos:]!r}")
        out.append(float(m["num"]) if m["num"] else m["op"])
        pos = m.end()
    return out

def evaluate(tokens):
    nums, ops = [], []
    def apply():
        op = ops.pop()
        b, a = nums.pop(), nums.pop()
        nums.append(OPS[op][1](a, b))
    for tok in tokens:
        if isinstance(tok, float):
            nums.append(tok)
        elif tok == "(":
            ops.append(tok)
        elif tok == ")":
            while ops[-1] != "(":
                apply()
            ops.pop()
        else:
            while ops and ops[-1] != "(" and OPS[ops[-1]][0] >= OPS[tok][0]:
                apply()
            ops.append(tok)
    while ops:
        apply()
    return nums[0]

results = {e: evaluate(tokenize(e)) for e in ["1 + 2 * 3", "(1 + 2) * 3", "10 / 4 - 1", "2 * (3 + 4) * 5"]}
try:
    tokenize("2 $ 3")
except SyntaxError as e:
    results["error"] = str(e)
results
"""

PROGRAMS["re-flags-and-verbose"] = r"""
import re

PHONE = re.compile(r'''
    (?:\+?(?P<country>\d{1,3})[\s.-]?)?   # country code
    \(?(?P<area>\d{3})\)?[\s.-]?          # area code
    (?P<exchange>\d{3})[\s.-]?            # exchange
    (?P<line>\d{4})                       # line number
''', re.VERBOSE)

text = "Call +1 (555) 123-4567 or 555.987.6543; fax 44-020-7946-0958"
phones = [m.groupdict() for m in PHONE.finditer(text)]
words = re.findall(r"\bcall\b|\bFAX\b", text, re.IGNORECASE)
lines = re.findall(r"^\w+", "alpha beta\ngamma delta\nepsilon", re.M)
dotall = re.search(r"start(.*)end", "start\nmiddle\nend", re.S).group(1)
spans = [m.span() for m in re.finditer(r"\d+", "a1bb22ccc333")]
[phones, words, lines, dotall, spans, re.fullmatch(r"[a-z]+", "abc") is not None, re.escape("a.b*c")]
"""

PROGRAMS["json-roundtrip-custom-encoder"] = r"""
import json
from datetime import datetime, date
from decimal import Decimal
from enum import Enum

class Kind(Enum):
    SALE = "sale"
    REFUND = "refund"

class Encoder(json.JSONEncoder):
    def default(self, o):
        if isinstance(o, (datetime, date)):
            return o.isoformat()
        if isinstance(o, Decimal):
            return str(o)
        if isinstance(o, Enum):
            return o.value
        if isinstance(o, set):
            return sorted(o)
        return super().default(o)

record = {
    "when": datetime(2026, 3, 1, 12, 30),
    "day": date(2026, 3, 1),
    "amount": Decimal("19.99"),
    "kind": Kind.REFUND,
    "tags": {"b", "a"},
    "nested": {"z": 1, "a": [1, 2, {"k": None}]},
}
text = json.dumps(record, cls=Encoder, sort_keys=True, indent=2)
print(text)
compact = json.dumps(record, cls=Encoder, separators=(",", ":"), sort_keys=True)
try:
    json.dumps({"x": object()})
except TypeError as e:
    err = str(e)
[json.loads(compact), len(text.splitlines()), err, json.dumps("héllo"), json.dumps("héllo", ensure_ascii=False)]
"""

PROGRAMS["json-parse-errors-and-hooks"] = r"""
import json
from collections import OrderedDict

samples = ['{"a": 1, "b": [1, 2]}', '{"a": 1,}', '[1, 2', '{"price": 1.10, "qty": 3}', 'NaN', '"text"']
out = []
for s in samples:
    try:
        out.append(("ok", json.loads(s)))
    except json.JSONDecodeError as e:
        out.append(("error", e.msg, e.lineno, e.colno, e.pos))
hooked = json.loads('{"z": 1, "a": {"b": 2}}', object_pairs_hook=OrderedDict)
floats = json.loads('{"x": 1.5}', parse_float=lambda s: f"float:{s}")
pairs = json.loads('[{"k": "a", "v": 1}, {"k": "b", "v": 2}]', object_hook=lambda d: (d["k"], d["v"]) if "k" in d else d)
[out, list(hooked), floats, pairs]
"""

PROGRAMS["string-formatting-report"] = r"""
rows = [
    ("Widget", 3, 19.99, 0.0),
    ("Gadget with a long name", 10, 5.25, 0.1),
    ("Monitor", 1, 149.0, 0.05),
]
lines = []
header = "{:<20} {:>5} {:>10} {:>8} {:>10}".format("Item", "Qty", "Price", "Disc", "Total")
lines.append(header)
lines.append("-" * len(header))
grand = 0
for name, qty, price, disc in rows:
    total = qty * price * (1 - disc)
    grand += total
    short = name if len(name) <= 20 else name[:17] + "..."
    lines.append(f"{short:<20} {qty:>5d} {price:>10.2f} {disc:>8.0%} {total:>10,.2f}")
lines.append(f"{'TOTAL':<20} {'':>5} {'':>10} {'':>8} {grand:>10,.2f}")
lines.append("%-10s|%5d|%8.3f|%x|%o|%e|%r" % ("pct", 42, 3.14159, 255, 8, 12345.678, "q"))
lines.append("{0}-{1}-{0} {name!r} {val:+.1f} {big:_} {pct:.1%} {n:08.3f} {h:#x} {b:b}".format(
    "a", "b", name="x", val=3.14159, big=1234567, pct=0.4567, n=3.14159, h=255, b=5))
lines.append(f"{'centered':^20}|{'right':>8}|{42:*^9}|{3.5:e}|{1e-7:g}|{12345678.9:,.1f}")
print("\n".join(lines))
lines
"""

PROGRAMS["string-methods-cleanup"] = r"""
import string

raw = ["  Alice Smith ", "BOB jones", "carol   o'neil", "  dave-lee", "Eve\t"]
cleaned = [" ".join(w.capitalize() for w in name.split()) for name in raw]
initials = ["".join(part[0] for part in n.split()) for n in cleaned]
slugs = [n.lower().replace(" ", "-").replace("'", "") for n in cleaned]
punct = "Hello, World! How's it going? (fine)."
no_punct = punct.translate(str.maketrans("", "", string.punctuation))
caesar = "attack at dawn".translate(str.maketrans(string.ascii_lowercase, string.ascii_lowercase[3:] + string.ascii_lowercase[:3]))
checks = ["abc123".isalnum(), "123".isdigit(), "Title Case".istitle(), "   ".isspace(), "ABC".isupper()]
parts = "key=value=more".partition("="), "a,b,,c".split(","), "a b  c".split(), "path/to/file.txt".rsplit("/", 1)
padded = ["7".zfill(3), "x".center(5, "*"), "ab".ljust(4, "."), "ab".rjust(4), "tab\tsep".expandtabs(4)]
[cleaned, initials, slugs, no_punct, caesar, checks, parts, padded, "Mississippi".count("ss"), "hello".find("l"), "hello".rfind("l"), "a-b-c".replace("-", "+", 1),
 "www.example.com".removeprefix("www."), "file.tar.gz".removesuffix(".gz"), "ß".casefold(), "Hello".swapcase(), string.Template("$who likes $what").substitute(who="tim", what="pie")]
"""

PROGRAMS["textwrap-email-body"] = r"""
import textwrap

body = '''
    Dear customer,

        We are writing to let you know that your order has shipped and should arrive within three to five business days, depending on your location and the carrier's schedule.
    Thanks!
'''
dedented = textwrap.dedent(body).strip()
paragraphs = [textwrap.fill(p.strip(), width=40) for p in dedented.split("\n\n")]
wrapped = textwrap.wrap("The quick brown fox jumps over the lazy dog " * 3, width=30)
short = textwrap.shorten("The quick brown fox jumps over the lazy dog", width=25, placeholder=" [...]")
quoted = textwrap.indent("line one\nline two\n\nline four", "> ", predicate=lambda l: l.strip())
print(paragraphs[1])
[paragraphs, wrapped, short, quoted, textwrap.TextWrapper(width=20, initial_indent="* ", subsequent_indent="  ").fill("a bullet point that is long enough to wrap")]
"""

PROGRAMS["word-frequency-analysis"] = r"""
import re
from collections import Counter

async def main():
    text = await codemode.read_file(path="docs/readme.md")
    log = await codemode.read_file(path="logs/app.log")
    words = re.findall(r"[a-z']+", (text + log).lower())
    stop = {"the", "and", "a", "of", "to", "in", "for", "on", "or", "then"}
    freq = Counter(w for w in words if w not in stop and len(w) > 2)
    top = freq.most_common(8)
    width = max(len(w) for w, _ in top)
    for w, n in top:
        print(f"{w:>{width}} {'█' * (n // 4)} {n}")
    bigrams = Counter(zip(words, words[1:])).most_common(3)
    return {"top": top, "bigrams": [" ".join(b) for b, _ in bigrams], "vocab": len(freq), "hapax": sum(1 for c in freq.values() if c == 1)}
"""

PROGRAMS["csv-by-hand-quoted"] = r"""
def parse_csv_line(line, sep=","):
    fields, field, quoted, i = [], [], False, 0
    while i < len(line):
        ch = line[i]
        if quoted:
            if ch == '"' and i + 1 < len(line) and line[i + 1] == '"':
                field.append('"')
                i += 1
            elif ch == '"':
                quoted = False
            else:
                field.append(ch)
        elif ch == '"':
            quoted = True
        elif ch == sep:
            fields.append("".join(field))
            field = []
        else:
            field.append(ch)
        i += 1
    fields.append("".join(field))
    return fields

data = '''name,city,quote
"Smith, John",Boston,"He said ""hi"" twice"
Jane,"New York",plain
'''
header, *rows = [parse_csv_line(l) for l in data.strip().splitlines()]
records = [dict(zip(header, r)) for r in rows]
out_lines = [",".join(f'"{v}"' if "," in v or '"' in v else v for v in (r["name"], r["city"])) for r in records]
[records, out_lines]
"""

PROGRAMS["unicode-normalize-slugify"] = r"""
import unicodedata
import re

def slugify(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = re.sub(r"[^\w\s-]", "", text.lower())
    return re.sub(r"[-\s]+", "-", text).strip("-")

titles = ["Crème Brûlée Recipe!", "  Ünïcödé   Test -- 2026 ", "Ça va? Très bien.", "naïve café"]
[[slugify(t) for t in titles], unicodedata.name("é"), unicodedata.category("A"), len("é"), len(unicodedata.normalize("NFD", "é")), "ﬁ".upper(), unicodedata.numeric("½")]
"""

PROGRAMS["template-rendering-engine"] = r"""
import re
from string import Template

class MiniTemplate:
    VAR = re.compile(r"\{\{\s*([\w.]+)\s*(?:\|\s*(\w+))?\s*\}\}")
    FILTERS = {"upper": str.upper, "lower": str.lower, "title": str.title, "len": lambda s: str(len(s))}

    def __init__(self, source: str):
        self.source = source

    def lookup(self, ctx, path):
        value = ctx
        for part in path.split("."):
            value = value[part] if isinstance(value, dict) else getattr(value, part)
        return value

    def render(self, **ctx):
        def repl(m):
            value = str(self.lookup(ctx, m.group(1)))
            if m.group(2):
                value = self.FILTERS[m.group(2)](value)
            return value
        return self.VAR.sub(repl, self.source)

t = MiniTemplate("Hi {{ user.name | title }}, you have {{count}} new {{ kind|upper }} ({{ user.name|len }})")
out = t.render(user={"name": "ada lovelace"}, count=3, kind="alerts")
s = Template("${greeting}, $name! Cost: $$${amount}").safe_substitute(greeting="Hi", amount="9.99")
[out, s]
"""

PROGRAMS["statistics-summary"] = r"""
import statistics as st
import math

async def main():
    history = await codemode.get_price_history(symbol="AAPL", days=28)
    closes = [d["close"] for d in history]
    q = st.quantiles(closes, n=4)
    summary = {
        "mean": round(st.mean(closes), 4),
        "median": st.median(closes),
        "mode": st.mode([round(c) for c in closes]),
        "pstdev": round(st.pstdev(closes), 4),
        "variance": round(st.variance(closes), 4),
        "quartiles": [round(x, 3) for x in q],
        "fmean": round(st.fmean(closes), 4),
        "geo": round(st.geometric_mean(closes), 4),
        "harm": round(st.harmonic_mean(closes), 4),
        "corr": round(st.correlation(range(len(closes)), closes), 4),
    }
    slope, intercept = st.linear_regression(range(len(closes)), closes)
    summary["trend"] = "up" if slope > 0 else "down"
    summary["z_last"] = round((closes[-1] - st.mean(closes)) / st.stdev(closes), 3)
    summary["range"] = (min(closes), max(closes))
    summary["isclose"] = math.isclose(sum(closes) / len(closes), st.mean(closes))
    return summary
"""

PROGRAMS["decimal-invoice-rounding"] = r"""
from decimal import Decimal, ROUND_HALF_UP, ROUND_DOWN, getcontext, localcontext

async def main():
    orders = await codemode.list_orders(customer_id="c1")
    tax_rate = Decimal("0.0825")
    lines = []
    for o in orders[:5]:
        subtotal = sum(Decimal(str(i["price"])) * i["qty"] for i in o["items"])
        tax = (subtotal * tax_rate).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        lines.append((o["id"], str(subtotal), str(tax), str(subtotal + tax)))
    total = sum(Decimal(l[3]) for l in lines)
    with localcontext() as ctx:
        ctx.prec = 6
        third = Decimal(1) / Decimal(3)
    split = (total / 3).quantize(Decimal("0.01"), rounding=ROUND_DOWN)
    remainder = total - split * 3
    return {
        "lines": lines,
        "total": str(total),
        "third": str(third),
        "split": [str(split)] * 2 + [str(split + remainder)],
        "prec": getcontext().prec,
        "cmp": Decimal("1.10") == Decimal("1.1"),
        "float_trap": 0.1 + 0.2 == 0.3,
        "dec": Decimal("0.1") + Decimal("0.2") == Decimal("0.3"),
        "tuple": Decimal("-12.50").as_tuple()._asdict() if hasattr(Decimal("1").as_tuple(), "_asdict") else None,
    }
"""

PROGRAMS["fractions-recipe-scaling"] = r"""
from fractions import Fraction

recipe = {"flour": "2 1/4", "sugar": "3/4", "butter": "1/2", "eggs": "2", "milk": "1 1/3"}

def parse(q: str) -> Fraction:
    return sum((Fraction(p) for p in q.split()), Fraction(0))

def pretty(f: Fraction) -> str:
    whole, rest = divmod(f.numerator, f.denominator)
    if rest == 0:
        return str(whole)
    frac = f"{rest}/{f.denominator}"
    return f"{whole} {frac}" if whole else frac

scaled = {k: pretty(parse(v) * Fraction(3, 2)) for k, v in recipe.items()}
total = sum(parse(v) for v in recipe.values())
[scaled, str(total), float(total), Fraction(0.75), Fraction("3.1415").limit_denominator(100), Fraction(1, 3) < Fraction(2, 5), round(Fraction(7, 3), 2)]
"""

PROGRAMS["math-geometry-and-primes"] = r"""
import math

def haversine(lat1, lon1, lat2, lon2):
    r = 6371.0
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(a))

def primes_upto(n):
    sieve = bytearray([1]) * (n + 1)
    sieve[0:2] = b"\x00\x00"
    for i in range(2, math.isqrt(n) + 1):
        if sieve[i]:
            sieve[i * i :: i] = bytearray(len(range(i * i, n + 1, i)))
    return [i for i, v in enumerate(sieve) if v]

cities = {"paris": (48.8566, 2.3522), "lisbon": (38.7223, -9.1393), "tokyo": (35.6762, 139.6503)}
dists = {f"{a}-{b}": round(haversine(*cities[a], *cities[b]), 1) for a in cities for b in cities if a < b}
ps = primes_upto(100_000)
[dists, len(ps), ps[-3:], math.gcd(462, 1071), math.lcm(4, 6, 10), math.comb(52, 5), math.perm(10, 3), math.factorial(20),
 math.floor(-2.5), math.ceil(2.1), math.trunc(-2.7), round(2.5), round(3.5), round(-0.5), math.log(1000, 10), math.log2(1024), round(math.e, 10),
 math.isfinite(float("inf")), math.isnan(float("nan")), math.fsum([0.1] * 10), sum([0.1] * 10), math.prod(range(1, 8)), math.dist((0, 0), (3, 4)), divmod(-7, 2), -7 // 2, -7 % 2, 2 ** 100, pow(3, 200, 1000)]
"""

PROGRAMS["random-seeded-simulation"] = r"""
import random
from collections import Counter

random.seed(2026)
rolls = [random.randint(1, 6) + random.randint(1, 6) for _ in range(5000)]
dist = Counter(rolls)
deck = [f"{r}{s}" for s in "SHDC" for r in "A23456789TJQK"]
random.shuffle(deck)
hand = deck[:5]
rng = random.Random(7)
sample = rng.sample(range(1000), 5)
weights = rng.choices(["a", "b", "c"], weights=[0.7, 0.2, 0.1], k=10)
gauss = [round(rng.gauss(100, 15), 3) for _ in range(3)]
uni = round(rng.uniform(1.5, 2.5), 6)
walk = [0]
for _ in range(1000):
    walk.append(walk[-1] + random.choice((-1, 1)))
[dict(sorted(dist.items())), dist.most_common(1)[0][0], hand, sample, weights, gauss, uni, max(walk), min(walk), walk[-1], random.getrandbits(16), rng.randrange(0, 100, 5)]
"""

PROGRAMS["monte-carlo-pi"] = r"""
import random
import math

def estimate_pi(n: int, seed: int) -> float:
    rng = random.Random(seed)
    inside = sum(1 for _ in range(n) if rng.random() ** 2 + rng.random() ** 2 <= 1.0)
    return 4 * inside / n

estimates = [estimate_pi(20_000, s) for s in range(5)]
avg = sum(estimates) / len(estimates)
[round(e, 4) for e in estimates], round(avg, 5), abs(avg - math.pi) < 0.05
"""

PROGRAMS["collections-toolkit"] = r"""
from collections import Counter, defaultdict, deque, OrderedDict, ChainMap, namedtuple

inventory = Counter(apples=5, pears=2)
inventory.update({"apples": 3, "kiwis": 4})
inventory.subtract(pears=1)
other = Counter("mississippi")
graph = defaultdict(list)
for a, b in [("a", "b"), ("a", "c"), ("b", "d"), ("c", "d"), ("d", "e")]:
    graph[a].append(b)
    graph[b]

def bfs(start):
    seen, order, q = {start}, [], deque([start])
    while q:
        node = q.popleft()
        order.append(node)
        for nxt in graph[node]:
            if nxt not in seen:
                seen.add(nxt)
                q.append(nxt)
    return order

lru = OrderedDict()
for key in ["a", "b", "c", "a", "d", "b", "e"]:
    lru[key] = True
    lru.move_to_end(key)
    if len(lru) > 3:
        lru.popitem(last=False)
defaults = {"color": "red", "size": "M"}
user = {"size": "L"}
settings = ChainMap(user, defaults)
ring = deque(range(5), maxlen=5)
ring.rotate(2)
ring.append(99)
nested = defaultdict(lambda: defaultdict(int))
for word in "the cat the dog the end".split():
    nested[word[0]][word] += 1
[dict(inventory), inventory.most_common(2), +inventory, (other & Counter("sip")), other.total(), sorted(other.elements())[:5],
 bfs("a"), list(lru), settings["size"], settings["color"], dict(settings.new_child({"x": 1})), list(ring),
 {k: dict(v) for k, v in nested.items()}, Counter(a=3) - Counter(a=5), Counter(a=1) | Counter(a=2, b=1)]
"""

PROGRAMS["itertools-toolkit"] = r"""
import itertools as it
import operator

data = [3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5]
runs = [(k, len(list(g))) for k, g in it.groupby(sorted(data))]
acc = list(it.accumulate(data))
running_max = list(it.accumulate(data, max))
prod = list(it.accumulate(data, operator.mul))[:5]
pairs = list(it.pairwise("abcd"))
combos = list(it.combinations("abcd", 2))
perms = ["".join(p) for p in it.permutations("abc")]
product = list(it.product([0, 1], repeat=3))
chunks = [list(c) for c in iter(lambda g=iter(range(10)): list(it.islice(g, 3)), [])] if False else None
def batched(iterable, n):
    iterator = iter(iterable)
    while batch := list(it.islice(iterator, n)):
        yield batch
cyc = list(it.islice(it.cycle("xyz"), 7))
chained = list(it.chain([1, 2], (3, 4), "ab", it.chain.from_iterable([[5], [6, 7]])))
zipped = list(it.zip_longest("abc", [1, 2], fillvalue="-"))
taken = list(it.takewhile(lambda x: x < 5, data)), list(it.dropwhile(lambda x: x < 5, data))
counted = list(zip(it.count(10, 5), "abc"))
compressed = list(it.compress("abcdef", [1, 0, 1, 0, 1, 1]))
starmapped = list(it.starmap(pow, [(2, 5), (3, 2), (10, 3)]))
tee_a, tee_b = it.tee(range(3))
filtered = list(it.filterfalse(lambda x: x % 2, range(10)))
repeated = list(it.repeat("ab", 3))
combos_r = len(list(it.combinations_with_replacement(range(4), 3)))
[runs, acc, running_max, prod, pairs, combos, perms, product, list(batched(range(10), 3)), cyc, chained, zipped, taken, counted, compressed, starmapped, list(tee_a) + list(tee_b), filtered, repeated, combos_r]
"""

PROGRAMS["functools-toolkit"] = r"""
import functools
from functools import lru_cache, partial, reduce, wraps, cache, singledispatch, cmp_to_key
import operator

calls = []

def logged(fn):
    @wraps(fn)
    def wrapper(*args, **kwargs):
        calls.append(fn.__name__)
        return fn(*args, **kwargs)
    return wrapper

@logged
def add(a, b):
    "Add two numbers."
    return a + b

@lru_cache(maxsize=None)
def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)

@cache
def ways(n, coins=(1, 5, 10, 25)):
    if n == 0:
        return 1
    if n < 0 or not coins:
        return 0
    return ways(n - coins[0], coins) + ways(n, coins[1:])

@singledispatch
def describe(x):
    return f"object {x!r}"

@describe.register
def _(x: int):
    return f"int {x}"

@describe.register(list)
def _(x):
    return f"list of {len(x)}"

def compare(a, b):
    return (len(a) > len(b)) - (len(a) < len(b)) or (a > b) - (a < b)

power_of_two = partial(pow, 2)
int_from_hex = partial(int, base=16)
total = reduce(operator.add, range(101))
product = reduce(lambda a, b: a * b, [1, 2, 3, 4, 5], 1)
flattened = reduce(operator.iconcat, [[1, 2], [3], [4, 5]], [])
[add(2, 3), add.__name__, add.__doc__, calls, fib(80), fib.cache_info().hits > 0, ways(100), describe(3), describe([1, 2]), describe("s"),
 power_of_two(10), int_from_hex("ff"), total, product, flattened, sorted(["bb", "a", "ccc", "ab"], key=cmp_to_key(compare)), partial(max, key=len)(["aa", "b", "ccc"])]
"""

PROGRAMS["operator-itemgetter-sorting"] = r"""
from operator import itemgetter, attrgetter, methodcaller
from dataclasses import dataclass

async def main():
    orders = await codemode.list_orders()
    by_total = sorted(orders, key=itemgetter("total"), reverse=True)[:5]
    by_cust_then_date = sorted(orders, key=itemgetter("customer_id", "created_at"))
    pairs = list(map(itemgetter("id", "status"), orders[:3]))

    @dataclass
    class Row:
        id: str
        total: float
        status: str

    rows = [Row(o["id"], o["total"], o["status"]) for o in orders]
    rows.sort(key=attrgetter("status", "total"))
    upper = list(map(methodcaller("upper"), ["a", "b"]))
    stable = sorted(rows, key=lambda r: r.status)
    return {
        "top": [o["id"] for o in by_total],
        "first": [o["id"] for o in by_cust_then_date[:4]],
        "pairs": pairs,
        "rows": [r.id for r in rows[:5]],
        "upper": upper,
        "stable": [r.id for r in stable[:6]],
        "multi": sorted(orders, key=lambda o: (-o["total"], o["id"]))[0]["id"],
    }
"""

PROGRAMS["heapq-top-k-and-merge"] = r"""
import heapq

async def main():
    orders = await codemode.list_orders()
    top3 = heapq.nlargest(3, orders, key=lambda o: o["total"])
    low3 = heapq.nsmallest(3, (o["total"] for o in orders))
    heap = []
    for o in orders:
        heapq.heappush(heap, (o["created_at"], o["id"]))
    first_five = [heapq.heappop(heap)[1] for _ in range(5)]
    a = sorted(o["total"] for o in orders if o["customer_id"] == "c1")
    b = sorted(o["total"] for o in orders if o["customer_id"] == "c2")
    merged = list(heapq.merge(a, b))
    h = [5, 1, 8, 3]
    heapq.heapify(h)
    smallest = heapq.heappushpop(h, 0)
    replaced = heapq.heapreplace(h, 10)
    return {"top3": [o["id"] for o in top3], "low3": low3, "first": first_five, "merged_sorted": merged == sorted(merged), "n": len(merged), "h": [smallest, replaced, sorted(h)]}
"""

PROGRAMS["bisect-grades-and-intervals"] = r"""
import bisect

def grade(score, breakpoints=(60, 70, 80, 90), grades="FDCBA"):
    return grades[bisect.bisect(breakpoints, score)]

scores = [33, 99, 77, 70, 89, 90, 100, 59, 60]
timeline = []
for t in [5, 1, 9, 3, 7, 3]:
    bisect.insort(timeline, t)
records = sorted([("2026-01-05", "a"), ("2026-02-10", "b"), ("2026-03-01", "c")])
dates = [r[0] for r in records]
idx = bisect.bisect_left(dates, "2026-02-01")
between = records[bisect.bisect_left(dates, "2026-01-01"):bisect.bisect_right(dates, "2026-02-28")]
by_key = bisect.bisect_left(records, "2026-02-10", key=lambda r: r[0])
[[grade(s) for s in scores], timeline, idx, between, by_key, bisect.bisect_right([1, 2, 2, 2, 3], 2), bisect.bisect_left([1, 2, 2, 2, 3], 2)]
"""

PROGRAMS["lru-cache-memo-dp"] = r"""
from functools import lru_cache

def edit_distance(a: str, b: str) -> int:
    @lru_cache(maxsize=None)
    def d(i, j):
        if i == 0:
            return j
        if j == 0:
            return i
        if a[i - 1] == b[j - 1]:
            return d(i - 1, j - 1)
        return 1 + min(d(i - 1, j), d(i, j - 1), d(i - 1, j - 1))
    return d(len(a), len(b))

def lcs(a, b):
    dp = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i, x in enumerate(a, 1):
        for j, y in enumerate(b, 1):
            dp[i][j] = dp[i - 1][j - 1] + 1 if x == y else max(dp[i - 1][j], dp[i][j - 1])
    out, i, j = [], len(a), len(b)
    while i and j:
        if a[i - 1] == b[j - 1]:
            out.append(a[i - 1]); i -= 1; j -= 1
        elif dp[i - 1][j] >= dp[i][j - 1]:
            i -= 1
        else:
            j -= 1
    return "".join(reversed(out))

def knapsack(items, cap):
    best = [0] * (cap + 1)
    for w, v in items:
        for c in range(cap, w - 1, -1):
            best[c] = max(best[c], best[c - w] + v)
    return best[cap]

words = ["kitten", "sitting", "saturday", "sunday", "rosettacode", "raisethysword"]
[[edit_distance(a, b) for a, b in zip(words[::2], words[1::2])], lcs("AGGTABQWERTY", "GXTXAYBWRT"), knapsack([(12, 4), (2, 2), (1, 1), (1, 2), (4, 10)], 15)]
"""

PROGRAMS["datetime-business-days"] = r"""
from datetime import date, datetime, timedelta, timezone, time

HOLIDAYS = {date(2026, 1, 1), date(2026, 12, 25), date(2026, 5, 1)}

def business_days(start: date, end: date) -> int:
    days = 0
    d = start
    while d <= end:
        if d.weekday() < 5 and d not in HOLIDAYS:
            days += 1
        d += timedelta(days=1)
    return days

def add_business_days(start: date, n: int) -> date:
    d = start
    while n:
        d += timedelta(days=1)
        if d.weekday() < 5 and d not in HOLIDAYS:
            n -= 1
    return d

utc = timezone.utc
cet = timezone(timedelta(hours=1), "CET")
meeting = datetime(2026, 3, 14, 15, 30, tzinfo=utc)
deadline = datetime.fromisoformat("2026-04-01T09:00:00+02:00")
left = deadline - meeting
parsed = datetime.strptime("14/03/2026 08:05", "%d/%m/%Y %H:%M")
[business_days(date(2026, 1, 1), date(2026, 1, 31)), add_business_days(date(2026, 12, 23), 3).isoformat(),
 meeting.astimezone(cet).isoformat(), str(left), left.total_seconds(), left.days,
 parsed.strftime("%Y-%m-%d %I:%M %p"), parsed.isoformat(timespec="minutes"), date(2026, 3, 14).isocalendar()[1],
 (date(2026, 12, 25) - date(2026, 3, 14)).days, datetime(2026, 1, 31) + timedelta(weeks=2, hours=5),
 date.fromisoformat("2026-02-28").replace(day=1).isoformat(), datetime.combine(date(2026, 3, 1), time(9, 30)).timestamp(),
 datetime.fromtimestamp(0, tz=utc).isoformat(), meeting.strftime("%a %b %d %H:%M %Z"), sorted([date(2026, 5, 1), date(2025, 1, 1)])[0].year, timedelta(days=1, seconds=3661) // timedelta(hours=1)]
"""

PROGRAMS["datetime-now-relative"] = r"""
from datetime import datetime, timezone, timedelta
import time

start = time.perf_counter()
now = datetime.now(timezone.utc)
today = datetime.now().date()
epoch = time.time()
mono = time.monotonic()
elapsed = time.perf_counter() - start
yesterday = now - timedelta(days=1)
[now.tzinfo is timezone.utc, (now - yesterday).days, abs(now.timestamp() - epoch) < 60, elapsed >= 0, today.year >= 2024, mono > 0, isinstance(time.localtime().tm_year, int), time.strftime("%Y", time.gmtime(0))]
"""

PROGRAMS["datetime-group-orders-by-week"] = r"""
from datetime import datetime
from collections import defaultdict

async def main():
    orders = await codemode.list_orders()
    weekly = defaultdict(lambda: {"count": 0, "revenue": 0.0})
    hours = defaultdict(int)
    for o in orders:
        ts = datetime.fromisoformat(o["created_at"])
        year, week, _ = ts.isocalendar()
        key = f"{year}-W{week:02d}"
        weekly[key]["count"] += 1
        weekly[key]["revenue"] = round(weekly[key]["revenue"] + o["total"], 2)
        hours["morning" if ts.hour < 12 else "afternoon" if ts.hour < 18 else "evening"] += 1
    latest = max(orders, key=lambda o: datetime.fromisoformat(o["created_at"]))
    span = max(datetime.fromisoformat(o["created_at"]) for o in orders) - min(datetime.fromisoformat(o["created_at"]) for o in orders)
    return {"weeks": dict(sorted(weekly.items())[:5]), "hours": dict(hours), "latest": latest["id"], "span_days": span.days}
"""

PROGRAMS["hashing-and-encoding"] = r"""
import hashlib
import base64
import json

payload = {"user": "ada", "amount": 19.99, "items": ["a", "b"]}
canonical = json.dumps(payload, sort_keys=True, separators=(",", ":")).encode("utf-8")
digests = {name: hashlib.new(name, canonical).hexdigest()[:16] for name in ("md5", "sha1", "sha256", "sha512")}
h = hashlib.sha256()
for chunk in (b"part1", b"part2", b"part3"):
    h.update(chunk)
blake = hashlib.blake2b(b"data", digest_size=16, key=b"secret").hexdigest()
token = base64.urlsafe_b64encode(canonical).rstrip(b"=").decode("ascii")
padded = token + "=" * (-len(token) % 4)
back = json.loads(base64.urlsafe_b64decode(padded))
b32 = base64.b32encode(b"hello").decode()
b16 = base64.b16encode(b"\x00\xff").decode()
def etag(data: bytes) -> str:
    return '"' + hashlib.md5(data).hexdigest() + '"'
[digests, h.hexdigest(), blake, token[:20], back == payload, b32, b16, base64.b64encode(b"any carnal pleas").decode(), etag(b"x"), bytes.fromhex("deadbeef").hex(":"), hashlib.sha256(b"abc").digest()[:4].hex(), len(hashlib.sha1().digest())]
"""

PROGRAMS["uuid-deterministic-ids"] = r"""
import uuid

NAMESPACE = uuid.UUID("6ba7b810-9dad-11d1-80b4-00c04fd430c8")

async def main():
    customers = await codemode.list_orders(customer_id="c4")
    ids = {o["id"]: str(uuid.uuid5(NAMESPACE, o["id"])) for o in customers[:4]}
    u = uuid.UUID(ids[next(iter(ids))])
    rnd = uuid.uuid4()
    return {
        "ids": ids,
        "version": u.version,
        "hex": u.hex[:8],
        "urn": u.urn[:13],
        "random_version": rnd.version,
        "random_len": len(str(rnd)),
        "md5": str(uuid.uuid3(uuid.NAMESPACE_DNS, "example.com")),
        "int": uuid.UUID(int=255).int,
        "eq": uuid.UUID("{12345678-1234-5678-1234-567812345678}") == uuid.UUID("12345678123456781234567812345678"),
    }
"""

PROGRAMS["copy-deep-vs-shallow"] = r"""
import copy

config = {"name": "svc", "ports": [80, 443], "env": {"DEBUG": "0"}}
shallow = copy.copy(config)
deep = copy.deepcopy(config)
shallow["ports"].append(8080)
deep["env"]["DEBUG"] = "1"

class Node:
    def __init__(self, value, children=None):
        self.value = value
        self.children = children or []
    def __repr__(self):
        return f"Node({self.value}, {self.children})"

tree = Node(1, [Node(2), Node(3, [Node(4)])])
clone = copy.deepcopy(tree)
clone.children[1].children[0].value = 40
cyclic = [1, 2]
cyclic.append(cyclic)
cyc_copy = copy.deepcopy(cyclic)
[config, deep, repr(tree), repr(clone), cyc_copy[2] is cyc_copy, cyc_copy is not cyclic]
"""

PROGRAMS["match-command-router"] = r"""
from dataclasses import dataclass

@dataclass
class Point:
    x: float
    y: float

@dataclass
class Circle:
    center: Point
    radius: float

def handle(command):
    match command:
        case {"action": "move", "to": {"x": x, "y": y}}:
            return f"move to {x},{y}"
        case {"action": "say", "text": str(text)} if len(text) < 20:
            return f"say {text!r}"
        case {"action": "say"}:
            return "too long"
        case ["add", *numbers] if all(isinstance(n, int) for n in numbers):
            return sum(numbers)
        case ["swap", a, b]:
            return [b, a]
        case (first, *_, last):
            return (first, last)
        case Point(x=0, y=0):
            return "origin"
        case Point(x=0) | Point(y=0):
            return "on an axis"
        case Circle(center=Point(x=cx, y=cy), radius=r) if r > 10:
            return f"big circle at {cx},{cy}"
        case Circle():
            return "circle"
        case int() | float() as n if n < 0:
            return "negative"
        case str() as s:
            return s.upper()
        case None:
            return "nothing"
        case _:
            return "unknown"

commands = [{"action": "move", "to": {"x": 1, "y": 2}}, {"action": "say", "text": "hi"}, {"action": "say", "text": "x" * 30},
            ["add", 1, 2, 3], ["swap", 1, 2], (1, 2, 3, 4), Point(0, 0), Point(0, 5), Point(3, 4), Circle(Point(1, 1), 11), Circle(Point(0, 0), 1), -5, "go", None, 42]
[handle(c) for c in commands]
"""

PROGRAMS["match-tool-results"] = r"""
import asyncio

async def classify(city):
    try:
        w = await codemode.get_weather(city=city)
    except Exception as e:
        return ("error", str(e))
    match w:
        case {"conditions": "sunny" | "cloudy" as c, "temperature": float(t) | int(t)} if t > 20:
            return ("beach", c)
        case {"conditions": "snow"}:
            return ("ski", w["temperature"])
        case {"conditions": cond, **rest}:
            return ("stay", cond, sorted(rest)[:3])

async def main():
    cities = ["Lisbon", "Oslo", "Paris", "Narnia", "Sydney"]
    results = await asyncio.gather(*map(classify, cities))
    return dict(zip(cities, results))
"""

PROGRAMS["match-enum-and-literals"] = r"""
from enum import Enum

class Op(Enum):
    PUSH = "push"
    POP = "pop"
    ADD = "add"
    MUL = "mul"
    DUP = "dup"

def run(program):
    stack = []
    for line in program.strip().splitlines():
        match line.split():
            case [Op.PUSH.value, value]:
                stack.append(int(value))
            case [op] if op in (Op.ADD.value, Op.MUL.value):
                b, a = stack.pop(), stack.pop()
                stack.append(a + b if Op(op) is Op.ADD else a * b)
            case ["pop"]:
                stack.pop()
            case ["dup"]:
                stack.append(stack[-1])
            case []:
                continue
            case other:
                raise ValueError(f"bad instruction {other}")
    return stack

def kind(op: Op):
    match op:
        case Op.PUSH | Op.POP:
            return "stack"
        case Op.ADD | Op.MUL:
            return "math"
        case _:
            return "other"

try:
    run("push 1\njump 4")
except ValueError as e:
    err = str(e)
[run("push 2\npush 3\nadd\ndup\nmul\npush 7"), [kind(o) for o in Op], err]
"""

PROGRAMS["exceptions-custom-hierarchy"] = r"""
class AppError(Exception):
    code = "app_error"

    def __init__(self, message, *, details=None):
        super().__init__(message)
        self.details = details or {}

    def to_dict(self):
        return {"code": self.code, "message": str(self), "details": self.details}

class NotFound(AppError):
    code = "not_found"

class RateLimited(AppError):
    code = "rate_limited"

    def __init__(self, retry_after):
        super().__init__(f"retry after {retry_after}s", details={"retry_after": retry_after})
        self.retry_after = retry_after

def risky(n):
    if n % 3 == 0:
        raise NotFound(f"item {n}", details={"id": n})
    if n % 5 == 0:
        raise RateLimited(n * 2)
    if n == 7:
        raise KeyError("missing-key")
    return n

out = []
for n in range(1, 11):
    try:
        out.append(risky(n))
    except RateLimited as e:
        out.append(("wait", e.retry_after, e.to_dict()))
    except AppError as e:
        out.append(e.to_dict())
    except (KeyError, IndexError) as e:
        out.append(("lookup", repr(e), e.args))

def chained():
    try:
        {}["x"]
    except KeyError as e:
        raise AppError("wrapped") from e

try:
    chained()
except AppError as e:
    out.append(("chained", str(e), isinstance(e, Exception)))
out
"""

PROGRAMS["exceptions-retry-with-backoff"] = r"""
import asyncio

class TransientError(Exception):
    pass

attempts = {}

async def flaky(key, fail_times):
    attempts[key] = attempts.get(key, 0) + 1
    if attempts[key] <= fail_times:
        raise TransientError(f"{key} attempt {attempts[key]} failed")
    return await codemode.get_stock_price(symbol=key)

async def with_retry(fn, *args, retries=3, base_delay=0.001):
    last = None
    for attempt in range(retries + 1):
        try:
            return await fn(*args)
        except TransientError as e:
            last = e
            await asyncio.sleep(base_delay * 2 ** attempt)
    raise RuntimeError(f"gave up after {retries + 1} attempts") from last

async def main():
    results = {}
    for sym, fails in [("AAPL", 0), ("MSFT", 2), ("GOOG", 5)]:
        try:
            results[sym] = (await with_retry(flaky, sym, fails))["price"]
        except RuntimeError as e:
            results[sym] = f"{e} ({e.args[0]})"
    return {"results": results, "attempts": attempts}
"""

PROGRAMS["exception-groups-except-star"] = r"""
import asyncio

class ValidationError(Exception):
    pass

async def check(city, weather):
    await asyncio.sleep(0)
    if isinstance(weather, Exception):
        raise LookupError(str(weather))
    if weather["temperature"] < 5:
        raise ValidationError(f"{city} too cold")
    return weather["temperature"]

async def main():
    cold, other = [], []
    cities = ["Paris", "Mordor", "Oslo", "Tokyo"]
    weather = await asyncio.gather(*(codemode.get_weather(city=c) for c in cities), return_exceptions=True)
    try:
        async with asyncio.TaskGroup() as tg:
            for c, w in zip(cities, weather):
                tg.create_task(check(c, w))
    except* ValidationError as eg:
        cold = sorted(str(e) for e in eg.exceptions)
    except* Exception as eg:
        other = sorted(str(e) for e in eg.exceptions)
    try:
        raise ExceptionGroup("batch", [ValueError("a"), TypeError("b"), ValueError("c")])
    except* ValueError as eg:
        vals = [str(e) for e in eg.exceptions]
    except* TypeError as eg:
        types_ = [str(e) for e in eg.exceptions]
    eg = ExceptionGroup("outer", [KeyError("k"), ExceptionGroup("inner", [ValueError("v")])])
    match_, rest = eg.split(ValueError)
    return {"cold": cold, "other": other, "vals": vals, "types": types_, "split": [str(match_), str(rest)], "leaf": len(eg.exceptions)}
"""

PROGRAMS["exceptions-finally-and-else-flow"] = r"""
log = []

def process(x):
    try:
        log.append(f"try {x}")
        if x == 0:
            raise ZeroDivisionError("zero")
        result = 10 / x
    except ZeroDivisionError as e:
        log.append(f"except {e}")
        return None
    else:
        log.append("else")
        return result
    finally:
        log.append("finally")

def loop_with_break():
    for i in range(5):
        try:
            if i == 2:
                continue
            if i == 4:
                break
            log.append(i)
        finally:
            log.append(f"f{i}")

class Resource:
    def __init__(self, name):
        self.name = name
    def __enter__(self):
        log.append(f"open {self.name}")
        return self
    def __exit__(self, *exc):
        log.append(f"close {self.name} {exc[0].__name__ if exc[0] else None}")
        return False

values = [process(x) for x in (2, 0)]
loop_with_break()
try:
    with Resource("a") as a, Resource("b") as b:
        raise RuntimeError("boom")
except RuntimeError as e:
    log.append(f"caught {e}")
try:
    assert 1 + 1 == 3, "math is broken"
except AssertionError as e:
    log.append(str(e))
[values, log]
"""

PROGRAMS["raises-uncaught-custom-error"] = r"""
class QuotaExceeded(Exception):
    def __init__(self, used, limit):
        super().__init__(f"used {used} of {limit}")

async def main():
    orders = await codemode.list_orders()
    print("checking", len(orders), "orders")
    if len(orders) > 10:
        raise QuotaExceeded(len(orders), 10)
    return "ok"
"""

PROGRAMS["raises-key-error-on-bad-field"] = r"""
async def main():
    w = await codemode.get_weather(city="Paris")
    print("got", sorted(w))
    return w["wind_speed"]
"""

PROGRAMS["raises-type-error-in-helper"] = r"""
def total(items):
    return sum(i["price"] for i in items)

async def main():
    products = await codemode.list_products()
    return total(products) + " USD"
"""

PROGRAMS["generators-pipeline"] = r"""
from typing import Iterator, Iterable

def read_lines(text: str) -> Iterator[str]:
    for line in text.splitlines():
        yield line.rstrip()

def non_empty(lines: Iterable[str]) -> Iterator[str]:
    return (l for l in lines if l and not l.startswith("#"))

def parse(lines):
    for l in lines:
        key, _, value = l.partition("=")
        yield key.strip(), value.strip()

def chunked(items, size):
    chunk = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk

def fib():
    a, b = 0, 1
    while True:
        yield a
        a, b = b, a + b

def delegating():
    yield from range(3)
    result = yield from sub()
    yield result

def sub():
    yield "x"
    return "sub-done"

def accumulator():
    total = 0
    while True:
        value = yield total
        if value is None:
            break
        total += value

CONFIG = '''
# comment
host = example.org
port = 8080

debug = true
'''
gen = accumulator()
next(gen)
running = [gen.send(v) for v in (5, 10, 20)]
fibs = []
for n in fib():
    if n > 100:
        break
    fibs.append(n)
squares = (x * x for x in range(10))
[dict(parse(non_empty(read_lines(CONFIG)))), list(chunked(range(7), 3)), fibs, list(delegating()), running, sum(squares), next(iter([]), "empty")]
"""

PROGRAMS["async-generators-pagination"] = r"""
import asyncio
from typing import AsyncIterator

async def paginate(customer_ids, page_size=2) -> AsyncIterator[list]:
    for i in range(0, len(customer_ids), page_size):
        page = await asyncio.gather(*(codemode.get_customer(customer_id=c) for c in customer_ids[i:i + page_size]))
        yield page

async def orders_stream(status):
    for order in await codemode.list_orders(status=status):
        await asyncio.sleep(0)
        yield order

async def main():
    pages = []
    async for page in paginate(["c1", "c2", "c3", "c4"], page_size=3):
        pages.append([c["name"] for c in page])
    delivered = [o["id"] async for o in orders_stream("delivered") if o["total"] > 50]
    agen = orders_stream("pending")
    first = await anext(agen)
    second = await agen.__anext__()
    await agen.aclose()
    return {"pages": pages, "delivered": delivered, "first_two": [first["id"], second["id"]]}
"""

PROGRAMS["comprehensions-everywhere"] = r"""
matrix = [[r * 4 + c for c in range(4)] for r in range(4)]
transpose = [list(row) for row in zip(*matrix)]
flat = [x for row in matrix for x in row if x % 3 == 0]
diag = [matrix[i][i] for i in range(len(matrix))]
inverse = {v: k for k, v in {"a": 1, "b": 2, "c": 3}.items()}
lengths = {len(w) for w in "the quick brown fox jumps over the lazy dog".split()}
grid = {(x, y): x * y for x in range(3) for y in range(3) if x != y}
nested_dict = {k: {i: i ** 2 for i in range(k)} for k in range(1, 4)}
conditional = ["even" if n % 2 == 0 else "odd" for n in range(5)]
walrus = [y for x in range(10) if (y := x * x) > 20]
pairs = sorted({(min(a, b), max(a, b)) for a in range(3) for b in range(3) if a != b})
total = sum(x for x in range(1000) if x % 3 == 0 or x % 5 == 0)
any_neg, all_pos = any(x < 0 for x in flat), all(x >= 0 for x in flat)
first, *middle, last = range(6)
(a, b), c = (1, 2), 3
head, *tail = "hello"
merged = {**{"a": 1}, **{"b": 2}, "c": 3}
combined = [*range(3), *"ab", *(x for x in (9,))]
[transpose, flat, diag, inverse, sorted(lengths), len(grid), nested_dict, conditional, walrus, pairs, total, any_neg, all_pos, first, middle, last, a + b + c, head, tail, merged, combined]
"""

PROGRAMS["bigdata-sort-million"] = r"""
n = 1_000_000
xs = [(i * 7919 + 13) % 1_000_003 for i in range(n)]
xs.sort()
ys = sorted(xs, reverse=True)
distinct = len(set(xs))
median = xs[n // 2]
[xs[:3], ys[:3], distinct, median, sum(xs) % 1_000_007, xs == sorted(xs)]
"""

PROGRAMS["bigdata-records-groupby"] = r"""
from collections import defaultdict, Counter
import statistics

records = [
    {"id": i, "region": ("north", "south", "east", "west")[i % 4], "amount": (i * 37) % 1000 / 10, "day": i % 31}
    for i in range(200_000)
]
by_region = defaultdict(float)
counts = Counter()
for r in records:
    by_region[r["region"]] += r["amount"]
    counts[r["day"]] += 1
top = sorted(records, key=lambda r: (-r["amount"], r["id"]))[:5]
amounts = [r["amount"] for r in records]
[{k: round(v, 2) for k, v in sorted(by_region.items())}, counts.most_common(2), [t["id"] for t in top], round(statistics.mean(amounts), 4), statistics.median(amounts), max(amounts), len(records)]
"""

PROGRAMS["bigdata-string-building"] = r"""
parts = []
for i in range(100_000):
    parts.append(f"{i:06d},{i % 7},{'x' if i % 3 else 'y'}")
csv_text = "\n".join(parts)
lines = csv_text.split("\n")
rebuilt = ""
for i in range(20_000):
    rebuilt += str(i % 10)
upper = csv_text.upper()
words = (" ".join(["alpha", "beta", "gamma"]) + " ") * 10_000
[len(csv_text), len(lines), lines[12345], len(rebuilt), rebuilt[:12], upper.count("Y"), len(words.split()), csv_text.count(",3,"), hash(csv_text) == hash(str(csv_text))]
"""

PROGRAMS["bigdata-dict-and-set-ops"] = r"""
n = 200_000
squares = {i: i * i for i in range(n)}
evens = {i for i in range(0, n, 2)}
threes = set(range(0, n, 3))
both = evens & threes
either = evens | threes
only_evens = evens - threes
sym = evens ^ threes
inverted = {v: k for k, v in squares.items() if k % 1000 == 0}
keys = list(squares)
keys.reverse()
[len(squares), squares[199_999], len(both), len(either), len(only_evens), len(sym), len(inverted), keys[:3], sum(squares.values()) % 10**9, max(both), min(sym)]
"""

PROGRAMS["bigdata-matrix-and-numeric"] = r"""
import math
size = 120
a = [[(i * j) % 7 + 1 for j in range(size)] for i in range(size)]
b = [[(i + j) % 5 for j in range(size)] for i in range(size)]
bt = list(zip(*b))
c = [[sum(x * y for x, y in zip(row, col)) for col in bt] for row in a]
trace = sum(c[i][i] for i in range(size))
norm = math.sqrt(sum(v * v for row in c for v in row))
big = 2 ** 4000
digits = len(str(big))
fact = math.factorial(1000)
[trace, round(norm, 3), c[5][7], digits, len(str(fact)), sum(int(d) for d in str(fact)), big % 97]
"""

PROGRAMS["bigdata-text-index"] = r"""
import re
from collections import defaultdict

words = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta"]
docs = [" ".join(words[(i * k) % len(words)] for k in range(1, 12)) for i in range(20_000)]
index = defaultdict(set)
for doc_id, doc in enumerate(docs):
    for token in re.findall(r"\w+", doc):
        index[token].add(doc_id)
def search(*terms):
    sets = [index[t] for t in terms]
    return sorted(set.intersection(*sets))[:5] if sets else []
[{w: len(ids) for w, ids in sorted(index.items())}, search("alpha", "theta"), search("beta", "gamma", "delta"), len(docs)]
"""

PROGRAMS["bigdata-heap-and-bisect-scale"] = r"""
import heapq
import bisect
import random

rng = random.Random(99)
values = [rng.random() for _ in range(200_000)]
top = heapq.nlargest(5, values)
sorted_vals = sorted(values)
rank = bisect.bisect_left(sorted_vals, 0.5)
heap = values[:50_000]
heapq.heapify(heap)
popped = [heapq.heappop(heap) for _ in range(3)]
[[round(x, 6) for x in top], rank, [round(p, 8) for p in popped], round(sum(values), 3)]
"""

PROGRAMS["agent-research-report"] = r"""
import asyncio
import json
from dataclasses import dataclass, field, asdict

@dataclass
class Source:
    title: str
    url: str
    score: int

@dataclass
class Report:
    topic: str
    sources: list[Source] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, result: dict) -> None:
        if any(s.url == result["url"] for s in self.sources):
            return
        self.sources.append(Source(result["title"], result["url"], result["score"]))

    def render(self) -> str:
        lines = [f"# {self.topic}", ""]
        for i, s in enumerate(sorted(self.sources, key=lambda s: -s.score), 1):
            lines.append(f"{i}. [{s.title}]({s.url}) — score {s.score}")
        return "\n".join(lines)

async def main():
    report = Report("Concurrency in Python")
    subtopics = ["asyncio", "threads GIL", "structured concurrency task groups"]
    for batch in await asyncio.gather(*(codemode.search_web(query=q) for q in subtopics)):
        for r in batch:
            report.add(r)
    report.notes.append(f"{len(report.sources)} unique sources")
    text = report.render()
    print(text)
    receipt = await codemode.send_email(to="team@example.com", subject=report.topic, body=text)
    return {"report": json.loads(json.dumps(asdict(report))), "email": receipt["status"]}
"""

PROGRAMS["agent-weather-alerts"] = r"""
import asyncio
from enum import Enum
from typing import NamedTuple

class Level(Enum):
    OK = 0
    WATCH = 1
    WARNING = 2

class Alert(NamedTuple):
    city: str
    level: Level
    reason: str

def assess(w, forecast) -> Alert:
    max_rain = max(d["rain_chance"] for d in forecast)
    if w["temperature"] < 5 or max_rain > 0.9:
        return Alert(w["city"], Level.WARNING, f"temp {w['temperature']}, rain {max_rain:.0%}")
    if max_rain > 0.6:
        return Alert(w["city"], Level.WATCH, f"rain {max_rain:.0%}")
    return Alert(w["city"], Level.OK, "")

async def main():
    cities = ["Paris", "Oslo", "Tokyo", "Sydney", "New York"]
    weather, forecasts = await asyncio.gather(
        asyncio.gather(*(codemode.get_weather(city=c) for c in cities)),
        asyncio.gather(*(codemode.get_forecast(city=c, days=4) for c in cities)),
    )
    alerts = sorted((assess(w, f) for w, f in zip(weather, forecasts)), key=lambda a: (-a.level.value, a.city))
    tickets = []
    for a in alerts:
        if a.level is Level.WARNING:
            t = await codemode.create_ticket(title=f"Weather warning: {a.city}", priority="high", tags=["weather"])
            tickets.append(t["id"])
    for a in alerts:
        print(f"[{a.level.name:<7}] {a.city}: {a.reason or 'all clear'}")
    return {"alerts": [(a.city, a.level.name) for a in alerts], "tickets": tickets}
"""

PROGRAMS["agent-order-audit"] = r"""
import asyncio
from collections import Counter
from datetime import datetime

async def main():
    orders = await codemode.list_orders()
    problems = []
    for o in orders:
        computed = round(sum(i["qty"] * i["price"] for i in o["items"]), 2)
        if abs(computed - o["total"]) > 0.005:
            problems.append((o["id"], "total mismatch"))
        if not o["items"]:
            problems.append((o["id"], "empty"))
        try:
            datetime.fromisoformat(o["created_at"])
        except ValueError:
            problems.append((o["id"], "bad date"))
    customers = await asyncio.gather(*(codemode.get_customer(customer_id=c) for c in sorted({o["customer_id"] for o in orders})))
    tiers = {c["id"]: c["tier"] for c in customers}
    revenue_by_tier = Counter()
    for o in orders:
        if o["status"] != "cancelled":
            revenue_by_tier[tiers[o["customer_id"]]] += o["total"]
    print(f"audited {len(orders)} orders, {len(problems)} problems")
    return {"problems": problems, "by_tier": {k: round(v, 2) for k, v in revenue_by_tier.most_common()}}
"""

PROGRAMS["agent-plan-and-execute"] = r"""
import asyncio
import json

PLAN = '''
[
  {"step": 1, "tool": "get_weather", "args": {"city": "Lisbon"}},
  {"step": 2, "tool": "get_stock_price", "args": {"symbol": "AAPL"}},
  {"step": 3, "tool": "convert_currency", "args": {"amount": 100, "from_currency": "USD", "to_currency": "EUR"}},
  {"step": 4, "tool": "get_customer", "args": {"customer_id": "c9"}}
]
'''

async def main():
    steps = json.loads(PLAN)
    results = {}
    for step in steps:
        tool = getattr(codemode, step["tool"])
        try:
            results[step["step"]] = {"ok": True, "value": await tool(**step["args"])}
        except Exception as e:
            results[step["step"]] = {"ok": False, "error": str(e)}
    ok = sum(r["ok"] for r in results.values())
    print(f"{ok}/{len(steps)} steps succeeded")
    return results
"""

PROGRAMS["agent-dependency-graph-toposort"] = r"""
import asyncio
from collections import deque

TASKS = {
    "fetch_weather": [],
    "fetch_orders": [],
    "fetch_prices": [],
    "summarise_orders": ["fetch_orders"],
    "report": ["summarise_orders", "fetch_weather", "fetch_prices"],
}

def toposort(graph):
    indeg = {n: len(deps) for n, deps in graph.items()}
    users = {n: [] for n in graph}
    for n, deps in graph.items():
        for d in deps:
            users[d].append(n)
    ready = deque(sorted(n for n, d in indeg.items() if d == 0))
    order = []
    while ready:
        n = ready.popleft()
        order.append(n)
        for u in sorted(users[n]):
            indeg[u] -= 1
            if indeg[u] == 0:
                ready.append(u)
    if len(order) != len(graph):
        raise ValueError("cycle")
    return order

async def main():
    order = toposort(TASKS)
    state = {}
    async def run(name):
        if name == "fetch_weather":
            return (await codemode.get_weather(city="Paris"))["temperature"]
        if name == "fetch_orders":
            return await codemode.list_orders(status="shipped")
        if name == "fetch_prices":
            return {s: (await codemode.get_stock_price(symbol=s))["price"] for s in ("AAPL", "GOOG")}
        if name == "summarise_orders":
            return {"n": len(state["fetch_orders"]), "total": round(sum(o["total"] for o in state["fetch_orders"]), 2)}
        return {k: state[k] for k in TASKS[name]}
    independent = [n for n in order if not TASKS[n]]
    for name, value in zip(independent, await asyncio.gather(*(run(n) for n in independent))):
        state[name] = value
    for name in order:
        if name not in state:
            state[name] = await run(name)
    return {"order": order, "report": state["report"]}
"""

PROGRAMS["asyncio-tasks-and-events"] = r"""
import asyncio

async def main():
    ready = asyncio.Event()
    lock = asyncio.Lock()
    shared = {"count": 0, "log": []}

    async def waiter(name):
        await ready.wait()
        async with lock:
            shared["count"] += 1
            shared["log"].append(name)
        return name

    tasks = [asyncio.create_task(waiter(f"w{i}")) for i in range(4)]
    await asyncio.sleep(0)
    assert not any(t.done() for t in tasks)
    ready.set()
    names = await asyncio.gather(*tasks)
    slow = asyncio.create_task(asyncio.sleep(10))
    fast = asyncio.create_task(codemode.get_weather(city="Paris"))
    done, pending = await asyncio.wait({slow, fast}, return_when=asyncio.FIRST_COMPLETED)
    for t in pending:
        t.cancel()
    try:
        await slow
    except asyncio.CancelledError:
        cancelled = slow.cancelled()
    return {"names": names, "count": shared["count"], "first_done": fast in done, "cancelled": cancelled, "log_sorted": sorted(shared["log"])}
"""

PROGRAMS["asyncio-timeout-context"] = r"""
import asyncio

async def slow_tool():
    await asyncio.sleep(1)
    return "late"

async def main():
    results = []
    try:
        async with asyncio.timeout(0.01):
            results.append(await slow_tool())
    except TimeoutError:
        results.append("timed out")
    async with asyncio.timeout(5):
        w = await codemode.get_weather(city="Tokyo")
        results.append(w["conditions"])
    shielded = await asyncio.shield(codemode.get_stock_price(symbol="GOOG"))
    results.append(shielded["price"])
    return results
"""

PROGRAMS["asyncio-rate-limited-batches"] = r"""
import asyncio
import time

async def main():
    symbols = ["AAPL", "MSFT", "GOOG", "AMZN", "NVDA", "TSLA"]
    batch_size = 2
    prices, errors = {}, {}
    started = time.monotonic()
    for i in range(0, len(symbols), batch_size):
        batch = symbols[i:i + batch_size]
        results = await asyncio.gather(*(codemode.get_stock_price(symbol=s) for s in batch), return_exceptions=True)
        for sym, res in zip(batch, results):
            if isinstance(res, BaseException):
                errors[sym] = str(res)
            else:
                prices[sym] = res["price"]
        await asyncio.sleep(0.001)
    elapsed = time.monotonic() - started
    print(f"fetched {len(prices)} prices, {len(errors)} errors")
    return {"prices": prices, "errors": errors, "fast": elapsed < 5}
"""

PROGRAMS["print-variants"] = r"""
items = ["apples", "pears", "kiwis"]
print(*items, sep=", ", end=".\n")
print("no newline", end="")
print()
x, total = 42, 3.14159
print(f"{x=} {total=:.2f} {items[0]!r:>10}")
print("a", 1, None, True, 2.5, [1, 2], {"k": (1,)}, {1}, sep="|")
print(repr("quote's"), str(b"bytes"), 1e16, 1e-5, 0.1 + 0.2, -0.0, float("inf"), 10 / 3)
for i, item in enumerate(items, start=1):
    print(f"{i:>2}. {item.title():<8}|")
print("%s has %d items costing %.2f (%5.1f%%)" % ("cart", 3, 12.5, 33.333))
print("{:,}".format(1234567.891), format(0.000123, ".2e"), format(255, "08b"), format(1234.5, "_.2f"))
"done"
"""

PROGRAMS["getattr-setattr-dynamic-objects"] = r"""
class Record:
    FIELDS = ("id", "name", "score")

    def __init__(self, **kwargs):
        for key, value in kwargs.items():
            if key not in self.FIELDS:
                raise TypeError(f"unexpected field {key!r}")
            setattr(self, key, value)
        for key in self.FIELDS:
            if not hasattr(self, key):
                setattr(self, key, None)

    def to_dict(self):
        return {f: getattr(self, f) for f in self.FIELDS}

    def __repr__(self):
        inner = ", ".join(f"{f}={getattr(self, f)!r}" for f in self.FIELDS)
        return f"{type(self).__name__}({inner})"

class Config:
    def __init__(self, data):
        for k, v in data.items():
            setattr(self, k, Config(v) if isinstance(v, dict) else v)

    def __getattr__(self, name):
        return f"<missing {name}>"

r = Record(id=1, name="ada")
try:
    Record(nope=1)
except TypeError as e:
    err = str(e)
delattr(r, "score")
after = hasattr(r, "score")
cfg = Config({"db": {"host": "localhost", "port": 5432}, "debug": True})
[repr(Record(id=2, name="x", score=9.5)), r.to_dict() if False else None, err, after, cfg.db.host, cfg.db.port, cfg.missing, getattr(cfg, "debug"), getattr(r, "nope", "default")]
"""

PROGRAMS["frozen-dataclass-post-init-setattr"] = r"""
from dataclasses import dataclass, field

@dataclass(frozen=True)
class Money:
    amount: float
    currency: str = "USD"
    display: str = field(init=False, repr=False)

    def __post_init__(self):
        object.__setattr__(self, "amount", round(self.amount, 2))
        object.__setattr__(self, "display", f"{self.amount:,.2f} {self.currency}")

    def __add__(self, other):
        if other.currency != self.currency:
            raise ValueError("currency mismatch")
        return Money(self.amount + other.amount, self.currency)

total = Money(10.005) + Money(5.5)
[repr(total), total.display, Money(1, "EUR") == Money(1.0, "EUR")]
"""

PROGRAMS["dunder-class-name-in-repr"] = r"""
class Shape:
    def __init__(self, **dims):
        self.dims = dims

    def __repr__(self):
        args = ", ".join(f"{k}={v}" for k, v in self.dims.items())
        return f"{self.__class__.__name__}({args})"

class Box(Shape):
    pass

[repr(Shape(w=1)), repr(Box(w=2, h=3)), Box(w=1).__class__ is Box, type(Box()).__name__]
"""

PROGRAMS["name-mangled-private-attributes"] = r"""
class Wallet:
    def __init__(self, owner, pin):
        self.owner = owner
        self.__pin = pin
        self.__balance = 0

    def __check(self, pin):
        if pin != self.__pin:
            raise PermissionError("wrong pin")

    def deposit(self, amount):
        self.__balance += amount
        return self.__balance

    def withdraw(self, amount, pin):
        self.__check(pin)
        if amount > self.__balance:
            raise ValueError("insufficient funds")
        self.__balance -= amount
        return self.__balance

w = Wallet("ada", 1234)
w.deposit(100)
try:
    w.withdraw(10, 1)
except PermissionError as e:
    err = str(e)
[w.withdraw(30, 1234), err, hasattr(w, "__balance"), w.owner]
"""

PROGRAMS["vars-and-dict-of-own-objects"] = r"""
class Settings:
    def __init__(self, **overrides):
        self.host = "localhost"
        self.port = 8080
        self.debug = False
        vars(self).update(overrides)

    def as_dict(self):
        return dict(vars(self))

s = Settings(port=9000, debug=True)
[s.as_dict(), s.port, sorted(vars(s))]
"""

PROGRAMS["typing-annotations-everywhere"] = r"""
from __future__ import annotations
from typing import Any, Callable, ClassVar, Final, Iterable, Mapping, Optional, Sequence, TypeAlias, Union, cast, overload, TYPE_CHECKING, Annotated, Literal, Self
from dataclasses import dataclass

if TYPE_CHECKING:
    from collections.abc import Iterator

JSON: TypeAlias = Union[dict[str, "JSON"], list["JSON"], str, int, float, bool, None]
MAX_ITEMS: Final = 3
Handler = Callable[[str], Optional[int]]

@dataclass
class Page:
    items: list[int]
    cursor: str | None = None
    kind: ClassVar[str] = "page"

    def with_cursor(self, cursor: str) -> Self:
        return Page(self.items, cursor)

@overload
def first(xs: str) -> str: ...
@overload
def first(xs: Sequence[int]) -> int: ...
def first(xs: Any) -> Any:
    return xs[0]

def walk(data: JSON, depth: int = 0) -> int:
    if isinstance(data, dict):
        return max((walk(v, depth + 1) for v in data.values()), default=depth)
    if isinstance(data, list):
        return max((walk(v, depth + 1) for v in data), default=depth)
    return depth

def parse_int(s: str) -> Optional[int]:
    return int(s) if s.strip().lstrip("-").isdigit() else None

def apply(handler: Handler, values: Iterable[str]) -> list[Optional[int]]:
    return [handler(v) for v in values]

Meters = Annotated[float, "unit=m"]

def total_length(xs: Sequence[Meters], mode: Literal["sum", "max"] = "sum") -> Meters:
    return sum(xs) if mode == "sum" else max(xs)

counts: Mapping[str, int] = {"a": 1}
value = cast(int, "not really an int")
p = Page([1, 2, 3]).with_cursor("abc")
[walk({"a": [1, {"b": [2, 3]}], "c": {}}), apply(parse_int, ["12", "x", "-3"]), first("hello"), first([9, 8]), total_length([1.5, 2.5]), total_length([1.5, 2.5], "max"),
 value, p.cursor, Page.kind, MAX_ITEMS, dict(counts), Page.__annotations__]
"""

PROGRAMS["recursion-json-flatten"] = r"""
def flatten(obj, prefix="", out=None):
    out = {} if out is None else out
    if isinstance(obj, dict):
        for k, v in obj.items():
            flatten(v, f"{prefix}.{k}" if prefix else k, out)
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            flatten(v, f"{prefix}[{i}]", out)
    else:
        out[prefix] = obj
    return out

def unflatten(flat):
    root = {}
    for path, value in flat.items():
        node = root
        parts = path.replace("[", ".[").split(".")
        for part, nxt in zip(parts, parts[1:] + [None]):
            key = int(part[1:-1]) if part.startswith("[") else part
            if nxt is None:
                if isinstance(node, list):
                    node.append(value)
                else:
                    node[key] = value
            else:
                child = [] if nxt.startswith("[") else {}
                if isinstance(node, list):
                    if key >= len(node):
                        node.append(child)
                    node = node[key]
                else:
                    node = node.setdefault(key, child)
    return root

def depth(n):
    return 0 if n == 0 else 1 + depth(n - 1)

doc = {"user": {"name": "ada", "roles": ["admin", "dev"], "prefs": {"theme": "dark"}}, "ok": True}
flat = flatten(doc)
[flat, unflatten(flat) == doc, depth(800)]
"""

PROGRAMS["recursion-tree-traversal-classes"] = r"""
from dataclasses import dataclass, field
from typing import Optional

@dataclass
class TreeNode:
    value: int
    left: Optional["TreeNode"] = None
    right: Optional["TreeNode"] = None

    def insert(self, v):
        if v < self.value:
            if self.left is None:
                self.left = TreeNode(v)
            else:
                self.left.insert(v)
        else:
            if self.right is None:
                self.right = TreeNode(v)
            else:
                self.right.insert(v)

    def inorder(self):
        if self.left:
            yield from self.left.inorder()
        yield self.value
        if self.right:
            yield from self.right.inorder()

    def height(self):
        return 1 + max(self.left.height() if self.left else 0, self.right.height() if self.right else 0)

root = TreeNode(500)
for i in range(1, 400):
    root.insert((i * 7919) % 1000)
vals = list(root.inorder())
[len(vals), vals[:5], vals == sorted(vals), root.height()]
"""

PROGRAMS["int-float-conversions"] = r"""
values = ["42", " 17 ", "0x1F", "0b101", "3.14", "1e3", "-0", "nan", "inf", "1_000", "abc", ""]
parsed = []
for v in values:
    try:
        parsed.append(("int", int(v, 0)))
    except ValueError:
        try:
            parsed.append(("float", float(v)))
        except ValueError:
            parsed.append(("bad", v))
[parsed, int("ff", 16), int("777", base=8), int(3.99), int(-3.99), round(2.675, 2), round(1234.5678, -2), float("1.5e-3"), (0.1).as_integer_ratio(), (255).to_bytes(2, "big"),
 int.from_bytes(b"\x01\x00", "little"), (1024).bit_length(), bin(10), oct(8), hex(255), f"{0.5:.0f}", f"{1.5:.0f}", 7 / 2, 7 // 2, -7 // 2, 2 ** -1, abs(-3.5), divmod(17, 5), complex(1, 2) * 2, (3 + 4j).real, 10 ** 20 / 3]
"""

PROGRAMS["bytes-and-bytearray-protocol"] = r"""
data = "Grüße, 世界!".encode("utf-8")
buf = bytearray(b"header:")
buf.extend(data)
buf[0:1] = b"H"
view = memoryview(buf)
checksum = sum(data) % 256
xor = bytes(b ^ 0x5A for b in data)
restored = bytes(b ^ 0x5A for b in xor).decode("utf-8")
[len(data), data[:5], data.decode("utf-8", errors="replace"), buf.decode()[:8], bytes(view[0:6]), checksum, restored, b"abc".upper(), b",".join([b"a", b"b"]), data.hex()[:10],
 "é".encode("latin-1"), "x".encode("ascii"), b"\xff".decode("utf-8", errors="ignore"), list(b"AB"), bytes([72, 105]), b"a b".split(), bytearray(3), b"%d-%s" % (5, b"x")]
"""

PROGRAMS["sorting-stability-and-keys"] = r"""
people = [
    {"name": "ann", "age": 31, "city": "Paris"},
    {"name": "Bob", "age": 25, "city": "lisbon"},
    {"name": "cy", "age": 31, "city": "Oslo"},
    {"name": "Dee", "age": 25, "city": "paris"},
    {"name": "eve", "age": 40, "city": None},
]
by_age_name = sorted(people, key=lambda p: (p["age"], p["name"].lower()))
by_city = sorted(people, key=lambda p: (p["city"] is None, (p["city"] or "").lower()))
desc_age_asc_name = sorted(people, key=lambda p: (-p["age"], p["name"]))
stable = sorted(sorted(people, key=lambda p: p["name"]), key=lambda p: p["age"])
words = ["banana", "Apple", "cherry", "apple", "Banana"]
nums = [3, -1, 2, -5, 4]
[[p["name"] for p in by_age_name], [p["name"] for p in by_city], [p["name"] for p in desc_age_asc_name], [p["name"] for p in stable],
 sorted(words), sorted(words, key=str.lower), sorted(words, key=lambda w: (w.lower(), w)), sorted(nums, key=abs), sorted(nums, reverse=True),
 max(people, key=lambda p: p["age"])["name"], min(words, key=len), sorted({"b": 2, "a": 3, "c": 1}.items(), key=lambda kv: kv[1]), list(reversed(sorted(nums)))]
"""

PROGRAMS["zip-enumerate-map-filter"] = r"""
names = ["ann", "bob", "cy"]
scores = [90, 72, 85]
ages = [30, 25, 41]
rows = list(zip(names, scores, ages))
try:
    list(zip(names, [1, 2], strict=True))
except ValueError as e:
    strict_err = str(e)
passed = list(filter(lambda r: r[1] >= 80, rows))
upper = list(map(str.upper, names))
sums = list(map(lambda a, b: a + b, scores, ages))
ranked = {name: rank for rank, (name, _) in enumerate(sorted(zip(names, scores), key=lambda t: -t[1]), start=1)}
unzipped = list(zip(*rows))
lookup = dict(zip(names, scores))
[rows, strict_err, passed, upper, sums, ranked, unzipped, lookup, list(enumerate("ab", 10)), list(filter(None, [0, 1, "", "a", None, []])), list(reversed(range(0, 10, 3))), range(0, 100, 7)[3:6], len(range(10**12))]
"""

PROGRAMS["inventory-class-system"] = r"""
from dataclasses import dataclass, field
from enum import Enum
from typing import Iterator

class Category(str, Enum):
    TOOLS = "tools"
    ELECTRONICS = "electronics"
    MISC = "misc"

@dataclass(order=True)
class Item:
    sort_index: float = field(init=False, repr=False)
    sku: str
    name: str
    category: Category
    price: float
    stock: int = 0

    def __post_init__(self):
        self.sort_index = self.price

class Inventory:
    def __init__(self) -> None:
        self._items: dict[str, Item] = {}

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[Item]:
        return iter(sorted(self._items.values()))

    def __contains__(self, sku: object) -> bool:
        return sku in self._items

    def __getitem__(self, sku: str) -> Item:
        try:
            return self._items[sku]
        except KeyError:
            raise KeyError(f"unknown sku {sku}") from None

    def add(self, item: Item) -> None:
        self._items[item.sku] = item

    def restock(self, sku: str, qty: int) -> int:
        self[sku].stock += qty
        return self[sku].stock

    def value(self, category: Category | None = None) -> float:
        return round(sum(i.price * i.stock for i in self if category is None or i.category is category), 2)

async def main():
    inv = Inventory()
    for p in await codemode.list_products():
        inv.add(Item(p["sku"], p["name"], Category(p["category"]), p["price"], p["stock"]))
    inv.restock("B200", 20)
    try:
        inv["ZZZ"]
    except KeyError as e:
        missing = e.args[0]
    return {
        "n": len(inv),
        "order": [i.sku for i in inv],
        "value": inv.value(),
        "electronics": inv.value(Category.ELECTRONICS),
        "has": ["A100" in inv, "Q" in inv],
        "missing": missing,
        "cat": Category.TOOLS == "tools",
        "repr": repr(inv["A100"]),
    }
"""

PROGRAMS["state-machine-parser"] = r"""
from enum import Enum, auto

class State(Enum):
    START = auto()
    IN_WORD = auto()
    IN_NUMBER = auto()
    IN_STRING = auto()

def lex(text):
    tokens, buf, state = [], [], State.START
    def flush(kind):
        if buf:
            tokens.append((kind, "".join(buf)))
            buf.clear()
    for ch in text + " ":
        if state is State.IN_STRING:
            if ch == '"':
                flush("STR")
                state = State.START
            else:
                buf.append(ch)
        elif ch == '"':
            flush("WORD" if state is State.IN_WORD else "NUM")
            state = State.IN_STRING
        elif ch.isdigit() and state is not State.IN_WORD:
            state = State.IN_NUMBER
            buf.append(ch)
        elif ch.isalnum() or ch == "_":
            if state is State.IN_NUMBER:
                flush("NUM")
            state = State.IN_WORD
            buf.append(ch)
        else:
            flush("WORD" if state is State.IN_WORD else "NUM")
            state = State.START
            if not ch.isspace():
                tokens.append(("OP", ch))
    return tokens

lex('let x_1 = 42 + foo("hi there", 7);')
"""

PROGRAMS["graph-shortest-paths"] = r"""
import heapq
from collections import defaultdict

EDGES = [("A", "B", 4), ("A", "C", 2), ("B", "C", 5), ("B", "D", 10), ("C", "E", 3), ("E", "D", 4), ("D", "F", 11), ("E", "F", 20)]

def dijkstra(edges, source):
    graph = defaultdict(list)
    for a, b, w in edges:
        graph[a].append((b, w))
        graph[b].append((a, w))
    dist = {source: 0}
    prev = {}
    heap = [(0, source)]
    while heap:
        d, node = heapq.heappop(heap)
        if d > dist.get(node, float("inf")):
            continue
        for nxt, w in graph[node]:
            nd = d + w
            if nd < dist.get(nxt, float("inf")):
                dist[nxt] = nd
                prev[nxt] = node
                heapq.heappush(heap, (nd, nxt))
    return dist, prev

def path(prev, target):
    out = [target]
    while out[-1] in prev:
        out.append(prev[out[-1]])
    return out[::-1]

def components(n, pairs):
    parent = list(range(n))
    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x
    for a, b in pairs:
        parent[find(a)] = find(b)
    groups = defaultdict(list)
    for i in range(n):
        groups[find(i)].append(i)
    return sorted(groups.values())

dist, prev = dijkstra(EDGES, "A")
[dict(sorted(dist.items())), path(prev, "F"), components(8, [(0, 1), (1, 2), (3, 4), (6, 7)])]
"""

PROGRAMS["enum-missing-and-str"] = r"""
from enum import Enum

class Color(Enum):
    RED = "red"
    GREEN = "green"
    BLUE = "blue"

    @classmethod
    def _missing_(cls, value):
        if isinstance(value, str):
            for member in cls:
                if member.value == value.lower():
                    return member
        return None

    def __str__(self):
        return self.value.title()

try:
    Color("purple")
except ValueError as e:
    err = str(e)
[Color("RED") is Color.RED, str(Color.GREEN), f"{Color.BLUE}", err, [c.value for c in Color], Color.RED.name, len(Color)]
"""

PROGRAMS["contextlib-helpers"] = r"""
from contextlib import contextmanager, suppress, ExitStack, nullcontext, asynccontextmanager
import asyncio

log = []

@contextmanager
def step(name):
    log.append(f"enter {name}")
    try:
        yield name.upper()
    except KeyError as e:
        log.append(f"handled {e}")
    finally:
        log.append(f"exit {name}")

@asynccontextmanager
async def session(user):
    log.append(f"open {user}")
    try:
        yield {"user": user}
    finally:
        log.append(f"close {user}")

async def main():
    with step("load") as value:
        log.append(value)
    with step("parse"):
        {}["missing"]
    with suppress(ZeroDivisionError):
        1 / 0
    with ExitStack() as stack:
        names = [stack.enter_context(step(n)) for n in ("a", "b")]
        stack.callback(log.append, "callback ran")
    with nullcontext(5) as five:
        log.append(five)
    async with session("ada") as s:
        w = await codemode.get_weather(city="Paris")
        log.append((s["user"], w["temperature"]))
    return {"log": log, "names": names}
"""

PROGRAMS["pprint-style-report"] = r"""
import json

async def main():
    orders = await codemode.list_orders(customer_id="c1")
    summary = {
        "customer": "c1",
        "orders": [{"id": o["id"], "status": o["status"], "total": o["total"]} for o in orders[:4]],
        "count": len(orders),
    }
    print(json.dumps(summary, indent=4))
    print(str(summary)[:60])
    print(repr(orders[0]["items"][0]))
    return summary
"""

PROGRAMS["simple-namespace-via-class"] = r"""
class Namespace:
    def __init__(self, **kwargs):
        for k, v in kwargs.items():
            setattr(self, k, v)
    def __repr__(self):
        items = ", ".join(f"{k}={v!r}" for k, v in sorted(vars(self).items()))
        return f"Namespace({items})"
    def __eq__(self, other):
        return isinstance(other, Namespace) and vars(self) == vars(other)

args = Namespace(verbose=True, retries=3, name="job")
args.retries += 1
[repr(args), args == Namespace(verbose=True, retries=4, name="job"), getattr(args, "missing", None)]
"""

PROGRAMS["dataclass-field-metadata-and-validation"] = r"""
from dataclasses import dataclass, field, fields, asdict, is_dataclass

def positive(name, value):
    if value <= 0:
        raise ValueError(f"{name} must be positive, got {value}")

@dataclass
class Product:
    sku: str = field(metadata={"label": "SKU"})
    price: float = field(metadata={"label": "Price", "check": positive})
    stock: int = field(default=0, metadata={"label": "Stock"})
    tags: list[str] = field(default_factory=list, compare=False)

    def validate(self):
        for f in fields(self):
            check = f.metadata.get("check")
            if check:
                check(f.name, getattr(self, f.name))
        return self

async def main():
    products = [Product(p["sku"], p["price"], p["stock"]) for p in await codemode.list_products()]
    labels = {f.name: f.metadata.get("label", f.name) for f in fields(Product)}
    problems = []
    for p in products + [Product("BAD", -1.0)]:
        try:
            p.validate()
        except ValueError as e:
            problems.append(str(e))
    table = [{labels[k]: v for k, v in asdict(p).items() if k in labels} for p in products[:2]]
    return {"labels": labels, "problems": problems, "table": table, "is_dc": [is_dataclass(Product), is_dataclass(products[0]), is_dataclass({})],
            "eq": Product("A", 1.0, tags=["x"]) == Product("A", 1.0, tags=["y"])}
"""

PROGRAMS["class-descriptor-and-slots-repr"] = r"""
class Positive:
    def __set_name__(self, owner, name):
        self.name = "_" + name

    def __get__(self, obj, objtype=None):
        if obj is None:
            return self
        return getattr(obj, self.name)

    def __set__(self, obj, value):
        if value <= 0:
            raise ValueError(f"{self.name[1:]} must be > 0")
        setattr(obj, self.name, value)

class Order:
    qty = Positive()
    price = Positive()

    def __init__(self, qty, price):
        self.qty = qty
        self.price = price

    @property
    def total(self):
        return self.qty * self.price

class Point3:
    __slots__ = ("x", "y", "z")
    def __init__(self, x, y, z):
        self.x, self.y, self.z = x, y, z
    def __repr__(self):
        return "Point3(" + ", ".join(f"{s}={getattr(self, s)}" for s in self.__slots__) + ")"

o = Order(3, 2.5)
errors = []
for bad in (0, -2):
    try:
        o.qty = bad
    except ValueError as e:
        errors.append(str(e))
try:
    Point3(1, 2, 3).w = 4
except AttributeError as e:
    slot_err = type(e).__name__
[o.total, errors, repr(Point3(1, 2, 3)), slot_err, isinstance(Order.qty, Positive)]
"""

PROGRAMS["class-ordering-total-ordering-dataclass"] = r"""
from functools import total_ordering
from dataclasses import dataclass

@total_ordering
@dataclass(frozen=True)
class Money:
    cents: int
    currency: str = "USD"

    @classmethod
    def parse(cls, text: str) -> "Money":
        amount, _, cur = text.partition(" ")
        return cls(round(float(amount) * 100), cur or "USD")

    def __lt__(self, other):
        if self.currency != other.currency:
            return NotImplemented
        return self.cents < other.cents

    def __str__(self):
        return f"{self.cents / 100:,.2f} {self.currency}"

prices = [Money.parse(t) for t in ["19.99", "5", "1250.50 USD", "0.99"]]
try:
    Money(1, "EUR") < Money(2)
except TypeError as e:
    err = str(e)
[[str(p) for p in sorted(prices)], str(max(prices)), Money(5) >= Money(4), Money(5) <= Money(5), err, len(set(prices + [Money(500)]))]
"""

PROGRAMS["inheritance-exception-aware-pipeline"] = r"""
import asyncio
from abc import ABC, abstractmethod

class Step(ABC):
    name = "step"

    @abstractmethod
    async def run(self, data: dict) -> dict: ...

    async def __call__(self, data):
        try:
            return await self.run(data)
        except Exception as e:
            data.setdefault("errors", []).append(f"{self.name}: {e}")
            return data

class FetchWeather(Step):
    name = "weather"
    async def run(self, data):
        data["weather"] = await codemode.get_weather(city=data["city"])
        return data

class FetchForecast(Step):
    name = "forecast"
    async def run(self, data):
        data["forecast"] = await codemode.get_forecast(city=data["city"], days=2)
        return data

class Summarise(Step):
    name = "summary"
    async def run(self, data):
        w = data["weather"]
        data["summary"] = f"{w['city']}: {w['temperature']}°C, {len(data['forecast'])} days ahead"
        return data

async def pipeline(city, steps):
    data = {"city": city}
    for step in steps:
        data = await step(data)
    return data

async def main():
    steps = [FetchWeather(), FetchForecast(), Summarise()]
    results = await asyncio.gather(*(pipeline(c, steps) for c in ["Paris", "Gondor"]))
    return [(r.get("summary"), r.get("errors")) for r in results]
"""

PROGRAMS["string-io-like-buffer"] = r"""
class Buffer:
    def __init__(self):
        self.parts = []
    def write(self, text):
        self.parts.append(text)
        return len(text)
    def getvalue(self):
        return "".join(self.parts)

buf = Buffer()
print("header", file=buf)
for i in range(3):
    print(f"row {i}", i * i, sep="\t", file=buf)
print("visible line")
buf.getvalue()
"""

PROGRAMS["lambda-closures-and-higher-order"] = r"""
from functools import reduce

def make_counter(start=0):
    count = start
    def inc(step=1):
        nonlocal count
        count += step
        return count
    return inc

def compose(*fns):
    return reduce(lambda f, g: lambda x: g(f(x)), fns, lambda x: x)

def memoize(fn):
    cache = {}
    def wrapper(*args):
        if args not in cache:
            cache[args] = fn(*args)
        return cache[args]
    wrapper.cache = cache
    return wrapper

@memoize
def slow_square(n):
    return n * n

counter = make_counter(10)
counter(); counter(5)
pipeline = compose(str.strip, str.lower, lambda s: s.replace(" ", "_"))
adders = [lambda x, i=i: x + i for i in range(3)]
[counter(), pipeline("  Hello World "), [f(10) for f in adders], [slow_square(n) for n in (3, 3, 4)], len(slow_square.cache), sorted(map(lambda p: p[1], {"a": 3, "b": 1}.items())), list(filter(lambda s: s.isupper(), ["A", "b", "C"]))]
"""

PROGRAMS["global-state-and-module-constants"] = r"""
import asyncio

CACHE = {}
CALLS = 0
MAX_RETRIES = 2

async def cached_weather(city):
    global CALLS
    if city in CACHE:
        return CACHE[city]
    CALLS += 1
    CACHE[city] = await codemode.get_weather(city=city)
    return CACHE[city]

async def main():
    for city in ["Paris", "Oslo", "Paris", "Paris", "Oslo", "Tokyo"]:
        await cached_weather(city)
    return {"calls": CALLS, "cached": sorted(CACHE), "retries": MAX_RETRIES}
"""

PROGRAMS["sync-main-plain-function"] = r"""
import statistics

def summarize(values):
    return {"n": len(values), "mean": statistics.mean(values), "max": max(values)}

def main():
    data = [3, 1, 4, 1, 5, 9, 2, 6]
    print("summarizing", len(data), "values")
    return summarize(data)
"""

PROGRAMS["text-diff-like-comparison"] = r"""
def diff_lines(a, b):
    a_lines, b_lines = a.splitlines(), b.splitlines()
    out = []
    m, n = len(a_lines), len(b_lines)
    dp = [[0] * (n + 1) for _ in range(m + 1)]
    for i in range(m - 1, -1, -1):
        for j in range(n - 1, -1, -1):
            dp[i][j] = dp[i + 1][j + 1] + 1 if a_lines[i] == b_lines[j] else max(dp[i + 1][j], dp[i][j + 1])
    i = j = 0
    while i < m and j < n:
        if a_lines[i] == b_lines[j]:
            out.append("  " + a_lines[i]); i += 1; j += 1
        elif dp[i + 1][j] >= dp[i][j + 1]:
            out.append("- " + a_lines[i]); i += 1
        else:
            out.append("+ " + b_lines[j]); j += 1
    out += ["- " + l for l in a_lines[i:]] + ["+ " + l for l in b_lines[j:]]
    return out

old = "alpha\nbeta\ngamma\ndelta"
new = "alpha\ngamma\ndelta\nepsilon"
result = diff_lines(old, new)
print("\n".join(result))
result
"""

PROGRAMS["json-schema-like-validation"] = r"""
SCHEMA = {
    "type": "object",
    "required": ["id", "email", "age"],
    "properties": {
        "id": {"type": "string", "pattern": r"^u\d+$"},
        "email": {"type": "string", "pattern": r"^[^@\s]+@[^@\s]+\.\w+$"},
        "age": {"type": "integer", "minimum": 0, "maximum": 150},
        "tags": {"type": "array", "items": {"type": "string"}},
    },
}
import re
TYPES = {"string": str, "integer": int, "array": list, "object": dict}

def validate(value, schema, path="$"):
    errors = []
    expected = TYPES[schema["type"]]
    if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
        return [f"{path}: expected {schema['type']}, got {type(value).__name__}"]
    if schema["type"] == "object":
        for key in schema.get("required", []):
            if key not in value:
                errors.append(f"{path}.{key}: required")
        for key, sub in schema.get("properties", {}).items():
            if key in value:
                errors += validate(value[key], sub, f"{path}.{key}")
    elif schema["type"] == "array":
        for i, item in enumerate(value):
            errors += validate(item, schema["items"], f"{path}[{i}]")
    elif schema["type"] == "string" and "pattern" in schema and not re.match(schema["pattern"], value):
        errors.append(f"{path}: does not match {schema['pattern']}")
    elif schema["type"] == "integer":
        if value < schema.get("minimum", value):
            errors.append(f"{path}: below minimum")
        if value > schema.get("maximum", value):
            errors.append(f"{path}: above maximum")
    return errors

records = [
    {"id": "u1", "email": "a@b.co", "age": 30, "tags": ["x"]},
    {"id": "x2", "email": "nope", "age": 200},
    {"email": "c@d.org", "age": True, "tags": ["ok", 5]},
]
{r.get("id", f"#{i}"): validate(r, SCHEMA) for i, r in enumerate(records)}
"""

PROGRAMS["time-struct-and-formatting"] = r"""
import time
from datetime import datetime, timezone

ts = 1_700_000_000
t = time.gmtime(ts)
formatted = time.strftime("%Y-%m-%dT%H:%M:%SZ", t)
parsed = time.strptime("2026-03-14 15:30", "%Y-%m-%d %H:%M")
dt = datetime.fromtimestamp(ts, tz=timezone.utc)
durations = [0.5, 61, 3725, 90061]
def human(seconds):
    d, rem = divmod(int(seconds), 86400)
    h, rem = divmod(rem, 3600)
    m, s = divmod(rem, 60)
    parts = [f"{v}{u}" for v, u in ((d, "d"), (h, "h"), (m, "m"), (s, "s")) if v]
    return " ".join(parts) or f"{seconds:.1f}s"
[formatted, t.tm_year, t.tm_yday, parsed.tm_hour, parsed.tm_wday, dt.isoformat(), [human(x) for x in durations], time.mktime(parsed) > 0, round(time.time() - ts) > 0]
"""

PROGRAMS["random-ab-test-simulation"] = r"""
import random
import statistics
import math

def simulate(rate, n, rng):
    return sum(rng.random() < rate for _ in range(n))

rng = random.Random(12345)
n = 5000
a = simulate(0.10, n, rng)
b = simulate(0.12, n, rng)
pa, pb = a / n, b / n
pooled = (a + b) / (2 * n)
se = math.sqrt(pooled * (1 - pooled) * (2 / n))
z = (pb - pa) / se
p_value = 2 * (1 - statistics.NormalDist().cdf(abs(z)))
boot = []
for _ in range(200):
    sample = rng.choices([1] * b + [0] * (n - b), k=500)
    boot.append(sum(sample) / len(sample))
lo, hi = statistics.quantiles(boot, n=40)[0], statistics.quantiles(boot, n=40)[-1]
[a, b, round(z, 4), round(p_value, 6), p_value < 0.05, round(lo, 4), round(hi, 4)]
"""

PROGRAMS["markdown-table-builder"] = r"""
async def main():
    products = await codemode.list_products()
    cols = ["sku", "name", "category", "price", "stock"]
    rows = [[str(p[c]) if c != "price" else f"${p[c]:.2f}" for c in cols] for p in products]
    widths = [max(len(c), *(len(r[i]) for r in rows)) for i, c in enumerate(cols)]
    def line(cells):
        return "| " + " | ".join(cell.ljust(w) for cell, w in zip(cells, widths)) + " |"
    table = [line(cols), "|" + "|".join("-" * (w + 2) for w in widths) + "|"] + [line(r) for r in rows]
    text = "\n".join(table)
    print(text)
    return len(text)
"""

PROGRAMS["walrus-and-comprehension-scoping"] = r"""
import re

lines = ["id=1 name=ada", "garbage", "id=2 name=bob", "id=x name=?", "id=3 name=cy"]
records = [m.groupdict() for line in lines if (m := re.fullmatch(r"id=(?P<id>\d+) name=(?P<name>\w+)", line))]
total = 0
data = [5, 3, 8, 1]
while (item := data.pop() if data else None) is not None:
    total += item
values = [y := 10, y ** 2, y ** 3]
if (n := len(records)) > 2:
    msg = f"{n} records"
[records, total, values, msg]
"""

PROGRAMS["nested-functions-and-recursion-memo"] = r"""
def count_paths(grid):
    rows, cols = len(grid), len(grid[0])
    memo = {}
    def walk(r, c):
        if r >= rows or c >= cols or grid[r][c] == "#":
            return 0
        if (r, c) == (rows - 1, cols - 1):
            return 1
        if (r, c) not in memo:
            memo[(r, c)] = walk(r + 1, c) + walk(r, c + 1)
        return memo[(r, c)]
    return walk(0, 0)

def permutations(items):
    if len(items) <= 1:
        return [items]
    out = []
    for i, x in enumerate(items):
        for rest in permutations(items[:i] + items[i + 1:]):
            out.append([x] + rest)
    return out

def hanoi(n, a="A", b="B", c="C", moves=None):
    moves = [] if moves is None else moves
    if n:
        hanoi(n - 1, a, c, b, moves)
        moves.append((a, c))
        hanoi(n - 1, b, a, c, moves)
    return moves

grid = ["....", ".#..", "...#", "#..."]
[count_paths(grid), len(permutations(list("abcde"))), permutations([1, 2, 3])[:3], len(hanoi(10)), hanoi(2)]
"""

PROGRAMS["enum-flags-permissions-system"] = r"""
from enum import Flag, auto

class Perm(Flag):
    NONE = 0
    READ = auto()
    WRITE = auto()
    DELETE = auto()
    ADMIN = READ | WRITE | DELETE

ROLES = {"viewer": Perm.READ, "editor": Perm.READ | Perm.WRITE, "admin": Perm.ADMIN}

def can(role, perm):
    return perm in ROLES.get(role, Perm.NONE)

checks = {(role, p.name): can(role, p) for role in ROLES for p in (Perm.READ, Perm.WRITE, Perm.DELETE)}
combined = Perm.NONE
for r in ("viewer", "editor"):
    combined |= ROLES[r]
[sorted(k for k, v in checks.items() if v), str(combined), combined == Perm.READ | Perm.WRITE, bool(Perm.NONE), [p.name for p in Perm.ADMIN], Perm(3).name if Perm(3).name else str(Perm(3))]
"""

PROGRAMS["asyncio-gather-nested-and-sleep-ordering"] = r"""
import asyncio

async def delayed(value, delay):
    await asyncio.sleep(delay)
    return value

async def main():
    order = []
    async def record(name, delay):
        await asyncio.sleep(delay)
        order.append(name)
        return name
    await asyncio.gather(record("slow", 0.03), record("fast", 0.0), record("mid", 0.015))
    nested = await asyncio.gather(asyncio.gather(delayed(1, 0), delayed(2, 0)), delayed(3, 0))
    results = [await delayed(i, 0) for i in range(3)]
    return {"order": order, "nested": nested, "results": results}
"""

PROGRAMS["csv-module-roundtrip"] = r"""
import csv
import io
from collections import defaultdict

async def main():
    text = await codemode.read_file(path="data/sales.csv")
    rows = list(csv.DictReader(io.StringIO(text)))
    totals = defaultdict(lambda: {"units": 0, "revenue": 0.0})
    for row in rows:
        key = (row["region"], row["product"])
        totals[key]["units"] += int(row["units"])
        totals[key]["revenue"] += int(row["units"]) * float(row["unit_price"])
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=["region", "product", "units", "revenue"], lineterminator="\n")
    writer.writeheader()
    for (region, product), t in sorted(totals.items()):
        writer.writerow({"region": region, "product": product, "units": t["units"], "revenue": f"{t['revenue']:.2f}"})
    report = out.getvalue()
    print(report.splitlines()[0])
    tricky = io.StringIO()
    csv.writer(tricky, quoting=csv.QUOTE_NONNUMERIC).writerows([["a, b", 'say "hi"', 3], ["line\nbreak", None, 2.5]])
    parsed = list(csv.reader(io.StringIO(tricky.getvalue()), quoting=csv.QUOTE_NONNUMERIC))
    return {"rows": len(rows), "groups": len(totals), "head": report.splitlines()[:3], "tricky": tricky.getvalue(), "parsed": parsed}
"""

PROGRAMS["csv-tsv-and-bytes-buffers"] = r"""
import csv, io, json, base64

tsv = "id\tname\tscore\n1\tada\t9.5\n2\tbob\t7\n"
records = [dict(r, score=float(r["score"])) for r in csv.DictReader(io.StringIO(tsv), delimiter="\t")]
buf = io.BytesIO()
buf.write(json.dumps(records).encode())
buf.seek(0)
payload = base64.b64encode(buf.read()).decode()
lines = io.StringIO("first\nsecond\nthird")
[records, len(payload), json.loads(base64.b64decode(payload)) == records, [l.rstrip() for l in lines], csv.excel_tab.delimiter]
"""

PROGRAMS["misc-dyn-format"] = r"""
w, p = 12, 3
value = 3.14159
name = 'x'
[f'{value:{w}.{p}f}', f'{name:>{w}}', f'{value:{w}}', '%*d' % (5, 42), '%(a)s-%(b)05.1f' % {'a': 1, 'b': 2.25}, '{:{}}'.format('z', 4), format(value, f'.{p}e')]
"""

PROGRAMS["misc-big-mult"] = r"""
w = 80
n = 1_000_000
[len('-' * w), len([0] * n), len(bytearray(n)), len('ab' * 500_000), 2 ** 64, 10 ** 30, (7 ** 0.5), len([[0] * 3] * 1000)]
"""

PROGRAMS["misc-big-text"] = r"""
import re, json, hashlib
text = ('lorem ipsum dolor sit amet ' * 40_000)
words = text.split()
found = re.findall(r'\bd\w+', text)
data = json.dumps(list(range(100_000)))
back = json.loads(data)
[len(words), len(found), len(data), sum(back), hashlib.sha256(b'x' * 10_000_000).hexdigest()[:8], len(' '.join(words)), len(sorted(words)), ''.join(reversed('abc' * 1000))[:5]]
"""

PROGRAMS["misc-str-methods-var"] = r"""
w = 30
s = 'title'
[s.center(w, '*'), s.ljust(w, '.'), s.rjust(w), s.zfill(w), '\t'.expandtabs(w), ', '.join(['a'] * w), 'x'.replace('x', 'y' * w)]
"""

PROGRAMS["misc-gen-chain"] = r"""
def nums(n):
    yield from range(n)
def evens(it):
    return (x for x in it if x % 2 == 0)
def squares(it):
    for x in it:
        yield x * x
sum(squares(evens(nums(1_000_000))))
"""

PROGRAMS["misc-dataclass-many"] = r"""
from dataclasses import dataclass
@dataclass(order=True)
class R:
    k: int
    v: str
rs = sorted(R((i * 7919) % 10007, str(i)) for i in range(100_000))
[rs[0].k, rs[-1].k, len(rs)]
"""

PROGRAMS["misc-re-types"] = r"""
import re
p: re.Pattern[str] = re.compile(r'(\d+)')
m = p.search('ab12')
[isinstance(m, re.Match), isinstance(p, re.Pattern), m.group(1), m.start(), m.re.pattern, p.pattern, p.groups]
"""

PROGRAMS["misc-exception-notes"] = r"""
try:
    raise ValueError('bad')
except ValueError as e:
    e.add_note('while parsing row 3')
    notes = e.__notes__
notes
"""

PROGRAMS["misc-typing-misc"] = r"""
from typing import get_args, get_origin, Union, Optional, List, Dict
[get_args(Union[int, str]), get_origin(List[int]) is list, get_args(Optional[int]), get_args(dict[str, int]), isinstance(3, int | str), Dict[str, int] == Dict[str, int]]
"""

PROGRAMS["misc-match-class-builtin"] = r"""
def kind(x):
    match x:
        case bool():
            return 'bool'
        case int(n) if n > 10:
            return 'big'
        case int() | float():
            return 'num'
        case [int(a), int(b)]:
            return a + b
        case {'type': 'user', 'name': str(n)}:
            return n
        case str(s):
            return s[::-1]
    return None
[kind(v) for v in (True, 50, 3, 2.5, [1, 2], {'type': 'user', 'name': 'ada'}, 'abc', None)]
"""

PROGRAMS["misc-exception-str-repr"] = r"""
errs = [ValueError('x'), KeyError('k'), OSError(2, 'No such file'), FileNotFoundError('f.txt'), TimeoutError(), ZeroDivisionError('division by zero')]
[(type(e).__name__, str(e), repr(e)) for e in errs]
"""

PROGRAMS["misc-enum-gnv"] = r"""
from enum import Enum, auto
class Color(Enum):
    @staticmethod
    def _generate_next_value_(name, start, count, last_values):
        return name.lower()
    RED = auto()
    GREEN = auto()
[c.value for c in Color]
"""

PROGRAMS["misc-class-attr-dict"] = r"""
class AttrDict(dict):
    def __getattr__(self, k):
        try:
            return self[k]
        except KeyError:
            raise AttributeError(k) from None
d = AttrDict(a=1)
[d.a, getattr(d, 'b', 'none'), hasattr(d, 'a')]
"""

PROGRAMS["misc-partialmethod"] = r"""
from functools import partialmethod
class C:
    def set(self, k, v):
        setattr(self, k, v)
        return self
    set_a = partialmethod(set, 'a')
C().set_a(5).a
"""

PROGRAMS["misc-dict-ops"] = r"""
a = {'x': 1}
b = {'y': 2}
c = a | b
a |= {'z': 3}
[c, a, dict(sorted(c.items(), reverse=True)), list(reversed(c)), {**a, 'x': 9}]
"""

PROGRAMS["misc-slots-inherit"] = r"""
class A:
    __slots__ = ('a',)
class B(A):
    __slots__ = ('b',)
    def __init__(self):
        self.a, self.b = 1, 2
b = B()
[b.a + b.b, B.__slots__, hasattr(b, '__dict__')]
"""

PROGRAMS["more-generic-class-pep695-like"] = r"""
from typing import Generic, TypeVar
T = TypeVar('T')
class Stack(Generic[T]):
    def __init__(self) -> None:
        self._items: list[T] = []
    def push(self, item: T) -> None:
        self._items.append(item)
    def pop(self) -> T:
        return self._items.pop()
    def __len__(self):
        return len(self._items)
s: Stack[int] = Stack()
for i in range(3): s.push(i)
[s.pop(), len(s), Stack[int].__name__ if hasattr(Stack[int], '__name__') else 'alias']
"""

PROGRAMS["more-property-cached-lazy-load"] = r"""
import asyncio
class Client:
    def __init__(self):
        self._cache = {}
    async def weather(self, city):
        if city not in self._cache:
            self._cache[city] = await codemode.get_weather(city=city)
        return self._cache[city]
    @property
    def cached(self):
        return sorted(self._cache)
async def main():
    c = Client()
    await asyncio.gather(c.weather('Paris'), c.weather('Oslo'))
    await c.weather('Paris')
    return c.cached
"""

PROGRAMS["more-dataclass-inheritance-defaults"] = r"""
from dataclasses import dataclass, field
@dataclass
class Base:
    id: int
    tags: list = field(default_factory=list)
@dataclass
class Child(Base):
    name: str = 'x'
    def describe(self):
        return f'{self.id}:{self.name}:{self.tags}'
[Child(1).describe(), Child(2, ['a'], 'y').describe(), repr(Child(3))]
"""

PROGRAMS["more-enum-in-dataclass-json"] = r"""
import json
from dataclasses import dataclass, asdict
from enum import Enum
class Status(str, Enum):
    OPEN = 'open'
    DONE = 'done'
@dataclass
class Task:
    title: str
    status: Status = Status.OPEN
ts = [Task('a'), Task('b', Status.DONE)]
json.dumps([asdict(t) for t in ts])
"""

PROGRAMS["more-str-enum-format"] = r"""
from enum import StrEnum, IntEnum
class Env(StrEnum):
    PROD = 'prod'
class Lvl(IntEnum):
    HI = 3
[f'{Env.PROD}', str(Env.PROD), f'{Lvl.HI}', str(Lvl.HI), Env.PROD + '-x', Lvl.HI * 2, format(Lvl.HI, '03d')]
"""

PROGRAMS["more-super-in-classmethod-and-staticmethod"] = r"""
class A:
    @classmethod
    def make(cls, *args):
        return cls(*args)
    def __init__(self, x=0):
        self.x = x
class B(A):
    @classmethod
    def make(cls, *args):
        obj = super().make(*args)
        obj.tag = 'b'
        return obj
    @staticmethod
    def helper(v):
        return v * 2
b = B.make(5)
[b.x, b.tag, B.helper(3), type(b).__name__]
"""

PROGRAMS["more-nonlocal-and-global-counters"] = r"""
count = 0
def outer():
    total = 0
    def add(n):
        nonlocal total
        global count
        total += n
        count += 1
        return total
    return add
f = outer()
[f(1), f(2), f(3), count]
"""

PROGRAMS["more-object-equality-and-sorting-mixed"] = r"""
data = [3, 1.5, True, 2]
[sorted(data), max(data), min(data, key=lambda v: -v), 1 == 1.0, hash(1) == hash(1.0), {1: 'a', 1.0: 'b'}, round(2.5), round(0.125, 2)]
"""

PROGRAMS["more-asyncio-gather-dict-comprehension"] = r"""
import asyncio
async def main():
    syms = ['AAPL', 'MSFT', 'GOOG']
    prices = dict(zip(syms, await asyncio.gather(*[codemode.get_stock_price(symbol=s) for s in syms])))
    return {s: p['price'] for s, p in prices.items() if p['change_pct'] >= -5}
"""

PROGRAMS["more-string-partition-parsing"] = r"""
headers = 'Content-Type: application/json\nX-Rate-Limit: 100\nX-Empty:\nBadLine'
parsed = {}
for line in headers.splitlines():
    key, sep, value = line.partition(':')
    if sep:
        parsed[key.strip().lower()] = value.strip()
parsed
"""

PROGRAMS["more-chained-comparisons-and-any-all"] = r"""
xs = [5, 3, 9, 1]
[1 < 2 < 3, 1 < 3 < 2, all(0 < x < 10 for x in xs), any(x > 8 for x in xs), sum(x for x in xs if 2 <= x <= 5), [x for x in xs if not (x % 3)]]
"""

PROGRAMS["more-bytes-hex-struct-like"] = r"""
def pack_u16(n):
    return n.to_bytes(2, 'big')
def unpack_u16(b):
    return int.from_bytes(b, 'big')
msg = b''.join(pack_u16(n) for n in (1, 256, 65535))
[msg.hex(), [unpack_u16(msg[i:i+2]) for i in range(0, len(msg), 2)], (-1).to_bytes(2, 'big', signed=True).hex()]
"""

PROGRAMS["more-tool-error-attributes"] = r"""
async def main():
    try:
        await codemode.get_order(order_id='zzz')
    except Exception as e:
        return [str(e), 'order' in str(e).lower(), isinstance(e, Exception)]
"""

PROGRAMS["more-set-operations-report"] = r"""
a = {'x', 'y', 'z'}
b = {'y', 'w'}
[sorted(a & b), sorted(a | b), sorted(a - b), sorted(a ^ b), a.isdisjoint({'q'}), {'x'} <= a, sorted(frozenset('hello'))]
"""

PROGRAMS["pprint-nested-data"] = r"""
from pprint import pprint, pformat, pp, PrettyPrinter
import pprint as pm
data = {'users': [{'id': i, 'name': f'user{i}', 'roles': ['a', 'b'] * i} for i in range(4)], 'meta': {'z': 1, 'a': (1, 2)}}
pprint(data)
pp({'b': 1, 'a': 2})
pprint(data, width=40, depth=2)
pm.pprint(list(range(30)), compact=True)
PrettyPrinter(indent=2, width=30).pprint(data['meta'])
class Buf:
    def __init__(self):
        self.parts = []
    def write(self, s):
        self.parts.append(s)
b = Buf()
pprint({'x': 1}, stream=b)
[pformat(data, width=60)[:80], pm.saferepr([1, 'a']), pm.isreadable({'a': 1}), ''.join(b.parts)]
"""

PROGRAMS["urllib-import-forms"] = r"""
from urllib import parse
import urllib.parse
import urllib.parse as up
from urllib.parse import urlencode, urlunparse

async def main():
    results = await codemode.search_web(query="python asyncio", limit=3)
    links = []
    for r in results:
        u = parse.urlparse(r["url"])
        query = urlencode({"ref": "agent", "q": r["title"]})
        links.append(urlunparse(u._replace(query=query)))
    return {
        "links": links,
        "hosts": sorted({urllib.parse.urlsplit(l).hostname for l in links}),
        "quoted": up.quote("a b/c", safe=""),
        "parsed": up.parse_qs(parse.urlsplit(links[0]).query),
    }
"""

# __PROGRAMS__


# -- what stays refused ---------------------------------------------------------------------------
# Programs models write that reach the host: refused, with a message that says what to do instead
# (the model reads it and tries again). Each: the program, the error type, and text the message
# must hold.

REFUSED: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "import-os": ("import os\nos.listdir('.')", "policy", ("'os'", "available modules", "tools")),
    "import-pathlib": (
        "from pathlib import Path\nPath('data.csv').read_text()",
        "policy",
        ("file system", "tools"),
    ),
    "import-requests": ("import requests", "policy", ("network", "tools")),
    "import-logging": ("import logging\nlogging.info('x')", "policy", ("print()",)),
    "import-threading": ("import threading", "policy", ("asyncio.gather",)),
    "import-types": ("from types import SimpleNamespace", "policy", ("dataclass",)),
    "import-zoneinfo": ("from zoneinfo import ZoneInfo", "policy", ("datetime.timezone",)),
    "open-file": ("open('data.csv').read()", "policy", ("file system", "tools")),
    "time-sleep": ("import time\ntime.sleep(1)", "policy", ("asyncio.sleep",)),
    "eval": ("eval('1 + 1')", "policy", ("not available",)),
    "instance-dict": (
        "class A:\n    pass\nA().__dict__",
        "policy",
        ("'__dict__'", "vars(obj)"),
    ),
    "class-mro": ("class A:\n    pass\nA.mro()", "policy", ("isinstance",)),
    "subclasses": ("class A:\n    pass\nA.__subclasses__()", "policy", ("registry",)),
    "exception-cause": (
        "try:\n    1 / 0\nexcept Exception as e:\n    c = e.__cause__",
        "policy",
        ("variable of your own",),
    ),
    "define-setattr": (
        "class Frozen:\n    def __setattr__(self, k, v):\n        raise AttributeError(k)",
        "policy",
        ("'__setattr__'", "frozen=True"),
    ),
    "decimal-precision": (
        "import decimal\ndecimal.getcontext().prec = 100_000",
        "runtime",
        ("prec", "in codemode"),
    ),
    "singledispatch-string-annotation": (
        "from __future__ import annotations\nfrom functools import singledispatch\n"
        "@singledispatch\ndef f(x):\n    return 0\n@f.register\ndef _(x: int):\n    return 1",
        "policy",  # registering by annotation evaluates it: a string here
        ("register(cls)",),
    ),
    "task-callback": (
        "import asyncio\nasync def main():\n    t = asyncio.create_task(asyncio.sleep(0))\n"
        "    t.add_done_callback(print)\n    await t",
        "runtime",  # an AttributeError: a callback would run on the host's loop
        ("add_done_callback is not available", "await the task"),
    ),
    "event-loop": (
        "import asyncio\nasync def main():\n    return asyncio.get_event_loop()",
        "runtime",  # an AttributeError, as for any missing member, with codemode's note
        ("get_event_loop is not available in codemode",),
    ),
}


@pytest.mark.parametrize("name", sorted(REFUSED))
async def test_refused_programs_say_what_to_do(executor: Executor, name: str) -> None:
    source, kind, fragments = REFUSED[name]
    result = await Codemode(TOOLS, executor=executor, timeout=30).execute(source)
    assert result.error is not None and result.error.type == kind, result
    text = result.to_text()
    for fragment in fragments:
        assert fragment in text, text


# -- running them ---------------------------------------------------------------------------------


def _cpython_tool(fn: Callable[..., Any]) -> Callable[..., Any]:
    """`codemode.<tool>` under CPython: keyword arguments or one dict, the result a JSON copy (what
    the subprocess executor's program gets; the in-process one gets fresh data from these tools)."""

    async def call(*args: Any, **kwargs: Any) -> Any:
        if args:
            (kwargs,) = args
        result = fn(**kwargs)
        if asyncio.iscoroutine(result):
            result = await result
        return json.loads(json.dumps(result))

    return call


class _CPythonTools:
    def __init__(self) -> None:
        for fn in TOOLS:
            setattr(self, fn.__name__, _cpython_tool(fn))


Outcome = tuple[Any, ...]


def _calls_main(tree: ast.Module) -> bool:
    for stmt in tree.body:
        if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            continue
        for node in ast.walk(stmt):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "main"
            ):
                return True
    return False


@functools.cache
def cpython_outcome(source: str) -> Outcome:
    """What plain CPython does with `source`: the program's value (`main()`'s, or the last
    expression's), what it printed, or the uncaught exception's class and message."""
    from codemode.executors._inprocess import _exception_text

    printed = io.StringIO()

    def print_(*args: Any, sep: str | None = " ", end: str | None = "\n", file: Any = None) -> None:
        builtins.print(*args, sep=sep, end=end, file=printed if file is None else file)

    namespace: dict[str, Any] = {
        "__name__": "__main__",
        "codemode": _CPythonTools(),
        "asyncio": asyncio,  # models use it unimported; codemode binds it
        "print": print_,
    }
    tree = ast.parse(source)
    # `if __name__ == "__main__": asyncio.run(main())` at the bottom: the value is main's
    body = tree.body[:-1]
    last = tree.body[-1]
    if isinstance(last, ast.If) and ast.unparse(last.test) == "__name__ == '__main__'":
        body.extend(last.body[:-1])
        last = last.body[-1]
    tree.body = [*body, last]
    if isinstance(last, ast.Expr):
        store = ast.Assign([ast.Name("_result_", ast.Store())], last.value)
        tree.body[-1] = ast.copy_location(store, last)
        ast.fix_missing_locations(tree)
    try:
        with contextlib.redirect_stdout(printed):  # what `pprint` writes to `sys.stdout`
            return _run(tree, namespace, printed)
    except Exception as exc:
        name = type(exc).__name__
        return ("raises", name, _exception_text(exc).removeprefix(f"{name}: "), printed.getvalue())


def _run(tree: ast.Module, namespace: dict[str, Any], printed: io.StringIO) -> Outcome:
    # dont_inherit: this module's `from __future__ import annotations` is not the program's
    code = compile(
        tree, "<cpython>", "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT, dont_inherit=True
    )
    started = eval(code, namespace)
    if started is not None:
        asyncio.run(started)
    value = namespace.get("_result_")
    if "main" in namespace and not _calls_main(tree):
        value = namespace["main"]()
        if asyncio.iscoroutine(value):
            value = asyncio.run(value)
    return ("value", to_jsonable(value, []), printed.getvalue())


def codemode_outcome(result: Any) -> Outcome:
    if result.error is None:
        return ("value", result.value, result.stdout)
    error = result.error
    message = error.message.removeprefix(f"{error.exception}: ")
    return ("raises", error.exception, message, result.stdout)


@pytest.mark.parametrize("name", sorted(PROGRAMS))
async def test_program_runs_as_in_cpython(executor: Executor, name: str) -> None:
    source = PROGRAMS[name]
    expected = await asyncio.to_thread(cpython_outcome, source)
    assert expected[0] == "value" or name.startswith("raises-"), expected  # the program is sound
    result = await Codemode(TOOLS, executor=executor, timeout=30).execute(source)
    assert codemode_outcome(result) == expected, result.error and result.error.traceback
