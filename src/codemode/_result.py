"""What an execution gives back: `ExecuteResult` and its parts.

Everything here is plain data. An executor never raises for what model code does; it returns an
`ExecuteResult` whose `error` says what went wrong.
"""

from __future__ import annotations

import collections
import dataclasses
import datetime as _dt
import decimal
import enum
import fractions
import json
import math
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from ._approvals import PendingCall
from ._text import bounded_repr, exact_str

ErrorType = Literal[
    "syntax",  # the code does not parse
    "runtime",  # an uncaught exception in model code
    "timeout",  # the wall-clock limit was reached
    "memory",  # an allocation was refused or the memory limit was hit
    "policy",  # the code tried something the policy forbids (an import, a dunder, a file)
    "tool",  # a tool raised and model code did not catch it
    "validation",  # a tool call with arguments that do not fit its schema, or an unknown tool
    "output",  # the result could not be returned (too large)
    "crash",  # the executor itself failed (a worker died)
    "overloaded",  # the executor refused the run (queue full, circuit open)
    "replay",  # on resume the program took another path than its checkpoint's journal
]

Status = Literal["completed", "error", "paused"]

LogStream = Literal["stdout", "stderr", "system"]


@dataclass(frozen=True, slots=True)
class ExecuteError:
    """Why an execution failed.

    `line` and `column` point into the model's code (1-based) when known; `traceback` lists the
    model's own frames only, never host paths.
    """

    type: ErrorType
    message: str
    exception: str | None = None
    line: int | None = None
    column: int | None = None
    traceback: str | None = None

    def __post_init__(self) -> None:
        # What leaves a run is exact builtin data: nothing in a result can run model code.
        for name in ("message", "exception", "traceback"):
            value = getattr(self, name)
            if type(value) is not str and value is not None:
                object.__setattr__(self, name, exact_str(value))

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def describe(self) -> str:
        """One line: `runtime error at line 3: ZeroDivisionError: division by zero`."""
        where = f" at line {self.line}" if self.line is not None else ""
        return f"{self.type} error{where}: {self.message}"


@dataclass(frozen=True, slots=True)
class LogEntry:
    """One piece of output: `print` goes to stdout; `system` carries codemode's own notes."""

    stream: LogStream
    text: str

    def __post_init__(self) -> None:
        if type(self.text) is not str:
            object.__setattr__(self, "text", exact_str(self.text))

    def to_dict(self) -> dict[str, Any]:
        return {"stream": self.stream, "text": self.text}


@dataclass(slots=True)
class ToolCall:
    """One call from model code to a tool, in the order the calls started."""

    name: str
    args: dict[str, Any]
    ok: bool
    duration_ms: float
    error: str | None = None
    warning: str | None = None  # e.g. the result does not match the tool's output schema

    def to_dict(self) -> dict[str, Any]:
        out = {
            "name": self.name,
            "args": self.args,
            "ok": self.ok,
            "duration_ms": self.duration_ms,
            "error": self.error,
        }
        if self.warning is not None:
            out["warning"] = self.warning
        return out


@dataclass(frozen=True, slots=True)
class ExecuteResult:
    """The outcome of running model code.

    `status` is `"completed"` (then `ok` is true), `"error"` or `"paused"`. `value` is JSON-safe
    (see `to_jsonable`). When the run failed, `error` says why and `value` is None; logs and tool
    calls made before the failure are kept either way. A paused run waits for decisions on the
    calls in `pending`; `checkpoint` (plain JSON data) is what `Codemode.resume` continues from.
    """

    ok: bool
    value: Any = None
    error: ExecuteError | None = None
    logs: tuple[LogEntry, ...] = ()
    tool_calls: tuple[ToolCall, ...] = ()
    duration_ms: float = 0.0
    pending: tuple[PendingCall, ...] = ()
    checkpoint: dict[str, Any] | None = dataclasses.field(default=None, repr=False)  # large

    @property
    def status(self) -> Status:
        if self.ok:
            return "completed"
        return "error" if self.error is not None or not self.pending else "paused"

    @property
    def stdout(self) -> str:
        """Everything the code printed, joined."""
        return "".join(entry.text for entry in self.logs if entry.stream != "system")

    def to_dict(self) -> dict[str, Any]:
        data = {
            "ok": self.ok,
            "status": self.status,
            "value": self.value,
            "error": self.error.to_dict() if self.error else None,
            "logs": [entry.to_dict() for entry in self.logs],
            "tool_calls": [call.to_dict() for call in self.tool_calls],
            "duration_ms": self.duration_ms,
        }
        if self.pending:
            data["pending"] = [call.to_dict() for call in self.pending]
            data["checkpoint"] = self.checkpoint
        return data

    def to_text(self, max_chars: int = 8000) -> str:
        """A compact answer for the model: the output, then the result or the error.

        Longer text is cut inside its sections, never through their headers (`Output:`,
        `Result:`, `Error: ...`) or the tool-call count: the output gets at least a third of the
        room when it needs it, the result or error the rest, each cut in the middle with a
        visible `[... N characters truncated ...]` marker.
        """
        output = "".join(
            entry.text if entry.stream != "system" else f"[codemode] {entry.text}\n"
            for entry in self.logs
        ).rstrip("\n")
        if self.ok:
            head, body = "Result:\n", _dump_for_text(self.value)
        elif self.error is None:
            waiting = "\n".join("- " + call.describe() for call in self.pending)
            head = f"Paused: waiting for approval of {len(self.pending)} call(s):\n"
            body = waiting
        else:
            assert self.error is not None
            head, body = "Error: ", self.error.describe()
            trace = self.error.traceback.rstrip() if self.error.traceback else ""
            lines = trace.splitlines()
            if lines and lines[-1].strip() == self.error.message.strip():
                lines.pop()  # the traceback's last line says the message again
            if lines:
                body += "\n" + "\n".join(lines)
        calls = len(self.tool_calls)
        footer = ""
        if calls:
            failed = sum(1 for call in self.tool_calls if not call.ok)
            footer = f"\n\n({calls} tool call{'s' if calls != 1 else ''}, {failed} failed)"
        out_head = "Output:\n" if output else ""
        out_sep = "\n\n" if output else ""
        room = max_chars - len(out_head) - len(out_sep) - len(head) - len(footer)
        if len(output) + len(body) > room:
            room = max(room, 0)
            out_room = min(len(output), max(room // 3, room - len(body)))
            output = truncate_text(output, out_room) if output else ""
            body = truncate_text(body, room - out_room)
        return f"{out_head}{output}{out_sep}{head}{body}{footer}"

    def _repr_html_(self) -> str:
        from ._display import result_html  # rich display in notebooks, loaded on use

        return result_html(self)

    def _repr_markdown_(self) -> str:
        from ._display import result_markdown

        return result_markdown(self)


def seconds(value: float) -> str:
    """`1 second`, `0.5 seconds`, `30 seconds`: a time limit as a message says it."""
    return f"{value:g} second{'' if value == 1 else 's'}"


def truncate_text(text: str, max_chars: int) -> str:
    """Cut `text` to at most `max_chars`, keeping head and tail with a marker in between."""
    if len(text) <= max_chars:
        return text
    marker = "\n[... {} characters truncated ...]\n"
    budget = max(max_chars - len(marker.format(len(text))), 0)
    head = budget * 2 // 3
    tail = budget - head
    cut = len(text) - head - tail
    return text[:head] + marker.format(cut) + (text[len(text) - tail :] if tail else "")


def _dump_for_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    try:
        return json.dumps(value, ensure_ascii=False, indent=1 if _is_big(value) else None)
    except (TypeError, ValueError):
        return repr(value)


def _is_big(value: Any) -> bool:
    return isinstance(value, dict | list) and len(value) > 8


_MAX_DEPTH = 100


class TooLarge(Exception):
    """A value holds more items than `budget` characters of JSON could: found while converting,
    before the whole of it was walked."""

    def __init__(self, budget: int) -> None:
        super().__init__(f"more than {budget} items")
        self.budget = budget

    def error(self) -> ExecuteError:
        """The `output` error of a result found too large this way."""
        return ExecuteError(
            type="output",
            message=(
                f"the result holds more than {self.budget} items, over the limit of "
                f"{self.budget} characters as JSON; return less"
            ),
        )


def to_jsonable(value: Any, notes: list[str] | None = None, *, budget: int | None = None) -> Any:
    """Convert `value` into data `json.dumps` accepts, noting every lossy conversion in `notes`.

    datetime, date and time become ISO strings; sets, tuples and deques lists; dataclasses and pydantic
    models dicts; Decimal, Fraction and UUID strings; enums their value; bytes a UTF-8 string (or
    their repr); NaN and infinities strings; anything else its repr.

    With a `budget` (characters of JSON), raises `TooLarge` as soon as the items met so far pass
    it. The conversion copies a structure into a tree, and a structure that holds one object at
    many places is small while its tree is not: 40 lists that each hold the one before twice
    make a tree of 2**40 lists. Every item is at least one character of JSON, so counting the
    items met bounds the work by the budget, whatever the sharing.
    """
    kind = type(value)
    if kind in _SCALARS and (kind is not int or value.bit_length() <= _MAX_INT_BITS):
        return value
    left = _Budget(budget)
    if kind is dict or kind is list:
        fast = _plain_copy(value, 0, left)
        if fast is not _NOT_PLAIN:
            return fast
        left = _Budget(budget)  # the fast path gave up part way: count again from the start
    if notes is None:
        notes = []
    return _convert(value, notes, 0, set(), left)


class _Budget:
    """The items a conversion may still meet: each container takes its length plus one."""

    __slots__ = ("budget", "left")

    def __init__(self, budget: int | None) -> None:
        self.budget = budget
        self.left = _UNBOUNDED if budget is None else budget

    def take(self, container: Any) -> None:
        self.left -= len(container) + 1
        if self.left < 0:
            raise TooLarge(self.budget if self.budget is not None else _UNBOUNDED)


_UNBOUNDED = 1 << 62


_SCALARS = frozenset({str, int, bool, type(None)})
_MAX_INT_BITS = 14_000  # about 4,200 digits: CPython will not write longer ints as decimal
_NOT_PLAIN = object()


def _plain_copy(value: Any, depth: int, left: _Budget) -> Any:
    """A copy of dicts and lists of plain JSON scalars, or `_NOT_PLAIN` (the common fast path)."""
    if depth > 20:
        return _NOT_PLAIN
    left.take(value)
    if type(value) is dict:
        out = {}
        for key, item in value.items():
            if type(key) is not str:
                return _NOT_PLAIN
            item = _plain_item(item, depth, left)
            if item is _NOT_PLAIN:
                return _NOT_PLAIN
            out[key] = item
        return out
    items = []
    for item in value:
        item = _plain_item(item, depth, left)
        if item is _NOT_PLAIN:
            return _NOT_PLAIN
        items.append(item)
    return items


def _plain_item(item: Any, depth: int, left: _Budget) -> Any:
    kind = type(item)
    if kind in _SCALARS:
        return item if kind is not int or item.bit_length() <= _MAX_INT_BITS else _NOT_PLAIN
    if kind is float:
        return item if math.isfinite(item) else _NOT_PLAIN
    if kind is dict or kind is list:
        return _plain_copy(item, depth + 1, left)
    return _NOT_PLAIN


def _convert(value: Any, notes: list[str], depth: int, seen: set[int], left: _Budget) -> Any:
    if type(value) is int and value.bit_length() > _MAX_INT_BITS:
        notes.append(
            f"an integer of about {int(value.bit_length() * 0.30103)} digits was returned as "
            "a hexadecimal string (too long for JSON)"
        )
        return hex(value)
    if value is None or type(value) in (bool, int, str):
        return value
    if isinstance(value, enum.Enum):
        return _convert(value.value, notes, depth + 1, seen, left)
    if isinstance(value, bool | int | str):  # subclasses: keep the plain value
        return _scalar(value)
    if isinstance(value, float):
        if math.isfinite(value):
            return float.__float__(value)
        text = float.__repr__(value)
        notes.append(f"the float {text} was returned as a string")
        return text
    if depth > _MAX_DEPTH:
        notes.append("a value nested too deeply was returned as its repr")
        return _safe_repr(value)
    marker = id(value)
    if marker in seen:
        notes.append("a value that contains itself was returned as a repr at the cycle")
        return "<cycle>"
    if isinstance(value, Mapping):
        left.take(value)
        seen.add(marker)
        out: dict[str, Any] = {}
        for key, item in value.items():
            out[_key(key, notes)] = _convert(item, notes, depth + 1, seen, left)
        seen.discard(marker)
        return out
    if isinstance(value, list | tuple | set | frozenset | collections.deque):
        left.take(value)
        seen.add(marker)
        items = value
        if isinstance(value, set | frozenset):
            try:
                items = sorted(value)
            except TypeError:
                items = list(value)
        converted = [_convert(item, notes, depth + 1, seen, left) for item in items]
        seen.discard(marker)
        return converted
    if isinstance(value, _dt.datetime | _dt.date | _dt.time):
        return _text(value.isoformat())
    if isinstance(value, _dt.timedelta):
        return _convert(value.total_seconds(), notes, depth + 1, seen, left)
    if isinstance(value, decimal.Decimal | fractions.Fraction | uuid.UUID):
        return _text(str(value))
    if isinstance(value, bytes | bytearray):
        # CPython's own copy: a subclass's `__bytes__` or `decode` is not asked
        data = bytes.__bytes__(value) if isinstance(value, bytes) else bytes(bytearray.copy(value))
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            notes.append("bytes that are not UTF-8 were returned as their repr")
            return repr(data)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = dataclasses.fields(value)
        left.take(fields)
        seen.add(marker)
        out = {
            f.name: _convert(getattr(value, f.name), notes, depth + 1, seen, left) for f in fields
        }
        seen.discard(marker)
        return out
    dump = getattr(type(value), "model_dump", None)
    if dump is not None and hasattr(type(value), "model_fields"):
        return _convert(value.model_dump(mode="json"), notes, depth + 1, seen, left)
    text = _safe_repr(value)
    notes.append(f"a {exact_str(type(value).__name__)} was returned as its repr")
    return text


def _scalar(value: Any) -> Any:
    """The exact builtin value of a subclass instance, copied by CPython's own methods (a
    subclass's `__int__`, `__str__` or `__eq__` is not asked)."""
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, int):
        return int.__int__(value)
    return str.__str__(value)


def _text(text: Any) -> str:
    """What a conversion method gave, as an exact `str` (a model's `__str__` may return a
    `str` subclass, or no string at all)."""
    if type(text) is str:
        return text
    return str.__str__(text) if isinstance(text, str) else _safe_repr(text)


def _key(key: Any, notes: list[str]) -> str:
    if isinstance(key, str):
        return str.__str__(key)
    if isinstance(key, bool) or key is None:
        return json.dumps(key)
    if isinstance(key, int):
        return int.__repr__(key)
    if isinstance(key, float):
        return float.__repr__(key)
    notes.append(f"a {type(key).__name__} dict key was returned as a string")
    return _safe_repr(key)


def _safe_repr(value: Any) -> str:
    try:
        text = bounded_repr(value, 2000)
    except Exception as exc:  # a model-defined __repr__ may raise
        text = f"<{exact_str(type(value).__name__)} object (repr failed: {type(exc).__name__})>"
    return text if len(text) <= 2000 else text[:2000] + "..."


@dataclass(frozen=True, slots=True)
class Limits:
    """Bounds for one execution. `None` means no bound (timeout) or the executor's default."""

    timeout: float | None = 30.0
    max_tool_calls: int | None = 1000
    max_log_chars: int = 20_000
    max_result_chars: int = 100_000
    max_tool_arg_chars: int = 1_000_000
    # How much the process may grow during the run (in-process: resident memory sampled by the
    # watchdog; subprocess: also the worker's address-space limit). None: the executor's default.
    memory_mb: int | None = None

    def replace(self, **changes: Any) -> Limits:
        """A copy with the given limits changed; `None` values leave a limit as it is."""
        given = {k: v for k, v in changes.items() if v is not None}
        return dataclasses.replace(self, **given) if given else self


__all__ = [
    "ErrorType",
    "ExecuteError",
    "ExecuteResult",
    "Limits",
    "LogEntry",
    "Status",
    "TooLarge",
    "ToolCall",
    "seconds",
    "to_jsonable",
    "truncate_text",
]
