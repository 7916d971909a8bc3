"""LangChain: codemode as one LangChain tool, and LangChain tools as codemode tools.

Needs langchain-core (`pip install "codemode[langchain]"`); importing `codemode` alone never
imports it.

    cm = Codemode(from_langchain([search, get_weather]))   # LangChain tools in
    run_code = as_langchain_tool(cm)                       # one LangChain tool out
    agent = create_agent(model, tools=[run_code])          # or model.bind_tools([run_code])
"""

from __future__ import annotations

import inspect
import threading
import typing
from collections.abc import Iterable, Mapping
from typing import Any, Literal

try:
    from langchain_core.messages import ToolMessage
    from langchain_core.runnables import RunnableConfig
    from langchain_core.tools import BaseTool, StructuredTool, ToolException
    from langchain_core.utils.function_calling import convert_to_openai_function
except ImportError as exc:  # pragma: no cover - exercised only without the extra
    raise ImportError(
        "codemode.adapters.langchain needs langchain-core: pip install 'codemode[langchain]'"
    ) from exc
import pydantic

from .._approvals import PendingCall
from .._codemode import Codemode
from .._errors import RegistrationError, ToolError
from .._result import ExecuteResult
from .._session import Session
from .._tools import ApprovalRule, Tool, python_name
from .._tools import _output_schema as output_schema_of

# -- codemode as a LangChain tool ---------------------------------------------------------------


class _RunCodeInput(pydantic.BaseModel):
    code: str = pydantic.Field(
        description="A Python program: `async def main()` that calls the tools and returns the "
        "answer."
    )


class _RunCode(BaseTool):
    """The LangChain face of a `Codemode`: one argument, `code`; the answer is
    `ExecuteResult.to_text()` and the artifact is the `ExecuteResult` itself."""

    name: str = "run_code"
    description: str = ""
    args_schema: type[pydantic.BaseModel] = _RunCodeInput
    response_format: Literal["content", "content_and_artifact"] = "content_and_artifact"
    codemode: Codemode = pydantic.Field(exclude=True)
    session: bool = False
    sessions: dict[str, Session] = pydantic.Field(default_factory=dict, exclude=True)

    def _run(self, code: str, config: RunnableConfig) -> tuple[str, ExecuteResult]:
        # Inside a running event loop (a sync `invoke` from async code, Jupyter) execute_sync
        # runs the program on a private loop in a helper thread.
        graph = _GraphTask.current()
        result = graph.saved() if graph is not None else None
        if result is None:
            result = self._runner(config).execute_sync(code)
        while graph is not None and result.pending:
            decisions = graph.ask(result)  # raises GraphInterrupt until someone decides
            result = self.codemode.resume_sync(result, **decisions)
        return result.to_text(), result

    async def _arun(self, code: str, config: RunnableConfig) -> tuple[str, ExecuteResult]:
        graph = _GraphTask.current()
        result = graph.saved() if graph is not None else None
        if result is None:
            result = await self._runner(config).execute(code)
        while graph is not None and result.pending:
            decisions = graph.ask(result)
            result = await self.codemode.resume(result, **decisions)
        return result.to_text(), result

    def _runner(self, config: RunnableConfig | None) -> Codemode | Session:
        """The session for this call's LangGraph thread (or the tool's own), or the Codemode."""
        if not self.session:
            return self.codemode
        configurable = (config or {}).get("configurable") or {}
        thread = configurable.get("thread_id")
        key = "" if thread is None else str(thread)
        with _SESSIONS_LOCK:  # sync invokes may come from several threads at once
            session = self.sessions.pop(key, None)
            if session is None or session.closed:
                session = self.codemode.session()
            self.sessions[key] = session  # the most recently used last
            evicted = []
            while len(self.sessions) > _MAX_THREADS:
                evicted.append(self.sessions.pop(next(iter(self.sessions))))
        for old in evicted:
            old.close()
        return session

    def close_sessions(self) -> None:
        """Close every session this tool keeps (they also expire on their own when idle)."""
        while self.sessions:
            self.sessions.popitem()[1].close()


_MAX_THREADS = 256  # sessions kept per tool; the least recently used is closed past this
_SESSIONS_LOCK = threading.Lock()


class _GraphTask:
    """Approvals through LangGraph's `interrupt()`, inside a graph with a checkpointer.

    A paused run interrupts the graph with the calls that wait (`{"type":
    "codemode.approval", "pending": [...]}`); `Command(resume=decisions)` continues it. LangGraph
    runs the node again from its start on resume, which must not run the program again (its
    earlier tool calls would happen twice), so the run's checkpoint is saved first among the
    task's resume values, which LangGraph persists with the interrupt: on the next pass the tool
    finds it there and resumes from it. That uses LangGraph's scratchpad (`langgraph._internal`);
    without it the tool still interrupts, but a resumed node runs the program again.
    """

    def __init__(self, conf: dict[str, Any]) -> None:
        self.conf = conf
        self.scratchpad: Any = conf.get(_SCRATCHPAD)
        self.fresh = True  # whether the result being asked about is not yet saved

    @classmethod
    def current(cls) -> _GraphTask | None:
        """The LangGraph task this tool runs in, or None outside a graph."""
        try:
            from langgraph.config import get_config

            conf = get_config().get("configurable", {})
        except (ImportError, RuntimeError):  # no langgraph, or not inside a graph run
            return None
        return cls(conf) if _SCRATCHPAD and conf.get(_SCRATCHPAD) is not None else None

    def saved(self) -> ExecuteResult | None:
        """The last paused run saved by an earlier pass of this node, if any."""
        resume = getattr(self.scratchpad, "resume", None) or []
        marks = [i for i, value in enumerate(resume) if _is_saved(value)]
        if not marks:
            return None
        for _ in range(marks[-1] + 1):  # what the earlier passes asked and were told
            self.scratchpad.interrupt_counter()
        self.fresh = False
        checkpoint = resume[marks[-1]][_SAVED]
        return ExecuteResult(ok=False, pending=_pending_of(checkpoint), checkpoint=checkpoint)

    def ask(self, result: ExecuteResult) -> dict[str, Any]:
        """Save the paused run, interrupt the graph; on the next pass, the decisions."""
        from langgraph.types import interrupt

        if self.fresh and self.scratchpad is not None and _SEND in self.conf:
            self.scratchpad.interrupt_counter()
            self.scratchpad.resume.append({_SAVED: result.checkpoint})
            self.conf[_SEND]([(_RESUME, list(self.scratchpad.resume))])
        self.fresh = True
        answer = interrupt(
            {
                "type": "codemode.approval",
                "pending": [call.to_dict() for call in result.pending],
                "text": result.to_text(),
            }
        )
        return decisions(answer, result)


try:  # LangGraph's own keys for a task's resume values (see `langgraph.types.interrupt`)
    from langgraph._internal._constants import (
        CONFIG_KEY_SCRATCHPAD as _SCRATCHPAD,
    )
    from langgraph._internal._constants import (
        CONFIG_KEY_SEND as _SEND,
    )
    from langgraph._internal._constants import (
        RESUME as _RESUME,
    )
except ImportError:  # pragma: no cover - another langgraph layout, or none
    _SCRATCHPAD = _SEND = _RESUME = ""

_SAVED = "codemode_paused_run"


def _is_saved(value: Any) -> bool:
    return isinstance(value, dict) and set(value) == {_SAVED}


def _pending_of(checkpoint: dict[str, Any]) -> tuple[PendingCall, ...]:
    return tuple(
        PendingCall(held["id"], held["tool"], held.get("validated", held["args"]))
        for held in checkpoint.get("pending", [])
    )


def decisions(answer: Any, result: ExecuteResult) -> dict[str, Any]:
    """`Codemode.resume` keywords from what a person answered about `result.pending`.

    Takes `{"approve": [ids], "reject": {id: reason}}`, `{id: True | False | "reason"}` (a
    string rejects with that reason), or `True` / `False` for every call. Calls it does not
    decide stay waiting: the run pauses again and the graph asks again.
    """
    ids = [call.id for call in result.pending]
    approve: list[str] = []
    reject: dict[str, str] = {}
    if answer is True or answer is False:
        answer = dict.fromkeys(ids, answer)
    if isinstance(answer, dict) and ("approve" in answer or "reject" in answer):
        approve = [str(i) for i in answer.get("approve") or () if i in ids]
        reject = {str(k): str(v) for k, v in (answer.get("reject") or {}).items() if k in ids}
    elif isinstance(answer, dict):
        for key, value in answer.items():
            if key not in ids:
                continue
            if value is True:
                approve.append(key)
            else:
                reject[key] = value if isinstance(value, str) and value else "rejected"
    return {"approve": approve, "reject": reject}


def as_langchain_tool(cm: Codemode, name: str = "run_code", *, session: bool = False) -> BaseTool:
    """A LangChain tool that runs the model's program against `cm`'s tools.

    Its description is `cm.prompt()` (how to write the program, then the typed stubs) and its only
    argument is `code`. `invoke` and `ainvoke` both work, also under a running event loop; `ainvoke`
    runs async tools on the caller's loop. Whatever the code does, the tool does not raise: the
    `ToolMessage` carries `ExecuteResult.to_text()` and its `artifact` is the full `ExecuteResult`
    (`response_format="content_and_artifact"`). A call without a string `code` comes back as an
    error message for the model rather than an exception.

    The description is taken when the tool is made: make it again after adding tools to `cm`.

    `session=True` runs the programs in a `Session`, so what one program binds at top level is
    there for the next (and the description says so): one session per LangGraph thread where
    the run's config gives a `thread_id` (`{"configurable": {"thread_id": ...}}`), otherwise one
    for the tool instance. Sessions let go of their state when idle (`Codemode.session`); the
    tool keeps at most 256 and `run_code.close_sessions()` closes them.

    >>> run_code = as_langchain_tool(cm)
    >>> message = run_code.invoke({"type": "tool_call", "id": "1", "name": "run_code",
    ...                            "args": {"code": "async def main():\\n    return 42"}})
    >>> message.content, message.artifact.value
    ('Result:\\n42', 42)
    """
    return _RunCode(
        name=name,
        description=cm.prompt(session=session),
        codemode=cm,
        session=session,
        handle_validation_error=lambda exc: _missing_code_message(name, exc),
    )


def _missing_code_message(name: str, exc: Exception) -> str:
    problems = []
    if isinstance(exc, pydantic.ValidationError):
        problems = [str(error["msg"]) for error in exc.errors(include_url=False)]
    detail = "; ".join(problems) or str(exc)
    return (
        f"Error: {name} takes one argument, `code`: a string holding the Python program "
        f"({detail}). Nothing was run."
    )


# -- LangChain tools as codemode tools ----------------------------------------------------------


def from_langchain(
    tools: Iterable[BaseTool],
    *,
    requires_approval: Iterable[str] | Mapping[str, ApprovalRule] = (),
) -> list[Tool]:
    """Codemode tools that call existing LangChain tools.

    Takes any `BaseTool`: `@tool` functions, `StructuredTool`, subclasses with an `args_schema`,
    async-only tools. Each keeps its exact name, its description and the argument schema LangChain
    would show a model (`convert_to_openai_function`). A call goes through the tool's own
    `ainvoke` with the arguments as a dict, so LangChain's validation and callbacks run.

    A failing tool raises `ToolError` inside the model's code, carrying the tool's message. Where a
    tool sets `handle_tool_error`, that setting still decides the message (`True`: the exception's
    text, a string: that string, a callable: what it returns), but the model's code sees it as a
    `ToolError` it can catch, not as a return value it might mistake for data.

    `requires_approval` names the tools whose calls wait for approval (or maps names to a rule,
    as `Tool.from_schema` takes it).

    `cm = Codemode(from_langchain([search, get_weather]))`
    """
    rules: dict[str, ApprovalRule] = (
        dict(requires_approval)
        if isinstance(requires_approval, Mapping)
        else dict.fromkeys(requires_approval, True)
    )
    out = []
    for item in tools:
        if not isinstance(item, BaseTool):
            raise RegistrationError(
                f"from_langchain takes LangChain tools (BaseTool instances), got {item!r}"
            )
        spec = convert_to_openai_function(item)
        out.append(
            Tool.from_schema(
                name=item.name,
                description=item.description or "",
                input_schema=spec.get("parameters") or {"type": "object", "properties": {}},
                fn=_LangChainCall(item),
                output_schema=_output_schema(item),
                requires_approval=rules.pop(item.name, False),
            )
        )
    if rules:
        raise RegistrationError(f"requires_approval names unknown tools: {', '.join(rules)}")
    return out


class _LangChainCall:
    """Calls one LangChain tool through its `ainvoke`, turning failures into `ToolError`."""

    def __init__(self, tool: BaseTool) -> None:
        self.tool = tool
        self.label = python_name(tool.name)
        # A copy that raises instead of returning handled errors, so that failures stay
        # distinguishable from results; the original's settings still shape the message.
        handled = tool.handle_tool_error or tool.handle_validation_error
        self.runner = (
            tool.model_copy(update={"handle_tool_error": False, "handle_validation_error": False})
            if handled
            else tool
        )

    async def __call__(self, **kwargs: Any) -> Any:
        try:
            result = await self.runner.ainvoke(kwargs)
        except ToolException as exc:
            message = _handled(exc, self.tool.handle_tool_error, _exception_text(exc))
            raise ToolError(f"{self.label}() failed: {message}", tool=self.label) from None
        except pydantic.ValidationError as exc:
            message = _handled(exc, self.tool.handle_validation_error, _validation_text(exc))
            raise ToolError(f"{self.label}(): {message}", tool=self.label) from None
        if isinstance(result, ToolMessage):  # a tool may build its own message
            if result.status == "error":
                text = result.content if isinstance(result.content, str) else str(result.content)
                raise ToolError(f"{self.label}() failed: {text}", tool=self.label)
            return result.content
        return result


def _exception_text(exc: Exception) -> str:
    return str(exc.args[0]) if exc.args else type(exc).__name__


def _validation_text(exc: pydantic.ValidationError) -> str:
    parts = []
    for error in exc.errors(include_url=False)[:3]:
        where = ".".join(str(part) for part in error["loc"])
        parts.append(f"argument {where!r}: {error['msg']}" if where else str(error["msg"]))
    return "; ".join(parts) or str(exc)


def _handled(exc: Exception, flag: Any, default: str) -> str:
    """The message a LangChain `handle_tool_error` / `handle_validation_error` setting gives."""
    if isinstance(flag, str):
        return flag
    if callable(flag):
        content = flag(exc)
        return content if isinstance(content, str) else str(content)
    return default


def _output_schema(tool: BaseTool) -> dict[str, Any] | None:
    """The return type of a function tool as JSON Schema, when LangChain passes it on unchanged."""
    if not isinstance(tool, StructuredTool) or tool.response_format != "content":
        return None
    function = tool.coroutine or tool.func
    try:
        hints = typing.get_type_hints(function) if function is not None else {}
        return output_schema_of(hints.get("return", inspect.Signature.empty))
    except Exception:  # unresolvable hints or an unusual type: the stub says Any
        return None


__all__ = ["as_langchain_tool", "decisions", "from_langchain"]
