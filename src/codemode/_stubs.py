"""JSON Schema to Python stubs: the typed `async def` signatures the model reads.

`render_stubs(tools)` turns each tool's input schema into keyword-only parameters and its output
schema into a return type. Work happens in three passes, so that names can be chosen knowing every
type that needs one:

1. convert: each schema becomes a small type tree (`_Type`); objects with properties become
   `_Definition`s (TypedDicts), `$ref`s are followed (recursive ones through a named definition);
2. name: definitions with the same shape are merged, then named from `title`, the `$defs` key or
   the path (`address`, else `CreateUserAddress`), unique across the whole module;
3. render: each tool's definitions (children first), then its function with a docstring.

Pure functions of the tools, no I/O; the same tools give byte-identical text.
"""

from __future__ import annotations

import inspect
import json
import keyword
import math
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import product
from typing import Any
from urllib.parse import unquote

from ._schema import normalize_schema
from ._tools import Tool, python_name

# -- the type tree ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Prim:
    """`Any`, `Never`, `None` or a builtin scalar (`str`, `int`, `float`, `bool`)."""

    name: str


@dataclass(frozen=True)
class _Lit:
    values: tuple[str | int | bool, ...]


@dataclass(frozen=True)
class _List:
    item: _Type


@dataclass(frozen=True)
class _Dict:
    value: _Type


@dataclass(frozen=True)
class _Tuple:
    items: tuple[_Type, ...]
    rest: _Type | None  # the type of items after the fixed ones, when more are allowed


@dataclass(frozen=True)
class _Union:
    members: tuple[_Type, ...]


@dataclass(frozen=True)
class _Named:
    definition: _Definition


_Type = _Prim | _Lit | _List | _Dict | _Tuple | _Union | _Named

ANY = _Prim("Any")
NEVER = _Prim("Never")
NONE = _Prim("None")
_SCALARS = {"string": "str", "integer": "int", "number": "float", "boolean": "bool", "null": "None"}
_JSON_TYPES = ("string", "integer", "number", "boolean", "null", "array", "object")


@dataclass
class _Field:
    key: str
    type: _Type
    required: bool
    doc: str


@dataclass(eq=False)
class _Definition:
    """A type that needs a name: a TypedDict (`fields`) or an alias (`target`).

    An alias whose target is just another definition is transparent (a `$ref` to an object); a
    real alias is only made for a recursive `$ref` to something that is not an object.
    """

    explicit: str | None  # the name the schema gives (`title`, the `$defs` key)
    path: tuple[str, ...]  # where it was found, for a name when the schema gives none
    doc: str = ""
    fields: list[_Field] | None = None
    target: _Type | None = None
    recursive: bool = False
    functional: bool = False  # always written as `TypedDict("X", {...})` (the dict form of a tool)


# -- pass 1: schema -> type tree ----------------------------------------------------------------

# Keywords that say nothing about what a value may be: only they may sit beside a `$ref` that is
# still followed as a plain reference.
_ANNOTATIONS = frozenset(
    {
        "title",
        "description",
        "default",
        "examples",
        "example",
        "$comment",
        "deprecated",
        "readOnly",
        "writeOnly",
        "$schema",
        "$id",
        "$defs",
        "definitions",
        "format",
        "optional",
    }
)
# Keywords that say something about the type of a value (used to tell a typed branch of an
# `anyOf` from one that only adds `required`).
_TYPE_KEYWORDS = frozenset(
    {
        "type",
        "enum",
        "const",
        "$ref",
        "properties",
        "patternProperties",
        "additionalProperties",
        "items",
        "prefixItems",
        "anyOf",
        "oneOf",
        "allOf",
        "not",
    }
)
_OBJECT_KEYWORDS = ("properties", "patternProperties", "additionalProperties")
_ARRAY_KEYWORDS = ("items", "prefixItems")
_MAX_ALTERNATIVES = 32  # allOf of several anyOfs multiplies out; beyond this keep the first
_MAX_DEPTH = 64  # schemas nested deeper than this (none real) are typed Any below that depth


class _Registry:
    """The definitions made for one stub module, shared by every tool in it."""

    def __init__(self) -> None:
        self.definitions: list[_Definition] = []

    def new(self, explicit: str | None, path: tuple[str, ...]) -> _Definition:
        definition = _Definition(explicit, path)
        self.definitions.append(definition)
        return definition


class _Converter:
    """Converts the schemas of one document (an input or output schema) into types.

    `$ref`s resolve against that document; each target is converted once.
    """

    def __init__(
        self, registry: _Registry, root: dict[str, Any], prefix: str, root_name: str
    ) -> None:
        self.registry = registry
        self.root = root
        self.prefix = prefix  # the tool's name, for names that clash without it
        self.root_name = root_name  # what a `{"$ref": "#"}` is called
        self.done: dict[str, _Type] = {}
        self.active: dict[str, _Definition] = {}
        # `$ref`s whose targets are being merged into an enclosing schema (an `allOf`, a `$ref`
        # with siblings): met again inside, they are not merged again.
        self.inlined: frozenset[str] = frozenset()
        self.depth = 0

    # -- references ---------------------------------------------------------------------------

    def resolve(self, ref: Any) -> Any:
        """The schema a local `$ref` points to, or None."""
        if not isinstance(ref, str) or not ref.startswith("#"):
            return None
        node: Any = self.root
        pointer = unquote(ref[1:])
        if pointer and not pointer.startswith("/"):
            return None  # an anchor (`#foo`): not supported
        for part in pointer.split("/")[1:]:
            part = part.replace("~1", "/").replace("~0", "~")
            if isinstance(node, dict) and part in node:
                node = node[part]
            elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
                node = node[int(part)]
            else:
                return None
        return node

    def reference(self, ref: str) -> _Type:
        if ref in self.done:
            return self.done[ref]
        if ref in self.active:
            definition = self.active[ref]
            definition.recursive = True
            return _Named(definition)
        target = self.resolve(ref)
        if target is None:
            return ANY  # a remote or broken reference: nothing is known
        name = _camel(ref.rstrip("/").rsplit("/", 1)[-1]) if ref != "#" else self.root_name
        placeholder = self.registry.new(name, (self.prefix, name))
        self.active[ref] = placeholder
        result = self.convert(target, (self.prefix, name), explicit=name)
        del self.active[ref]
        if isinstance(result, _Named) and result.definition.fields is not None:
            described = result.definition
            if not described.doc and isinstance(target.get("description"), str):
                described.doc = target["description"]
        if placeholder.recursive:
            placeholder.target = result
            if isinstance(result, _Named):
                # A recursive object: references to the placeholder mean its TypedDict.
                placeholder.recursive = False
                if result.definition is placeholder:
                    placeholder.target = ANY  # `{"$ref": "#"}` and nothing else
            result = _Named(placeholder)
        self.done[ref] = result
        return result

    def flatten(
        self, schemas: Iterable[Any], seen: frozenset[str], expanded: set[str] | None = None
    ) -> Iterator[dict[str, Any]]:
        """The parts of an `allOf`: references followed (once; `expanded` collects them),
        nested `allOf`s opened up."""
        for schema in schemas:
            if schema is False:
                yield {"enum": []}  # nothing is valid
            if not isinstance(schema, dict):
                continue
            ref = schema.get("$ref")
            rest = {k: v for k, v in schema.items() if k not in ("$ref", "allOf")}
            if isinstance(ref, str):
                target = self.resolve(ref)
                if ref not in seen and isinstance(target, dict):
                    if expanded is not None:
                        expanded.add(ref)
                    yield from self.flatten([target], seen | {ref}, expanded)
            yield rest
            if isinstance(schema.get("allOf"), list):
                yield from self.flatten(schema["allOf"], seen, expanded)

    # -- conversion ---------------------------------------------------------------------------

    def convert(self, node: Any, path: tuple[str, ...], explicit: str | None = None) -> _Type:
        """The type of `node`; `path` and `explicit` name an object that needs a definition."""
        if node is False:
            return NEVER
        if not isinstance(node, dict) or self.depth > _MAX_DEPTH:
            return ANY
        self.depth += 1
        try:
            return self.convert_schema(node, path, explicit)
        finally:
            self.depth -= 1

    def convert_schema(
        self, node: dict[str, Any], path: tuple[str, ...], explicit: str | None
    ) -> _Type:
        ref = node.get("$ref")
        if isinstance(ref, str) and "allOf" not in node:
            siblings = {k: v for k, v in node.items() if k != "$ref"}
            if ref in self.inlined or all(
                k in _ANNOTATIONS or k.startswith("x-") for k in siblings
            ):
                return self.reference(ref)
            # Keywords beside a `$ref` apply too (2019-09 and later): an intersection.
            return self.convert({"allOf": [{"$ref": ref}, siblings]}, path, explicit)
        if isinstance(node.get("allOf"), list):
            outer = {k: v for k, v in node.items() if k != "allOf"}
            expanded: set[str] = set()
            parts = list(self.flatten([outer, *node["allOf"]], self.inlined, expanded))
            enclosing = self.inlined
            self.inlined = enclosing | expanded
            try:
                return self.convert(_merge(parts), path, explicit or _title(node))
            finally:
                self.inlined = enclosing
        choices = [node[k] for k in ("anyOf", "oneOf") if isinstance(node.get(k), list)]
        if choices and any(_says_type(b) for c in choices for b in c):
            return self.alternatives(node, choices, path)
        return self.simple(node, path, explicit)

    def alternatives(
        self,
        node: dict[str, Any],
        choices: list[list[Any]],
        path: tuple[str, ...],
    ) -> _Type:
        rest = {k: v for k, v in node.items() if k not in ("anyOf", "oneOf")}
        combos = list(product(*choices)) if len(choices) > 1 else [(b,) for b in choices[0]]
        if len(combos) > _MAX_ALTERNATIVES:
            combos = [(b,) for b in choices[0]]
        shared = {k: v for k, v in rest.items() if k not in _ANNOTATIONS}
        branches: list[tuple[Any, Any]] = []
        for combo in combos:
            parts = [b for b in combo if b is not True]
            if not any(b is False for b in parts):
                branch = {"allOf": [shared, *parts]} if shared else _only(parts)
                branches.append((combo[0], branch))
        # Objects side by side need names apart (by title, constant or number); other
        # branches leave the path as it is.
        objects = sum(_is_object(branch, self) for _, branch in branches)
        members: list[_Type] = []
        for index, (first, branch) in enumerate(branches, 1):
            name = _title(first) if len(choices) == 1 else None
            numbered = str(index) if objects > 1 and _is_object(branch, self) else ""
            suffix = name or _discriminator(first) or numbered
            members.append(self.convert(branch, (*path[:-1], path[-1] + suffix), name))
        if not members:
            return NEVER
        return _union(members)

    def simple(self, node: dict[str, Any], path: tuple[str, ...], explicit: str | None) -> _Type:
        """A schema without `$ref`, `allOf` or typed alternatives."""
        kinds = _types(node)
        if kinds is None:
            return ANY
        values = _enum(node)
        if values is not None:
            return self.enumeration(values, kinds)
        members: list[_Type] = []
        for kind in kinds:
            if kind == "array":
                members.append(self.array(node, path))
            elif kind == "object":
                members.append(self.object(node, path, explicit))
            elif not (kind == "integer" and "number" in kinds):
                members.append(_Prim(_SCALARS[kind]))
        return _union(members) if members else NEVER

    def enumeration(self, values: list[Any], kinds: list[str]) -> _Type:
        allowed = [v for v in values if _json_type(v) in kinds or _is_whole(v, kinds)]
        members: list[_Type] = []
        literals: list[str | int | bool] = []
        for value in allowed or values:
            if isinstance(value, float) and value.is_integer() and "number" not in kinds:
                value = int(value)  # 1.0 is an integer to JSON Schema
            if isinstance(value, str | bool | int) and _literal_ok(value):
                if not any(_same(value, v) for v in literals):
                    literals.append(value)
            elif value is None:
                members.append(NONE)
            else:  # no Literal for a float, a list, an object or a huge int: the type instead
                members.append(_ENUM_FALLBACK[_json_type(value)])
        if literals:
            members.insert(0, _Lit(tuple(literals)))
        return _union(members) if members else NEVER

    def array(self, node: dict[str, Any], path: tuple[str, ...]) -> _Type:
        items = node.get("items")
        prefix = node.get("prefixItems")
        item_path = (*path[:-1], path[-1] + "Item")
        if isinstance(items, list):  # draft-4 tuple form; `additionalItems` is the rest
            prefix, items = items, node.get("additionalItems")
        if isinstance(prefix, list):
            fixed = tuple(
                self.convert(s, (*path[:-1], f"{path[-1]}Item{i}")) for i, s in enumerate(prefix, 1)
            )
            # Without `items` the fixed ones are taken as the whole tuple (what authors mean).
            rest = None if items is None or items is False else self.convert(items, item_path)
            return _Tuple(fixed, rest)
        if items is None or items is True:
            return _List(ANY)
        return _List(self.convert(items, item_path))

    def object(self, node: dict[str, Any], path: tuple[str, ...], explicit: str | None) -> _Type:
        properties = _properties(node)
        required = _required(node)
        if any(v is not False for v in properties.values()):
            name = explicit or _title(node)
            definition = self.registry.new(name, path)
            definition.fields = []
            for key, schema in properties.items():
                if schema is False:
                    continue  # may not be given at all
                field_path = (definition.explicit or path[-1], _camel(key))
                definition.fields.append(
                    _Field(
                        key, self.convert(schema, field_path), key in required, _field_doc(schema)
                    )
                )
            for key in dict.fromkeys(required):
                if key not in properties:
                    definition.fields.append(_Field(key, ANY, True, ""))
            return _Named(definition)
        values: list[_Type] = []
        patterns = node.get("patternProperties")
        value_path = (*path[:-1], path[-1] + "Value")
        if isinstance(patterns, dict):
            values += [self.convert(s, value_path) for s in patterns.values()]
        extra = node.get("additionalProperties")
        if isinstance(extra, dict) and extra:
            values.append(self.convert(extra, value_path))
        return _Dict(_union(values) if values else ANY)


def _properties(node: dict[str, Any]) -> dict[str, Any]:
    properties = node.get("properties")
    return properties if isinstance(properties, dict) else {}


def _required(node: dict[str, Any]) -> list[str]:
    required = node.get("required")
    return [r for r in required if isinstance(r, str)] if isinstance(required, list) else []


def _types(node: dict[str, Any]) -> list[str] | None:
    """The JSON types a schema allows (in the schema's order); None when it says nothing."""
    kind = node.get("type")
    if isinstance(kind, str):
        kinds = [kind] if kind in _JSON_TYPES else None
    elif isinstance(kind, list):
        kinds = [k for k in dict.fromkeys(kind) if k in _JSON_TYPES] or None
    elif _enum(node) is not None:
        kinds = list(_JSON_TYPES)
    elif any(k in node for k in _OBJECT_KEYWORDS):
        kinds = ["object"]
    elif any(k in node for k in _ARRAY_KEYWORDS):
        kinds = ["array"]
    else:
        kinds = None
    excluded = _excluded_types(node.get("not"))
    if excluded:
        kinds = [k for k in (kinds or _JSON_TYPES) if k not in excluded]
        if "number" in excluded:
            kinds = [k for k in kinds if k != "integer"]
    return kinds


def _excluded_types(node: Any) -> list[str]:
    """The types a `not` rules out, when it is a plain type check (`{"not": {"type": "null"}}`)."""
    if not isinstance(node, dict) or not all(k == "type" or k in _ANNOTATIONS for k in node):
        return []
    kinds = _types(node)
    return kinds or []


def _enum(node: dict[str, Any]) -> list[Any] | None:
    if "const" in node:
        return [node["const"]]
    values = node.get("enum")
    return values if isinstance(values, list) else None


_ENUM_FALLBACK: dict[str, _Type] = {
    "number": _Prim("float"),
    "integer": _Prim("int"),
    "array": _List(ANY),
    "object": _Dict(ANY),
}


def _literal_ok(value: str | bool | int) -> bool:
    """Whether `Literal[value]` is a valid type: mypy takes ints within 64 bits only."""
    return not isinstance(value, int) or isinstance(value, bool) or -(2**63) < value < 2**63


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def _is_whole(value: Any, kinds: list[str]) -> bool:
    return (_json_type(value) == "integer" and "number" in kinds) or (
        isinstance(value, float) and value.is_integer() and "integer" in kinds
    )


def _says_type(node: Any) -> bool:
    """Whether a branch of an `anyOf` says anything about type (not just `required`)."""
    return node is False or (isinstance(node, dict) and any(k in _TYPE_KEYWORDS for k in node))


def _is_object(node: Any, converter: _Converter) -> bool:
    if isinstance(node, dict) and isinstance(node.get("$ref"), str):
        node = converter.resolve(node["$ref"])
    if not isinstance(node, dict):
        return False
    if isinstance(node.get("allOf"), list):
        return any(_is_object(part, converter) for part in node["allOf"])
    kind = node.get("type")
    return kind == "object" or (kind is None and isinstance(node.get("properties"), dict))


def _only(parts: list[Any]) -> Any:
    return parts[0] if len(parts) == 1 else {"allOf": parts} if parts else {}


def _title(node: Any) -> str | None:
    title = node.get("title") if isinstance(node, dict) else None
    return _camel(title) if isinstance(title, str) and title.strip() else None


def _discriminator(node: Any) -> str | None:
    """A name for an `anyOf` branch from the constants it is told apart by (`type: "page"`,
    `type: "image" | "audio"` -> `ImageOrAudio`)."""
    properties = node.get("properties") if isinstance(node, dict) else None
    if not isinstance(properties, dict):
        return None
    for schema in properties.values():
        values = _enum(schema) if isinstance(schema, dict) else None
        if values and len(values) <= 3 and all(isinstance(v, str) and v for v in values):
            return "Or".join(_camel(value) for value in values)
    return None


def _merge(parts: list[dict[str, Any]]) -> dict[str, Any]:
    """One schema that means all of `parts` (an `allOf`), as far as types go."""
    out: dict[str, Any] = {}
    alternatives: list[tuple[str, list[Any]]] = []
    for part in parts:
        for key, value in part.items():
            if key in ("anyOf", "oneOf") and isinstance(value, list):
                alternatives.append((key, value))
            elif key not in out:
                out[key] = value
            elif key == "type":
                out[key] = _common_types(out[key], value)
            elif key in ("enum", "const"):
                pass  # handled below, over every part
            elif key == "properties" and isinstance(value, dict) and isinstance(out[key], dict):
                merged = dict(out[key])
                for name, schema in value.items():
                    merged[name] = {"allOf": [merged[name], schema]} if name in merged else schema
                out[key] = merged
            elif key == "required" and isinstance(value, list) and isinstance(out[key], list):
                out[key] = list(dict.fromkeys([*out[key], *value]))
            elif key in ("items", "additionalProperties", "propertyNames"):
                out[key] = _both(out[key], value)
            elif key in ("minimum", "minLength", "minItems", "exclusiveMinimum"):
                out[key] = _pick(max, out[key], value)
            elif key in ("maximum", "maxLength", "maxItems", "exclusiveMaximum"):
                out[key] = _pick(min, out[key], value)
    values = [v for v in map(_enum, parts) if v is not None]
    if values:
        out.pop("const", None)
        common = [
            v for v in values[0] if all(any(_same(v, w) for w in other) for other in values[1:])
        ]
        out["enum"] = common
    if len(alternatives) == 1:
        out[alternatives[0][0]] = alternatives[0][1]
    elif alternatives:
        combos = list(product(*(choice for _, choice in alternatives)))
        if len(combos) > _MAX_ALTERNATIVES:
            out[alternatives[0][0]] = alternatives[0][1]
        else:
            out["anyOf"] = [{"allOf": list(combo)} for combo in combos]
    return out


def _common_types(a: Any, b: Any) -> Any:
    left = [a] if isinstance(a, str) else a if isinstance(a, list) else list(_JSON_TYPES)
    right = [b] if isinstance(b, str) else b if isinstance(b, list) else list(_JSON_TYPES)
    common = [k for k in _JSON_TYPES if k in left and k in right]
    if "integer" not in common and (
        ("integer" in left and "number" in right) or ("number" in left and "integer" in right)
    ):
        common.append("integer")
    return common


def _both(a: Any, b: Any) -> Any:
    if a is False or b is False:
        return False
    if a is True or a == {}:
        return b
    if b is True or b == {}:
        return a
    return {"allOf": [a, b]}


def _pick(choose: Any, a: Any, b: Any) -> Any:
    if isinstance(a, int | float) and isinstance(b, int | float):
        return choose(a, b)
    return a


def _same(a: Any, b: Any) -> bool:
    return type(a) is type(b) and a == b


def _union(members: Sequence[_Type]) -> _Type:
    flat: list[_Type] = []
    for member in members:
        for one in member.members if isinstance(member, _Union) else (member,):
            if one not in flat:
                flat.append(one)
    if ANY in flat:
        return ANY
    if len(flat) > 1 and NEVER in flat:
        flat.remove(NEVER)
    return flat[0] if len(flat) == 1 else _Union(tuple(flat))


# -- docs ---------------------------------------------------------------------------------------


def _field_doc(schema: Any) -> str:
    """A property's description and notes (format, bounds, pattern, default) on one line."""
    if not isinstance(schema, dict):
        return ""
    notes = _notes(schema)
    if schema.get("default") is not None:
        notes.append(f"default: {_json_note(schema['default'])}")
    return _with_notes(_description(schema), notes)


def _description(schema: Any) -> str:
    description = schema.get("description") if isinstance(schema, dict) else None
    return _one_line(description) if isinstance(description, str) else ""


def _with_notes(text: str, notes: list[str]) -> str:
    if not notes:
        return text
    return f"{text} ({'; '.join(notes)})" if text else "; ".join(notes)


def _notes(schema: dict[str, Any]) -> list[str]:
    notes: list[str] = []
    nodes = [schema]
    for key in ("anyOf", "oneOf"):
        if isinstance(schema.get(key), list):
            nodes += [b for b in schema[key] if isinstance(b, dict)]
    for node in nodes:
        for note in map(_one_line, _constraints(node)):  # patterns may hold any character
            if note not in notes:
                notes.append(note)
    return notes


def _constraints(node: dict[str, Any]) -> list[str]:
    notes: list[str] = []
    if isinstance(node.get("format"), str):
        notes.append(f"format: {node['format']}")
    low, high = node.get("minimum"), node.get("maximum")
    low_open, high_open = node.get("exclusiveMinimum"), node.get("exclusiveMaximum")
    if low_open is True:  # draft 4: a flag on `minimum`
        low_open, low = low, None
    if high_open is True:
        high_open, high = high, None
    for sign, bound in ((">=", low), (">", low_open), ("<=", high), ("<", high_open)):
        if _is_bound(bound):
            notes.append(f"{sign} {bound}")
    counts = [("length", "minLength", "maxLength")]
    if not isinstance(node.get("prefixItems"), list) and not isinstance(node.get("items"), list):
        counts.append(("items", "minItems", "maxItems"))  # a tuple type says it already
    for label, low_key, high_key in counts:
        least, most = node.get(low_key), node.get(high_key)
        if _is_number(least) and _is_number(most):
            notes.append(f"{label} {least}..{most}")
        elif _is_number(least) and least:
            notes.append(f"{label} >= {least}")
        elif _is_number(most):
            notes.append(f"{label} <= {most}")
    if _is_number(node.get("multipleOf")):
        notes.append(f"multiple of {node['multipleOf']}")
    if node.get("uniqueItems") is True:
        notes.append("unique items")
    if isinstance(node.get("pattern"), str):
        notes.append(f"pattern: {node['pattern']}")
    patterns = node.get("patternProperties")
    if isinstance(patterns, dict) and patterns:
        notes.append("keys match " + " or ".join(str(p) for p in patterns))
    values = _enum(node)
    if values is not None and not all(
        v is None or (isinstance(v, str | bool | int) and _literal_ok(v)) for v in values
    ):
        shown = ", ".join(_json_note(v) for v in values)
        notes.append(f"one of {shown}" if len(values) > 1 else f"must be {shown}")
    if node.get("deprecated") is True:
        notes.append("deprecated")
    return notes


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_bound(value: Any) -> bool:
    """A bound worth a note: not JavaScript's largest safe integer, which zod adds everywhere."""
    return _is_number(value) and abs(value) < 2**53 - 1


def _json_note(value: Any, limit: int = 80) -> str:
    try:
        text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    except (TypeError, ValueError):
        text = repr(value)
    text = _one_line(text)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _clean(text: str) -> str:
    """Text safe to put in a docstring or comment: one kind of line break, no control chars."""
    text = "\n".join(inspect.cleandoc(text).splitlines()).strip()
    return "".join(
        " " if (ord(c) < 32 and c not in "\t\n") or 0xD800 <= ord(c) <= 0xDFFF or c == "\x7f" else c
        for c in text
    )


def _one_line(text: str) -> str:
    return " ".join(_clean(text).split())


def _docstring(text: str, indent: str) -> list[str]:
    """A docstring literal for `text`, indented; raw when that keeps backslashes readable."""
    prefix = ""
    if "\\" in text or '"""' in text or text.endswith('"'):
        if '"""' not in text and not text.endswith(("\\", '"')):
            prefix = "r"
        else:
            text = text.replace("\\", "\\\\").replace('"""', '\\"""')
            if text.endswith('"'):
                text = text[:-1] + '\\"'
    lines = text.split("\n")
    if len(lines) == 1:
        return [f'{indent}{prefix}"""{text}"""']
    out = [f'{indent}{prefix}"""{lines[0]}']
    out += [f"{indent}{line}" if line else "" for line in lines[1:]]
    out.append(f'{indent}"""')
    return out


# -- pass 2: merge and name definitions -----------------------------------------------------------

# Names the stub module uses itself; a definition may not take them, and a tool that does gets
# them qualified (`_builtins.str`).
_TYPING_NAMES = ("Any", "Literal", "Never", "NotRequired", "Required", "TypedDict", "overload")
_BUILTIN_NAMES = ("str", "int", "float", "bool", "list", "dict", "tuple")


def _follow(definition: _Definition) -> _Definition | _Type:
    """A definition with transparent aliases (a `$ref` to an object) followed."""
    seen: set[int] = set()
    current = definition
    while current.fields is None and not current.recursive:
        target = current.target
        if not isinstance(target, _Named) or id(current) in seen:
            return target if target is not None else ANY
        seen.add(id(current))
        current = target.definition
    return current


class _Names:
    """Merges definitions of the same shape and gives each one used a unique name.

    Names go out in the order definitions are first used (tool by tool, outer before inner), so
    the first `address` of a module is `Address` and a different one later `CreateUserAddress`.
    """

    def __init__(self, definitions: list[_Definition], reserved: set[str]) -> None:
        self.keys: dict[int, Any] = {}
        self.representative: dict[int, _Definition] = {}
        self.names: dict[int, str] = {}
        self.taken: dict[str, Any] = {name: None for name in reserved}
        self.sharers: dict[int, set[str]] = {}  # representative -> the paths' roots merged in
        first: dict[Any, _Definition] = {}
        for definition in definitions:
            if definition.fields is None and not definition.recursive:
                continue  # transparent
            key = self.key_of(definition, ())[0]
            representative = first.setdefault(key, definition)
            self.representative[id(definition)] = representative
            self.sharers.setdefault(id(representative), set()).add(definition.path[0])

    def definition(self, definition: _Definition) -> _Definition | _Type:
        followed = _follow(definition)
        if isinstance(followed, _Definition):
            return self.representative[id(followed)]
        return followed

    def name(self, definition: _Definition) -> str:
        name = self.names.get(id(definition))
        if name is None:
            shared = len(self.sharers.get(id(definition), ())) > 1
            name = self.names[id(definition)] = _choose_name(definition, self.taken, shared)
        return name

    def key_of(self, definition: _Definition, stack: tuple[int, ...]) -> tuple[Any, int]:
        """A key equal for definitions of the same shape, and the lowest stack index it refers
        back to. Recursion is keyed by depth, not by name, so a recursive type defined by two
        tools gets one key; a key that refers above its own level depends on the way in and is
        not cached."""
        if id(definition) in stack:
            index = stack.index(id(definition))
            return ("back", len(stack) - index), index
        cached = self.keys.get(id(definition))
        if cached is not None:
            return cached, len(stack)
        inner = (*stack, id(definition))
        lowest = [len(inner)]
        if definition.fields is not None:
            shape = tuple(
                sorted(
                    (f.key, f.required, repr(self.type_key(f.type, inner, lowest)))
                    for f in definition.fields
                )
            )
            key: Any = ("fields", definition.explicit, definition.functional, shape)
        else:
            target = self.type_key(definition.target or ANY, inner, lowest)
            key = ("alias", definition.explicit, target)
        if lowest[0] >= len(stack):
            self.keys[id(definition)] = key
        return key, lowest[0]

    def type_key(self, value: _Type, stack: tuple[int, ...], lowest: list[int]) -> Any:
        if isinstance(value, _Named):
            followed = _follow(value.definition)
            if not isinstance(followed, _Definition):
                return self.type_key(followed, stack, lowest)
            key, index = self.key_of(followed, stack)
            lowest[0] = min(lowest[0], index)
            return key
        if isinstance(value, _List):
            return ("list", self.type_key(value.item, stack, lowest))
        if isinstance(value, _Dict):
            return ("dict", self.type_key(value.value, stack, lowest))
        if isinstance(value, _Tuple):
            items = tuple(self.type_key(i, stack, lowest) for i in value.items)
            rest = None if value.rest is None else self.type_key(value.rest, stack, lowest)
            return ("tuple", items, rest)
        if isinstance(value, _Union):
            return ("union", tuple(self.type_key(m, stack, lowest) for m in value.members))
        return value


def _choose_name(definition: _Definition, taken: dict[str, Any], shared: bool = False) -> str:
    """The shortest free name: the schema's own, else the end of the path, else more of it.

    A tool's result type shared by several tools is named after its fields, not after the first
    tool (`write_file` returning `ReadFileResult` would mislead a reader).
    """
    if definition.explicit:
        candidates = [definition.explicit]
        if len(definition.path) > 1:
            candidates.append("".join(definition.path[:-1]) + definition.explicit)
    else:
        parts = definition.path
        candidates = ["".join(parts[i:]) for i in range(len(parts) - 1, -1, -1)]
        role = next((r for r in _ROOT_ROLES if parts[0].endswith(r)), None)
        if shared and len(parts) == 1 and role and definition.fields:
            keys = "_".join(field.key for field in definition.fields[:3])
            more = "Etc" if len(definition.fields) > 3 else ""
            candidates.insert(0, _camel(keys) + more + role)
    for candidate in candidates:
        if candidate not in taken:
            taken[candidate] = definition
            return candidate
    base = candidates[-1]
    number = 2
    while f"{base}{number}" in taken:
        number += 1
    taken[f"{base}{number}"] = definition
    return f"{base}{number}"


_ROOT_ROLES = ("Result", "Arguments")


def _camel(text: str) -> str:
    """`read_documentationOutput` -> `ReadDocumentationOutput`: an identifier for a class."""
    ident = python_name(text).rstrip("_")
    name = "".join(part[:1].upper() + part[1:] for part in re.split(r"_+", ident) if part)
    if not name or name[0].isdigit():
        name = "T" + name
    return name


# -- pass 3: render -------------------------------------------------------------------------------


@dataclass
class _Param:
    key: str  # the property name
    keyword: str | None  # how model code passes it; None: only inside the one dict
    type: _Type
    required: bool
    default: Any  # the schema's default, or _NO_DEFAULT
    description: str
    notes: list[str]


_NO_DEFAULT = object()


@dataclass
class _Function:
    tool: Tool
    params: list[_Param]
    kwargs: _Type | None  # `**kwargs` for a schema that allows names of its own choosing
    returns: _Type
    returns_doc: str
    notes: list[str]
    arguments: _Definition | None = None  # the one-dict form, when a property has no keyword


class _Renderer:
    def __init__(self, names: _Names, shadowed: set[str], *, docs: bool = True) -> None:
        self.names = names
        self.shadowed = shadowed
        self.docs = docs  # False: signatures and types only (search results), no prose
        self.used: set[str] = set()
        self.emitted: set[int] = set()

    # -- types --------------------------------------------------------------------------------

    def builtin(self, name: str) -> str:
        if name in self.shadowed:
            self.used.add("builtins")
            return f"_builtins.{name}"
        return name

    def typing(self, name: str) -> str:
        self.used.add(name)
        return f"_typing.{name}" if name in self.shadowed else name

    def type(self, value: _Type) -> str:
        if isinstance(value, _Prim):
            if value.name in ("Any", "Never"):
                return self.typing(value.name)
            return value.name if value.name == "None" else self.builtin(value.name)
        if isinstance(value, _Lit):
            return f"{self.typing('Literal')}[{', '.join(_literal(v) for v in value.values)}]"
        if isinstance(value, _List):
            return f"{self.builtin('list')}[{self.type(value.item)}]"
        if isinstance(value, _Dict):
            return f"{self.builtin('dict')}[{self.builtin('str')}, {self.type(value.value)}]"
        if isinstance(value, _Tuple):
            items = [self.type(i) for i in value.items]
            if value.rest is not None:
                items.append(f"*{self.builtin('tuple')}[{self.type(value.rest)}, ...]")
            return f"{self.builtin('tuple')}[{', '.join(items) or '()'}]"
        if isinstance(value, _Named):
            target = self.names.definition(value.definition)
            if isinstance(target, _Definition):
                return self.names.name(target)
            return self.type(target)
        return self.union(value.members)

    def union(self, members: Sequence[_Type]) -> str:
        flat = list(_flatten(members, self.names))
        if ANY in flat:
            return self.typing("Any")
        if _Prim("float") in flat and _Prim("int") in flat:
            flat.remove(_Prim("int"))
        literals = [v for m in flat if isinstance(m, _Lit) for v in m.values]
        rendered: list[str] = []
        for member in flat:
            if isinstance(member, _Lit):  # all Literals as one, where the first one was
                if literals:
                    rendered.append(self.type(_Lit(tuple(_unique(literals)))))
                    literals = []
                continue
            text = self.type(member)
            if text not in rendered:
                rendered.append(text)
        if "None" in rendered:  # `X | None` reads best with None last
            rendered.remove("None")
            rendered.append("None")
        return " | ".join(rendered)

    # -- definitions --------------------------------------------------------------------------

    def definitions(self, roots: Iterable[_Type]) -> list[str]:
        """The definitions `roots` need that are not out yet, each after those it uses."""
        roots = list(roots)
        seen: set[int] = set()
        for root in roots:  # names outer first, so a field's type does not take its parent's
            for definition in _reachable(root, self.names, seen, children_first=False):
                self.names.name(definition)
        out: list[str] = []
        for root in roots:
            for definition in _reachable(root, self.names, set(), children_first=True):
                if id(definition) in self.emitted:
                    continue
                self.emitted.add(id(definition))
                out += self.definition(definition)
        return out

    def definition(self, definition: _Definition) -> list[str]:
        name = self.names.name(definition)
        if definition.fields is None:
            return [f"{name} = {self.type(definition.target or ANY)}", ""]
        fields = definition.fields
        optional = sum(not f.required for f in fields)
        total = optional <= len(fields) - optional  # mark the fewer of the two kinds
        functional = definition.functional or not all(_plain_key(f.key) for f in fields)
        lines: list[str] = []
        if functional:
            if definition.doc and self.docs:
                lines.append(f"# {_one_line(definition.doc)}")
            lines.append(f'{name} = {self.typing("TypedDict")}("{name}", {{')
        else:
            base = self.typing("TypedDict") + ("" if total else ", total=False")
            lines.append(f"class {name}({base}):")
            if definition.doc and self.docs:
                lines += _docstring(_clean(definition.doc), "    ")
        for f in fields:
            text = self.type(f.type)
            if f.required and not total:
                text = f"{self.typing('Required')}[{text}]"
            elif not f.required and total:
                text = f"{self.typing('NotRequired')}[{text}]"
            comment = f"  # {f.doc}" if f.doc and self.docs else ""
            if functional:
                lines.append(f"    {_literal(f.key)}: {text},{comment}")
            else:
                lines.append(f"    {f.key}: {text}{comment}")
        if functional:
            lines.append("})" if total else "}, total=False)")
        lines.append("")
        return lines

    # -- functions ----------------------------------------------------------------------------

    def function(self, function: _Function) -> list[str]:
        tool = function.tool
        roots: list[_Type] = [p.type for p in function.params]
        if function.arguments is not None:
            roots.append(_Named(function.arguments))
        if function.kwargs is not None:
            roots.append(function.kwargs)
        roots.append(function.returns)
        lines = self.definitions(roots)
        returns = self.type(function.returns)
        doc = self.function_doc(function) if self.docs else ""
        keyword_form = all(p.keyword is not None or not p.required for p in function.params)
        if function.arguments is None:
            lines += self.signature(tool.python_name, self.keyword_params(function), returns)
            lines += _docstring(doc, "    ") if doc else ["    ..."]
            return [*lines, ""]
        arguments = f"arguments: {self.type(_Named(function.arguments))}, /"
        if keyword_form:
            overload = f"@{self.typing('overload')}"
            lines.append(overload)
            lines += self.signature(tool.python_name, self.keyword_params(function), returns)
            lines += _docstring(doc, "    ") if doc else ["    ..."]
            lines.append(overload)
            lines += self.signature(tool.python_name, [arguments], returns)
            return [*lines[:-1], lines[-1] + " ...", ""]
        lines += self.signature(tool.python_name, [arguments], returns)
        lines += _docstring(doc, "    ") if doc else ["    ..."]
        return [*lines, ""]

    def keyword_params(self, function: _Function) -> list[str]:
        params = [p for p in function.params if p.keyword is not None]
        out = ["*"] if params else []
        for param in params:
            text = f"{param.keyword}: {self.type(param.type)}"
            if not param.required:
                text += f" = {_shown_default(param) or '...'}"
            out.append(text)
        if function.kwargs is not None:
            name = "kwargs"
            while any(p.keyword == name for p in params):  # a property may be called `kwargs`
                name += "_"
            out.append(f"**{name}: {self.type(function.kwargs)}")
        return out

    def signature(self, name: str, params: list[str], returns: str) -> list[str]:
        line = f"async def {name}({', '.join(params)}) -> {returns}:"
        if len(line) <= 100:
            return [line]
        return [f"async def {name}(", *(f"    {p}," for p in params), f") -> {returns}:"]

    def function_doc(self, function: _Function) -> str:
        tool = function.tool
        parts = [_clean(tool.description)] if tool.description.strip() else []
        about = [f"Title: {_one_line(tool.title)}."] if tool.title else []
        hints = tool.annotations.describe()
        if hints:
            about.append(f"Hints: {hints}.")
        if about:
            parts.append(" ".join(about))
        rule = getattr(tool, "requires_approval", False)
        if rule is not False:  # so that the program expects a refusal
            when = "Needs approval" if rule is True else "May need approval (by its arguments)"
            parts.append(f"{when}: a person decides before it runs; a refusal raises ToolError.")
        if function.arguments is not None:
            name = self.names.name(self.names.representative[id(function.arguments)])
            keys = ", ".join(_literal(p.key) for p in function.params if p.keyword is None)
            parts.append(
                f"Some names ({keys}) cannot be passed as keywords: pass all the arguments as one "
                f"dict, `{tool.python_name}({{...}})`, shaped as `{name}`."
            )
        parts += function.notes
        args = []
        for param in function.params:
            notes = param.notes
            hidden = param.required or _shown_default(param) is None
            if param.default not in (_NO_DEFAULT, None) and hidden:
                notes = [*notes, f"default: {_json_note(param.default)}"]
            doc = _with_notes(param.description, notes)
            if doc:
                label = param.keyword or _literal(param.key)
                args.append(f"    {label}: {doc}")
        if args:
            parts.append("Args:\n" + "\n".join(args))
        if function.returns_doc:
            parts.append(f"Returns:\n    {function.returns_doc}")
        return "\n\n".join(parts)


def _flatten(members: Iterable[_Type], names: _Names) -> Iterator[_Type]:
    for member in members:
        if isinstance(member, _Union):
            yield from _flatten(member.members, names)
        elif isinstance(member, _Named):
            target = names.definition(member.definition)
            if isinstance(target, _Definition):
                yield _Named(target)
            else:
                yield from _flatten([target], names)
        else:
            yield member


def _reachable(
    value: _Type, names: _Names, seen: set[int], *, children_first: bool
) -> Iterator[_Definition]:
    """The definitions a type uses, each once: before or after the ones it uses itself."""
    if isinstance(value, _Named):
        target = names.definition(value.definition)
        if not isinstance(target, _Definition):
            yield from _reachable(target, names, seen, children_first=children_first)
            return
        if id(target) in seen:
            return
        seen.add(id(target))
        if not children_first:
            yield target
        inner = [f.type for f in target.fields] if target.fields is not None else [target.target]
        for child in inner:
            if child is not None:
                yield from _reachable(child, names, seen, children_first=children_first)
        if children_first:
            yield target
        return
    children: tuple[_Type, ...] = ()
    if isinstance(value, _List):
        children = (value.item,)
    elif isinstance(value, _Dict):
        children = (value.value,)
    elif isinstance(value, _Tuple):
        children = (*value.items, *((value.rest,) if value.rest is not None else ()))
    elif isinstance(value, _Union):
        children = value.members
    for child in children:
        yield from _reachable(child, names, seen, children_first=children_first)


def _unique(values: Iterable[str | int | bool]) -> Iterator[str | int | bool]:
    seen: list[str | int | bool] = []
    for value in values:
        if not any(_same(value, s) for s in seen):
            seen.append(value)
            yield value


def _plain_key(key: str) -> bool:
    """Whether a TypedDict key can be written as a class attribute."""
    return key.isidentifier() and not keyword.iskeyword(key) and not key.startswith("__")


def _literal(value: Any) -> str:
    """A Python literal for a JSON scalar, strings in double quotes."""
    if isinstance(value, str):
        text = repr(value)
        if text.startswith("'") and '"' not in value and "'" not in value:
            text = '"' + text[1:-1] + '"'
        return text
    return repr(value)


def _shown_default(param: _Param) -> str | None:
    """The default as a literal for the signature, when it is a short scalar of the right type."""
    value = param.default
    if value is _NO_DEFAULT or not isinstance(value, str | int | float | bool | None):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if not _fits(value, param.type):
        return None
    text = _literal(value)
    return text if len(text) <= 40 else None


def _fits(value: Any, expected: _Type) -> bool:
    if isinstance(expected, _Union):
        return any(_fits(value, m) for m in expected.members)
    if isinstance(expected, _Lit):
        return any(_same(value, v) for v in expected.values)
    if not isinstance(expected, _Prim):
        return False
    kind = _json_type(value)
    return {
        "Any": True,
        "str": kind == "string",
        "int": kind == "integer",
        "float": kind in ("integer", "number"),
        "bool": kind == "boolean",
        "None": kind == "null",
    }.get(expected.name, False)


# -- the whole module ---------------------------------------------------------------------------


def render_stubs(tools: Sequence[Tool], *, docstrings: bool = True) -> str:
    """A Python stub module with one `async def` per tool, in the order given.

    Parameters are keyword-only and typed from the input schema (TypedDicts for objects,
    `Literal` for enums, unions, tuples, `dict[str, V]`); the return type comes from the output
    schema (`Any` without one). The text is valid as a `.pyi` file under `mypy --strict`, and the
    same tools always give the same text. Tool names are expected to be unique, as `Codemode`
    makes sure. `docstrings=False` leaves out every docstring and field comment: the signatures
    and the types they use, as tool search shows them.
    """
    registry = _Registry()
    functions = [_convert_tool(tool, registry) for tool in tools]
    tool_names = {tool.python_name for tool in tools}
    reserved = tool_names | set(_TYPING_NAMES) | set(_BUILTIN_NAMES) | set(keyword.kwlist)
    reserved |= {"None", "builtins", "typing"}
    names = _Names(registry.definitions, reserved)
    renderer = _Renderer(names, tool_names & {*_TYPING_NAMES, *_BUILTIN_NAMES}, docs=docstrings)
    body: list[str] = []
    for function in functions:
        body += renderer.function(function)
    header: list[str] = []
    if "builtins" in renderer.used:
        header.append("import builtins as _builtins")
    qualified = sorted(n for n in renderer.used if n in renderer.shadowed and n in _TYPING_NAMES)
    if qualified:
        header.append("import typing as _typing")
    plain = sorted(n for n in renderer.used if n in _TYPING_NAMES and n not in renderer.shadowed)
    if plain:
        header.append(f"from typing import {', '.join(plain)}")
    text = "\n".join([*header, "", *body] if header else body)
    return text.rstrip("\n") + "\n"


def _convert_tool(tool: Tool, registry: _Registry) -> _Function:
    schema = normalize_schema(tool.input_schema)
    prefix = _camel(tool.python_name)
    converter = _Converter(registry, schema, prefix, prefix + "Arguments")
    root = _root_object(converter, schema)
    by_key = {key: kw for kw, key in tool.keywords.items()}
    required = _required(root)
    properties = _properties(root)
    params: list[_Param] = []
    for key, prop in properties.items():
        if prop is False:
            continue
        described = prop
        if isinstance(prop, dict) and "description" not in prop and "$ref" in prop:
            target = converter.resolve(prop["$ref"])
            if isinstance(target, dict):
                described = {**target, **prop}
        params.append(
            _Param(
                key=key,
                keyword=by_key.get(key) or _as_is(key, tool),
                type=converter.convert(prop, (prefix, _camel(key))),
                required=key in required,
                default=prop.get("default", _NO_DEFAULT) if isinstance(prop, dict) else _NO_DEFAULT,
                description=_description(described),
                notes=_notes(described) if isinstance(described, dict) else [],
            )
        )
    for key in dict.fromkeys(required):
        if key not in properties:
            params.append(_Param(key, _as_is(key, tool), ANY, True, _NO_DEFAULT, "", []))
    kwargs = _extra_arguments(converter, root, prefix, has_params=bool(params))
    function = _Function(
        tool=tool,
        params=params,
        kwargs=kwargs,
        returns=ANY,
        returns_doc="",
        notes=_root_notes(root),
    )
    if any(p.keyword is None for p in params):
        arguments = registry.new(None, (prefix + "Arguments",))
        arguments.functional = True
        arguments.fields = [
            _Field(p.key, p.type, p.required, _with_notes(p.description, p.notes)) for p in params
        ]
        function.arguments = arguments
    if tool.output_schema is not None:
        output = normalize_schema(tool.output_schema)
        title = _title(output)
        function.returns = _Converter(registry, output, prefix, prefix + "Result").convert(
            output, (prefix + "Result",), explicit=title
        )
        description = output.get("description")
        if isinstance(description, str) and description.strip():
            function.returns_doc = _one_line(description)
    return function


def _as_is(key: str, tool: Tool) -> str | None:
    """The keyword for a name `tool.keywords` does not know (one only in a root `anyOf`, or only
    in `required`): the call passes unknown keywords on as they are, so an identifier works
    unless a property already goes by it; anything else only fits in the one dict."""
    return key if _plain_key(key) and key not in tool.keywords else None


def _root_object(converter: _Converter, schema: dict[str, Any]) -> dict[str, Any]:
    """The root schema as one object: `$ref` and `allOf` followed, object alternatives merged.

    Alternatives at the root (`anyOf` of objects) give every property once, required only
    where all alternatives require it.
    """
    root = _merge(list(converter.flatten([schema], frozenset())))
    choices = [c for k in ("anyOf", "oneOf") if isinstance(c := root.get(k), list)]
    if not choices:
        return root
    branches = [
        _merge(list(converter.flatten([b], frozenset())))
        for choice in choices
        for b in choice
        if isinstance(b, dict)
    ]
    properties = dict(_properties(root))
    for branch in branches:
        for key, prop in _properties(branch).items():
            if key not in properties:
                properties[key] = prop
            elif properties[key] != prop:
                properties[key] = {"anyOf": [properties[key], prop]}
    required = _required(root)
    typed = [b for b in branches if _says_type(b)]
    if typed:
        always = [r for r in _required(typed[0]) if all(r in _required(b) for b in typed)]
        required = list(dict.fromkeys([*required, *always]))
    return {**root, "properties": properties, "required": required}


def _root_notes(root: dict[str, Any]) -> list[str]:
    """What the signature cannot say: `anyOf` of `required` lists at the root."""
    notes = []
    for key in ("anyOf", "oneOf"):
        choice = root.get(key)
        if not isinstance(choice, list):
            continue
        options = [
            _one_line(" and ".join(_required(b)))
            for b in choice
            if isinstance(b, dict) and _required(b)
        ]
        if options:
            word = "one of" if key == "oneOf" else "at least one of"
            notes.append(f"Give {word}: " + "; ".join(options) + ".")
    return notes


def _extra_arguments(
    converter: _Converter, root: dict[str, Any], prefix: str, *, has_params: bool
) -> _Type | None:
    extra = root.get("additionalProperties")
    patterns = root.get("patternProperties")
    values: list[_Type] = []
    if isinstance(patterns, dict):
        values += [converter.convert(s, (prefix + "Value",)) for s in patterns.values()]
    if isinstance(extra, dict) and extra:
        values.append(converter.convert(extra, (prefix + "Value",)))
    if values:
        return _union(values)
    if extra is True and not has_params:
        return ANY
    return None


__all__ = ["render_stubs"]
