"""The action journal: every action it opens is closed once, written to the store and announced together."""

from __future__ import annotations

import asyncio

import pytest

from console.core.classify.model import Classification
from console.core.events import ActionFinished, SessionEvent, StepStarted
from console.core.memory import MemoryStore
from console.core.outcome import Origin, Source, Status, Verdict
from console.core.session.journal import ActionJournal, Flow
from console.core.tiers import Tier
from console.core.transport.base import Ended, RunResult

WRITE = Classification("touch /tmp/x", Tier.WRITE, ("touch creates a file",))
OPERATOR = Source(Origin.OPERATOR)


def journal(store: MemoryStore, events: list[SessionEvent]) -> ActionJournal:
    return ActionJournal(store, events.append, store.start_session(host="local", mode="manual"))


def finished(events: list[SessionEvent]) -> list[ActionFinished]:
    return [event for event in events if isinstance(event, ActionFinished)]


def test_an_action_that_ran_is_recorded_and_announced_once(store: MemoryStore, events: list[SessionEvent]) -> None:
    book = journal(store, events)
    action = book.open("web-1", WRITE.command, WRITE, OPERATOR)
    book.decide(action, Verdict.APPROVED, "operator", latency=2.0, digest="abc")
    book.start(action)
    result = RunResult(0, "made\n", "", 0.1, Ended.EXITED)
    outcome = book.close(action, Status.DONE, result=result, rollback_key="rb-abc234")
    record = store.action(action.id)
    assert record is not None
    assert (record.state, record.decision, record.exit_status, record.rollback_key) == (
        "finished",
        "approved",
        0,
        "rb-abc234",
    )
    assert [type(event) for event in events] == [StepStarted, ActionFinished]
    assert finished(events)[0].outcome == outcome
    assert outcome.ok and outcome.decision is Verdict.APPROVED
    with pytest.raises(RuntimeError, match="closed twice"):
        book.close(action, Status.DONE, result=result)
    assert len(finished(events)) == 1


def test_a_rejection_is_kept_as_the_decision_and_nothing_runs(store: MemoryStore, events: list[SessionEvent]) -> None:
    book = journal(store, events)
    action = book.open("web-1", WRITE.command, WRITE, OPERATOR)
    book.decide(action, Verdict.REJECTED, "operator", reason="not now")
    outcome = book.close(action, Status.REJECTED, reason="not now")
    record = store.action(action.id)
    assert record is not None and (record.state, record.reason, record.started) == ("declined", "not now", None)
    assert (outcome.status, outcome.decision, outcome.reason) == (Status.REJECTED, Verdict.REJECTED, "not now")


def test_approved_but_not_run_is_closed_as_not_started_with_the_reason(
    store: MemoryStore, events: list[SessionEvent]
) -> None:
    book = journal(store, events)
    action = book.open("web-1", WRITE.command, WRITE, OPERATOR)
    book.decide(action, Verdict.APPROVED, "operator")
    outcome = book.close(action, Status.REFUSED, reason="/etc/app.conf changed since it was reviewed")
    record = store.action(action.id)
    assert record is not None
    assert (record.state, record.ended, record.decision) == ("finished", "not started", "approved")
    assert "changed since it was reviewed" in record.output
    assert outcome.decision is Verdict.REFUSED  # the core refused what the operator had approved


def test_a_plan_step_never_reached_is_recorded_as_skipped(store: MemoryStore, events: list[SessionEvent]) -> None:
    book = journal(store, events)
    action = book.open("web-1", WRITE.command, WRITE, OPERATOR, flow=Flow.PLAN, plan_id="plan-1a2b3c", index=3)
    book.decide(action, Verdict.APPROVED, "operator")
    outcome = book.close(action, Status.SKIPPED, reason="not run: step 2 failed")
    record = store.action(action.id)
    assert record is not None and (record.state, record.reason) == ("skipped", "not run: step 2 failed")
    assert (outcome.status, outcome.index) == (Status.SKIPPED, 3)


def test_an_action_closed_before_any_decision_is_not_left_open(store: MemoryStore, events: list[SessionEvent]) -> None:
    book = journal(store, events)
    action = book.open("web-1", "ls /", Classification("ls /", Tier.READ, ("ls lists",)), OPERATOR)
    book.close(action, Status.REFUSED, reason="cannot start on web-1: connection refused")
    record = store.action(action.id)
    assert record is not None and (record.state, record.ended) == ("finished", "not started")


def test_a_remembered_approval_keeps_its_rule(store: MemoryStore, events: list[SessionEvent]) -> None:
    book = journal(store, events)
    action = book.open("web-1", WRITE.command, WRITE, OPERATOR)
    book.decide(action, Verdict.REMEMBERED, "", latency=0.0, rule="ra-1a2b3c")
    book.start(action)
    outcome = book.close(action, Status.DONE, result=RunResult(0, "", "", 0.1, Ended.EXITED))
    record = store.action(action.id)
    assert record is not None and (record.decision, record.rule_id) == ("remembered", "ra-1a2b3c")
    assert (outcome.decision, outcome.rule) == (Verdict.REMEMBERED, "ra-1a2b3c")


@pytest.mark.parametrize(
    ("source", "flow", "recorded"),
    [
        (Source(Origin.MODEL), Flow.COMMAND, "model"),
        (Source(Origin.CLI), Flow.COMMAND, "cli"),
        (Source(Origin.MCP, "claude-code"), Flow.COMMAND, "mcp:claude-code"),
        (Source(Origin.OPERATOR), Flow.PLAN, "plan:plan-1a2b3c (operator)"),
        (Source(Origin.MODEL), Flow.PLAN, "plan:plan-1a2b3c (model)"),
        (Source(Origin.MCP, "claude-code"), Flow.PLAN, "plan:plan-1a2b3c (mcp:claude-code)"),
        (Source(Origin.CLI), Flow.ROLLBACK, "rollback (cli)"),
    ],
)
def test_who_proposed_it_is_recorded(
    store: MemoryStore, events: list[SessionEvent], source: Source, flow: Flow, recorded: str
) -> None:
    book = journal(store, events)
    action = book.open("web-1", WRITE.command, WRITE, source, flow=flow, plan_id="plan-1a2b3c", index=1)
    record = store.action(action.id)
    assert record is not None and record.source == recorded


async def test_a_stopped_task_interrupts_only_its_own_open_actions(
    store: MemoryStore, events: list[SessionEvent]
) -> None:
    book = journal(store, events)
    started = asyncio.Event()
    other = book.open("web-1", "ls", Classification("ls", Tier.READ, ("ls lists",)), OPERATOR)
    opened: list[int] = []

    async def run() -> None:
        with book.closing_on_cancel("stopped by the operator"):
            action = book.open("web-1", WRITE.command, WRITE, OPERATOR)
            opened.append(action.id)
            book.decide(action, Verdict.APPROVED, "operator")
            book.start(action)
            started.set()
            await asyncio.sleep(60)

    task = asyncio.create_task(run())
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    closed = finished(events)
    assert len(closed) == 1 and closed[0].outcome.status is Status.INTERRUPTED
    running = store.action(opened[0])
    assert running is not None and (running.state, running.ended) == ("interrupted", "cancelled")
    assert running.reason == "stopped by the operator" and running.finished is not None
    assert running.outcome == "interrupted"
    untouched = store.action(other.id)
    assert untouched is not None and untouched.state == "proposed"


async def test_plan_steps_a_stop_never_reached_are_skipped_not_interrupted(
    store: MemoryStore, events: list[SessionEvent]
) -> None:
    book = journal(store, events)
    started = asyncio.Event()
    ids: list[int] = []

    async def run() -> None:
        with book.closing_on_cancel("stopped by the operator"):
            first = book.open("web-1", "sleep 60", WRITE, OPERATOR, flow=Flow.PLAN, plan_id="plan-1a2b3c", index=1)
            second = book.open("web-1", WRITE.command, WRITE, OPERATOR, flow=Flow.PLAN, plan_id="plan-1a2b3c", index=2)
            ids.extend((first.id, second.id))
            book.decide(first, Verdict.APPROVED, "operator")
            book.decide(second, Verdict.APPROVED, "operator")
            book.start(first)
            started.set()
            await asyncio.sleep(60)

    task = asyncio.create_task(run())
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    first, second = (store.action(i) for i in ids)
    assert first is not None and first.state == "interrupted"
    assert second is not None and (second.state, second.reason) == ("skipped", "not run: stopped by the operator")
    assert [e.outcome.status for e in finished(events)] == [Status.INTERRUPTED, Status.SKIPPED]
