"""JSON Schema as published, made standard.

Real tool schemas use type names JSON Schema does not have (BFCL's "dict", "float", "tuple", "any",
Java's "String", "HashMap", ...). `normalize_schema` maps them onto standard types so that the
validator and the stub generator both see one dialect. Pure functions, no I/O.
"""

from __future__ import annotations

import copy
from typing import Any

# Non-standard type names seen in public function-calling data, and what they mean.
TYPE_ALIASES: dict[str, str | None] = {
    "dict": "object",
    "hashmap": "object",
    "map": "object",
    "object": "object",
    "float": "number",
    "double": "number",
    "number": "number",
    "decimal": "number",
    "int": "integer",
    "long": "integer",
    "short": "integer",
    "byte": "integer",
    "integer": "integer",
    "tuple": "array",
    "list": "array",
    "arraylist": "array",
    "array": "array",
    "set": "array",
    "string": "string",
    "str": "string",
    "char": "string",
    "character": "string",
    "boolean": "boolean",
    "bool": "boolean",
    "null": "null",
    "none": "null",
    "any": None,  # says nothing about the type
    "": None,
}

# Keywords whose value is a schema, a list of schemas, or a map of name to schema.
_SUBSCHEMA = (
    "items",
    "additionalProperties",
    "not",
    "propertyNames",
    "contains",
    "if",
    "then",
    "else",
    "additionalItems",
    "unevaluatedItems",
    "unevaluatedProperties",
)
_SCHEMA_LISTS = ("anyOf", "oneOf", "allOf", "prefixItems")
_SCHEMA_MAPS = ("properties", "$defs", "definitions", "patternProperties", "dependentSchemas")


def normalize_schema(schema: Any) -> dict[str, Any]:
    """Return a standard copy of `schema`; the input is not changed.

    Non-standard type names become standard ones (or are dropped where they mean "any"), a
    non-dict schema becomes `{}`, a legacy boolean `required` on a property is dropped, and
    OpenAPI's `nullable: true` becomes a `null` the validator and the stubs both understand.
    """
    if not isinstance(schema, dict):
        return {}
    return _normalize(copy.deepcopy(schema))


def _normalize(node: dict[str, Any]) -> dict[str, Any]:
    if "type" in node:
        mapped = _map_type(node["type"])
        if mapped is None:
            del node["type"]
        else:
            node["type"] = mapped
    if isinstance(node.get("required"), bool):
        del node["required"]
    if node.get("nullable") is True:
        _allow_null(node)
    for key in _SUBSCHEMA:
        value = node.get(key)
        if isinstance(value, dict):
            node[key] = _normalize(value)
        elif isinstance(value, list) and key == "items":  # draft-4 tuple form
            node[key] = [_normalize(v) if isinstance(v, dict) else {} for v in value]
    for key in _SCHEMA_LISTS:
        value = node.get(key)
        if isinstance(value, list):
            node[key] = [_normalize(v) if isinstance(v, dict) else v for v in value]
    for key in _SCHEMA_MAPS:
        value = node.get(key)
        if isinstance(value, dict):
            node[key] = {
                name: _normalize(v) if isinstance(v, dict) else v for name, v in value.items()
            }
    return node


def _allow_null(node: dict[str, Any]) -> None:
    """OpenAPI 3.0 `nullable: true`: null is allowed besides what the schema says."""
    del node["nullable"]
    kind = node.get("type")
    if isinstance(kind, str) and kind != "null":
        node["type"] = [kind, "null"]
    elif isinstance(kind, list) and "null" not in kind:
        node["type"] = [*kind, "null"]
    if isinstance(node.get("enum"), list) and None not in node["enum"]:
        node["enum"] = [*node["enum"], None]
    if "type" in node or "enum" in node:
        return
    for key in ("anyOf", "oneOf"):
        if isinstance(node.get(key), list):
            node[key] = [*node[key], {"type": "null"}]
            return
    if "$ref" in node:
        # Keywords beside a `$ref` are an intersection; null has to be an alternative.
        node["anyOf"] = [{"$ref": node.pop("$ref")}, {"type": "null"}]


def _map_type(value: Any) -> str | list[str] | None:
    if isinstance(value, str):
        return TYPE_ALIASES.get(value.strip().lower())
    if isinstance(value, list):
        mapped: list[str] = []
        for item in value:
            one = _map_type(item)
            if one is None:
                return None  # "any" in a union makes the union say nothing
            for name in [one] if isinstance(one, str) else one:
                if name not in mapped:
                    mapped.append(name)
        if not mapped:
            return None
        return mapped[0] if len(mapped) == 1 else mapped
    return None
