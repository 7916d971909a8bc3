"""What leaves a run is exact builtin data (issue 9, causes 6 and 12).

Model code's objects must not outlive its run inside the host: values, logs, tool arguments, events
and error messages come out as exact `str`/`int`/`list`/`dict`..., so reading the result afterwards
(`repr`, `to_text()`, `to_dict()`, `json.dumps`) runs no model code. The model's methods below each
contain a loop: run after the run ended, its check would raise, so reading the result would fail.
And a run never starts inside one of the host's `except` blocks, so it cannot see the host's
exception.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from codemode import Codemode, ExecuteResult, Tool
from codemode.executors import Executor, InProcessExecutor

from .conftest import Run

HOSTILE_STR = """
class S(str):
    def __repr__(self):
        for _ in range(1): pass
        return "R"
    def __str__(self):
        for _ in range(1): pass
        return S("s")
    def __eq__(self, other):
        for _ in range(1): pass
        return True
    def __hash__(self):
        for _ in range(1): pass
        return 1
    def __format__(self, spec):
        for _ in range(1): pass
        return "F"
    def __len__(self):
        for _ in range(1): pass
        return 1
    def __add__(self, other):
        for _ in range(1): pass
        return self
    def __radd__(self, other):
        for _ in range(1): pass
        return self
    def join(self, items):
        for _ in range(1): pass
        return self
class I(int):
    def __repr__(self):
        for _ in range(1): pass
        return "I"
    def __int__(self):
        for _ in range(1): pass
        return 0
"""

PROGRAMS: dict[str, str] = {
    "value": "S('v')",
    "nested-value": "{S('k'): [S('v'), (S('t'), I(2))], I(3): {S('x')}}",
    "print-sep-end": "print('a', S('b'), sep=S('-'), end=S('!'))\nprint(S('x'))\nNone",
    "tool-argument": "await codemode.echo_tool(text=S('arg'))",
    "tool-argument-dict": "await codemode.echo_tool({S('text'): S('arg')})",
    "exception-message": "raise ValueError(S('msg'))",
    "key-error": "raise KeyError(S('k'))",
    "tool-error": "raise ToolError(S('m'))",
    "exception-str": "class E(Exception):\n    def __str__(self):\n        return S('boom')\nraise E()",
    "exception-str-fails": (
        "class E(Exception):\n    def __str__(self):\n        raise RuntimeError('no')\nraise E()"
    ),
    "exception-name": "class E(Exception): pass\nE.__name__ = S('E')\nraise E('x')",
    "repr-fallback": "class O:\n    def __repr__(self):\n        return S('o')\nO()",
}

_EXACT = (str, int, float, bool, type(None))


def _exact(value: Any) -> None:
    kind = type(value)
    if kind is list:
        for item in value:
            _exact(item)
    elif kind is dict:
        for key, item in value.items():
            assert type(key) is str
            _exact(item)
    else:
        assert kind in _EXACT, kind


def _read_everything(result: ExecuteResult) -> str:
    """Everything an integrator may do with a result after the run."""
    data = result.to_dict()
    _exact(data)
    for call in result.tool_calls:
        _exact(call.args)
    return repr(result) + result.to_text() + json.dumps(data) + str(result.value)


@pytest.mark.parametrize("name", sorted(PROGRAMS))
async def test_results_hold_only_exact_data(
    executor: Executor, tools: list[Any], name: str
) -> None:
    events: list[Any] = []
    cm = Codemode(tools, executor=executor, timeout=5, on_event=events.append)
    result = await cm.execute(HOSTILE_STR + PROGRAMS[name])
    await asyncio.sleep(0.05)  # anything the run left behind has had its chance to run
    _read_everything(result)
    for event in events:
        _exact(event.to_dict())
        repr(event)
    if result.error is not None:
        assert result.error.type in ("runtime", "tool", "validation"), result.error


async def test_tool_gets_exact_values(executor: Executor) -> None:
    seen: list[type] = []

    def take(text: str, items: list[str]) -> int:
        """Count."""
        seen.extend(type(t) for t in [text, *items])
        return len(items)

    cm = Codemode([Tool.from_function(take, threaded=False)], executor=executor, timeout=5)
    result = await cm.execute(HOSTILE_STR + "await codemode.take(text=S('a'), items=[S('b')])")
    assert result.ok, result.error
    assert seen == [str, str]


async def test_print_arguments_are_checked(run: Run) -> None:
    result = await run("print('a', sep=1)")
    assert result.error is not None and "sep must be None or a string" in result.error.message


def _in_host_except(run: Any) -> Any:
    try:
        raise KeyError("host-secret-exception")
    except KeyError:
        return run()


REACH_HOST_EXCEPTION = (
    "try:\n    raise\nexcept BaseException as e:\n    r = repr(e)\nelse:\n    r = 'nothing'\nr"
)


def test_execute_sync_runs_outside_host_except() -> None:
    cm = Codemode([], executor=InProcessExecutor(), timeout=5)
    result = _in_host_except(lambda: cm.execute_sync(REACH_HOST_EXCEPTION))
    assert result.ok, result.error
    assert "host-secret-exception" not in result.value
    assert "No active exception" in result.value
    # The running-loop probe's own RuntimeError is not there either.
    alone = cm.execute_sync(REACH_HOST_EXCEPTION)
    assert "no running event loop" not in alone.value


async def test_execute_from_host_except_block(executor: Executor) -> None:
    cm = Codemode([], executor=executor, timeout=5)
    try:
        raise KeyError("host-secret-exception")
    except KeyError:
        result = await cm.execute(REACH_HOST_EXCEPTION)
    assert result.ok, result.error
    assert "host-secret-exception" not in json.dumps(result.to_dict())


def test_execute_sync_result_is_plain_after_a_timeout() -> None:
    cm = Codemode([], executor=InProcessExecutor(), timeout=0.2)
    result = cm.execute_sync(HOSTILE_STR + "x = S('v')\nwhile True:\n    pass")
    assert result.error is not None and result.error.type == "timeout"
    _read_everything(result)
