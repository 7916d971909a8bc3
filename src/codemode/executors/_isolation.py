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
- `unshare_namespaces`: an empty network namespace and a private SysV IPC namespace, made once by
  the zygote for all its workers; a non-root zygote first enters a new user namespace (mapping only
  its own uid and gid), which is what lets an ordinary user make the other two.
- `drop_capabilities`: no capabilities left (a zygote in a user namespace holds every capability
  within it; its workers give them up).
- `seccomp`: a syscall filter (hand-written classic BPF: libseccomp's binding is not on PyPI and
  the packages there are unmaintained or new) that refuses what a worker never needs and the layers above leave open on some kernel or for
  some user: new sockets of any family (the worker's pipes and its event loop's socketpair are open
  already), opening files for writing and every call that creates, removes, renames, links or
  truncates a path, the chmod/chown/utime/xattr family, SysV IPC and POSIX message queues, signals
  to any process but the worker itself, changing another process's resource limits, priority or
  scheduling, ptrace and reading or writing another process's memory,
  namespaces and mounts, `execve`, io_uring (which would run socket calls past the filter),
  keyrings, BPF, perf and userfaultfd. Syscalls of another ABI (i386, x32) are refused whole.

Rule: a layer is never the only one that stops a route where the kernel offers two; each one
applied is named in the worker's `ready` frame and so in `SubprocessExecutor.stats().isolation`.
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
PR_SET_SECCOMP = 22
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
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


def unshare_namespaces() -> list[str]:
    """Move this process (and its future children) into a new, empty network namespace and a new
    SysV IPC namespace; without root, inside a new user namespace first. Must be called while the
    process has one thread. The layers that held, by name."""
    if not sys.platform.startswith("linux"):
        return []
    call = libc().unshare
    if os.geteuid() == 0:
        if int(call(CLONE_NEWNET | CLONE_NEWIPC)) == 0:
            return ["netns", "ipcns"]
        return ["netns"] if int(call(CLONE_NEWNET)) == 0 else []
    uid, gid = os.getuid(), os.getgid()
    if int(call(CLONE_NEWUSER | CLONE_NEWNET | CLONE_NEWIPC)) == 0:
        made = ["userns", "netns", "ipcns"]
    elif int(call(CLONE_NEWUSER | CLONE_NEWNET)) == 0:
        made = ["userns", "netns"]
    else:
        return []  # no user namespaces for this user here (a sysctl, AppArmor, a container)
    # The same ids inside as outside: files and processes look as they did; only this user's own
    # ids exist in the namespace, so no capability held in it reaches anything of another user.
    try:
        for name, text in (("setgroups", "deny"), ("uid_map", f"{uid} {uid} 1"),
                           ("gid_map", f"{gid} {gid} 1")):  # fmt: skip
            with open(f"/proc/self/{name}", "w") as file:
                file.write(text)
    except OSError:
        pass  # the ids stay unmapped (shown as nobody): still isolated
    return made


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [
        ("effective", ctypes.c_uint32),
        ("permitted", ctypes.c_uint32),
        ("inheritable", ctypes.c_uint32),
    ]


def drop_capabilities() -> bool:
    """Give up every capability (effective, permitted, inheritable); whether it held."""
    if not sys.platform.startswith("linux"):
        return False
    header = _CapHeader(version=0x20080522, pid=0)  # _LINUX_CAPABILITY_VERSION_3: two words
    data = (_CapData * 2)()
    return int(libc().capset(ctypes.byref(header), data)) == 0


def capabilities() -> int:
    """This process's effective capabilities as a bit mask (from /proc), for tests and checks."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("CapEff:"):
                    return int(line.split()[1], 16)
    except OSError:
        pass
    return 0


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


def nobody() -> tuple[int, int]:
    """The uid and gid of `nobody` (looked up once, in the zygote: it reads /etc/passwd)."""
    try:
        import pwd

        entry = pwd.getpwnam("nobody")
    except (ImportError, KeyError):
        return 65534, 65534
    return entry.pw_uid, entry.pw_gid


def drop_privileges(ids: tuple[int, int] | None = None) -> str | None:
    """As root, become `nobody` (`ids`, looked up if not given; no supplementary groups); the
    layer's name, or None."""
    if os.geteuid() != 0:
        return None
    uid, gid = ids or nobody()
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


# -- seccomp ----------------------------------------------------------------------------------

_AUDIT_ARCH = {"x86_64": 0xC000003E, "aarch64": 0xC00000B7}
_SYS_SECCOMP = {"x86_64": 317, "aarch64": 277}
_SECCOMP_SET_MODE_FILTER = 1
_SECCOMP_FILTER_FLAG_TSYNC = 1  # every thread of the process, not only the calling one
_RET_ALLOW = 0x7FFF0000
_RET_ERRNO = 0x00050000
_EPERM, _ENOSYS = 1, 38
_X32_BIT = 0x40000000
# Writing, creating or truncating through open(): O_WRONLY | O_RDWR | O_CREAT | O_TRUNC | O_APPEND
# (the same bits on x86_64 and aarch64; O_TMPFILE needs O_WRONLY or O_RDWR).
_OPEN_WRITE = 0o1 | 0o2 | 0o100 | 0o1000 | 0o2000

# The refused syscalls by family, as (x86_64, aarch64) numbers; None where the ABI has none.
_DENY: dict[str, dict[str, tuple[int | None, int | None]]] = {
    # new sockets of every family (UDP, TCP, MPTCP, a user's UNIX sockets, netlink, ...)
    "sockets": {
        "socket": (41, 198), "socketpair": (53, 199), "connect": (42, 203), "bind": (49, 200),
        "listen": (50, 201), "accept": (43, 202), "accept4": (288, 242),
    },
    # changing files: what Landlock does not handle (modes, owners, times, attributes) and, for
    # kernels without it, every path-changing call
    "files": {
        "chmod": (90, None), "fchmod": (91, 52), "fchmodat": (268, 53), "fchmodat2": (452, 452),
        "chown": (92, None), "fchown": (93, 55), "lchown": (94, None), "fchownat": (260, 54),
        "utime": (132, None), "utimes": (235, None), "futimesat": (261, None),
        "utimensat": (280, 88),
        "setxattr": (188, 5), "lsetxattr": (189, 6), "fsetxattr": (190, 7),
        "removexattr": (197, 14), "lremovexattr": (198, 15), "fremovexattr": (199, 16),
        "setxattrat": (463, 463), "removexattrat": (466, 466), "file_setattr": (469, 469),
        "truncate": (76, 45), "creat": (85, None), "mkdir": (83, None), "mkdirat": (258, 34),
        "rmdir": (84, None), "unlink": (87, None), "unlinkat": (263, 35), "rename": (82, None),
        "renameat": (264, 38), "renameat2": (316, 276), "link": (86, None), "linkat": (265, 37),
        "symlink": (88, None), "symlinkat": (266, 36), "mknod": (133, None),
        "mknodat": (259, 33), "name_to_handle_at": (303, 264),
        "open_by_handle_at": (304, 265),
    },
    # SysV IPC (the host's shared memory, semaphores, queues) and POSIX message queues
    "ipc": {
        "shmget": (29, 194), "shmat": (30, 196), "shmctl": (31, 195), "shmdt": (67, 197),
        "semget": (64, 190), "semop": (65, 193), "semctl": (66, 191), "semtimedop": (220, 192),
        "msgget": (68, 186), "msgsnd": (69, 189), "msgrcv": (70, 188), "msgctl": (71, 187),
        "mq_open": (240, 180), "mq_unlink": (241, 181), "mq_timedsend": (242, 182),
        "mq_timedreceive": (243, 183), "mq_notify": (244, 184), "mq_getsetattr": (245, 185),
    },
    # other processes: signals by thread id or pidfd, tracing, their memory, their priority
    "processes": {
        "tkill": (200, 130), "pidfd_send_signal": (424, 424), "pidfd_open": (434, 434),
        "pidfd_getfd": (438, 438), "ptrace": (101, 117), "process_vm_readv": (310, 270),
        "process_vm_writev": (311, 271), "kcmp": (312, 272), "setpriority": (141, 140),
        "ioprio_set": (251, 30), "migrate_pages": (256, 238), "move_pages": (279, 239),
        "get_robust_list": (274, 100),
    },
    # the kernel's wider surface: namespaces, mounts, other programs, io_uring, keyrings, ...
    "kernel": {
        "unshare": (272, 97), "setns": (308, 268), "mount": (165, 40), "umount2": (166, 39),
        "pivot_root": (155, 41), "chroot": (161, 51), "open_tree": (428, 428),
        "open_tree_attr": (467, 467),
        "move_mount": (429, 429), "fsopen": (430, 430), "fsconfig": (431, 431),
        "fsmount": (432, 432), "fspick": (433, 433), "mount_setattr": (442, 442),
        "execve": (59, 221), "execveat": (322, 281), "io_uring_setup": (425, 425),
        "io_uring_enter": (426, 426), "io_uring_register": (427, 427), "keyctl": (250, 219),
        "add_key": (248, 217), "request_key": (249, 218), "bpf": (321, 280),
        "perf_event_open": (298, 241), "userfaultfd": (323, 282),
    },
}  # fmt: skip
# signals: allowed only to this process itself (its pid is written into the filter)
_SIGNAL_PID_ARG0 = {"kill": (62, 129), "tgkill": (234, 131), "rt_sigqueueinfo": (129, 138),
                    "rt_tgsigqueueinfo": (297, 240)}  # fmt: skip
# limits and scheduling: of this process only (0 or its pid), never of the host's (a same-uid
# worker could otherwise set the host's open-file limit to 0)
_SELF_PID_ARG0 = {"prlimit64": (302, 261), "sched_setaffinity": (203, 122),
                  "sched_setparam": (142, 118), "sched_setscheduler": (144, 119),
                  "sched_setattr": (314, 274)}  # fmt: skip
# open/openat: allowed for reading only (the flags argument's position)
_OPEN_FLAGS_ARG: dict[str, tuple[tuple[int | None, int], tuple[int | None, int]]] = {
    "open": ((2, 1), (None, 1)),
    "openat": ((257, 2), (56, 2)),
}
# refused with ENOSYS, so that the C library falls back to a call the filter can inspect
_FALLBACK = {"clone3": (435, 435), "openat2": (437, 437)}


def _insn(code: int, jt: int, jf: int, k: int) -> tuple[int, int, int, int]:
    return (code, jt, jf, k & 0xFFFFFFFF)


_LD_W_ABS, _JEQ_K, _JGE_K, _JSET_K, _RET_K = 0x20, 0x15, 0x35, 0x45, 0x06


def seccomp_program(machine: str, pid: int) -> list[tuple[int, int, int, int]]:
    """The filter as classic BPF instructions (code, jt, jf, k) for `machine`, with `pid` as the
    only process this one may signal or change the limits or scheduling of."""
    arch = 0 if machine == "x86_64" else 1
    deny = sorted(
        {
            n
            for family in _DENY.values()
            for pair in family.values()
            if (n := pair[arch]) is not None
        }
    )
    errno_eperm = _RET_ERRNO | _EPERM
    prog: list[tuple[int, int, int, int]] = []
    # seccomp_data: nr at 0, arch at 4, args[i] at 16 + 8 i (its low word first: little-endian)
    prog.append(_insn(_LD_W_ABS, 0, 0, 4))
    prog.append(_insn(_JEQ_K, 1, 0, _AUDIT_ARCH[machine]))
    prog.append(_insn(_RET_K, 0, 0, _RET_ERRNO | _ENOSYS))  # another ABI: nothing
    prog.append(_insn(_LD_W_ABS, 0, 0, 0))
    if machine == "x86_64":
        prog.append(_insn(_JGE_K, 0, 1, _X32_BIT))
        prog.append(_insn(_RET_K, 0, 0, _RET_ERRNO | _ENOSYS))
    for number in deny:  # each: equal -> the EPERM return just below, else skip it
        prog.append(_insn(_JEQ_K, 0, 1, number))
        prog.append(_insn(_RET_K, 0, 0, errno_eperm))
    for pair in _FALLBACK.values():
        prog.append(_insn(_JEQ_K, 0, 1, pair[arch]))
        prog.append(_insn(_RET_K, 0, 0, _RET_ERRNO | _ENOSYS))
    for numbers in _SIGNAL_PID_ARG0.values():
        # nr == n ? (args[0] == pid ? allow : EPERM) : next; A is reloaded with nr after
        prog.append(_insn(_JEQ_K, 0, 4, numbers[arch]))
        prog.append(_insn(_LD_W_ABS, 0, 0, 16))
        prog.append(_insn(_JEQ_K, 0, 1, pid))
        prog.append(_insn(_RET_K, 0, 0, _RET_ALLOW))
        prog.append(_insn(_RET_K, 0, 0, errno_eperm))
    for numbers in _SELF_PID_ARG0.values():
        # nr == n ? (args[0] in (0, pid) ? allow : EPERM) : next
        prog.append(_insn(_JEQ_K, 0, 5, numbers[arch]))
        prog.append(_insn(_LD_W_ABS, 0, 0, 16))
        prog.append(_insn(_JEQ_K, 1, 0, 0))
        prog.append(_insn(_JEQ_K, 0, 1, pid))
        prog.append(_insn(_RET_K, 0, 0, _RET_ALLOW))
        prog.append(_insn(_RET_K, 0, 0, errno_eperm))
    for variants in _OPEN_FLAGS_ARG.values():
        call, position = variants[arch]
        if call is None:
            continue
        prog.append(_insn(_JEQ_K, 0, 4, call))
        prog.append(_insn(_LD_W_ABS, 0, 0, 16 + 8 * position))
        prog.append(_insn(_JSET_K, 1, 0, _OPEN_WRITE))
        prog.append(_insn(_RET_K, 0, 0, _RET_ALLOW))
        prog.append(_insn(_RET_K, 0, 0, errno_eperm))
    prog.append(_insn(_RET_K, 0, 0, _RET_ALLOW))
    return prog


class _SockFilter(ctypes.Structure):
    _fields_ = [
        ("code", ctypes.c_uint16),
        ("jt", ctypes.c_uint8),
        ("jf", ctypes.c_uint8),
        ("k", ctypes.c_uint32),
    ]


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_uint16), ("filter", ctypes.POINTER(_SockFilter))]


def seccomp() -> str | None:
    """Install the filter (for good, on every thread); the layer's name, or None when the kernel
    or the machine has none. Needs no_new_privs (set here)."""
    machine = os.uname().machine
    if not sys.platform.startswith("linux") or machine not in _AUDIT_ARCH:
        return None
    prog = seccomp_program(machine, os.getpid())
    insns = (_SockFilter * len(prog))(*(_SockFilter(*insn) for insn in prog))
    fprog = _SockFprog(len(prog), insns)
    if not prctl(PR_SET_NO_NEW_PRIVS, 1):
        return None
    done = _syscall(
        _SYS_SECCOMP[machine],
        _SECCOMP_SET_MODE_FILTER,
        _SECCOMP_FILTER_FLAG_TSYNC,
        ctypes.byref(fprog),
    )
    return "seccomp" if done == 0 else None
