"""The real-tools corpus (../shared/corpus/tools/real_tools.jsonl) through the stub generator.

Every tool must give a stub that parses, compiles and passes `mypy --strict` as a .pyi, and a
parameter may be typed `Any` only where its schema says nothing about its type. Run with `-s` to
see the figures.
"""

from __future__ import annotations

import ast
import json
import os
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from mypy import api as mypy_api

from codemode import Tool
from codemode._schema import normalize_schema
from codemode._stubs import render_stubs
from codemode._tools import python_name
from conftest import load_corpus  # tests/ is on sys.path under pytest's default import mode

Row = dict[str, Any]


async def _unused(**kwargs: Any) -> None:
    return None


def _tool(row: Row, name: str | None = None) -> Tool:
    return Tool.from_schema(
        name=name or row["name"],
        description=row["description"],
        input_schema=row["input_schema"],
        output_schema=row["output_schema"],
        fn=_unused,
    )


@pytest.fixture(scope="module")
def corpus() -> list[tuple[Row, Tool, str]]:
    """Each corpus row, its tool and the stub of that tool alone."""
    out = []
    for row in load_corpus():
        tool = _tool(row)
        out.append((row, tool, render_stubs([tool])))
    return out


def _function(stub: str, tool: Tool) -> ast.AsyncFunctionDef:
    found = [
        node
        for node in ast.parse(stub).body
        if isinstance(node, ast.AsyncFunctionDef) and node.name == tool.python_name
    ]
    assert found, f"{tool.name}: no async def {tool.python_name} in its stub"
    return found[0]


def test_every_stub_compiles_and_takes_every_property(corpus: list[tuple[Row, Tool, str]]) -> None:
    problems = []
    for row, tool, stub in corpus:
        try:
            compile(stub, tool.name, "exec")
        except SyntaxError as exc:
            problems.append(f"{row['source']} {tool.name}: {exc}")
            continue
        function = _function(stub, tool)
        taken = {arg.arg for arg in function.args.kwonlyargs}
        properties = normalize_schema(row["input_schema"]).get("properties") or {}
        by_key = {key: kw for kw, key in tool.keywords.items()}
        missing = [
            k for k, v in properties.items() if v is not False and by_key.get(k) not in taken
        ]
        if missing and not function.args.posonlyargs:  # else the one-dict form takes them
            problems.append(f"{row['source']} {tool.name}: no parameter for {missing}")
    assert not problems, "\n".join(problems[:10])


def _says_type(node: Any, root: Any, seen: frozenset[str] = frozenset()) -> bool:
    """Whether a (normalized) schema says anything about the type of its value."""
    if node is False:
        return True
    if not isinstance(node, dict):
        return False
    direct = ("type", "enum", "const", "properties", "patternProperties", "additionalProperties")
    if any(k in node for k in (*direct, "items", "prefixItems")):
        return True
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#") and ref not in seen:
        target: Any = root
        for part in ref[1:].split("/")[1:]:
            part = part.replace("~1", "/").replace("~0", "~")
            target = target.get(part) if isinstance(target, dict) else None
        if _says_type(target, root, seen | {ref}):
            return True
    for key in ("anyOf", "oneOf"):  # a union is typed only if every branch is
        branches = node.get(key)
        if (
            isinstance(branches, list)
            and branches
            and all(_says_type(b, root, seen) for b in branches)
        ):
            return True
    parts = node.get("allOf")
    if isinstance(parts, list) and any(_says_type(b, root, seen) for b in parts):
        return True
    negated = node.get("not")
    return isinstance(negated, dict) and "type" in negated


def test_any_only_where_the_schema_says_nothing(corpus: list[tuple[Row, Tool, str]]) -> None:
    total = typed_any = untyped_typed = any_count = 0
    wrong: list[str] = []
    for row, tool, stub in corpus:
        schema = normalize_schema(row["input_schema"])
        properties = schema.get("properties") or {}
        function = _function(stub, tool)
        annotations = {
            arg.arg: ast.unparse(arg.annotation)
            for arg in function.args.kwonlyargs
            if arg.annotation is not None
        }
        by_key = {key: kw for kw, key in tool.keywords.items()}
        required = [r for r in schema.get("required") or [] if isinstance(r, str)]
        for key in [*properties, *(r for r in required if r not in properties)]:
            prop = properties.get(key, {})
            if prop is False:
                continue
            total += 1
            is_any = annotations.get(by_key.get(key, key)) == "Any"
            typed = _says_type(prop, schema)
            any_count += is_any
            if is_any and typed:
                typed_any += 1
                wrong.append(f"{tool.name}.{key}: {json.dumps(prop)[:200]}")
            if not is_any and not typed:
                untyped_typed += 1
                wrong.append(f"{tool.name}.{key} typed {annotations.get(by_key.get(key, key))}")
    print(
        f"\ncorpus: {len(corpus)} tools, {total} parameters; typed Any: {any_count} "
        f"({any_count / total:.2%}); Any although the schema has a type: {typed_any} "
        f"({typed_any / total:.2%})"
    )
    assert typed_any == 0, "\n".join(wrong[:10])
    assert untyped_typed == 0, "a type made up for an untyped schema:\n" + "\n".join(wrong[:10])


def test_all_stubs_in_one_module_pass_mypy_strict(
    corpus: list[tuple[Row, Tool, str]], tmp_path: Path
) -> None:
    # Some tool names recur in the corpus with other schemas; one module needs unique names.
    seen: Counter[str] = Counter()
    tools = []
    for row, _, _ in corpus:
        name = python_name(row["name"])
        seen[name] += 1
        tools.append(_tool(row, row["name"] if seen[name] == 1 else f"{name}_{seen[name]}"))
    module = render_stubs(tools)
    path = tmp_path / "corpus.pyi"
    path.write_text(module)
    start = time.perf_counter()
    stdout, stderr, status = mypy_api.run(
        [
            "--strict",
            "--no-incremental",
            "--cache-dir",
            os.devnull,
            "--python-version",
            "3.11",
            str(path),
        ]
    )
    elapsed = time.perf_counter() - start
    definitions = [json.dumps(_definition(row)) for row, _, _ in corpus]
    json_size = sum(map(len, definitions))
    per_tool = sum(len(stub) for _, _, stub in corpus)
    print(
        f"\nmypy --strict on one module of {len(tools)} tools "
        f"({module.count(chr(10))} lines): {elapsed:.1f} s"
        f"\nstub size / JSON tool definitions: {per_tool / json_size:.2f} tool by tool, "
        f"{len(module) / json_size:.2f} as one module"
    )
    errors = [line for line in stdout.splitlines() if ": error:" in line]
    assert status == 0, f"{len(errors)} mypy errors:\n" + "\n".join(errors[:20]) + stderr


def _definition(row: Row) -> Row:
    keys = ("name", "description", "input_schema", "output_schema")
    return {k: row[k] for k in keys if row[k] is not None}
