"""What the memory store hands back: plain frozen records, no database handles."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from console.core.errors import StoreError

# proposed -> decided (approved or auto, not yet run) -> running -> finished | interrupted (stopped by the operator,
# or its process died)
# proposed -> declined (rejected or refused: never runs); proposed/decided -> abandoned (its process died first)
# proposed/decided -> skipped (a plan step that never ran: an earlier step failed, the plan was aborted)
ActionState = Literal["proposed", "decided", "declined", "running", "finished", "interrupted", "abandoned", "skipped"]
RollbackStatus = Literal["live", "rolled back", "expired", "failed"]
ROLLBACK_STATUSES: tuple[RollbackStatus, ...] = ("live", "rolled back", "expired", "failed")
DECISIONS = ("approved", "rejected", "auto", "refused", "remembered")
"""`remembered`: approved by a remembered approval, whose id is the action's `rule_id`."""
SOURCES = ("operator", "model", "mcp", "plan", "rollback", "rollout", "cli")
"""The documented kinds of `source` (who proposed an action): `mcp:CLIENT` names the client, a plan step is
`plan:<id> (WHO)` with who proposed the plan, a rollback `rollback (WHO)`, a host's step in a command or plan
across a group `rollout:<key> (WHO)`."""


class MemoryStoreError(StoreError):
    """The database cannot be used (unreadable, corrupt, newer schema, not hitl's). `str()` names the file, or
    the team store's address."""


class StoreUnreachable(MemoryStoreError):
    """The team store's server cannot be reached: nothing was recorded, so nothing may run; worth retrying."""


@dataclass(frozen=True, slots=True)
class StoredSession:
    id: int
    host: str
    mode: str
    started: float
    messages: list[dict[str, Any]]


@dataclass(frozen=True, slots=True)
class ActionRecord:
    """One proposed command and everything that happened to it. Times are Unix seconds."""

    id: int
    session_id: int | None
    host: str
    command: str
    tier: str
    reasons: tuple[str, ...]
    source: str
    proposed: float
    state: ActionState
    decision: str | None
    decided_by: str | None
    latency: float | None
    reason: str | None
    digest: str | None
    started: float | None
    finished: float | None
    ended: str | None
    exit_status: int | None
    output: str
    rollback_key: str | None
    rule_id: str | None = None
    """The remembered approval that decided this action (decision `remembered`)."""
    operator: str | None = None
    """Who proposed and approved it (the operator whose session it was; None before hitl recorded it)."""
    approved_by: str | None = None
    """On a four-eyes host: the second operator, who approved (or rejected) it after `operator` did."""
    confinement: str | None = None
    """For a READ that ran: `confined: MODE`, or `not confined: WHY`."""
    attempted: tuple[str, ...] = ()
    """A caught classifier miss: what the confined READ tried to change (nothing of it persisted)."""

    @property
    def classifier_miss(self) -> bool:
        return bool(self.attempted)

    @property
    def outcome(self) -> str:
        """A short word for tables: the exit status, or what happened instead."""
        if self.state == "finished":
            if self.ended in (None, "exited"):
                return "-" if self.exit_status is None else str(self.exit_status)
            return str(self.ended)
        if self.state in ("decided", "declined"):
            return "not run"
        return self.state


@dataclass(frozen=True, slots=True)
class RollbackPoint:
    key: str
    host: str
    action_id: int | None
    command: str
    tier: str
    strategies: tuple[str, ...]
    artifacts: dict[str, Any]
    created: float
    expires: float
    status: RollbackStatus
    operator: str | None = None
    blobs_at: str | None = None
    """Where its captured blobs are kept (`alice@laptop:/home/alice/.local/share/hitl/snapshots`, or a
    shared directory), so an operator on another machine is told where to roll it back from."""


RequestState = Literal["pending", "approved", "rejected", "withdrawn", "void", "expired"]


@dataclass(frozen=True, slots=True)
class SecondApproval:
    """A request for a second operator (four eyes): what was reviewed, by whom, and what became of it."""

    id: int
    host: str
    kind: str
    tier: str
    title: str
    actions: tuple[int, ...]
    review: str
    """The review document (JSON) the requester approved; the second operator is shown the same."""
    digest: str
    """sha256 of `review`: an approval is for this digest only."""
    requested_by: str
    created: float
    expires: float
    state: RequestState
    decided_by: str | None
    decided_at: float | None
    reason: str | None

    def state_at(self, now: float) -> RequestState:
        return "expired" if self.state == "pending" and self.expires <= now else self.state


@dataclass(frozen=True, slots=True)
class StoreChange:
    """A committed write announced by a team store (LISTEN/NOTIFY): ids only; read the rows to show them."""

    kind: str
    """The audit event's kind (`action-finished`, `rollback-point-added`, `approval-requested`, ...), or
    `listening` once, first, when the watch is in place."""
    operator: str | None = None
    mine: bool = False
    """Written by this store (this process) itself."""
    action: int | None = None
    key: str | None = None
    request: int | None = None
    host: str | None = None


@dataclass(frozen=True, slots=True)
class RecallHit:
    """A note or an action found by `recall`, best first. `text` is the note, or the action's command."""

    kind: Literal["note", "action"]
    id: int
    host: str | None
    text: str
    detail: str
    when: float
    score: float


@dataclass(frozen=True, slots=True)
class AuditVerdict:
    ok: bool
    rows: int
    first_bad_row: int | None
    """The audit row where the chain breaks, or the one that last recorded a tampered record."""
    message: str
    record: str | None = None
    """The record that does not match the chain (`actions row 7`, `rollback_points row rb-abc123`), if any."""

    @property
    def where(self) -> str:
        """What to name in a one-line failure: the record, else the audit row."""
        return self.record or f"row {self.first_bad_row}"


@dataclass(frozen=True, slots=True)
class RolloutHost:
    host: str
    wave: int
    state: str
    keys: tuple[str, ...]
    """Rollback keys of this host's steps, in the order they ran."""

    def to_json(self) -> dict[str, Any]:
        return {"host": self.host, "wave": self.wave, "state": self.state, "keys": list(self.keys)}


@dataclass(frozen=True, slots=True)
class RolloutRecord:
    key: str
    created: float
    target: str
    title: str
    tier: str
    status: str
    hosts: tuple[RolloutHost, ...]

    def payload(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "target": self.target,
            "title": self.title,
            "tier": self.tier,
            "status": self.status,
            "hosts": [host.to_json() for host in self.hosts],
        }
