"""The type check: wrong programs are caught with their line before anything runs; correct,
idiomatic model programs (every shape `_program` accepts) pass."""

from __future__ import annotations

import textwrap
from typing import Any

import pytest
from typing_extensions import TypedDict

from codemode import Codemode, Tool

pytest.importorskip("ty", reason="the type check needs the typecheck extra (ty)")

CALLS: list[str] = []


class Weather(TypedDict):
    city: str
    temperature: float


async def get_weather(city: str, units: str = "c") -> Weather:
    """Current weather for a city."""
    CALLS.append("get_weather")
    return {"city": city, "temperature": 14.0}


async def find_user(name: str) -> dict[str, Any] | None:
    """A user record, or None when there is none."""
    CALLS.append("find_user")
    return {"name": name, "age": 30} if name != "nobody" else None


def add(a: int, b: int = 1) -> int:
    """Add two integers."""
    CALLS.append("add")
    return a + b


async def search(query: str, limit: int = 10) -> list[dict[str, Any]]:
    """Search results."""
    CALLS.append("search")
    return [{"title": f"{query} {i}", "score": i / 10} for i in range(limit)]


RAW = Tool.from_schema(
    name="raw-data",
    description="Untyped data.",
    input_schema={"type": "object", "properties": {"key": {"type": "string"}}},
    fn=lambda key="": {"key": key, "nested": {"values": [1, 2, 3]}},
)

TOOLS: list[Any] = [get_weather, find_user, add, search, RAW]


@pytest.fixture(scope="module")
def cm() -> Codemode:
    return Codemode(TOOLS, typecheck=True)


def code(text: str) -> str:
    return textwrap.dedent(text).strip("\n") + "\n"


# (program, line of the mistake, words the message must contain)
WRONG: dict[str, tuple[str, int, str]] = {
    "misspelt-typeddict-key": (
        """
        async def main():
            w = await codemode.get_weather(city="Paris")
            return w["temprature"]
        """,
        3,
        "temprature",
    ),
    "wrong-argument-type": (
        """
        async def main():
            total = await codemode.add(a="1", b=2)
            return total
        """,
        2,
        "Expected `int`",
    ),
    "missing-await-used": (
        """
        async def main():
            w = codemode.get_weather(city="Paris")
            return w["city"]
        """,
        3,
        "Coroutine",
    ),
    "missing-await-statement": (
        """
        async def main():
            codemode.add(a=1)
            return 1
        """,
        2,
        "not awaited",
    ),
    "none-where-stub-says-so": (
        """
        async def main():
            user = await codemode.find_user(name="ann")
            return user["age"] + 1
        """,
        3,
        "None",
    ),
    "nonexistent-tool": (
        """
        async def main():
            return await codemode.get_wether(city="x")
        """,
        2,
        "get_wether",
    ),
    "top-level-key-typo": (
        """
        import json
        w = await codemode.get_weather(city="Oslo")
        print(json.dumps(w))
        w["citty"]
        """,
        4,
        "citty",
    ),
    "wrong-type-into-tool-from-result": (
        """
        async def main():
            w = await codemode.get_weather(city="Oslo")
            return await codemode.search(query="x", limit=w["city"])
        """,
        3,
        "Expected `int`",
    ),
    "string-method-typo": (
        """
        w = await codemode.get_weather(city="Oslo")
        w["city"].uper()
        """,
        2,
        "uper",
    ),
    "unknown-keyword": (
        """
        async def main():
            return await codemode.search(query="x", max_results=3)
        """,
        2,
        "max_results",
    ),
}


@pytest.mark.parametrize("name", sorted(WRONG))
async def test_wrong_programs_are_caught_with_their_line_and_nothing_runs(
    cm: Codemode, name: str
) -> None:
    program, line, words = WRONG[name]
    source = code(program)
    diagnostics = cm.check(source)
    assert diagnostics, f"{name}: nothing found"
    assert diagnostics[0].line == line, diagnostics
    assert words in diagnostics[0].message, diagnostics
    CALLS.clear()
    result = await cm.execute(source)
    assert not result.ok and result.error is not None
    assert result.error.type == "validation", result.error
    assert result.error.line == line
    assert words in result.error.message or words in (result.error.traceback or "")
    assert result.tool_calls == () and CALLS == []  # no tool has run


CORRECT: dict[str, str] = {
    "async-main-gather": """
        async def main():
            cities = ["Paris", "Oslo", "Lima"]
            found = await asyncio.gather(*[codemode.get_weather(city=c) for c in cities])
            hottest = max(found, key=lambda w: w["temperature"])
            return {"hottest": hottest["city"], "all": [w["city"] for w in found]}
        """,
    "sync-main": """
        import math
        def main():
            return math.sqrt(16)
        """,
    "top-level-await-last-expression": """
        w = await codemode.get_weather(city="Paris")
        total = await codemode.add(a=1, b=2)
        f"{w['city']}: {w['temperature'] + total}"
        """,
    "one-async-function-of-another-name": """
        async def warmest():
            found = [await codemode.get_weather(city=c) for c in ["Paris", "Oslo"]]
            return max(found, key=lambda w: w["temperature"])["city"]
        """,
    "asyncio-run-at-the-bottom": """
        async def main():
            return await codemode.add(a=2)

        asyncio.run(main())
        """,
    "main-guard": """
        async def main():
            return await codemode.add(a=2)

        if __name__ == "__main__":
            asyncio.run(main())
        """,
    "top-level-return": """
        user = await codemode.find_user(name="ann")
        if user is None:
            return "nobody"
        return user["name"]
        """,
    "fenced": """
        Here is the program:
        ```python
        async def main():
            return await codemode.add(a=1)
        ```
        """,
    "untyped-helpers-and-dict-access": """
        import json
        from collections import defaultdict

        def score(item):
            total = 0
            for key, value in item.items():
                if isinstance(value, (int, float)):
                    total += value
            return total

        def group(rows, key):
            out = defaultdict(list)
            for row in rows:
                out[row[key]].append(row)
            return dict(out)

        async def main():
            raw = await codemode.raw_data(key="k")
            values = raw["nested"]["values"]
            results = await codemode.search(query="x", limit=3)
            for r in results:
                r["note"] = "seen"
            summary = {r["title"]: r["score"] for r in results}
            summary["best"] = max(results, key=lambda r: r["score"])["title"]
            summary["count"] = len(results)
            print(json.dumps(summary))
            return {"sum": sum(values), "groups": group(results, "title"), "score": score(raw)}
        """,
    "loose-variables": """
        rows = [1, 2]
        rows.append("three")
        x = 0
        x = "now a string"
        items = []
        items.append({"a": 1})
        items.append("b")
        data = {"a": 1}
        data["b"] = "two"
        data["c"] = [1, 2]
        [rows, x, items, data]
        """,
    "own-classes-and-dataclasses": """
        from dataclasses import dataclass

        @dataclass
        class Row:
            city: str
            temp: float

        class Box:
            def __init__(self, value):
                self.value = value

        w = await codemode.get_weather(city="Paris")
        row = Row(w["city"], w["temperature"])
        box = Box(row)
        box.label = "first"
        box.value.temp += 1
        {"row": [row.city, row.temp], "label": box.label}
        """,
    "typeddict-result-extended": """
        w = await codemode.get_weather(city="Paris")
        w["note"] = "mild"
        w["temperature"] = round(w["temperature"])
        extended = {**w, "source": "tool"}
        [w, extended, w.get("humidity"), dict(w)]
        """,
    "optional-handled": """
        async def main():
            user = await codemode.find_user(name="ann")
            if user is None:
                return None
            missing = await codemode.find_user(name="nobody")
            age = missing["age"] if missing else 0
            return user["age"] + age
        """,
    "tool-errors-caught": """
        async def main():
            try:
                return await codemode.get_weather(city="Atlantis")
            except ToolArgumentError as e:
                return f"bad call: {e}"
            except ToolError as e:
                return {"tool": e.tool, "message": e.message}
            except codemode.ToolError:
                return "other"
        """,
    "gather-with-exceptions-and-timeouts": """
        async def safe(city):
            try:
                return await asyncio.wait_for(codemode.get_weather(city=city), timeout=5)
            except Exception as e:
                return {"error": str(e)}

        async def main():
            results = await asyncio.gather(*(safe(c) for c in ["a", "b"]), return_exceptions=True)
            await asyncio.sleep(0)
            return [r for r in results if not isinstance(r, BaseException)]
        """,
    "stdlib-modules": """
        import re, statistics, itertools, datetime, collections
        text = "order 12, order 7"
        numbers = [int(n) for n in re.findall(r"\\d+", text)]
        match = re.search(r"order (\\d+)", text)
        first = match.group(1) if match else None
        pairs = list(itertools.combinations(numbers, 2))
        counts = collections.Counter(text.split())
        today = datetime.date(2024, 1, 2).isoformat()
        {"mean": statistics.mean(numbers), "first": first, "pairs": pairs,
         "common": counts.most_common(1), "today": today}
        """,
    "regex-match-without-none-check": """
        import re
        m = re.search(r"(?P<n>\\d+)", "order 42")
        [m.group("n"), re.match(r"(a)", "ab").group(1)]
        """,
    "import-that-may-fail": """
        try:
            import numpy
        except ImportError as e:
            numpy = None
        numpy is None
        """,
    "globals-in-helpers": """
        seen = []
        counter = 0

        def note(x):
            global counter
            counter += 1
            seen.append(x)

        async def main():
            for city in ["a", "b"]:
                w = await codemode.get_weather(city=city)
                note(w["city"])
            return counter, seen
        """,
    "match-walrus-comprehensions": """
        async def main():
            results = await codemode.search(query="q", limit=5)
            if (n := len(results)) > 3:
                top = [r for r in results if r["score"] > 0.1]
            else:
                top = results
            match top:
                case [first, *rest]:
                    return {"first": first["title"], "rest": len(rest), "n": n}
                case _:
                    return None
        """,
    "dict-argument-and-unpacking": """
        async def main():
            args = {"query": "weather", "limit": 2}
            first = await codemode.search(**args)
            second = await codemode.search({"query": "x"})
            return first + second
        """,
}


@pytest.mark.parametrize("name", sorted(CORRECT))
async def test_correct_programs_pass(cm: Codemode, name: str) -> None:
    source = code(CORRECT[name])
    assert cm.check(source) == []
    result = await cm.execute(source)
    assert result.ok, (name, result.error)


def test_without_typecheck_nothing_changes() -> None:
    plain = Codemode(TOOLS)
    result = plain.execute_sync('w = await codemode.get_weather(city="Paris")\nw["temprature"]')
    assert result.error is not None and result.error.type == "runtime"  # a KeyError, as before
    assert [call.name for call in result.tool_calls] == ["get_weather"]


def test_check_reports_syntax_errors_without_the_checker(cm: Codemode) -> None:
    (diagnostic,) = cm.check("def main(:\n    pass")
    assert diagnostic.rule == "syntax" and diagnostic.line == 1


def test_the_model_reads_every_problem_with_its_line(cm: Codemode) -> None:
    result = cm.execute_sync(
        'w = await codemode.get_weather(city=3)\nx = w["temprature"]\nawait codemode.add(a="1")'
    )
    assert result.error is not None and result.error.type == "validation"
    assert "3 problems" in result.error.message
    trace = result.error.traceback or ""
    assert "line 1:" in trace and "line 2:" in trace and "line 3:" in trace
    assert "_codemode_tools" not in trace


async def test_in_a_session_names_from_earlier_runs_are_known(cm: Codemode) -> None:
    async with cm.session() as session:
        assert session.check("rows") != []  # nothing bound yet
        first = await session.execute(
            "rows = await codemode.search(query='x', limit=2)\ndef top(n):\n    return rows[:n]"
        )
        assert first.ok, first.error
        assert session.check("top(1) + rows") == []
        second = await session.execute("[r['title'] for r in top(1)]")
        assert second.ok and second.value == ["x 0"], second.error
        wrong = await session.execute("total = len(rows)\nawait codemode.add(a=str(total))")
        assert wrong.error is not None and wrong.error.type == "validation"
        assert wrong.error.line == 2 and wrong.tool_calls == ()  # checked, nothing ran
        await session.reset()
        gone = await session.execute("rows")
        assert gone.error is not None and gone.error.type == "validation"


def test_a_checker_that_cannot_run_is_said_and_the_program_runs() -> None:
    broken = Codemode(TOOLS, typecheck=True)
    broken._type_checker().binary = "/nonexistent/ty"
    result = broken.execute_sync("await codemode.add(a=1)")
    assert result.ok and result.value == 2
    assert "type check skipped" in result.logs[0].text


def test_discovery_mode_checks_the_built_ins_too() -> None:
    discovering = Codemode(TOOLS, typecheck=True, discovery="search")
    assert "one session" in discovering.prompt(session=True)
    found = 'matches = await codemode.search_tools(query="weather", limit=2)\n[m for m in matches]'
    assert discovering.check(found) == []
    (problem,) = discovering.check('await codemode.search_tools(query="x", limit="2")')
    assert problem.rule == "invalid-argument-type"
    result = discovering.execute_sync(found)
    assert result.ok, result.error


def test_odd_text_and_a_lost_directory_never_break_a_run(cm: Codemode) -> None:
    result = cm.execute_sync('s = "\ud800"\nlen(s)')  # CPython's parser refuses it, as before
    assert result.error is not None and result.error.type == "syntax"
    assert cm.check('s = "\ud800"')[0].rule == "syntax"
    import shutil

    shutil.rmtree(cm._type_checker().directory)  # a temporary-files cleaner
    again = cm.execute_sync('w = await codemode.get_weather(city="Oslo")\nw["temprature"]')
    assert again.error is not None and again.error.type == "validation"


def test_without_ty_typecheck_true_fails_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    from codemode._typecheck import TypeCheckUnavailable

    monkeypatch.setitem(sys.modules, "ty", None)  # not installed
    monkeypatch.setenv("PATH", "")
    with pytest.raises(TypeCheckUnavailable, match=r"codemode\[typecheck\]"):
        Codemode(TOOLS, typecheck=True)
    Codemode(TOOLS)  # without it nothing needs ty
