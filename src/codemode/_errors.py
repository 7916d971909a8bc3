"""Exceptions.

Two kinds live here. `ToolError` and its subclasses are raised *inside model code* when a tool call
fails, so the program can catch them; uncaught, they become the `tool`, `validation` or `policy` error
of the `ExecuteResult`. `RegistrationError` is raised to the integrator for programming mistakes
(two tools with one name, a schema that is not a schema), which should fail loudly.
"""

from __future__ import annotations


class ToolError(Exception):
    """A tool call failed.

    `str(e)` is the tool's own message, as with any Python exception; `tool` is the tool's name
    as the model calls it, and `kind` the class name of the exception the tool raised (None when
    codemode itself refused the call). `describe()` puts the three together, as the run's error
    shows an uncaught failure: `geocode() failed: NotFoundError: no results for 'Xyz'`.
    """

    def __init__(self, message: str, *, tool: str = "", kind: str | None = None) -> None:
        super().__init__(message)
        self.tool = tool
        self.kind = kind
        self.message = message

    def __str__(self) -> str:
        return self.message

    def describe(self) -> str:
        if not self.tool or self.kind is None:
            return self.message
        failed = f"{self.tool}() failed: "
        if self.kind == "ToolError":  # a failure the tool (or its framework) gave as text
            return failed + self.message
        return failed + (f"{self.kind}: {self.message}" if self.message else self.kind)


class ToolArgumentError(ToolError):
    """The arguments do not fit the tool's input schema, or the tool does not exist.

    The message names the tool, the field path and what was expected.
    """


class ToolCallLimitError(ToolError):
    """The execution made more tool calls than `max_tool_calls` allows."""


class RegistrationError(ValueError):
    """A tool cannot be registered as given (name clash, invalid schema, unsupported signature)."""


__all__ = ["RegistrationError", "ToolArgumentError", "ToolCallLimitError", "ToolError"]
