"""Exceptions.

Two kinds live here. `ToolError` and its subclasses are raised *inside model code* when a tool call
fails, so the program can catch them; uncaught, they become the `tool`, `validation` or `policy` error
of the `ExecuteResult`. `RegistrationError` is raised to the integrator for programming mistakes
(two tools with one name, a schema that is not a schema), which should fail loudly.
"""

from __future__ import annotations


class ToolError(Exception):
    """A tool call failed. `tool` is the tool's name as the model calls it."""

    def __init__(self, message: str, *, tool: str = "") -> None:
        super().__init__(message)
        self.tool = tool
        self.message = message

    def __str__(self) -> str:
        return self.message


class ToolArgumentError(ToolError):
    """The arguments do not fit the tool's input schema, or the tool does not exist.

    The message names the tool, the field path and what was expected.
    """


class ToolCallLimitError(ToolError):
    """The execution made more tool calls than `max_tool_calls` allows."""


class RegistrationError(ValueError):
    """A tool cannot be registered as given (name clash, invalid schema, unsupported signature)."""


__all__ = ["RegistrationError", "ToolArgumentError", "ToolCallLimitError", "ToolError"]
