"""In-process executor speed, as ratios against plain CPython measured in the same run.

    python benchmarks/inprocess_bench.py

Floors: CPython `exec` of the same async program in a fresh copy of a plain namespace built once
(tools as plain async functions awaited directly), on the same event loop. Each figure is the best
of several rounds.
"""

from __future__ import annotations

import asyncio
import gc
import time
from collections.abc import Awaitable, Callable
from typing import Any

from programs import REALISTIC, TRIVIAL, lookup, noop

from codemode import Codemode, Tool
from codemode.executors import InProcessExecutor

CPU_LOOP = "def main():\n    return sum(i * i for i in range(200_000))\n"
# Containers that live: each collection measures the young ones (`_sandbox/_depth.py`).
ALLOCATING = (
    "def main():\n"
    "    rows = [(i, (i, i + 1), {'id': i, 'tags': [i]}) for i in range(50_000)]\n"
    "    return len(rows)\n"
)

TOOL_LOOP = (
    "async def main():\n    for i in range(N):\n        await codemode.noop(x=i)\n    return N\n"
)
TOOL_CALLS = 20_000


async def refund(order_id: str) -> str:
    """A tool that needs approval (the benchmark never calls it)."""
    return order_id


def plain_namespace() -> dict[str, Any]:
    class Tools:
        pass

    tools = Tools()
    tools.lookup = lookup  # type: ignore[attr-defined]
    tools.noop = noop  # type: ignore[attr-defined]
    return {"codemode": tools, "asyncio": asyncio, "print": lambda *a, **k: None}


# Built once, outside every timed region: defining a class and filling an object are no part of
# what CPython must do to run a program (an earlier floor did it per run, ~5 us, which made the
# ratios look better than they were).
PLAIN = plain_namespace()


async def cpython_run(code: Any) -> Any:
    namespace = dict(PLAIN)  # each run its own globals, as the executor gives each run
    exec(code, namespace)
    result = namespace["main"]()
    return await result if asyncio.iscoroutine(result) else result


async def best_of(fn: Callable[[], Awaitable[Any]], number: int, rounds: int = 5) -> float:
    """Seconds per call, best round."""
    times = []
    for _ in range(rounds):
        gc.collect()
        start = time.perf_counter()
        for _ in range(number):
            await fn()
        times.append((time.perf_counter() - start) / number)
    return min(times)


def row(label: str, ours: float, floor: float, target: str) -> None:
    print(
        f"{label:<44} {ours * 1e6:>10.1f} us {floor * 1e6:>10.1f} us {ours / floor:>7.2f}x   {target}"
    )


async def main() -> None:
    cm = Codemode(
        [Tool.from_function(lookup), Tool.from_function(noop)],
        executor=InProcessExecutor(),
        timeout=30,
        max_tool_calls=None,
    )
    print(f"{'':<44} {'codemode':>13} {'CPython':>13} {'ratio':>8}   target")

    for label, code, number in (
        ("repeated code: trivial program", TRIVIAL, 2000),
        ("repeated code: 30-line realistic program", REALISTIC, 500),
    ):
        compiled = compile(code, "<bench>", "exec")
        result = await cm.execute(code)
        assert result.ok, result.error
        ours = await best_of(lambda code=code: cm.execute(code), number)
        floor = await best_of(lambda compiled=compiled: cpython_run(compiled), number)
        row(label, ours, floor, "< 2x of precompiled CPython")

    # A session's run: the namespace is kept, and the memory its runs grew the process by is read
    # as each run ends (what keeps the session under one memory limit). Floor: exec in one dict.
    kept = dict(PLAIN)
    trivial = compile(TRIVIAL, "<bench>", "exec")

    async def floor_kept() -> None:
        exec(trivial, kept)
        result = kept["main"]()
        await result if asyncio.iscoroutine(result) else result

    async with cm.session() as session:
        result = await session.execute(TRIVIAL)
        assert result.ok, result.error
        ours_session = await best_of(lambda: session.execute(TRIVIAL), 2000)
    row(
        "repeated code: trivial program, in a session",
        ours_session,
        await best_of(floor_kept, 2000),
        "",
    )

    counter = iter(range(10**9))

    async def ours_new() -> None:
        result = await cm.execute(REALISTIC + f"# {next(counter)}\n")
        assert result.ok

    async def floor_new() -> None:
        await cpython_run(compile(REALISTIC + f"# {next(counter)}\n", "<bench>", "exec"))

    row(
        "new code: compile + run (realistic)",
        await best_of(ours_new, 200),
        await best_of(floor_new, 200),
        "< 3x of CPython compile + run",
    )

    loop_code = compile(CPU_LOOP, "<bench>", "exec")
    ours_loop = await best_of(lambda: cm.execute(CPU_LOOP), 10)
    floor_loop = await best_of(lambda: cpython_run(loop_code), 10)
    row("CPU loop: sum(i*i for i in range(200k))", ours_loop, floor_loop, "< 2x of CPython")

    alloc_code = compile(ALLOCATING, "<bench>", "exec")
    ours_alloc = await best_of(lambda: cm.execute(ALLOCATING), 10)
    floor_alloc = await best_of(lambda: cpython_run(alloc_code), 10)
    row("allocating: 50k nested records", ours_alloc, floor_alloc, "")

    tool_code = TOOL_LOOP.replace("N", str(TOOL_CALLS))
    tool_compiled = compile(tool_code, "<bench>", "exec")
    result = await cm.execute(tool_code)
    assert result.ok and len(result.tool_calls) == TOOL_CALLS, result.error
    ours_calls = await best_of(lambda: cm.execute(tool_code), 1, rounds=5) / TOOL_CALLS
    floor_calls = await best_of(lambda: cpython_run(tool_compiled), 1, rounds=5) / TOOL_CALLS
    row("tool call from model code (validated, traced)", ours_calls, floor_calls, "< 5 us per call")
    # With a tool that requires approval (never called here) every call is journaled.
    guarded = Codemode(
        [*cm.tools, Tool.from_function(refund, requires_approval=True)],
        executor=InProcessExecutor(),
        timeout=30,
        max_tool_calls=None,
    )
    result = await guarded.execute(tool_code)
    assert result.ok and len(result.tool_calls) == TOOL_CALLS, result.error
    journaled = await best_of(lambda: guarded.execute(tool_code), 1, rounds=5) / TOOL_CALLS
    row("the same in a run that may pause (journaled)", journaled, floor_calls, "")
    print(f"\nper-call overhead over a plain await: {(ours_calls - floor_calls) * 1e6:.2f} us")

    # How late does the deadline land? CPU-bound code is stopped by the watchdog thread,
    # awaiting code by a loop timer.
    for label, code in (
        ("CPU-bound (while True: pass)", "while True:\n    pass"),
        ("awaiting (asyncio.sleep(60))", "await asyncio.sleep(60)"),
    ):
        lates = []
        for _ in range(5):
            start = time.perf_counter()
            result = await cm.execute(code, timeout=0.2)
            assert result.error is not None and result.error.type == "timeout"
            lates.append(time.perf_counter() - start - 0.2)
        print(f"timeout=0.2s, {label}: returned {max(lates) * 1000:.1f} ms late at worst")


if __name__ == "__main__":
    asyncio.run(main())
