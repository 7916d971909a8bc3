"""Who pays for a fault in `SubprocessExecutor`: a program's own crash costs its run and nothing
else; only failures of the machinery (the zygote, forking, workers that never become ready) count
towards the circuit breaker; a configuration no worker can start under is refused up front.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import Callable
from typing import Any

import pytest

from codemode import Codemode, Tool
from codemode.executors import SubprocessExecutor
from codemode.executors._sandbox import DEFAULT_MODULES

RELAXED = (*DEFAULT_MODULES, "os", "ctypes", "signal")
Make = Callable[..., SubprocessExecutor]


async def ident(n: int) -> int:
    """Returns n."""
    return n


def caller(executor: SubprocessExecutor, timeout: float = 5) -> Codemode:
    return Codemode([Tool.from_function(ident)], executor=executor, timeout=timeout)


# Programs that bring their own worker down, each by another route. The policy may refuse some
# of them one day (the C-stack ones); then they cost their run an error of another kind, which
# is just as well: what is checked is that they cost nothing else.
FAULTS = {
    "segfault": "import ctypes\nctypes.string_at(0)",
    "abort": "import ctypes\nctypes.CDLL(None).abort()",
    "exit": "import ctypes\nctypes.CDLL(None).exit(3)",
    "sigkill-self": "import os\nos.kill(os.getpid(), 9)",
    "c-stack-hash": "t = ()\nfor _ in range(10**6):\n    t = (t,)\nhash(t)",
    "c-stack-iterators": "it = [1]\nfor _ in range(10**6):\n    it = map(abs, it)\nlist(it)",
    "alarm": "import signal\nsignal.setitimer(signal.ITIMER_REAL, 0.1)\nawait asyncio.sleep(3)",
    "host-kill-at-deadline": "import ctypes\nctypes.CDLL(None).sleep(30)",
    "memory": "x = []\nwhile True:\n    x.append(bytearray(10**7))",
    "broken-protocol": "import os\nos.write(4, b'\\x00\\x00\\x00\\x05hello')\nawait asyncio.sleep(1)",
    "stopped": "import os\nos.kill(os.getpid(), 19)  # SIGSTOP: silent until killed",
}


@pytest.mark.parametrize("fault", sorted(FAULTS))
async def test_a_programs_own_crash_costs_its_run_only(make: Make, fault: str) -> None:
    executor = make(
        allowed_modules=RELAXED,
        max_workers=1,
        memory_mb=256,
        grace=0.2,
        unresponsive_after=0.5,
        breaker_threshold=1,
        breaker_window=60,
    )
    attacker, victim = caller(executor, timeout=0.5), caller(executor)
    code = FAULTS[fault]
    for _ in range(2):  # past the breaker's threshold
        result = await attacker.execute(code)
        assert result.error is not None, (fault, result)
        assert result.error.type != "overloaded", (fault, result.error)
    result = await victim.execute("await codemode.ident(n=7)")
    assert result.value == 7, (fault, result.error)
    stats = executor.stats()
    assert stats.failures == 0 and not stats.circuit_open, stats


async def test_many_segfaults_in_a_row_and_in_parallel_lock_nobody_out(make: Make) -> None:
    executor = make(allowed_modules=RELAXED, max_workers=3, breaker_threshold=3)
    attacker, victim = caller(executor), caller(executor)
    for _ in range(6):
        result = await attacker.execute(FAULTS["segfault"])
        assert result.error is not None and "SIGSEGV" in result.error.message
    crashing = [attacker.execute(FAULTS["segfault"]) for _ in range(12)]
    normal = [victim.execute(f"await codemode.ident(n={n})") for n in range(6)]
    results = await asyncio.gather(*crashing, *normal)
    assert [r.value for r in results[12:]] == list(range(6)), [r.error for r in results[12:]]
    assert all(r.error is not None and r.error.type == "crash" for r in results[:12])
    stats = executor.stats()
    assert stats.crashes == 18 and stats.failures == 0 and not stats.circuit_open


# -- failures of the machinery ------------------------------------------------------------------


async def wait_for(condition: Callable[[], bool], seconds: float = 10) -> None:
    for _ in range(int(seconds / 0.01)):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("condition not met in time")


async def test_a_dying_zygote_opens_the_breaker(make: Make) -> None:
    executor = make(breaker_threshold=2, breaker_cooldown=0.5)
    cm = caller(executor)
    for n in range(2):
        assert (await cm.execute("1")).value == 1
        assert executor._zygote is not None
        os.kill(executor._zygote.process.pid, signal.SIGKILL)
        await wait_for(lambda n=n: executor.stats().failures == n + 1)  # type: ignore[misc]
    result = await cm.execute("1")
    assert result.error is not None and result.error.type == "overloaded", result.error
    assert "circuit breaker" in result.error.message
    assert "template process died" in result.error.message
    await asyncio.sleep(0.6)
    assert (await cm.execute("2")).value == 2  # a new zygote after the cooldown


async def test_workers_that_never_become_ready_open_the_breaker(make: Make) -> None:
    executor = make(breaker_threshold=3, breaker_cooldown=30)
    executor._config["heartbeat"] = "not a number"  # every worker fails while starting
    cm = caller(executor)
    errors = [(await cm.execute("1")).error for _ in range(4)]
    for error in errors:  # refused at once or by the breaker, each naming the cause
        assert error is not None and error.type in ("crash", "overloaded"), error
        assert "had run no code" in error.message and "code 70" in error.message, error
    last = errors[-1]
    assert last is not None and last.type == "overloaded" and "circuit breaker" in last.message
    assert executor.stats().failures >= 3 and executor.stats().circuit_open


async def test_a_zygote_that_cannot_start_says_why(make: Make) -> None:
    executor = make(breaker_threshold=1, breaker_cooldown=30)
    executor._config["allowed_modules"] = ["json"]  # past the check in __init__, as if it erred
    result = await caller(executor).execute("1")
    assert result.error is not None, result
    assert "ImportPolicyError" in result.error.message, result.error
    assert "asyncio" in result.error.message


async def test_a_missing_interpreter_is_a_failure_not_an_exception(
    make: Make, monkeypatch: pytest.MonkeyPatch
) -> None:
    executor = make(breaker_threshold=2, breaker_cooldown=30)
    monkeypatch.setattr(sys, "executable", "/nonexistent/python3")
    cm = caller(executor)
    first = await cm.execute("1")
    assert first.error is not None and "could not start" in first.error.message, first.error
    second = await cm.execute("1")
    assert second.error is not None and second.error.type == "overloaded", second.error
    monkeypatch.undo()


# -- a configuration no worker can run under -----------------------------------------------------


@pytest.mark.parametrize(
    "modules",
    [["json"], [], ("math", "re"), (m for m in DEFAULT_MODULES if m != "asyncio")],
    ids=["json-only", "nothing", "tuple", "generator"],
)
def test_allowed_modules_without_what_the_worker_needs_are_refused(modules: Any) -> None:
    with pytest.raises(ValueError, match="allowed_modules must include asyncio"):
        SubprocessExecutor(allowed_modules=modules)


def test_allowed_modules_as_one_string_is_refused() -> None:
    with pytest.raises(TypeError, match="not one string"):
        SubprocessExecutor(allowed_modules="asyncio")


async def test_a_minimal_module_list_runs(make: Make) -> None:
    result = await caller(make(allowed_modules=["asyncio"])).execute("await codemode.ident(n=3)")
    assert result.value == 3, result.error
