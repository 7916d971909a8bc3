"""Approvals: tools that wait for a decision, runs that pause there, and resuming by replay.

A tool made with `requires_approval` does not run when model code calls it: the call waits, the
program runs on until nothing else can move, and the run stops with `status == "paused"` and the
waiting calls in `ExecuteResult.pending`. Nothing of the run is kept alive. `Codemode.resume`
runs the program again from the start with the decisions; every tool call the first run made is
answered from the checkpoint's journal instead of running again, so each side effect happens once.

This module is the host's half and plain data: the journal of one run, the checkpoint it becomes,
and the decisions. The program's half (holding calls until the program settles, replaying the
clock and the random seed) lives with the executors. Standard library only: the subprocess
worker imports the executors' base, which imports this.
"""

from __future__ import annotations

import contextvars
import hashlib
import json
import secrets
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ._errors import ToolArgumentError, ToolCallLimitError, ToolError

if TYPE_CHECKING:
    from ._tools import Tool

CHECKPOINT_VERSION = 1


@dataclass(frozen=True, slots=True)
class PendingCall:
    """A tool call waiting for a decision.

    `id` is what `Codemode.resume(approve=[...], reject={...})` names; `tool` is the name model
    code calls the tool by; `args` are the validated arguments, JSON-safe.
    """

    id: str
    tool: str
    args: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "tool": self.tool, "args": self.args}

    def describe(self) -> str:
        """`refund(order_id='A1', amount=250) [id ap_1f2e]`."""
        shown = ", ".join(f"{key}={value!r}" for key, value in self.args.items())
        return f"{self.tool}({shown}) [id {self.id}]"


@dataclass(frozen=True, slots=True)
class Reject:
    """The decision to refuse a call; the program gets a `ToolError` with `reason`."""

    reason: str = "rejected"


Decision = bool | Reject | None
"""`True` approves, `False` or `Reject(reason)` rejects, `None` leaves the call waiting."""

ApprovalCallback = Callable[[PendingCall], "Decision | Awaitable[Decision]"]


@dataclass(frozen=True, slots=True)
class Paused:
    """The event `on_event` receives when a run pauses, with the calls that wait."""

    pending: tuple[PendingCall, ...]


class CheckpointError(ValueError):
    """A checkpoint that cannot be resumed here (other code, other tools, not a checkpoint), or
    decisions that name calls the checkpoint does not wait on."""


class ReplayDivergenceError(Exception):
    """On resume the program made a call its journal does not have where a journaled call was
    due: it took another path than the first time. The run stops with an error of type
    `replay` rather than doing something new."""


class ApprovalPending(Exception):
    """From the bridge to the program's side: this call waits for a decision. Never reaches
    model code (the tool proxy holds the call instead)."""


# -- the journal of one run -----------------------------------------------------------------


Position = tuple[int, ...]
"""Where a call is in the program: the path of the task that made it (the main program is `()`,
the 2nd task the main program started is `(1,)`, its own 1st is `(1, 0)`), then the count of
that task's calls before it. Calls of concurrent branches keep their positions whatever order
they run in."""

CALL_POSITION: contextvars.ContextVar[Position | None] = contextvars.ContextVar(
    "codemode_call_position", default=None
)
"""Set by the program's side of a run that may pause, for the bridge: the position of the call
being made (`ToolBridge` reads it; the subprocess worker sends it with the call)."""


def _canonical(args: Any) -> str:
    return json.dumps(args, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


class Journal:
    """The host's record of one run that may pause, and the replay of the runs before it.

    Replay answers a call from the journal by its position (see `Position`): the same task, the
    same count of calls before it. A call there with another tool or other arguments means the
    program took another path: `ReplayDivergenceError`.
    """

    def __init__(
        self,
        *,
        code: str,
        fingerprint: str,
        seed: int | None = None,
        clock: Mapping[str, Any] | None = None,
        entries: Iterable[dict[str, Any]] = (),
        pending: Iterable[dict[str, Any]] = (),
        approve: Iterable[str] = (),
        reject: Mapping[str, str] | None = None,
    ) -> None:
        self.code = code
        self.fingerprint = fingerprint
        self.seed = secrets.randbits(63) if seed is None else seed
        # clock readings the program replays: per task path ("" for the main program, "1.0")
        self.clock: dict[str, Any] = dict(clock or {})
        self.new_clock: dict[str, Any] | None = None  # the readings of this run, once it stops
        self.entries: list[dict[str, Any]] = []  # this run's journal, in the order of outcomes
        self.pending: list[PendingCall] = []
        self._held: list[dict[str, Any]] = []  # the pending calls as the checkpoint keeps them
        self._sequence = 0  # positions for calls that come without one (another executor)
        self._old: dict[Position, dict[str, Any]] = {}
        self._waiting: dict[Position, dict[str, Any]] = {}
        for entry in entries:
            self._old[tuple(entry["at"])] = entry
        reject = dict(reject or {})
        approved = set(approve)
        for held in pending:
            decided = dict(held)
            if held["id"] in approved:
                decided["decision"] = True
            elif held["id"] in reject:
                decided["decision"] = Reject(str(reject[held["id"]]))
            self._waiting[tuple(held["at"])] = decided
        self.left = len(self._old) + len(self._waiting)  # journaled calls not made again yet

    @property
    def replaying(self) -> bool:
        """Whether calls of the runs before this one are still to come."""
        return self.left > 0

    def position(self) -> Position:
        """The position of the call being made (a sequence number when none was given)."""
        at = CALL_POSITION.get()
        if at is None:
            self._sequence += 1
            return (-1, self._sequence)
        return at

    def match(self, name: str, recorded: dict[str, Any], at: Position) -> dict[str, Any] | None:
        """The journaled outcome or the held call at position `at`, or None for a new call.

        Raises `ReplayDivergenceError` when the journal has another call there.
        """
        entry = self._old.pop(at, None)
        if entry is None:
            entry = self._waiting.pop(at, None)
            if entry is None:
                return None
        else:
            self.entries.append(entry)
        self.left -= 1
        if entry["tool"] != name or _canonical(entry["args"]) != _canonical(recorded):
            raise ReplayDivergenceError(
                f"the program took another path on replay: it called "
                f"{_describe(name, recorded)} where it called "
                f"{_describe(entry['tool'], entry['args'])} the first time"
            )
        return entry

    def due(self) -> str:
        """The journaled calls not made again yet, for an error message."""
        due = [*self._old.values(), *self._waiting.values()]
        shown = "; ".join(_describe(e["tool"], e["args"]) for e in due[:3])
        more = f" (and {len(due) - 3} more)" if len(due) > 3 else ""
        were = "calls were" if len(due) != 1 else "call was"
        return f"{len(due)} journaled {were} not made again: {shown}{more}"

    def record(
        self, name: str, recorded: dict[str, Any], at: Position, outcome: dict[str, Any]
    ) -> None:
        """A call of this run ended: keep its outcome for the next replay."""
        self.entries.append({"tool": name, "args": recorded, "at": list(at), **outcome})

    def hold(
        self,
        name: str,
        recorded: dict[str, Any],
        at: Position,
        validated: dict[str, Any],
        held_id: str | None,
    ) -> PendingCall:
        """A call waits for a decision (keeping its id when it waited in the last run too)."""
        call = PendingCall(held_id or f"ap_{secrets.token_hex(6)}", name, validated)
        self.pending.append(call)
        self._held.append(
            {"id": call.id, "tool": name, "args": recorded, "at": list(at), "validated": validated}
        )
        return call

    def checkpoint(self) -> dict[str, Any]:
        """The plain-JSON state `Codemode.resume` continues from."""
        return {
            "codemode_checkpoint": CHECKPOINT_VERSION,
            "fingerprint": self.fingerprint,
            "code": self.code,
            "seed": self.seed,
            "clock": dict(self.new_clock if self.new_clock is not None else self.clock),
            # calls of earlier runs this one never reached (a branch still asleep) stay due
            "journal": [*self.entries, *self._old.values()],
            "pending": [*self._held, *(_undecided(e) for e in self._waiting.values())],
        }


def _undecided(entry: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in entry.items() if key != "decision"}


def replayed_outcome(entry: dict[str, Any], name: str) -> Any:
    """The value a journaled call returned, or the `ToolError` it raised (raised here)."""
    if entry.get("ok") is True:
        return entry.get("value")
    kind = entry.get("kind")
    error = _ERRORS.get(kind, ToolError)
    raise error(str(entry.get("message")), tool=name)


_ERRORS: dict[Any, type[ToolError]] = {
    "argument": ToolArgumentError,
    "limit": ToolCallLimitError,
    "tool": ToolError,
    "rejected": ToolError,
}


def _describe(name: str, args: Any) -> str:
    text = json.dumps(args, ensure_ascii=False, sort_keys=True)
    if len(text) > 120:
        text = text[:117] + "..."
    return f"{name}({text})"


# -- checkpoints ----------------------------------------------------------------------------


def fingerprint(code: str, tools: Iterable[Tool]) -> str:
    """What a checkpoint is bound to: the code and, per tool, its name and input schema."""
    digest = hashlib.sha256()
    digest.update(code.encode("utf-8", "surrogatepass"))
    for tool in sorted(tools, key=lambda t: t.python_name):
        shape = {"name": tool.name, "input": tool.input_schema}
        digest.update(b"\0" + json.dumps(shape, sort_keys=True, default=repr).encode())
    return digest.hexdigest()


def load_checkpoint(
    source: Any,
    expected: Callable[[str], str],
    approve: Iterable[str],
    reject: Mapping[str, str] | None,
) -> Journal:
    """The journal for resuming `source` (a paused `ExecuteResult` or its checkpoint).

    `expected(code)` gives this `Codemode`'s fingerprint for the checkpoint's code. Raises
    `CheckpointError` for anything that is not a checkpoint of this code with these tools, or
    for decisions about calls it does not wait on.
    """
    data = getattr(source, "checkpoint", source)
    if data is None:
        raise CheckpointError("this result has no checkpoint: only a paused run can be resumed")
    if not isinstance(data, Mapping) or data.get("codemode_checkpoint") != CHECKPOINT_VERSION:
        raise CheckpointError(
            "not a codemode checkpoint (expected the dict in ExecuteResult.checkpoint, "
            f"version {CHECKPOINT_VERSION})"
        )
    code = data.get("code")
    seed = data.get("seed")
    clock = data.get("clock")
    journal = data.get("journal")
    pending = data.get("pending")
    if (
        not isinstance(code, str)
        or type(seed) is not int
        or not is_clock(clock)
        or not isinstance(journal, list)
        or not isinstance(pending, list)
        or not all(_is_entry(e) for e in journal)
        or not all(_is_entry(p) and isinstance(p.get("id"), str) for p in pending)
    ):
        raise CheckpointError("a malformed checkpoint: a field is missing or of the wrong type")
    if data.get("fingerprint") != expected(code):
        raise CheckpointError(
            "this checkpoint was made for other code or other tools (their fingerprint "
            "differs); resume it with the Codemode, and the same tools, that paused it"
        )
    waiting = {p["id"] for p in pending}
    approve = list(approve)
    reject = dict(reject or {})
    unknown = [i for i in [*approve, *reject] if i not in waiting]
    if unknown:
        raise CheckpointError(
            f"no call waits with id {unknown[0]!r}; waiting: {', '.join(sorted(waiting)) or 'none'}"
        )
    both = set(approve) & set(reject)
    if both:
        raise CheckpointError(f"call {sorted(both)[0]!r} is both approved and rejected")
    return Journal(
        code=code,
        fingerprint=str(data["fingerprint"]),
        seed=seed,
        clock=clock,
        entries=journal,
        pending=pending,
        approve=approve,
        reject=reject,
    )


def _is_entry(entry: Any) -> bool:
    return (
        isinstance(entry, dict)
        and isinstance(entry.get("tool"), str)
        and isinstance(entry.get("args"), dict)
        and is_position(entry.get("at"))
    )


def is_position(at: Any) -> bool:
    """Whether `at` is a call's position as frames and checkpoints carry it (a list of ints)."""
    return (
        isinstance(at, list | tuple)
        and 0 < len(at) <= 256
        and all(type(i) is int and -1 <= i < 1 << 31 for i in at)
    )


def is_clock(clock: Any) -> bool:
    """Whether `clock` is a run's clock readings as checkpoints keep them: per task path, a list
    of `[clock name, number]`."""
    return isinstance(clock, dict) and all(
        isinstance(path, str)
        and isinstance(readings, list)
        and all(
            isinstance(r, list)
            and len(r) == 2
            and isinstance(r[0], str)
            and type(r[1]) in (int, float)
            for r in readings
        )
        for path, readings in clock.items()
    )


async def decide(callback: ApprovalCallback, call: PendingCall) -> Decision:
    """Ask `callback` about `call`; a callback that fails rejects the call (fail closed)."""
    try:
        answer = callback(call)
        if isinstance(answer, Awaitable):
            answer = await answer
    except Exception as exc:
        return Reject(f"the approval callback failed: {type(exc).__name__}: {exc}")
    if answer is None or answer is True or isinstance(answer, Reject):
        return answer
    if answer is False:
        return Reject("rejected")
    return Reject(f"the approval callback returned {answer!r}, not True, False, Reject or None")


__all__ = [
    "ApprovalCallback",
    "CheckpointError",
    "Decision",
    "Journal",
    "Paused",
    "PendingCall",
    "Reject",
    "ReplayDivergenceError",
    "fingerprint",
    "load_checkpoint",
]
