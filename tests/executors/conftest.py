"""Executor behaviour tests run against every executor listed in EXECUTORS.

A test that only makes sense for one executor asks for it by name with
`@pytest.mark.parametrize("executor", ["inprocess"], indirect=True)`.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import pytest

from codemode import Codemode, ExecuteResult
from codemode.executors import Executor, InProcessExecutor, SubprocessExecutor

EXECUTORS: dict[str, Callable[[], Executor]] = {
    "inprocess": InProcessExecutor,
    # A generous grace: these tests check what the worker's own deadline reports (the line);
    # the host's kill after the grace is tested in test_subprocess.py, not raced here.
    # Three workers: a test may hold two sessions (a pinned worker each) and run outside them.
    "subprocess": lambda: SubprocessExecutor(grace=2.0, max_workers=3),
}

# Executors whose one instance serves every test of the session: a fresh subprocess pool per test
# would spend most of the suite starting interpreters. Each run still gets a process of its own
# (the subprocess executor's default), forked from the one template the session starts.
SHARED = frozenset({"subprocess"})

Run = Callable[..., Awaitable[ExecuteResult]]


@pytest.fixture(scope="session")
def shared_executors() -> Iterator[dict[str, Executor]]:
    instances: dict[str, Executor] = {}
    yield instances
    for instance in instances.values():
        asyncio.run(instance.aclose())


@pytest.fixture(params=sorted(EXECUTORS))
async def executor(
    request: pytest.FixtureRequest, shared_executors: dict[str, Executor]
) -> AsyncIterator[Executor]:
    name = request.param
    if name in SHARED:
        if name not in shared_executors:
            shared_executors[name] = EXECUTORS[name]()
        yield shared_executors[name]
        return
    instance = EXECUTORS[name]()
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


Make = Callable[..., SubprocessExecutor]


@pytest.fixture
async def make() -> AsyncIterator[Make]:
    """`make(**options)`: a SubprocessExecutor of the test's own, closed after it (test_subprocess
    overrides it with one that also checks no process is left)."""
    made: list[SubprocessExecutor] = []

    def build(**options: Any) -> SubprocessExecutor:
        executor = SubprocessExecutor(**options)
        made.append(executor)
        return executor

    yield build
    for executor in made:
        await executor.aclose()
