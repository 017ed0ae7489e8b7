"""Plans: ordered steps approved once as a whole, run in order, stopped at the first failure.

The READ steps at the head of a plan (before its first WRITE or DESTRUCTIVE step) gather state, so they run
before the approval and the operator decides with their output in view. After approval every remaining step
runs in the order written — READ steps included, since a check after a change must see the change. The first
failure (non-zero exit, timeout, lost connection, a refused re-check) stops the plan; steps after it are marked
skipped and never run. Completed steps keep their rollback keys, so the plan can be rolled back in reverse.

Every change of a plan's state is a method here; the plan flow calls them and sends `view()` to the console.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field

from console.core.classify.model import Classification
from console.core.tiers import Tier
from console.core.transport.base import Ended, RunResult
from console.core.views import PlanView, StepStatus, StepView

__all__ = ["MISS_NOTE", "Plan", "PlanStep", "StepStatus"]

MISS_NOTE = "it ran as READ and tried to change something; confinement discarded it (a classifier miss)"


@dataclass
class PlanStep:
    index: int
    command: str
    purpose: str
    classification: Classification
    status: StepStatus = StepStatus.PENDING
    result: RunResult | None = None
    rollback_key: str | None = None
    note: str | None = None
    """Why the step failed, was refused or skipped, in words for the operator."""

    @property
    def tier(self) -> Tier:
        return self.classification.tier

    def view(self) -> StepView:
        return StepView(
            index=self.index,
            command=self.command,
            purpose=self.purpose,
            tier=self.tier,
            status=self.status,
            exit_status=self.result.exit_status if self.result else None,
            rollback_key=self.rollback_key,
            note=self.note,
        )


@dataclass
class Plan:
    title: str
    host: str
    steps: list[PlanStep]
    id: str = field(default_factory=lambda: "plan-" + secrets.token_hex(3))
    aborted: bool = False

    @classmethod
    def build(cls, title: str, host: str, steps: list[tuple[str, str, Classification]]) -> Plan:
        if not steps:
            raise ValueError("a plan needs at least one step")
        return cls(
            title=title,
            host=host,
            steps=[
                PlanStep(index=i, command=command, purpose=purpose, classification=classification)
                for i, (command, purpose, classification) in enumerate(steps, start=1)
            ],
        )

    @property
    def tier(self) -> Tier:
        return max(step.tier for step in self.steps)

    def head_reads(self) -> list[PlanStep]:
        """READ steps before the first WRITE or DESTRUCTIVE step: they run before the approval."""
        head: list[PlanStep] = []
        for step in self.steps:
            if step.tier is not Tier.READ:
                break
            head.append(step)
        return head

    def after_approval(self) -> list[PlanStep]:
        return self.steps[len(self.head_reads()) :]

    def needs_approval(self) -> bool:
        return self.tier is not Tier.READ

    # --- state changes -----------------------------------------------------------------------------------

    def reclassify(self, change: Callable[[Classification], Classification]) -> None:
        """Before anything ran: each step's classification changed (READ steps asked like WRITE, where the host
        cannot confine them and the configuration requires it)."""
        for step in self.steps:
            step.classification = change(step.classification)

    def start(self, step: PlanStep) -> None:
        step.status = StepStatus.RUNNING

    def finish(self, step: PlanStep, result: RunResult | None, rollback_key: str | None, why: str | None) -> None:
        """The step ran (`result`) or could not run (`why`); a step that did not succeed stops the plan."""
        step.result, step.rollback_key = result, rollback_key
        if result is None:
            self.stop_after(step, StepStatus.REFUSED, why or "refused")
        elif not result.ok:
            reason = f"exit status {result.exit_status}" if result.ended is Ended.EXITED else result.ended.value
            self.stop_after(step, StepStatus.FAILED, reason)
        elif result.confinement is not None and result.confinement.tried_to_change:
            self.stop_after(step, StepStatus.FAILED, MISS_NOTE)
        else:
            step.status = StepStatus.DONE

    def stop_after(self, failed: PlanStep, status: StepStatus, note: str) -> None:
        """Mark `failed` and skip every later step that has not run."""
        failed.status = status
        failed.note = note
        for step in self.steps[failed.index :]:
            if step.status is StepStatus.PENDING:
                step.status = StepStatus.SKIPPED
                step.note = f"not run: step {failed.index} {status.value}"

    def interrupt(self, step: PlanStep) -> None:
        """The operator stopped the plan while `step` ran (Esc): it is interrupted, nothing after it runs."""
        self.stop_after(step, StepStatus.INTERRUPTED, "stopped by the operator while it ran")

    def reject(self) -> None:
        """The operator rejected the plan: nothing after the head READs runs."""
        for step in self.after_approval():
            step.status, step.note = StepStatus.SKIPPED, "not run: the plan was rejected"

    def abort(self) -> None:
        """Stop between steps at the operator's request."""
        self.aborted = True
        for step in self.steps:
            if step.status is StepStatus.PENDING:
                step.status = StepStatus.SKIPPED
                step.note = "not run: plan aborted"

    def rolled_back(self) -> None:
        for step in self.rollback_order():
            step.status = StepStatus.ROLLED_BACK

    def rollback_order(self) -> list[PlanStep]:
        """Completed steps with a rollback key, last first: the order to undo them in."""
        return [s for s in reversed(self.steps) if s.status is StepStatus.DONE and s.rollback_key]

    def view(self) -> PlanView:
        return PlanView(
            id=self.id,
            title=self.title,
            host=self.host,
            aborted=self.aborted,
            steps=tuple(step.view() for step in self.steps),
        )
