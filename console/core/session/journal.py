"""The action journal: the only place an action is opened, decided, started and closed.

Each step writes the record store and announces the change on the event channel together, so the memory, the
audit chain and the console cannot disagree about an action. The invariant the rest of the session relies on:
every action that is opened is closed exactly once, with one `ActionFinished` — including plan steps that never
ran (skipped) and actions the operator stopped (interrupted). How a closed action is stored:

- it ran: its exit status, how it ended, the output and the rollback key;
- it was rejected or refused when decided: nothing more (the decision already says it never runs);
- a plan step never reached (an earlier step failed, the plan was aborted or stopped): `skipped`, with the
  reason;
- it was approved (or never decided) but did not run: `not started`, with the reason as its output;
- it was stopped while running: `interrupted`, at that moment, with why.

A READ records how it ran (`confined: MODE` or `not confined: WHY`); one that ran confined and tried to change
something is a caught classifier miss: what it attempted is stored with it and chained as its own
`classifier-miss` audit event, and `ClassifierMiss` follows its `ActionFinished`.

`Source` and `Verdict` are enums; `_recorded_source` and `decide` are the one mapping to what the store keeps
(a remembered approval is the decision `remembered` with the rule's id).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import StrEnum

from console.core.approval import Decision
from console.core.classify.model import Classification
from console.core.events import ActionFinished, ClassifierMiss, EventSink, StepStarted
from console.core.outcome import Outcome, Source, Status, Verdict
from console.core.ports import Store
from console.core.transport.base import Ended, RunResult


class Flow(StrEnum):
    """Which flow proposed an action."""

    COMMAND = "command"
    PLAN = "plan"
    ROLLBACK = "rollback"
    ROLLOUT = "rollout"
    """A host's step in a command or plan across a group; `plan_id` carries the rollout's key."""


@dataclass(slots=True)
class Action:
    """An open action: its id in the store and what closing it needs."""

    id: int
    host: str
    command: str
    classification: Classification
    source: Source
    plan_id: str | None = None
    index: int | None = None
    verdict: Verdict | None = None
    rule: str | None = None
    confinement: str | None = None
    """How it runs, for a READ: said when it starts."""
    started: bool = False
    closed: bool = False
    task: asyncio.Task[object] | None = field(default=None, repr=False)
    """The task that opened it: cancelling that task interrupts it."""


def _current_task() -> asyncio.Task[object] | None:
    try:
        return asyncio.current_task()
    except RuntimeError:  # no event loop is running: nothing can cancel the caller
        return None


def _recorded_source(source: Source, flow: Flow, plan_id: str | None) -> str:
    """How the store names who proposed an action: `operator`, `model`, `cli`, `mcp:CLIENT`; a plan's steps as
    `plan:ID (WHO)`, naming who proposed the plan; a rollback as `rollback (WHO)`."""
    if flow is Flow.PLAN:
        return f"plan:{plan_id} ({source})"
    if flow is Flow.ROLLOUT:
        return f"rollout:{plan_id} ({source})"
    if flow is Flow.ROLLBACK:
        return f"rollback ({source})"
    return str(source)


def verdict_of(decision: Decision) -> Verdict:
    """The verdict a decision is recorded with: approved, rejected by the operator, or refused when nobody could
    decide (`Decision.refused`: no approver attached, no answer in time)."""
    if decision.approved:
        return Verdict.APPROVED
    return Verdict.REFUSED if decision.refused else Verdict.REJECTED


def unapproved_status(verdict: Verdict) -> Status:
    """How an action that was not approved ends: refused or rejected."""
    return Status.REFUSED if verdict is Verdict.REFUSED else Status.REJECTED


def ran_status(result: RunResult) -> Status:
    """How an action that ran ended: done, or failed (a non-zero exit, a timeout, a lost connection, or a
    confined READ that tried to change something: what it was run for did not happen)."""
    report = result.confinement
    return Status.DONE if result.ok and not (report is not None and report.tried_to_change) else Status.FAILED


class ActionJournal:
    def __init__(self, store: Store, events: EventSink, session_id: int) -> None:
        self._store = store
        self._events = events
        self._session_id = session_id
        self._open: dict[int, Action] = {}

    def open(
        self,
        host: str,
        command: str,
        classification: Classification,
        source: Source,
        *,
        flow: Flow = Flow.COMMAND,
        plan_id: str | None = None,
        index: int | None = None,
    ) -> Action:
        action_id = self._store.record_proposal(
            session_id=self._session_id,
            host=host,
            command=command,
            tier=classification.tier.name,
            reasons=classification.reasons,
            source=_recorded_source(source, flow, plan_id),
        )
        action = Action(
            action_id, host, command, classification, source, plan_id=plan_id, index=index, task=_current_task()
        )
        self._open[action_id] = action
        return action

    def decide(
        self,
        action: Action,
        verdict: Verdict,
        decided_by: str,
        *,
        latency: float | None = None,
        reason: str | None = None,
        digest: str | None = None,
        rule: str | None = None,
        approved_by: str | None = None,
    ) -> None:
        """Record how the action was decided; a remembered approval names its rule, a four-eyes one the second
        operator (`approved_by`)."""
        by = f"remembered {rule}" if verdict is Verdict.REMEMBERED else decided_by
        self._store.record_decision(
            action.id,
            decision=verdict.value,
            decided_by=by,
            latency=latency,
            reason=reason,
            digest=digest,
            rule_id=rule if verdict is Verdict.REMEMBERED else None,
            approved_by=approved_by,
        )
        action.verdict, action.rule = verdict, rule

    def reclassify(self, action: Action, classification: Classification) -> None:
        """The tier changed once the command's footprint was resolved on the host: record it, so the store, the
        audit trail and the outcome say the tier it was really asked and run under."""
        if classification == action.classification:
            return
        self._store.record_reclassified(action.id, tier=classification.tier.name, reasons=classification.reasons)
        action.classification = classification

    def start(self, action: Action, *, confinement: str | None = None) -> None:
        """The command is about to run (a READ: `confinement` says how): from now on, a dead process leaves it
        `interrupted`."""
        self._store.record_start(action.id)
        action.started, action.confinement = True, confinement
        self._events(
            StepStarted(
                host=action.host,
                command=action.command,
                tier=action.classification.tier,
                plan_id=action.plan_id,
                index=action.index,
                confinement=confinement,
            )
        )

    def close(
        self,
        action: Action,
        status: Status,
        *,
        result: RunResult | None = None,
        rollback_key: str | None = None,
        reason: str | None = None,
        no_rollback: str | None = None,
        edited_from: str | None = None,
    ) -> Outcome:
        if action.closed:
            raise RuntimeError(f"action {action.id} was closed twice")  # a bug in a flow, never the operator's
        report = result.confinement if result is not None else None
        attempted = tuple(report.summary()) if report is not None and report.tried_to_change else ()
        if result is not None:
            self._store.record_finish(
                action.id,
                exit_status=result.exit_status,
                ended=result.ended.value,
                output=result.stdout + result.stderr,
                rollback_key=rollback_key,
                confinement=action.confinement,
                attempted=attempted,
            )
        elif status is Status.SKIPPED:
            self._store.record_skipped(action.id, reason=reason or "not run")
        elif status is Status.INTERRUPTED and action.started:
            self._store.record_interrupted(action.id, reason=reason or "stopped")
        elif action.verdict is None or action.verdict.approved:
            ended = Ended.CANCELLED if action.started else Ended.NOT_STARTED
            self._store.record_finish(
                action.id, exit_status=None, ended=ended.value, output=reason or status.value, rollback_key=None
            )
        action.closed = True
        del self._open[action.id]
        outcome = Outcome(
            host=action.host,
            command=action.command,
            classification=action.classification,
            decision=Verdict.REFUSED if status is Status.REFUSED else action.verdict or Verdict.REFUSED,
            status=status,
            reason=reason,
            result=result,
            rollback_key=rollback_key,
            no_rollback=no_rollback,
            edited_from=edited_from,
            rule=action.rule,
            plan_id=action.plan_id,
            index=action.index,
            confinement=action.confinement if result is not None else None,
            attempted=attempted,
        )
        self._events(ActionFinished(outcome))
        if attempted:
            self._events(ClassifierMiss(outcome))
        return outcome

    @contextmanager
    def closing_on_cancel(self, reason: str) -> Iterator[None]:
        """If the task running the block is cancelled (the operator stopped it), the actions it opened and left
        open are closed at that moment: interrupted, or skipped for a plan's steps that never started; other
        tasks' actions are left alone."""
        task = _current_task()
        try:
            yield
        except asyncio.CancelledError:
            for action in [a for a in self._open.values() if a.task is task]:
                skipped = action.plan_id is not None and not action.started
                status = Status.SKIPPED if skipped else Status.INTERRUPTED
                self.close(action, status, reason=f"not run: {reason}" if skipped else reason)
            raise
