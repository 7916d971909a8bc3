"""The operating-system layers a subprocess worker puts around itself before model code runs.

Each function applies one layer in the calling process and says whether it held; none raises for a
layer the kernel does not offer. Linux only: on other systems `apply_worker_layers` applies the
resource limits and nothing else.

- `set_limits`: address space, CPU seconds, open files, file size 0, no core files;
  `limit_processes`: no new processes or threads (not binding on root).
- `drop_privileges`: a root worker becomes `nobody` with no groups, so it cannot signal, trace or
  read the files and `/proc` entries of the host (which stays root).
- `landlock`: reads only beneath the given directories (the Python installation and the packages
  the worker imports), no writes, no executing files, no TCP connect or bind (ABI 4+), no signals
  to processes outside the worker (ABI 6+), no ptrace of them (any ABI).
- `unshare_network`: an empty network namespace (needs CAP_SYS_ADMIN: a root zygote does this once
  for all its workers).
"""

from __future__ import annotations

import ctypes
import os
import resource
import sys
from collections.abc import Iterable

PR_SET_PDEATHSIG = 1
PR_SET_DUMPABLE = 4
PR_SET_NO_NEW_PRIVS = 38
CLONE_NEWNET = 0x40000000

_libc: ctypes.CDLL | None = None


def libc() -> ctypes.CDLL:
    global _libc
    if _libc is None:
        _libc = ctypes.CDLL(None, use_errno=True)
    return _libc


def prctl(option: int, value: int) -> bool:
    if not sys.platform.startswith("linux"):
        return False
    return int(libc().prctl(option, ctypes.c_ulong(value), 0, 0, 0)) == 0


def unshare_network() -> bool:
    """Move this process (and its future children) into a new, empty network namespace."""
    if not sys.platform.startswith("linux"):
        return False
    return int(libc().unshare(CLONE_NEWNET)) == 0


def set_limits(*, memory_mb: int | None, cpu_seconds: int, open_files: int) -> list[str]:
    """Resource limits for a worker: what held, as layer names. (The process limit comes later,
    once the worker's own threads run: it counts threads too.)"""
    held = []
    wanted: list[tuple[str, int, int]] = [
        ("core", resource.RLIMIT_CORE, 0),
        ("fsize", resource.RLIMIT_FSIZE, 0),
        ("nofile", resource.RLIMIT_NOFILE, open_files),
        ("cpu", resource.RLIMIT_CPU, cpu_seconds),
    ]
    if memory_mb is not None:
        wanted.append(("as", resource.RLIMIT_AS, memory_mb * 1024 * 1024))
    for name, which, value in wanted:
        try:
            resource.setrlimit(which, (value, value))
            held.append(name)
        except (ValueError, OSError):
            pass
    return held


def drop_privileges() -> str | None:
    """As root, become `nobody` (no supplementary groups); the layer's name, or None."""
    if os.geteuid() != 0:
        return None
    try:
        import pwd

        entry = pwd.getpwnam("nobody")
        uid, gid = entry.pw_uid, entry.pw_gid
    except (ImportError, KeyError):
        uid = gid = 65534
    os.setgroups([])
    os.setresgid(gid, gid, gid)
    os.setresuid(uid, uid, uid)
    return f"uid:{uid}"


# -- Landlock ---------------------------------------------------------------------------------

_SYS_CREATE_RULESET, _SYS_ADD_RULE, _SYS_RESTRICT_SELF = 444, 445, 446  # same on every arch
_CREATE_RULESET_VERSION = 1
_RULE_PATH_BENEATH = 1
_FS_READ_FILE = 1 << 2
_FS_READ_DIR = 1 << 3
_FS_RIGHTS_BY_ABI = {1: (1 << 13) - 1, 2: (1 << 14) - 1, 3: (1 << 15) - 1, 5: (1 << 16) - 1}
_NET_BIND_TCP, _NET_CONNECT_TCP = 1 << 0, 1 << 1
_SCOPE_ABSTRACT_UNIX_SOCKET, _SCOPE_SIGNAL = 1 << 0, 1 << 1


class _RulesetAttr(ctypes.Structure):
    _fields_ = [
        ("handled_access_fs", ctypes.c_uint64),
        ("handled_access_net", ctypes.c_uint64),
        ("scoped", ctypes.c_uint64),
    ]


class _PathBeneathAttr(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


def _syscall(number: int, *args: object) -> int:
    """`syscall(2)` with every integer passed as a full-width long (the calls are variadic)."""
    converted = [ctypes.c_long(a) if isinstance(a, int) else a for a in args]
    return int(libc().syscall(ctypes.c_long(number), *converted))


def landlock_abi() -> int:
    """The Landlock ABI version the kernel offers (0 when it offers none)."""
    if not sys.platform.startswith("linux") or os.uname().machine not in ("x86_64", "aarch64"):
        return 0
    version = int(_syscall(_SYS_CREATE_RULESET, None, 0, _CREATE_RULESET_VERSION))
    return max(version, 0)


def landlock(readable: Iterable[str]) -> str | None:
    """Restrict this process for good: read-only beneath `readable`, nothing else on the file
    system, and (where the ABI has them) no TCP, no signals or ptrace outside. Needs
    no_new_privs (set here). The layer's name, or None when the kernel offers no Landlock."""
    abi = landlock_abi()
    if abi < 1:
        return None
    fs_rights = _FS_RIGHTS_BY_ABI[max(k for k in _FS_RIGHTS_BY_ABI if k <= abi)]
    attr = _RulesetAttr(handled_access_fs=fs_rights)
    size = 8
    if abi >= 4:
        attr.handled_access_net = _NET_BIND_TCP | _NET_CONNECT_TCP
        size = 16
    if abi >= 6:
        attr.scoped = _SCOPE_ABSTRACT_UNIX_SOCKET | _SCOPE_SIGNAL
        size = 24
    call = _syscall
    ruleset = int(call(_SYS_CREATE_RULESET, ctypes.byref(attr), size, 0))
    if ruleset < 0:
        return None
    try:
        for path in readable:
            try:
                fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
            except OSError:
                continue
            try:
                rule = _PathBeneathAttr(
                    allowed_access=(_FS_READ_FILE | _FS_READ_DIR)
                    if os.path.isdir(path)
                    else _FS_READ_FILE,
                    parent_fd=fd,
                )
                if int(call(_SYS_ADD_RULE, ruleset, _RULE_PATH_BENEATH, ctypes.byref(rule), 0)):
                    return None
            finally:
                os.close(fd)
        if not prctl(PR_SET_NO_NEW_PRIVS, 1):
            return None
        if int(call(_SYS_RESTRICT_SELF, ruleset, 0)) != 0:
            return None
    finally:
        os.close(ruleset)
    return f"landlock:{abi}"


def limit_processes() -> bool:
    """No more processes or threads for this user (RLIMIT_NPROC 0); whether that binds (root
    ignores it)."""
    try:
        resource.setrlimit(resource.RLIMIT_NPROC, (0, 0))
    except (ValueError, OSError, AttributeError):
        return False
    return os.geteuid() != 0
