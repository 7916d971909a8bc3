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
