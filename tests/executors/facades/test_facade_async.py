"""The asyncio facade (`facade_async.py`) against CPython, run as programs: tasks, their
combinators with their documented arguments (`gather(..., return_exceptions=)`, `wait(...,
return_when=)`, `wait_for`, `shield`, `as_completed`, `TaskGroup`), the synchronisation
primitives, and what is refused (`asyncio.run` inside a running program, a main task that would
cancel the caller)."""

from __future__ import annotations

import asyncio

import pytest

from .differential import assert_same_program, run_codemode

MODULES = ("asyncio",)

PROGRAMS = [
    """
import asyncio
async def job(x, delay=0):
    await asyncio.sleep(delay)
    return x * 2
r = await asyncio.gather(job(1), job(2, 0.01), job(3))
r
""",
    """
import asyncio
async def bad():
    raise ValueError("no")
async def good():
    return 1
await asyncio.gather(good(), bad(), return_exceptions=True)
""",
    """
import asyncio
async def bad():
    raise ValueError("no")
await asyncio.gather(bad())
""",
    """
import asyncio
async def one():
    return 1
c = one()
await asyncio.gather(c, c)
""",
    """
import asyncio
async def job(x, d):
    await asyncio.sleep(d)
    return x
t1 = asyncio.create_task(job(1, 0))
t2 = asyncio.create_task(job(2, 0.2))
done, pending = await asyncio.wait([t1, t2], return_when=asyncio.FIRST_COMPLETED)
r = ([t.result() for t in done], len(pending))
await t2
r
""",
    """
import asyncio
async def job(x, d):
    await asyncio.sleep(d)
    return x
done, pending = await asyncio.wait([asyncio.create_task(job(1, 0))], timeout=1)
[t.result() for t in done]
""",
    """
import asyncio
async def slow():
    await asyncio.sleep(1)
try:
    await asyncio.wait_for(slow(), timeout=0.01)
except asyncio.TimeoutError:
    r = "timeout"
r
""",
    """
import asyncio
async def v():
    return 5
await asyncio.wait_for(v(), None)
""",
    """
import asyncio
async def v():
    return 5
await asyncio.shield(v())
""",
    """
import asyncio
async def job(x, d):
    await asyncio.sleep(d)
    return x
out = []
for fut in asyncio.as_completed([job(1, 0.05), job(2, 0)], timeout=2):
    out.append(await fut)
out
""",
    """
import asyncio
async def job(x):
    return x
async with asyncio.TaskGroup() as tg:
    a = tg.create_task(job(1))
    b = tg.create_task(job(2), name="b")
[a.result(), b.result(), b.get_name()]
""",
    """
import asyncio
async def named():
    return asyncio.current_task().get_name()
await asyncio.create_task(named(), name="worker")
""",
    """
import asyncio
t = asyncio.ensure_future(asyncio.sleep(0, result=3))
[await t, t.done(), t.cancelled()]
""",
    """
import asyncio
async def forever():
    await asyncio.sleep(10)
t = asyncio.create_task(forever())
await asyncio.sleep(0)
t.cancel()
try:
    await t
except asyncio.CancelledError:
    r = t.cancelled()
r
""",
    """
import asyncio
q = asyncio.Queue(maxsize=2)
await q.put(1)
q.put_nowait(2)
try:
    q.put_nowait(3)
except asyncio.QueueFull:
    full = True
[await q.get(), q.get_nowait(), q.empty(), full]
""",
    """
import asyncio
lock, event, sem = asyncio.Lock(), asyncio.Event(), asyncio.Semaphore(2)
async with lock:
    held = lock.locked()
event.set()
await event.wait()
async with sem:
    pass
[held, event.is_set(), sem.locked()]
""",
    """
import asyncio
async with asyncio.timeout(1):
    await asyncio.sleep(0)
b = asyncio.Barrier(1)
await b.wait()
[asyncio.iscoroutinefunction(asyncio.sleep), asyncio.iscoroutine(1)]
""",
]


@pytest.mark.parametrize("program", PROGRAMS)
def test_asyncio_as_cpython(program: str) -> None:
    assert_same_program(program)


@pytest.mark.filterwarnings("ignore:coroutine .* was never awaited:RuntimeWarning")
def test_what_the_facade_refuses() -> None:
    ran = run_codemode("import asyncio\nasync def f():\n    return 1\nrun = asyncio.run\nrun(f())")
    assert ran[:2] == ("raises", "PolicyError")
    ran = run_codemode("import asyncio\nasyncio.current_task().cancel()")
    assert ran[:2] == ("raises", "PolicyError")
    ran = run_codemode("import asyncio\nasyncio.ensure_future(asyncio.sleep(0), loop=1)")
    assert ran[:2] == ("raises", "PolicyError")


@pytest.mark.filterwarnings("ignore:coroutine .* was never awaited:RuntimeWarning")
async def test_the_main_task_can_be_looked_at_not_awaited_or_cancelled() -> None:
    """The main task is the caller's: a task awaiting it would cancel it at the execution's end."""
    from codemode import Codemode
    from codemode.executors import InProcessExecutor

    cm = Codemode([], executor=InProcessExecutor())
    for program in (
        "import asyncio\nm = asyncio.current_task()\nasync def w():\n    await m\n"
        "await asyncio.create_task(w())",
        "import asyncio\nawait asyncio.shield(asyncio.current_task())",
        "import asyncio\nawait asyncio.gather(asyncio.current_task())",
        "import asyncio\nasyncio.ensure_future(asyncio.current_task())",
        "import asyncio\nasyncio.current_task().cancel()",
    ):
        result = await cm.execute(program)
        assert result.error is not None and result.error.exception == "PolicyError", program
    result = await cm.execute(
        "import asyncio\nm = asyncio.current_task()\n[m.done(), m.cancelled()]"
    )
    assert result.value == [False, False]
    assert not asyncio.current_task().cancelled()  # type: ignore[union-attr]
