"""The far side of `SubprocessExecutor`: a zygote process that forks workers, and the worker loop.

The host starts the zygote as a fresh interpreter (`python -I -S`, empty environment, an empty
temporary working directory, no inherited descriptors but its control socket). The zygote imports
what running model code needs (the policy, the in-process executor, every allowed module) and then
only forks: each worker it forks is ready in a few milliseconds, with all of that already in memory.

The zygote enters its namespaces (network, SysV IPC, and a user namespace when not root) before it
imports anything. A worker keeps its two pipe ends and nothing else, puts the isolation layers of
`_isolation` around itself, rehearses one small run (see `Worker.rehearse`), says it is ready, and
then runs programs with the in-process executor (the same policy, checked again here) and a bridge
that forwards tool calls and output to the host. By default a worker runs one program and exits
right after sending its result: nothing the program left behind runs on.

This module is imported in the zygote without `codemode/__init__.py` (see `_subprocess.BOOT`), so
it must not import pydantic or anything else the worker does not need.
"""

from __future__ import annotations

import asyncio
import codecs
import collections
import contextlib
import gc
import importlib
import itertools
import os
import resource
import select
import selectors
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable, Mapping
from types import FrameType
from typing import Any, cast

from .._approvals import CALL_POSITION, ApprovalPending, ReplayDivergenceError
from .._errors import ToolArgumentError, ToolCallLimitError, ToolError
from .._program import FILENAME
from .._result import ExecuteError, Limits, LogEntry, TooLarge, to_jsonable
from . import _isolation as isolation
from ._base import Event, ToolBridge
from ._inprocess import WATCHDOG, InProcessExecutor, SessionState
from ._protocol import FrameReader, decode, encode
from ._sandbox import STDLIB_INTERNAL, Execution, Importer
from ._sandbox._replay import RunReplay

IN_FD, OUT_FD = 3, 4  # a worker's end of its two pipes
EXIT_MEMORY = 86  # a worker that ran out of memory outside model code exits with this

_TOOL_ERRORS: dict[Any, type[ToolError]] = {
    "argument": ToolArgumentError,
    "limit": ToolCallLimitError,
    "tool": ToolError,
}


def main(config: dict[str, Any]) -> None:
    """The zygote: warm up, then fork a worker for every `spawn` request until the host goes.

    A zygote that cannot start says why on its control socket (a `failed` message) before it
    exits, so that the host reports the cause rather than a worker that never came."""
    try:
        zygote = Zygote(config)
    except BaseException as exc:
        with contextlib.suppress(Exception):
            control = socket.socket(fileno=int(config["fd"]))
            control.sendall(encode({"t": "failed", "error": f"{type(exc).__name__}: {exc}"})[4:])
        raise
    zygote.serve()


class Zygote:
    def __init__(self, config: dict[str, Any]) -> None:
        self.config = config
        self.control = socket.socket(fileno=int(config["fd"]))
        self.children: set[int] = set()
        self.layers: list[str] = []
        if config.get("network"):  # first, while this process has one thread
            self.layers += isolation.unshare_namespaces()
        # One memory setting: the worker's address-space limit, and the run's growth limit.
        self.executor = InProcessExecutor(
            allowed_modules=config["allowed_modules"], memory_mb=config.get("memory_mb")
        )
        self.nobody = isolation.nobody() if os.geteuid() == 0 else None
        # Freed to report running out of memory. Made here, shared by every worker: what it
        # gives back when freed is address space (what the limit counts), not pages.
        self.reserve: bytearray | None = bytearray(1 << 20)
        _warm(self.executor)
        gc.freeze()  # what is here now is shared with every worker; their GC need not scan it

    def serve(self) -> None:
        wake_r, wake_w = os.pipe()
        os.set_blocking(wake_w, False)
        os.set_blocking(wake_r, False)
        signal.set_wakeup_fd(wake_w)
        signal.signal(signal.SIGCHLD, lambda *_: None)
        selector = selectors.DefaultSelector()
        selector.register(self.control, selectors.EVENT_READ)
        selector.register(wake_r, selectors.EVENT_READ)
        try:
            while True:
                for key, _ in selector.select():
                    if key.fileobj == wake_r:
                        while _drain(wake_r):
                            pass
                        self.reap()
                        continue
                    try:
                        data, fds, _, _ = socket.recv_fds(self.control, 65536, 4)
                    except (BlockingIOError, InterruptedError):
                        continue
                    if not data:
                        return  # the host closed the socket or died
                    if not self.handle(decode(data), fds):
                        return
        finally:
            self.shutdown()

    def handle(self, message: dict[str, Any], fds: list[int]) -> bool:
        kind = message.get("t")
        if kind == "spawn" and len(fds) == 2:
            try:
                pid: int | None = self.fork(fds[0], fds[1], message.get("rehearse") is True)
            except OSError as exc:  # the host counts this against the machinery, not a program
                for fd in fds:
                    os.close(fd)
                self.send({"t": "spawned", "n": message.get("n"), "pid": None, "error": str(exc)})
                return True
            self.send({"t": "spawned", "n": message.get("n"), "pid": pid})
            return True
        for fd in fds:
            os.close(fd)
        if kind == "kill":
            target = message.get("pid")
            if target in self.children:  # only our own children, never a pid the host mistyped
                with contextlib.suppress(ProcessLookupError):
                    os.kill(target, signal.SIGKILL)
            return True
        return kind != "exit"

    def fork(self, fd_in: int, fd_out: int, rehearse: bool) -> int:
        pid = os.fork()
        if pid == 0:  # the worker
            try:
                signal.set_wakeup_fd(-1)
                signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                Worker(self, fd_in, fd_out).serve(rehearse)
            finally:
                os._exit(70)
        os.close(fd_in)  # the next worker must not inherit this one's pipes
        os.close(fd_out)
        self.children.add(pid)
        return pid

    def reap(self) -> None:
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            self.children.discard(pid)
            self.send({"t": "exited", "pid": pid, "status": status})

    def send(self, message: dict[str, Any]) -> None:
        with contextlib.suppress(OSError):  # a seqpacket socket keeps the message boundaries
            self.control.sendall(encode(message)[4:])

    def shutdown(self) -> None:
        for pid in list(self.children):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 5
        while self.children and time.monotonic() < deadline:
            try:
                pid, _ = os.waitpid(-1, 0)
            except ChildProcessError:
                break
            self.children.discard(pid)


def _drain(fd: int) -> bool:
    try:
        return bool(os.read(fd, 512))
    except (BlockingIOError, InterruptedError):
        return False


# The codecs a worker knows (their modules loaded before Landlock): the Unicode and common
# single-byte ones and the bytes-to-bytes ones; the rest (CJK, old code pages) cost 100 ms and
# 3 MB more in the zygote.
_CODECS = (
    *("ascii", "latin_1", "utf_8", "utf_8_sig", "utf_7"),
    *("utf_16", "utf_16_le", "utf_16_be", "utf_32", "utf_32_le", "utf_32_be"),
    *("cp1252", "cp437", "iso8859_15", "mac_roman", "charmap"),
    *("unicode_escape", "raw_unicode_escape", "idna", "punycode"),
    *("base64_codec", "hex_codec", "quopri_codec", "uu_codec", "zlib_codec", "rot_13"),
)


def _warm(executor: InProcessExecutor) -> None:
    """Import every allowed module and exercise the run path once, so a worker forked later
    never has to read a file (Landlock may forbid it) and starts at full speed."""
    importer = Importer(executor.allowed_modules)
    for name in sorted(executor.allowed_modules):
        with contextlib.suppress(Exception):  # one that fails is refused when a program asks
            importer.load(name)
    for name in STDLIB_INTERNAL:  # what allowed modules import lazily from C (`_strptime`)
        with contextlib.suppress(Exception):
            importlib.import_module(name)
    for encoding in _CODECS:  # `str.encode` imports a codec's module on first use
        with contextlib.suppress(LookupError):
            codecs.lookup(encoding)
    if "hashlib" in executor.allowed_modules:
        import hashlib

        hashlib.sha256(b"").hexdigest()  # OpenSSL reads its configuration on first use
    executor.compile("async def main():\n    return [i for i in range(3)]\n")
    executor.compile(REHEARSAL)  # cached: each worker's rehearsal finds it compiled
    to_jsonable({"x": (1, 2.5, None)})


# -- the worker -------------------------------------------------------------------------------


class RemoteTool:
    """What the in-process tool proxy needs of a tool on the host: its keywords, description
    and the parameters it takes by position."""

    __slots__ = ("description", "keywords", "positional")

    def __init__(
        self, keywords: dict[str, str], description: str, positional: tuple[str, ...] = ()
    ) -> None:
        self.keywords = keywords
        self.description = description
        self.positional = positional


class Channel:
    """The worker's write end. Frames are written whole under a lock (the heartbeat thread
    writes too); the pipe is blocking, so a host that stops reading stops the worker."""

    __slots__ = ("_lock", "fd", "max_frame_bytes")

    def __init__(self, fd: int, max_frame_bytes: int) -> None:
        self.fd = fd
        self.max_frame_bytes = max_frame_bytes
        self._lock = threading.Lock()

    def send(self, message: dict[str, Any]) -> None:
        self.send_frame(encode(message))

    def send_frame(self, frame: bytes) -> None:
        view = memoryview(frame)
        with self._lock:
            while view:
                written = os.write(self.fd, view)
                view = view[written:]


class WorkerBridge(ToolBridge):
    """The worker's end of one execution: tool calls and output go up the pipe as frames."""

    __slots__ = ("_channel", "_ids", "_loop", "_wait", "closed", "pending", "run")

    def __init__(
        self,
        tools: Mapping[str, RemoteTool],
        limits: Limits,
        channel: Channel,
        loop: asyncio.AbstractEventLoop,
        wait: Callable[[asyncio.Future[dict[str, Any]]], None],
        run: int,
    ) -> None:
        super().__init__(cast(Any, tools), limits)
        self.run = run  # the run's id, in every frame it sends: the host takes no other run's
        self._channel = channel
        self._loop = loop  # the worker's one loop (asyncio.get_running_loop() calls getpid())
        self._wait = wait
        self._ids = itertools.count(1)
        self.pending: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self.closed = False  # the run is over: whatever its leftovers do stays here

    async def call(self, name: str, args: Mapping[str, Any], line: int | None = None) -> Any:
        if self.closed:
            raise ToolError(f"{name}(): the execution is over", tool=name)
        call_id = next(self._ids)
        if line is None:  # for the host's trace: the line of the program that made the call
            line = _model_line()
        try:
            request = {
                "t": "call",
                "run": self.run,
                "id": call_id,
                "tool": name,
                "args": to_jsonable(args, budget=self._max_arg_chars),
            }
            if line is not None:
                request["line"] = line
            at = CALL_POSITION.get()
            if at is not None:  # a run that may pause: where the call is, for the journal
                request["at"] = at
            frame = encode(request)
        except TooLarge:  # as the host's bridge says it (`_snapshot`)
            message = f"{name}(): the arguments are larger than {self._max_arg_chars} characters"
            raise ToolArgumentError(message, tool=name) from None
        except (ValueError, TypeError) as exc:
            message = f"{name}(): the arguments cannot be sent: {exc}"
            raise ToolArgumentError(message, tool=name) from None
        if len(frame) > self._channel.max_frame_bytes:
            raise ToolArgumentError(
                f"{name}(): the arguments are {len(frame)} bytes as JSON, over the limit of "
                f"{self._channel.max_frame_bytes}",
                tool=name,
            )
        future: asyncio.Future[dict[str, Any]] = self._loop.create_future()
        self.pending[call_id] = future
        try:
            self._channel.send_frame(frame)
            self._wait(future)  # the reply, if nothing else in the program could run meanwhile
            reply = future.result() if future.done() else await future
        except asyncio.CancelledError:
            if not self.closed:
                self._channel.send({"t": "cancel", "run": self.run, "id": call_id})
            raise
        finally:
            self.pending.pop(call_id, None)
        if reply.get("ok") is True:
            return reply.get("value")
        kind = reply.get("kind")
        if kind == "pending":
            raise ApprovalPending()
        if kind == "diverged":
            raise ReplayDivergenceError(str(reply.get("message")))
        error = _TOOL_ERRORS.get(kind, ToolError)
        raised = reply.get("raised")
        raise error(
            str(reply.get("message")), tool=name, kind=raised if isinstance(raised, str) else None
        )

    def _emit(self, event: Event) -> None:
        if isinstance(event, LogEntry) and not self.closed:
            self._channel.send(
                {"t": "log", "run": self.run, "stream": event.stream, "text": event.text}
            )


class Worker:
    def __init__(self, zygote: Zygote, fd_in: int, fd_out: int) -> None:
        config = zygote.config
        zygote_pid = os.getppid()
        isolation.prctl(isolation.PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != zygote_pid:  # the zygote died while we were being born
            os._exit(0)
        _keep_only(fd_in, fd_out)
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the size limit fails instead
        self.executor = zygote.executor
        self.channel = Channel(OUT_FD, int(config["max_frame_bytes"]))
        self.reader = FrameReader(1 << 62)  # the host is trusted; its frames are not bounded
        self.tools: dict[str, RemoteTool] = {}
        self.bridge: WorkerBridge | None = None
        self.active = False
        self.runs: collections.deque[dict[str, Any]] = collections.deque()  # run frames not begun
        self.limits: tuple[dict[str, Any], Limits] | None = None  # the last run's, as sent
        self.kept = SessionState()  # what a session's runs keep (pinned worker)
        self.run_id = 0  # the current run's, from its run frame
        self.reserve = zygote.reserve  # freed to report running out
        self.dirty = False  # a program ran since the last collection of cycles
        self.loop = asyncio.SelectorEventLoop()
        asyncio.set_event_loop(self.loop)
        # The loop's own queues, read to know when nothing but a frame from the host can wake
        # the program (see `_wait`); without them (another asyncio) every wait is the loop's.
        self.ready: collections.deque[Any] | None = getattr(self.loop, "_ready", None)
        self.timers: list[Any] | None = getattr(self.loop, "_scheduled", None)
        wake = getattr(self.loop, "_ssock", None)  # written by call_soon_threadsafe
        self.replies: select.poll | None = None
        if self.ready is not None and self.timers is not None and wake is not None:
            self.replies = select.poll()
            self.replies.register(IN_FD, select.POLLIN)
            self.replies.register(wake.fileno(), select.POLLIN)
        self.layers = [*zygote.layers, "fds", "env"]
        self.layers += isolation.set_limits(
            memory_mb=config.get("memory_mb"),
            cpu_seconds=int(config["cpu_seconds"]),
            open_files=int(config["open_files"]),
        )
        _CPU_LIMIT[:] = resource.getrlimit(resource.RLIMIT_CPU)
        if config.get("drop_privileges"):
            dropped = isolation.drop_privileges(zygote.nobody)
            if dropped:
                self.layers.append(dropped)
        if config.get("landlock"):
            applied = isolation.landlock(config["readable"])
            if applied:
                self.layers.append(applied)
        isolation.prctl(isolation.PR_SET_DUMPABLE, 0)  # no other worker may trace or read us
        isolation.prctl(isolation.PR_SET_NO_NEW_PRIVS, 1)
        # A zygote in a user namespace holds every capability within it: its workers keep none.
        if "userns" in self.layers and isolation.drop_capabilities():
            self.layers.append("nocaps")
        # After everything above that opens, creates or signals (the event loop's socketpair,
        # Landlock's rule files); the threads below inherit it.
        if config.get("seccomp"):
            applied = isolation.seccomp()
            if applied:
                self.layers.append(applied)
        # Threads last but one: they inherit the layers above, and the process limit comes after.
        threading.stack_size(256 * 1024)
        WATCHDOG.watch(0.0, Execution())  # starts the watchdog thread now, while we still may
        interval = float(config["heartbeat"])
        threading.Thread(target=self._heartbeat, args=(interval,), daemon=True).start()
        if isolation.limit_processes():
            self.layers.append("nproc")

    def serve(self, rehearse: bool) -> None:
        if rehearse:  # a spare; not when a caller is waiting for this worker
            self.rehearse()
        self.channel.send({"t": "ready", "pid": os.getpid(), "layers": self.layers})
        self.loop.add_reader(IN_FD, self._readable)  # what comes while the loop runs
        self.loop.run_until_complete(self._serve())

    def rehearse(self) -> None:
        """Run a small program start to finish, its frames dropped, before saying ready.

        A fresh worker shares its memory with the zygote until it writes to it, and a run
        writes to much of the interpreter (reference counts, caches): each first write copies
        a page. Done here, while the worker is a spare, rather than while a caller waits for
        the first (and, by default, only) run of this process.
        """
        channel = self.channel
        self.channel = _Muted(OUT_FD, channel.max_frame_bytes)
        try:
            limits = Limits()
            message = {
                "run": 0,
                "code": REHEARSAL,
                "tools": None,
                "limits": {
                    "timeout": limits.timeout,
                    "max_tool_calls": limits.max_tool_calls,
                    "max_log_chars": limits.max_log_chars,
                    "max_result_chars": limits.max_result_chars,
                    "memory_mb": limits.memory_mb,
                },
            }
            with contextlib.suppress(Exception):  # a rehearsal that fails costs only speed
                self.loop.run_until_complete(self._execute(message))
        finally:
            self.channel = channel
            self.bridge = None
            self.limits = None

    async def _serve(self) -> None:
        """Run programs one after another, all in this one task.

        Between runs the worker has nothing to do but wait for the next one, so it waits in
        `poll` on its pipe rather than in the event loop: a run frame then starts the program
        at once, without the loop's dispatch and a new task (a good part of a trivial run).
        Before it blocks, a loop iteration lets whatever the last program left (tasks it
        spawned, now cancelled) wind down, if the loop has anything ready; anything pending
        after that waits for the next run, and a finished execution's leftovers can do nothing
        but stop.
        """
        runs = self.runs
        poller = select.poll()
        poller.register(IN_FD, select.POLLIN)
        task = asyncio.current_task()
        ready = self.ready
        while True:
            try:
                if ready is None or ready:
                    await asyncio.sleep(0)
                while not runs:
                    # Collect what programs left in cycles once idle for a moment, not while
                    # the host waits for a result (a full collection costs a trivial run); a
                    # spare that has run nothing has nothing to collect.
                    if self.dirty and not poller.poll(_COLLECT_AFTER_MS):
                        gc.collect()
                        self.dirty = False
                    poller.poll()
                    self._readable()
                message = runs.popleft()
                await self._run(message)
                if message.get("last"):
                    os._exit(0)  # one run per process: nothing the program left can run on
            except asyncio.CancelledError:
                pass  # meant for a program that is over (it may have caught its own timeout)
            # This task outlives every program: none may leave a cancellation behind for the next
            # (the in-process executor tells its own deadline's cancellation by the count).
            while task is not None and task.cancelling():
                task.uncancel()

    def _wait(self, future: asyncio.Future[dict[str, Any]]) -> None:
        """Wait for a tool's reply in `poll`, not in the event loop, while nothing else in the
        program can run: no callback ready, no timer pending (a sleep, an `asyncio.timeout`).
        That saves the loop two turns per tool call. It stops as soon as the reply is in, a
        frame made something else ready (another call's reply), or the loop is woken from
        another thread (the watchdog at the deadline): the loop takes over from there.
        """
        replies, ready = self.replies, self.ready
        if replies is None or ready or self.timers:
            return
        while not future.done():
            if any(fd != IN_FD for fd, _ in replies.poll()):
                return  # the loop was woken from another thread
            self._readable()
            if ready:
                return

    def _readable(self) -> None:
        try:
            data = os.read(IN_FD, 1 << 16)
        except (BlockingIOError, InterruptedError):
            return
        if not data:
            os._exit(0)  # the host let go of us
        for message in self.reader.feed(data):
            kind = message["t"]
            if kind == "ret":
                bridge = self.bridge
                future = bridge.pending.get(message.get("id")) if bridge else None  # type: ignore[arg-type]
                if future is not None and not future.done():
                    future.set_result(message)
            elif kind == "run" and not self.active:
                self.runs.append(message)
            elif kind == "exit":
                os._exit(0)

    async def _run(self, message: dict[str, Any]) -> None:
        self.active = True
        run_id = self.run_id = message["run"]
        try:
            await self._execute(message)
        except MemoryError:
            self.reserve = None
            try:
                self.channel.send(
                    {"t": "done", "run": run_id, "value": None, "error": _memory_error()}
                )
            except MemoryError:
                os._exit(EXIT_MEMORY)
        except BaseException as exc:  # a fault in this machinery, not in model code
            self.channel.send(
                {
                    "t": "done",
                    "run": run_id,
                    "value": None,
                    "error": {"type": "crash", "message": f"worker error: {exc!r}"[:2000]},
                }
            )
        finally:
            self.bridge = None
            self.active = False
            self.dirty = True
        if self.reserve is None:
            self.reserve = bytearray(1 << 20)

    async def _execute(self, message: dict[str, Any]) -> None:
        sent = message["limits"]
        if self.limits is not None and self.limits[0] == sent:
            limits = self.limits[1]  # as usual, the same as last time
        else:
            limits = Limits(**sent)
            self.limits = (sent, limits)
        table = message.get("tools")
        if table is not None:
            self.tools = {
                name: RemoteTool(kw, desc, tuple(positional))
                for name, (kw, desc, positional) in table.items()
            }
        _cpu_budget(limits.timeout)
        run_id = self.run_id
        bridge = self.bridge = WorkerBridge(
            self.tools, limits, self.channel, self.loop, self._wait, run_id
        )
        code: str = message["code"]
        compiled = self.executor.compile(code)
        value: Any = None
        error: ExecuteError | None
        replay: RunReplay | None = None
        if isinstance(compiled, ExecuteError):
            error = compiled
        else:
            pause = message.get("pause")
            if pause is not None:  # the run may wait for approvals: replay what it saw before
                replay = RunReplay(int(pause["seed"]), dict(pause["clock"]))
            kept = self.kept if message.get("keep") else None  # a session's state
            value, error = await self.executor.run(
                compiled, code, bridge, limits, replay=replay, session=kept
            )
            bridge.closed = True  # its leftover tasks are cancelled after the result is sent
        frame = None
        if replay is not None:  # the clock readings go into the run's checkpoint
            self.channel.send({"t": "clock", "run": run_id, "readings": replay.readings})
        if error is None:  # the value is JSON-safe already; small enough needs no measuring
            try:
                frame = encode({"t": "done", "run": run_id, "value": value, "error": None})
            except (ValueError, TypeError):
                pass
            else:
                if len(frame) > limits.max_result_chars:
                    frame = None
        if frame is None:
            try:  # a value JSON cannot carry (an int past 4300 digits) is an output error
                result = bridge.finish(value=value, error=error, jsonable=True)
                frame = encode(
                    {
                        "t": "done",
                        "run": run_id,
                        "value": result.value,
                        "error": result.error.to_dict() if result.error else None,
                    }
                )
            except (ValueError, TypeError) as exc:
                error = ExecuteError(type="output", message=f"the result cannot be sent: {exc}")
                frame = encode(
                    {"t": "done", "run": run_id, "value": None, "error": error.to_dict()}
                )
        self.channel.send_frame(frame)

    def _heartbeat(self, interval: float) -> None:
        beat = encode({"t": "beat"})
        while True:
            time.sleep(interval)
            if self.active:
                self.channel.send_frame(beat)


_COLLECT_AFTER_MS = 5

# What a worker runs before it says ready (see `Worker.rehearse`): the usual paths of a run.
REHEARSAL = """
import json
async def main():
    rows = [{"n": i, "name": f"row {i}"} for i in range(8)]
    total = sum(row["n"] for row in rows)
    print("total", total)
    await asyncio.sleep(0)
    return {"rows": rows[:2], "total": total, "text": json.dumps(rows[0])}
"""


class _Muted(Channel):
    """A channel that sends nothing (for the rehearsal)."""

    __slots__ = ()

    def send_frame(self, frame: bytes) -> None:
        pass


def _keep_only(fd_in: int, fd_out: int) -> None:
    """Move our pipe ends to IN_FD/OUT_FD and close every other descriptor above stderr."""
    spare_in = os.dup(fd_in)
    spare_out = os.dup(fd_out)
    os.dup2(spare_in, IN_FD, inheritable=False)
    os.dup2(spare_out, OUT_FD, inheritable=False)
    os.closerange(OUT_FD + 1, 1 << 20)
    os.set_blocking(IN_FD, False)
    os.set_blocking(OUT_FD, True)


def _cpu_budget(timeout: float | None) -> None:
    """Let the kernel stop this worker (SIGXCPU) a little after the host should have."""
    soft, hard = _CPU_LIMIT
    if timeout is None:
        wanted = hard
    else:
        wanted = int(time.process_time() + timeout) + 3  # this process's user + system time
        if hard != resource.RLIM_INFINITY:
            wanted = min(wanted, hard)
    if wanted != soft:
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_CPU, (wanted, hard))
            _CPU_LIMIT[0] = wanted


_CPU_LIMIT = [-2, -2]  # what this worker last set: (soft, hard), filled in at start


def _model_line() -> int | None:
    """The line of model code that called a tool, if it awaited the call itself (a call started
    by `asyncio.gather` begins in a task of its own, with no model frame under it)."""
    frame: FrameType | None = sys._getframe(2)  # 0: here, 1: RemoteBridge.call, 2: the tool
    for _ in range(4):
        if frame is None:
            return None
        if frame.f_code.co_filename == FILENAME:
            return frame.f_lineno
        frame = frame.f_back
    return None


def _memory_error() -> dict[str, Any]:
    return {
        "type": "memory",
        "message": "MemoryError: the program ran out of memory (the worker's memory limit)",
        "exception": "MemoryError",
    }
