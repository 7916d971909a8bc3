"""Runs past their deadline inside code with no check (issue 9, cause 10): host Python code the
program called, which the policy never rewrote. Once a run has expired and still runs, the
watchdog raises `Timeout` in its thread when a frame of the run is on that thread's stack
(`_Watchdog._interrupt_stuck`): the run ends with its `timeout` error, a little late, and the
host carries on. (The subprocess executor kills the worker besides.)"""

from __future__ import annotations

import time
from typing import Any

import pytest

from codemode import Codemode, Tool
from codemode.executors import Executor

TIMEOUT = 0.5
LATE = 2.0  # generous on a loaded machine: without the interrupt these never return

STUCK: dict[str, str] = {
    # stdlib loops that never end for these arguments
    "gammavariate-inf": "import random\nrandom.gammavariate(float('inf'), 1.0)",
    "gammavariate-nan": "import random\nrandom.gammavariate(float('nan'), 1.0)",
    "betavariate-inf": "import random\nrandom.betavariate(float('inf'), float('inf'))",
    # stdlib loops that take seconds over data the program made
    "shuffle": "import random\nx = list(range(3_000_000))\nrandom.shuffle(x)",
    "deepcopy": "import copy\nx = [[i] for i in range(2_000_000)]\ncopy.deepcopy(x)",
    "textwrap": "import textwrap\ntextwrap.wrap('ab ' * 900_000, 5)",
    "fractions": (
        "import fractions\nx = fractions.Fraction(0)\nfor i in range(1, 10_000_000):\n"
        "    x += fractions.Fraction(1, i)"
    ),
    "dataclass-asdict": (
        "import dataclasses\n@dataclasses.dataclass\nclass P:\n    xs: list\n"
        "dataclasses.asdict(P([[i] for i in range(3_000_000)]))"
    ),
    # the run swallows what it can: the deadline is not an Exception, and re-raised
    "caught-by-the-program": (
        "import random\nfor _ in range(3):\n    try:\n"
        "        random.gammavariate(float('inf'), 1.0)\n    except BaseException:\n        pass"
    ),
    "in-a-task": (
        "import asyncio, random\nasync def spin():\n    random.gammavariate(float('inf'), 1.0)\n"
        "await asyncio.gather(spin())"
    ),
}


# Sizes past the single-call bounds (`test_single_calls.py`): refused before the call runs, which
# ends the run sooner still.
REFUSED_FIRST = frozenset({"shuffle", "textwrap", "dataclass-asdict"})


@pytest.mark.parametrize("name", sorted(STUCK))
async def test_a_run_stuck_in_host_code_ends_at_its_deadline(
    executor: Executor, tools: list[Any], name: str
) -> None:
    cm = Codemode(tools, executor=executor, timeout=TIMEOUT)
    start = time.monotonic()
    result = await cm.execute(STUCK[name])
    took = time.monotonic() - start
    assert result.error is not None, result
    if name in REFUSED_FIRST and result.error.type == "memory":  # sized before the call
        assert "refused before running" in result.error.message, result.error
    else:
        assert result.error.type == "timeout", result.error
    assert took < TIMEOUT + LATE, took
    after = await cm.execute("return 1")
    assert after.value == 1, after.error


async def test_the_interrupt_never_reaches_the_host(executor: Executor, tools: list[Any]) -> None:
    """Runs that end just as they are interrupted: the host's own code after each run never
    sees a `Timeout` (one still on its way is withdrawn when the run ends)."""
    cm = Codemode(tools, executor=executor, timeout=0.15)
    for _ in range(12):
        result = await cm.execute("import random\nx = list(range(150_000))\nrandom.shuffle(x)")
        assert result.error is None or result.error.type == "timeout", result.error
        total = 0
        for i in range(200_000):  # host code running right after the run, on the same thread
            total += i
        assert total == sum(range(200_000))


async def test_a_tool_or_callback_running_past_the_deadline_is_never_interrupted(
    executor: Executor,
) -> None:
    """The integrator's code (a sync tool run inline, an `on_event` callback) is trusted: the
    deadline lands when it returns, it is never cut off half way."""
    finished: list[str] = []

    def busy(seconds: float) -> str:
        """Spin in Python code (no await, no check) for `seconds`."""
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            pass
        finished.append("tool")
        return "done"

    def on_event(event: Any) -> None:
        if getattr(event, "text", "") == "spin\n":
            end = time.monotonic() + 0.6
            while time.monotonic() < end:
                pass
            finished.append("callback")

    cm = Codemode(
        [Tool.from_function(busy, threaded=False)],
        executor=executor,
        timeout=0.2,
        on_event=on_event,
    )
    result = await cm.execute(
        "await codemode.busy(seconds=0.6)\nprint('spin')\nwhile True:\n    pass"
    )
    assert result.error is not None and result.error.type == "timeout", result.error
    assert "tool" in finished
    result = await cm.execute("print('spin')\nwhile True:\n    pass")
    assert result.error is not None and result.error.type == "timeout", result.error
    assert finished.count("callback") >= 1
