"""`SubprocessExecutor`: model code in isolated worker processes, a fresh one for every run.

The host side. One zygote process per executor (see `_worker`) forks the workers; the host talks
to the zygote over a seqpacket socket (spawn, kill, exit reports) and to each worker over two
pipes (frames of `_protocol`). Everything runs on the caller's event loop through `add_reader`
callbacks: no threads, no tasks except one per tool call, so tools run on the caller's loop.

The rules this module keeps, with the policy inside the worker taken as broken (a run may execute
arbitrary Python in its worker):
- One process, one caller. By default a worker runs one program and is killed; spares forked in
  advance keep a warm run's start immediate. Only `reuse_workers=True` (trusted code) and a
  `WorkerLease` (one caller's runs, in sequence) put a second run on a process.
- A frame counts only for the run in flight: every run has an unguessable id, every frame of the
  worker carries it, and a frame with another id (or outside a run) kills the worker.
- The host trusts nothing a worker sends: frames are size-bounded JSON, checked field by field;
  only tools registered with the bridge are called; call ids must be fresh.
- A program pays for its own faults: a worker that dies, breaks the protocol or stops answering
  during a run ends that run (`crash`, `memory`, `timeout`) and nothing else. The circuit breaker
  counts only failures of the machinery: the zygote dying or refusing to start, a fork failing,
  a worker dying or staying silent before it was ready (or while idle, never having run code).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import dataclasses
import importlib.util
import itertools
import json
import logging
import math
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import tempfile
import time
import typing
import weakref
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from .._approvals import CALL_POSITION, ApprovalPending, ReplayDivergenceError
from .._approvals import is_clock as _is_clock
from .._approvals import is_position as _is_position
from .._errors import ToolArgumentError, ToolCallLimitError, ToolError
from .._result import ErrorType, ExecuteError, ExecuteResult, Limits, seconds
from ._base import Executor, ExecutorSession, ToolBridge
from ._protocol import FrameError, FrameReader, decode, dumps, encode, frame, json_string
from ._sandbox import DEFAULT_MODULES

# The zygote's first lines: no site, no codemode/__init__ (so no pydantic), just the worker module.
BOOT = """\
import sys, json, types
config = json.loads(sys.argv[1])
sys.path += config["path"]
for name, where in config["packages"]:
    module = types.ModuleType(name)
    module.__path__ = [where]
    sys.modules[name] = module
from codemode.executors._worker import main
main(config)
"""

# What a worker imports for itself whatever the program may: the in-process executor binds
# `asyncio` (its facade) in every program's namespace. Without it no worker can start.
WORKER_MODULES = frozenset({"asyncio"})

EXIT_MEMORY = 86  # keep in step with _worker.EXIT_MEMORY
log = logging.getLogger("codemode.executors.subprocess")
_ERROR_TYPES = frozenset(typing.get_args(ErrorType))
_STREAMS = frozenset({"stdout", "stderr", "system"})
_RECYCLE_AFTER = frozenset({"policy", "memory", "timeout", "crash"})
_END_LEASE_AFTER = frozenset({"memory", "timeout", "crash"})
_MAX_TEXT = 20_000  # characters of an error message or traceback taken from a worker


@dataclass(frozen=True, slots=True)
class PoolStats:
    """A snapshot of a `SubprocessExecutor`'s pool.

    `workers` alive or starting, `busy` running a program (or leased), `queued` executions
    waiting for a worker, `runs` finished, `crashes` workers lost to a run's own doing (died,
    broke the protocol or stopped answering mid-run), `failures` of the machinery (what the
    circuit breaker counts), `restarts` workers started to replace one lost to a fault,
    `circuit_open` while the breaker refuses runs, `isolation` the layers the newest worker
    reported (`userns`, `netns`, `ipcns`, `uid:N`, `landlock:ABI`, `seccomp`, `nocaps`, and the
    resource limits), `reuse_workers` whether a worker serves more than one run.
    """

    workers: int
    busy: int
    queued: int
    runs: int
    crashes: int
    failures: int
    restarts: int
    circuit_open: bool
    isolation: tuple[str, ...]
    reuse_workers: bool


class SubprocessExecutor(Executor):
    """Runs model code in isolated CPython worker processes, a fresh one for every run.

    Each worker is forked from a pre-imported template process (the zygote) started with
    `python -I -S`, an empty environment, an empty temporary directory and no inherited
    descriptors. The zygote first enters an empty network namespace and a private SysV IPC
    namespace (inside a new user namespace when the host is not root). Each worker then puts
    layers around itself before any model code runs: resource limits (address space
    `memory_mb`, CPU seconds, open files, file size 0, no new processes), `nobody` instead of
    root, Landlock (reads only beneath the Python installation, no writes, no TCP, no signals or
    ptrace outside), no capabilities, and a seccomp filter (no sockets, no writes, no
    chmod/utime/xattr, no SysV IPC, no signals to other processes, no ptrace, no `execve`),
    each where the kernel and privileges allow; `stats().isolation` names those in force.
    Inside, the in-process executor's policy applies as well (defence in depth, not the
    boundary). Tools run in the host: a tool call travels up a pipe as JSON, is validated and
    run by the host's `ToolBridge`, and its JSON result travels back.

    Every run gets a process of its own, killed when the run ends, so nothing a run does (to
    its process, its pipes, its memory) reaches a later run; `min_workers` spares are forked
    ahead so that a run starts at once. `reuse_workers=True` keeps a worker for up to
    `max_runs_per_worker` runs instead (a fresh namespace each time, replaced after any `policy`,
    `memory`, `timeout` or `crash` error): faster, for trusted code only, since a run that
    escapes the policy can then reach the runs after it. A session (`Codemode.session()`) is the
    one case where a worker serves several runs of one caller whatever `reuse_workers` says:
    `SubprocessSession` pins a worker to it, and the worker keeps the session's namespace.

    Faults become error results: past the timeout (plus `grace`) the worker is killed ->
    `timeout`; out of memory -> `memory`; a segfault or an abrupt exit -> `crash`; a worker
    silent for `unresponsive_after` seconds -> `crash`; no worker free and `max_queue`
    executions already waiting -> `overloaded`. These cost the run that caused them and
    nothing else. `breaker_threshold` failures of the machinery within `breaker_window` seconds
    open a circuit breaker that refuses runs (`overloaded`) for `breaker_cooldown` seconds.
    `aclose()`, `async with` and interpreter exit stop every process.

    Linux only (on other POSIX systems it may run with fewer layers; untested).

    >>> async with SubprocessExecutor(max_workers=4, memory_mb=256) as executor:
    ...     cm = Codemode(tools, executor=executor)
    ...     result = await cm.execute(code)
    """

    def __init__(
        self,
        *,
        min_workers: int = 1,
        max_workers: int = 2,
        max_queue: int = 1000,
        memory_mb: int | None = 512,
        reuse_workers: bool = False,
        max_runs_per_worker: int = 1000,
        grace: float = 0.5,
        allowed_modules: Iterable[str] | None = None,
        drop_privileges: bool = True,
        landlock: bool = True,
        network_namespace: bool = True,
        seccomp: bool = True,
        unresponsive_after: float = 10.0,
        start_timeout: float = 10.0,
        max_frame_bytes: int = 16 * 1024 * 1024,
        open_files: int = 32,
        cpu_seconds: int = 3600,
        breaker_threshold: int = 5,
        breaker_window: float = 30.0,
        breaker_cooldown: float = 5.0,
    ) -> None:
        self._options = {name: value for name, value in locals().items() if name != "self"}
        self._sibling: SubprocessExecutor | None = None
        if sys.platform == "win32":
            raise RuntimeError("SubprocessExecutor needs a POSIX system (Linux)")
        if not 0 <= min_workers <= max_workers or max_workers < 1:
            raise ValueError("need 0 <= min_workers <= max_workers and max_workers >= 1")
        if isinstance(allowed_modules, str):
            raise TypeError("allowed_modules must be an iterable of module names, not one string")
        self.allowed_modules = frozenset(
            DEFAULT_MODULES if allowed_modules is None else allowed_modules
        )
        missing = WORKER_MODULES - self.allowed_modules
        if missing:
            raise ValueError(
                f"allowed_modules must include {', '.join(sorted(missing))}: every worker "
                "imports it for itself (the in-process executor binds it in each program)"
            )
        self.min_workers = min_workers
        self.max_workers = max_workers
        self.max_queue = max_queue
        self.reuse_workers = reuse_workers
        self.max_runs_per_worker = max_runs_per_worker
        self.grace = grace
        self.unresponsive_after = unresponsive_after
        self.start_timeout = start_timeout
        self.max_frame_bytes = max_frame_bytes
        self.breaker_threshold = breaker_threshold
        self.breaker_window = breaker_window
        self.breaker_cooldown = breaker_cooldown
        self._config: dict[str, Any] = {
            "allowed_modules": sorted(self.allowed_modules),
            "memory_mb": memory_mb,
            "open_files": open_files,
            "cpu_seconds": cpu_seconds,
            "drop_privileges": drop_privileges,
            "landlock": landlock,
            "network": network_namespace,
            "seccomp": seccomp,
            "heartbeat": max(unresponsive_after / 4, 0.05),
            "max_frame_bytes": max_frame_bytes,
            **_worker_paths(self.allowed_modules),
        }
        self._loop: asyncio.AbstractEventLoop | None = None
        self._zygote: _Zygote | None = None
        self._workers: set[_Worker] = set()
        self._idle: collections.deque[_Worker] = collections.deque()
        self._waiters: collections.deque[asyncio.Future[_Worker]] = collections.deque()
        self._ids = itertools.count(1)
        self._closed = False
        self._runs = 0
        self._crashes = 0
        self._failures = 0
        self._faults = 0  # workers lost to a fault, whose replacements count as restarts
        self._restarts = 0
        self._failure_times: collections.deque[float] = collections.deque()
        self._open_until = 0.0
        self._zygote_error: str | None = None
        self._last_failure = ""
        self._isolation: tuple[str, ...] = ()
        self._table: tuple[dict[str, Any], str] | None = None  # the last tool table, as JSON
        # One timer for every run's deadline and liveness check, armed for the earliest and moved
        # only when a run needs it sooner (not a timer set and cancelled for every run).
        self._clock: asyncio.TimerHandle | None = None
        self._clock_due = math.inf
        self._ref = weakref.ref(self)
        # Interpreter exit (or losing the executor) stops the processes, closed or not. The
        # zygotes reach the executor only through weak references, so it can be collected.
        self._zygotes: list[_Zygote] = []
        self._finalizer = weakref.finalize(self, _terminate_all, self._zygotes)

    # -- the public surface ----------------------------------------------------------------

    async def start(self) -> None:
        """Start `min_workers` workers now rather than on the first run."""
        self._attach()
        self._replenish()

    def stats(self) -> PoolStats:
        return PoolStats(
            workers=len(self._workers),
            busy=sum(1 for w in self._workers if w.busy),
            queued=len(self._waiters),
            runs=self._runs,
            crashes=self._crashes,
            failures=self._failures,
            restarts=self._restarts,
            circuit_open=time.monotonic() < self._open_until,
            isolation=self._isolation,
            reuse_workers=self.reuse_workers,
        )

    async def execute(self, code: str, tools: ToolBridge, limits: Limits) -> ExecuteResult:
        try:
            worker = await self._checkout()
        except _Refused as refused:
            return tools.finish(error=refused.error)
        value, error = await self._run_on(worker, code, tools, limits, last=not self.reuse_workers)
        self._release(worker, error)
        return tools.finish(value=value, error=error, jsonable=True)  # decoded from JSON

    def session(self) -> SubprocessSession:
        """A session pinned to one worker of this pool (see `SubprocessSession`)."""
        return SubprocessSession(self)

    async def _lease(self) -> WorkerLease:
        """A worker of its own for one caller's runs in sequence (sessions); see `WorkerLease`.

        Private to codemode (the sessions of issue 13 build on it). Raises `WorkerUnavailable`
        (with the error a run would have got) when no worker can be had."""
        try:
            worker = await self._checkout()
        except _Refused as refused:
            raise WorkerUnavailable(refused.error) from None
        worker.leased = True
        self._replenish()  # a leased worker does not come back: the pool forks a spare now
        return WorkerLease(self, worker)

    def _name_memory_limit(self, error: ExecuteError) -> ExecuteError:
        """A bare `MemoryError` does not tell the model (or its user) what the bound was."""
        limit = self._config["memory_mb"]
        if limit is None or error.exception != "MemoryError":  # not a refusal before running
            return error
        message = (
            f"MemoryError: the program ran out of memory (the worker's limit is memory_mb={limit});"
            " build smaller values, or work through the data in parts"
        )
        return dataclasses.replace(error, message=message)

    def for_another_loop(self) -> Executor:
        """Itself while its loop is not running; otherwise a sibling with the same options
        (made once, closed with this executor), since the pool's pipes are watched by one loop."""
        if self._loop is None or not self._loop.is_running():
            return self
        if self._sibling is None or self._sibling._closed:
            self._sibling = SubprocessExecutor(**self._options)
        return self._sibling

    async def aclose(self) -> None:
        if self._sibling is not None:
            await self._sibling.aclose()
        if self._closed:
            return
        self._closed = True
        self._stop_clock()
        error = ExecuteError(type="overloaded", message="the executor was closed")
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_exception(_Refused(error))
        for worker in list(self._workers):
            self._discard(worker, replace=False)
        if self._zygote is not None:
            zygote, self._zygote = self._zygote, None
            await zygote.stop()
            self._zygotes.remove(zygote)
        self._finalizer()

    def __repr__(self) -> str:
        s = self.stats()
        return (
            f"SubprocessExecutor(workers={s.workers}, busy={s.busy}, queued={s.queued}, "
            f"max_workers={self.max_workers}, reuse_workers={self.reuse_workers})"
        )

    # -- runs ------------------------------------------------------------------------------

    async def _checkout(self) -> _Worker:
        """A ready worker for one caller (busy from now on), or `_Refused`."""
        loop = self._attach()
        refusal = self._refusal()
        if refusal is not None:
            raise _Refused(refusal)
        worker = self._idle_worker()
        if worker is None:
            worker = await self._acquire(loop)
        # Its successor is forked when this run ends (`_discard`), not now: a fork and a new
        # worker's start would compete for the CPU with the run in flight (on 2 cores that
        # made a warm run ~7x slower). Callers that find no spare meanwhile fork their own.
        return worker

    async def _run_on(
        self,
        worker: _Worker,
        code: str,
        tools: ToolBridge,
        limits: Limits,
        *,
        last: bool,
        keep: bool = False,
    ) -> tuple[Any, ExecuteError | None]:
        """One run on a checked-out worker; `last` tells the worker to exit after it, `keep` to
        run in the namespace it keeps for a session."""
        run = _Run(tools, limits, worker.loop, self.grace, last)
        try:
            worker.start(run, code, self._tool_table(worker, tools), keep=keep)
            self._watch(run)
            value, error = await run.future
        except BaseException:  # our caller was cancelled: the worker's state is unknown
            self._discard(worker)
            raise
        finally:
            run.cancel_calls()
        if error is not None and error.type == "memory":
            error = self._name_memory_limit(error)
        return value, error

    # -- the pool --------------------------------------------------------------------------

    def _attach(self) -> asyncio.AbstractEventLoop:
        """Bind the pool's descriptors to the running loop (`execute_sync` makes a new one per
        call; idle workers and the zygote move over)."""
        if self._closed:
            raise RuntimeError("this SubprocessExecutor is closed")
        loop = asyncio.get_running_loop()
        old = self._loop
        if old is loop:
            return loop
        if old is not None and old.is_running():
            raise RuntimeError("this SubprocessExecutor is in use on another running event loop")
        for waiter in self._waiters:
            waiter.cancel()
        self._waiters.clear()
        self._stop_clock()
        self._loop = loop
        if self._zygote is not None:
            self._zygote.attach(old, loop)
        for worker in list(self._workers):
            worker.attach(old, loop)
        return loop

    def _refusal(self) -> ExecuteError | None:
        now = time.monotonic()
        if now < self._open_until:
            return ExecuteError(
                type="overloaded",
                message=(
                    f"the subprocess executor's circuit breaker is open: the machinery failed "
                    f"{self.breaker_threshold} times within {self.breaker_window:g} s (the last "
                    f"time: {self._last_failure}); it tries again in {self._open_until - now:.1f} s"
                ),
            )
        if self._open_until:
            self._open_until = 0.0
            self._failure_times.clear()
        return None

    def _idle_worker(self) -> _Worker | None:
        while self._idle:
            worker = self._idle.popleft()
            if worker.alive and worker.up >= 0:  # not one whose pipe just closed
                worker.busy = True
                return worker
        return None

    async def _acquire(self, loop: asyncio.AbstractEventLoop) -> _Worker:
        worker = self._idle_worker()
        if worker is not None:
            return worker
        starting = self._starting()
        if len(self._waiters) - starting >= self.max_queue:
            raise _Refused(
                ExecuteError(
                    type="overloaded",
                    message=(
                        f"the subprocess executor is overloaded: {self.max_workers} workers busy "
                        f"and {len(self._waiters)} executions queued (max_queue={self.max_queue})"
                    ),
                )
            )
        waiter: asyncio.Future[_Worker] = loop.create_future()
        self._waiters.append(waiter)
        try:
            self._replenish()
            return await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled() and waiter.exception() is None:
                self._hand(waiter.result())  # handed over just as we were cancelled
            raise
        finally:
            with contextlib.suppress(ValueError):
                self._waiters.remove(waiter)

    def _starting(self) -> int:
        return sum(1 for w in self._workers if not w.ready)

    def _hand(self, worker: _Worker) -> None:
        """A worker is free (or newly ready): give it to the oldest waiter, or keep it idle."""
        worker.busy = False
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                worker.busy = True
                waiter.set_result(worker)
                return
        self._idle.append(worker)

    def _release(self, worker: _Worker, error: ExecuteError | None) -> None:
        self._runs += 1
        worker.runs += 1
        if not worker.alive:
            return
        if (
            not self.reuse_workers
            or worker.runs >= self.max_runs_per_worker
            or (error is not None and error.type in _RECYCLE_AFTER)
        ):
            self._discard(worker)
            return
        if worker.runs == self.max_runs_per_worker - 1 and len(self._workers) < self.max_workers:
            self._spawn()  # its successor, so that nobody waits for a fork when it retires
        self._hand(worker)

    def _replenish(self) -> None:
        """Start workers within `max_workers`: one for each waiter, and then enough to keep
        `min_workers` alive (reusing) or `min_workers` spares ready or starting (fresh runs)."""
        if self._closed or self._loop is None:
            return
        while len(self._workers) < self.max_workers:
            starting = self._starting()
            if self.reuse_workers:
                enough = len(self._workers) >= self.min_workers and starting >= len(self._waiters)
            else:
                enough = len(self._idle) + starting >= len(self._waiters) + self.min_workers
            if enough:
                return
            if time.monotonic() < self._open_until:
                self._refuse_waiters()
                return
            # A caller waits for this one: no rehearsal (it would only delay that caller).
            if not self._spawn(rehearse=len(self._idle) + starting >= len(self._waiters)):
                return

    def _spawn(self, *, rehearse: bool = True) -> bool:
        """Fork a worker (starting the zygote if need be); False if the zygote cannot start."""
        assert self._loop is not None
        zygote = self._zygote
        if zygote is None or not zygote.alive:
            if zygote is not None:
                self._zygotes.remove(zygote)
                self._zygote = None
            try:
                zygote = _Zygote(self, self._config, self._loop)
            except OSError as exc:  # no interpreter to start, no descriptors, no processes
                self._zygote_error = f"the template process could not start: {exc}"
                self._failed(self._zygote_error)
                return False
            self._zygote = zygote
            self._zygotes.append(zygote)
        if self._faults > self._restarts:
            self._restarts += 1
        worker = zygote.spawn(next(self._ids), self.max_frame_bytes, rehearse)
        self._workers.add(worker)
        self._loop.call_later(self.start_timeout, worker.check_started)
        return True

    def _greeted(self, worker: _Worker, layers: tuple[str, ...]) -> None:
        """A worker's `ready` frame: its layers are in place; it may take a run."""
        self._isolation = layers
        if worker.alive and not worker.busy:
            self._hand(worker)

    def _check_started(self, worker: _Worker) -> None:
        if worker.alive and not worker.ready:
            self._never_started(worker, f"a worker was not ready within {self.start_timeout:g} s")

    def _never_started(self, worker: _Worker, reason: str) -> None:
        """A worker failed before it was ready: the machinery's failure. Forgotten first, so
        that the waiters it would have served are refused or served by its replacement."""
        self._discard(worker, replace=False)
        self._failed(reason)
        self._replenish()

    def _discard(self, worker: _Worker, *, replace: bool = True) -> None:
        """Kill a worker and forget it; start another if the pool needs one."""
        self._workers.discard(worker)
        with contextlib.suppress(ValueError):
            self._idle.remove(worker)
        worker.close()
        if replace:
            self._replenish()

    def _failed(self, reason: str) -> None:
        """A failure of the machinery (never of a program): the circuit breaker counts these."""
        self._failures += 1
        self._last_failure = reason
        now = time.monotonic()
        self._failure_times.append(now)
        while self._failure_times and self._failure_times[0] < now - self.breaker_window:
            self._failure_times.popleft()
        if len(self._failure_times) >= self.breaker_threshold:
            if self._open_until <= now:
                log.warning(
                    "%d failures within %g s (the last: %s): refusing runs for %g s "
                    "(circuit breaker open)",
                    len(self._failure_times),
                    self.breaker_window,
                    reason,
                    self.breaker_cooldown,
                )
            self._open_until = now + self.breaker_cooldown
        self._refuse_waiters(reason)

    def _lost(self, worker: _Worker, error: ExecuteError) -> None:
        """A worker died unasked, broke the protocol or stopped answering: the fault is its
        run's when it had one (or had run code before), else the machinery's."""
        if worker.killed:
            return
        log.warning("codemode worker %s lost: %s", worker.pid, error.message)
        run = worker.run
        self._faults += 1
        worker.death = error
        if run is not None or worker.runs or worker.leased:
            self._crashes += 1
            if run is not None:
                run.settle(None, error)
            self._discard(worker)
            return
        if worker.zygote.alive:  # a zygote's death is counted once, by `_zygote_lost`
            self._never_started(worker, f"a worker that had run no code: {error.message}")
        else:
            self._discard(worker)

    def _refuse_waiters(self, reason: str | None = None) -> None:
        """Refuse the waiters that no starting worker will serve."""
        spare = self._starting()
        refusal = self._refusal() or ExecuteError(
            type="crash", message=f"no worker could be started: {reason}"
        )
        while len(self._waiters) > spare:
            waiter = self._waiters.pop()
            if not waiter.done():
                waiter.set_exception(_Refused(refusal))

    def _lost_worker(self, worker: _Worker, status: int | None) -> None:
        """A worker's pipe closed (and its exit status is known, or will not be)."""
        if worker.killed:
            return
        if worker.zygote.alive or status is not None:
            error = _death_error(status)
        else:
            error = ExecuteError(type="crash", message="the worker's template process died")
        self._lost(worker, error)

    def _zygote_lost(self, zygote: _Zygote, error: str | None) -> None:
        """The zygote died or could not start: the machinery's failure (its workers die with
        it, and their runs end in `crash`)."""
        if error:
            self._zygote_error = f"the template process could not start: {error}"[:_MAX_TEXT]
        if self._closed:
            return
        for worker in list(self._idle):  # dying with it: no run may be given to them
            if worker.zygote is zygote:
                self._discard(worker, replace=False)
        if zygote is self._zygote:
            self._failed(self._zygote_error or "the template process died")

    def _watch(self, run: _Run) -> None:
        """Make sure the clock ticks by the time `run` is due to be killed or checked on."""
        due = min(run.deadline, run.seen + self.unresponsive_after)
        if due < self._clock_due:
            if self._clock is not None:
                self._clock.cancel()
            self._clock_due = due
            self._clock = run.loop.call_at(due, _tick, self._ref)

    def _stop_clock(self) -> None:
        if self._clock is not None:
            self._clock.cancel()
        self._clock = None
        self._clock_due = math.inf

    def _tick(self) -> None:
        """Kill the runs past their deadline and the workers silent for too long."""
        self._clock = None
        self._clock_due = math.inf
        for worker in list(self._workers):
            run = worker.run
            if run is None or run.future.done():
                continue
            now = run.loop.time()
            silent = now - run.seen
            if now >= run.deadline:
                self._expire(worker)
            elif silent >= self.unresponsive_after:
                self._lost(
                    worker,
                    ExecuteError(
                        type="crash",
                        message=(
                            f"the worker stopped answering (no sign of life for {silent:.1f} s)"
                        ),
                    ),
                )
            else:
                self._watch(run)

    def _expire(self, worker: _Worker) -> None:
        run = worker.run
        if run is None:
            return
        timeout = run.limits.timeout
        error = ExecuteError(
            type="timeout",
            message=(
                f"the code ran past the time limit of {seconds(timeout or 0)}; the worker was killed"
            ),
            exception="TimeoutError",
        )
        run.settle(None, error)
        worker.death = error
        self._faults += 1
        self._discard(worker)

    def _violation(self, worker: _Worker, reason: str) -> None:
        error = ExecuteError(
            type="crash", message=f"the worker broke the protocol ({reason}) and was killed"
        )
        self._lost(worker, error)

    def _tool_table(self, worker: _Worker, bridge: ToolBridge) -> str | None:
        """The tools as the worker needs them, as JSON, or None when it has this table already."""
        table = {
            name: (tool.keywords, tool.description or "", tool.positional)
            for name, tool in bridge.tools.items()
        }
        if table == worker.table:
            return None
        worker.table = table
        last = self._table
        if last is not None and last[0] == table:
            return last[1]  # what every fresh worker needs: made once
        text = dumps(table)
        self._table = (table, text)
        return text


class WorkerUnavailable(Exception):
    """`SubprocessExecutor._lease()` could not get a worker; `error` says why (as a run would)."""

    def __init__(self, error: ExecuteError) -> None:
        super().__init__(error.message)
        self.error = error


class WorkerLease:
    """One worker of a `SubprocessExecutor` for one caller: its runs, in sequence, on the same
    process. Each run gets a fresh namespace in the worker, unless `execute(..., keep=True)`: then
    it runs in the one namespace the worker keeps for such runs (`SubprocessSession`).

        lease = await executor._lease()
        try:
            result = await lease.execute(code, bridge, limits)  # as Executor.execute
            ...
            if not lease.alive:  # it died (a crash, a timeout, memory): lease.death says how
                ...
        finally:
            await lease.aclose()  # kills the worker

    Runs are serialised (a second `execute` waits for the first). A run that ends in `timeout`,
    `memory` or `crash` kills the worker: that result carries the error, and every later
    `execute` returns a `crash` error saying the worker is gone. `ended` is a future resolved
    with the cause of death (an `ExecuteError`, or None for `aclose`) when the worker is gone,
    for whoever wants to learn it without running anything. The lease never outlives its
    executor: `aclose()` on the executor kills leased workers too.
    """

    def __init__(self, executor: SubprocessExecutor, worker: _Worker) -> None:
        self._executor = executor
        self._worker = worker
        self._lock = asyncio.Lock()
        self.ended: asyncio.Future[ExecuteError | None] = worker.loop.create_future()
        worker.on_close = self._closed

    @property
    def alive(self) -> bool:
        """Whether the worker still runs (the lease not closed, the process not lost)."""
        return self._worker.alive

    @property
    def pid(self) -> int | None:
        return self._worker.pid

    @property
    def death(self) -> ExecuteError | None:
        """Why the worker is gone (None while it lives, or when the lease was closed)."""
        return self._worker.death

    async def execute(
        self, code: str, tools: ToolBridge, limits: Limits, *, keep: bool = False
    ) -> ExecuteResult:
        """Run `code` on this lease's worker, as `Executor.execute` does (never raises)."""
        async with self._lock:
            if not self._worker.alive:
                why = f": {self.death.message}" if self.death else " (the lease was closed)"
                return tools.finish(
                    error=ExecuteError(type="crash", message=f"the leased worker is gone{why}")
                )
            worker = self._worker
            value, error = await self._executor._run_on(
                worker, code, tools, limits, last=False, keep=keep
            )
            self._executor._runs += 1
            worker.runs += 1
            if error is not None and error.type in _END_LEASE_AFTER and worker.alive:
                worker.death = error
                self._executor._discard(worker)
            return tools.finish(value=value, error=error, jsonable=True)

    async def aclose(self) -> None:
        """Kill the worker (idempotent)."""
        if self._worker.alive:
            self._executor._discard(self._worker)

    def _closed(self, error: ExecuteError | None) -> None:
        if not self.ended.done():
            self.ended.set_result(error)


class SubprocessSession(ExecutorSession):
    """One worker pinned to a session for its lifetime (a `WorkerLease`): the worker keeps the
    namespace between runs and serves no one else, and the memory limit applies to it across
    all of them.

    The worker is leased at the first run (it counts towards `max_workers` while leased) and
    killed by `reset()` or `aclose()`. A run that ends in `timeout`, `memory` or `crash` kills
    it (that run reports the error); a worker that died between runs is found at the next run.
    Either way the next run starts on a new worker with a fresh namespace and says so in its
    logs.
    """

    def __init__(self, executor: SubprocessExecutor) -> None:
        self._executor = executor
        self._lease: WorkerLease | None = None
        self._closed = False
        self._ended: str | None = None  # why the last worker went, for the next run's logs
        self.generation = 0

    @property
    def pid(self) -> int | None:
        """The pinned worker's process id, while it lives."""
        lease = self._lease
        return lease.pid if lease is not None and lease.alive else None

    async def execute(self, code: str, tools: ToolBridge, limits: Limits) -> ExecuteResult:
        if self._closed:
            raise RuntimeError("this session is closed")
        self._follow_the_loop()
        self._executor._attach()  # sync callers run each time on a new loop: the worker follows
        lease = self._lease
        if lease is not None and not lease.alive:  # lost since the last run
            death = lease.death
            self._lease = lease = None
            self._ended = self._ended or "the session's worker died" + (
                f" ({death.message})" if death is not None else ""
            )
        if self._ended is not None:
            tools.log(
                "system",
                f"{self._ended}; this run started clean on a new worker: names from earlier "
                "runs are gone",
            )
            self._ended = None
            self.generation += 1
        if lease is None:
            try:
                lease = self._lease = await self._executor._lease()
            except WorkerUnavailable as unavailable:
                return tools.finish(error=unavailable.error)
        try:
            result = await lease.execute(code, tools, limits, keep=True)
        except BaseException:  # cancelled, or the machinery failed: the worker was killed
            self._ended = "the session's last run did not finish"
            raise
        if not lease.alive and result.error is not None:
            self._ended = f"the session's worker was stopped ({result.error.type} error)"
        return result

    def _follow_the_loop(self) -> None:
        """A sync caller inside the running loop its pool is bound to (`execute_sync` in a
        notebook after an `await`) runs on a helper thread's loop, which that pool cannot serve:
        the session moves to the pool's sibling (`for_another_loop`), on a new worker."""
        executor = self._executor
        bound = executor._loop
        if bound is None or bound is asyncio.get_running_loop() or not bound.is_running():
            return
        sibling = executor.for_another_loop()
        if not isinstance(sibling, SubprocessExecutor) or sibling is executor:
            return
        lease, self._lease = self._lease, None
        if lease is not None:  # closed on its own loop, which is busy in another thread
            bound.call_soon_threadsafe(lambda: asyncio.ensure_future(lease.aclose()))
            self._ended = "the session moved to another event loop"
        self._executor = sibling

    async def reset(self) -> None:
        await self._let_go()
        self.generation += 1

    async def aclose(self) -> None:
        self._closed = True
        await self._let_go()

    async def _let_go(self) -> None:
        lease, self._lease = self._lease, None
        self._ended = None
        if lease is not None:
            await lease.aclose()


class _Refused(Exception):
    def __init__(self, error: ExecuteError) -> None:
        super().__init__(error.message)
        self.error = error


class _Run:
    """One execution on one worker: its id, the bridge, the pending tool calls, the outcome."""

    __slots__ = (
        "bridge",
        "calls",
        "deadline",
        "future",
        "id",
        "last",
        "last_id",
        "limits",
        "loop",
        "seen",
    )

    def __init__(
        self,
        bridge: ToolBridge,
        limits: Limits,
        loop: asyncio.AbstractEventLoop,
        grace: float,
        last: bool,
    ) -> None:
        # Unguessable: a program whose run is over cannot address a frame to a later one.
        self.id = secrets.randbits(63)
        self.last = last
        self.bridge = bridge
        self.limits = limits
        self.loop = loop
        self.future: asyncio.Future[tuple[Any, ExecuteError | None]] = loop.create_future()
        self.calls: dict[int, asyncio.Task[None]] = {}
        self.last_id = 0
        self.seen = loop.time()  # the last sign of life from the worker
        # when the worker is killed (loop time): the timeout, then `grace` for its own deadline
        self.deadline = math.inf if limits.timeout is None else self.seen + limits.timeout + grace

    def settle(self, value: Any, error: ExecuteError | None) -> None:
        if not self.future.done():
            self.future.set_result((value, error))

    def cancel_calls(self) -> None:
        for task in self.calls.values():
            task.cancel()
        self.calls.clear()


class _Worker:
    """The host's handle on one worker process: its pipes, its current run."""

    __slots__ = (
        "alive",
        "busy",
        "death",
        "down",
        "killed",
        "leased",
        "loop",
        "n",
        "on_close",
        "out",
        "pid",
        "pool",
        "reader",
        "ready",
        "run",
        "runs",
        "status",
        "table",
        "up",
        "zygote",
    )

    def __init__(
        self,
        pool: SubprocessExecutor,
        zygote: _Zygote,
        n: int,
        down: int,
        up: int,
        loop: asyncio.AbstractEventLoop,
        max_frame_bytes: int,
    ) -> None:
        self.pool = pool  # a weak proxy, from the zygote
        self.zygote = zygote
        self.n = n
        self.down = down  # we write, the worker reads
        self.up = up  # the worker writes, we read
        self.loop = loop
        self.pid: int | None = None
        self.reader = FrameReader(max_frame_bytes)
        self.run: _Run | None = None
        self.runs = 0
        self.busy = False
        self.ready = False  # its `ready` frame came: its layers are in place
        self.leased = False
        self.alive = True
        self.killed = False
        self.death: ExecuteError | None = None  # why it was lost, if it was
        self.on_close: typing.Callable[[ExecuteError | None], None] | None = None
        self.status: int | None = None
        self.table: dict[str, Any] | None = None
        self.out = bytearray()
        os.set_blocking(down, False)
        os.set_blocking(up, False)
        loop.add_reader(up, self._readable)

    def attach(
        self, old: asyncio.AbstractEventLoop | None, loop: asyncio.AbstractEventLoop
    ) -> None:
        if not self.alive:
            return
        if old is not None and not old.is_closed():
            old.remove_reader(self.up)
            old.remove_writer(self.down)
        self.loop = loop
        loop.add_reader(self.up, self._readable)
        if self.out:
            loop.add_writer(self.down, self._flush)

    def start(self, run: _Run, code: str, tools: str | None, *, keep: bool = False) -> None:
        self.run = run
        last = ',"last":true' if run.last else ""
        journal = run.bridge.journal
        pause = (
            ""
            if journal is None
            else f',"pause":{dumps({"seed": journal.seed, "clock": journal.clock})}'
        )
        kept = ',"keep":true' if keep else ""  # a session's run: the worker keeps its namespace
        self.write(
            frame(
                f'{{"t":"run","run":{run.id}{last}{kept},"code":{json_string(code)},'
                f'"tools":{tools or "null"},"limits":{_limits_json(run.limits)}{pause}}}'
            )
        )

    # -- writing ---------------------------------------------------------------------------

    def write(self, frame: bytes) -> None:
        if not self.alive:
            return
        if self.out:
            self.out += frame
            return
        try:
            written = os.write(self.down, frame)
        except BlockingIOError:
            written = 0
        except OSError:
            return  # the worker is gone; its pipe's end of file says so
        if written < len(frame):
            self.out += frame[written:]
            self.loop.add_writer(self.down, self._flush)

    def _flush(self) -> None:
        try:
            written = os.write(self.down, self.out)
        except BlockingIOError:
            return
        except OSError:
            written = len(self.out)
        del self.out[:written]
        if not self.out:
            self.loop.remove_writer(self.down)

    # -- reading ---------------------------------------------------------------------------

    def _readable(self) -> None:
        try:
            # A pipe holds 64 KiB. A larger buffer gains nothing and, past malloc's mmap
            # threshold, costs an mmap, a munmap and page faults on every read (~13 us here).
            data = os.read(self.up, 1 << 16)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        if not data:
            self._eof()
            return
        try:
            frames = self.reader.feed(data)
        except FrameError as exc:
            self.pool._violation(self, str(exc))
            return
        for message in frames:
            if not self.alive:
                return
            try:
                self._frame(message)
            except FrameError as exc:
                self.pool._violation(self, str(exc))
                return

    def _frame(self, message: dict[str, Any]) -> None:
        kind = message["t"]
        run = self.run
        if kind == "beat":
            if run is not None:
                run.seen = self.loop.time()
            return
        if kind == "ready":
            # Once, before anything else: a program cannot rewrite what `stats()` reports.
            layers = message.get("layers")
            if self.ready or not isinstance(layers, list):
                raise FrameError("a second or malformed ready frame")
            self.ready = True
            self.pool._greeted(self, tuple(str(x)[:64] for x in layers[:32]))
            return
        if run is None or run.future.done():
            raise FrameError(f"a {kind!r} frame outside a run")
        if message.get("run") != run.id:  # a frame meant for another run, or forged
            raise FrameError(f"a {kind!r} frame for another run")
        run.seen = self.loop.time()
        if kind == "log":
            stream, text = message.get("stream"), message.get("text")
            if stream not in _STREAMS or not isinstance(text, str):
                raise FrameError("a malformed log frame")
            run.bridge.log(stream, text)
        elif kind == "call":
            call_id, name, args = message.get("id"), message.get("tool"), message.get("args")
            if type(call_id) is not int or call_id <= run.last_id:
                raise FrameError(f"a tool call with a stale or invalid id {call_id!r}")
            if not isinstance(name, str) or not isinstance(args, dict):
                raise FrameError("a malformed tool call")
            at = message.get("at")
            if at is not None and not _is_position(at):
                raise FrameError("a tool call with a malformed position")
            run.last_id = call_id
            line = message.get("line")  # where in the program: only ever used as a number
            call = self._call(run, call_id, name, args, line if type(line) is int else None, at)
            if sys.version_info >= (3, 12):  # the tool starts now, not on the loop's next turn
                task = asyncio.Task(call, loop=self.loop, eager_start=True)
            else:
                task = self.loop.create_task(call)
            if not task.done():
                run.calls[call_id] = task
        elif kind == "cancel":
            cancelled = message.get("id")
            pending = run.calls.get(cancelled) if type(cancelled) is int else None
            if pending is not None:
                pending.cancel()
        elif kind == "clock":  # a run that may pause: its clock readings, for the checkpoint
            readings = message.get("readings")
            journal = run.bridge.journal
            if journal is None:
                raise FrameError("a clock frame for a run that cannot pause")
            if not _is_clock(readings):
                raise FrameError("a malformed clock frame")
            journal.new_clock = readings
        elif kind == "done":
            value, error = _parse_done(message)
            self.run = None
            run.settle(value, error)
            if run.last:  # its one run is over: nothing it left may run on
                self.pool._discard(self)
        else:
            raise FrameError(f"an unknown frame type {kind!r}")

    async def _call(
        self,
        run: _Run,
        call_id: int,
        name: str,
        args: dict[str, Any],
        line: int | None,
        at: Any = None,
    ) -> None:
        reply: dict[str, Any]
        if at is not None:  # this task's own context: where the call is, for the journal
            CALL_POSITION.set(tuple(at))
        try:
            value = await run.bridge.call(name, args, line)
            reply = {"t": "ret", "id": call_id, "ok": True, "value": value}
        except ToolError as exc:
            kind = (
                "limit"
                if isinstance(exc, ToolCallLimitError)
                else "argument"
                if isinstance(exc, ToolArgumentError)
                else "tool"
            )
            reply = {"t": "ret", "id": call_id, "ok": False, "kind": kind, "message": exc.message}
        except ApprovalPending:  # the worker holds the call until the program settles
            reply = {"t": "ret", "id": call_id, "ok": False, "kind": "pending", "message": ""}
        except ReplayDivergenceError as exc:
            reply = {
                "t": "ret",
                "id": call_id,
                "ok": False,
                "kind": "diverged",
                "message": str(exc),
            }
        finally:  # here, not in a done callback: that would cost the loop another turn per call
            run.calls.pop(call_id, None)
        if self.run is not run:
            return
        try:
            frame = encode(reply)
        except (ValueError, TypeError) as exc:
            frame = encode(
                {
                    "t": "ret",
                    "id": call_id,
                    "ok": False,
                    "kind": "tool",
                    "message": f"{name}(): the result cannot be sent to the program: {exc}",
                }
            )
        self.write(frame)

    def _eof(self) -> None:
        self._unwatch()
        if self.killed or not self.alive:
            return
        if self.status is not None or not self.zygote.alive:
            with contextlib.suppress(ReferenceError):  # the executor was collected unclosed
                self.pool._lost_worker(self, self.status)
        else:  # the zygote's report is on its way: an exit status, or why it could not fork
            self.loop.call_later(1.0, self._status_timeout)

    def not_forked(self, error: str) -> None:
        if self.alive and not self.killed:
            with contextlib.suppress(ReferenceError):
                self.pool._never_started(self, f"a worker could not be forked: {error}")

    def exited(self, status: int) -> None:
        self.status = status
        if self.alive and not self.killed and not self._watching():
            with contextlib.suppress(ReferenceError):
                self.pool._lost_worker(self, status)

    def check_started(self) -> None:
        with contextlib.suppress(ReferenceError):  # the executor may be gone by now
            self.pool._check_started(self)

    def _status_timeout(self) -> None:
        if self.alive and not self.killed:
            with contextlib.suppress(ReferenceError):
                self.pool._lost_worker(self, self.status)

    def _watching(self) -> bool:
        return self.up >= 0

    def _unwatch(self) -> None:
        if self.up >= 0:
            if not self.loop.is_closed():
                self.loop.remove_reader(self.up)
            os.close(self.up)
            self.up = -1

    def close(self) -> None:
        """Kill the process and release the pipes. Idempotent."""
        if not self.alive:
            return
        self.alive = False
        self.killed = True
        if self.pid is not None:
            self.zygote.kill(self.pid)
        self._unwatch()
        if self.down >= 0:
            if not self.loop.is_closed():
                self.loop.remove_writer(self.down)
            os.close(self.down)  # a worker that still runs reads end of file and exits
            self.down = -1
        if self.run is not None:
            self.run.settle(
                None, ExecuteError(type="crash", message="the worker was stopped mid-run")
            )
            self.run = None
        if self.on_close is not None:
            on_close, self.on_close = self.on_close, None
            on_close(self.death)


class _Zygote:
    """The host's handle on the template process that forks workers."""

    stderr: int | None = subprocess.DEVNULL  # None shows the processes' tracebacks, for debugging

    def __init__(
        self, pool: SubprocessExecutor, config: dict[str, Any], loop: asyncio.AbstractEventLoop
    ) -> None:
        self.pool: SubprocessExecutor = weakref.proxy(pool)
        self.alive = True
        self.loop = loop
        self.pending: dict[int, _Worker] = {}
        self.workers: dict[int, _Worker] = {}
        self.error: str | None = None  # why it could not start, as it said
        self.cwd = tempfile.mkdtemp(prefix="codemode-worker-")
        parent, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-I",
                    "-S",
                    "-c",
                    BOOT,
                    json.dumps({**config, "fd": child.fileno()}),
                ],
                pass_fds=(child.fileno(),),
                env={},
                cwd=self.cwd,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=self.stderr,
                start_new_session=True,
            )
        finally:
            child.close()
        parent.setblocking(False)
        self.sock = parent
        loop.add_reader(parent.fileno(), self._readable)

    def attach(
        self, old: asyncio.AbstractEventLoop | None, loop: asyncio.AbstractEventLoop
    ) -> None:
        if not self.alive:
            return
        if old is not None and not old.is_closed():
            old.remove_reader(self.sock.fileno())
        self.loop = loop
        loop.add_reader(self.sock.fileno(), self._readable)

    def spawn(self, n: int, max_frame_bytes: int, rehearse: bool) -> _Worker:
        down_r, down_w = os.pipe()
        up_r, up_w = os.pipe()
        worker = _Worker(self.pool, self, n, down_w, up_r, self.loop, max_frame_bytes)
        try:
            message = encode({"t": "spawn", "n": n, "rehearse": rehearse})[4:]
            socket.send_fds(self.sock, [message], [down_r, up_w])
            self.pending[n] = worker
        except OSError:
            pass  # the zygote is gone: the worker's pipe reports end of file at once
        finally:
            os.close(down_r)
            os.close(up_w)
        return worker

    def kill(self, pid: int) -> None:
        self._send({"t": "kill", "pid": pid})

    def _send(self, message: dict[str, Any]) -> None:
        if self.alive:
            with contextlib.suppress(OSError):
                self.sock.send(encode(message)[4:])

    def _readable(self) -> None:
        while True:
            try:
                data = self.sock.recv(65536)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                data = b""
            if not data:
                self._lost(asked=False)
                return
            try:
                message = decode(data)
            except FrameError:
                continue
            kind = message.get("t")
            if kind == "spawned":
                worker = self.pending.pop(message.get("n"), None)  # type: ignore[arg-type]
                pid = message.get("pid")
                if worker is not None and type(pid) is int:
                    worker.pid = pid
                    self.workers[pid] = worker
                elif worker is not None:
                    worker.not_forked(str(message.get("error"))[:_MAX_TEXT])
            elif kind == "failed":
                self.error = str(message.get("error"))[:_MAX_TEXT]
            elif kind == "exited":
                worker = self.workers.pop(message.get("pid"), None)  # type: ignore[arg-type]
                status = message.get("status")
                if worker is not None and type(status) is int:
                    worker.exited(status)

    def _lost(self, *, asked: bool = True) -> None:
        """The zygote died (or was stopped): its workers die with it (their parent-death
        signal)."""
        if not self.alive:
            return
        self.alive = False
        if not asked:
            with contextlib.suppress(ReferenceError):
                self.pool._zygote_lost(self, self.error)
        if not self.loop.is_closed():
            self.loop.remove_reader(self.sock.fileno())
        self.sock.close()
        with contextlib.suppress(OSError):
            os.killpg(self.process.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(1)

    async def stop(self) -> None:
        """Ask the zygote to kill and reap its workers and exit; kill it if it does not."""
        self._send({"t": "exit"})
        deadline = time.monotonic() + 2
        while self.process.poll() is None and time.monotonic() < deadline:
            await asyncio.sleep(0.005)
        self._lost()
        self._cleanup()

    def _cleanup(self) -> None:
        shutil.rmtree(self.cwd, ignore_errors=True)

    def terminate(self) -> None:
        """Stop the zygote and its workers, blocking: for interpreter exit and lost executors."""
        if self.alive and self.process.poll() is None:
            self._send({"t": "exit"})
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(1)
        self._lost()
        self._cleanup()


def _tick(ref: weakref.ref[SubprocessExecutor]) -> None:
    executor = ref()  # the clock must not keep a lost executor alive
    if executor is not None:
        executor._tick()


def _terminate_all(zygotes: list[_Zygote]) -> None:
    for zygote in zygotes:
        zygote.terminate()
    zygotes.clear()


def _limits_json(limits: Limits) -> str:
    """The limits as the worker takes them, in JSON; the same object as last time costs nothing
    (`Codemode` passes its own `Limits` to every run that does not override one)."""
    global _last_limits
    last = _last_limits
    if last is not None and last[0] is limits:
        return last[1]
    text = dumps(
        {
            "timeout": limits.timeout,
            "max_tool_calls": limits.max_tool_calls,
            "max_log_chars": limits.max_log_chars,
            "max_result_chars": limits.max_result_chars,
            "memory_mb": limits.memory_mb,
        }
    )
    _last_limits = (limits, text)
    return text


_last_limits: tuple[Limits, str] | None = None


def _parse_done(message: dict[str, Any]) -> tuple[Any, ExecuteError | None]:
    error = message.get("error")
    if error is None:
        return message.get("value"), None
    if not isinstance(error, dict) or error.get("type") not in _ERROR_TYPES:
        raise FrameError("a malformed result")
    text = error.get("message")
    if not isinstance(text, str):
        raise FrameError("a malformed result")
    fields: dict[str, Any] = {}
    for key in ("exception", "traceback"):
        item = error.get(key)
        if item is not None and not isinstance(item, str):
            raise FrameError("a malformed result")
        fields[key] = item[:_MAX_TEXT] if item is not None else None
    for key in ("line", "column"):
        item = error.get(key)
        if item is not None and type(item) is not int:
            raise FrameError("a malformed result")
        fields[key] = item
    return None, ExecuteError(type=error["type"], message=text[:_MAX_TEXT], **fields)


def _death_error(status: int | None) -> ExecuteError:
    if status is None:
        return ExecuteError(type="crash", message="the worker exited unexpectedly")
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        try:
            name = signal.Signals(number).name
        except ValueError:
            name = f"signal {number}"
        if number == signal.SIGXCPU:
            return ExecuteError(
                type="timeout",
                message="the code used up its CPU time and the worker was stopped (SIGXCPU)",
                exception="TimeoutError",
            )
        if number == signal.SIGKILL:
            return ExecuteError(
                type="crash",
                message="the worker was killed (SIGKILL), perhaps for using too much memory",
            )
        what = signal.strsignal(number) or name
        return ExecuteError(type="crash", message=f"the worker crashed: {what} ({name})")
    code = os.WEXITSTATUS(status) if os.WIFEXITED(status) else -1
    if code == EXIT_MEMORY:
        return ExecuteError(
            type="memory", message="the worker ran out of memory", exception="MemoryError"
        )
    return ExecuteError(
        type="crash",
        message=f"the worker exited with code {code} (os._exit or a fatal error)",
    )


def _worker_paths(allowed_modules: Iterable[str]) -> dict[str, Any]:
    """Where the worker finds its code: `path` entries added to its `sys.path`, the packages it
    imports without their `__init__` (so codemode's public API, and pydantic, stay out), and the
    directories Landlock lets it read (the standard library and exactly these packages)."""
    here = os.path.dirname(os.path.abspath(__file__))
    package = os.path.dirname(here)
    paths = {os.path.dirname(package)}
    readable = {package}
    base = {"base": sys.base_prefix, "platbase": sys.base_exec_prefix}  # not a venv's own
    stdlib = {os.path.dirname(os.__file__)}
    stdlib |= {sysconfig.get_path(key, vars=base) for key in ("stdlib", "platstdlib")}
    readable |= stdlib
    packages = ("RestrictedPython", "regex")  # what the policy itself imports (regex backs `re`)
    for name in (*packages, *sorted({m.partition(".")[0] for m in allowed_modules})):
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            continue
        if spec is None or not spec.origin or spec.origin in ("built-in", "frozen"):
            continue
        location = (
            next(iter(spec.submodule_search_locations))
            if spec.submodule_search_locations
            else spec.origin
        )
        location = os.path.abspath(location)
        if any(location.startswith(s + os.sep) for s in stdlib):
            continue
        readable.add(location)
        paths.add(os.path.dirname(location))
    return {
        "path": sorted(paths),
        "packages": [["codemode", package], ["codemode.executors", here]],
        "readable": sorted(readable),
    }
