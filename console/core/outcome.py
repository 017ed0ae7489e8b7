"""What became of an action: one record for the caller (the model's tool result, the CLI's exit status) and for
the console (the event that closes the action), whoever asked for it and however it ended.

`Source` says who asked, `Verdict` how it was decided, `Status` how it ended. They are enums so the journal,
the model's text and `hitl history` cannot drift apart in spelling.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

from console.core.classify.model import Classification
from console.core.tiers import Tier
from console.core.transport.base import Ended, RunResult, Stream

__all__ = ["Ended", "Origin", "Outcome", "PlanOutcome", "RunResult", "Source", "Status", "Stream", "Verdict"]

if TYPE_CHECKING:
    from console.core.plan import Plan


class Origin(StrEnum):
    """Who proposed an action."""

    OPERATOR = "operator"
    """Typed by the operator (manual mode, the timeline, the palette)."""
    MODEL = "model"
    CLI = "cli"
    """`hitl exec` and `hitl rollback`."""
    MCP = "mcp"
    """An agent connected over MCP; the client's name is in `Source.client`."""


@dataclass(frozen=True, slots=True)
class Source:
    origin: Origin
    client: str | None = None
    """For MCP: the client's name, recorded as `mcp:NAME`."""

    def __str__(self) -> str:
        if self.origin is Origin.MCP and self.client:
            return f"mcp:{self.client}"
        return self.origin.value

    @classmethod
    def of(cls, value: Source | Origin | str) -> Source:
        if isinstance(value, Source):
            return value
        return cls(Origin(value))


class Verdict(StrEnum):
    """How an action was decided."""

    AUTO = "auto"
    """READ: runs without asking (decided by the classifier)."""
    APPROVED = "approved"
    REMEMBERED = "remembered"
    """Approved by a remembered approval; the rule's id is in `Outcome.rule`."""
    REJECTED = "rejected"
    REFUSED = "refused"
    """Refused without asking (policy), or an answer the core would not accept."""

    @property
    def approved(self) -> bool:
        return self in (Verdict.AUTO, Verdict.APPROVED, Verdict.REMEMBERED)


class Status(StrEnum):
    """How an action ended."""

    DONE = "done"
    FAILED = "failed"
    """It ran and did not succeed (non-zero exit, timeout, lost connection, a READ that tried to change something
    and was stopped by its confinement), or a restore failed."""
    REJECTED = "rejected"
    REFUSED = "refused"
    """It did not run: policy, an unreachable host, a failed capture, drift, a refused decision."""
    SKIPPED = "skipped"
    """A plan step that never ran: the plan was rejected, stopped at an earlier step, or aborted."""
    INTERRUPTED = "interrupted"
    """It was running when the operator stopped it."""


@dataclass(frozen=True, slots=True)
class Outcome:
    """One action, closed."""

    host: str
    command: str
    classification: Classification
    decision: Verdict
    """How it was decided; `refused` whenever it did not run because the core refused it, also after the
    operator approved (drift, a failed capture, an unreachable host). The journal keeps the operator's answer."""
    status: Status
    reason: str | None = None
    """The operator's words on a rejection, or why it was refused, failed or skipped."""
    result: RunResult | None = None
    rollback_key: str | None = None
    no_rollback: str | None = None
    """What the review said cannot be undone."""
    edited_from: str | None = None
    """The operator edited the proposed command; this is what was proposed."""
    rule: str | None = None
    """For a remembered approval: the rule's id."""
    plan_id: str | None = None
    index: int | None = None
    """The step's number in its plan."""
    confinement: str | None = None
    """For a READ that ran: `confined: MODE`, or `not confined: WHY` (no mode on the host, or
    `read_confinement = off`). None for WRITE and DESTRUCTIVE, which are never confined."""
    attempted: tuple[str, ...] = ()
    """A caught classifier miss: what the confined READ tried to change, one line each (`modified PATH
    (discarded)`, `denied: MESSAGE`). Nothing of it persisted."""

    @property
    def tier(self) -> Tier:
        return self.classification.tier

    @property
    def caught_miss(self) -> bool:
        return bool(self.attempted)

    @property
    def ran(self) -> bool:
        return self.result is not None

    @property
    def ok(self) -> bool:
        return self.status is Status.DONE


@dataclass
class PlanOutcome:
    """A plan and what became of it: `decision` for the plan as a whole, one `Outcome` per step that ran."""

    plan: Plan
    decision: Verdict
    reason: str | None = None
    outcomes: list[Outcome] = field(default_factory=list)
