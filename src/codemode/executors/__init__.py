"""Executors run model code. `InProcessExecutor` is the default; `SubprocessExecutor` runs it in
isolated worker processes; write your own by subclassing `Executor` (see its docstring for the
contract)."""

from ._base import Event, EventHandler, Executor, ExecutorSession, ToolBridge
from ._inprocess import InProcessExecutor, InProcessSession
from ._subprocess import PoolStats, SubprocessExecutor, SubprocessSession

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
]
