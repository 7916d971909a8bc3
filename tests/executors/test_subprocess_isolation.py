"""What a program that escaped the policy reaches from a subprocess worker, as root and as an
ordinary user, with every layer and with each layer alone.

`isolation_scenario.py` is the host: it makes the targets (a UDP and a TCP listener, a UNIX socket
in a private directory as an agent or D-Bus would have, a secret file, a file to chmod, touch,
tag and truncate, SysV shared memory holding a secret, its own process to signal, a secret in its
environment) and runs the probes in workers. It runs once as root (this process, under CI) and
once as an ordinary user made here with `useradd`. For each configuration the test checks that
every probe is stopped wherever a layer that should stop it is in force (from the layers the
workers reported, so a kernel without a layer does not fail the test but narrows it), and that
with every layer switched off the probes do reach their targets (they are real probes).
"""

from __future__ import annotations

import functools
import importlib.util
import json
import os
import pwd
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path
from typing import Any

import pytest

import codemode

HERE = Path(__file__).parent
SCENARIO = HERE / "isolation_scenario.py"
USER = "codemode-probe"
SECRET = "codemode-probe-secret-4f1e"
ROOT = os.geteuid() == 0
# the packages outside the standard library that the scenario imports, by top-level name
LIST_PACKAGES = (
    "import sys, codemode, codemode.executors\n"
    "names = {m.partition('.')[0] for m in sys.modules} - set(sys.stdlib_module_names)\n"
    "print(*sorted(names - set(sys.builtin_module_names) - {'__main__', '_distutils_hack'}))"
)
# what the scenario needs of an interpreter: codemode, and starting itself again (the zygote)
SELF_CHECK = (
    "import codemode.executors, subprocess, sys\n"
    "subprocess.run([sys.executable, '-I', '-S', '-c', ''], check=True)"
)

CONFIGS: dict[str, dict[str, bool]] = {
    "all-layers": {},
    # a kernel or a user without namespaces (Ubuntu's AppArmor rule, some containers)
    "no-namespaces": {"network_namespace": False},
    "no-landlock": {"landlock": False},  # a kernel without Landlock
    "no-seccomp": {"seccomp": False},
    "seccomp-alone": {"landlock": False, "network_namespace": False, "drop_privileges": False},
    "namespaces-alone": {"landlock": False, "seccomp": False, "drop_privileges": False},
    "landlock-alone": {"seccomp": False, "network_namespace": False, "drop_privileges": False},
    "uid-alone": {"landlock": False, "seccomp": False, "network_namespace": False},
    "no-layers": {
        "landlock": False,
        "seccomp": False,
        "network_namespace": False,
        "drop_privileges": False,
    },
}

# Probes that every machine can make reach their target with no layer in force: if one of these
# is not reached then, the probe is broken and the test says so.
ALWAYS_POSSIBLE = ("udp", "tcp", "unix", "chmod", "utime", "write", "read", "kill", "kill-other",
                   "prlimit", "renice", "environ", "execve")  # fmt: skip


def stoppers(probe: str, layers: set[str]) -> list[str]:
    """The layers in force that must stop `probe` (what the workers reported, by name)."""
    abi = max((int(x.split(":")[1]) for x in layers if x.startswith("landlock:")), default=0)
    uid = any(x.startswith("uid:") for x in layers)  # a root host's worker as nobody
    userns = "userns" in layers  # an ordinary user's worker in a user namespace of its own
    may = {
        "udp": {"netns": "netns" in layers},
        "tcp": {"netns": "netns" in layers, "landlock": abi >= 4},
        "mptcp": {"netns": "netns" in layers},
        "unix": {"uid": uid},
        "chmod": {"uid": uid},
        "utime": {"uid": uid},
        "xattr": {"uid": uid},
        "shm": {"ipcns": "ipcns" in layers, "uid": uid},
        "kill": {"landlock": abi >= 6, "uid": uid},
        "kill-other": {"landlock": abi >= 6, "uid": uid},  # another process of the host user
        "prlimit": {"uid": uid},  # the host's resource limits
        "renice": {"uid": uid},  # another process's priority
        "write": {"landlock": abi >= 1, "uid": uid},
        "read": {"landlock": abi >= 1, "uid": uid},
        # /proc/<pid>/environ: another user, or (same uid) another user namespace
        "environ": {"landlock": abi >= 1, "uid": uid, "userns": userns},
        "memory": {"landlock": abi >= 1, "uid": uid, "userns": userns},  # /proc/<host>/mem
        "execve": {"landlock": abi >= 1},
    }[probe]
    if probe not in ("read", "environ", "memory"):  # seccomp stops all but the reads
        may["seccomp"] = "seccomp" in layers
    return [name for name, holds in may.items() if holds]


# -- running the scenario as a user -----------------------------------------------------------


@pytest.fixture(scope="module")
def ordinary_user() -> Any:
    """An ordinary (non-root) user: made with `useradd` when we are root, else ourselves."""
    if not ROOT:
        yield pwd.getpwuid(os.geteuid())
        return
    if shutil.which("useradd") is None or shutil.which("setpriv") is None:
        pytest.skip("needs useradd and setpriv to run a worker as an ordinary user")
    made = False
    try:
        entry = pwd.getpwnam(USER)
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", USER],
            check=True,
            capture_output=True,
        )
        made = True
        entry = pwd.getpwnam(USER)
    yield entry
    if made:
        subprocess.run(["userdel", USER], check=False, capture_output=True)


def user_command(user: Any, staging: Path) -> tuple[list[str], dict[str, str]]:
    """How to start Python as `user` with this codemode importable, or skip saying why."""
    package = Path(codemode.__file__).resolve().parent.parent
    site = sysconfig.get_paths()["purelib"]
    prefix = [] if not ROOT else [
        "setpriv", f"--reuid={user.pw_uid}", f"--regid={user.pw_gid}", "--clear-groups",
    ]  # fmt: skip
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    # This interpreter may live where the user cannot go (a root-owned pyenv): the system's
    # own of the same version then runs the same code. The code may too (a checkout under
    # /root): then a copy of what it imports, in a directory the user may read.
    pythons = dict.fromkeys([sys.executable, f"/usr/bin/{version}", f"/usr/local/bin/{version}"])
    for path in ([str(package), site], None):
        if path is None:
            path = [str(stage_packages(staging))]
        env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": os.pathsep.join(path),
               "CODEMODE_PROBE_SECRET": SECRET}  # fmt: skip
        for python in pythons:
            check = subprocess.run(
                [*prefix, python, "-c", SELF_CHECK],
                env=env,
                capture_output=True,
                cwd="/",
                check=False,
            )
            if check.returncode == 0:
                return [*prefix, python], env
    pytest.skip(f"no {version} that user {user.pw_name} may run can import codemode")


def stage_packages(staging: Path) -> Path:
    """A world-readable copy of codemode and the packages it imports (not the standard
    library), for a user who cannot read where they are installed."""
    names = subprocess.run(
        [sys.executable, "-c", LIST_PACKAGES], capture_output=True, text=True, check=True
    ).stdout.split()
    where = staging / "site"
    where.mkdir(parents=True, exist_ok=True)
    for name in names:
        spec = importlib.util.find_spec(name)
        if spec is None or spec.origin in (None, "built-in", "frozen"):
            continue
        if spec.submodule_search_locations:
            source = Path(next(iter(spec.submodule_search_locations)))
            shutil.copytree(source, where / source.name, dirs_exist_ok=True,
                            ignore=shutil.ignore_patterns("__pycache__"))  # fmt: skip
        else:
            shutil.copy2(spec.origin, where / Path(spec.origin).name)
    for item in (staging, where, *where.rglob("*")):
        item.chmod(0o755 if item.is_dir() else 0o644)
    return where


def scenario(command: list[str], env: dict[str, str]) -> dict[str, Any]:
    done = subprocess.run(
        [*command, str(SCENARIO), json.dumps(CONFIGS)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd="/",
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return report


@functools.cache
def root_report() -> dict[str, Any]:
    env = {"PATH": "/usr/bin:/bin", "CODEMODE_PROBE_SECRET": SECRET,
           "PYTHONPATH": os.pathsep.join(sys.path)}  # fmt: skip
    return scenario([sys.executable], env)


_user_reports: dict[int, dict[str, Any]] = {}


def user_report(user: Any, staging: Path) -> dict[str, Any]:
    if user.pw_uid not in _user_reports:
        _user_reports[user.pw_uid] = scenario(*user_command(user, staging))
    return _user_reports[user.pw_uid]


@pytest.fixture(scope="module")
def staging() -> Any:
    where = Path(tempfile.mkdtemp(prefix="codemode-probe-packages-"))
    yield where
    shutil.rmtree(where, ignore_errors=True)


@pytest.fixture(params=["root", "ordinary-user"])
def report(request: pytest.FixtureRequest, ordinary_user: Any, staging: Path) -> dict[str, Any]:
    if request.param == "root":
        if not ROOT:
            pytest.skip("the root case needs the tests to run as root (CI does)")
        return root_report()
    return user_report(ordinary_user, staging)


def userns_possible(report: dict[str, Any], user: Any) -> bool:
    """Whether the kernel lets this user make a user and network namespace (`unshare -Urn`)."""
    if report["uid"] == 0 or shutil.which("unshare") is None:
        return False
    prefix = [] if not ROOT else [
        "setpriv", f"--reuid={user.pw_uid}", f"--regid={user.pw_gid}", "--clear-groups",
    ]  # fmt: skip
    done = subprocess.run([*prefix, "unshare", "-Urn", "true"], capture_output=True, check=False)
    return done.returncode == 0


# -- the tests --------------------------------------------------------------------------------


@pytest.mark.parametrize("config", sorted(CONFIGS))
def test_every_probe_is_stopped_by_the_layers_that_should(
    report: dict[str, Any], config: str
) -> None:
    outcome = report["configs"][config]
    assert "error" not in outcome, outcome
    layers = set(outcome["layers"])
    for probe, said in outcome["said"].items():
        assert "PolicyError" not in said, f"the probe {probe} is refused by the policy: {said}"
    missed = {
        probe: (stoppers(probe, layers), outcome["said"].get(probe))
        for probe, reached in outcome["reached"].items()
        if reached and stoppers(probe, layers)
    }
    assert missed == {}, f"{config} as uid {report['uid']} with {sorted(layers)}"


def test_with_no_layer_the_probes_reach_their_targets(report: dict[str, Any]) -> None:
    """The probes are real: with every layer off (only the resource limits) they get through."""
    reached = report["configs"]["no-layers"]["reached"]
    assert [p for p in ALWAYS_POSSIBLE if not reached[p]] == [], report["configs"]["no-layers"]


def test_all_layers_stop_every_probe(report: dict[str, Any], ordinary_user: Any) -> None:
    """Where the kernel offers the layers (this one does), nothing gets through, as root and
    as an ordinary user; the layers the kernel offers are all in force."""
    outcome = report["configs"]["all-layers"]
    layers = set(outcome["layers"])
    from codemode.executors._isolation import landlock_abi

    abi = landlock_abi()
    if abi:
        assert f"landlock:{abi}" in layers
    assert "seccomp" in layers or "Seccomp:" not in Path("/proc/self/status").read_text()
    if report["uid"] == 0:
        assert {"netns", "ipcns"} <= layers and any(x.startswith("uid:") for x in layers)
    elif userns_possible(report, ordinary_user):
        assert {"userns", "netns", "ipcns", "nocaps"} <= layers
    else:
        pytest.skip("this kernel lets no ordinary user make a user namespace (unshare -Urn)")
    if not abi or "seccomp" not in layers:
        pytest.skip(f"this kernel lacks Landlock or seccomp; layers: {sorted(layers)}")
    assert [p for p, reached in outcome["reached"].items() if reached] == [], outcome["said"]


FORK_FAILS = """
import asyncio, json, resource
from codemode import Codemode
from codemode.executors import SubprocessExecutor

async def main():
    executor = SubprocessExecutor(breaker_threshold=2, breaker_cooldown=30)
    cm = Codemode([], executor=executor)
    try:
        assert (await cm.execute("1")).value == 1
        # no more processes for this user: the zygote's next fork fails (EAGAIN)
        resource.prlimit(executor._zygote.process.pid, resource.RLIMIT_NPROC, (0, 0))
        results = [await cm.execute("1") for _ in range(4)]
        stats = executor.stats()
        print(json.dumps({
            "errors": [r.error and [r.error.type, r.error.message] for r in results],
            "failures": stats.failures, "crashes": stats.crashes, "open": stats.circuit_open,
        }))
    finally:
        await executor.aclose()

asyncio.run(main())
"""


def test_a_fork_that_fails_is_the_machinerys_failure(ordinary_user: Any, staging: Path) -> None:
    """As an ordinary user (root ignores the process limit): the zygote cannot fork, the runs
    say so, and the breaker opens after `breaker_threshold` such failures."""
    command, env = user_command(ordinary_user, staging)
    done = subprocess.run(
        [*command, "-c", FORK_FAILS], env=env, capture_output=True, text=True, timeout=60,
        cwd="/", check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    outcome = json.loads(done.stdout.strip().splitlines()[-1])
    errors = outcome["errors"]
    while errors and errors[0] is None:  # runs on the spares forked before the limit
        errors = errors[1:]
    assert errors, outcome
    assert all(error is not None and "could not be forked" in error[1] for error in errors), outcome
    assert errors[-1][0] == "overloaded" and "circuit breaker" in errors[-1][1], outcome
    assert outcome["failures"] >= 2 and outcome["crashes"] == 0 and outcome["open"], outcome
