"""codemode: let an LLM use its tools by writing one async Python program.

from codemode import Codemode, tool

@tool
async def get_weather(city: str) -> dict:
    '''Current weather for a city.'''
    ...

cm = Codemode([get_weather])
prompt = cm.prompt()          # instructions + typed stubs for the model
result = await cm.execute(model_code)
result.ok, result.value, result.logs, result.tool_calls
"""

from ._approvals import CheckpointError, Paused, PendingCall, Reject, ReplayDivergenceError
from ._codemode import Codemode
from ._errors import RegistrationError, ToolArgumentError, ToolCallLimitError, ToolError
from ._result import ExecuteError, ExecuteResult, Limits, LogEntry, ToolCall
from ._session import Session
from ._tools import Tool, ToolAnnotations, tool
from ._typecheck import Diagnostic

__all__ = [
    "CheckpointError",
    "Codemode",
    "Diagnostic",
    "ExecuteError",
    "ExecuteResult",
    "Limits",
    "LogEntry",
    "Paused",
    "PendingCall",
    "RegistrationError",
    "Reject",
    "ReplayDivergenceError",
    "Session",
    "Tool",
    "ToolAnnotations",
    "ToolArgumentError",
    "ToolCall",
    "ToolCallLimitError",
    "ToolError",
    "tool",
]

__version__ = "0.1.0"  # the one place the version is written (pyproject reads it)


def load_ipython_extension(ipython: object) -> None:
    """`%load_ext codemode` in IPython/Jupyter: the `%%codemode` cell magic."""
    from .adapters.jupyter import load_ipython_extension as load

    load(ipython)


def unload_ipython_extension(ipython: object) -> None:
    from .adapters.jupyter import unload_ipython_extension as unload

    unload(ipython)
