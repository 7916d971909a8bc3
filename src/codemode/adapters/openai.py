"""OpenAI: codemode as one function tool in a Chat Completions or Responses loop, and existing
OpenAI function definitions as codemode tools.

Works with the official `openai` client (`pip install "codemode[openai]"`) and any
OpenAI-compatible server. This module never imports `openai` itself: it reads the client's
objects (or their dict forms) and calls the client you pass in.

    client = OpenAI()
    cm = Codemode(from_openai(functions, handlers))
    final, transcript = run_loop(client, cm, model="gpt-4.1-mini", messages=messages)
    print(final.content)

or, in a loop of your own:

    completion = client.chat.completions.create(
        model=..., messages=messages, tools=[openai_tool(cm), *other_tools]
    )
    message = completion.choices[0].message
    messages.append(message)
    messages.extend(handle_tool_calls(cm, message))   # answers the run_code calls only
"""

from __future__ import annotations

import copy
import dataclasses
import json
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, overload

from .._approvals import CheckpointError, PendingCall
from .._codemode import Codemode
from .._errors import RegistrationError
from .._result import ExecuteResult
from .._session import Session
from .._tools import ApprovalRule, Tool

if TYPE_CHECKING:
    from openai import AsyncOpenAI, OpenAI
    from openai.types.chat import ChatCompletionMessage
    from openai.types.responses import Response

Api = Literal["chat", "responses"]

_PARAMETERS: dict[str, Any] = {
    "type": "object",
    "properties": {"code": {"type": "string"}},
    "required": ["code"],
    "additionalProperties": False,
}


def openai_tool(
    cm: Codemode, api: Api = "chat", *, name: str = "run_code", session: bool = False
) -> dict[str, Any]:
    """The function tool that lets the model run a program against `cm`'s tools.

    Its description is `cm.prompt(session=session)` (how to write the program, then the typed
    stubs; with `session=True`, that names stay from one program to the next); its one
    parameter is `code`, under a strict schema.

    - `api="chat"` (Chat Completions): `{"type": "function", "function": {"name", "description",
      "parameters", "strict": True}}`
    - `api="responses"`: `{"type": "function", "name", "description", "parameters",
      "strict": True}`
    """
    function = {
        "name": name,
        "description": cm.prompt(session=session),
        "parameters": copy.deepcopy(_PARAMETERS),
        "strict": True,
    }
    if api == "chat":
        return {"type": "function", "function": function}
    if api == "responses":
        return {"type": "function", **function}
    raise ValueError(f"api must be 'chat' or 'responses', got {api!r}")


# -- tool calls in, tool results out ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Call:
    """One function call from the model, in either API's shape."""

    api: Api
    call_id: str
    name: str
    arguments: Any  # a JSON string as the API sends it; a dict is accepted too
    kind: str = "function"  # or "custom" (a Chat Completions custom tool call)

    def is_for(self, name: str) -> bool:
        return self.kind == "function" and self.name == name

    def reply(self, text: str) -> dict[str, Any]:
        if self.api == "chat":
            return {"role": "tool", "tool_call_id": self.call_id, "content": text}
        return {"type": "function_call_output", "call_id": self.call_id, "output": text}


def handle_tool_calls(
    cm: Codemode | Session, message_or_response: Any, *, name: str = "run_code"
) -> list[dict[str, Any]]:
    """Run every `name` call in a model turn and return the results to append, in call order.

    `cm` is a `Codemode`, or a `Session` (`cm.session()`) whose programs keep their names from
    one turn to the next.

    Takes a Chat Completions `ChatCompletionMessage` (or its dict form), or a Responses `Response`
    (or its `output` list). Returns JSON-safe dicts: `{"role": "tool", "tool_call_id", "content"}`
    for Chat Completions, `{"type": "function_call_output", "call_id", "output"}` for Responses,
    each carrying `ExecuteResult.to_text()`. Calls to other tools are left to the caller.

    Never raises for what the model sent: arguments that are not JSON, or that lack a string
    `code`, get a tool result explaining how to call the tool. Works inside a running event loop
    (the program then runs on a private loop in a helper thread; see `Codemode.execute_sync`);
    from async code prefer `ahandle_tool_calls`.
    """
    calls = _tool_calls(message_or_response)
    return [call.reply(_run_sync(cm, call)) for call in calls if call.is_for(name)]


async def ahandle_tool_calls(
    cm: Codemode | Session, message_or_response: Any, *, name: str = "run_code"
) -> list[dict[str, Any]]:
    """`handle_tool_calls` for async code: programs run on the caller's event loop, so async
    tools bound to that loop work."""
    calls = _tool_calls(message_or_response)
    return [call.reply(await _run_async(cm, call)) for call in calls if call.is_for(name)]


def _tool_calls(value: Any) -> list[_Call]:
    """The tool calls in a chat message, a chat completion, a response or an output list."""
    if isinstance(value, Sequence) and not isinstance(value, str | bytes):
        return _responses_calls(value)
    data = _as_dict(value)
    if "output" in data and "role" not in data:
        return _responses_calls(data["output"] or [])
    if "choices" in data:
        choices = data["choices"] or [{}]
        data = _as_dict(choices[0].get("message") or {})
    if "role" in data or "tool_calls" in data or "content" in data:
        return [_chat_call(raw) for raw in data.get("tool_calls") or []]
    raise TypeError(
        "handle_tool_calls takes a ChatCompletionMessage, a Response, their dict forms or a "
        f"Response's output list; got {type(value).__name__}"
    )


def _chat_call(raw: Any) -> _Call:
    item = _as_dict(raw)
    kind = str(item.get("type") or "function")
    body = item.get(kind)
    body = _as_dict(body) if body is not None else {}
    arguments = body.get("arguments", body.get("input"))
    return _Call("chat", str(item.get("id", "")), str(body.get("name", "")), arguments, kind)


def _responses_calls(items: Iterable[Any]) -> list[_Call]:
    calls = []
    for raw in items:
        item = _as_dict(raw)
        if item.get("type") == "function_call":
            call_id, name = str(item.get("call_id", "")), str(item.get("name", ""))
            calls.append(_Call("responses", call_id, name, item.get("arguments")))
    return calls


def _code_of(call: _Call) -> tuple[str | None, str]:
    """The program in a call's arguments, or why there is none (as a message for the model)."""
    arguments = call.arguments
    if isinstance(arguments, str):
        try:
            arguments = json.loads(arguments) if arguments.strip() else {}
        except json.JSONDecodeError as exc:
            return None, (
                f"Error: the arguments of {call.name} are not valid JSON ({exc}). Nothing was "
                f'run. Call {call.name} with {{"code": "<the Python program>"}}.'
            )
    code = arguments.get("code") if isinstance(arguments, Mapping) else None
    if not isinstance(code, str):
        return None, (
            f"Error: {call.name} takes one argument, `code`: a string holding the Python program "
            f"(got {_describe(arguments)}). Nothing was run."
        )
    return code, ""


def _describe(arguments: Any) -> str:
    if not isinstance(arguments, Mapping):
        return f"{_json_type(arguments)}, not an object"
    if "code" in arguments:
        return f"`code` as {_json_type(arguments['code'])}"
    return "arguments " + ", ".join(map(repr, arguments)) if arguments else "no arguments"


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    names = {
        bool: "a boolean",
        int: "a number",
        float: "a number",
        list: "an array",
        str: "a string",
    }
    return names.get(type(value), "an object")


def _run_sync(cm: Codemode | Session, call: _Call) -> str:
    outcome = _result_sync(cm, call)
    return outcome if isinstance(outcome, str) else outcome.to_text()


async def _run_async(cm: Codemode | Session, call: _Call) -> str:
    outcome = await _result_async(cm, call)
    return outcome if isinstance(outcome, str) else outcome.to_text()


def _result_sync(cm: Codemode | Session, call: _Call) -> str | ExecuteResult:
    code, problem = _code_of(call)
    return problem if code is None else cm.execute_sync(code)


async def _result_async(cm: Codemode | Session, call: _Call) -> str | ExecuteResult:
    code, problem = _code_of(call)
    return problem if code is None else await cm.execute(code)


def _as_dict(value: Any) -> dict[str, Any]:
    """An OpenAI object as a JSON-safe dict (the fields the API sent, under the API's names), or
    a mapping as a dict."""
    if isinstance(value, Mapping):
        return dict(value)
    to_dict = getattr(value, "to_dict", None)
    if callable(to_dict):  # openai's models
        data = to_dict(mode="json")
        if isinstance(data, dict):
            return data
    dump = getattr(value, "model_dump", None)
    if callable(dump):
        data = dump(mode="json", by_alias=True, exclude_unset=True)
        if isinstance(data, dict):
            return data
    raise TypeError(f"expected an OpenAI object or a dict, got {type(value).__name__}")


# -- the whole loop -----------------------------------------------------------------------------


class _Loop:
    """The state of one conversation: what to send next and what came back."""

    def __init__(
        self, cm: Codemode, api: Api, messages: Any, name: str, max_turns: int, session: bool
    ) -> None:
        if api not in ("chat", "responses"):
            raise ValueError(f"api must be 'chat' or 'responses', got {api!r}")
        if max_turns < 1:
            raise ValueError(f"max_turns must be at least 1, got {max_turns}")
        self.api = api
        self.name = name
        if isinstance(messages, str):
            messages = [{"role": "user", "content": messages}]
        self.transcript: list[dict[str, Any]] = [_as_dict(m) for m in messages]
        self.tools = [openai_tool(cm, api, name=name, session=session)]

    def create(self, client: Any) -> Callable[..., Any]:
        if self.api == "chat":
            return client.chat.completions.create  # type: ignore[no-any-return]
        return client.responses.create  # type: ignore[no-any-return]

    def request(self) -> dict[str, Any]:
        key = "messages" if self.api == "chat" else "input"
        return {key: list(self.transcript), "tools": self.tools}

    def receive(self, response: Any) -> tuple[Any, list[_Call]]:
        """Record the model's turn; return what to hand back as final and its tool calls."""
        if self.api == "chat":
            message = response.choices[0].message
            data = _as_dict(message)
            turn: dict[str, Any] = {"role": "assistant", "content": data.get("content")}
            for key in ("refusal", "tool_calls"):
                if data.get(key):
                    turn[key] = data[key]
            self.transcript.append(turn)
            return message, _tool_calls(turn)
        items = [_as_dict(item) for item in response.output]
        self.transcript.extend(items)
        return response, _responses_calls(items)

    def unknown(self, call: _Call) -> str:
        return (
            f"Error: there is no tool {call.name!r} here; the only tool is {self.name!r}, which "
            "runs a Python program that calls the other tools."
        )


@overload
def run_loop(
    client: OpenAI,
    cm: Codemode,
    *,
    model: str,
    messages: str | Iterable[Any],
    api: Literal["chat"] = "chat",
    max_turns: int = 10,
    name: str = "run_code",
    session: bool = True,
    **create_args: Any,
) -> tuple[ChatCompletionMessage | PausedLoop, list[dict[str, Any]]]: ...


@overload
def run_loop(
    client: OpenAI,
    cm: Codemode,
    *,
    model: str,
    messages: str | Iterable[Any],
    api: Literal["responses"],
    max_turns: int = 10,
    name: str = "run_code",
    session: bool = True,
    **create_args: Any,
) -> tuple[Response | PausedLoop, list[dict[str, Any]]]: ...


def run_loop(
    client: OpenAI,
    cm: Codemode,
    *,
    model: str,
    messages: str | Iterable[Any],
    api: Api = "chat",
    max_turns: int = 10,
    name: str = "run_code",
    session: bool = True,
    **create_args: Any,
) -> tuple[Any, list[dict[str, Any]]]:
    """Talk to the model until it answers without calling a tool; return that answer and the
    transcript.

    Each turn sends the transcript with `openai_tool(cm, api)` and runs the model's `run_code`
    calls (`handle_tool_calls`); a call to any other tool gets an error result naming the one tool
    there is. `messages` is the conversation so far: Chat Completions messages for `api="chat"`,
    Responses input items for `api="responses"`, or one string for a user message. Other keyword
    arguments go to `create` (`temperature=...`, `reasoning=...`).

    Returns `(final, transcript)`: `final` is the last `ChatCompletionMessage` (`api="chat"`) or
    `Response` (`api="responses"`, read `final.output_text`); `transcript` holds `messages` and
    every turn after them as JSON-safe dicts, ready to send again. After `max_turns` model calls
    that all asked for tools, the last one is returned, with its calls answered in the transcript.
    Errors from the API itself (authentication, rate limits) raise as the client raises them.

    With `session=True` (the default) the loop's programs run in one `Session`: what one
    program binds at top level is there for the next, the prompt says so, and the session is
    closed when the loop returns. `session=False` runs every program afresh.

    When a program waits for approval (a tool with `requires_approval`, and no `approve`
    callback on `cm` deciding it), the loop stops: `final` is then a `PausedLoop` whose
    `pending` lists the calls that wait; `resume_loop(client, cm, final, approve=[...],
    reject={...}, model=...)` goes on from there (outside the session).
    """
    loop = _Loop(cm, api, messages, name, max_turns, session)
    runner: Codemode | Session = cm.session() if session else cm
    try:
        return _drive_sync(client, cm, loop, model, max_turns, create_args, runner)
    finally:
        if isinstance(runner, Session):
            runner.close()


def _drive_sync(
    client: Any,
    cm: Codemode,
    loop: _Loop,
    model: str,
    turns: int,
    create_args: Any,
    runner: Codemode | Session | None = None,
) -> tuple[Any, list[dict[str, Any]]]:
    create = loop.create(client)
    final: Any = None
    for _ in range(turns):
        final, calls = loop.receive(create(model=model, **loop.request(), **create_args))
        if not calls:
            break
        turn = _Turn(loop)
        for call in calls:
            if call.is_for(loop.name):
                turn.add(call, _result_sync(runner or cm, call))
            else:
                turn.answer(call, loop.unknown(call))
        if turn.waiting:
            return turn.paused(), loop.transcript
        turn.close()
    return final, loop.transcript


@overload
async def arun_loop(
    client: AsyncOpenAI,
    cm: Codemode,
    *,
    model: str,
    messages: str | Iterable[Any],
    api: Literal["chat"] = "chat",
    max_turns: int = 10,
    name: str = "run_code",
    session: bool = True,
    **create_args: Any,
) -> tuple[ChatCompletionMessage | PausedLoop, list[dict[str, Any]]]: ...


@overload
async def arun_loop(
    client: AsyncOpenAI,
    cm: Codemode,
    *,
    model: str,
    messages: str | Iterable[Any],
    api: Literal["responses"],
    max_turns: int = 10,
    name: str = "run_code",
    session: bool = True,
    **create_args: Any,
) -> tuple[Response | PausedLoop, list[dict[str, Any]]]: ...


async def arun_loop(
    client: AsyncOpenAI,
    cm: Codemode,
    *,
    model: str,
    messages: str | Iterable[Any],
    api: Api = "chat",
    max_turns: int = 10,
    name: str = "run_code",
    session: bool = True,
    **create_args: Any,
) -> tuple[Any, list[dict[str, Any]]]:
    """`run_loop` for `AsyncOpenAI`; programs run on the caller's event loop (in one `Session`
    unless `session=False`)."""
    loop = _Loop(cm, api, messages, name, max_turns, session)
    runner: Codemode | Session = cm.session() if session else cm
    try:
        return await _drive_async(client, cm, loop, model, max_turns, create_args, runner)
    finally:
        if isinstance(runner, Session):
            await runner.aclose()


async def _drive_async(
    client: Any,
    cm: Codemode,
    loop: _Loop,
    model: str,
    turns: int,
    create_args: Any,
    runner: Codemode | Session | None = None,
) -> tuple[Any, list[dict[str, Any]]]:
    create: Callable[..., Awaitable[Any]] = loop.create(client)
    final: Any = None
    for _ in range(turns):
        final, calls = loop.receive(await create(model=model, **loop.request(), **create_args))
        if not calls:
            break
        turn = _Turn(loop)
        for call in calls:
            if call.is_for(loop.name):
                turn.add(call, await _result_async(runner or cm, call))
            else:
                turn.answer(call, loop.unknown(call))
        if turn.waiting:
            return turn.paused(), loop.transcript
        turn.close()
    return final, loop.transcript


# -- approvals: a loop that stops while a program waits ----------------------------------------


@dataclass(frozen=True)
class PausedLoop:
    """What `run_loop` returns (in place of the model's last message) when a program it ran
    waits for approval: the calls that wait, and what `resume_loop` needs to go on.

    `pending` lists the waiting calls (id, tool, arguments) of every paused program of the turn.
    `to_dict()` is plain JSON; `PausedLoop.from_dict(...)` reads it back, in another process if
    need be (resume with a `Codemode` that has the same tools).
    """

    api: Api
    name: str
    transcript: list[dict[str, Any]]  # up to the model's turn that called the tools
    answers: list[dict[str, Any]]  # per call of that turn: its reply, or its checkpoint

    @property
    def pending(self) -> tuple[PendingCall, ...]:
        return tuple(
            PendingCall(held["id"], held["tool"], held.get("validated", held["args"]))
            for answer in self.answers
            if "checkpoint" in answer
            for held in answer["checkpoint"]["pending"]
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "codemode_paused_loop": 1,
            "api": self.api,
            "name": self.name,
            "transcript": self.transcript,
            "answers": self.answers,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PausedLoop:
        if data.get("codemode_paused_loop") != 1 or data.get("api") not in ("chat", "responses"):
            raise ValueError("not a PausedLoop's to_dict()")
        return cls(data["api"], str(data["name"]), list(data["transcript"]), list(data["answers"]))


class _Turn:
    """The answers to one model turn's calls; programs that pause keep their checkpoints."""

    def __init__(self, loop: _Loop) -> None:
        self.loop = loop
        self.answers: list[dict[str, Any]] = []
        self.waiting = False

    def answer(self, call: _Call, text: str) -> None:
        self.answers.append({"reply": call.reply(text)})

    def add(self, call: _Call, outcome: str | ExecuteResult) -> None:
        if isinstance(outcome, ExecuteResult) and outcome.pending:
            self.waiting = True
            self.answers.append(
                {"call": dataclasses.asdict(call), "checkpoint": outcome.checkpoint}
            )
        else:
            text = outcome.to_text() if isinstance(outcome, ExecuteResult) else outcome
            self.answers.append({"reply": call.reply(text)})

    def paused(self) -> PausedLoop:
        return PausedLoop(self.loop.api, self.loop.name, list(self.loop.transcript), self.answers)

    def close(self) -> None:
        self.loop.transcript.extend(answer["reply"] for answer in self.answers)


def _continue(paused: PausedLoop | Mapping[str, Any], cm: Codemode) -> tuple[_Loop, PausedLoop]:
    if not isinstance(paused, PausedLoop):
        paused = PausedLoop.from_dict(paused)
    loop = _Loop(cm, paused.api, paused.transcript, paused.name, 1, False)
    return loop, paused


def _decided(
    checkpoint: dict[str, Any], approve: Iterable[str], reject: Mapping[str, str] | None
) -> dict[str, Any]:
    """The decisions that concern one program's checkpoint."""
    ids = {held["id"] for held in checkpoint["pending"]}
    return {
        "approve": [i for i in approve if i in ids],
        "reject": {i: r for i, r in (reject or {}).items() if i in ids},
    }


def _known(paused: PausedLoop, approve: Iterable[str], reject: Mapping[str, str] | None) -> None:
    ids = {call.id for call in paused.pending}
    unknown = [i for i in [*approve, *(reject or {})] if i not in ids]
    if unknown:
        raise CheckpointError(
            f"no call waits with id {unknown[0]!r}; waiting: {', '.join(sorted(ids))}"
        )


def resume_loop(
    client: OpenAI,
    cm: Codemode,
    paused: PausedLoop | Mapping[str, Any],
    *,
    model: str,
    approve: Iterable[str] = (),
    reject: Mapping[str, str] | None = None,
    max_turns: int = 10,
    **create_args: Any,
) -> tuple[Any, list[dict[str, Any]]]:
    """Continue a `run_loop` that returned a `PausedLoop`: approved calls run, rejected ones
    raise `ToolError` (with the reason) in their program, and once every program of the turn
    has its answer the conversation goes on as in `run_loop` (which it returns like). Calls left
    undecided keep the loop paused: a `PausedLoop` comes back again.
    """
    loop, paused = _continue(paused, cm)
    approve = list(approve)
    _known(paused, approve, reject)
    turn = _Turn(loop)
    for answer in paused.answers:
        if "checkpoint" not in answer:
            turn.answers.append(answer)
            continue
        call = _Call(**answer["call"])
        decided = _decided(answer["checkpoint"], approve, reject)
        turn.add(call, cm.resume_sync(answer["checkpoint"], **decided))
    if turn.waiting:
        return turn.paused(), loop.transcript
    turn.close()
    return _drive_sync(client, cm, loop, model, max_turns, create_args)


async def aresume_loop(
    client: AsyncOpenAI,
    cm: Codemode,
    paused: PausedLoop | Mapping[str, Any],
    *,
    model: str,
    approve: Iterable[str] = (),
    reject: Mapping[str, str] | None = None,
    max_turns: int = 10,
    **create_args: Any,
) -> tuple[Any, list[dict[str, Any]]]:
    """`resume_loop` for `AsyncOpenAI`; programs run on the caller's event loop."""
    loop, paused = _continue(paused, cm)
    approve = list(approve)
    _known(paused, approve, reject)
    turn = _Turn(loop)
    for answer in paused.answers:
        if "checkpoint" not in answer:
            turn.answers.append(answer)
            continue
        call = _Call(**answer["call"])
        decided = _decided(answer["checkpoint"], approve, reject)
        turn.add(call, await cm.resume(answer["checkpoint"], **decided))
    if turn.waiting:
        return turn.paused(), loop.transcript
    turn.close()
    return await _drive_async(client, cm, loop, model, max_turns, create_args)


# -- OpenAI function definitions as codemode tools ----------------------------------------------


def from_openai(
    functions: Iterable[Mapping[str, Any]],
    handlers: Mapping[str, Callable[..., Any]],
    *,
    requires_approval: Iterable[str] | Mapping[str, ApprovalRule] = (),
) -> list[Tool]:
    """Codemode tools from OpenAI function definitions and the Python functions behind them.

    `functions` may mix the Chat Completions tool form (`{"type": "function", "function": {...}}`),
    the bare form (`{"name", "description", "parameters"}`) and the Responses form
    (`{"type": "function", "name", ...}`). `handlers` maps each function's name to a sync or async
    callable that takes the arguments as keywords. A function without a handler, or a handler
    without a function, is a `RegistrationError`. `requires_approval` names the functions whose
    calls wait for approval (or maps names to a rule, as `Tool.from_schema` takes it).

    >>> weather = {"type": "function", "function": {"name": "get_weather", "parameters": {
    ...     "type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}
    >>> [t.name for t in from_openai([weather], {"get_weather": lambda city: {"city": city}})]
    ['get_weather']
    """
    rules: dict[str, ApprovalRule] = (
        dict(requires_approval)
        if isinstance(requires_approval, Mapping)
        else dict.fromkeys(requires_approval, True)
    )
    tools = []
    for spec in functions:
        function = _function_spec(spec)
        name = function["name"]
        handler = handlers.get(name)
        if handler is None:
            raise RegistrationError(f"no handler for the OpenAI function {name!r}")
        tools.append(
            Tool.from_schema(
                name=name,
                description=function.get("description") or "",
                input_schema=function.get("parameters") or {"type": "object", "properties": {}},
                fn=handler,
                requires_approval=rules.pop(name, False),
            )
        )
    unused = sorted(set(handlers) - {tool.name for tool in tools})
    if unused:
        raise RegistrationError(f"handlers for functions that were not given: {', '.join(unused)}")
    if rules:
        raise RegistrationError(f"requires_approval names unknown functions: {', '.join(rules)}")
    return tools


def _function_spec(spec: Any) -> dict[str, Any]:
    data = _as_dict(spec)
    kind = data.get("type", "function")
    if kind != "function":
        raise RegistrationError(f"only function tools can become codemode tools, got type {kind!r}")
    inner = data.get("function")
    function = _as_dict(inner) if inner is not None else data
    if not isinstance(function.get("name"), str) or not function["name"]:
        raise RegistrationError(f"an OpenAI function definition needs a name: {spec!r}")
    return function


__all__ = [
    "PausedLoop",
    "ahandle_tool_calls",
    "aresume_loop",
    "arun_loop",
    "from_openai",
    "handle_tool_calls",
    "openai_tool",
    "resume_loop",
    "run_loop",
]
