"""Mistakes models make often, answered with errors they can act on, on every executor."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from .conftest import Run


@pytest.mark.parametrize(
    "code",
    [
        'w = codemode.get_weather(city="Paris")\nw["temperature"]',
        'for item in codemode.get_weather(city="Paris"):\n    pass',
        'codemode.get_weather(city="Paris").get("temperature")',
    ],
)
async def test_a_missing_await_is_named(run: Run, code: str) -> None:
    result = await run(code)
    assert result.error is not None and result.error.type == "runtime"
    assert "'coroutine' object" in result.error.message
    assert "did you forget `await`?" in result.error.message
    assert result.error.line is not None


async def test_import_codemode_is_accepted(run: Run) -> None:
    code = """
import codemode
from codemode import get_weather

async def main():
    a = await codemode.get_weather(city="Paris")
    b = await get_weather(city="Lisbon")
    return [a["city"], b["city"]]
"""
    result = await run(code)
    assert result.value == ["Paris", "Lisbon"], result.error


async def test_other_imports_are_still_refused_in_one_place(run: Run) -> None:
    result = await run("import os")
    assert result.error is not None and result.error.type == "policy"
    assert result.to_text().count("available modules") == 1


def test_an_unawaited_tool_call_stays_out_of_the_hosts_stderr() -> None:
    script = textwrap.dedent(
        """
        import asyncio, gc
        from codemode import Codemode
        from codemode.executors import SubprocessExecutor

        async def get_weather(city: str) -> dict:
            '''Weather.'''
            return {"city": city}

        async def main():
            async with SubprocessExecutor(max_workers=1) as sub:
                for cm in (Codemode([get_weather]), Codemode([get_weather], executor=sub)):
                    for code in ['codemode.get_weather(city="a")\\n1',
                                 'w = codemode.get_weather(city="a")\\nw["x"]']:
                        result = await cm.execute(code)
                        print(result.ok, flush=True)
                    gc.collect()

        asyncio.run(main())
        """
    )
    done = subprocess.run(
        [sys.executable, "-W", "default", "-c", script],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["True", "False", "True", "False"]
    assert "never awaited" not in done.stderr
    assert done.stderr == ""
