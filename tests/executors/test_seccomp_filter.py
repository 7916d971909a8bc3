"""The seccomp filter as a program: run by a small classic-BPF interpreter here, for both machines
it is written for (the kernel runs it only for this one, in `test_subprocess_isolation.py`)."""

from __future__ import annotations

import struct

import pytest

from codemode.executors import _isolation as isolation

PID = 4242
ALLOW, EPERM, ENOSYS = 0x7FFF0000, 0x00050001, 0x00050026
MACHINES = ["x86_64", "aarch64"]
# a few calls every Python process makes, by machine: read, write, mmap, futex, getpid
EVERYDAY = {"x86_64": (0, 1, 9, 202, 39), "aarch64": (63, 64, 222, 98, 172)}
# open/openat (the flags argument's position) and kill, prlimit64, by machine
OPENS = {"x86_64": ((2, 1), (257, 2)), "aarch64": ((56, 2),)}
KILL = {"x86_64": 62, "aarch64": 129}
PRLIMIT = {"x86_64": 302, "aarch64": 261}


def run(program: list[tuple[int, int, int, int]], data: bytes) -> int:
    """Classic BPF, the instructions the filter uses: load word, jeq/jge/jset, ret."""
    pc, acc = 0, 0
    for _ in range(len(program) + 1):
        code, jt, jf, k = program[pc]
        if code == 0x20:  # BPF_LD | BPF_W | BPF_ABS
            (acc,) = struct.unpack_from("<I", data, k)
            pc += 1
        elif code in (0x15, 0x35, 0x45):  # BPF_JMP | BPF_JEQ / BPF_JGE / BPF_JSET, constant
            taken = acc == k if code == 0x15 else acc >= k if code == 0x35 else bool(acc & k)
            pc += 1 + (jt if taken else jf)
        elif code == 0x06:  # BPF_RET, constant
            return k
        else:
            raise AssertionError(f"an instruction the interpreter does not know: {code:#x}")
        assert 0 <= pc < len(program), "a jump out of the program"
    raise AssertionError("no return")


def call(machine: str, nr: int, *args: int, arch: int | None = None) -> int:
    """The filter's verdict on syscall `nr` with `args` (struct seccomp_data)."""
    audit = isolation._AUDIT_ARCH[machine] if arch is None else arch
    padded = [a & 0xFFFFFFFFFFFFFFFF for a in args] + [0] * (6 - len(args))
    data = struct.pack("<iIQ6Q", nr, audit, 0, *padded)
    return run(isolation.seccomp_program(machine, PID), data)


@pytest.mark.parametrize("machine", MACHINES)
def test_every_refused_call_is_refused(machine: str) -> None:
    arch = MACHINES.index(machine)
    for family, calls in isolation._DENY.items():
        for name, numbers in calls.items():
            if numbers[arch] is not None:
                assert call(machine, numbers[arch]) == EPERM, (machine, family, name)


@pytest.mark.parametrize("machine", MACHINES)
def test_everyday_calls_pass(machine: str) -> None:
    for nr in EVERYDAY[machine]:
        assert call(machine, nr) == ALLOW, (machine, nr)


@pytest.mark.parametrize("machine", MACHINES)
def test_opening_for_reading_only(machine: str) -> None:
    for nr, position in OPENS[machine]:
        for flags, verdict in [
            (0, ALLOW),  # O_RDONLY
            (0o2000000 | 0o200000, ALLOW),  # O_CLOEXEC | O_DIRECTORY
            (0o1, EPERM),  # O_WRONLY
            (0o2, EPERM),  # O_RDWR
            (0o100, EPERM),  # O_CREAT
            (0o1000, EPERM),  # O_TRUNC
            (0o2000, EPERM),  # O_APPEND
            (0o20200000 | 0o2, EPERM),  # O_TMPFILE | O_RDWR
        ]:
            args = [0, 0, 0]
            args[position] = flags
            assert call(machine, nr, *args) == verdict, (machine, nr, oct(flags))


@pytest.mark.parametrize("machine", MACHINES)
def test_signals_and_limits_only_for_the_worker_itself(machine: str) -> None:
    kill, prlimit = KILL[machine], PRLIMIT[machine]
    assert call(machine, kill, PID, 9) == ALLOW
    for other in (PID + 1, 1, 0, -1, (1 << 32) | PID + 1):
        assert call(machine, kill, other, 9) == EPERM, other
    assert call(machine, prlimit, 0, 7) == ALLOW
    assert call(machine, prlimit, PID, 7) == ALLOW
    assert call(machine, prlimit, PID + 1, 7) == EPERM


@pytest.mark.parametrize("machine", MACHINES)
def test_other_abis_get_nothing(machine: str) -> None:
    assert call(machine, 0, arch=0x40000003) == ENOSYS  # i386 (int 0x80 on x86_64)
    if machine == "x86_64":
        assert call(machine, 0x40000000 | 1) == ENOSYS  # x32
    assert call(machine, 435) == ENOSYS  # clone3: the C library falls back to clone
