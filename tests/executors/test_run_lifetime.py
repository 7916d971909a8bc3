"""A run ends when it ends (issue 9, causes 7, 8 and 11): nothing it armed fires later, nothing it
raises leaves `execute` but an error result, nothing it leaves behind reaches the host's stderr,
and memory grown step by step stops it. Each family is tried from several directions; after
each attack the next run and the integrator's own task must be as before."""

from __future__ import annotations

import asyncio
import gc
import logging
from typing import Any

import pytest

from codemode import Codemode
from codemode.executors import Executor, SubprocessExecutor
from codemode.executors._sandbox._runtime import resident_memory

# -- 7: what a run schedules dies with it -------------------------------------------------------

LEFTOVERS: dict[str, str] = {
    "timeout-entered-by-hand": (
        "async def main():\n    t = asyncio.timeout(0.1)\n    await t.__aenter__()\n    return 1"
    ),
    "timeout-rescheduled-by-hand": (
        "async def main():\n    t = asyncio.timeout(10)\n    await t.__aenter__()\n"
        "    t.reschedule(t.when() - 9.9)\n    return 1"
    ),
    "timeout-at-by-hand": (
        "async def main():\n    t = asyncio.timeout(0.05)\n    await t.__aenter__()\n"
        "    u = asyncio.timeout_at(t.when() + 0.05)\n    await u.__aenter__()\n    return 1"
    ),
    "timeout-in-a-leftover-task": (
        "async def hold():\n    async with asyncio.timeout(0.1):\n        await asyncio.sleep(5)\n"
        "async def main():\n    asyncio.create_task(hold())\n    await asyncio.sleep(0)\n    return 1"
    ),
    "task-group-entered-by-hand": (
        "async def boom():\n    await asyncio.sleep(0.05)\n    raise ValueError('late')\n"
        "async def main():\n    g = asyncio.TaskGroup()\n    await g.__aenter__()\n"
        "    g.create_task(boom())\n    return 1"
    ),
    "task-that-swallows-cancel": (
        "async def stubborn():\n    while True:\n        try:\n            await asyncio.sleep(0.02)\n"
        "        except BaseException:\n            pass\n"
        "async def main():\n    asyncio.create_task(stubborn())\n    await asyncio.sleep(0)\n"
        "    return 1"
    ),
    "un-awaited-coroutines": (
        "async def never():\n    print('ran late')\n"
        "async def main():\n    never()\n    keep = [never() for _ in range(3)]\n    return 1"
    ),
    "async-generator-left-open": (
        "async def gen():\n    try:\n        yield 1\n        yield 2\n    finally:\n"
        "        print('finalizer ran')\n"
        "async def main():\n    g = gen()\n    await g.__anext__()\n    return 1"
    ),
    "async-generator-kept-open": (
        "async def gen():\n    try:\n        yield 1\n    except BaseException:\n"
        "        raise ValueError('from a finalizer')\n"
        "keep = []\n"
        "async def main():\n    g = gen()\n    await g.__anext__()\n    keep.append(g)\n    return 1"
    ),
    "generator-left-open": (
        "def gen():\n    try:\n        yield 1\n    finally:\n        raise ValueError('late')\n"
        "def main():\n    g = gen()\n    next(g)\n    return 1"
    ),
    "failed-task-never-awaited": (
        "async def boom():\n    raise ValueError('PROGRAM TEXT ON STDERR')\n"
        "async def main():\n    asyncio.create_task(boom())\n    await asyncio.sleep(0.01)\n"
        "    return 1"
    ),
    "gather-left-running": (
        "async def slow():\n    await asyncio.sleep(0.1)\n    raise ValueError('late')\n"
        "async def main():\n    asyncio.gather(slow(), slow())\n    return 1"
    ),
    "reveal-type": (
        "import typing\nasync def main():\n    typing.reveal_type(typing.reveal_type(1))\n"
        "    return 1"
    ),
    "as-completed-timeout": (
        "async def slow():\n    await asyncio.sleep(5)\n"
        "async def main():\n    it = asyncio.as_completed([slow()], timeout=0.05)\n    return 1"
    ),
}


@pytest.mark.parametrize("name", sorted(LEFTOVERS))
async def test_nothing_a_run_armed_fires_after_it(
    executor: Executor,
    tools: list[Any],
    name: str,
    capfd: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    cm = Codemode(tools, executor=executor, timeout=5)
    task = asyncio.current_task()
    assert task is not None
    result = await cm.execute(LEFTOVERS[name])
    assert result.error is None and result.value == 1, result.error
    await asyncio.sleep(0.3)  # longer than anything the program armed
    gc.collect()
    await asyncio.sleep(0.05)
    assert task.cancelling() == 0  # the integrator's task was not touched
    after = await cm.execute("async def main():\n    await asyncio.sleep(0.01)\n    return 2")
    assert after.error is None and after.value == 2, after.error
    assert not any(entry.text == "ran late\n" for entry in after.logs)
    captured = capfd.readouterr()
    assert captured.err == "", f"{name} reached the host's stderr: {captured.err[:500]}"
    logged = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert not logged, f"{name} reached the host's log: {logged}"


async def test_program_timeout_that_fires_in_the_run_is_its_own(
    executor: Executor, tools: list[Any]
) -> None:
    """A timeout the program entered by hand and that fired while it ran is not taken for the
    caller's cancellation: an error result, and the caller's task is left as it was."""
    cm = Codemode(tools, executor=executor, timeout=5)
    code = (
        "async def main():\n    t = asyncio.timeout(0.05)\n    await t.__aenter__()\n"
        "    await asyncio.sleep(1)\n    return 1"
    )
    result = await cm.execute(code)
    assert result.error is not None and result.error.exception == "CancelledError"
    task = asyncio.current_task()
    assert task is not None and task.cancelling() == 0
    assert (await cm.execute("return 3")).value == 3


async def test_registries_of_the_host_are_read_only(executor: Executor, tools: list[Any]) -> None:
    """ABC registries (by every route to `register`) and the `typing` overload registry belong
    to the host: a run cannot change what a later run (or the host) sees."""
    cm = Codemode(tools, executor=executor, timeout=5)
    attacks = [
        "import collections.abc\ncollections.abc.Mapping.register(list)",
        "import collections.abc\ntype(collections.abc.Mapping).register(collections.abc.Mapping, list)",
        "import collections.abc\ngetattr(type(collections.abc.Sized), 'register')(collections.abc.Sized, int)",
        "import collections.abc\nclass M(collections.abc.Mapping):\n    pass\n"
        "super(M, M).register(list)",
        "import operator, collections.abc\n"
        "operator.methodcaller('register', list)(collections.abc.Mapping)",
        "import typing\ntyping.Mapping.register(list)",
        "import typing\ntyping.Sized.register(object)",
        "import collections.abc\nclass X(collections.abc.Sized):\n    pass\n"
        "type(X).register(collections.abc.Sized, object)",
    ]
    for code in attacks:
        result = await cm.execute(code)
        assert result.error is not None, (code, result)  # refused, or no such route
    from collections.abc import Mapping, Sized

    assert not issubclass(list, Mapping) and not issubclass(object, Sized)
    own = await cm.execute(
        "import collections.abc\nclass MyABC(collections.abc.Sized):\n"
        "    pass\nMyABC.register(int)\nreturn issubclass(int, MyABC)"
    )
    assert own.value is True, own.error


async def test_typing_overloads_do_not_cross_runs(executor: Executor, tools: list[Any]) -> None:
    cm = Codemode(tools, executor=executor, timeout=5)
    write = (
        "import typing\nsecret = 'run one'\n@typing.overload\ndef f(x: int) -> int:\n"
        "    return secret\n"
        "def f(x):\n    return x\nreturn len(typing.get_overloads(f))"
    )
    first = await cm.execute(write)
    assert first.value == 1, first.error
    read = (
        "import typing\n@typing.overload\ndef f(x: int) -> int:\n    return 'run two'\n"
        "def f(x):\n    return x\nreturn [g(1) for g in typing.get_overloads(f)]"
    )
    second = await cm.execute(read)
    assert second.value == ["run two"], second


# -- 8: what the program raises is its error ----------------------------------------------------

RAISES: dict[str, str] = {
    "cancelled": "raise asyncio.CancelledError()",
    "cancelled-in-main": "async def main():\n    raise asyncio.CancelledError('mine')",
    "keyboard-interrupt": "raise KeyboardInterrupt()",
    "system-exit": "raise SystemExit(3)",
    "generator-exit": "raise GeneratorExit()",
    "base-exception": "raise BaseException('plain')",
    "base-exception-subclass": "class Stop(BaseException):\n    pass\nraise Stop()",
    "exception-group-of-base": (
        "raise BaseExceptionGroup('g', [KeyboardInterrupt(), asyncio.CancelledError()])"
    ),
    "system-exit-in-task": (
        "async def f():\n    raise SystemExit(1)\n"
        "async def main():\n    asyncio.create_task(f())\n    await asyncio.sleep(0.01)\n"
        "    raise ValueError('after')"
    ),
    "keyboard-interrupt-awaited-task": (
        "async def f():\n    raise KeyboardInterrupt()\n"
        "async def main():\n    return await asyncio.create_task(f())"
    ),
    "keyboard-interrupt-in-gather": (
        "async def f():\n    raise KeyboardInterrupt()\n"
        "async def main():\n    return await asyncio.gather(f(), f())"
    ),
    "system-exit-in-task-group": (
        "async def f():\n    raise SystemExit(2)\n"
        "async def main():\n    async with asyncio.TaskGroup() as g:\n        g.create_task(f())"
    ),
    "cancel-own-task-handle": (
        "async def f():\n    await asyncio.sleep(5)\n"
        "async def main():\n    t = asyncio.create_task(f())\n    await asyncio.sleep(0)\n"
        "    t.cancel()\n    return await t"
    ),
}


@pytest.mark.parametrize("name", sorted(RAISES))
async def test_base_exceptions_are_error_results(
    executor: Executor, tools: list[Any], name: str
) -> None:
    cm = Codemode(tools, executor=executor, timeout=5)
    result = await cm.execute(RAISES[name])
    assert result.error is not None, result
    assert result.error.type in ("runtime", "policy"), result.error
    task = asyncio.current_task()
    assert task is not None and task.cancelling() == 0
    assert (await cm.execute("return 4")).value == 4


async def test_the_callers_own_cancellation_propagates(
    executor: Executor, tools: list[Any]
) -> None:
    """Only a cancellation of the caller's task leaves `execute`, even when the program swallows
    the CancelledError it is handed."""
    cm = Codemode(tools, executor=executor, timeout=5)
    swallow = (
        "async def main():\n    for _ in range(3):\n        try:\n"
        "            await asyncio.sleep(0.2)\n        except BaseException:\n            pass\n"
        "    return 'kept going'"
    )
    for code in (swallow, "async def main():\n    await asyncio.sleep(5)"):
        task = asyncio.ensure_future(cm.execute(code))
        await asyncio.sleep(0.05)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert (await cm.execute("return 5")).value == 5


# -- 11: memory grown step by step --------------------------------------------------------------

GROWERS: dict[str, str] = {
    "append-strings": "x = []\nwhile True:\n    x.append('y' * 1000 + str(len(x)))",
    "dict-of-lists": "d = {}\ni = 0\nwhile True:\n    d[i] = list(range(100))\n    i += 1",
    "awaiting-grower": (
        "async def main():\n    x = []\n    while True:\n        x.append(bytearray(100_000))\n"
        "        await asyncio.sleep(0)"
    ),
    "in-a-task": (
        "async def grow(x):\n    while True:\n        x.append(str(len(x)) * 50)\n"
        "async def main():\n    x = []\n    await asyncio.create_task(grow(x))"
    ),
}


@pytest.mark.parametrize("name", sorted(GROWERS))
async def test_memory_grown_step_by_step_is_stopped(
    executor: Executor, tools: list[Any], name: str
) -> None:
    cm = Codemode(tools, executor=executor, timeout=20, memory_mb=100)
    gc.collect()
    before = resident_memory()
    result = await cm.execute(GROWERS[name])
    grown = resident_memory() - before
    assert result.error is not None and result.error.type == "memory", result.error
    if not isinstance(executor, SubprocessExecutor):  # there it may be the worker's rlimit
        assert "100 MB" in result.error.message, result.error
    # The host grew less than the limit plus a margin (the watchdog samples every 20 ms).
    assert grown < (100 + 64) << 20, f"the host grew by {grown >> 20} MB"
    assert (await cm.execute("return 6")).value == 6


@pytest.mark.parametrize("executor", ["inprocess"], indirect=True)
async def test_typing_caches_keep_no_program_objects(executor: Executor, tools: list[Any]) -> None:
    """`typing` caches subscriptions process-wide, keyed by their arguments: after a run, none of
    them holds an object of the program (whose `__eq__` a later lookup would run)."""
    cm = Codemode(tools, executor=executor, timeout=5)
    code = (
        "import typing\nclass PlantedKey:\n    def __hash__(self):\n        return 1\n"
        "    def __eq__(self, other):\n        return True\n"
        "typing.Literal[PlantedKey()]\nT = typing.TypeVar('T')\n"
        "class G(typing.Generic[T]):\n    pass\nG[PlantedKey]\nreturn 1"
    )
    result = await cm.execute(code)
    assert result.value == 1, result.error
    gc.collect()

    def planted(obj: Any) -> bool:
        # exact strings only: other tests' leftovers may hold program `str` subclasses
        try:
            names = [type(obj).__name__, obj.__name__ if isinstance(obj, type) else None]
        except ReferenceError:  # a dead weak proxy among the objects
            return False
        return any(type(name) is str and name == "PlantedKey" for name in names)

    assert not [obj for obj in gc.get_objects() if planted(obj)]


PROCESS_WIDE: dict[str, str] = {
    "copyreg": "import copyreg\ncopyreg.pickle(list, lambda x: (list, ()))",
    "codecs-register": "import codecs\ncodecs.register(lambda name: None)",
    "codecs-through-json": "import json\njson.codecs.register(lambda name: None)",
    "atexit": "import atexit\natexit.register(print)",
    "warnings-filters": "import warnings\nwarnings.simplefilter('error')",
    "recursion-limit": "import sys\nsys.setrecursionlimit(10)",
    "locale": "import locale\nlocale.setlocale(locale.LC_ALL, 'C')",
    "decimal-context": "import decimal\ndecimal.getcontext().prec = 2",
    "decimal-setcontext": "import decimal\ndecimal.setcontext(decimal.Context(prec=2))",
    "random-host-seed": "import random\nrandom.seed(1)\nreturn random.random()",
    "time-tzset": "import time\ntime.tzset()",
    "enum-global": "import enum\nenum.global_enum",
    "typing-clear-overloads": "import typing\ntyping.clear_overloads()",
    "abc-cache-token": "import abc\nabc.get_cache_token()",
}


@pytest.mark.parametrize("name", sorted(PROCESS_WIDE))
async def test_process_wide_state_is_out_of_reach(
    executor: Executor, tools: list[Any], name: str
) -> None:
    """Registries and settings of the whole process: unreachable (or, for `random` and
    `decimal`, the run's own), so a run cannot change what later runs or the host see."""
    import decimal
    import random

    state = random.getstate()
    precision = decimal.getcontext().prec
    cm = Codemode(tools, executor=executor, timeout=5)
    result = await cm.execute(PROCESS_WIDE[name])
    if result.error is None:  # only the run's own generator and context may be touched
        assert name in ("random-host-seed", "decimal-context", "decimal-setcontext"), result
    assert random.getstate() == state
    assert decimal.getcontext().prec == precision
    assert (await cm.execute("return 7")).value == 7
    # the next run starts from a context of its own, not the one this run changed
    assert (await cm.execute("import decimal\nreturn decimal.getcontext().prec")).value == 28
