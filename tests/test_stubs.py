"""JSON Schema to Python stubs: one focused test per feature, then every stub here through mypy."""

from __future__ import annotations

import ast
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from mypy import api as mypy_api
from typing_extensions import TypedDict

from codemode import Codemode, Tool
from codemode._stubs import render_stubs


async def _echo(**kwargs: Any) -> dict[str, Any]:
    return kwargs


def make(
    schema: dict[str, Any],
    *,
    name: str = "tool",
    output: dict[str, Any] | None = None,
    description: str = "",
) -> Tool:
    return Tool.from_schema(
        name=name, description=description, input_schema=schema, output_schema=output, fn=_echo
    )


def render(schema: dict[str, Any], **options: Any) -> str:
    text = render_stubs([make(schema, **options)])
    RENDERED.append(text)
    return text


def obj(properties: dict[str, Any], required: tuple[str, ...] = (), **extra: Any) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": list(required), **extra}


# Every stub rendered in this module, for the one mypy run at the end.
RENDERED: list[str] = []


@pytest.fixture(scope="module", autouse=True)
def every_stub_passes_mypy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Every stub the tests here render must pass `mypy --strict` as a .pyi: one mypy run after
    the module's tests (a failure shows as an error in the last test's teardown)."""
    RENDERED.clear()
    yield
    if not RENDERED:
        return
    folder = tmp_path_factory.mktemp("stubs")
    for index, text in enumerate(RENDERED):
        (folder / f"stub_{index}.pyi").write_text(text)
    args = ["--strict", "--no-incremental", "--cache-dir", os.devnull, "--python-version", "3.11"]
    stdout, stderr, status = mypy_api.run([*args, str(folder)])
    if status != 0:
        errors = [line for line in stdout.splitlines() if ": error:" in line]
        first = Path(errors[0].split(":")[0]).read_text() if errors else ""
        pytest.fail(f"mypy --strict failed:\n{stdout}{stderr}\nfirst failing stub:\n{first}")


# -- reading stubs back ---------------------------------------------------------------------------


def functions(text: str, name: str = "tool") -> list[ast.AsyncFunctionDef]:
    found = [
        node
        for node in ast.parse(text).body
        if isinstance(node, ast.AsyncFunctionDef) and node.name == name
    ]
    assert found, f"no async def {name} in:\n{text}"
    return found


def params(text: str, name: str = "tool") -> dict[str, str]:
    """Keyword-only parameter -> annotation, of the (first) keyword signature."""
    for function in functions(text, name):
        if function.args.kwonlyargs or not function.args.posonlyargs:
            return {
                a.arg: ast.unparse(a.annotation)
                for a in function.args.kwonlyargs
                if a.annotation is not None
            }
    return {}


def defaults(text: str, name: str = "tool") -> dict[str, str]:
    function = functions(text, name)[0]
    return {
        a.arg: ast.unparse(d)
        for a, d in zip(function.args.kwonlyargs, function.args.kw_defaults, strict=True)
        if d is not None
    }


def returns(text: str, name: str = "tool") -> str:
    annotation = functions(text, name)[0].returns
    assert annotation is not None
    return ast.unparse(annotation)


def docstring(text: str, name: str = "tool") -> str:
    return ast.get_docstring(functions(text, name)[0]) or ""


def typed_dicts(text: str) -> dict[str, dict[str, str]]:
    """TypedDict name -> key -> annotation, from class and functional syntax."""
    found: dict[str, dict[str, str]] = {}
    for node in ast.parse(text).body:
        if isinstance(node, ast.ClassDef):
            found[node.name] = {
                item.target.id: ast.unparse(item.annotation)
                for item in node.body
                if isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name)
            }
        elif (
            isinstance(node, ast.Assign)
            and isinstance(node.value, ast.Call)
            and ast.unparse(node.value.func) == "TypedDict"
        ):
            fields = node.value.args[1]
            assert isinstance(fields, ast.Dict)
            found[ast.unparse(node.targets[0])] = {
                ast.literal_eval(k): ast.unparse(v)
                for k, v in zip(fields.keys, fields.values, strict=True)
                if k is not None
            }
    return found


def aliases(text: str) -> dict[str, str]:
    return {
        ast.unparse(node.targets[0]): ast.unparse(node.value)
        for node in ast.parse(text).body
        if isinstance(node, ast.Assign) and not isinstance(node.value, ast.Call)
    }


# -- the module -----------------------------------------------------------------------------------


def test_module_starts_with_the_imports_it_uses() -> None:
    text = render(obj({"a": {"enum": ["x"]}, "b": {"type": "object", "properties": {}}}))
    assert text.splitlines()[0] == "from typing import Any, Literal"
    plain = render(obj({"a": {"type": "string"}}), output={"type": "integer"})
    assert not plain.startswith(("from", "import"))
    compile(plain, "<stub>", "exec")


def test_tools_come_in_the_order_given_with_their_descriptions() -> None:
    tools = [make(obj({}), name=n, description=f"Does {n}.") for n in ("b", "a", "c")]
    text = render_stubs(tools)
    RENDERED.append(text)
    names = [n.name for n in ast.parse(text).body if isinstance(n, ast.AsyncFunctionDef)]
    assert names == ["b", "a", "c"]
    assert docstring(text, "a") == "Does a."
    assert "async def a() -> Any:" in text  # no parameters, no bare `*`


def test_tool_names_become_identifiers() -> None:
    text = render(obj({}), name="get-user.v2")
    assert functions(text, "get_user_v2")


def test_deterministic() -> None:
    schema = obj(
        {"a": {"type": "object", "properties": {"x": {"type": "string"}}}, "b": {"enum": [1, 2]}}
    )
    tools = [make(schema, name="one"), make(schema, name="two", output=schema)]
    first = render_stubs(tools)
    assert first == render_stubs(tools)
    assert first == render_stubs(
        [make(schema, name="one"), make(schema, name="two", output=schema)]
    )


# -- scalars, enums, const ------------------------------------------------------------------------


def test_scalar_types() -> None:
    text = render(
        obj(
            {
                "s": {"type": "string"},
                "i": {"type": "integer"},
                "n": {"type": "number"},
                "b": {"type": "boolean"},
                "z": {"type": "null"},
                "a": {"type": "array"},
                "o": {"type": "object"},
                "u": {"description": "anything"},
            }
        )
    )
    assert params(text) == {
        "s": "str",
        "i": "int",
        "n": "float",
        "b": "bool",
        "z": "None",
        "a": "list[Any]",
        "o": "dict[str, Any]",
        "u": "Any",
    }


def test_enum_and_const_are_literals() -> None:
    text = render(
        obj(
            {
                "unit": {"type": "string", "enum": ["c", "f"]},
                "level": {"type": "integer", "enum": [1, 2, 3]},
                "mode": {"enum": ["on", None]},
                "kind": {"const": "circle"},
                "flag": {"type": "boolean", "const": True},
                "ratio": {"type": "number", "enum": [0.5, 1.5]},
                "quote": {"enum": ['say "hi"', "it's"]},
            }
        )
    )
    assert params(text) == {
        "unit": "Literal['c', 'f']",
        "level": "Literal[1, 2, 3]",
        "mode": "Literal['on'] | None",
        "kind": "Literal['circle']",
        "flag": "Literal[True]",
        "ratio": "float",  # no float Literals: the values go to the docstring
        "quote": 'Literal[\'say "hi"\', "it\'s"]',
    }
    assert 'unit: Literal["c", "f"]' in text  # double quotes, as people write them
    assert "ratio: one of 0.5, 1.5" in docstring(text)


def test_literals_in_one_union_are_one_literal() -> None:
    choice = {"anyOf": [{"const": 1}, {"type": "string"}, {"enum": [1, 2]}, {"const": "x"}]}
    text = render(obj({"n": choice}))
    assert params(text) == {"n": "Literal[1, 2, 'x'] | str"}


def test_ints_beyond_64_bits_are_not_literals() -> None:
    text = render(obj({"n": {"enum": [1, 10**20]}}))  # mypy takes 64-bit Literal ints only
    assert params(text) == {"n": "Literal[1] | int"}
    assert "n: one of 1, 100000000000000000000" in docstring(text)


def test_enum_values_outside_the_type_are_left_out() -> None:
    text = render(obj({"n": {"type": "integer", "enum": [1, "two", 3.0]}}))
    assert params(text) == {"n": "Literal[1, 3]"}


# -- unions and null ------------------------------------------------------------------------------


def test_type_lists_anyof_oneof_and_nullable_are_unions() -> None:
    text = render(
        obj(
            {
                "a": {"type": ["string", "null"]},
                "b": {"type": ["integer", "string"]},
                "c": {
                    "anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]
                },
                "d": {"oneOf": [{"type": "integer"}, {"type": "null"}]},
                "e": {"type": "integer", "nullable": True},
                "f": {"type": ["integer", "number"]},
                "g": {"anyOf": [{"type": "string"}, {}]},
            }
        )
    )
    assert params(text) == {
        "a": "str | None",
        "b": "int | str",
        "c": "str | list[str]",
        "d": "int | None",
        "e": "int | None",
        "f": "float",  # an int is a float to a type checker
        "g": "Any",  # one branch allows anything
    }


def test_nullable_is_accepted_by_the_validator_too() -> None:
    cm = Codemode([make(obj({"n": {"type": "integer", "nullable": True}}))])
    result = cm.execute_sync("await codemode.tool(n=None)")
    assert result.ok, result.error


def test_anyof_of_objects_names_each_branch() -> None:
    parent = {
        "oneOf": [
            obj({"type": {"const": "page"}, "page_id": {"type": "string"}}, ("type", "page_id")),
            obj({"type": {"const": "workspace"}}, ("type",)),
            obj({"id": {"type": "string"}}),
            obj({"key": {"type": "string"}}),
        ]
    }
    text = render(obj({"parent": parent}))
    assert params(text)["parent"] == "ParentPage | ParentWorkspace | Parent3 | Parent4"
    assert typed_dicts(text)["ParentPage"] == {"type": "Literal['page']", "page_id": "str"}


def test_anyof_of_required_lists_only_keeps_the_object_type() -> None:
    schema = obj(
        {"a": {"type": "string"}, "b": {"type": "string"}},
        anyOf=[{"required": ["a"]}, {"required": ["b"]}],
    )
    text = render(obj({"pick": schema}))
    assert params(text) == {"pick": "Pick"}
    assert typed_dicts(text)["Pick"] == {"a": "str", "b": "str"}
    root = render(schema)
    assert params(root) == {"a": "str", "b": "str"}
    assert "Give at least one of: a; b." in docstring(root)


def test_object_alternatives_at_the_root_become_one_signature() -> None:
    schema = {
        "oneOf": [
            obj({"id": {"type": "string"}, "name": {"type": "string"}}, ("id", "name")),
            obj({"id": {"type": "integer"}, "email": {"type": "string"}}, ("id", "email")),
        ]
    }
    text = render(schema)
    assert params(text) == {"id": "str | int", "name": "str", "email": "str"}
    assert defaults(text) == {"name": "...", "email": "..."}  # only `id` is always required
    assert "Give one of: id and name; id and email." in docstring(text)


async def test_root_alternatives_take_their_keywords() -> None:
    schema = {"anyOf": [obj({"a": {"type": "string"}}, ("a",)), obj({"b": {"type": "integer"}})]}
    result = await Codemode([make(schema)]).execute("await codemode.tool(a='x')")
    assert result.ok, result.error
    assert result.value == {"a": "x"}


def test_not_a_type_leaves_the_other_types() -> None:
    text = render(
        obj(
            {
                "x": {"not": {"type": "null"}},
                "y": {"type": ["string", "integer"], "not": {"type": "integer"}},
                "z": {"not": {"enum": ["a"]}},
            }
        )
    )
    assert params(text) == {
        "x": "str | float | bool | list[Any] | dict[str, Any]",
        "y": "str",
        "z": "Any",  # `not` of a value says nothing about the type
    }


# -- objects --------------------------------------------------------------------------------------


def test_nested_objects_are_typeddicts_named_from_title_or_path() -> None:
    address = obj(
        {
            "street": {"type": "string", "description": "Street and number."},
            "zip": {"type": "string"},
        },
        ("street",),
    )
    text = render(
        obj(
            {
                "home": {**address, "title": "Postal address"},
                "work": {**obj({"floor": {"type": "integer"}}, ("floor",))},
                "pets": {"type": "array", "items": obj({"name": {"type": "string"}}, ("name",))},
            },
            ("home",),
        ),
        name="create-user",
    )
    assert params(text, "create_user") == {
        "home": "PostalAddress",
        "work": "Work",
        "pets": "list[PetsItem]",
    }
    found = typed_dicts(text)
    assert found["PostalAddress"] == {"street": "str", "zip": "NotRequired[str]"}
    assert found["PetsItem"] == {"name": "str"}
    assert "street: str  # Street and number." in text


def test_mostly_optional_typeddicts_are_total_false() -> None:
    text = render(obj({"q": obj({"a": {"type": "string"}, "b": {}, "c": {}}, ("a",))}))
    assert "class Q(TypedDict, total=False):" in text
    assert typed_dicts(text)["Q"] == {"a": "Required[str]", "b": "Any", "c": "Any"}


def test_identical_shapes_share_one_name_across_tools() -> None:
    point = obj({"x": {"type": "number"}, "y": {"type": "number"}}, ("x", "y"))
    text = render_stubs(
        [
            make(obj({"point": point}), name="draw"),
            make(obj({"point": point}), name="erase", output=point),
        ]
    )
    RENDERED.append(text)
    assert list(typed_dicts(text)) == ["Point"]
    assert params(text, "draw") == params(text, "erase") == {"point": "Point"}
    assert returns(text, "erase") == "Point"


def test_different_shapes_with_one_name_get_distinct_names() -> None:
    one = {**obj({"a": {"type": "string"}}), "title": "Options"}
    two = {**obj({"b": {"type": "integer"}}), "title": "Options"}
    three = obj({"c": {"type": "boolean"}})
    tools = [
        make(obj({"options": one}), name="first"),
        make(obj({"options": two}), name="second"),
        make(obj({"options": three}), name="third"),
        make(obj({"options": three}), name="fourth"),
    ]
    text = render_stubs(tools)
    RENDERED.append(text)
    names = [params(text, t.python_name)["options"] for t in tools]
    assert names[:2] == ["Options", "SecondOptions"]
    assert names[2] == names[3] and len(set(names)) == 3
    found = typed_dicts(text)
    assert found["Options"] == {"a": "str"} and found["SecondOptions"] == {"b": "int"}
    assert "class Options(TypedDict, total=False):" in text


def test_typeddict_names_avoid_tool_names() -> None:
    tools = [
        make(obj({"x": {"type": "integer"}}), name="Weather"),
        make(obj({"w": {**obj({"t": {"type": "number"}}), "title": "Weather"}}), name="get"),
    ]
    text = render_stubs(tools)
    RENDERED.append(text)
    assert params(text, "get") == {"w": "GetWeather"}


def test_additional_and_pattern_properties_are_dicts() -> None:
    text = render(
        obj(
            {
                "labels": {"type": "object", "additionalProperties": {"type": "integer"}},
                "env": {
                    "type": "object",
                    "patternProperties": {"^[A-Z_]+$": {"type": "string"}},
                    "additionalProperties": False,
                },
                "free": {"type": "object", "additionalProperties": True},
                "nested": {
                    "type": "object",
                    "additionalProperties": obj({"v": {"type": "string"}}, ("v",)),
                },
            }
        )
    )
    assert params(text) == {
        "labels": "dict[str, int]",
        "env": "dict[str, str]",
        "free": "dict[str, Any]",
        "nested": "dict[str, NestedValue]",
    }
    assert "env: keys match ^[A-Z_]+$" in docstring(text)


def test_root_additional_properties_become_kwargs() -> None:
    text = render({"type": "object", "additionalProperties": {"type": "string"}})
    assert "async def tool(**kwargs: str) -> Any:" in text
    free = render({"type": "object", "additionalProperties": True})
    assert "async def tool(**kwargs: Any) -> Any:" in free
    closed = render({"type": "object", "properties": {}})
    assert "async def tool() -> Any:" in closed


def test_properties_that_may_not_be_given_are_left_out() -> None:
    text = render(obj({"a": {"type": "string"}, "gone": False}))
    assert params(text) == {"a": "str"}


def test_required_names_without_a_schema_are_any() -> None:
    text = render(obj({"a": {"type": "string"}}, ("a", "b")))
    assert params(text) == {"a": "str", "b": "Any"}
    assert "b" not in defaults(text)
    # `user_id` already stands for `user-id` in model code, so the other one needs the dict.
    clash = render(obj({"user-id": {"type": "string"}}, ("user-id", "user_id")))
    assert typed_dicts(clash)["ToolArguments"] == {"user-id": "str", "user_id": "Any"}


def test_a_property_called_kwargs_beside_extra_names() -> None:
    schema = obj({"kwargs": {"type": "string"}}, additionalProperties={"type": "integer"})
    text = render(schema)
    assert "async def tool(*, kwargs: str = ..., **kwargs_: int) -> Any:" in text
    extra = {"type": "string"}
    required_only = render(
        {"type": "object", "required": ["kwargs"], "additionalProperties": extra}
    )
    assert "async def tool(*, kwargs: Any, **kwargs_: str) -> Any:" in required_only


# -- allOf and $ref -------------------------------------------------------------------------------


def test_allof_is_merged() -> None:
    text = render(
        obj(
            {
                "person": {
                    "allOf": [
                        obj({"name": {"type": "string"}}, ("name",)),
                        {"properties": {"age": {"type": "integer", "minimum": 0}}},
                        {"required": ["age"]},
                    ]
                },
                "small": {"allOf": [{"type": "integer"}, {"maximum": 9}]},
                "both": {"allOf": [{"type": ["string", "integer"]}, {"type": "integer"}]},
            }
        )
    )
    assert params(text) == {"person": "Person", "small": "int", "both": "int"}
    assert typed_dicts(text)["Person"] == {"name": "str", "age": "int"}
    assert "age: int  # >= 0" in text


def test_allof_with_refs_and_anyof() -> None:
    schema = {
        "type": "object",
        "$defs": {
            "Named": obj({"name": {"type": "string"}}, ("name",)),
            "Shape": {"anyOf": [obj({"r": {"type": "number"}}), obj({"w": {"type": "number"}})]},
        },
        "properties": {
            "thing": {"allOf": [{"$ref": "#/$defs/Named"}, {"$ref": "#/$defs/Shape"}]},
        },
    }
    text = render(schema)
    union = params(text)["thing"].split(" | ")
    assert len(union) == 2
    found = typed_dicts(text)
    assert found[union[0]] == {"name": "str", "r": "NotRequired[float]"}
    assert found[union[1]] == {"name": "str", "w": "NotRequired[float]"}


def test_refs_to_defs_and_definitions() -> None:
    schema = {
        "type": "object",
        "$defs": {
            "Color": {"type": "string", "enum": ["red", "green"]},
            "Pet": obj({"name": {"type": "string"}}, ("name",), description="A pet."),
            "Unused": obj({"never": {"type": "string"}}),
        },
        "definitions": {"Size": {"type": "integer", "minimum": 1}},
        "properties": {
            "color": {"$ref": "#/$defs/Color"},
            "pets": {"type": "array", "items": {"$ref": "#/$defs/Pet"}},
            "size": {"$ref": "#/definitions/Size"},
            "same": {"$ref": "#/properties/color"},
            "remote": {"$ref": "https://example.com/schema.json"},
        },
    }
    text = render(schema)
    assert params(text) == {
        "color": "Literal['red', 'green']",
        "pets": "list[Pet]",
        "size": "int",
        "same": "Literal['red', 'green']",
        "remote": "Any",
    }
    assert list(typed_dicts(text)) == ["Pet"]  # only what is used
    assert '    """A pet."""' in text
    assert "size: >= 1" in docstring(text)


def test_ref_siblings_narrow_the_target() -> None:
    schema = {
        "type": "object",
        "$defs": {"Base": obj({"id": {"type": "string"}}, ("id",))},
        "properties": {
            "item": {
                "$ref": "#/$defs/Base",
                "properties": {"extra": {"type": "boolean"}},
                "required": ["extra"],
            },
            "plain": {"$ref": "#/$defs/Base", "description": "Just the base."},
            "maybe": {"$ref": "#/$defs/Base", "nullable": True},
        },
    }
    text = render(schema)
    assert params(text) == {"item": "Item", "plain": "Base", "maybe": "Base | None"}
    assert typed_dicts(text)["Item"] == {"id": "str", "extra": "bool"}
    assert "plain: Just the base." in docstring(text)


def test_refs_back_into_an_enclosing_merge_end() -> None:
    schema = obj(
        {
            "again": {"$ref": "#", "required": ["again"]},
            "either": {"anyOf": [{"$ref": "#", "description": "d", "minProperties": 1}]},
            "all": {"allOf": [{"$ref": "#"}, {"type": "object"}]},
        }
    )
    text = render(schema)
    assert set(params(text)) == {"again", "either", "all"}


def test_recursive_refs() -> None:
    schema = {
        "type": "object",
        "$defs": {
            "Node": obj(
                {
                    "name": {"type": "string"},
                    "children": {"type": "array", "items": {"$ref": "#/$defs/Node"}},
                },
                ("name",),
            ),
            "A": obj({"b": {"$ref": "#/$defs/B"}}),
            "B": obj({"a": {"$ref": "#/$defs/A"}}),
            "Json": {
                "anyOf": [
                    {"type": ["string", "number", "boolean", "null"]},
                    {"type": "array", "items": {"$ref": "#/$defs/Json"}},
                    {"type": "object", "additionalProperties": {"$ref": "#/$defs/Json"}},
                ]
            },
            "Loop": {"$ref": "#/$defs/Loop"},
        },
        "properties": {
            "tree": {"$ref": "#/$defs/Node"},
            "a": {"$ref": "#/$defs/A"},
            "value": {"$ref": "#/$defs/Json"},
            "self": {"$ref": "#"},
            "loop": {"$ref": "#/$defs/Loop"},
        },
    }
    text = render(schema)
    assert params(text) == {
        "tree": "Node",
        "a": "A",
        "value": "Json",
        "self": "ToolArguments",
        "loop": "Any",
    }
    found = typed_dicts(text)
    assert found["Node"] == {"name": "str", "children": "NotRequired[list[Node]]"}
    assert found["A"] == {"b": "B"} and found["B"] == {"a": "A"}
    assert found["ToolArguments"]["self"] == "ToolArguments"
    assert aliases(text)["Json"] == "str | float | bool | list[Json] | dict[str, Json] | None"


def test_one_recursive_shape_in_two_tools_is_defined_once() -> None:
    node = {
        "$defs": {
            "Node": obj({"next": {"$ref": "#/$defs/Node"}, "value": {"type": "integer"}}),
        },
        **obj({"head": {"$ref": "#/$defs/Node"}}),
    }
    text = render_stubs([make(node, name="push"), make(node, name="pop")])
    RENDERED.append(text)
    assert list(typed_dicts(text)) == ["Node"]


# -- arrays and tuples ----------------------------------------------------------------------------


def test_arrays_and_tuples() -> None:
    text = render(
        obj(
            {
                "tags": {"type": "array", "items": {"type": "string"}, "uniqueItems": True},
                "point": {
                    "type": "array",
                    "prefixItems": [{"type": "number"}, {"type": "number"}],
                    "items": False,
                    "minItems": 2,
                    "maxItems": 2,
                },
                "row": {
                    "type": "array",
                    "prefixItems": [{"type": "string"}],
                    "items": {"type": "integer"},
                },
                "pair": {"type": "array", "items": [{"type": "string"}, {"type": "boolean"}]},
                "grid": {"type": "array", "items": {"type": "array", "items": {"type": "integer"}}},
            }
        )
    )
    assert params(text) == {
        "tags": "list[str]",
        "point": "tuple[float, float]",
        "row": "tuple[str, *tuple[int, ...]]",
        "pair": "tuple[str, bool]",
        "grid": "list[list[int]]",
    }
    assert "tags: unique items" in docstring(text)
    assert "point:" not in docstring(text)  # the tuple says how many


# -- parameters -----------------------------------------------------------------------------------


def test_required_after_optional_keeps_the_schema_order() -> None:
    text = render(
        obj({"a": {"type": "string"}, "b": {"type": "string"}, "c": {"type": "string"}}, ("c",))
    )
    assert list(params(text)) == ["a", "b", "c"]
    assert defaults(text) == {"a": "...", "b": "..."}
    assert "async def tool(*, a: str = ..., b: str = ..., c: str) -> Any:" in text


def test_defaults() -> None:
    text = render(
        obj(
            {
                "units": {"type": "string", "default": "c"},
                "count": {"type": "integer", "default": 3},
                "scale": {"type": "number", "default": 2},
                "deep": {"type": "boolean", "default": False},
                "maybe": {"type": ["string", "null"], "default": None},
                "never_null": {"type": "string", "default": None},
                "wrong": {"type": "integer", "default": "5"},
                "whole": {"type": "integer", "default": 5.0},
                "tags": {"type": "array", "items": {"type": "string"}, "default": ["a"]},
                "opts": {"type": "object", "default": {"k": 1}},
                "long": {"type": "string", "default": "x" * 60},
                "mode": {"enum": ["a", "b"], "default": "b"},
                "bad_mode": {"enum": ["a", "b"], "default": "z"},
            }
        )
    )
    assert defaults(text) == {
        "units": "'c'",
        "count": "3",
        "scale": "2",
        "deep": "False",
        "maybe": "None",
        "never_null": "...",  # null means "not given": the type stays non-optional
        "wrong": "...",
        "whole": "...",
        "tags": "...",
        "opts": "...",
        "long": "...",
        "mode": "'b'",
        "bad_mode": "...",
    }
    doc = docstring(text)
    for note in ('wrong: default: "5"', "whole: default: 5.0", 'tags: default: ["a"]'):
        assert note in doc
    assert 'opts: default: {"k": 1}' in doc and 'bad_mode: default: "z"' in doc
    assert "units: default" not in doc  # shown in the signature already


def test_keyword_names() -> None:
    text = render(
        obj(
            {
                "from": {"type": "string"},
                "user-id": {"type": "integer", "description": "Who."},
                "class": {"type": "string"},
            },
            ("from",),
        )
    )
    assert params(text) == {"from_": "str", "user_id": "int", "class_": "str"}
    assert "user_id: Who." in docstring(text)


async def test_keyword_names_reach_the_tool_by_their_schema_names() -> None:
    cm = Codemode([make(obj({"from": {"type": "string"}, "user-id": {"type": "integer"}}))])
    result = await cm.execute("await codemode.tool(from_='a', user_id=1)")
    assert result.ok, result.error
    assert result.value == {"from": "a", "user-id": 1}


def test_names_without_a_keyword_take_one_dict() -> None:
    schema = obj(
        {"user-id": {"type": "string", "description": "Who."}, "user_id": {"type": "integer"}},
        ("user-id",),
    )
    text = render(schema, description="Clashing names.")
    (only,) = functions(text)
    assert [a.arg for a in only.args.posonlyargs] == ["arguments"]
    assert ast.unparse(only.args.posonlyargs[0].annotation or ast.Constant(None)) == "ToolArguments"
    assert typed_dicts(text)["ToolArguments"] == {"user-id": "str", "user_id": "NotRequired[int]"}
    assert '"user-id": str,  # Who.' in text
    doc = docstring(text)
    assert doc.startswith("Clashing names.") and "pass all the arguments as one dict" in doc


def test_optional_names_without_a_keyword_add_a_dict_overload() -> None:
    schema = obj({"user-id": {"type": "string"}, "user_id": {"type": "integer"}}, ("user_id",))
    text = render(schema)
    keyword_form, dict_form = functions(text)
    assert [ast.unparse(d) for d in keyword_form.decorator_list] == ["overload"]
    assert params(text) == {"user_id": "int"}
    assert [a.arg for a in dict_form.args.posonlyargs] == ["arguments"]


async def test_the_dict_form_works() -> None:
    schema = obj({"user-id": {"type": "string"}, "user_id": {"type": "integer"}}, ("user-id",))
    cm = Codemode([make(schema)])
    result = await cm.execute("await codemode.tool({'user-id': 'a', 'user_id': 2})")
    assert result.ok, result.error
    assert result.value == {"user-id": "a", "user_id": 2}


def test_tools_named_like_builtins_do_not_break_the_types() -> None:
    tools = [
        make(obj({"s": {"type": "string"}}), name="str"),
        make(obj({"n": {"type": "integer"}}), name="Literal", output=obj({"x": {"enum": [1]}})),
    ]
    text = render_stubs(tools)
    RENDERED.append(text)
    assert params(text, "str") == {"s": "_builtins.str"}
    assert "import builtins as _builtins" in text and "import typing as _typing" in text
    assert "x: _typing.Literal[1]" in text


# -- non-standard types ---------------------------------------------------------------------------


def test_nonstandard_type_names() -> None:
    text = render(
        {
            "type": "dict",
            "properties": {
                "a": {"type": "HashMap"},
                "b": {"type": "float", "default": 1.5},
                "c": {"type": "tuple", "items": {"type": "String"}},
                "d": {"type": "any"},
                "e": {"type": "Boolean", "default": "true"},
                "f": {"type": "ArrayList", "default": []},
                "g": {"type": "long", "default": None},
                "h": {"type": "char"},
                "i": {"type": ""},
                "j": {"type": "dict", "properties": {"k": {"type": "int"}}, "required": ["k"]},
            },
            "required": ["a"],
        }
    )
    assert params(text) == {
        "a": "dict[str, Any]",
        "b": "float",
        "c": "list[str]",
        "d": "Any",
        "e": "bool",
        "f": "list[Any]",
        "g": "int",
        "h": "str",
        "i": "Any",
        "j": "J",
    }
    assert defaults(text)["b"] == "1.5" and defaults(text)["e"] == "..."


def test_broken_schemas_still_give_a_stub() -> None:
    for schema in (
        {},
        {"type": "object", "properties": {"a": "string"}},
        {"type": "object", "properties": [], "required": "a"},
        {"type": "string"},
        obj({"a": {"type": []}, "b": {"enum": []}, "c": {"type": "object", "required": True}}),
        obj({"a": {"$ref": "#/nowhere"}, "b": {"$ref": "#"}, "c": {"items": [True, False]}}),
    ):
        text = render(schema)
        compile(text, "<stub>", "exec")
        assert functions(text)


# -- docstrings -----------------------------------------------------------------------------------


def test_docstring_has_description_args_and_notes() -> None:
    text = render(
        obj(
            {
                "when": {"type": "string", "format": "date-time", "description": "Start."},
                "size": {"type": "integer", "minimum": 1, "maximum": 10},
                "name": {"type": "string", "minLength": 1, "maxLength": 64, "pattern": "^[a-z]+$"},
                "ids": {"type": "array", "minItems": 1, "items": {"type": "string"}},
                "step": {"type": "number", "exclusiveMinimum": 0, "multipleOf": 0.5},
                "huge": {"type": "integer", "maximum": 9007199254740991},
                "plain": {"type": "string"},
            }
        ),
        description="  Book a room.\n\n  Rooms are booked by the hour.",
        output={"type": "object", "description": "The booking.", "properties": {}},
    )
    assert docstring(text) == (
        "Book a room.\n\n"
        "Rooms are booked by the hour.\n\n"
        "Args:\n"
        "    when: Start. (format: date-time)\n"
        "    size: >= 1; <= 10\n"
        "    name: length 1..64; pattern: ^[a-z]+$\n"
        "    ids: items >= 1\n"
        "    step: > 0; multiple of 0.5\n\n"
        "Returns:\n"
        "    The booking."
    )


def test_awkward_text_stays_valid_python() -> None:
    text = render(
        obj({"a": {"type": "string", "description": 'ends with a quote "x"'}}),
        description='Say """hi""" to C:\\temp\\ \x00 and end with "',
    )
    compile(text, "<stub>", "exec")
    assert docstring(text).startswith('Say """hi""" to C:\\temp\\')
    notes = render(
        obj({"p": {"type": "string", "pattern": "a\nb\ud800", "format": "date\x00time"}})
    )
    compile(notes, "<stub>", "exec")
    assert "p: format: date time; pattern: a b" in docstring(notes)
    raw = render(obj({}), description="Match \\d+ digits.")
    assert 'r"""Match \\d+ digits."""' in raw
    assert docstring(raw) == "Match \\d+ digits."


# -- output schemas -------------------------------------------------------------------------------


def test_return_types_come_from_the_output_schema() -> None:
    result = obj({"city": {"type": "string"}, "temp": {"type": "number"}}, ("city", "temp"))
    assert returns(render(obj({}), output=result)) == "ToolResult"
    assert returns(render(obj({}), output={**result, "title": "Weather"})) == "Weather"
    assert returns(render(obj({}), output={"type": "array", "items": {"type": "integer"}})) == (
        "list[int]"
    )
    assert returns(render(obj({}))) == "Any"


class Forecast(TypedDict):
    day: str
    high: float


def test_return_types_of_function_tools() -> None:
    async def forecast(city: str, days: int = 3) -> list[Forecast]:
        """Daily forecast."""
        return []

    def count(text: str) -> int:
        return len(text)

    text = render_stubs([Tool.from_function(forecast), Tool.from_function(count)])
    RENDERED.append(text)
    assert returns(text, "forecast") == "list[Forecast]"
    assert typed_dicts(text)["Forecast"] == {"day": "str", "high": "float"}
    assert params(text, "forecast") == {"city": "str", "days": "int"}
    assert defaults(text, "forecast") == {"days": "3"}
    assert returns(text, "count") == "int"


def _schema_tool(name: str, output: dict[str, Any]) -> Tool:
    return Tool.from_schema(
        name=name, input_schema={"type": "object", "properties": {}}, output_schema=output, fn=dict
    )


def test_a_result_type_shared_by_tools_is_named_after_its_fields() -> None:
    content = {
        "type": "object",
        "properties": {"content": {"type": "string"}},
        "required": ["content"],
    }
    stubs = Codemode(
        [_schema_tool("read_file", content), _schema_tool("write_file", content)]
    ).stubs()
    assert "class ContentResult(TypedDict):" in stubs
    assert "async def write_file() -> ContentResult:" in stubs
    assert "ReadFileResult" not in stubs
    # one tool alone keeps its own name
    assert "-> WriteFileResult:" in Codemode([_schema_tool("write_file", content)]).stubs()


def test_alternatives_are_named_by_their_constants_not_numbers() -> None:
    item = {
        "anyOf": [
            {
                "type": "object",
                "properties": {"type": {"enum": ["image", "audio"]}, "data": {"type": "string"}},
            },
            {
                "type": "object",
                "properties": {"type": {"const": "resource"}, "uri": {"type": "string"}},
            },
        ]
    }
    output = {"type": "object", "properties": {"content": {"type": "array", "items": item}}}
    stubs = Codemode([_schema_tool("read_media", output)]).stubs()
    assert "content: list[ContentItemImageOrAudio | ContentItemResource]" in stubs
    assert "ContentItem1" not in stubs
