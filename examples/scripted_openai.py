"""A scripted OpenAI-compatible server on 127.0.0.1, for running examples and tests offline.

It answers `POST /v1/chat/completions` and `POST /v1/responses` (non-streaming) from a script of
turns, one turn per request, and records every request so a test can check what the client sent.
A turn is:

- `Call(arguments)`: the model calls a tool (`run_code` unless `name=` says otherwise);
  `arguments` is a dict (sent as JSON) or a raw string (sent as is, valid JSON or not);
- a list of `Call`s: several tool calls in one turn;
- a string: the model answers with that text;
- a function of the `Request` returning one of the above, e.g. an answer built from the tool
  results the client sent back.

    with ScriptedOpenAI([Call({"code": program}), lambda r: "Done: " + r.tool_outputs()[-1]]) as s:
        client = OpenAI(base_url=s.url, api_key="offline")

Only the standard library is used; the real `openai` client talks to it over HTTP.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Literal, Self


@dataclass(frozen=True)
class Call:
    """A tool call the scripted model makes."""

    arguments: dict[str, Any] | str
    name: str = "run_code"

    def arguments_text(self) -> str:
        if isinstance(self.arguments, str):
            return self.arguments
        return json.dumps(self.arguments)


Reply = str | Call | list[Call]


@dataclass
class Request:
    """One request the client sent: which API, the parsed JSON body and the headers (with
    lower-case names)."""

    api: Literal["chat", "responses"]
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def tools(self) -> list[dict[str, Any]]:
        return list(self.body.get("tools") or [])

    def tool_outputs(self) -> list[str]:
        """The tool results in this request, in order (`role: tool` messages or
        `function_call_output` items)."""
        if self.api == "chat":
            return [m["content"] for m in self.body.get("messages", []) if m.get("role") == "tool"]
        items = self.body.get("input")
        if not isinstance(items, list):
            return []
        return [i["output"] for i in items if i.get("type") == "function_call_output"]


Turn = Reply | Callable[[Request], Reply]


class ScriptedOpenAI:
    """Serves the turns of `script` in order on 127.0.0.1 (a free port); `url` is the base URL
    to give the client. A request after the script has run out gets an HTTP 400 error."""

    def __init__(self, script: Sequence[Turn]) -> None:
        self.script = list(script)
        self.requests: list[Request] = []
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/v1"

    def start(self) -> Self:
        # a short poll interval keeps stop() quick: shutdown waits for the next poll
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join()
            self._thread = None
        self._server.server_close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- answering ----------------------------------------------------------------------------

    def answer(self, request: Request) -> tuple[int, dict[str, Any]]:
        with self._lock:
            self.requests.append(request)
            index = len(self.requests) - 1
        if request.body.get("stream"):
            return 400, _error("the scripted server does not stream")
        if index >= len(self.script):
            return 400, _error(
                f"the script has {len(self.script)} turns; this is request {index + 1}"
            )
        turn = self.script[index]
        reply = turn(request) if callable(turn) else turn
        calls = [reply] if isinstance(reply, Call) else reply if isinstance(reply, list) else []
        text = reply if isinstance(reply, str) else None
        model = str(request.body.get("model", "scripted"))
        if request.api == "chat":
            return 200, self._chat_completion(model, text, calls)
        return 200, self._response(model, text, calls, request.tools)

    def _next_id(self) -> int:
        with self._lock:
            return next(self._ids)

    def _chat_completion(self, model: str, text: str | None, calls: list[Call]) -> dict[str, Any]:
        message: dict[str, Any] = {"role": "assistant", "content": text, "refusal": None}
        if calls:
            message["tool_calls"] = [
                {
                    "id": f"call_{self._next_id()}",
                    "type": "function",
                    "function": {"name": call.name, "arguments": call.arguments_text()},
                }
                for call in calls
            ]
        return {
            "id": f"chatcmpl-{self._next_id()}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": model,
            "choices": [
                {
                    "index": 0,
                    "message": message,
                    "finish_reason": "tool_calls" if calls else "stop",
                    "logprobs": None,
                }
            ],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
        }

    def _response(
        self, model: str, text: str | None, calls: list[Call], tools: list[dict[str, Any]]
    ) -> dict[str, Any]:
        output: list[dict[str, Any]] = []
        if text is not None:
            output.append(
                {
                    "type": "message",
                    "id": f"msg_{self._next_id()}",
                    "role": "assistant",
                    "status": "completed",
                    "content": [{"type": "output_text", "text": text, "annotations": []}],
                }
            )
        for call in calls:
            number = self._next_id()
            output.append(
                {
                    "type": "function_call",
                    "id": f"fc_{number}",
                    "call_id": f"call_{number}",
                    "name": call.name,
                    "arguments": call.arguments_text(),
                    "status": "completed",
                }
            )
        return {
            "id": f"resp_{self._next_id()}",
            "object": "response",
            "created_at": time.time(),
            "status": "completed",
            "model": model,
            "output": output,
            "parallel_tool_calls": True,
            "tool_choice": "auto",
            "tools": tools,
            "usage": {
                "input_tokens": 1,
                "input_tokens_details": {"cached_tokens": 0},
                "output_tokens": 1,
                "output_tokens_details": {"reasoning_tokens": 0},
                "total_tokens": 2,
            },
        }


def _error(message: str) -> dict[str, Any]:
    return {"error": {"message": message, "type": "invalid_request_error", "code": None}}


_ROUTES: dict[str, Literal["chat", "responses"]] = {
    "/v1/chat/completions": "chat",
    "/v1/responses": "responses",
}


def _handler(server: ScriptedOpenAI) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            api = _ROUTES.get(self.path.split("?")[0])
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            if api is None:
                self._send(404, _error(f"no route {self.path}"))
                return
            try:
                body = json.loads(raw or b"{}")
            except json.JSONDecodeError as exc:
                self._send(400, _error(f"the body is not JSON: {exc}"))
                return
            headers = {key.lower(): value for key, value in self.headers.items()}
            status, payload = server.answer(Request(api, body, headers))
            self._send(status, payload)

        def _send(self, status: int, payload: dict[str, Any]) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
            pass

    return Handler
