"""The action journal: the only place an action is opened, decided, started and closed.

Each step writes the record store and announces the change on the event channel together, so the memory, the
audit chain and the console cannot disagree about an action. The invariant the rest of the session relies on:
every action that is opened is closed exactly once, with one `ActionFinished` — including plan steps that never
ran (skipped) and actions the operator stopped (interrupted). How a closed action is stored:

- it ran: its exit status, how it ended, the output and the rollback key;
- it was rejected or refused when decided: nothing more (the decision already says it never runs);
- a plan step never reached (an earlier step failed, the plan was aborted): `skipped`, with the reason;
- it was approved (or never decided) but did not run: `not started`, with the reason as its output;
- it was stopped while running: `cancelled`.

`Source` and `Verdict` are enums; `_recorded_source` and `decide` are the one mapping to what the store keeps
(a remembered approval is the decision `remembered` with the rule's id).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import StrEnum

from console.core.classify.model import Classification
from console.core.events import ActionFinished, EventSink, StepStarted
from console.core.outcome import Outcome, Source, Status, Verdict
from console.core.ports import Store
from console.core.transport.base import Ended, RunResult


class Flow(StrEnum):
    """Which flow proposed an action."""

    COMMAND = "command"
    PLAN = "plan"
    ROLLBACK = "rollback"


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
    `plan:ID`; a rollback as `rollback (operator)`."""
    if flow is Flow.PLAN:
        return f"plan:{plan_id}"
    if flow is Flow.ROLLBACK:
        return f"rollback ({source})"
    return str(source)


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

    def start(self, action: Action) -> None:
        """The command is about to run: from now on, a dead process leaves it `interrupted`."""
        self._store.record_start(action.id)
        action.started = True
        self._events(
            StepStarted(
                host=action.host,
                command=action.command,
                tier=action.classification.tier,
                plan_id=action.plan_id,
                index=action.index,
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
        if result is not None:
            self._store.record_finish(
                action.id,
                exit_status=result.exit_status,
                ended=result.ended.value,
                output=result.stdout + result.stderr,
                rollback_key=rollback_key,
            )
        elif status is Status.SKIPPED:
            self._store.record_skipped(action.id, reason=reason or "not run")
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
        )
        self._events(ActionFinished(outcome))
        return outcome

    @contextmanager
    def closing_on_cancel(self, reason: str) -> Iterator[None]:
        """If the task running the block is cancelled (the operator stopped it), the actions it opened and left
        open are closed as interrupted, at that moment; other tasks' actions are left alone."""
        task = _current_task()
        try:
            yield
        except asyncio.CancelledError:
            for action in [a for a in self._open.values() if a.task is task]:
                self.close(action, Status.INTERRUPTED, reason=reason)
            raise
