"""Limits that hold in one process: the deadline cannot be outrun, caught or outlived; single huge
operations are refused before they run; the host keeps running."""

from __future__ import annotations

import asyncio
import gc
import time
from typing import Any

import pytest

from codemode import Codemode, Tool
from codemode.executors import Executor

from .conftest import Run

RUNAWAYS: dict[str, str] = {
    "while-true": "while True:\n    pass",
    "busy-loop-of-small-ops": "x = 0\nwhile True:\n    x = (x + 1) % 7",
    "exponential-recursion": "def f(n):\n    return f(n - 1) + f(n - 1) if n else 1\nf(64)",
    "lambda-recursion": "f = lambda n: f(n - 1) + f(n - 1) if n else 1\nf(64)",
    "module-level-before-main": "while True:\n    pass\nasync def main():\n    return 1",
    "catch-base-exception": (
        "async def main():\n    while True:\n        try:\n            await asyncio.sleep(10)\n"
        "        except BaseException:\n            pass"
    ),
    "catch-cancelled": (
        "async def main():\n    for _ in range(100):\n        try:\n            await asyncio.sleep(10)\n"
        "        except asyncio.CancelledError:\n            continue\n    return 'escaped'"
    ),
    "bare-except": "while True:\n    try:\n        pass\n    except:\n        pass",
    "looping-finally": (
        "async def main():\n    try:\n        await asyncio.sleep(10)\n    finally:\n"
        "        while True:\n            pass"
    ),
    "return-in-finally": (
        "async def main():\n    try:\n        await asyncio.sleep(10)\n    finally:\n        return 'swallowed'"
    ),
    "immediate-tools-forever": "while True:\n    await codemode.add(a=1)",
    "sum-huge-range": "sum(range(10**12))",
    "callable-iterator": "for _ in iter(int, 1):\n    pass",
    "sum-callable-iterator": "sum(iter(int, 1))",
    "itertools-count": "import itertools\nsum(itertools.count())",
    "itertools-product": "import itertools\nfor _ in itertools.product(range(1000), repeat=5):\n    pass",
    "comprehension": "[x for x in iter(int, 1)]",
    "regex-through-match": (
        "import re\nm = re.match(r'(a|aa)+$', 'aa')\nm.re.match('a' * 40 + 'b')"
    ),
    "gather-swallowing": (
        "async def spin():\n    while True:\n        try:\n            await asyncio.sleep(10)\n"
        "        except BaseException:\n            pass\n"
        "async def main():\n    await asyncio.gather(spin(), spin(), return_exceptions=True)\n    return 'done'"
    ),
}


@pytest.mark.parametrize("name", sorted(RUNAWAYS))
async def test_runaway_code_times_out(executor: Executor, tools: list[Any], name: str) -> None:
    cm = Codemode(tools, executor=executor, timeout=0.5, max_tool_calls=None)
    result = await cm.execute(RUNAWAYS[name])
    assert result.error is not None, f"{name} finished: {result.value!r}"
    assert result.error.type == "timeout", result.error


async def test_event_loop_stays_responsive_during_runaway(
    executor: Executor, tools: list[Any]
) -> None:
    """A heartbeat on the same loop is blocked no longer than the timeout plus a margin."""
    cm = Codemode(tools, executor=executor, timeout=0.5)
    gaps: list[float] = []
    stop = asyncio.Event()

    async def heartbeat() -> None:
        last = time.monotonic()
        while not stop.is_set():
            await asyncio.sleep(0.01)
            now = time.monotonic()
            gaps.append(now - last)
            last = now

    beat = asyncio.create_task(heartbeat())
    await asyncio.sleep(0.05)
    result = await cm.execute("while True:\n    pass")
    await asyncio.sleep(0.05)
    stop.set()
    await beat
    assert result.error is not None and result.error.type == "timeout"
    assert max(gaps) < 0.5 + 1.5  # the limit holds; the margin is generous on a busy CI machine
    # and the host carries on as normal
    assert (await cm.execute("1 + 1")).value == 2


HUGE: dict[str, str] = {
    "power-tower": "10**10**10",
    "pow-builtin": "pow(10, 10**10)",
    "shift": "1 << 10**10",
    "string-repeat": "'a' * 10**10",
    "list-repeat": "[0] * 10**10",
    "repeat-variable": "n = 10**10\ns = 'ab'\ns * n",
    "augmented-repeat": "s = 'ab'\ns *= 10**10",
    "zfill": "'1'.zfill(10**10)",
    "ljust": "'x'.ljust(10**10)",
    "center-unbound": "str.center('x', 10**10)",
    "join": "('x' * 10**6).join(['a'] * 10**5)",
    "replace": "('x' * 10**5).replace('x', 'y' * 10**4)",
    "format-width": "format(1, '>10000000000')",
    "fstring-dynamic-width": "w = 10**10\nf'{1:>{w}}'",
    "percent-width": "'%010000000000d' % 1",
    "percent-star": "'%*d' % (10**10, 1)",
    "bytes": "bytes(10**10)",
    "bytearray": "bytearray(10**10)",
    "to-bytes": "(1).to_bytes(10**10, 'big')",
    "factorial": "import math\nmath.factorial(10**9)",
    "getrandbits": "import random\nrandom.getrandbits(10**10)",
    "operator-mul": "import operator\noperator.mul('a', 10**10)",
    "sum-of-lists": "sum([[0] * 1000] * 100_000, [])",
    "math-prod": "import math\nmath.prod([10**1000] * 10_000)",
}


@pytest.mark.parametrize("name", sorted(HUGE))
async def test_huge_single_operations_are_refused(run: Run, name: str) -> None:
    result = await run(HUGE[name], timeout=5)
    assert result.error is not None, f"{name} ran: {str(result.value)[:50]}"
    assert result.error.type == "memory", result.error
    assert "refused" in result.error.message


async def test_materialising_a_huge_range_is_stopped(run: Run) -> None:
    result = await run("len(list(range(10**10)))", timeout=20)
    assert result.error is not None
    assert result.error.type in ("memory", "timeout"), result.error


async def test_big_range_still_behaves_like_range(run: Run) -> None:
    code = "r = range(10**12)\n[len(r), r[5], 10**11 in r, r.stop, list(r[:3]), next(iter(r))]"
    result = await run(code)
    assert result.ok, result.error
    assert result.value == [10**12, 5, True, 10**12, [0, 1, 2], 0]


@pytest.mark.parametrize(
    "exception", ["SystemExit", "KeyboardInterrupt", "GeneratorExit", "BaseException"]
)
async def test_base_exceptions_become_error_results(run: Run, exception: str) -> None:
    result = await run(f"async def main():\n    raise {exception}('bye')")
    assert result.error is not None
    assert result.error.exception == exception
    assert result.error.type == "runtime"


async def test_deep_recursion_is_a_runtime_error(run: Run) -> None:
    result = await run("def f(n):\n    return f(n + 1)\nf(0)")
    assert result.error is not None and result.error.exception == "RecursionError"


async def test_paused_generator_finally_does_not_outlive_the_run(
    executor: Executor, tools: list[Any]
) -> None:
    calls: list[int] = []

    def record(n: int) -> int:
        calls.append(n)
        return n

    cm = Codemode(
        [*tools, Tool.from_function(record, threaded=False)], executor=executor, timeout=2
    )
    code = """
def g():
    try:
        yield 1
    finally:
        while True:
            pass

kept = []

async def main():
    gen = g()
    next(gen)
    kept.append(gen)  # still paused when the result goes back
    return 'returned'
"""
    result = await cm.execute(code)
    assert result.ok and result.value == "returned"
    del result
    gc.collect()  # closing the generator runs its finally: it must stop at once, not spin


async def test_leftover_tasks_die_with_the_execution(executor: Executor, tools: list[Any]) -> None:
    calls: list[int] = []

    async def record(n: int) -> int:
        calls.append(n)
        return n

    cm = Codemode([*tools, Tool.from_function(record)], executor=executor, timeout=5)
    code = """
async def later():
    await asyncio.sleep(0.2)
    await codemode.record(n=1)

async def main():
    asyncio.create_task(later())
    return 'left early'
"""
    result = await cm.execute(code)
    assert result.ok
    await asyncio.sleep(0.4)
    assert calls == []


async def test_timeout_reports_line(run: Run) -> None:
    result = await run("x = 1\nwhile True:\n    x += 1\n", timeout=0.3)
    assert result.error is not None and result.error.type == "timeout"
    assert result.error.line in (2, 3)
    assert "the time limit of 0.3 seconds" in result.error.message


async def test_timeout_message_says_one_second(run: Run) -> None:
    result = await run("await asyncio.sleep(30)", timeout=1)
    assert result.error is not None and result.error.type == "timeout"
    assert "the time limit of 1 second" in result.error.message
    assert "1 seconds" not in result.error.message


async def test_caller_cancellation_is_not_swallowed(run: Run) -> None:
    task = asyncio.ensure_future(run("await asyncio.sleep(10)"))
    await asyncio.sleep(0.05)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_catastrophic_regex_stops_at_the_deadline(run: Run) -> None:
    result = await run("import re\nre.match(r'(a|aa)+$', 'a' * 40 + 'b')", timeout=0.5)
    assert result.error is not None and result.error.type == "timeout"


async def test_re_facade_behaves_like_re(run: Run) -> None:
    code = (
        "import re\n"
        "p = re.compile(r'(?P<n>\\d+)', re.I)\n"
        "[re.findall(r'\\d+', 'a1b22'), re.sub(r'(\\w)', lambda m: m.group(1).upper(), 'ab'),\n"
        " p.pattern, p.search('x42').group('n'), [m.span() for m in re.finditer('a', 'aba')],\n"
        " re.split(',', 'a,b'), isinstance(p, re.Pattern), re.escape('a.b'), bool(re.IGNORECASE)]"
    )
    result = await run(code)
    assert result.ok, result.error
    assert result.value == [
        ["1", "22"],
        "AB",
        "(?P<n>\\d+)",
        "42",
        [[0, 1], [2, 3]],
        ["a", "b"],
        True,
        "a\\.b",
        True,
    ]
