"""Runs of `SubprocessExecutor` cannot touch each other: a fresh process per run by default,
frames that count only for the run in flight, and `WorkerLease` for one caller's runs in sequence.

The attacks use a relaxed policy (`os`, `gc`, `signal`, ...) to stand for a program that escaped
it: from inside its worker it can read the worker's own state (the run id included) and write
frames of its own on the worker's pipe.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from codemode import Codemode, ExecuteResult, Limits, Tool
from codemode.executors import Executor, SubprocessExecutor, ToolBridge
from codemode.executors._sandbox import DEFAULT_MODULES
from codemode.executors._subprocess import WorkerLease, WorkerUnavailable

RELAXED = (*DEFAULT_MODULES, "os", "gc", "signal", "ctypes")
Make = Callable[..., SubprocessExecutor]


async def slow(seconds: float, n: int) -> int:
    """Sleeps on the host, then returns n."""
    await asyncio.sleep(seconds)
    return n


def caller(executor: SubprocessExecutor, timeout: float = 5) -> Codemode:
    return Codemode([Tool.from_function(slow)], executor=executor, timeout=timeout)


# The worker's own run id, read from its memory, and a frame written on its pipe by hand.
FORGE = """
import gc, json, os
def worker():
    return [o for o in gc.get_objects() if type(o).__name__ == "Worker"][0]
def send(message):
    body = json.dumps(message).encode()
    os.write(4, len(body).to_bytes(4, "big") + body)
def forge_done():
    send({"t": "done", "run": worker().run_id, "value": "FORGED", "error": None})
"""

# Each leaves something behind that would answer for, or disturb, the next run on its process.
LEFTOVERS = {
    "task-surviving-cancellation": FORGE
    + """
async def later():
    for _ in range(100):
        try:
            await asyncio.sleep(0.02)
        except BaseException:
            pass
        if worker().run_id != MINE:
            forge_done()
            return
MINE = worker().run_id
asyncio.ensure_future(later())
"A"
""",
    "signal-handler": FORGE
    + """
import signal
signal.signal(signal.SIGALRM, lambda *_: forge_done())
signal.setitimer(signal.ITIMER_REAL, 0.15)
"A"
""",
    "half-a-frame": "import os\nos.write(4, b'\\x00\\x00')\n'A'",
    "stolen-input": FORGE
    + """
async def steal():
    await asyncio.sleep(0.1)
    os.set_blocking(3, False)
    try:
        os.read(3, 1 << 16)  # the next run's frame, taken before the worker sees it
    except BlockingIOError:
        pass
asyncio.ensure_future(steal())
"A"
""",
    "process-state": """
import os
os.environ["CODEMODE_LEFTOVER"] = "1"
os.chdir("/")
os.umask(0o777)
"A"
""",
}

VICTIM = """
import os
state = [os.environ.get("CODEMODE_LEFTOVER"), os.getcwd() == "/", os.umask(0o22)]
n = await codemode.slow(seconds=0.3, n=42)
[n, state]
"""


@pytest.mark.parametrize("leftover", sorted(LEFTOVERS))
async def test_nothing_a_run_leaves_reaches_another_callers_run(make: Make, leftover: str) -> None:
    executor = make(allowed_modules=RELAXED, max_workers=1)  # one process at a time
    attacker, victim = caller(executor), caller(executor)
    first = await attacker.execute(LEFTOVERS[leftover])
    assert first.value in ("A", None), first  # half a frame breaks the attacker's own run
    result = await victim.execute(VICTIM)
    assert result.ok, (leftover, result.error)
    assert result.value[0] == 42
    assert result.value[1][:2] == [None, False], result.value  # umask is the fresh process's
    stats = executor.stats()
    assert stats.failures == 0 and not stats.circuit_open


async def test_each_run_is_a_new_process_by_default(make: Make) -> None:
    executor = make(allowed_modules=RELAXED, max_workers=2)
    cm = caller(executor)
    pids = [(await cm.execute("import os\nos.getpid()")).value for _ in range(5)]
    assert len(set(pids)) == 5
    concurrent = await asyncio.gather(*(cm.execute("import os\nos.getpid()") for _ in range(6)))
    assert len({r.value for r in concurrent} | set(pids)) == 11
    assert not executor.stats().reuse_workers


async def test_a_spare_is_ready_before_the_next_run(make: Make) -> None:
    executor = make(allowed_modules=RELAXED, min_workers=1, max_workers=2)
    cm = caller(executor)
    await cm.execute("1")
    for _ in range(250):  # the spare forked when that run ended gets ready
        if executor._idle:
            break
        await asyncio.sleep(0.02)
    (spare,) = [w.pid for w in executor._idle]
    assert (await cm.execute("import os\nos.getpid()")).value == spare


# -- frames count for the run in flight only ------------------------------------------------------

FORGED_DURING_RUN = {
    "done-for-another-run": "send({'t': 'done', 'run': worker().run_id + 1, 'value': 1, 'error': None})",
    "done-without-run-id": "send({'t': 'done', 'value': 1, 'error': None})",
    "log-for-another-run": "send({'t': 'log', 'run': 1, 'stream': 'stdout', 'text': 'x'})",
    "call-without-run-id": "send({'t': 'call', 'id': 50, 'tool': 'slow', 'args': {'seconds': 0, 'n': 1}})",
    "second-ready": "send({'t': 'ready', 'pid': 1, 'layers': ['all-of-them']})",
}


@pytest.mark.parametrize("forged", sorted(FORGED_DURING_RUN))
async def test_frames_for_another_run_kill_the_worker(make: Make, forged: str) -> None:
    executor = make(allowed_modules=RELAXED, max_workers=1)
    cm = caller(executor)
    await cm.execute("1")
    layers = executor.stats().isolation
    code = FORGE + FORGED_DURING_RUN[forged] + "\nawait asyncio.sleep(1)\n'not reached'"
    result = await cm.execute(code)
    assert result.error is not None and result.error.type == "crash", (forged, result)
    assert "protocol" in result.error.message, result.error
    assert executor.stats().isolation == layers  # a forged ready changes nothing
    assert (await cm.execute("await codemode.slow(seconds=0, n=5)")).value == 5
    assert executor.stats().failures == 0


async def test_a_run_may_only_forge_its_own_result(make: Make) -> None:
    """With the run's own id a program can end its own run with a value of its choice (it could
    return that value anyway); the next caller is untouched."""
    executor = make(allowed_modules=RELAXED, max_workers=1)
    cm = caller(executor)
    result = await cm.execute(FORGE + "forge_done()\nawait asyncio.sleep(1)\n'late'")
    assert result.value == "FORGED"
    assert (await cm.execute("await codemode.slow(seconds=0, n=6)")).value == 6


# -- reuse, opted into ----------------------------------------------------------------------------


async def test_reuse_workers_keeps_one_process_with_fresh_namespaces(make: Make) -> None:
    executor = make(allowed_modules=RELAXED, max_workers=1, reuse_workers=True)
    cm = caller(executor)
    pids = {(await cm.execute("import os\nleft = 1\nos.getpid()")).value for _ in range(4)}
    assert len(pids) == 1
    result = await cm.execute("try:\n    left\nexcept NameError:\n    r = 'clean'\nr")
    assert result.value == "clean"
    assert executor.stats().reuse_workers


# -- WorkerLease: one caller's runs on one worker -------------------------------------------------


class LeaseExecutor(Executor):
    """Every run on one lease: what sessions (issue 13) will build on `executor._lease()`."""

    def __init__(self, lease: WorkerLease) -> None:
        self.lease = lease

    async def execute(self, code: str, tools: ToolBridge, limits: Limits) -> ExecuteResult:
        return await self.lease.execute(code, tools, limits)


def on_lease(cm: Codemode, lease: WorkerLease) -> Codemode:
    return cm.with_executor(LeaseExecutor(lease))


GETPID = "import os\nawait codemode.slow(seconds=0, n=0)\nos.getpid()"


async def test_a_lease_runs_one_callers_runs_on_one_process(make: Make) -> None:
    executor = make(allowed_modules=RELAXED)
    cm = caller(executor)
    lease = await executor._lease()
    leased = on_lease(cm, lease)
    try:
        pids = {(await leased.execute(GETPID)).value for _ in range(3)}
        assert pids == {lease.pid}
        assert lease.alive and not lease.ended.done()
        other = await cm.execute(GETPID)  # other callers get other processes meanwhile
        assert other.ok and other.value not in pids
        errors = await leased.execute("1 / 0")  # a run's own error does not end the lease
        assert errors.error is not None and errors.error.type == "runtime"
        assert (await leased.execute(GETPID)).value == lease.pid
    finally:
        await lease.aclose()
    assert not lease.alive
    assert await asyncio.wait_for(lease.ended, 5) is None  # closed, not lost
    result = await leased.execute("1")
    assert result.error is not None and "gone" in result.error.message, result.error


async def test_a_leases_runs_never_overlap(make: Make) -> None:
    executor = make(allowed_modules=RELAXED)
    lease = await executor._lease()
    active: list[int] = []
    overlaps: list[int] = []

    async def track(n: int) -> int:
        """Records whether another run of the lease is inside a tool call."""
        if active:
            overlaps.append(n)
        active.append(n)
        await asyncio.sleep(0.05)
        active.remove(n)
        return n

    cm = on_lease(Codemode([Tool.from_function(track)], executor=executor), lease)
    try:
        code = "await codemode.track(n=N)"
        results = await asyncio.gather(*(cm.execute(code.replace("N", str(n))) for n in range(4)))
        assert [r.value for r in results] == [0, 1, 2, 3]
        assert overlaps == []
    finally:
        await lease.aclose()


LEASE_KILLERS = {
    "segfault": ("import ctypes\nctypes.string_at(0)", "crash"),
    "host-kill-at-deadline": ("import ctypes\nctypes.CDLL(None).sleep(30)", "timeout"),
    "memory": ("x = []\nwhile True:\n    x.append(bytearray(10**7))", "memory"),
}


@pytest.mark.parametrize("killer", sorted(LEASE_KILLERS))
async def test_a_lease_learns_its_worker_died(make: Make, killer: str) -> None:
    executor = make(allowed_modules=RELAXED, memory_mb=256, grace=0.2, breaker_threshold=1)
    lease = await executor._lease()
    cm = on_lease(caller(executor, timeout=0.5), lease)
    code, kind = LEASE_KILLERS[killer]
    result = await cm.execute(code)
    assert result.error is not None and result.error.type == kind, result.error
    death = await asyncio.wait_for(lease.ended, 5)
    assert not lease.alive and death is not None and death.type == kind
    again = await cm.execute("1")
    assert again.error is not None and again.error.type == "crash"
    assert "gone" in again.error.message and death.message in again.error.message
    # the pool is unharmed: the breaker (threshold 1) stayed shut
    assert (await caller(executor).execute("2")).value == 2
    assert executor.stats().failures == 0


async def test_closing_the_executor_ends_its_leases(make: Make) -> None:
    executor = make()
    lease = await executor._lease()
    pid = lease.pid
    assert pid is not None
    await executor.aclose()
    assert not lease.alive
    assert await asyncio.wait_for(lease.ended, 5) is None
    with pytest.raises(RuntimeError, match="closed"):
        await executor._lease()


async def test_no_lease_while_the_breaker_is_open(make: Make) -> None:
    executor = make(breaker_threshold=1, breaker_cooldown=30)
    executor._config["heartbeat"] = "not a number"  # workers fail while starting
    with pytest.raises(WorkerUnavailable) as refused:
        await executor._lease()
    assert "had run no code" in refused.value.error.message
