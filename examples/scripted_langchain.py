"""A scripted LangChain chat model, for running the LangChain example and tests offline.

`ScriptedChatModel` is a real `BaseChatModel` with `bind_tools`: LangChain's agent loops drive it
like any provider's model. Each call plays the next turn of its script and records what it was
sent (the messages and the tools bound, in OpenAI's format) in `requests`. A turn is an
`AIMessage`, a string (a plain answer), or a function of the messages so far returning either.

    model = ScriptedChatModel(script=[run_code_call(program), lambda messages: "Done."])
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Annotated, Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel, LanguageModelInput
from langchain_core.messages import AIMessage, BaseMessage, ToolMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.runnables import Runnable
from langchain_core.tools import BaseTool
from langchain_core.utils.function_calling import convert_to_openai_tool
from pydantic import Field, SkipValidation

Turn = AIMessage | str | Callable[[list[BaseMessage]], AIMessage | str]


def run_code_call(code: str, *, call_id: str = "call_1", name: str = "run_code") -> AIMessage:
    """A model turn that calls the codemode tool with `code`."""
    return AIMessage(
        content="",
        tool_calls=[{"name": name, "args": {"code": code}, "id": call_id, "type": "tool_call"}],
    )


def last_tool_result(messages: Sequence[BaseMessage]) -> str:
    """The text of the last `ToolMessage` in `messages` (what the tool sent back)."""
    for message in reversed(messages):
        if isinstance(message, ToolMessage):
            return message.content if isinstance(message.content, str) else str(message.content)
    return ""


class ScriptedChatModel(BaseChatModel):
    """A chat model that plays `script`, one turn per call, recording each request."""

    script: Annotated[list[Turn], SkipValidation()]  # functions are not validated by pydantic
    requests: list[dict[str, Any]] = Field(default_factory=list)

    @property
    def _llm_type(self) -> str:
        return "scripted"

    def bind_tools(
        self,
        tools: Sequence[dict[str, Any] | type | Callable[..., Any] | BaseTool],
        *,
        tool_choice: str | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, AIMessage]:
        return self.bind(tools=[convert_to_openai_tool(tool) for tool in tools], **kwargs)

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        index = len(self.requests)
        self.requests.append({"messages": list(messages), "tools": kwargs.get("tools", [])})
        if index >= len(self.script):
            raise RuntimeError(f"the script has {len(self.script)} turns; this is call {index + 1}")
        turn = self.script[index]
        reply = turn(list(messages)) if callable(turn) else turn
        message = AIMessage(content=reply) if isinstance(reply, str) else reply
        return ChatResult(generations=[ChatGeneration(message=message)])
