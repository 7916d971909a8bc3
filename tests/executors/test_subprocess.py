"""SubprocessExecutor's own faults and layers: what model code that escapes the policy still cannot
do, what each fault turns into, and that no process outlives the executor.

Tests that need the policy relaxed (to reach `os`, `ctypes` or `socket` as an escaped program
would) say so with `RELAXED`. Tests of a layer that this machine cannot provide are skipped.
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from codemode import Codemode, Tool
from codemode.executors import SubprocessExecutor
from codemode.executors._isolation import landlock_abi
from codemode.executors._sandbox import DEFAULT_MODULES

RELAXED = (*DEFAULT_MODULES, "os", "stat", "ctypes", "socket")
ROOT = os.geteuid() == 0
LANDLOCK = landlock_abi()

Make = Callable[..., SubprocessExecutor]


@pytest.fixture
async def make() -> AsyncIterator[Make]:
    """`make(**options)`: a SubprocessExecutor closed (and checked for leftovers) after the test."""
    made: list[SubprocessExecutor] = []
    before = descendants()  # the session's shared pool, if it has started

    def build(**options: Any) -> SubprocessExecutor:
        executor = SubprocessExecutor(**options)
        made.append(executor)
        return executor

    yield build
    for executor in made:
        await executor.aclose()
    assert _new_since(before) == set()


def _new_since(before: set[int]) -> set[int]:
    """Processes below this one that were not there, nor are below one that was: the shared
    pool (started earlier in the session) forks spares of its own at any time."""
    shared = set().union(*(descendants(pid) for pid in before))
    return descendants() - before - shared


def descendants(root: int | None = None) -> set[int]:
    """Live (not zombie) processes below `root` (this process by default)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if fields[0] == "Z":
            continue
        children.setdefault(int(fields[1]), []).append(int(entry))
    found: set[int] = set()
    todo = [os.getpid() if root is None else root]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def parent_of(pid: int) -> int:
    """`pid`'s parent, or -1 once it is gone."""
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except OSError:
        return -1


def worker_pids(executor: SubprocessExecutor) -> set[int]:
    return {w.pid for w in executor._workers if w.pid is not None}


async def slow(seconds: float) -> str:
    """Sleeps on the host."""
    await asyncio.sleep(seconds)
    return "slept"


async def ident(n: int) -> int:
    """Returns n after yielding to the loop."""
    await asyncio.sleep(0)
    return n


def codemode_for(executor: SubprocessExecutor, *extra: Any, timeout: float = 5) -> Codemode:
    return Codemode([Tool.from_function(slow), Tool.from_function(ident), *extra],
                    executor=executor, timeout=timeout)  # fmt: skip


# -- the shared path ------------------------------------------------------------------------


async def test_tool_calls_logs_and_value_cross_the_pipe(make: Make) -> None:
    executor = make()
    events: list[Any] = []
    cm = codemode_for(executor)
    cm.on_event = events.append
    code = """
async def main():
    print("start")
    a, b = await asyncio.gather(codemode.ident(n=1), codemode.ident(n=2))
    print("got", a, b)
    return {"sum": a + b, "when": datetime.date(2024, 1, 2)}
import datetime
"""
    result = await cm.execute(code)
    assert result.ok, result.error
    assert result.value == {"sum": 3, "when": "2024-01-02"}
    assert result.stdout == "start\ngot 1 2\n"
    assert [(c.name, c.args, c.ok) for c in result.tool_calls] == [
        ("ident", {"n": 1}, True),
        ("ident", {"n": 2}, True),
    ]
    assert [type(e).__name__ for e in events].count("ToolCall") == 2


async def test_logs_stream_while_the_program_runs(make: Make) -> None:
    executor = make()
    seen_before_tool: list[str] = []

    async def probe() -> str:
        """Looks at what arrived so far."""
        seen_before_tool.extend(text for text in streamed)
        return "ok"

    streamed: list[str] = []
    cm = codemode_for(executor, Tool.from_function(probe))
    cm.on_event = lambda e: streamed.append(getattr(e, "text", ""))
    result = await cm.execute("print('early')\nawait codemode.probe()\n'done'")
    assert result.ok, result.error
    assert "early\n" in seen_before_tool


async def test_errors_keep_line_and_type(make: Make) -> None:
    cm = codemode_for(make())
    result = await cm.execute("x = 1\ny = x / 0\n")
    assert result.error is not None and result.error.type == "runtime"
    assert result.error.line == 2 and "ZeroDivisionError" in result.error.message
    result = await cm.execute("import subprocess")
    assert result.error is not None and result.error.type == "policy"
    result = await cm.execute("def f(:\n  pass")
    assert result.error is not None and result.error.type == "syntax"


async def test_tool_errors_are_raised_in_model_code(make: Make) -> None:
    async def boom() -> None:
        """Fails."""
        raise ValueError("no luck")

    cm = codemode_for(make(), Tool.from_function(boom))
    code = """
try:
    await codemode.boom()
except ToolError as exc:
    caught = str(exc)
bad = None
try:
    await codemode.ident(n="x")
except ToolArgumentError as exc:
    bad = str(exc)
[caught, bad]
"""
    result = await cm.execute(code)
    assert result.ok, result.error
    assert "no luck" in result.value[0]
    assert "ident()" in result.value[1]


@pytest.mark.parametrize("reuse_workers", [False, True])
def test_execute_sync_keeps_the_pool_across_event_loops(reuse_workers: bool) -> None:
    before = descendants()
    executor = SubprocessExecutor(allowed_modules=RELAXED, reuse_workers=reuse_workers)
    cm = codemode_for(executor)
    code = "import os\nawait codemode.ident(n=4)\nos.getpid()"
    try:
        first = cm.execute_sync(code).value
        assert worker_pids(executor)  # a spare forked meanwhile, or the same worker
        second = cm.execute_sync(code).value
        assert isinstance(second, int)
        assert (first == second) is reuse_workers  # reused: the warm worker moved over
    finally:
        asyncio.run(executor.aclose())
    assert _new_since(before) == set()


# -- reuse without leftovers ------------------------------------------------------------------


async def test_each_run_gets_a_fresh_namespace(make: Make) -> None:
    executor = make(max_workers=1, reuse_workers=True)
    cm = codemode_for(executor)
    assert (await cm.execute("leftover = 42\nclass K:\n    pass\nK.x = 1\n1")).ok
    pids = worker_pids(executor)
    result = await cm.execute("try:\n    leftover\nexcept NameError:\n    r = 'clean'\nr")
    assert result.value == "clean"
    assert worker_pids(executor) == pids  # the same worker


async def test_workers_are_recycled_after_violations_and_on_request(make: Make) -> None:
    executor = make(max_workers=1, max_runs_per_worker=3, reuse_workers=True)
    cm = codemode_for(executor)
    await cm.execute("1")
    first = worker_pids(executor)
    await cm.execute("import os")  # a policy violation
    await cm.execute("1")
    second = worker_pids(executor)
    assert second and second != first
    await cm.execute("1")
    await cm.execute("1")  # the third run on this worker
    await cm.execute("1")
    assert worker_pids(executor) not in (first, second)

    cm = codemode_for(make(max_workers=1, allowed_modules=RELAXED))  # the default: fresh
    seen = {(await cm.execute("import os\nos.getpid()")).value for _ in range(3)}
    assert len(seen) == 3


# -- faults -------------------------------------------------------------------------------------


async def test_runaway_cpu_is_stopped_and_the_worker_replaced(make: Make) -> None:
    executor = make(max_workers=1, grace=0.3, allowed_modules=RELAXED)
    cm = codemode_for(executor, timeout=0.5)
    await cm.execute("1")
    before = worker_pids(executor)
    result = await cm.execute("while True:\n    pass")
    assert result.error is not None and result.error.type == "timeout"
    # One long C call that no check inside the worker can interrupt: the host kills the worker.
    result = await cm.execute("import ctypes\nctypes.CDLL(None).sleep(30)")
    assert result.error is not None and result.error.type == "timeout", result.error
    assert "killed" in result.error.message
    assert (await cm.execute("2")).value == 2
    assert worker_pids(executor).isdisjoint(before)
    stats = executor.stats()
    assert stats.crashes == 0 and stats.failures == 0 and stats.restarts >= 1


async def test_huge_allocation_is_a_memory_error(make: Make) -> None:
    executor = make(max_workers=1, memory_mb=256)
    cm = codemode_for(executor, timeout=20)
    result = await cm.execute("bytearray(10**10)")
    assert result.error is not None and result.error.type == "memory"
    # Growing step by step passes every single-operation check; the address-space limit holds.
    result = await cm.execute("x = []\nwhile True:\n    x.append(bytearray(10**7))")
    assert result.error is not None and result.error.type == "memory", result.error
    assert "memory_mb=256" in result.error.message  # the model learns what the bound was
    assert (await cm.execute("[1] * 3")).value == [1, 1, 1]


async def test_fork_is_refused(make: Make) -> None:
    executor = make(allowed_modules=RELAXED)
    cm = codemode_for(executor)
    assert (await cm.execute("import os\nos.getpid()")).ok
    result = await cm.execute("import os\nos.fork()")
    assert result.error is not None and result.error.type == "runtime", result.error
    assert "OSError" in (result.error.exception or "") or "Error" in (result.error.exception or "")
    # every process below us is a zygote (our child) or a worker it forked: none forked by a
    # worker (the session's shared pool may be there too)
    below = descendants()
    zygotes = {pid for pid in below if parent_of(pid) == os.getpid()}
    assert {parent_of(pid) for pid in below} <= {os.getpid(), *zygotes, -1}


ONLY_UID = pytest.param(
    {"landlock": False},
    marks=pytest.mark.skipif(not ROOT, reason="the uid layer needs a root host"),
    id="uid-and-limits",
)
ONLY_LANDLOCK = pytest.param(
    {"drop_privileges": False, "network_namespace": False},
    marks=pytest.mark.skipif(LANDLOCK < 6, reason="needs Landlock ABI 6"),
    id="landlock-and-limits",
)
ALL_LAYERS = pytest.param({}, id="all-layers")


@pytest.mark.parametrize("layers", [ALL_LAYERS, ONLY_UID, ONLY_LANDLOCK])
async def test_file_writes_are_refused(make: Make, tmp_path: Path, layers: dict[str, bool]) -> None:
    canary = tmp_path / "canary"
    tmp_path.chmod(0o777)  # even a directory anyone may write to
    cm = codemode_for(make(allowed_modules=RELAXED, **layers))
    result = await cm.execute(f"open({str(canary)!r}, 'w').write('x')")
    assert result.error is not None and result.error.type == "policy"
    code = f"import os\nfd = os.open({str(canary)!r}, os.O_WRONLY | os.O_CREAT)\nos.write(fd, b'x')"
    result = await cm.execute(code)
    assert result.error is not None and result.error.type == "runtime"
    assert not canary.exists() or canary.read_bytes() == b""


ENV_PROBE = """
import os
leaks = []
if SECRET in str(dict(os.environ)):
    leaks.append("environ")
try:
    fd = os.open("/proc/{host}/environ", os.O_RDONLY)
    leaks.append(str(os.read(fd, 100000)))
except OSError:
    pass
for target in ({host}, os.getppid()):  # the host, and the zygote that forked us
    try:
        os.kill(target, 0)
        leaks.append(f"signal {target}")
    except OSError:
        pass
leaks
"""


@pytest.mark.parametrize("layers", [ALL_LAYERS, ONLY_UID, ONLY_LANDLOCK])
async def test_the_host_environment_and_process_are_out_of_reach(
    make: Make, monkeypatch: pytest.MonkeyPatch, layers: dict[str, bool]
) -> None:
    secret = "codemode-test-secret-9d1f"
    monkeypatch.setenv("CODEMODE_TEST_SECRET", secret)
    cm = codemode_for(make(allowed_modules=RELAXED, **layers))
    code = ENV_PROBE.replace("SECRET", repr(secret)).replace("{host}", str(os.getpid()))
    result = await cm.execute(code)
    assert result.ok, result.error
    assert result.value == []
    assert secret not in json.dumps(result.to_dict())


@pytest.mark.parametrize("layers", [ALL_LAYERS, ONLY_LANDLOCK])
async def test_running_programs_is_refused(make: Make, layers: dict[str, bool]) -> None:
    """Without Landlock `execve` works (the program keeps the uid, limits and namespace)."""
    if not LANDLOCK:
        pytest.skip("needs Landlock")
    cm = codemode_for(make(allowed_modules=RELAXED, **layers))
    result = await cm.execute("import os\nos.execv('/bin/true', ['true'])")
    assert result.error is not None and result.error.type == "runtime", result.error
    assert "PermissionError" in result.error.message


async def test_workers_cannot_reach_each_other(make: Make) -> None:
    executor = make(allowed_modules=RELAXED, min_workers=2, max_workers=2, reuse_workers=True)
    cm = codemode_for(executor)
    await executor.start()
    await asyncio.gather(cm.execute("1"), cm.execute("1"))
    pids = sorted(worker_pids(executor))
    assert len(pids) == 2
    # Only the worker's own pipes are open: no descriptor leads to the zygote or a sibling.
    code = """
import os
import stat
kinds = {}
for fd in range(64):
    try:
        mode = os.fstat(fd).st_mode
    except OSError:
        continue
    kinds[fd] = "fifo" if stat.S_ISFIFO(mode) else "sock" if stat.S_ISSOCK(mode) else "other"
kinds
"""
    result = await cm.execute(code)
    assert result.ok, result.error
    fifos = [fd for fd, kind in result.value.items() if kind == "fifo"]
    assert fifos == ["3", "4"], result.value
    if LANDLOCK >= 6:  # all workers share one uid: Landlock's signal scope keeps them apart
        result = await cm.execute(f"import os\nfor p in {pids}:\n    os.kill(p, 0)")
        # a worker may find itself in the list; signalling the other one must fail
        assert result.error is not None and "PermissionError" in result.error.message


@pytest.mark.parametrize(
    "layers",
    [
        ALL_LAYERS,
        pytest.param(
            {"landlock": False},
            marks=pytest.mark.skipif(not ROOT, reason="a network namespace needs a root host"),
            id="netns-and-uid",
        ),
        pytest.param(
            {"network_namespace": False, "drop_privileges": False},
            marks=pytest.mark.skipif(LANDLOCK < 4, reason="needs Landlock ABI 4 (TCP)"),
            id="landlock-only",
        ),
    ],
)
async def test_network_is_unreachable(make: Make, layers: dict[str, bool]) -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    port = listener.getsockname()[1]
    try:
        cm = codemode_for(make(allowed_modules=RELAXED, **layers))
        code = (
            f"import socket\ns = socket.socket()\ns.settimeout(2)\ns.connect(('127.0.0.1', {port}))"
        )
        result = await cm.execute(code)
        assert result.error is not None and result.error.type == "runtime", result.error
    finally:
        listener.close()


async def test_segfault_is_a_crash(make: Make, caplog: pytest.LogCaptureFixture) -> None:
    executor = make(allowed_modules=RELAXED, max_workers=1)
    cm = codemode_for(executor)
    with caplog.at_level("WARNING", logger="codemode.executors.subprocess"):
        result = await cm.execute("import ctypes\nctypes.string_at(0)")
    assert result.error is not None and result.error.type == "crash"
    assert "SIGSEGV" in result.error.message
    assert "SIGSEGV" in caplog.text  # the host's log says so too
    assert (await cm.execute("3")).value == 3
    stats = executor.stats()
    assert stats.crashes == 1 and stats.failures == 0  # the program's doing, not the pool's


async def test_abrupt_exit_is_a_crash(make: Make) -> None:
    executor = make(allowed_modules=RELAXED, max_workers=1)
    cm = codemode_for(executor)
    result = await cm.execute("import os\nos._exit(3)")
    assert result.error is not None and result.error.type == "policy"  # the policy holds first
    result = await cm.execute("import ctypes\nctypes.CDLL(None).exit(3)")
    assert result.error is not None and result.error.type == "crash"
    assert "code 3" in result.error.message
    assert (await cm.execute("4")).value == 4


async def test_deadlocked_tool_call_times_out_and_is_cancelled(make: Make) -> None:
    stuck = asyncio.Event()
    state: list[str] = []

    async def wait_forever() -> None:
        """Never returns."""
        try:
            await stuck.wait()
        finally:
            state.append("cancelled")

    cm = codemode_for(make(), Tool.from_function(wait_forever), timeout=0.5)
    result = await cm.execute("await codemode.wait_forever()")
    assert result.error is not None and result.error.type == "timeout"
    await asyncio.sleep(0.05)
    assert state == ["cancelled"]
    assert result.tool_calls[0].error == "cancelled"


@pytest.mark.parametrize("reuse_workers", [False, True])
async def test_a_call_left_pending_does_not_break_the_worker(
    make: Make, reuse_workers: bool
) -> None:
    executor = make(max_workers=1, reuse_workers=reuse_workers)
    cm = codemode_for(executor)
    code = "async def main():\n    asyncio.create_task(codemode.slow(seconds=5))\n    await asyncio.sleep(0.05)\n    return 'left'"
    assert (await cm.execute(code)).value == "left"
    pids = worker_pids(executor)
    await asyncio.sleep(0.1)  # the leftover call is cancelled in the worker after the result
    assert (await cm.execute("6")).value == 6
    assert executor.stats().crashes == 0
    if reuse_workers:
        assert worker_pids(executor) == pids


async def test_calls_from_one_program_run_concurrently(make: Make) -> None:
    ready = asyncio.Event()

    async def wait_for_b() -> str:
        """Waits until b() has run."""
        await ready.wait()
        return "a"

    async def b() -> str:
        """Unblocks wait_for_b()."""
        ready.set()
        return "b"

    cm = codemode_for(make(), Tool.from_function(wait_for_b), Tool.from_function(b), timeout=5)
    result = await cm.execute("await asyncio.gather(codemode.wait_for_b(), codemode.b())")
    assert result.value == ["a", "b"], result.error


async def test_a_hundred_concurrent_runs_through_three_workers(make: Make) -> None:
    executor = make(max_workers=3)
    cm = codemode_for(executor, timeout=30)
    code = "async def main():\n    a = await codemode.ident(n=N)\n    print(N)\n    return [a, await codemode.ident(n=N)]"
    results = await asyncio.gather(*(cm.execute(code.replace("N", str(n))) for n in range(100)))
    for n, result in enumerate(results):
        assert result.ok, result.error
        assert result.value == [n, n]
        assert result.stdout == f"{n}\n"
        assert [c.args for c in result.tool_calls] == [{"n": n}, {"n": n}]
    stats = executor.stats()
    assert stats.runs == 100 and stats.workers <= 3 and stats.crashes == 0


async def test_killing_a_worker_mid_run(make: Make) -> None:
    executor = make(max_workers=1)
    cm = codemode_for(executor)
    task = asyncio.create_task(cm.execute("await codemode.slow(seconds=5)"))
    while not executor.stats().busy or not worker_pids(executor):
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.1)
    (pid,) = worker_pids(executor)
    os.kill(pid, signal.SIGKILL)
    result = await task
    assert result.error is not None and result.error.type == "crash"
    assert "SIGKILL" in result.error.message
    assert (await cm.execute("5")).value == 5


async def test_a_silent_worker_is_detected(make: Make) -> None:
    executor = make(max_workers=1, unresponsive_after=0.5)
    cm = codemode_for(executor)
    task = asyncio.create_task(cm.execute("await codemode.slow(seconds=30)", timeout=None))
    while not executor.stats().busy or not worker_pids(executor):
        await asyncio.sleep(0.01)
    (pid,) = worker_pids(executor)
    os.kill(pid, signal.SIGSTOP)
    result = await asyncio.wait_for(task, 10)
    assert result.error is not None and result.error.type == "crash"
    assert "stopped answering" in result.error.message


async def test_full_queue_is_overloaded(make: Make) -> None:
    executor = make(max_workers=1, max_queue=1)
    cm = codemode_for(executor)
    runs = [asyncio.create_task(cm.execute("await codemode.slow(seconds=0.3)")) for _ in range(3)]
    await asyncio.sleep(0.05)
    assert executor.stats().queued >= 1
    results = await asyncio.gather(*runs)
    kinds = sorted(r.error.type if r.error else "ok" for r in results)
    assert kinds == ["ok", "ok", "overloaded"]


async def test_forged_frames_are_refused(make: Make) -> None:
    """An escaped program writing its own frames on its pipe: bad ids, unknown tools, junk."""
    calls: list[str] = []

    async def secret() -> str:
        """Must never run."""
        calls.append("ran")
        return "secret"

    executor = make(allowed_modules=RELAXED, max_workers=1)
    cm = Codemode([Tool.from_function(ident)], executor=executor, timeout=5)
    Codemode([Tool.from_function(secret)], executor=executor)  # registered, but not for `cm`
    frame = "import json, os\ndef send(m):\n    b = json.dumps(m).encode()\n    os.write(4, len(b).to_bytes(4, 'big') + b)\n"
    forged: list[tuple[str, str]] = [
        ("stale id", "send({'t': 'call', 'id': 0, 'tool': 'ident', 'args': {'n': 1}})"),
        ("junk", "os.write(4, b'\\x00\\x00\\x00\\x05hello')"),
        ("oversize", "os.write(4, (2**31).to_bytes(4, 'big'))"),
        ("bad result", "send({'t': 'done', 'error': {'type': 'pwned', 'message': 1}})"),
    ]
    for what, line in forged:
        result = await cm.execute(frame + line + "\nawait asyncio.sleep(1)")
        assert result.error is not None and result.error.type == "crash", (what, result)
        assert "protocol" in result.error.message, (what, result.error)
    code = (
        frame
        + "send({'t': 'call', 'id': 99, 'tool': 'secret', 'args': {}})\nawait asyncio.sleep(0.2)\n1"
    )
    result = await cm.execute(code)
    assert calls == []
    assert [c.error for c in result.tool_calls if c.name == "secret"] != [None]


# -- no leftovers -------------------------------------------------------------------------------


async def test_aclose_and_async_with_reap_every_process() -> None:
    before = descendants()
    async with SubprocessExecutor(min_workers=2, max_workers=2, reuse_workers=True) as executor:
        await executor.start()
        cm = codemode_for(executor)
        await asyncio.gather(cm.execute("1"), cm.execute("2"))
        assert len(_new_since(before)) == 3  # the zygote and two workers
    assert _new_since(before) == set()
    result = await cm.execute("1")  # Codemode turns the executor's refusal into an error result
    assert result.error is not None and "closed" in result.error.message


def test_interpreter_exit_reaps_every_process(tmp_path: Path) -> None:
    script = textwrap.dedent(
        """
        import asyncio, os
        from codemode import Codemode
        from codemode.executors import SubprocessExecutor

        async def main():
            executor = SubprocessExecutor(min_workers=2, max_workers=2, reuse_workers=True)
            cm = Codemode([], executor=executor)
            await executor.start()
            await asyncio.gather(cm.execute("1"), cm.execute("2"))
            pids = [w.pid for w in executor._workers] + [executor._zygote.process.pid]
            print(" ".join(map(str, pids)), flush=True)
            # no aclose: interpreter exit must stop them

        asyncio.run(main())
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    ).stdout
    pids = [int(p) for p in out.split()]
    assert len(pids) == 3
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue  # gone
        assert state == "Z", f"process {pid} outlived the interpreter"


async def test_a_lost_executor_stops_its_processes() -> None:
    before = descendants()
    executor = SubprocessExecutor(min_workers=2, max_workers=2, reuse_workers=True)
    await executor.start()
    await codemode_for(executor).execute("1")
    assert len(_new_since(before)) == 3
    del executor
    gc.collect()
    assert _new_since(before) == set()


async def test_isolation_layers_in_force(make: Make) -> None:
    executor = make()
    await codemode_for(executor).execute("1")
    layers = set(executor.stats().isolation)
    assert {"fds", "env", "as", "cpu", "nofile", "fsize", "nproc", "seccomp"} <= layers, layers
    if ROOT:
        assert {"netns", "ipcns", "uid:65534"} <= layers, layers
    elif "userns" in layers:  # without root, a user namespace makes them (where the kernel lets it)
        assert {"netns", "nocaps"} <= layers, layers
    if LANDLOCK:
        assert f"landlock:{LANDLOCK}" in layers


def test_result_types_cross_as_json() -> None:
    # a value JSON cannot carry as it is (an int too long for decimal) crosses as a hex string
    executor = SubprocessExecutor(max_workers=1)
    cm = codemode_for(executor)
    try:
        result = cm.execute_sync("10 ** 5000")
        assert result.ok and result.value == hex(10**5000)
        assert cm.execute_sync("'ok'").value == "ok"
    finally:
        asyncio.run(executor.aclose())
