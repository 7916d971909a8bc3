"""Subprocess executor speed, as ratios against floors measured in the same run.

    python benchmarks/subprocess_bench.py

Figures for both ways of running: a fresh process per run (the default: a spare forked ahead
takes the run, and a new spare is forked meanwhile) and `reuse_workers=True` (one process for many
runs, for trusted code).

Floors:
- round trip: a persistent child `python -I -S` that echoes length-prefixed frames over two pipes;
  the host writes a frame (a run frame of the trivial program) and waits for the echo on its
  event loop, as the executor does: one reader callback kept for the child's life decodes the
  frame and wakes the waiting coroutine. (The same round trip with a blocking host is printed
  too, for reference.)
- spawn: `python -I -S -c 'import asyncio'`, start to exit.

Each figure is the median of many short rounds (a few milliseconds each), ours and the floor's
alternating, so that both meet the same states of the machine. The machine's other load moves
all of them; the ratios, measured side by side, move less. Medians rather than the best round:
on a virtual machine a round trip between two processes is fast or slow depending on whether the
two share a CPU and on the host's load, and the best rounds of the two sides would compare
different states of the machine.

On the 2-core virtual machine this was tuned on, waking a process on the other CPU is cheap
after a pause and several times dearer under sustained back-to-back round trips (the floor goes
from ~25 us to ~90 us). The main figures are of sustained use (rounds back to back), where those
wake-ups dominate; the figures "after idleness" repeat the first two with a pause before every
round, where they cost little and the ratio shows mostly the CPU work of both ends.
"""

from __future__ import annotations

import asyncio
import gc
import os
import statistics
import struct
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from programs import REALISTIC, TRIVIAL, lookup, noop

from codemode import Codemode, Tool
from codemode.executors import InProcessExecutor, SubprocessExecutor
from codemode.executors._protocol import FrameReader, decode, encode

TOOL_CALLS = 200
REST = 0.02  # seconds of idleness before each round, for the second set of figures
TOOL_LOOP = (
    f"async def main():\n    for i in range({TOOL_CALLS}):\n        await codemode.noop(x=i)\n"
)

ECHO_CHILD = """
import os, struct
head = struct.Struct(">I")
def read(n):
    data = b""
    while len(data) < n:
        chunk = os.read(0, n - len(data))
        if not chunk:
            raise SystemExit
        data += chunk
    return data
while True:
    (size,) = head.unpack(read(4))
    body = read(size)
    os.write(1, head.pack(size) + body)
"""


def median_of(samples: list[float]) -> float:
    return statistics.median(samples)


async def timed(fn: Callable[[], Awaitable[Any]], number: int) -> float:
    """Seconds per call over one round of `number` calls."""
    gc.collect()
    start = time.perf_counter()
    for _ in range(number):
        await fn()
    return (time.perf_counter() - start) / number


async def paired(
    ours: Callable[[], Awaitable[Any]],
    floor: Callable[[], Awaitable[Any]],
    number: int,
    rounds: int = 41,
    rest: float = 0.0,
    floor_number: int | None = None,
) -> tuple[float, float]:
    """Medians of short alternating rounds, so that the machine's other load hits both alike;
    with `rest`, each round starts after that many seconds of idleness. Seconds per call of
    `ours` (`number` calls a round) and of `floor` (`floor_number` calls, `number` by default)."""
    a, b = [], []
    for _ in range(rounds):
        await asyncio.sleep(rest)
        a.append(await timed(ours, number))
        await asyncio.sleep(rest)
        b.append(await timed(floor, floor_number or number))
    return median_of(a), median_of(b)


async def trivial_and_call(
    cm: Codemode, echo: EchoChild, rest: float = 0.0
) -> tuple[float, float, float, float]:
    """A warm trivial run and one tool call, each with its floor: (ours, floor) twice."""
    warm, raw = await paired(lambda: cm.execute(TRIVIAL), echo.round_trip, 50, rest=rest)
    loop_time, raw_call = await paired(
        lambda: cm.execute(TOOL_LOOP), echo.round_trip, 1, rest=rest, floor_number=TOOL_CALLS
    )
    return warm, raw, (loop_time - warm) / TOOL_CALLS, raw_call


def row(label: str, ours: float, floor: float, target: str) -> None:
    print(
        f"{label:<46} {ours * 1e6:>10.0f} us {floor * 1e6:>10.0f} us {ours / floor:>7.2f}x   {target}"
    )


# -- floors -----------------------------------------------------------------------------------


class EchoChild:
    """A persistent Python child that echoes frames: the cheapest request/response there is.

    On the host it is handled as the executor handles a worker: one reader callback on the loop
    for the child's pipe, kept for the child's life, that splits frames and decodes the JSON, and
    wakes the coroutine waiting for the answer.
    """

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-I", "-S", "-c", ECHO_CHILD],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            bufsize=0,
        )
        assert self.process.stdin is not None and self.process.stdout is not None
        self.down = self.process.stdin.fileno()
        self.up = self.process.stdout.fileno()
        self.frame = encode({"t": "run", "code": TRIVIAL, "tools": None})
        self.reader = FrameReader(1 << 20)
        self.waiter: asyncio.Future[None] | None = None
        self.loop: asyncio.AbstractEventLoop | None = None

    def _readable(self) -> None:
        if self.reader.feed(os.read(self.up, 65536)) and self.waiter is not None:
            self.waiter.set_result(None)
            self.waiter = None

    async def round_trip(self) -> None:
        loop = asyncio.get_running_loop()
        if self.loop is not loop:
            self.loop = loop
            loop.add_reader(self.up, self._readable)
        self.waiter = loop.create_future()
        os.write(self.down, self.frame)
        await self.waiter

    def blocking_round_trip(self) -> None:
        os.write(self.down, self.frame)
        (size,) = struct.unpack(">I", os.read(self.up, 4))
        got = 0
        while got < size:
            got += len(os.read(self.up, size - got))

    def close(self) -> None:
        if self.loop is not None and not self.loop.is_closed():
            self.loop.remove_reader(self.up)
        self.process.kill()
        self.process.wait()


async def spawn() -> None:
    subprocess.run([sys.executable, "-I", "-S", "-c", "import asyncio"], check=True)


# -- ours -------------------------------------------------------------------------------------


def tools() -> list[Tool]:
    return [Tool.from_function(lookup), Tool.from_function(noop)]


async def cold_start() -> float:
    """A new executor and its first run (closing it is not counted)."""
    start = time.perf_counter()
    executor = SubprocessExecutor()
    cm = Codemode(tools(), executor=executor)
    result = await cm.execute(TRIVIAL)
    elapsed = time.perf_counter() - start
    assert result.ok, result.error
    await executor.aclose()
    return elapsed


async def cold_and_spawn(rounds: int = 11) -> tuple[float, float]:
    ours, floor = [], []
    for _ in range(rounds):
        ours.append(await cold_start())
        start = time.perf_counter()
        await spawn()
        floor.append(time.perf_counter() - start)
    return median_of(ours), median_of(floor)


async def codec() -> None:
    """JSON (what the protocol uses) against msgpack, on the frames a run exchanges."""
    frames: list[dict[str, Any]] = [
        {"t": "run", "code": REALISTIC, "tools": None, "limits": {"timeout": 30.0}},
        {"t": "call", "id": 7, "tool": "lookup", "args": {"city": "Paris"}},
        {"t": "ret", "id": 7, "ok": True, "value": {"city": "Paris", "temp": 15, "wind": 5}},
        {"t": "log", "stream": "stdout", "text": "best city: London\n"},
        {"t": "done", "value": '{"berlin": 32.0, "best": "London"}', "error": None},
    ]
    number = 20_000

    def json_round() -> None:
        for frame in frames:
            decode(encode(frame)[4:])

    start = time.perf_counter()
    for _ in range(number):
        json_round()
    json_us = (time.perf_counter() - start) / number / len(frames) * 1e6
    try:
        import msgpack  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        print(f"codec: json {json_us:.2f} us per frame (encode + decode); msgpack not installed")
        return
    packer = msgpack.Packer()
    start = time.perf_counter()
    for _ in range(number):
        for frame in frames:
            msgpack.unpackb(packer.pack(frame))
    msgpack_us = (time.perf_counter() - start) / number / len(frames) * 1e6
    print(f"codec: json {json_us:.2f} us, msgpack {msgpack_us:.2f} us per frame (encode + decode)")


async def throughput(cm: Codemode, code: str, runs: int, concurrency: int) -> float:
    semaphore = asyncio.Semaphore(concurrency)

    async def one() -> None:
        async with semaphore:
            result = await cm.execute(code)
            assert result.ok, result.error

    start = time.perf_counter()
    await asyncio.gather(*(one() for _ in range(runs)))
    return runs / (time.perf_counter() - start)


async def when_spare(executor: SubprocessExecutor) -> None:
    """Wait until a spare worker is ready (forked and its layers in place)."""
    while not executor._idle:
        await asyncio.sleep(0.001)


def process_cpu(pid: int) -> float:
    """CPU seconds of a process and of its children it has reaped (from /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(x) for x in fields[11:15]) / os.sysconf("SC_CLK_TCK")


async def cpu_per_run(cm: Codemode, executor: SubprocessExecutor, runs: int = 300) -> float:
    """CPU seconds per trivial run, counting the host, the zygote and every worker (forking,
    starting, rehearsing, running, exiting): what the machine pays, whatever its load."""
    assert executor._zygote is not None
    zygote = executor._zygote.process.pid

    def total() -> float:
        host = os.times()
        return host.user + host.system + process_cpu(zygote)

    before = total()
    for _ in range(runs):
        assert (await cm.execute(TRIVIAL)).ok
    await asyncio.sleep(0.3)  # the last workers exit and are reaped
    return (total() - before) / runs


async def fresh_figures(cm: Codemode, executor: SubprocessExecutor, echo: EchoChild) -> None:
    """A fresh process per run (the default): a run that finds its spare ready, one that does
    not (runs back to back, each waiting for a fork), and a tool call."""
    ready, floor, loops = [], [], []
    for _ in range(41):
        await when_spare(executor)
        start = time.perf_counter()
        assert (await cm.execute(TRIVIAL)).ok
        ready.append(time.perf_counter() - start)
        await when_spare(executor)
        start = time.perf_counter()
        assert (await cm.execute(TOOL_LOOP)).ok
        loops.append(time.perf_counter() - start)
        await asyncio.sleep(REST)
        start = time.perf_counter()
        await echo.round_trip()
        floor.append(time.perf_counter() - start)
    warm, raw = median_of(ready), median_of(floor)
    row("warm run, trivial program, spare ready", warm, raw, "starts at once")
    per_call = (median_of(loops) - warm) / TOOL_CALLS
    row("tool call from model code, host and back", per_call, raw, "(floor: after idleness)")
    back_to_back, raw_sustained = await paired(
        lambda: cm.execute(TRIVIAL), echo.round_trip, 10, rounds=21
    )
    row("runs back to back (each waits for its fork)", back_to_back, raw_sustained, "")


async def main() -> None:
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores\n")
    echo = EchoChild()
    reused = SubprocessExecutor(reuse_workers=True)
    cm = Codemode(tools(), executor=reused, timeout=30, max_tool_calls=None)
    fresh = SubprocessExecutor()
    fresh_cm = Codemode(tools(), executor=fresh, timeout=30, max_tool_calls=None)
    wide = SubprocessExecutor(max_workers=4, min_workers=2)
    wide_cm = Codemode(tools(), executor=wide, timeout=30, max_tool_calls=None)
    inprocess = Codemode(tools(), executor=InProcessExecutor(), timeout=30, max_tool_calls=None)
    try:
        await echo.round_trip()
        for _ in range(50):
            assert (await cm.execute(TRIVIAL)).ok
        for _ in range(5):
            assert (await fresh_cm.execute(TRIVIAL)).ok
        result = await cm.execute(TOOL_LOOP)
        assert result.ok and len(result.tool_calls) == TOOL_CALLS, result.error
        print(f"{'':<46} {'codemode':>13} {'floor':>13} {'ratio':>8}   target")

        print("a fresh process per run (the default):")
        await fresh_figures(fresh_cm, fresh, echo)
        fresh_cpu = await cpu_per_run(fresh_cm, fresh)

        print("reuse_workers=True (trusted code), sustained use:")
        warm, raw, per_call, raw_call = await trivial_and_call(cm, echo)
        row("warm run, trivial program", warm, raw, "< 2x of a raw round trip")
        row("tool call from model code, host and back", per_call, raw_call,
            "< 1.5x of a raw round trip")  # fmt: skip
        realistic, raw_again = await paired(lambda: cm.execute(REALISTIC), echo.round_trip, 20)
        row("warm run, 30-line realistic program", realistic, raw_again, "(for reference)")
        local, _ = await paired(lambda: inprocess.execute(TRIVIAL), echo.round_trip, 50)
        row("(in-process executor, trivial program)", local, raw, "(what a worker spends)")
        cold, spawned = await cold_and_spawn()
        row("cold start: new executor + first run", cold, spawned, "< 1.5x of spawning python")

        blocking = time.perf_counter()
        for _ in range(2000):
            echo.blocking_round_trip()
        blocking = (time.perf_counter() - blocking) / 2000
        print(
            f"\nfloors: raw round trip {raw * 1e6:.0f} us on the event loop "
            f"({blocking * 1e6:.0f} us with a blocking host); spawn {spawned * 1e3:.1f} ms"
        )
        rested = await trivial_and_call(cm, echo, rest=REST)
        print(f"\nreuse_workers=True, each round after {REST * 1e3:.0f} ms of idleness:")
        row("warm run, trivial program", rested[0], rested[1], "")
        row("tool call from model code, host and back", rested[2], rested[3], "")
        reused_cpu = await cpu_per_run(cm, reused, 3000)
        print(
            f"\nCPU per trivial run, all processes: fresh {fresh_cpu * 1e3:.2f} ms, "
            f"reuse_workers=True {reused_cpu * 1e3:.3f} ms"
        )
        print("\nthroughput, 8 runs in flight:")
        pools = (
            ("fresh, max_workers=2 (default)", fresh_cm, 1),
            ("fresh, max_workers=4, min_workers=2", wide_cm, 1),
            ("reuse_workers=True, max_workers=2", cm, 4),
        )
        for name, pool, scale in pools:
            for label, code, runs in (("trivial", TRIVIAL, 500), ("realistic", REALISTIC, 250)):
                rate = await throughput(pool, code, runs * scale, 8)
                print(f"  {name:<38} {label:<10} {rate:>8.0f} runs/s")
        print()
        await codec()
    finally:
        echo.close()
        for executor in (reused, fresh, wide):
            await executor.aclose()


if __name__ == "__main__":
    asyncio.run(main())
