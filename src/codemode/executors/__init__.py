"""Executors run model code. `InProcessExecutor` is the default; write your own by subclassing
`Executor` (see its docstring for the contract)."""

from ._base import Event, EventHandler, Executor, ToolBridge
from ._inprocess import InProcessExecutor

__all__ = ["Event", "EventHandler", "Executor", "InProcessExecutor", "ToolBridge"]
