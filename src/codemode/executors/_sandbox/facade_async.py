"""The `asyncio` facade: tasks belong to the execution and reach model code behind `TaskHandle`,
with no way to the event loop."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from ._runtime import PolicyError, current


class TaskHandle:
    """A task as model code sees it: awaitable, cancellable, no way to its event loop."""

    __slots__ = ("_cm_task_",)
    _cm_task_: asyncio.Future[Any]

    def __init__(self, task: asyncio.Future[Any]) -> None:
        object.__setattr__(self, "_cm_task_", task)

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


class MainTask(TaskHandle):
    """The task running the program's top level, which belongs to the executor: cancelling it
    would cancel the caller of `execute`."""

    __slots__ = ()

    def cancel(self, msg: Any = None) -> bool:
        raise PolicyError("the program's main task cannot be cancelled: return from it instead")


def _asyncio_module() -> dict[str, Any]:
    def gather(*aws: Any, return_exceptions: bool = False) -> TaskHandle:
        execution = current()
        spawned: dict[
            Any, asyncio.Future[Any]
        ] = {}  # one future per distinct awaitable, as CPython
        futures = []
        for aw in map(_unwrap, aws):
            if aw not in spawned:
                spawned[aw] = execution.spawn(aw)
            futures.append(spawned[aw])
        # The gathering future goes back behind a handle: awaitable, no way to its loop.
        return TaskHandle(asyncio.gather(*futures, return_exceptions=return_exceptions))

    def create_task(coro: Any, *, name: str | None = None) -> TaskHandle:
        task = current().spawn(coro)
        if name is not None and isinstance(task, asyncio.Task):
            task.set_name(name)
        return TaskHandle(task)

    def ensure_future(aw: Any) -> TaskHandle:
        return TaskHandle(current().spawn(_unwrap(aw)))

    async def wait_for(aw: Any, timeout: float | None) -> Any:
        return await asyncio.wait_for(current().spawn(_unwrap(aw)), timeout)

    def as_completed(aws: Iterable[Any], *, timeout: float | None = None) -> Iterator[Any]:
        execution = current()
        return asyncio.as_completed([execution.spawn(_unwrap(aw)) for aw in aws], timeout=timeout)

    class TaskGroup:
        """`asyncio.TaskGroup` whose tasks belong to the execution."""

        __slots__ = ("_cm_group_",)
        _cm_group_: asyncio.TaskGroup

        def __init__(self) -> None:
            object.__setattr__(self, "_cm_group_", asyncio.TaskGroup())

        async def __aenter__(self) -> TaskGroup:
            await self._cm_group_.__aenter__()
            return self

        async def __aexit__(self, *exc: Any) -> Any:
            return await self._cm_group_.__aexit__(*exc)

        def create_task(self, coro: Any, *, name: str | None = None) -> TaskHandle:
            task = self._cm_group_.create_task(coro, name=name)
            current().tasks.add(task)
            return TaskHandle(task)

    async def wait(
        aws: Iterable[Any],
        *,
        timeout: float | None = None,
        return_when: str = asyncio.ALL_COMPLETED,
    ) -> tuple[set[TaskHandle], set[TaskHandle]]:
        execution = current()
        handles: dict[asyncio.Future[Any], TaskHandle] = {}
        for aw in aws:
            handle = aw if isinstance(aw, TaskHandle) else TaskHandle(execution.spawn(aw))
            handles[_unwrap(handle)] = handle
        done, pending = await asyncio.wait(handles, timeout=timeout, return_when=return_when)
        return {handles[f] for f in done}, {handles[f] for f in pending}

    def shield(aw: Any) -> TaskHandle:
        return TaskHandle(asyncio.shield(current().spawn(_unwrap(aw))))

    def current_task(loop: None = None) -> TaskHandle | None:
        if loop is not None:
            raise PolicyError("current_task() takes no loop in codemode: there is one, running")
        task = asyncio.current_task()
        if task is None:
            return None
        if task in current().tasks:
            return TaskHandle(task)
        return MainTask(task)  # the program's own top level: it ends by returning

    def run(*args: Any, **kwargs: Any) -> Any:
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
        timeout=asyncio.timeout,
        Semaphore=asyncio.Semaphore,
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
    return object.__getattribute__(aw, "_cm_task_") if isinstance(aw, TaskHandle) else aw


FACADES: dict[str, Callable[[], dict[str, Any]]] = {"asyncio": _asyncio_module}
