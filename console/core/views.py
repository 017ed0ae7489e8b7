"""Frozen views of core state for the console and the CLI: a host, a plan, a rollback point.

They are copies, made by the core when something changes; a caller can keep, compare and render them but
never change the state they were made from. The rules about what they mean (a production host, a point that
can still be restored) are decided here or where the view is made, once, so every screen says the same.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from console.core.tiers import Tier

PRODUCTION_LABELS = frozenset({"prod", "production"})


def is_production(labels: Iterable[str]) -> bool:
    """Hosts labelled prod (or production) are marked PROD wherever they are named, in the console and the CLI."""
    return any(label.lower() in PRODUCTION_LABELS for label in labels)


@dataclass(frozen=True, slots=True)
class HostInfo:
    """A host as the operator knows it: its name, labels, policy and where it points."""

    name: str
    labels: tuple[str, ...] = ()
    policy: str | None = None
    address: str = ""
    """`user@hostname:port` as configured (parts left to ~/.ssh/config omitted), or `this machine`."""
    source: str = ""
    """Where the host was defined: `built-in`, or the path of hosts.toml or ~/.ssh/config."""

    @property
    def read_only(self) -> bool:
        return self.policy == "read-only"

    @property
    def production(self) -> bool:
        return is_production(self.labels)


class StepStatus(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    REFUSED = "refused"
    SKIPPED = "skipped"
    INTERRUPTED = "interrupted"
    ROLLED_BACK = "rolled back"


@dataclass(frozen=True, slots=True)
class StepView:
    index: int
    command: str
    purpose: str
    tier: Tier
    status: StepStatus
    exit_status: int | None = None
    rollback_key: str | None = None
    note: str | None = None
    """Why the step failed, was refused or skipped, in words for the operator."""


@dataclass(frozen=True, slots=True)
class PlanView:
    """A plan as the plan pane shows it; a new view is sent on every change."""

    id: str
    title: str
    host: str
    aborted: bool
    steps: tuple[StepView, ...]

    @property
    def running(self) -> bool:
        return any(step.status is StepStatus.RUNNING for step in self.steps)


@dataclass(frozen=True, slots=True)
class RollbackView:
    """A rollback point as the timeline and `hitl rollbacks` show it, judged at one moment."""

    key: str
    host: str
    command: str
    tier: str
    strategies: tuple[str, ...]
    created: float
    status: str
    """live, rolled back, failed or expired (a live point past its expiry reads expired)."""
    expires_in: str
    """`1d 2h`, `3h 05m`, `4m 10s`, `12s`, or `expired`."""
    refusal: str | None
    """Why it cannot be rolled back now, or None when it can."""
    captured: tuple[str, ...]
    """What was captured, one line each."""
    operator: str | None = None
    """Who made the change it undoes (another operator's, in a team store)."""
    proposed_by: str = ""
    """Who proposed the action that made it, as history names them (`model`, `plan:ID (model)`, ...)."""
    decided: str = ""
    """How that action was decided: `approved by the operator`, `remembered RULE`, ..."""

    @property
    def expired(self) -> bool:
        return self.status == "expired"
