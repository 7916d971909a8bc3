"""Executor behaviour tests run against every executor listed in EXECUTORS.

A test that only makes sense for one executor asks for it by name with
`@pytest.mark.parametrize("executor", ["inprocess"], indirect=True)`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from codemode import Codemode, ExecuteResult
from codemode.executors import Executor, InProcessExecutor, SubprocessExecutor

EXECUTORS: dict[str, Callable[[], Executor]] = {
    "inprocess": InProcessExecutor,
    "subprocess": SubprocessExecutor,
}

Run = Callable[..., Awaitable[ExecuteResult]]


@pytest.fixture(params=sorted(EXECUTORS))
async def executor(request: pytest.FixtureRequest) -> AsyncIterator[Executor]:
    instance = EXECUTORS[request.param]()
    try:
        yield instance
    finally:
        await instance.aclose()


@pytest.fixture
def run(executor: Executor, tools: list[Any]) -> Run:
    """`await run(code, **limits)`: execute against the shared example tools."""
    cm = Codemode(tools, executor=executor, timeout=10)

    async def run(code: str, **options: Any) -> ExecuteResult:
        return await cm.execute(code, **options)

    return run
