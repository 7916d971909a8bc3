"""MCP in and out, on the official `mcp` SDK (`pip install 'codemode[mcp]'`).

In: every tool of an MCP server becomes a codemode `Tool`, so a model can drive a whole server from
one program.

    from codemode import Codemode
    from codemode.adapters.mcp import from_mcp, stdio_tools

    tools = await from_mcp(session)                  # an initialised mcp.ClientSession
    async with stdio_tools(["python", "weather_server.py"], prefix="north") as tools:
        cm = Codemode(tools)                         # codemode.north_get_forecast(...)
        result = await cm.execute(model_code)

Out: `serve(cm)` (or `codemode mcp-serve module:attr`) exposes a `Codemode` as an MCP server over
stdio with one tool, `run_code`, whose description is the prompt with the stubs.

Supports mcp 2.x (`MCPServer`, snake_case fields) and mcp 1.x (`FastMCP`, camelCase fields).
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import inspect
import json
import os
import shlex
import sys
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Annotated, Any, Protocol, TextIO

from pydantic import Field

try:
    import mcp
    from mcp import types as mcp_types
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise ImportError(
        "codemode.adapters.mcp needs the MCP SDK: pip install 'codemode[mcp]'"
    ) from exc

from .._codemode import Codemode
from .._errors import ToolError
from .._tools import Tool, python_name

__all__ = ["from_mcp", "serve", "serve_target", "stdio_tools", "to_mcp_server"]


class MCPSession(Protocol):
    """What `from_mcp` needs: an `mcp.ClientSession` (initialised) or an `mcp.Client`."""

    async def list_tools(self, *args: Any, **kwargs: Any) -> Any: ...

    async def call_tool(self, *args: Any, **kwargs: Any) -> Any: ...


# -- in: MCP tools as codemode tools ----------------------------------------------------------


async def from_mcp(session: MCPSession, prefix: str | None = None) -> list[Tool]:
    """Every tool of the server behind `session`, as codemode tools.

    Each keeps the server's input schema and, where the server gives one, its output schema, so
    the stubs have real return types. A call goes through `session.call_tool`; the result is the
    `structuredContent` when present, else the text content parsed as JSON, else the text. A
    result flagged `isError` raises `codemode.ToolError` with the server's message inside the
    model's code. `prefix="north"` names the tools `north_<tool>`, so several servers can share
    one `Codemode` without clashes.

    The `fastmcp` package sends a list or a scalar as `{"result": ...}` and marks that wrapper in
    the output schema (`"x-fastmcp-wrap-result": true`); such a tool returns what is inside, and
    its stub the inner type (`-> list[Forecast]`, not a one-key TypedDict). The official SDK's
    server wraps the same way without the marker: those results keep their `result` key.

    The session must stay open while the tools are used, and the calls run on the event loop the
    session belongs to: use `await cm.execute(...)` on that loop (not `execute_sync` from inside it).
    """
    listed = await _list_all_tools(session)
    tools = []
    for spec in listed:
        name: str = spec.name
        input_schema = _field(spec, "input_schema", "inputSchema") or {"type": "object"}
        output_schema = _field(spec, "output_schema", "outputSchema")
        inner = wrapped_result_schema(output_schema)
        description = spec.description or getattr(spec, "title", None) or ""
        full_name = f"{prefix}_{name}" if prefix else name
        tools.append(
            Tool.from_schema(
                name=full_name,
                description=description,
                input_schema=input_schema,
                output_schema=output_schema if inner is None else inner,
                fn=_caller(session, name, python_name(full_name), wrapped=inner is not None),
            )
        )
    return tools


async def _list_all_tools(session: MCPSession) -> list[Any]:
    result = await session.list_tools()
    tools = list(result.tools)
    cursor = _field(result, "next_cursor", "nextCursor")
    pages = 1
    while cursor and pages < 1000:  # a server that never stops paging is a server bug
        parameters = inspect.signature(session.list_tools).parameters
        if "params" in parameters:  # ClientSession (mcp 2.x and late 1.x)
            params = mcp_types.PaginatedRequestParams(cursor=cursor)
            result = await session.list_tools(params=params)
        else:  # mcp.Client, early 1.x ClientSession
            result = await session.list_tools(cursor=cursor)
        tools.extend(result.tools)
        cursor = _field(result, "next_cursor", "nextCursor")
        pages += 1
    return tools


_FASTMCP_WRAP_MARKER = "x-fastmcp-wrap-result"


def wrapped_result_schema(schema: Any) -> dict[str, Any] | None:
    """The schema of the value inside a FastMCP result wrapper, or None for any other schema.

    MCP output schemas must be objects, so the `fastmcp` package sends a list or a scalar as
    `{"result": ...}` and marks the schema with `"x-fastmcp-wrap-result": true`. Only a marked
    schema whose one property is `result` counts: nothing else tells a wrapper from an object
    that merely has a `result` field (the official SDK's server wraps without the marker).
    """
    if not isinstance(schema, Mapping) or schema.get(_FASTMCP_WRAP_MARKER) is not True:
        return None
    properties = schema.get("properties")
    if not isinstance(properties, Mapping) or list(properties) != ["result"]:
        return None
    inner = properties["result"]
    if not isinstance(inner, Mapping):
        return None
    unwrapped = dict(inner)
    # Definitions live at the root, where the inner schema's local `$ref`s point.
    for key in ("$defs", "definitions"):
        definitions = schema.get(key)
        if isinstance(definitions, Mapping):
            unwrapped[key] = {**(unwrapped.get(key) or {}), **definitions}
    return unwrapped


def _caller(session: MCPSession, name: str, shown_as: str, *, wrapped: bool = False) -> Any:
    home = asyncio.get_running_loop()

    async def call(**arguments: Any) -> Any:
        if asyncio.get_running_loop() is not home:
            # The session's streams belong to one loop; used from another they would hang.
            raise ToolError(
                f"{shown_as}(): the MCP session lives on another event loop; run the code with "
                "`await cm.execute(...)` on that loop (not `execute_sync` from inside it)",
                tool=shown_as,
            )
        result = await session.call_tool(name, arguments)
        return unwrap_result(result, shown_as, wrapped=wrapped)

    call.__name__ = shown_as
    return call


def unwrap_result(result: Any, tool: str = "", *, wrapped: bool = False) -> Any:
    """The value of an MCP `CallToolResult`: `structuredContent` when present, else the text
    content parsed as JSON, else the text; non-text blocks (images, resources) as dicts.
    `wrapped=True` (a marked `{"result": ...}` wrapper, see `wrapped_result_schema`) takes the
    value out of the structured content's `result`.

    Raises `ToolError` with the server's message when the result is flagged `isError`.
    """
    blocks = list(getattr(result, "content", None) or [])
    if _field(result, "is_error", "isError"):
        text = "\n".join(_block_text(block) for block in blocks).strip()
        message = text or "the MCP server reported an error without a message"
        raise ToolError(message, tool=tool, kind="ToolError")
    structured = _field(result, "structured_content", "structuredContent")
    if structured is not None:
        if wrapped and isinstance(structured, Mapping) and "result" in structured:
            return structured["result"]
        return structured
    values = [_block_value(block) for block in blocks]
    if not values:
        return None
    return values[0] if len(values) == 1 else values


def _block_text(block: Any) -> str:
    text = getattr(block, "text", None)
    return text if isinstance(text, str) else json.dumps(_dump(block))


def _block_value(block: Any) -> Any:
    text = getattr(block, "text", None)
    if getattr(block, "type", None) == "text" and isinstance(text, str):
        try:
            return json.loads(text)
        except ValueError:
            return text
    return _dump(block)


def _dump(block: Any) -> Any:
    dump = getattr(block, "model_dump", None)
    if dump is None:
        return block
    return dump(mode="json", by_alias=True, exclude_none=True)


def _field(obj: Any, snake: str, camel: str) -> Any:
    """A field of an SDK model under its mcp 2.x name, or its mcp 1.x name."""
    if hasattr(obj, snake):
        return getattr(obj, snake)
    return getattr(obj, camel, None)


@contextlib.asynccontextmanager
async def stdio_tools(
    command: str | Sequence[str],
    *,
    prefix: str | None = None,
    env: Mapping[str, str] | None = None,
    cwd: str | os.PathLike[str] | None = None,
    errlog: TextIO | None = None,
) -> AsyncIterator[list[Tool]]:
    """Start an MCP server as a subprocess, talk to it over stdio, and yield its tools.

    `command` is an argument list or a shell-style string (`"python server.py"`). The session stays
    open, and the tools usable, until the block exits; then the server is stopped.

    >>> async with stdio_tools("python weather_server.py", prefix="north") as tools:  # doctest: +SKIP
    ...     result = await Codemode(tools).execute(code)

    The session lives in a task of its own, so entering and leaving may happen in different tasks
    (different notebook cells, an `AsyncExitStack` closed elsewhere) on the same event loop.
    `env` is added to the SDK's minimal default environment; the server's stderr goes to `errlog`
    (default: this process's stderr, even where `sys.stderr` is not a real file, as in Jupyter).
    """
    argv = shlex.split(command) if isinstance(command, str) else list(command)
    if not argv:
        raise ValueError("stdio_tools needs a command to run")
    params = mcp.StdioServerParameters(
        command=argv[0],
        args=argv[1:],
        env=dict(env) if env is not None else None,
        cwd=os.fspath(cwd) if cwd is not None else None,
    )
    loop = asyncio.get_running_loop()
    ready: asyncio.Future[Any] = loop.create_future()
    stop = asyncio.Event()
    owner = loop.create_task(_own_session(params, errlog or _real_stderr(), ready, stop))
    try:
        try:
            session = await asyncio.shield(ready)
        except Exception as exc:
            leaf = _leaf(exc)
            raise ConnectionError(
                f"the MCP server {shlex.join(argv)!r} did not start: {type(leaf).__name__}: {leaf}"
            ) from leaf
        yield await from_mcp(session, prefix=prefix)
    finally:
        stop.set()
        if not ready.done():  # cancelled while the server was starting
            owner.cancel()
        with contextlib.suppress(Exception, asyncio.CancelledError):
            await owner
        if ready.done() and not ready.cancelled():
            ready.exception()  # seen: asyncio would otherwise log it as never retrieved


async def _own_session(
    params: Any, errlog: TextIO, ready: asyncio.Future[Any], stop: asyncio.Event
) -> None:
    try:
        async with (
            mcp.stdio_client(params, errlog=errlog) as (read, write),
            mcp.ClientSession(read, write) as session,
        ):
            await session.initialize()
            ready.set_result(session)
            await stop.wait()
    except BaseException as exc:
        if not ready.done():
            failure = exc if isinstance(exc, Exception) else RuntimeError(f"stopped: {exc!r}")
            ready.set_exception(failure)
        raise


def _leaf(exc: BaseException) -> BaseException:
    # anyio wraps a failure in task groups, one per layer of the SDK's transport
    while isinstance(exc, BaseExceptionGroup) and len(exc.exceptions) == 1:
        exc = exc.exceptions[0]
    return exc


def _real_stderr() -> TextIO:
    # The SDK hands errlog to the subprocess, which needs a real file descriptor.
    for stream in (sys.stderr, sys.__stderr__):
        try:
            if stream is not None:
                stream.fileno()
                return stream
        except (AttributeError, OSError, ValueError):
            continue
    return open(os.devnull, "w")  # lives as long as the server


# -- out: a Codemode as an MCP server ---------------------------------------------------------

RUN_CODE_ARGUMENT = (
    "A Python program as described above: `async def main()` calling `await codemode.<tool>(...)`"
    " and returning the answer."
)


def to_mcp_server(cm: Codemode, *, name: str = "codemode") -> Any:
    """An MCP server (the SDK's `MCPServer`, or `FastMCP` on mcp 1.x) with one tool, `run_code`.

    Its description is `cm.prompt()`: how to write the program, then the stubs. The tool runs the
    code with `cm.execute` and answers with `ExecuteResult.to_text()` as text and
    `ExecuteResult.to_dict()` as structured content; a failed run is flagged `isError`.
    """
    server = _server_class()(name)

    async def run_code(
        code: Annotated[str, Field(description=RUN_CODE_ARGUMENT)],
    ) -> mcp_types.CallToolResult:
        result = await cm.execute(code)
        # by the wire names, which mcp 1.x and 2.x both accept
        return mcp_types.CallToolResult.model_validate(
            {
                "content": [{"type": "text", "text": result.to_text()}],
                "structuredContent": result.to_dict(),
                "isError": not result.ok,
            }
        )

    server.tool(name="run_code", description=cm.prompt())(run_code)
    return server


def _server_class() -> Any:
    try:
        from mcp.server.mcpserver import MCPServer

        return MCPServer
    except ImportError:  # mcp 1.x
        return importlib.import_module("mcp.server.fastmcp").FastMCP


def serve(cm: Codemode, *, name: str = "codemode") -> None:
    """Serve `cm` over MCP on stdin/stdout until the client disconnects (blocking)."""
    server = to_mcp_server(cm, name=name)
    import anyio

    anyio.run(server.run_stdio_async)


def serve_target(target: str, *, name: str = "codemode") -> int:
    """`codemode mcp-serve module:attr`: import `module`, take the `Codemode` at `attr`, serve it.

    The current directory is importable, as with `python -m`. Anything the module prints while it
    is imported goes to stderr, since stdout carries the protocol.
    """
    module_name, _, attr = target.partition(":")
    if not module_name or not attr:
        print(f"codemode mcp-serve: expected module:attr, got {target!r}", file=sys.stderr)
        return 2
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    with contextlib.redirect_stdout(sys.stderr):
        module = importlib.import_module(module_name)
    obj: Any = module
    for part in attr.split("."):
        obj = getattr(obj, part, None)
        if obj is None:
            print(f"codemode mcp-serve: {module_name} has no attribute {attr!r}", file=sys.stderr)
            return 2
    if not isinstance(obj, Codemode):
        print(
            f"codemode mcp-serve: {target} is a {type(obj).__name__}, not a codemode.Codemode",
            file=sys.stderr,
        )
        return 2
    serve(obj, name=name)
    return 0
