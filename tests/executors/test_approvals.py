"""Approvals on every executor: a run pauses at a guarded call, resumes by replay (in another
`Codemode`, on another executor, after `json.dumps`), and each side effect happens once."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest

from codemode import (
    CheckpointError,
    Codemode,
    ExecuteResult,
    Paused,
    PendingCall,
    Reject,
    Tool,
    tool,
)
from codemode.executors import Executor

from .conftest import EXECUTORS


class Shop:
    """Tools with side effects, counted per call."""

    def __init__(self) -> None:
        self.effects: Counter[str] = Counter()

    def tools(self) -> list[Tool]:
        effects = self.effects

        @tool
        async def get_order(order_id: str) -> dict[str, Any]:
            """Look an order up."""
            effects[f"get_order:{order_id}"] += 1
            return {"order_id": order_id, "amount": 250 if order_id == "A1" else 40}

        @tool(requires_approval=lambda args: args["amount"] > 100)
        async def refund(order_id: str, amount: int) -> str:
            """Refund an order (over 100 needs approval)."""
            effects[f"refund:{order_id}:{amount}"] += 1
            return f"refunded {amount} on {order_id}"

        @tool(requires_approval=True)
        def send_email(to: str, body: str = "") -> str:
            """Send an email (always needs approval)."""
            effects[f"email:{to}"] += 1
            return f"sent to {to}"

        return [get_order, refund, send_email]


REFUND = """
async def main():
    order = await codemode.get_order(order_id="A1")
    print("refunding", order["amount"])
    done = await codemode.refund(order_id="A1", amount=order["amount"])
    print("done")
    return done
"""


@pytest.fixture
def shop() -> Shop:
    return Shop()


@pytest.fixture
def cm(executor: Executor, shop: Shop) -> Codemode:
    return Codemode(shop.tools(), executor=executor, timeout=10)


def roundtrip(result: ExecuteResult) -> dict[str, Any]:
    assert result.checkpoint is not None
    data: dict[str, Any] = json.loads(json.dumps(result.checkpoint))
    return data


async def test_pause_at_a_guarded_call(cm: Codemode, shop: Shop, executor: Executor) -> None:
    result = await cm.execute(REFUND)
    assert result.status == "paused" and not result.ok and result.error is None
    assert result.value is None
    [pending] = result.pending
    assert isinstance(pending, PendingCall)
    assert (pending.tool, pending.args) == ("refund", {"order_id": "A1", "amount": 250})
    assert pending.id
    assert result.stdout == "refunding 250\n"  # the logs so far
    assert [(c.name, c.ok) for c in result.tool_calls] == [("get_order", True)]  # the trace
    assert shop.effects == Counter({"get_order:A1": 1})  # the refund did not happen
    assert "Paused" in result.to_text() and pending.id in result.to_text()
    assert result.to_dict()["status"] == "paused"
    json.dumps(result.to_dict())
    # nothing of the run is left: no task on this loop, no busy worker
    assert asyncio.all_tasks() == {asyncio.current_task()}
    stats = getattr(executor, "stats", None)
    if stats is not None:
        assert stats().busy == 0


async def test_small_amounts_need_no_approval(cm: Codemode, shop: Shop) -> None:
    code = 'async def main():\n    return await codemode.refund(order_id="B", amount=40)'
    result = await cm.execute(code)
    assert result.status == "completed" and result.ok
    assert result.value == "refunded 40 on B"
    assert result.checkpoint is None and result.pending == ()


async def test_approve(cm: Codemode, shop: Shop) -> None:
    paused = await cm.execute(REFUND)
    result = await cm.resume(paused, approve=[paused.pending[0].id])
    assert result.status == "completed", result.error
    assert result.value == "refunded 250 on A1"
    assert shop.effects == Counter({"get_order:A1": 1, "refund:A1:250": 1})
    assert result.stdout == "refunding 250\ndone\n"  # the replayed part once, not twice
    assert [(c.name, c.ok) for c in result.tool_calls] == [("get_order", True), ("refund", True)]


async def test_reject_raises_tool_error_the_program_can_catch(cm: Codemode, shop: Shop) -> None:
    code = """
async def main():
    try:
        return await codemode.send_email(to="boss@example.com", body="hi")
    except ToolError as e:
        return "not sent: " + str(e)
"""
    paused = await cm.execute(code)
    result = await cm.resume(paused, reject={paused.pending[0].id: "not to the boss"})
    assert result.status == "completed"
    assert "not sent" in result.value and "not to the boss" in result.value
    assert shop.effects["email:boss@example.com"] == 0
    assert result.tool_calls[-1].ok is False


async def test_reject_uncaught_is_a_tool_error(cm: Codemode) -> None:
    paused = await cm.execute(REFUND)
    result = await cm.resume(paused, reject={paused.pending[0].id: "too much"})
    assert result.status == "error"
    assert result.error is not None and result.error.type == "tool"
    assert "too much" in result.error.message


async def test_gather_pauses_together(cm: Codemode, shop: Shop) -> None:
    code = """
async def main():
    sent = await asyncio.gather(
        codemode.send_email(to="a@x"),
        codemode.send_email(to="b@x"),
        codemode.get_order(order_id="Z"),
        codemode.send_email(to="c@x"),
        return_exceptions=True,
    )
    return [str(item) for item in sent]
"""
    paused = await cm.execute(code)
    assert paused.status == "paused"
    assert sorted(p.args["to"] for p in paused.pending) == ["a@x", "b@x", "c@x"]
    assert len({p.id for p in paused.pending}) == 3
    ids = {p.args["to"]: p.id for p in paused.pending}
    result = await cm.resume(paused, approve=[ids["a@x"], ids["c@x"]], reject={ids["b@x"]: "no"})
    assert result.status == "completed", result.error
    assert result.value[0] == "sent to a@x" and result.value[3] == "sent to c@x"
    assert "rejected: no" in result.value[1]
    assert shop.effects == Counter({"email:a@x": 1, "email:c@x": 1, "get_order:Z": 1})


async def test_undecided_calls_pause_again_with_their_ids(cm: Codemode, shop: Shop) -> None:
    code = """
async def main():
    return await asyncio.gather(codemode.send_email(to="a@x"), codemode.send_email(to="b@x"))
"""
    paused = await cm.execute(code)
    ids = {p.args["to"]: p.id for p in paused.pending}
    again = await cm.resume(paused, approve=[ids["a@x"]])
    assert again.status == "paused"
    assert [(p.args["to"], p.id) for p in again.pending] == [("b@x", ids["b@x"])]
    result = await cm.resume(again, approve=[ids["b@x"]])
    assert result.value == ["sent to a@x", "sent to b@x"]
    assert shop.effects == Counter({"email:a@x": 1, "email:b@x": 1})


async def test_checkpoint_resumes_in_a_new_codemode_and_executor(
    request: pytest.FixtureRequest, cm: Codemode, shop: Shop
) -> None:
    code = """
async def main():
    total = 0
    for order_id in ["A1", "B", "A1"]:
        order = await codemode.get_order(order_id=order_id)
        print("order", order_id)
        total += order["amount"]
        await codemode.refund(order_id=order_id, amount=order["amount"])
    await codemode.send_email(to="ops@x", body=f"refunded {total}")
    return total
"""
    kind = request.node.callspec.params["executor"]
    first = await cm.execute(code)
    assert [p.tool for p in first.pending] == ["refund"]
    stored = json.dumps(first.checkpoint)  # an application keeps this in its database
    step = first
    for expected in (["refund"], ["send_email"]):
        # a new process in spirit: new tools (same definitions), a new Codemode and executor
        executor = EXECUTORS[kind]()
        try:
            other = Codemode(shop.tools(), executor=executor, timeout=10)
            checkpoint = json.loads(stored)
            step = await other.resume(checkpoint, approve=[p.id for p in step.pending])
            assert [p.tool for p in step.pending] == expected, step.error
            stored = json.dumps(step.checkpoint)
        finally:
            await executor.aclose()
    final = await cm.resume(json.loads(stored), approve=[step.pending[0].id])
    assert final.status == "completed", final.error
    assert final.value == 540
    assert shop.effects == Counter(
        {
            "get_order:A1": 2,  # called twice by the program, each once
            "get_order:B": 1,
            "refund:A1:250": 2,
            "refund:B:40": 1,
            "email:ops@x": 1,
        }
    )
    assert final.stdout == "order A1\norder B\norder A1\n"
    assert len(final.tool_calls) == 7


async def test_divergent_replay_is_refused(cm: Codemode, shop: Shop) -> None:
    paused = await cm.execute(REFUND)
    checkpoint = roundtrip(paused)
    # The journal says the order was for 90 now: the program would refund another amount.
    checkpoint["journal"][0]["value"]["amount"] = 300
    result = await cm.resume(checkpoint, approve=[paused.pending[0].id])
    assert result.status == "error"
    assert result.error is not None and result.error.type == "replay"
    assert result.error.exception == "ReplayDivergenceError"
    assert "refund" in result.error.message
    assert shop.effects == Counter({"get_order:A1": 1})  # nothing new happened


async def test_checkpoints_for_other_code_or_tools_are_refused(
    cm: Codemode, shop: Shop, executor: Executor
) -> None:
    paused = await cm.execute(REFUND)
    checkpoint = roundtrip(paused)
    other_code = dict(checkpoint, code=REFUND.replace('"A1"', '"A2"'))
    with pytest.raises(CheckpointError, match="other code or other tools"):
        await cm.resume(other_code, approve=[paused.pending[0].id])

    async def refund(order_id: str, amount: float) -> str:  # another input schema
        return "x"

    tools = [t for t in shop.tools() if t.name != "refund"]
    other_tools = Codemode([*tools, Tool.from_function(refund)], executor=executor)
    with pytest.raises(CheckpointError, match="other code or other tools"):
        await other_tools.resume(checkpoint, approve=[paused.pending[0].id])
    with pytest.raises(CheckpointError, match="no call waits with id 'nope'"):
        await cm.resume(checkpoint, approve=["nope"])
    with pytest.raises(CheckpointError, match="not a codemode checkpoint"):
        await cm.resume({"code": REFUND})
    done = await cm.execute("async def main():\n    return 1")
    with pytest.raises(CheckpointError, match="only a paused run"):
        await cm.resume(done)
    assert shop.effects == Counter({"get_order:A1": 1})


async def test_max_tool_calls_counts_each_call_once(cm: Codemode, shop: Shop) -> None:
    paused = await cm.execute(REFUND, max_tool_calls=2)
    result = await cm.resume(paused, approve=[paused.pending[0].id], max_tool_calls=2)
    assert result.status == "completed", result.error  # 2 calls in all, not 3
    code = REFUND.replace('    print("done")', '    await codemode.get_order(order_id="B")')
    paused = await cm.execute(code, max_tool_calls=2)
    result = await cm.resume(paused, approve=[paused.pending[0].id], max_tool_calls=2)
    assert result.error is not None and result.error.type == "policy"
    assert "tool call limit" in result.error.message


async def test_paused_time_does_not_count_against_the_timeout(cm: Codemode) -> None:
    code = """
async def main():
    await codemode.send_email(to="a@x")
    await asyncio.sleep(0.5)
    return "slept"
"""
    paused = await cm.execute(code, timeout=1.5)
    await asyncio.sleep(1.2)  # paused: 1.2 + 0.5 would be past the limit if it counted
    result = await cm.resume(paused, approve=[paused.pending[0].id], timeout=1.5)
    assert result.status == "completed", result.error
    assert result.value == "slept"


async def test_on_event_gets_a_paused_event_and_no_replayed_output(
    cm: Codemode, shop: Shop
) -> None:
    events: list[Any] = []
    paused = await cm.execute(REFUND, on_event=events.append)
    assert isinstance(events[-1], Paused)
    assert events[-1].pending == paused.pending
    events.clear()
    await cm.resume(paused, approve=[paused.pending[0].id], on_event=events.append)
    texts = [getattr(e, "text", None) for e in events]
    assert "refunding 250\n" not in texts  # the first run reported it already
    assert any(t and "done" in t for t in texts)
    assert [e.name for e in events if hasattr(e, "name")] == ["refund"]


@pytest.mark.parametrize("style", ["sync", "async"])
async def test_inline_decisions(executor: Executor, shop: Shop, style: str) -> None:
    asked: list[PendingCall] = []

    def decide(call: PendingCall) -> bool | Reject:
        asked.append(call)
        return True if call.tool == "refund" else Reject("no email today")

    async def adecide(call: PendingCall) -> bool | Reject:
        await asyncio.sleep(0)
        return decide(call)

    callback: Callable[[PendingCall], Any] = decide if style == "sync" else adecide
    cm = Codemode(shop.tools(), executor=executor, approve=callback)
    code = REFUND.replace(
        "    return done",
        "    try:\n        await codemode.send_email(to='x@y')\n    except ToolError as e:\n"
        "        return done + '; ' + str(e)",
    )
    result = await cm.execute(code)
    assert result.status == "completed", result.error
    assert result.value.startswith("refunded 250 on A1;") and "no email today" in result.value
    assert [c.tool for c in asked] == ["refund", "send_email"]
    assert shop.effects == Counter({"get_order:A1": 1, "refund:A1:250": 1})
    assert result.stdout == "refunding 250\ndone\n"


async def test_inline_callback_may_leave_the_decision_for_later(
    executor: Executor, shop: Shop
) -> None:
    cm = Codemode(shop.tools(), executor=executor, approve=lambda call: None)
    paused = await cm.execute(REFUND)
    assert paused.status == "paused"
    broken = Codemode(shop.tools(), executor=executor, approve=lambda call: 1 / 0)
    result = await broken.execute(REFUND)  # a failing callback rejects: fail closed
    assert result.error is not None and "ZeroDivisionError" in result.error.message
    assert shop.effects["refund:A1:250"] == 0


async def test_a_predicate_that_fails_requires_approval(executor: Executor) -> None:
    def pay(amount: int) -> int:
        return amount

    guarded = Tool.from_function(pay, requires_approval=lambda args: args["missing"])
    result = await Codemode([guarded], executor=executor).execute(
        "async def main():\n    return await codemode.pay(amount=1)"
    )
    assert result.status == "paused"


NONDETERMINISM = """
import datetime, random, time, uuid

async def main():
    seen = {
        "random": [random.random(), random.randint(1, 10**9), random.choice("abcdef")],
        "shuffled": random.sample(range(100), 5),
        "uuid": str(uuid.uuid4()),
        "time": time.time(),
        "time_ns": time.time_ns(),
        "monotonic": time.monotonic(),
        "perf_counter": time.perf_counter(),
        "now": datetime.datetime.now().isoformat(),
        "utc": datetime.datetime.now(datetime.timezone.utc).isoformat(),
        "today": datetime.date.today().isoformat(),
        "clock": time.strftime("%H:%M:%S"),
    }
    await codemode.send_email(to="a@x", body=str(seen))
    later = time.monotonic()
    return seen, later - seen["monotonic"], str(uuid.uuid4()) != seen["uuid"]
"""


async def test_random_time_and_uuid_replay_identically(
    request: pytest.FixtureRequest, cm: Codemode, shop: Shop
) -> None:
    paused = await cm.execute(NONDETERMINISM)
    assert paused.status == "paused", paused.error
    seen_first = paused.pending[0].args["body"]
    await asyncio.sleep(0.3)  # paused time: not seen by the program's monotonic clock
    executor = EXECUTORS[request.node.callspec.params["executor"]]()
    try:
        other = Codemode(shop.tools(), executor=executor)
        result = await other.resume(roundtrip(paused), approve=[paused.pending[0].id])
    finally:
        await executor.aclose()
    assert result.status == "completed", result.error
    seen, elapsed, fresh_uuid = result.value
    # the replayed program saw exactly what the first run saw (a different value would have
    # made a different call, refused as a divergent replay)
    assert repr(seen) == seen_first
    assert shop.effects == Counter({"email:a@x": 1})
    assert 0 <= elapsed < 0.3  # the monotonic clock goes on from where the run paused
    assert fresh_uuid


async def test_runs_that_cannot_pause_are_not_seeded(executor: Executor) -> None:
    cm = Codemode([], executor=executor)
    code = "import random, uuid\nasync def main():\n    return random.random(), str(uuid.uuid4())"
    first, second = await cm.execute(code), await cm.execute(code)
    assert first.value != second.value


async def test_time_facades_match_the_real_modules(executor: Executor) -> None:
    import datetime
    import time

    code = """
import datetime, time
async def main():
    d = datetime.datetime(2024, 2, 28, 23, 30) + datetime.timedelta(hours=1)
    return [d.isoformat(), type(d) is datetime.datetime, isinstance(d, datetime.date),
            datetime.date(2024, 3, 1).isoformat(), time.gmtime(86400)[:6], time.ctime(0),
            datetime.datetime.fromisoformat("2024-01-01T00:00:00").year, time.time(),
            datetime.datetime.now().year, datetime.date.today().isoformat()]
"""
    result = await Codemode([], executor=executor).execute(code)
    assert result.ok, result.error
    expected = (datetime.datetime(2024, 2, 28, 23, 30) + datetime.timedelta(hours=1)).isoformat()
    assert result.value[:7] == [
        expected,
        True,
        True,
        "2024-03-01",
        list(time.gmtime(86400)[:6]),
        time.ctime(0),
        2024,
    ]
    assert abs(result.value[7] - time.time()) < 60
    assert result.value[8] == datetime.datetime.now().year
    assert result.value[9] == datetime.date.today().isoformat()


async def test_a_slow_call_in_flight_finishes_before_the_pause(
    request: pytest.FixtureRequest, executor: Executor
) -> None:
    import time

    calls: Counter[str] = Counter()

    async def slow_lookup(key: str) -> str:
        calls[key] += 1
        await asyncio.sleep(0.3)
        return key.upper()

    async def delete(key: str) -> str:
        calls["delete:" + key] += 1
        return "deleted"

    tools = [Tool.from_function(slow_lookup), Tool.from_function(delete, requires_approval=True)]
    cm = Codemode(tools, executor=executor)
    code = """
async def main():
    return await asyncio.gather(codemode.delete(key="x"), codemode.slow_lookup(key="y"))
"""
    cpu = time.process_time()
    paused = await cm.execute(code)
    cpu = time.process_time() - cpu
    assert paused.status == "paused"
    assert [c.name for c in paused.tool_calls] == ["slow_lookup"]  # it ran to its end
    if request.node.callspec.params["executor"] == "inprocess":
        assert cpu < 0.2  # the held call waited for the slow one without spinning the loop
    done = await cm.resume(paused, approve=[paused.pending[0].id])
    assert done.value == ["deleted", "Y"]
    assert calls == Counter({"y": 1, "delete:x": 1})


RESUME_ELSEWHERE = """
import asyncio, json, sys
from collections import Counter
sys.path.insert(0, {tests!r})
from executors.test_approvals import Shop, EXECUTORS
from codemode import Codemode

async def main():
    shop = Shop()
    executor = EXECUTORS[{kind!r}]()
    try:
        cm = Codemode(shop.tools(), executor=executor)
        checkpoint = json.loads(sys.stdin.read())
        result = await cm.resume(checkpoint, approve=[p["id"] for p in checkpoint["pending"]])
    finally:
        await executor.aclose()
    print(json.dumps({{"value": result.value, "status": result.status, "effects": shop.effects}}))

asyncio.run(main())
"""


async def test_a_checkpoint_resumes_in_another_process(
    request: pytest.FixtureRequest, cm: Codemode, shop: Shop
) -> None:
    import subprocess
    import sys
    from pathlib import Path

    code = NONDETERMINISM.replace("return seen,", "return {'n': len(seen)},")
    paused = await cm.execute(REFUND.replace("return done", "return done + ' ' + str(id(1) > 0)"))
    assert paused.status == "paused"
    kind = request.node.callspec.params["executor"]
    tests = str(Path(__file__).resolve().parents[1])
    script = RESUME_ELSEWHERE.format(tests=tests, kind=kind)
    for program in (paused, await cm.execute(code)):
        outcome = await asyncio.to_thread(
            subprocess.run,
            [sys.executable, "-c", script],
            input=json.dumps(program.checkpoint),
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert outcome.returncode == 0, outcome.stderr
        report = json.loads(outcome.stdout.strip().splitlines()[-1])
        assert report["status"] == "completed", report
        # the other process ran only the approved call; the rest came from the journal
        assert sum(report["effects"].values()) == 1, report
    assert shop.effects == Counter({"get_order:A1": 1})  # nothing ran twice here either


async def test_a_replay_that_skips_journaled_calls_is_refused(cm: Codemode, shop: Shop) -> None:
    code = """
async def main():
    order = await codemode.get_order(order_id="A1")
    if order["amount"] < 100:
        return "small"
    await codemode.get_order(order_id="B")
    return await codemode.send_email(to="a@x")
"""
    paused = await cm.execute(code)
    checkpoint = roundtrip(paused)
    checkpoint["journal"][0]["value"]["amount"] = 5  # now the program stops early
    result = await cm.resume(checkpoint, approve=[paused.pending[0].id])
    assert result.error is not None and result.error.type == "replay"
    assert "finished" in result.error.message and "get_order" in result.error.message
    assert shop.effects["email:a@x"] == 0


async def test_a_program_reading_the_clock_in_a_loop_still_pauses(cm: Codemode) -> None:
    code = """
import time
async def main():
    stamps = [time.time() for _ in range(50_000)]
    await codemode.send_email(to="a@x")
    return len(stamps)
"""
    paused = await cm.execute(code)
    assert paused.status == "paused", paused.error
    assert paused.checkpoint is not None
    assert sum(map(len, paused.checkpoint["clock"].values())) == 10_000
    done = await cm.resume(paused, approve=[paused.pending[0].id])
    assert done.value == 50_000


@pytest.mark.parametrize(
    ("first", "then"), [("inprocess", "subprocess"), ("subprocess", "inprocess")]
)
async def test_a_checkpoint_moves_between_executors(first: str, then: str) -> None:
    shop = Shop()
    code = NONDETERMINISM.replace(
        "await codemode.send_email",
        "await codemode.get_order(order_id='A1')\n    await codemode.send_email",
    )
    runs = []
    for kind in (first, then):
        executor = EXECUTORS[kind]()
        try:
            cm = Codemode(shop.tools(), executor=executor)
            if not runs:
                runs.append(await cm.execute(code))
            else:
                paused = json.loads(json.dumps(runs[0].checkpoint))
                runs.append(await cm.resume(paused, approve=[p["id"] for p in paused["pending"]]))
        finally:
            await executor.aclose()
    assert runs[0].status == "paused" and runs[1].status == "completed", runs[1].error
    assert shop.effects == Counter({"get_order:A1": 1, "email:a@x": 1})


async def test_concurrent_branches_replay_by_position_whatever_their_order(
    executor: Executor,
) -> None:
    calls: Counter[str] = Counter()

    async def slow_lookup(key: str) -> str:
        calls["slow:" + key] += 1
        await asyncio.sleep(0.3)
        return key

    async def lookup(key: str) -> str:
        calls[key] += 1
        return key

    async def delete(key: str) -> str:
        calls["delete:" + key] += 1
        return "deleted " + key

    tools = [
        Tool.from_function(slow_lookup),
        Tool.from_function(lookup),
        Tool.from_function(delete, requires_approval=True),
    ]
    # The first time, the sleeping branch makes its lookup while the other waits for a slow
    # tool; on resume that slow tool answers at once from the journal, so the other branch's
    # approved call, and the new lookup after it, come before the sleeping branch's lookup.
    # Each branch draws a random number and reads the clock after its first wait: in the other
    # order on resume, yet each gets its own values back (the deletion's key says so).
    code = """
import random, time, uuid
async def sleepy():
    await asyncio.sleep(0.1)
    drawn = (random.random(), str(uuid.uuid4()), time.time())
    return await codemode.lookup(key=str(drawn))

async def busy():
    await codemode.slow_lookup(key="a")
    drawn = (random.random(), str(uuid.uuid4()), time.time())
    await codemode.delete(key=str(drawn))
    return await codemode.lookup(key="c")

async def main():
    return await asyncio.gather(sleepy(), busy())
"""
    cm = Codemode(tools, executor=executor)
    paused = await cm.execute(code)
    assert paused.status == "paused", paused.error
    assert sorted(c.name for c in paused.tool_calls) == ["lookup", "slow_lookup"]
    key = paused.pending[0].args["key"]
    result = await cm.resume(roundtrip(paused), approve=[paused.pending[0].id])
    assert result.status == "completed", result.error
    [sleepy_key] = [c.args["key"] for c in paused.tool_calls if c.name == "lookup"]
    assert calls == Counter({"slow:a": 1, sleepy_key: 1, "delete:" + key: 1, "c": 1})
    assert set(calls.values()) == {1}


async def test_tasks_started_by_tasks_very_deep_still_replay(cm: Codemode, shop: Shop) -> None:
    code = """
async def dig(n):
    if n == 0:
        return await codemode.send_email(to="deep@x")
    return await asyncio.create_task(dig(n - 1))

async def main():
    return await dig(300)
"""
    paused = await cm.execute(code)
    assert paused.status == "paused", paused.error
    done = await cm.resume(roundtrip(paused), approve=[paused.pending[0].id])
    assert done.value == "sent to deep@x"
    assert shop.effects == Counter({"email:deep@x": 1})


def test_the_stubs_say_which_tools_need_approval(shop: Shop) -> None:
    stubs = Codemode(shop.tools()).stubs()
    get_order, refund, send_email = stubs.split("async def ")[1:]
    assert "approval" not in get_order
    assert "May need approval (by its arguments)" in refund and "ToolError" in refund
    assert "Needs approval: a person decides before it runs" in send_email
