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
import base64
import binascii
import contextlib
import importlib
import inspect
import json
import logging
import os
import shlex
import sys
import traceback
import warnings
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from typing import Annotated, Any, Protocol, TextIO

from pydantic import BaseModel, ConfigDict, Field

try:
    import mcp
    from mcp import types as mcp_types
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise ImportError(
        "codemode.adapters.mcp needs the MCP SDK: pip install 'codemode[mcp]'"
    ) from exc
try:  # the tool context servers inject by annotation (for elicitation)
    from mcp.server.mcpserver import Context as McpContext
except ImportError:  # pragma: no cover - mcp 1.x
    from mcp.server.fastmcp import Context as McpContext  # type: ignore[no-redef,attr-defined]

from .. import __version__
from .._codemode import Codemode
from .._errors import ToolError
from .._result import ExecuteResult, truncate_text
from .._tools import Tool, ToolAnnotations, python_name

__all__ = [
    "RUN_CODE_OUTPUT_SCHEMA",
    "ApprovalForm",
    "destructive",
    "from_mcp",
    "run_code_structured",
    "serve",
    "serve_target",
    "stdio_tools",
    "to_mcp_server",
    "unwrap_result",
]

log = logging.getLogger(__name__)


class MCPSession(Protocol):
    """What `from_mcp` needs: an `mcp.ClientSession` (initialised) or an `mcp.Client`."""

    async def list_tools(self, *args: Any, **kwargs: Any) -> Any: ...

    async def call_tool(self, *args: Any, **kwargs: Any) -> Any: ...


# -- in: MCP tools as codemode tools ----------------------------------------------------------


ApprovalOption = bool | Sequence[str] | Callable[[Tool], bool]
"""Which MCP tools need approval: all (True), none (False), those named (as the server names
them), or those a predicate of the tool picks (`destructive`, for one)."""


def destructive(tool: Tool) -> bool:
    """Whether an MCP tool may change things, by its annotations as the MCP spec defines them:
    yes unless it is marked `readOnlyHint` or `destructiveHint: false` (the spec's defaults make
    an unannotated tool destructive). `from_mcp(session, requires_approval=destructive)`."""
    hints = tool.annotations
    return hints.read_only is not True and hints.destructive is not False


def _approval(option: ApprovalOption, tool: Tool, name: str) -> bool:
    if isinstance(option, bool):
        return option
    if callable(option):
        return bool(option(tool))
    return name in option


async def from_mcp(
    session: MCPSession,
    prefix: str | None = None,
    *,
    include: Callable[[Tool], bool] | None = None,
    keep_binary: bool = False,
    requires_approval: ApprovalOption = False,
) -> list[Tool]:
    """Every tool of the server behind `session`, as codemode tools.

    Each keeps the server's input schema and, where the server gives one, its output schema, so
    the stubs have real return types, and its `title` and annotations (`Tool.annotations`:
    read-only, destructive, idempotent, open-world hints), which the stub's docstring shows.
    `include` keeps only the tools it returns true for, e.g.
    `include=lambda tool: bool(tool.annotations.read_only)`. `prefix="north"` names the tools
    `north_<tool>`, so several servers can share one `Codemode` without clashes.

    A call goes through `session.call_tool`; what model code gets back (see `unwrap_result`):
    the `structuredContent` when present; else text as text (JSON text becomes data only for a
    tool that declares an output schema); images, audio and resources as small dicts that say
    what they are without their bytes (`keep_binary=True` keeps the base64). A result flagged
    `isError` raises `codemode.ToolError` with the server's message inside the model's code.

    A tool that can only run as an MCP task (`execution.taskSupport: "required"`) is called as a
    task (created, polled, its result fetched, cancelled if the run stops first) where the SDK
    has the client side of tasks (`session.experimental.call_tool_as_task`, mcp 1.x); elsewhere
    it is left out, with a warning on the `codemode.adapters.mcp` logger.

    The `fastmcp` package sends a list or a scalar as `{"result": ...}` and marks that wrapper in
    the output schema (`"x-fastmcp-wrap-result": true`); such a tool returns what is inside, and
    its stub the inner type (`-> list[Forecast]`, not a one-key TypedDict). The official SDK's
    server wraps the same way without the marker: those results keep their `result` key.

    The session must stay open while the tools are used, and the calls run on the event loop the
    session belongs to: use `await cm.execute(...)` on that loop (not `execute_sync` from inside it).
    A call cut short (the run's time limit) sends the server `notifications/cancelled`.

    `requires_approval` makes calls to some tools wait for approval: `True` for all, a list of
    the server's tool names, or a predicate of each tool, such as `destructive` (by its
    `readOnlyHint` / `destructiveHint` annotations).
    """
    listed = await _list_all_tools(session)
    tools = []
    for spec in listed:
        name: str = spec.name
        full_name = f"{prefix}_{name}" if prefix else name
        as_task = _task_support(spec) == "required"
        if as_task and not _has_tasks(session):
            log.warning(
                "MCP tool %r left out: it can only run as a task, and this mcp SDK (%s) has no "
                "client side for tasks",
                name,
                _sdk_version(),
            )
            continue
        input_schema = _field(spec, "input_schema", "inputSchema") or {"type": "object"}
        output_schema = _field(spec, "output_schema", "outputSchema")
        inner = wrapped_result_schema(output_schema)
        annotations = getattr(spec, "annotations", None)
        title = getattr(spec, "title", None) or getattr(annotations, "title", None)
        description = spec.description or title or ""
        reading = _Reading(
            wrapped=inner is not None, declared=output_schema is not None, keep_binary=keep_binary
        )
        tool = Tool.from_schema(
            name=full_name,
            description=description,
            input_schema=input_schema,
            output_schema=output_schema if inner is None else inner,
            fn=_caller(session, name, python_name(full_name), reading, as_task=as_task),
            title=title,
            annotations=_annotations(annotations),
        )
        tool.requires_approval = _approval(requires_approval, tool, name)
        if include is None or include(tool):
            tools.append(tool)
    return tools


def _annotations(spec: Any) -> ToolAnnotations:
    if spec is None:
        return ToolAnnotations()
    return ToolAnnotations(
        read_only=_field(spec, "read_only_hint", "readOnlyHint"),
        destructive=_field(spec, "destructive_hint", "destructiveHint"),
        idempotent=_field(spec, "idempotent_hint", "idempotentHint"),
        open_world=_field(spec, "open_world_hint", "openWorldHint"),
    )


def _task_support(spec: Any) -> str | None:
    execution = getattr(spec, "execution", None)
    if execution is None:
        return None
    support = _field(execution, "task_support", "taskSupport")
    return support if isinstance(support, str) else None


def _has_tasks(session: Any) -> bool:
    return _tasks_api(session) is not None


def _tasks_api(session: Any) -> Any:
    """mcp 1.x's experimental client side of tasks, or None. (1.x warns that it goes away in
    2.x; so it did, and `from_mcp` then leaves task-only tools out.)"""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        experimental = getattr(session, "experimental", None)
    return experimental if callable(getattr(experimental, "call_tool_as_task", None)) else None


def _sdk_version() -> str:
    try:
        from importlib.metadata import version

        return f"mcp {version('mcp')}"
    except Exception:  # metadata missing: a vendored SDK
        return "mcp"


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


class _Reading:
    """How a tool's results are read: see `unwrap_result`."""

    __slots__ = ("declared", "keep_binary", "wrapped")

    def __init__(self, *, wrapped: bool, declared: bool, keep_binary: bool) -> None:
        self.wrapped = wrapped
        self.declared = declared
        self.keep_binary = keep_binary


def _caller(
    session: MCPSession, name: str, shown_as: str, reading: _Reading, *, as_task: bool = False
) -> Any:
    home = asyncio.get_running_loop()

    async def call(**arguments: Any) -> Any:
        if asyncio.get_running_loop() is not home:
            # The session's streams belong to one loop; used from another they would hang.
            raise ToolError(
                f"{shown_as}(): the MCP session lives on another event loop; run the code with "
                "`await cm.execute(...)` on that loop (not `execute_sync` from inside it)",
                tool=shown_as,
            )
        if as_task:
            result = await _call_as_task(session, name, arguments)
        else:
            request_id = _next_request_id(session)
            try:
                result = await session.call_tool(name, arguments)
            except asyncio.CancelledError:
                if request_id is not None:
                    _notify_cancelled(session, request_id)
                raise
        return unwrap_result(
            result,
            shown_as,
            wrapped=reading.wrapped,
            declared=reading.declared,
            keep_binary=reading.keep_binary,
        )

    call.__name__ = shown_as
    return call


def _next_request_id(session: Any) -> int | None:
    """The id mcp 1.x's `ClientSession` gives its next request, or None.

    mcp 2.x sends `notifications/cancelled` itself when a request's caller gives up; 1.x does
    not, so the adapter sends it, for the id 1.x's `call_tool` takes before its first await.
    """
    if not isinstance(getattr(session, "_request_id", None), int):  # 2.x has no such counter
        return None
    if not callable(getattr(session, "send_notification", None)):
        return None
    return int(session._request_id)


_pending_notes: set[asyncio.Task[None]] = set()


def _notify_cancelled(session: Any, request_id: int) -> None:
    """Tell the server a request was given up, from a task of its own: the caller is being
    cancelled and may not await anything more."""

    async def send() -> None:
        with contextlib.suppress(Exception):
            note = mcp_types.CancelledNotification.model_validate(
                {
                    "method": "notifications/cancelled",
                    "params": {"requestId": request_id, "reason": "the codemode run stopped"},
                }
            )
            wrap: Any = mcp_types.ClientNotification  # a root model on 1.x
            await session.send_notification(wrap(note))

    task = asyncio.get_running_loop().create_task(send())
    _pending_notes.add(task)
    task.add_done_callback(_pending_notes.discard)


async def _call_as_task(session: Any, name: str, arguments: dict[str, Any]) -> Any:
    """Run a tool as an MCP task (mcp 1.x's experimental client): create it, wait for it to end,
    fetch its result; a call given up cancels the task on the server."""
    features = _tasks_api(session)
    created = await features.call_tool_as_task(name, arguments)
    task_id = _field(created.task, "task_id", "taskId")
    try:
        async for _status in features.poll_task(task_id):
            pass
        return await features.get_task_result(task_id, mcp_types.CallToolResult)
    except asyncio.CancelledError:
        cancel = asyncio.get_running_loop().create_task(features.cancel_task(task_id))
        _pending_notes.add(cancel)
        cancel.add_done_callback(_pending_notes.discard)
        raise


def unwrap_result(
    result: Any,
    tool: str = "",
    *,
    wrapped: bool = False,
    declared: bool = False,
    keep_binary: bool = False,
) -> Any:
    """The value of an MCP `CallToolResult`, as model code gets it.

    - `structuredContent` when present (`wrapped=True`, a marked `{"result": ...}` wrapper, see
      `wrapped_result_schema`, takes the value out of its `result`);
    - else each content block: text as text (a file holding `NaN` or `1.50` stays that text);
      only for a tool that declares an output schema (`declared=True`) is text that is a JSON
      object or array parsed;
    - an image or audio block as `{"type": "image", "mimeType": ..., "size": <bytes>}`;
    - an embedded resource as `{"type": "resource", "uri": ..., "mimeType": ..., "text": ...}`,
      or with `"size"` in place of `"text"` for a binary one;
    - a resource link as `{"type": "resource_link", "uri": ..., "name": ...}` plus its
      `mimeType`, `title`, `description` and `size` where given;

    one block gives its value, several a list. Binary data stays out of the model's context;
    `keep_binary=True` adds it as base64 (`"data"`, or `"blob"` for a resource).

    Raises `ToolError` with the server's message when the result is flagged `isError`.
    """
    blocks = list(getattr(result, "content", None) or [])
    if _field(result, "is_error", "isError"):
        text = "\n".join(_block_text(block) for block in blocks).strip()
        message = text or "the MCP server reported an error without a message"
        raise ToolError(f"{tool}() failed: {message}" if tool else message, tool=tool)
    structured = _field(result, "structured_content", "structuredContent")
    if structured is not None:
        if wrapped and isinstance(structured, Mapping) and "result" in structured:
            return structured["result"]
        return structured
    values = [_block_value(block, declared or wrapped, keep_binary) for block in blocks]
    if not values:
        return None
    return values[0] if len(values) == 1 else values


def _block_text(block: Any) -> str:
    text = getattr(block, "text", None)
    if isinstance(text, str):
        return text
    return json.dumps(_block_value(block, declared=False, keep_binary=False))


def _block_value(block: Any, declared: bool, keep_binary: bool) -> Any:
    kind = getattr(block, "type", None)
    if kind == "text" and isinstance(getattr(block, "text", None), str):
        text: str = block.text
        if declared and text.lstrip()[:1] in ("{", "["):
            with contextlib.suppress(ValueError):
                return json.loads(text)
        return text
    if kind in ("image", "audio"):
        data = getattr(block, "data", "") or ""
        value: dict[str, Any] = {"type": kind}
        _put(value, "mimeType", _field(block, "mime_type", "mimeType"))
        value["size"] = _decoded_size(data)
        if keep_binary:
            value["data"] = data
        return value
    if kind == "resource":
        resource = getattr(block, "resource", None)
        value = {"type": "resource"}
        _put(value, "uri", _text_of(getattr(resource, "uri", None)))
        _put(value, "mimeType", _field(resource, "mime_type", "mimeType"))
        content = getattr(resource, "text", None)
        if isinstance(content, str):
            value["text"] = content
        else:
            blob = getattr(resource, "blob", "") or ""
            value["size"] = _decoded_size(blob)
            if keep_binary:
                value["blob"] = blob
        return value
    if kind == "resource_link":
        value = {"type": "resource_link"}
        _put(value, "uri", _text_of(getattr(block, "uri", None)))
        for key, snake in (
            ("name", "name"),
            ("title", "title"),
            ("mimeType", "mime_type"),
            ("description", "description"),
            ("size", "size"),
        ):
            _put(value, key, _field(block, snake, key))
        return value
    return _dump(block)


def _put(value: dict[str, Any], key: str, item: Any) -> None:
    if item is not None:
        value[key] = item


def _text_of(uri: Any) -> str | None:
    return None if uri is None else str(uri)


def _decoded_size(data: str) -> int:
    """The size in bytes of base64 `data`, without decoding it all."""
    try:
        base64.b64decode(data[-8:] if len(data) % 4 == 0 else data, validate=True)
    except (binascii.Error, ValueError):
        return len(data)  # not base64 after all: its length is the best we know
    return len(data) * 3 // 4 - data[-2:].count("=")


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
    startup_timeout: float = 30.0,
    include: Callable[[Tool], bool] | None = None,
    keep_binary: bool = False,
    requires_approval: ApprovalOption = False,
    **session_options: Any,
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
    A server that has not answered `initialize`, or then listed its tools, within
    `startup_timeout` seconds each is stopped and `ConnectionError` raised. Other keywords go to the SDK's `ClientSession`: the client's
    callbacks (`sampling_callback`, `list_roots_callback`, `elicitation_callback`,
    `logging_callback`, `message_handler`) and the rest of what it takes. `prefix`, `include`,
    `keep_binary` and `requires_approval` are as in `from_mcp`.
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
    owner = loop.create_task(
        _own_session(params, errlog or _real_stderr(), ready, stop, session_options)
    )
    try:
        try:
            session = await asyncio.wait_for(asyncio.shield(ready), startup_timeout)
        except TimeoutError:
            raise ConnectionError(
                f"the MCP server {shlex.join(argv)!r} did not answer `initialize` within "
                f"{startup_timeout:g} s (startup_timeout); it was stopped"
            ) from None
        except Exception as exc:
            leaf = _leaf(exc)
            raise ConnectionError(
                f"the MCP server {shlex.join(argv)!r} did not start: {type(leaf).__name__}: {leaf}"
            ) from leaf
        try:
            tools = await asyncio.wait_for(
                from_mcp(
                    session,
                    prefix=prefix,
                    include=include,
                    keep_binary=keep_binary,
                    requires_approval=requires_approval,
                ),
                startup_timeout,
            )
        except TimeoutError:
            raise ConnectionError(
                f"the MCP server {shlex.join(argv)!r} did not list its tools within "
                f"{startup_timeout:g} s (startup_timeout); it was stopped"
            ) from None
        yield tools
    finally:
        stop.set()
        if not ready.done():  # cancelled, or timed out, while the server was starting
            owner.cancel()
        with contextlib.suppress(Exception, asyncio.CancelledError):
            await owner
        if ready.done() and not ready.cancelled():
            ready.exception()  # seen: asyncio would otherwise log it as never retrieved


async def _own_session(
    params: Any,
    errlog: TextIO,
    ready: asyncio.Future[Any],
    stop: asyncio.Event,
    session_options: Mapping[str, Any],
) -> None:
    try:
        async with (
            mcp.stdio_client(params, errlog=errlog) as (read, write),
            mcp.ClientSession(read, write, **session_options) as session,
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


# What `run_code` answers as structured content (its declared `outputSchema`).
RUN_CODE_OUTPUT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "ok": {"type": "boolean"},
        "value": {"description": "the program's result (JSON); absent when cut short"},
        "value_text": {
            "type": "string",
            "description": "the result as text, cut in the middle, when it was too long",
        },
        "error": {
            "anyOf": [
                {
                    "type": "object",
                    "properties": {
                        "type": {"type": "string"},
                        "message": {"type": "string"},
                        "line": {"type": ["integer", "null"]},
                    },
                    "required": ["type", "message"],
                },
                {"type": "null"},
            ]
        },
        "output": {"type": "string", "description": "what the program printed (bounded)"},
        "tool_calls": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "name": {"type": "string"},
                    "ok": {"type": "boolean"},
                    "duration_ms": {"type": "number"},
                    "error": {"type": ["string", "null"]},
                    "args": {"type": "string", "description": "the arguments as JSON, bounded"},
                },
                "required": ["name", "ok"],
            },
        },
        "tool_calls_omitted": {"type": "integer"},
        "duration_ms": {"type": "number"},
        "status": {"enum": ["completed", "error", "paused"]},
        "pending": {
            "type": "array",
            "description": "a paused run: the calls that wait for approval",
            "items": {
                "type": "object",
                "properties": {
                    "id": {"type": "string"},
                    "tool": {"type": "string"},
                    "args": {"type": "string", "description": "the arguments as JSON, bounded"},
                },
                "required": ["id", "tool"],
            },
        },
    },
    "required": ["ok", "error", "duration_ms"],
}

MAX_STRUCTURED_CHARS = 20_000  # about what `to_text()` gives the model, plus a compact trace
_MAX_ARGS_CHARS = 200
_MAX_CALLS = 50


def run_code_structured(result: ExecuteResult, max_chars: int = MAX_STRUCTURED_CHARS) -> Any:
    """`run_code`'s structured content: the outcome with every part bounded, so a tool argument
    or a value of a megabyte does not travel back whole (`ExecuteResult.to_dict()` would)."""
    error = result.error
    out: dict[str, Any] = {
        "ok": result.ok,
        "status": result.status,
        "error": None
        if error is None
        else {
            "type": error.type,
            "message": truncate_text(error.message, 2_000),
            "line": error.line,
        },
        "duration_ms": result.duration_ms,
    }
    value_text = json.dumps(result.value, ensure_ascii=False)
    room = max_chars // 2
    if len(value_text) <= room:
        out["value"] = result.value
    else:
        out["value_text"] = truncate_text(value_text, room)
    if result.logs:
        out["output"] = truncate_text(result.stdout, max_chars // 4)
    calls = []
    for call in result.tool_calls[:_MAX_CALLS]:
        args = json.dumps(call.args, ensure_ascii=False, default=repr)
        calls.append(
            {
                "name": call.name,
                "ok": call.ok,
                "duration_ms": call.duration_ms,
                "error": None if call.error is None else truncate_text(call.error, 300),
                "args": truncate_text(args, _MAX_ARGS_CHARS),
            }
        )
    out["tool_calls"] = calls
    if len(result.tool_calls) > _MAX_CALLS:
        out["tool_calls_omitted"] = len(result.tool_calls) - _MAX_CALLS
    if result.pending:  # a paused run: the calls that wait for approval, bounded as the trace
        out["pending"] = [
            {
                "id": call.id,
                "tool": call.tool,
                "args": truncate_text(
                    json.dumps(call.args, ensure_ascii=False, default=repr), _MAX_ARGS_CHARS
                ),
            }
            for call in result.pending[:_MAX_CALLS]
        ]
    return out


def to_mcp_server(cm: Codemode, *, name: str = "codemode") -> Any:
    """An MCP server (the SDK's `MCPServer`, or `FastMCP` on mcp 1.x) with one tool, `run_code`.

    Its description is `cm.prompt()`: how to write the program, then the stubs. The tool runs the
    code with `cm.execute` and answers with `ExecuteResult.to_text()` as text and a bounded
    summary (`run_code_structured`: the value, the error, the output and a compact trace, at
    most about 20,000 characters) as structured content, declared as its `outputSchema`; a
    failed run is flagged `isError`. The server reports codemode's version in `serverInfo`.

    A call that waits for approval is put to the client's user through MCP elicitation when the
    client supports it (approve, or reject with a reason); otherwise the answer says which calls
    need approval (a paused run, flagged `isError`, its calls in the structured content).
    """
    server = _new_server(name)

    async def run_code(
        code: Annotated[str, Field(description=RUN_CODE_ARGUMENT)],
        ctx: McpContext,
    ) -> mcp_types.CallToolResult:
        result = await cm.execute(code)
        while result.pending and _can_elicit(ctx):
            approve, reject = await _ask_user(ctx, result)
            result = await cm.resume(result, approve=approve, reject=reject)
        # by the wire names, which mcp 1.x and 2.x both accept
        return mcp_types.CallToolResult.model_validate(
            {
                "content": [{"type": "text", "text": result.to_text()}],
                "structuredContent": run_code_structured(result),
                "isError": not result.ok,
            }
        )

    server.tool(name="run_code", description=cm.prompt())(run_code)
    _declare_output_schema(server, "run_code", RUN_CODE_OUTPUT_SCHEMA)
    return server


class ApprovalForm(BaseModel):
    """What the client's user is asked about one call that waits for approval."""

    approve: bool = Field(description="Let this call run?")
    reason: str = Field(default="", description="If not: why (the program is told)")


def _can_elicit(ctx: Any) -> bool:
    """Whether the client said it supports elicitation when it connected."""
    try:
        session = ctx.request_context.session
    except (AttributeError, ValueError, LookupError):
        return False
    capabilities = getattr(session, "client_capabilities", None)
    if capabilities is None:
        params = getattr(session, "client_params", None)
        capabilities = getattr(params, "capabilities", None)
    return getattr(capabilities, "elicitation", None) is not None


async def _ask_user(ctx: Any, result: Any) -> tuple[list[str], dict[str, str]]:
    """Put each waiting call to the client's user; no clear yes is a no."""
    approve: list[str] = []
    reject: dict[str, str] = {}
    for call in result.pending:
        message = f"The program wants to call {call.describe()}. Let it run?"
        try:
            answer = await ctx.elicit(message=message, schema=ApprovalForm)
        except Exception as exc:  # the client failed to ask: do not run the call
            reject[call.id] = f"approval could not be asked: {exc}"
            continue
        data = getattr(answer, "data", None)
        if answer.action == "accept" and isinstance(data, ApprovalForm) and data.approve:
            approve.append(call.id)
        elif answer.action == "accept" and isinstance(data, ApprovalForm):
            reject[call.id] = data.reason or "rejected by the user"
        else:
            reject[call.id] = f"the user chose {answer.action!r}"
    return approve, reject


def _new_server(name: str) -> Any:
    cls = _server_class()
    if "version" in inspect.signature(cls).parameters:  # mcp 2.x
        return cls(name, version=__version__)
    server = cls(name)
    lowlevel = getattr(server, "_mcp_server", None)  # mcp 1.x keeps it on the low-level server
    if lowlevel is not None and hasattr(lowlevel, "version"):
        lowlevel.version = __version__
    return server


def _declare_output_schema(server: Any, tool_name: str, schema: dict[str, Any]) -> None:
    """Publish `schema` as the tool's `outputSchema`. The SDK infers none for a tool that returns
    a `CallToolResult`, and takes no schema as an argument; its tool keeps it here on 1.x and 2.x."""
    tool = server._tool_manager.get_tool(tool_name)
    tool.fn_metadata.output_schema = schema
    if hasattr(tool.fn_metadata, "output_model"):  # 1.x checks the content with a model
        tool.fn_metadata.output_model = _AnyObject


class _AnyObject(BaseModel):
    """Any JSON object: the schema above is the contract; this only lets mcp 1.x pass it on."""

    model_config = ConfigDict(extra="allow")


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
    try:
        with contextlib.redirect_stdout(sys.stderr):
            module = importlib.import_module(module_name)
    except Exception as exc:  # a one-line answer beats a traceback of importlib's internals
        print(f"codemode mcp-serve: {_import_problem(module_name, exc)}", file=sys.stderr)
        return 2
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


def _import_problem(module_name: str, exc: Exception) -> str:
    """What went wrong importing the target, and what to do about it, in one line."""
    if isinstance(exc, ModuleNotFoundError) and exc.name is not None:
        if module_name == exc.name or module_name.startswith(exc.name + "."):
            return (
                f"no module named {module_name!r} in {os.getcwd()} or on sys.path; run this "
                "from the folder that holds it, or add that folder to PYTHONPATH"
            )
        return (
            f"importing {module_name!r} failed: it needs the module {exc.name!r}, which is not "
            f"installed (pip install it into this environment)"
        )
    where = ""
    frames = traceback.extract_tb(exc.__traceback__)
    if frames:
        where = f" ({frames[-1].filename}, line {frames[-1].lineno})"
    return f"importing {module_name!r} failed{where}: {type(exc).__name__}: {exc}"
