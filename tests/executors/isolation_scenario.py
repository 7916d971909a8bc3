"""A host that runs escaped programs in `SubprocessExecutor` workers and reports what they reached.

    python isolation_scenario.py '{"all": {}, "seccomp": {"landlock": false, ...}}'

Run by `test_subprocess_isolation.py` as root and as an ordinary user (it is the host: the files,
sockets, shared memory and process the probes aim at are this process's and its user's). For each
configuration of `SubprocessExecutor` options it prints, as one JSON line, the layers the workers
reported and, for each probe, whether the probe reached its target. What "reached" means is
checked on this side where it can be (the UDP datagram arrived, the file's mode changed), not
only taken from the worker's word. The policy is relaxed (`os`, `ctypes`, `socket`) to stand for a
program that escaped it.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import json
import os
import socket
import stat
import subprocess
import sys
import tempfile
from typing import Any

from codemode import Codemode
from codemode.executors import SubprocessExecutor
from codemode.executors._sandbox import DEFAULT_MODULES

RELAXED = (*DEFAULT_MODULES, "os", "stat", "ctypes", "socket")
SECRET = os.environ.get("CODEMODE_PROBE_SECRET", "codemode-probe-secret")
IPC_PRIVATE, IPC_CREAT, IPC_RMID = 0, 0o1000, 0

PROBES = """
import os, socket, ctypes
out = {}
def attempt(name, fn):
    try:
        result = fn()
        out[name] = "reached" if result is not False else "no effect"
    except Exception as exc:
        out[name] = "blocked: " + type(exc).__name__ + ": " + str(exc)[:80]

def udp():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.sendto(b"probe", ("127.0.0.1", UDP_PORT))

def tcp(proto=0):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM, proto)
    s.settimeout(2)
    s.connect(("127.0.0.1", TCP_PORT))
    s.sendall(b"probe")

def unix():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(2)
    s.connect(UNIX_PATH)
    s.sendall(b"probe")

def shm():
    prototype = ctypes.CFUNCTYPE(ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p, ctypes.c_int)
    shmat = prototype(("shmat", ctypes.CDLL(None, use_errno=True)))
    address = shmat(SHM_ID, None, 0o10000)  # SHM_RDONLY
    if address in (None, ctypes.c_void_p(-1).value):
        raise OSError(ctypes.get_errno(), "shmat failed")
    return ctypes.string_at(address, len(SECRET)) == SECRET.encode()

def prlimit():  # read the host's open-file limit (setting it needs the same permission)
    old = (ctypes.c_ulong * 2)()
    if ctypes.CDLL(None, use_errno=True).prlimit(HOST, 7, None, old) != 0:
        raise OSError(ctypes.get_errno(), "prlimit failed")

def read(path):
    fd = os.open(path, os.O_RDONLY)
    return SECRET.encode() in os.read(fd, 1 << 20)

attempt("udp", udp)
attempt("tcp", tcp)
attempt("mptcp", lambda: tcp(262))
attempt("unix", unix)
attempt("chmod", lambda: os.chmod(TARGET, 0o777))
attempt("utime", lambda: os.utime(TARGET, (0, 0)))
attempt("xattr", lambda: os.setxattr(TARGET, "user.codemode", b"x"))
attempt("shm", shm)
attempt("kill", lambda: os.kill(HOST, 0))
attempt("kill-other", lambda: os.kill(OTHER, 0))
attempt("prlimit", prlimit)
attempt("renice", lambda: os.setpriority(os.PRIO_PROCESS, OTHER, 5))
attempt("write", lambda: os.close(os.open(TARGET, os.O_WRONLY | os.O_TRUNC)))
attempt("read", lambda: read(SECRET_FILE))
attempt("environ", lambda: read(f"/proc/{HOST}/environ"))
attempt("memory", lambda: os.close(os.open(f"/proc/{HOST}/mem", os.O_RDONLY)))  # the host's memory
out
"""

EXECVE = "import os\nos.execv('/bin/true', ['true'])"


class Targets:
    """What the probes aim at, all this process's and its user's."""

    def __init__(self) -> None:
        self.home = tempfile.mkdtemp(prefix="codemode-probe-")  # 0700, like a home directory
        self.secret_file = os.path.join(self.home, "secret")
        with open(self.secret_file, "w") as file:
            file.write(SECRET)
        os.chmod(self.secret_file, 0o600)
        self.target = os.path.join(self.home, "target")
        with open(self.target, "w") as file:
            file.write("content")
        os.chmod(self.target, 0o644)
        self.xattr = True
        try:
            os.setxattr(self.target, "user.probe", b"1")
        except OSError:
            self.xattr = False  # this file system keeps no user attributes: nothing to test
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.bind(("127.0.0.1", 0))
        self.udp.setblocking(False)
        self.tcp = socket.socket()
        self.tcp.bind(("127.0.0.1", 0))
        self.tcp.listen(8)
        self.tcp.setblocking(False)
        self.unix_path = os.path.join(self.home, "agent.sock")
        self.unix = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.unix.bind(self.unix_path)
        self.unix.listen(8)
        self.unix.setblocking(False)
        # another process of the user's (an agent, an editor)
        self.other = subprocess.Popen(["sleep", "600"], stdin=subprocess.DEVNULL)
        libc = ctypes.CDLL(None, use_errno=True)
        libc.shmat.restype = ctypes.c_void_p
        self.libc = libc
        self.shm_id = libc.shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0o600)
        if self.shm_id >= 0:
            address = libc.shmat(self.shm_id, None, 0)
            ctypes.memmove(address, SECRET.encode(), len(SECRET))
            libc.shmdt(ctypes.c_void_p(address))

    def code(self) -> str:
        values = {
            "UDP_PORT": self.udp.getsockname()[1],
            "TCP_PORT": self.tcp.getsockname()[1],
            "UNIX_PATH": self.unix_path,
            "TARGET": self.target,
            "SECRET_FILE": self.secret_file,
            "SHM_ID": self.shm_id,
            "HOST": os.getpid(),
            "OTHER": self.other.pid,
            "SECRET": SECRET,
        }
        header = "".join(f"{name} = {value!r}\n" for name, value in values.items())
        return header + PROBES

    def reset(self) -> None:
        os.chmod(self.target, 0o644)
        with open(self.target, "w") as file:
            file.write("content")
        if self.xattr:
            with contextlib.suppress(OSError):
                os.removexattr(self.target, "user.codemode")

    def effects(self) -> dict[str, bool]:
        """What this side sees of the probes (True: the target was reached)."""
        seen: dict[str, bool] = {}
        try:
            self.udp.recv(100)
            seen["udp"] = True
        except BlockingIOError:
            seen["udp"] = False
        info = os.stat(self.target)
        seen["chmod"] = stat.S_IMODE(info.st_mode) != 0o644
        seen["utime"] = info.st_mtime == 0
        if self.xattr:
            try:
                os.getxattr(self.target, "user.codemode")
                seen["xattr"] = True
            except OSError:
                seen["xattr"] = False
        with open(self.target) as file:
            seen["write"] = file.read() != "content"
        return seen

    def drain(self) -> None:
        for listener in (self.tcp, self.unix):
            while True:
                try:
                    listener.accept()[0].close()
                except BlockingIOError:
                    break

    def close(self) -> None:
        self.other.kill()
        self.other.wait()
        if self.shm_id >= 0:
            self.libc.shmctl(self.shm_id, IPC_RMID, None)
        for sock in (self.udp, self.tcp, self.unix):
            sock.close()
        for name in os.listdir(self.home):
            os.unlink(os.path.join(self.home, name))
        os.rmdir(self.home)


async def probe(targets: Targets, options: dict[str, Any]) -> dict[str, Any]:
    executor = SubprocessExecutor(allowed_modules=RELAXED, max_workers=1, **options)
    try:
        cm = Codemode([], executor=executor, timeout=10)
        targets.reset()
        result = await cm.execute(targets.code())
        if not result.ok:
            return {"error": str(result.error)}
        said: dict[str, str] = result.value
        seen = targets.effects()
        targets.drain()
        reached = {name: text == "reached" or seen.get(name, False) for name, text in said.items()}
        if not targets.xattr:
            reached.pop("xattr")
        if targets.shm_id < 0:
            reached.pop("shm")
        execve = await cm.execute(EXECVE)
        # /bin/true replaced the worker: the run ends in a crash with exit code 0
        reached["execve"] = execve.error is not None and "code 0" in execve.error.message
        return {
            "layers": list(executor.stats().isolation),
            "reached": reached,
            "said": said,
        }
    finally:
        await executor.aclose()


async def main() -> None:
    configs: dict[str, dict[str, Any]] = json.loads(sys.argv[1])
    targets = Targets()
    try:
        report = {name: await probe(targets, options) for name, options in configs.items()}
    finally:
        targets.close()
    print(json.dumps({"uid": os.geteuid(), "configs": report}))


if __name__ == "__main__":
    asyncio.run(main())
