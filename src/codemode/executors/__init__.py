"""Executors run model code. `default_executor()` picks one for `Codemode()`: `SubprocessExecutor`
(model code in isolated worker processes) on Linux, `InProcessExecutor` (a policy in the host
process) elsewhere. Write your own by subclassing `Executor` (see its docstring for the contract)."""

import sys

from ._base import Event, EventHandler, Executor, ExecutorSession, ToolBridge
from ._inprocess import InProcessExecutor, InProcessSession
from ._subprocess import PoolStats, SubprocessExecutor, SubprocessSession


def default_executor() -> Executor:
    """The executor `Codemode()` uses when it is given none.

    Model code is written by a model that may have read hostile text, so the default is the one
    whose boundary is the operating system's: `SubprocessExecutor` on Linux, where its layers
    (namespaces, Landlock, seccomp, rlimits, a fresh process per run) are built and tested.
    Elsewhere `InProcessExecutor`, whose policy is the only boundary: see the README's threat model.
    """
    if sys.platform.startswith("linux"):
        return SubprocessExecutor()
    return InProcessExecutor()


__all__ = [
    "Event",
    "EventHandler",
    "Executor",
    "ExecutorSession",
    "InProcessExecutor",
    "InProcessSession",
    "PoolStats",
    "SubprocessExecutor",
    "SubprocessSession",
    "ToolBridge",
    "default_executor",
]
