"""The `asyncio` facade: tasks belong to the execution and reach model code behind `TaskHandle`,
with no way to the event loop."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Iterator
from types import TracebackType
from typing import Any

from ._replay import child_context
from ._runtime import Execution, PolicyError, contained, current

_TASK_CALLBACKS = frozenset({"add_done_callback", "remove_done_callback"})


class TaskHandle:
    """A task as model code sees it: awaitable, cancellable, no way to its event loop."""

    __slots__ = ("_cm_task_",)
    _cm_task_: asyncio.Future[Any]

    def __init__(self, task: asyncio.Future[Any]) -> None:
        object.__setattr__(self, "_cm_task_", task)

    def __getattr__(self, name: str) -> Any:
        error = AttributeError(f"'TaskHandle' object has no attribute {name!r}")
        if name in _TASK_CALLBACKS:
            # a callback would run the program's code on the host's loop, outside its tasks
            error.add_note(
                f"codemode: task.{name} is not available; await the task (or asyncio.gather, "
                "asyncio.as_completed) and act on its result"
            )
        raise error

    def __await__(self) -> Any:
        return self._cm_task_.__await__()

    def done(self) -> bool:
        return bool(self._cm_task_.done())

    def cancelled(self) -> bool:
        return bool(self._cm_task_.cancelled())

    def cancel(self, msg: Any = None) -> bool:
        return bool(self._cm_task_.cancel(msg))

    def result(self) -> Any:
        return self._cm_task_.result()

    def exception(self) -> BaseException | None:
        error: BaseException | None = self._cm_task_.exception()
        return error

    def get_name(self) -> str:
        task = self._cm_task_
        return task.get_name() if isinstance(task, asyncio.Task) else ""

    def __repr__(self) -> str:
        state = "done" if self.done() else "pending"
        return f"<Task {self.get_name()} {state}>"

    def __setattr__(self, name: str, value: Any) -> None:
        raise PolicyError("tasks cannot be changed")


class MainTask:
    """The task running the program's top level, which belongs to the executor: cancelling it
    would cancel the caller of `execute`, and so would a task awaiting it when the execution's
    tasks are cancelled at its end. It can be looked at, not cancelled or awaited. It is not a
    `TaskHandle` with those methods overridden: `TaskHandle.cancel(main)`, read from the class
    `type()` shows for a handle, would reach the base's method past the override."""

    __slots__ = ("_cm_main_",)
    _cm_main_: asyncio.Future[Any]

    def __init__(self, task: asyncio.Future[Any]) -> None:
        object.__setattr__(self, "_cm_main_", task)

    def done(self) -> bool:
        return bool(self._cm_main_.done())

    def cancelled(self) -> bool:
        return bool(self._cm_main_.cancelled())

    def result(self) -> Any:
        return self._cm_main_.result()

    def exception(self) -> BaseException | None:
        error: BaseException | None = self._cm_main_.exception()
        return error

    def get_name(self) -> str:
        task = self._cm_main_
        return task.get_name() if isinstance(task, asyncio.Task) else ""

    def cancel(self, msg: Any = None) -> bool:
        raise PolicyError("the program's main task cannot be cancelled: return from it instead")

    def __await__(self) -> Any:
        raise PolicyError("the program's main task cannot be awaited: it is the one running")

    def __repr__(self) -> str:
        state = "done" if self.done() else "pending"
        return f"<Task {self.get_name()} {state}>"

    def __setattr__(self, name: str, value: Any) -> None:
        raise PolicyError("tasks cannot be changed")


def _no_loop(loop: Any) -> None:
    if loop is not None:
        raise PolicyError("there is no event loop to pass in codemode: leave `loop` out")


def _asyncio_module() -> dict[str, Any]:
    # Each function takes the parameters asyncio's does (names, kinds, defaults).

    def gather(*coros_or_futures: Any, return_exceptions: bool = False) -> TaskHandle:
        execution = current()
        spawned: dict[Any, asyncio.Future[Any]] = {}  # a repeated awaitable runs once, as there
        futures = []
        for aw in map(_unwrap, coros_or_futures):
            if aw not in spawned:
                spawned[aw] = execution.spawn(aw)
            futures.append(spawned[aw])
        # The gathering future goes back behind a handle: awaitable, no way to its loop.
        gathering = asyncio.gather(*futures, return_exceptions=return_exceptions)
        execution.adopt(gathering)
        return TaskHandle(gathering)

    def create_task(coro: Any, *, name: str | None = None, context: None = None) -> TaskHandle:
        if context is not None:
            raise PolicyError("create_task() takes no context in codemode")
        task = current().spawn(coro)
        if name is not None and isinstance(task, asyncio.Task):
            task.set_name(name)
        return TaskHandle(task)

    def ensure_future(coro_or_future: Any, *, loop: None = None) -> TaskHandle:
        _no_loop(loop)
        return TaskHandle(current().spawn(_unwrap(coro_or_future)))

    async def wait_for(fut: Any, timeout: float | None) -> Any:
        return await asyncio.wait_for(current().spawn(_unwrap(fut)), timeout)

    def as_completed(fs: Iterable[Any], *, timeout: float | None = None) -> Iterator[Any]:
        execution = current()
        return asyncio.as_completed([execution.spawn(_unwrap(aw)) for aw in fs], timeout=timeout)

    class TaskGroup:
        """`asyncio.TaskGroup` whose tasks belong to the execution."""

        __slots__ = ("_cm_group_",)
        _cm_group_: asyncio.TaskGroup

        def __init__(self) -> None:
            object.__setattr__(self, "_cm_group_", asyncio.TaskGroup())

        async def __aenter__(self) -> TaskGroup:
            group = self._cm_group_
            await group.__aenter__()
            _answer_to_run(group, "_parent_task")
            return self

        async def __aexit__(self, *exc: Any) -> Any:
            return await self._cm_group_.__aexit__(*exc)

        def create_task(self, coro: Any, *, name: str | None = None) -> TaskHandle:
            if asyncio.iscoroutine(coro):
                coro = contained(coro)
            # in a run that may pause, the task's own slot (see `_replay.TaskSlot`)
            task = self._cm_group_.create_task(coro, name=name, context=child_context())
            current().adopt(task)
            return TaskHandle(task)

    async def wait(
        fs: Iterable[Any],
        *,
        timeout: float | None = None,
        return_when: str = asyncio.ALL_COMPLETED,
    ) -> tuple[set[TaskHandle], set[TaskHandle]]:
        execution = current()
        handles: dict[asyncio.Future[Any], TaskHandle] = {}
        for aw in fs:
            if isinstance(aw, MainTask):
                _unwrap(aw)  # refused, as everywhere
            handle = aw if isinstance(aw, TaskHandle) else TaskHandle(execution.spawn(aw))
            handles[_unwrap(handle)] = handle
        done, pending = await asyncio.wait(handles, timeout=timeout, return_when=return_when)
        return {handles[f] for f in done}, {handles[f] for f in pending}

    def shield(arg: Any) -> TaskHandle:
        # The outer future is the run's too: one that failed and was never awaited would be
        # logged when collected ("Future exception was never retrieved", with the program's
        # traceback and message) on the host's stderr.
        execution = current()
        outer = asyncio.shield(execution.spawn(_unwrap(arg)))
        execution.adopt(outer)
        return TaskHandle(outer)

    def current_task(loop: None = None) -> TaskHandle | MainTask | None:
        _no_loop(loop)
        task = asyncio.current_task()
        if task is None:
            return None
        if task in current().tasks:
            return TaskHandle(task)
        return MainTask(task)  # the program's own top level: it ends by returning

    def timeout(delay: float | None) -> Timeout:
        when = None if delay is None else asyncio.get_running_loop().time() + delay
        return Timeout(when)

    def run(main: Any, *, debug: bool | None = None) -> Any:
        raise PolicyError(
            "asyncio.run() is not needed: the event loop is already running; `await` instead"
        )

    members: dict[str, Any] = dict(
        gather=gather,
        create_task=create_task,
        ensure_future=ensure_future,
        wait_for=wait_for,
        as_completed=as_completed,
        wait=wait,
        shield=shield,
        current_task=current_task,
        FIRST_COMPLETED=asyncio.FIRST_COMPLETED,
        FIRST_EXCEPTION=asyncio.FIRST_EXCEPTION,
        ALL_COMPLETED=asyncio.ALL_COMPLETED,
        TaskGroup=TaskGroup,
        run=run,
        sleep=asyncio.sleep,
        timeout=timeout,
        timeout_at=Timeout,
        Timeout=Timeout,
        Semaphore=asyncio.Semaphore,
        Barrier=asyncio.Barrier,
        BrokenBarrierError=asyncio.BrokenBarrierError,
        BoundedSemaphore=asyncio.BoundedSemaphore,
        Lock=asyncio.Lock,
        Event=asyncio.Event,
        Condition=asyncio.Condition,
        Queue=asyncio.Queue,
        LifoQueue=asyncio.LifoQueue,
        PriorityQueue=asyncio.PriorityQueue,
        QueueEmpty=asyncio.QueueEmpty,
        QueueFull=asyncio.QueueFull,
        CancelledError=asyncio.CancelledError,
        TimeoutError=asyncio.TimeoutError,
        InvalidStateError=asyncio.InvalidStateError,
        iscoroutine=asyncio.iscoroutine,
        iscoroutinefunction=asyncio.iscoroutinefunction,
    )
    return members


def _unwrap(aw: Any) -> Any:
    if isinstance(aw, MainTask):  # it would join the execution's tasks, cancelled at its end
        raise PolicyError("the program's main task cannot be awaited: it is the one running")
    return object.__getattribute__(aw, "_cm_task_") if isinstance(aw, TaskHandle) else aw


class Timeout(asyncio.Timeout):  # type: ignore[misc]  # final to typeshed, not at run time
    """`asyncio.timeout` that answers to the run: it cancels the run's task through
    `_RunTask`, and a timeout the program enters and never leaves is disarmed when the run
    ends (asyncio's own would cancel the caller's task a moment later)."""

    async def __aenter__(self) -> Timeout:
        await super().__aenter__()
        current().timers.append(self)
        _answer_to_run(self, "_task")
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_val: BaseException | None,
        exc_tb: TracebackType | None,
    ) -> None:
        try:
            await super().__aexit__(exc_type, exc_val, exc_tb)
        finally:
            timers = current().timers
            if self in timers:
                timers.remove(self)


def _answer_to_run(primitive: Any, attribute: str) -> None:
    """A timeout or task group entered in the run's own task (the caller's, which runs the
    program's main) cancels it through `_RunTask`, which keeps count."""
    execution = current()
    waker = execution.waker
    task = getattr(primitive, attribute, None)
    if waker is not None and isinstance(task, asyncio.Task) and task is waker[1]:
        setattr(primitive, attribute, _RunTask(task, execution))


class _RunTask:
    """The caller's task as the program's timeouts and task groups see it: their `cancel`s are
    counted as the run's own (so they are never taken for the caller's cancellation, and are
    undone when the run ends), and once the run is over they do nothing. An `uncancel` undoes
    only a `cancel` made through this object: never one of the caller's own."""

    __slots__ = ("_cancels", "_execution", "_task")

    def __init__(self, task: asyncio.Task[Any], execution: Execution) -> None:
        self._task = task
        self._execution = execution
        self._cancels = 0

    def cancel(self, msg: Any = None) -> bool:
        if self._execution.dead:
            return False
        self._execution.cancels += 1
        self._cancels += 1
        return self._task.cancel(msg)

    def uncancel(self) -> int:
        if self._execution.dead or not self._cancels:
            return self._task.cancelling()
        self._cancels -= 1
        self._execution.cancels -= 1
        return self._task.uncancel()

    def cancelling(self) -> int:
        return self._task.cancelling()

    def done(self) -> bool:
        return self._task.done()


FACADES: dict[str, Callable[[], dict[str, Any]]] = {"asyncio": _asyncio_module}
