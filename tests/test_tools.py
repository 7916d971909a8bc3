"""Tools in: constructors, names, validation messages."""

from __future__ import annotations

import enum
import typing
from typing import Any, Literal

import pydantic
import pytest
from typing_extensions import TypedDict

from codemode import Codemode, RegistrationError, Tool, ToolArgumentError, tool
from codemode._tools import keyword_names, python_name


class Color(enum.Enum):
    RED = "red"
    BLUE = "blue"


class Address(TypedDict):
    street: str
    zip: str


class Person(pydantic.BaseModel):
    name: str
    age: int = 0


def book(
    who: Person,
    where: Address,
    color: Color,
    tags: list[str],
    nights: int = 1,
    note: str | None = None,
    size: Literal["s", "m", "l"] = "m",
) -> dict[str, Any]:
    """Book a room.

    Args:
        who: The guest.
        where: Where to send the invoice.
        color: Room colour.
        tags: Free-form labels.
        nights: How many nights.
        note: Anything else.
        size: Room size.
    """
    return {"who": who, "color": color}


def test_from_function_schema_and_docs() -> None:
    t = Tool.from_function(book)
    schema = t.input_schema
    assert schema["required"] == ["who", "where", "color", "tags"]
    assert schema["properties"]["nights"]["default"] == 1
    assert schema["properties"]["nights"]["description"] == "How many nights."
    assert schema["properties"]["size"]["enum"] == ["s", "m", "l"]
    assert t.description == "Book a room."
    assert t.output_schema == {"additionalProperties": True, "type": "object"}


@pytest.mark.parametrize(
    "style",
    [
        """Add.\n\n    Args:\n        a: first number\n        b: second number\n    """,
        """Add.\n\n    Parameters\n    ----------\n    a : int\n        first number\n    b : int\n        second number\n    """,
        """Add.\n\n    :param a: first number\n    :param b: second number\n    """,
    ],
    ids=["google", "numpy", "sphinx"],
)
def test_docstring_styles(style: str) -> None:
    def add(a: int, b: int) -> int:
        return a + b

    add.__doc__ = style
    t = Tool.from_function(add)
    assert t.input_schema["properties"]["a"]["description"] == "first number"
    assert t.input_schema["properties"]["b"]["description"] == "second number"
    assert t.description == "Add."


def test_validation_converts_to_declared_types() -> None:
    t = Tool.from_function(book)
    kwargs = t.validate(
        {"who": {"name": "Ada"}, "where": {"street": "x", "zip": "1"}, "color": "red", "tags": []}
    )
    assert isinstance(kwargs["who"], Person)
    assert kwargs["color"] is Color.RED
    assert "nights" not in kwargs  # the function's own default applies


def test_validation_message_names_tool_field_and_expectation() -> None:
    t = Tool.from_function(book)
    with pytest.raises(ToolArgumentError) as info:
        t.validate({"who": {"name": "Ada"}, "where": {"street": 1}, "color": "green", "tags": []})
    message = str(info.value)
    assert message.startswith("book(): ")
    assert "'where.street'" in message and "valid string" in message
    assert "'color'" in message


def test_schema_tool_validation_and_paths() -> None:
    t = Tool.from_schema(
        name="list.items",
        input_schema={
            "type": "dict",
            "properties": {
                "ids": {"type": "array", "items": {"type": "integer"}},
                "mode": {"type": "String", "enum": ["a", "b"]},
            },
            "required": ["ids"],
        },
        fn=lambda **k: k,
    )
    assert t.python_name == "list_items"
    assert t.validate({"ids": [1, 2]}) == {"ids": [1, 2]}
    with pytest.raises(ToolArgumentError, match=r"argument 'ids\[1\]'.*integer"):
        t.validate({"ids": [1, "x"]})
    with pytest.raises(ToolArgumentError, match="'mode'"):
        t.validate({"ids": [], "mode": "c"})
    with pytest.raises(ToolArgumentError, match="required"):
        t.validate({})


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("get_weather", "get_weather"),
        ("get-weather", "get_weather"),
        ("maps.geocode", "maps_geocode"),
        ("3d render", "tool_3d_render"),
        ("from", "from_"),
        ("class", "class_"),
        ("__init__", "init__"),
        ("café", "cafe"),
        ("ToolError", "ToolError_"),
        ("match", "match"),
    ],
)
def test_python_name(name: str, expected: str) -> None:
    assert python_name(name) == expected
    assert python_name(name).isidentifier()


def test_keyword_names_map_keywords_and_non_identifiers() -> None:
    schema = {"properties": {"from": {}, "user-id": {}, "user_id": {}, "ok": {}}}
    assert keyword_names(schema) == {"ok": "ok", "user_id": "user_id", "from_": "from"}


def test_name_clash_is_an_error_naming_both() -> None:
    def a() -> None: ...

    first = Tool.from_schema(name="get-x", input_schema={"type": "object"}, fn=a)
    second = Tool.from_schema(name="get.x", input_schema={"type": "object"}, fn=a)
    with pytest.raises(RegistrationError, match=r"'get-x' and 'get\.x'"):
        Codemode([first, second])


def test_decorator_keeps_function_callable() -> None:
    @tool(name="plus")
    def add(a: int, b: int) -> int:
        """Add."""
        return a + b

    assert isinstance(add, Tool)
    assert add.name == "plus"
    assert add(1, 2) == 3


def test_plain_functions_accepted_by_codemode() -> None:
    def ping() -> str:
        return "pong"

    cm = Codemode([ping])
    assert [t.name for t in cm.tools] == ["ping"]


def test_invalid_input_schema_is_registration_error() -> None:
    with pytest.raises(RegistrationError):
        Tool.from_schema(name="x", input_schema=[1, 2], fn=lambda: None)  # type: ignore[arg-type]


class PlainAddr(typing.TypedDict):
    street: str
    zip: typing.NotRequired[str]


class PlainPerson(typing.TypedDict):
    name: str
    addr: PlainAddr | None
    tags: list[PlainAddr]


def save(person: PlainPerson, extra: dict[str, PlainAddr] | None = None) -> list[PlainPerson]:
    """Save."""
    return [person]


def test_typing_typeddict_works_on_every_python() -> None:
    """pydantic on Python < 3.12 only takes typing_extensions.TypedDict; users write typing's."""
    t = Tool.from_function(save)
    assert t.input_schema["required"] == ["person"]
    assert t.output_schema is not None and t.output_schema["type"] == "array"
    kwargs = t.validate({"person": {"name": "a", "addr": None, "tags": [{"street": "s"}]}})
    assert kwargs["person"]["tags"] == [{"street": "s"}]
    with pytest.raises(ToolArgumentError, match=r"person\.tags\[0\]\.street"):
        t.validate({"person": {"name": "a", "addr": None, "tags": [{"zip": "1"}]}})


def test_a_lambda_is_refused_with_a_clear_error() -> None:
    with pytest.raises(RegistrationError, match="a lambda has no name a model can call it by"):
        Codemode([lambda city: city])
    # named explicitly, it is fine
    assert Tool.from_function(lambda city: city, name="echo").python_name == "echo"
