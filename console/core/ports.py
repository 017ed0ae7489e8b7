"""What the session needs from its surroundings, as protocols: the record store and the hosts.

The session and the sub-commands depend on these, not on SQLite or the inventory: `MemoryStore` (SQLite) and
`PostgresStore` (the team store) implement `Store`, `InventoryHosts` implements `Hosts`; a fleet of hosts can be
dropped in behind the same methods. (The third port, the `Approver`, is in `console.core.approval`; events leave through
`console.core.events.EventSink`.)
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

from console.core.memory.audit import ExportFormat
from console.core.memory.host_locks import LockHolder
from console.core.memory.records import (
    ActionRecord,
    AuditVerdict,
    RecallHit,
    RequestState,
    RollbackPoint,
    RolloutRecord,
    SecondApproval,
    StoreChange,
    StoredSession,
)
from console.core.transport.base import Transport
from console.core.views import HostInfo


class Store(Protocol):
    """Where everything that happens is recorded, and what the timeline, history and audit read back."""

    operator: str
    """Who this store's writes are recorded as: `operator` from the configuration (default user@hostname), or,
    in a team store, the database login."""
    snapshots_dir: Path
    """Where this machine keeps captured rollback data (a shared directory when `blob_store` names one)."""
    blobs_at: str
    """Where the rollback points this store adds keep their blobs, in words for another operator."""

    @property
    def dialect(self) -> str:
        """`sqlite` or `postgresql` (a team store)."""
        ...

    @property
    def name(self) -> str:
        """The database file, or the team store's address (never its password)."""
        ...

    def close(self) -> None: ...

    def housekeep(
        self, now: float, *, audit_retention: float, snapshots_dir: Path | None = None
    ) -> tuple[int, int]: ...

    # sessions and conversations
    def start_session(self, *, host: str, mode: str) -> int: ...

    def save_conversation(self, session_id: int, messages: list[dict[str, Any]]) -> None: ...

    def last_session(self) -> StoredSession | None: ...

    # actions: written by the session's journal only
    def record_proposal(
        self, *, session_id: int | None, host: str, command: str, tier: str, reasons: Sequence[str], source: str
    ) -> int: ...

    def record_decision(
        self,
        action_id: int,
        *,
        decision: str,
        decided_by: str,
        latency: float | None,
        reason: str | None,
        digest: str | None,
        rule_id: str | None = None,
        approved_by: str | None = None,
    ) -> None: ...

    def record_reclassified(self, action_id: int, *, tier: str, reasons: Sequence[str]) -> None: ...

    def record_skipped(self, action_id: int, *, reason: str) -> None: ...

    def record_start(self, action_id: int) -> None: ...

    def record_finish(
        self,
        action_id: int,
        *,
        exit_status: int | None,
        ended: str,
        output: str,
        rollback_key: str | None,
        confinement: str | None = None,
        attempted: Sequence[str] = (),
    ) -> None: ...

    def record_interrupted(self, action_id: int, *, reason: str) -> None: ...

    def action(self, action_id: int) -> ActionRecord | None: ...

    def actions(self, host: str | None = None, since: float | None = None, limit: int = 100) -> list[ActionRecord]: ...

    # rollback points
    def add_rollback_point(
        self,
        *,
        key: str,
        host: str,
        action_id: int | None,
        command: str,
        tier: str,
        strategies: Sequence[str],
        artifacts: Mapping[str, Any],
        expires_at: float,
    ) -> None: ...

    def rollback_point(self, key: str) -> RollbackPoint | None: ...

    def rollback_points(self, host: str | None = None, include_expired: bool = True) -> list[RollbackPoint]: ...

    def set_rollback_status(self, key: str, status: str) -> None: ...

    def acquire_rollback_lock(self, keys: Sequence[str], *, token: str) -> str | None:
        """Lock `keys` for one rollback (named by `token`) across every process using this store, all or none:
        None when locked, else a sentence naming who is rolling back one of them. A lock whose holder is gone is
        taken over. (A team store implements it with its own locks, e.g. PostgreSQL advisory locks.)"""
        ...

    def release_rollback_lock(self, keys: Sequence[str], *, token: str) -> None: ...

    # rollouts (fleets)
    def record_rollout(self, record: RolloutRecord) -> None: ...

    def rollout(self, key: str) -> RolloutRecord | None: ...

    def rollouts(self, limit: int = 50) -> list[RolloutRecord]: ...

    # notes, recall and the model's context
    def add_note(
        self, text: str, *, host: str | None = None, tags: Sequence[str] = (), author: str = "operator"
    ) -> int: ...

    def recall(self, query: str, *, host: str | None = None, limit: int = 10) -> list[RecallHit]: ...

    def build_context(self, hosts: Sequence[str], *, budget_tokens: int = 1500, query: str | None = None) -> str: ...

    # the audit trail
    def append_audit(self, kind: str, payload: Mapping[str, Any]) -> None: ...

    def verify_audit(self) -> AuditVerdict: ...

    def export_audit(self, fmt: ExportFormat, since: float | None = None) -> Iterator[str]: ...

    # host locks: held from approval to the end of a run (console.core.memory.host_locks)
    def lock_host(self, host: str, *, purpose: str) -> None:
        """Raises `HostLocked` naming the holder when another session holds `host`."""
        ...

    def unlock_host(self, host: str) -> None: ...

    def host_lock_holder(self, host: str) -> LockHolder | None: ...

    # four eyes: requests for a second operator (console.core.team and session/second.py use them)
    def request_second_approval(
        self,
        *,
        host: str,
        kind: str,
        tier: str,
        title: str,
        actions: Sequence[int],
        review: str,
        digest: str,
        expires_at: float,
    ) -> int: ...

    def second_approval(self, request_id: int) -> SecondApproval | None: ...

    def pending_second_approvals(self) -> list[SecondApproval]: ...

    def decide_second_approval(
        self, request_id: int, *, approved: bool, digest: str, reason: str | None = None
    ) -> SecondApproval: ...

    def close_second_approval(self, request_id: int, state: RequestState, reason: str) -> None: ...

    async def wait_second_approval(self, request_id: int, until: float) -> SecondApproval | None: ...

    # what other operators do (a team store's LISTEN/NOTIFY; the SQLite store only says `listening`)
    def watch(self) -> AsyncGenerator[StoreChange]: ...

    # remembered approvals kept in a team store (console.core.remembered.RuleKeeper)
    def remembered_rules(self) -> list[dict[str, Any]]: ...

    def add_remembered_rule(self, rule: dict[str, Any]) -> None: ...

    def revoke_remembered_rule(self, rule_id: str) -> bool: ...


class Hosts(Protocol):
    """How the session reaches hosts: what it knows about each, and one transport per host."""

    def info(self, name: str) -> HostInfo:
        """Raises `SessionError` for an unknown host."""
        ...

    def names(self) -> list[str]: ...

    def groups(self) -> Mapping[str, tuple[str, ...]]:
        """Named groups of hosts (hosts.toml `[groups]`, Ansible inventories): name -> host names."""
        ...

    async def transport(self, name: str) -> Transport: ...

    def ready(self, name: str) -> bool:
        """Whether `transport(name)` connects nowhere new (its transport is open, or it is this machine), so
        nothing (a trust prompt, a slow login) happens by asking for it."""
        ...
