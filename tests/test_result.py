"""ExecuteResult: JSON-safe values, dict form, text for the model."""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
import fractions
import json
import math
import uuid

import pydantic

from codemode import ExecuteError, ExecuteResult, LogEntry, ToolCall
from codemode._result import to_jsonable, truncate_text


@dataclasses.dataclass
class Point:
    x: int
    y: int


class Model(pydantic.BaseModel):
    when: dt.date


def test_to_jsonable_conversions() -> None:
    notes: list[str] = []
    value = to_jsonable(
        {
            "dt": dt.datetime(2026, 1, 2, 3, 4, 5),
            "d": dt.date(2026, 1, 2),
            "set": {3, 1, 2},
            "tuple": (1, 2),
            "point": Point(1, 2),
            "model": Model(when=dt.date(2026, 1, 1)),
            "dec": decimal.Decimal("1.10"),
            "frac": fractions.Fraction(1, 3),
            "uuid": uuid.UUID(int=0),
            1: "int key",
            "nan": math.nan,
            "obj": object(),
        },
        notes,
    )
    assert value["dt"] == "2026-01-02T03:04:05"
    assert value["d"] == "2026-01-02"
    assert value["set"] == [1, 2, 3]
    assert value["tuple"] == [1, 2]
    assert value["point"] == {"x": 1, "y": 2}
    assert value["model"] == {"when": "2026-01-01"}
    assert value["dec"] == "1.10" and value["frac"] == "1/3"
    assert value["1"] == "int key"
    assert value["obj"].startswith("<object object")
    assert any("object was returned as its repr" in note for note in notes)
    assert any("nan" in note for note in notes)
    json.dumps(value)


def test_cycles_do_not_loop() -> None:
    a: list[object] = []
    a.append(a)
    notes: list[str] = []
    assert to_jsonable(a, notes) == ["<cycle>"]
    assert notes


def test_to_dict_and_text() -> None:
    result = ExecuteResult(
        ok=False,
        error=ExecuteError(type="runtime", message="ZeroDivisionError: division by zero", line=3),
        logs=(LogEntry("stdout", "hello\n"),),
        tool_calls=(ToolCall("add", {"a": 1}, True, 0.5),),
        duration_ms=1.0,
    )
    data = result.to_dict()
    assert data["error"]["line"] == 3
    assert data["tool_calls"][0]["name"] == "add"
    json.dumps(data)
    text = result.to_text()
    assert "hello" in text and "runtime error at line 3" in text and "1 tool call" in text


def test_to_text_truncates_with_marker() -> None:
    result = ExecuteResult(ok=True, value="x" * 10_000)
    text = result.to_text(max_chars=500)
    assert len(text) <= 500
    assert "characters truncated" in text


def test_truncate_text_keeps_short_text() -> None:
    assert truncate_text("abc", 10) == "abc"


def test_integers_too_long_for_json_become_hex_strings() -> None:
    notes: list[str] = []
    value = to_jsonable({"n": 10**5000, "items": [2**20000]}, notes)
    assert value["n"] == hex(10**5000)
    assert value["items"][0] == hex(2**20000)
    assert len(notes) == 2 and "hexadecimal" in notes[0]
    json.dumps(value)


def test_to_text_truncates_inside_sections_and_keeps_the_headers() -> None:
    logs = (LogEntry("stdout", "o" * 5000 + "\n"),)
    calls = (ToolCall(name="t", args={}, ok=True, duration_ms=1.0),)
    result = ExecuteResult(ok=True, value="v" * 5000, logs=logs, tool_calls=calls)
    text = result.to_text(max_chars=400)
    assert len(text) <= 400
    assert text.startswith("Output:\nooo")
    assert "\n\nResult:\nvvv" in text
    assert text.endswith("vvv\n\n(1 tool call, 0 failed)")
    assert text.count("characters truncated") == 2
    # a short output is kept whole; the result takes the rest of the room
    short = ExecuteResult(ok=True, value="v" * 5000, logs=(LogEntry("stdout", "hi\n"),))
    text = short.to_text(max_chars=300)
    assert text.startswith("Output:\nhi\n\nResult:\nvvv") and len(text) <= 300
    failed = ExecuteResult(
        ok=False,
        error=ExecuteError(type="runtime", message="ValueError: " + "e" * 5000, line=2),
        logs=logs,
    )
    text = failed.to_text(max_chars=400)
    assert "\n\nError: runtime error at line 2: ValueError: eee" in text and len(text) <= 400


def test_to_text_does_not_repeat_the_message_from_the_traceback() -> None:
    message = "ImportPolicyError: import of 'os' is not allowed; available modules: json, re"
    error = ExecuteError(
        type="policy",
        message=message,
        line=1,
        traceback=f"Traceback (most recent call last):\n  line 1, in <module>: import os\n{message}",
    )
    text = ExecuteResult(ok=False, error=error).to_text()
    assert text.count("available modules") == 1
    assert "line 1, in <module>: import os" in text


def test_seconds_are_singular_and_plural() -> None:
    from codemode._result import seconds

    assert [seconds(1), seconds(1.0), seconds(0.5), seconds(30)] == [
        "1 second",
        "1 second",
        "0.5 seconds",
        "30 seconds",
    ]
