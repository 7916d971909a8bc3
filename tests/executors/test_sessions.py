"""Sessions on every executor: state across runs, reset, expiry, serialised runs, limits."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from codemode import Codemode, ExecuteResult, Session
from codemode.executors import Executor
from codemode.executors._sandbox import resident_memory

MARKS: list[str] = []


async def mark(label: str) -> str:
    """Record a label, in the order the calls arrive."""
    MARKS.append(label)
    return label


async def double(x: int) -> int:
    return 2 * x


@pytest.fixture
def cm(executor: Executor) -> Codemode:
    return Codemode([mark, double], executor=executor, timeout=10)


def system_lines(result: Any) -> str:
    return "\n".join(entry.text for entry in result.logs if entry.stream == "system")


async def test_top_level_names_stay_for_the_next_run(cm: Codemode) -> None:
    async with cm.session() as session:
        first = await session.execute(
            "import json\n"
            "total = await codemode.double(x=21)\n"
            "def describe(v):\n"
            "    n = 0\n"
            "    for _ in range(3):\n"
            "        n += 1\n"
            "    return json.dumps({'v': v, 'n': n})\n"
            "class Box:\n"
            "    size = 3\n"
            "async def more(v):\n"
            "    return await codemode.double(x=v)\n"
            "total"
        )
        assert first.ok and first.value == 42, first.error
        second = await session.execute("[describe(total), Box.size, await more(total)]")
        assert second.ok, second.error
        assert second.value == ['{"v": 42, "n": 3}', 3, 84]
        assert [call.name for call in second.tool_calls] == ["double"]  # traced in this run
        third = await session.execute("total = total + 1\ntotal")
        assert third.value == 43
        fourth = await session.execute("async def main():\n    return total * 2")
        assert fourth.value == 86, fourth.error


async def test_sessions_do_not_share_names(cm: Codemode) -> None:
    async with cm.session() as one, cm.session() as two:
        await one.execute("secret = 1")
        result = await two.execute("secret")
        assert result.error is not None and "NameError" in result.error.message
        plain = await cm.execute("secret")
        assert plain.error is not None and "NameError" in plain.error.message


async def test_reset_starts_over(cm: Codemode) -> None:
    async with cm.session() as session:
        await session.execute("x = 1")
        await session.reset()
        result = await session.execute("x")
        assert result.error is not None and "NameError" in result.error.message
        again = await session.execute("x = 2\nx")
        assert again.value == 2


async def test_a_failed_run_keeps_what_ran_before_it(cm: Codemode) -> None:
    async with cm.session() as session:
        await session.execute("kept = [1]")
        failed = await session.execute("kept.append(2)\n1 / 0")
        assert failed.error is not None and failed.error.type == "runtime"
        result = await session.execute("kept")
        assert result.value == [1, 2]


async def test_idle_timeout_lets_go_and_the_next_run_says_so(cm: Codemode) -> None:
    session = cm.session(idle_timeout=0.3)
    try:
        await session.execute("x = 1")
        await asyncio.sleep(0.6)
        result = await session.execute("x")
        assert result.error is not None and "NameError" in result.error.message
        assert "idle for more than 0.3 s" in system_lines(result)
        assert "names from earlier runs are gone" in system_lines(result)
        again = await session.execute("x = 5\nx")
        assert again.ok and again.value == 5 and "expired" not in system_lines(again)
    finally:
        await session.aclose()


async def test_max_lifetime_lets_go_even_when_busy(cm: Codemode) -> None:
    session = cm.session(idle_timeout=None, max_lifetime=0.5)
    try:
        await session.execute("x = 1")
        for _ in range(4):
            await asyncio.sleep(0.2)
            result = await session.execute("x")
            if not result.ok:
                break
        assert result.error is not None and "NameError" in result.error.message
        assert "maximum lifetime of 0.5 s" in system_lines(result)
    finally:
        await session.aclose()


async def test_runs_of_one_session_never_overlap(cm: Codemode) -> None:
    MARKS.clear()
    program = (
        "await codemode.mark(label='{0} start')\n"
        "await asyncio.sleep(0.2)\n"
        "await codemode.mark(label='{0} end')"
    )
    async with cm.session() as session:
        results = await asyncio.gather(
            session.execute(program.format("a")), session.execute(program.format("b"))
        )
    assert all(result.ok for result in results), [r.error for r in results]
    assert MARKS in (
        ["a start", "a end", "b start", "b end"],
        ["b start", "b end", "a start", "a end"],
    )


async def test_a_function_from_an_earlier_run_is_bound_by_this_runs_limits(
    cm: Codemode,
) -> None:
    async with cm.session() as session:
        await session.execute("def spin():\n    while True:\n        pass")
        result = await session.execute("spin()", timeout=0.5)
        assert result.error is not None and result.error.type == "timeout"
        after = await session.execute("n = 0\nfor i in range(10):\n    n += i\nn")
        assert after.ok and after.value == 45, after.error


async def test_a_refused_allocation_leaves_the_session_usable(cm: Codemode) -> None:
    async with cm.session() as session:
        await session.execute("rows = [1, 2, 3]")
        big = await session.execute("huge = 'a' * (10 ** 12)")
        assert big.error is not None and big.error.type in ("memory", "policy")
        result = await session.execute("sum(rows)")
        assert result.value == 6 or "started clean" in system_lines(result)


async def test_closed_session_refuses_to_run(cm: Codemode) -> None:
    session = cm.session()
    await session.execute("x = 1")
    await session.aclose()
    await session.aclose()  # idempotent
    assert session.closed
    with pytest.raises(RuntimeError, match="closed"):
        await session.execute("x")


def test_session_limits_must_be_positive() -> None:
    with pytest.raises(ValueError, match="idle_timeout"):
        Session(Codemode([]), idle_timeout=0)


def test_the_prompt_says_when_the_model_is_in_a_session() -> None:
    cm = Codemode([mark])
    assert "one session" not in cm.prompt()
    assert "one session" in cm.prompt(session=True)
    assert cm.session().prompt() == cm.prompt(session=True)
    assert cm.prompt(session=True).endswith(cm.prompt().partition("```python")[2])


async def test_an_earlier_runs_codemode_object_cannot_call_tools(cm: Codemode) -> None:
    async with cm.session() as session:
        first = await session.execute("kept = codemode\nfn = codemode.double\nawait fn(x=1)")
        assert first.value == 2
        for code in ("await kept.double(x=2)", "await fn(x=3)"):
            result = await session.execute(code)
            assert result.error is not None and result.error.type == "policy", result.error
            assert "earlier run" in result.error.message
            assert result.tool_calls == ()
        fine = await session.execute("await codemode.double(x=4)")
        assert fine.value == 8


# -- the subprocess executor: one pinned worker per session -------------------------------------

SUBPROCESS_ONLY = pytest.mark.parametrize("executor", ["subprocess"], indirect=True)


@SUBPROCESS_ONLY
async def test_a_session_keeps_one_worker_and_the_pool_does_not_reuse_it(
    executor: Executor,
) -> None:
    cm = Codemode([double], executor=executor, timeout=10)
    async with cm.session() as one, cm.session() as two:
        await one.execute("x = 1")
        await two.execute("x = 2")
        assert (await one.execute("x")).value == 1
        assert (await two.execute("x")).value == 2
        pids = {one._inner.pid, two._inner.pid}  # type: ignore[union-attr]
        assert len(pids) == 2 and None not in pids
        plain = await cm.execute("x")  # a run outside the sessions gets another worker
        assert plain.error is not None and "NameError" in plain.error.message


@SUBPROCESS_ONLY
async def test_a_killed_worker_is_reported_and_the_session_starts_clean(
    executor: Executor,
) -> None:
    import os
    import signal

    cm = Codemode([double], executor=executor, timeout=10)
    async with cm.session() as session:
        await session.execute("x = await codemode.double(x=4)")
        pid = session._inner.pid  # type: ignore[union-attr]
        assert pid is not None
        os.kill(pid, signal.SIGKILL)
        await asyncio.sleep(0.3)
        result = await session.execute("x")
        assert result.error is not None and "NameError" in result.error.message
        assert "worker" in system_lines(result) and "started clean" in system_lines(result)
        again = await session.execute("y = await codemode.double(x=5)\ny")
        assert again.ok and again.value == 10, again.error
        assert session._inner.pid != pid  # type: ignore[union-attr]


@SUBPROCESS_ONLY
async def test_a_run_that_kills_the_worker_ends_the_state(executor: Executor) -> None:
    cm = Codemode([double], executor=executor, timeout=10)
    async with cm.session() as session:
        await session.execute("x = 1")
        stuck = await session.execute("while True:\n    pass", timeout=0.5)
        assert stuck.error is not None and stuck.error.type == "timeout"
        result = await session.execute("x")
        assert result.error is not None and "NameError" in result.error.message
        assert "started clean" in system_lines(result)


class PeakMemory:
    """The host process's resident memory, sampled in a thread: the most it grew by."""

    def __init__(self) -> None:
        import threading

        self.start = self.peak = resident_memory()
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._done.wait(0.002):
            self.peak = max(self.peak, resident_memory())

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        self._thread.join()
        self.peak = max(self.peak, resident_memory())

    @property
    def grown_mb(self) -> float:
        return (self.peak - self.start) / 2**20


LIMIT_MB = 128
# 8 MB of state a run (four 2 MB strings): no single run is near the limit, sixteen are.
GROW = "keep.extend(['x' * 2_000_000 + str(i) for i in range(4)])\nlen(keep)"


@pytest.fixture(params=["inprocess", "subprocess"])
async def limited(request: pytest.FixtureRequest) -> AsyncIterator[tuple[Executor, int]]:
    """Each executor with a memory limit, and the limit in MB. In-process, LIMIT_MB of growth of
    the process during a session's runs; subprocess, the pinned worker's address space, twice
    that: what a fresh worker maps at first (up to ~100 MB, with malloc's arenas) counts too."""
    from codemode.executors import InProcessExecutor, SubprocessExecutor

    executor: Executor
    if request.param == "inprocess":
        limit, executor = LIMIT_MB, InProcessExecutor(memory_mb=LIMIT_MB)
    else:
        limit = 2 * LIMIT_MB
        executor = SubprocessExecutor(memory_mb=limit, max_workers=1)
    async with executor:
        yield executor, limit


async def grow_until_stopped(session: Session, runs: int) -> tuple[ExecuteResult, int]:
    """Run GROW up to `runs` times in the session: the first failure (or the last result), and
    how many runs completed before it."""
    await session.execute("keep = []")
    for done in range(runs):
        result = await session.execute(GROW)
        if not result.ok:
            return result, done
    return result, runs


async def test_the_memory_limit_holds_across_runs(limited: tuple[Executor, int]) -> None:
    executor, limit = limited
    cm = Codemode([double], executor=executor, timeout=20)
    async with cm.session() as session:
        with PeakMemory() as host:
            result, done = await grow_until_stopped(session, runs=60)
        assert result.error is not None and result.error.type == "memory", result.error
        assert done >= 8, done  # 64 MB of the session's own was still fine
        assert str(limit) in result.error.message and "memory_mb" in result.error.message
        assert host.grown_mb < limit + 32, host.grown_mb  # one run's growth, and some noise
        after = await session.execute("keep")
        assert after.error is not None and "NameError" in after.error.message
        assert "started clean" in system_lines(after) and "memory" in system_lines(after)
        assert (await session.execute("await codemode.double(x=1)")).value == 2
        again, _ = await grow_until_stopped(session, runs=4)  # clean, charged nothing again
        assert again.ok and again.value == 16, again.error


@pytest.mark.parametrize("limited", ["inprocess"], indirect=True)  # subprocess: a new worker
async def test_reset_gives_the_session_its_whole_memory_limit_again(
    limited: tuple[Executor, int],
) -> None:
    cm = Codemode([double], executor=limited[0], timeout=20)
    async with cm.session() as session:
        for _ in range(3):  # 3 x 64 MB: more than the limit in all, never in one session
            result, _ = await grow_until_stopped(session, runs=8)
            assert result.ok and result.value == 32, result.error
            await session.reset()


SMALL = "keep.extend([str(i) * 6 + 'y' for i in range(100_000)])\nlen(keep)"  # ~8 MB a run


@pytest.mark.parametrize("executor", ["inprocess"], indirect=True)
@pytest.mark.parametrize("grow", [GROW, SMALL], ids=["large", "small"])
async def test_memory_a_session_freed_is_not_held_against_it(executor: Executor, grow: str) -> None:
    # Small objects leave the allocator's arenas part used: freed, they stay charged until
    # reused, and reusing them does not grow the process again.
    cm = Codemode([double], executor=executor, timeout=20, memory_mb=LIMIT_MB)
    async with cm.session() as session:
        for _ in range(3):  # 3 x 80 MB: each round frees what the one before made
            assert (await session.execute("keep = []")).ok
            for _ in range(10):
                result = await session.execute(grow)
                assert result.ok, result.error
            assert (await session.execute("del keep")).ok


@pytest.mark.parametrize("executor", ["inprocess"], indirect=True)
async def test_the_host_growing_between_runs_is_not_charged_to_the_session(
    executor: Executor,
) -> None:
    cm = Codemode([double], executor=executor, timeout=20, memory_mb=LIMIT_MB)
    async with cm.session() as session:
        first, _ = await grow_until_stopped(session, runs=8)  # 64 MB
        assert first.ok, first.error
        hosts = b"x" * (LIMIT_MB << 20)  # the host's own, between the session's runs
        assert (await cm.execute("1")).ok  # and a run outside the session, under its own limit
        second = await session.execute(GROW)  # 72 MB of the session's own
        assert second.ok and second.value == 36, second.error
        del hosts


@pytest.mark.parametrize("executor", ["inprocess"], indirect=True)
async def test_two_sessions_taking_turns_are_each_charged_their_own(executor: Executor) -> None:
    cm = Codemode([double], executor=executor, timeout=20, memory_mb=LIMIT_MB)
    async with cm.session() as one, cm.session() as two:
        for session in (one, two):
            await session.execute("keep = []")
        for _ in range(12):  # 96 MB each, 192 MB in all: past the limit together, not alone
            for session in (one, two):
                result = await session.execute(GROW)
                assert result.ok, result.error
        assert (await one.execute("len(keep)")).value == (await two.execute("len(keep)")).value


@pytest.mark.parametrize("executor", ["inprocess"], indirect=True)
def test_sync_callers(executor: Executor) -> None:
    cm = Codemode([double], executor=executor)
    session = cm.session()
    session.execute_sync("x = await codemode.double(x=3)")
    assert session.execute_sync("x + 1").value == 7
    session.close()
    assert session.closed
    with pytest.raises(RuntimeError, match="closed"):
        session.execute_sync("x")


async def test_an_executor_without_sessions_says_so() -> None:
    from codemode.executors import ToolBridge

    class Echo(Executor):
        async def execute(self, code: str, tools: ToolBridge, limits: Any) -> Any:
            return tools.finish(value=code)

    with pytest.raises(NotImplementedError, match="Echo does not support sessions"):
        Codemode([], executor=Echo()).session()


def test_a_subprocess_session_follows_sync_callers_from_loop_to_loop() -> None:
    from codemode.executors import SubprocessExecutor

    executor = SubprocessExecutor()
    try:
        session = Codemode([double], executor=executor).session()
        first = session.execute_sync("x = await codemode.double(x=3)\nx")
        second = session.execute_sync("x + 1")  # another asyncio.run, another loop
        assert first.value == 6 and second.ok and second.value == 7, second.error
        assert not system_lines(second)
        session.close()
    finally:
        asyncio.run(executor.aclose())


async def test_an_executor_of_ones_own_offers_sessions_through_the_contract() -> None:
    from codemode.executors import ExecutorSession, ToolBridge

    class Counting(ExecutorSession):
        runs = 0
        closed = False

        async def execute(self, code: str, tools: ToolBridge, limits: Any) -> Any:
            self.runs += 1
            return tools.finish(value=self.runs)

        async def reset(self) -> None:
            self.runs, self.generation = 0, self.generation + 1

        async def aclose(self) -> None:
            self.closed = True

    made: list[Counting] = []

    class Counter(Executor):
        async def execute(self, code: str, tools: ToolBridge, limits: Any) -> Any:
            return tools.finish(value=0)

        def session(self) -> Counting:
            made.append(Counting())
            return made[-1]

    session = Codemode([], executor=Counter()).session()
    assert [(await session.execute("1")).value for _ in range(3)] == [1, 2, 3]
    await session.reset()
    assert (await session.execute("1")).value == 1
    await session.aclose()
    assert len(made) == 1 and made[0].closed


async def test_a_subprocess_session_runs_sync_inside_the_loop_its_pool_is_bound_to() -> None:
    from codemode.executors import SubprocessExecutor

    async with SubprocessExecutor() as executor:
        cm = Codemode([double], executor=executor)
        assert (await cm.execute("1")).value == 1  # the pool is bound to this running loop
        session = cm.session()
        first = session.execute_sync("x = await codemode.double(x=2)\nx")  # a helper thread
        second = session.execute_sync("x + 1")
        assert first.value == 4 and second.ok and second.value == 5, second.error
        await session.aclose()
