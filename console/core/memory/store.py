"""The record store's shared logic, the same for the embedded SQLite file (`console.core.memory.sqlite`) and
the team's PostgreSQL database (`console.core.memory.postgres`), which differ only in their `Backend`: sessions,
actions and the model's context here; rollback points (`rollback_points.py`), notes and recall (`notes.py`),
the audit chain's operations (`audit_log.py`), four-eyes requests (`requests.py`) and fleet rollouts
(`rollouts.py`) in their parts.

Decisions:
- Synchronous calls: every call is a few short statements, so the async session calls it directly.
- Every write is one transaction that also appends its audit row, so an event and its audit record exist
  together or not at all. The backend serialises writers before the chain head is read (SQLite: `BEGIN
  IMMEDIATE`; PostgreSQL: a row lock on the chain head), so the chain stays linear with any number of writers.
- Every write records who made it: `operator` on the row and in the audit payload (in team mode the database
  sets it to the connection's login, whatever the client says).
- Text is redacted before it is stored: commands, reasons, outputs, notes, conversations, audit payloads.
- A database that cannot be used raises `MemoryStoreError` naming it; the store never deletes, recreates or
  "repairs" a database.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any, cast

from console.core.memory.audit_log import AuditLog
from console.core.memory.backend import Db
from console.core.memory.base import host_since, marks
from console.core.memory.context import render_context
from console.core.memory.excerpt import output_excerpt
from console.core.memory.notes import NotesAndRecall
from console.core.memory.owner import owner_alive
from console.core.memory.records import DECISIONS, ActionRecord, ActionState, StoredSession
from console.core.memory.requests import ApprovalRequests
from console.core.memory.rollback_points import ROLLBACK_COLUMNS, RollbackPoints, rollback_point_of
from console.core.memory.rollouts import Rollouts
from console.core.redact import redact, redact_json

_ACTION_COLUMNS = (
    "id, session_id, host, command, tier, reasons, source, proposed, state, decision, decided_by, latency, "
    "reason, digest, started, finished, ended, exit_status, output, rollback_key, rule_id, operator, approved_by, "
    "confinement, attempted"
)


def _action(row: Sequence[Any]) -> ActionRecord:
    return ActionRecord(
        id=row[0],
        session_id=row[1],
        host=row[2],
        command=row[3],
        tier=row[4],
        reasons=tuple(json.loads(row[5])),
        source=row[6],
        proposed=row[7],
        state=cast(ActionState, row[8]),
        decision=row[9],
        decided_by=row[10],
        latency=row[11],
        reason=row[12],
        digest=row[13],
        started=row[14],
        finished=row[15],
        ended=row[16],
        exit_status=row[17],
        output=row[18],
        rollback_key=row[19],
        rule_id=row[20],
        operator=row[21],
        approved_by=row[22],
        confinement=row[23],
        attempted=tuple(json.loads(row[24])) if row[24] else (),
    )


class RecordStore(RollbackPoints, NotesAndRecall, ApprovalRequests, Rollouts, AuditLog):
    """Open one through `console.core.stores.open_store` (or `MemoryStore.open`, `PostgresStore.open`);
    thread-safe; a context manager."""

    # -- sessions -----------------------------------------------------------------------------------------

    def start_session(self, *, host: str, mode: str) -> int:
        now = self._clock()
        with self._write() as db:
            session_id = int(
                db.execute(
                    "INSERT INTO sessions (host, mode, started, updated, operator) VALUES (?, ?, ?, ?, ?) RETURNING id",
                    (host, mode, now, now, self.operator),
                ).fetchone()[0]
            )
            payload = {"session": session_id, "host": host, "mode": mode}
            self._audit(db, "session-started", payload, now, [("sessions", session_id)])
        return session_id

    def save_conversation(self, session_id: int, messages: list[dict[str, Any]]) -> None:
        """Store the whole conversation (redacted), replacing the previous copy, so the session can resume."""
        text = json.dumps(redact_json(messages), ensure_ascii=False, default=str)
        now = self._clock()
        with self._write() as db:
            updated = db.execute(
                "UPDATE sessions SET messages = ?, updated = ? WHERE id = ?", (text, now, session_id)
            ).rowcount
            if not updated:
                raise ValueError(f"unknown session id {session_id}")
            payload = {
                "session": session_id,
                "messages": len(messages),
                "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
            }
            self._audit(db, "conversation-saved", payload, now, [("sessions", session_id)])

    def last_session(self) -> StoredSession | None:
        """This operator's last session (in a team store, another operator's conversation is not resumed)."""
        with self._read() as db:
            row = db.execute(
                "SELECT id, host, mode, started, messages FROM sessions WHERE operator = ? OR operator IS NULL"
                " ORDER BY id DESC LIMIT 1",
                (self.operator,),
            ).fetchone()
        if row is None:
            return None
        return StoredSession(id=row[0], host=row[1], mode=row[2], started=row[3], messages=json.loads(row[4]))

    # -- actions ------------------------------------------------------------------------------------------

    def record_proposal(
        self, *, session_id: int | None, host: str, command: str, tier: str, reasons: Sequence[str], source: str
    ) -> int:
        """A command was proposed (by the model, the operator, a plan or a rollback) and classified."""
        command = redact(command)
        clean_reasons = [redact(reason) for reason in reasons]
        now = self._clock()
        with self._write() as db:
            action_id = int(
                db.execute(
                    "INSERT INTO actions (session_id, host, command, tier, reasons, source, proposed, state, owner,"
                    " operator) VALUES (?, ?, ?, ?, ?, ?, ?, 'proposed', ?, ?) RETURNING id",
                    (
                        session_id,
                        host,
                        command,
                        tier,
                        json.dumps(clean_reasons),
                        source,
                        now,
                        self._owner,
                        self.operator,
                    ),
                ).fetchone()[0]
            )
            db.execute(
                "INSERT INTO actions_fts (rowid, command, detail) VALUES (?, ?, ?)",
                (action_id, command, "\n".join(clean_reasons)),
            )
            payload = {
                "action": action_id,
                "session": session_id,
                "host": host,
                "command": command,
                "tier": tier,
                "reasons": clean_reasons,
                "source": source,
            }
            self._audit(db, "action-proposed", payload, now, [("actions", action_id)])
        return action_id

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
    ) -> None:
        """approved / rejected (by the operator), auto (READ), refused (by policy), remembered (by the remembered
        approval `rule_id`); with the operator's reason. `approved_by`: the second operator who approved (or
        rejected) it on a four-eyes host."""
        if decision not in DECISIONS:
            raise ValueError(f"unknown decision {decision!r} (known: {', '.join(DECISIONS)})")
        if (decision == "remembered") != (rule_id is not None):
            raise ValueError("a remembered decision names its rule id, and only a remembered one does")
        reason = redact(reason) if reason else None
        now = self._clock()
        state = "decided" if decision in ("approved", "auto", "remembered") else "declined"
        with self._write() as db:
            _update_action(
                db,
                action_id,
                "state = ?, decision = ?, decided_by = ?, decided_at = ?, latency = ?, reason = ?, digest = ?,"
                " rule_id = ?, approved_by = ?",
                (state, decision, decided_by, now, latency, reason, digest, rule_id, approved_by),
                searchable=reason,
            )
            payload = {
                "action": action_id,
                "decision": decision,
                "decided_by": decided_by,
                "latency": latency,
                "reason": reason,
                "digest": digest,
                "rule": rule_id,
            }
            if approved_by is not None:
                payload["approved_by"] = approved_by
            self._audit(db, "action-decided", payload, now, [("actions", action_id)])

    def record_skipped(self, action_id: int, *, reason: str) -> None:
        """A plan step that never ran (an earlier step failed or was refused, the plan was aborted)."""
        reason = redact(reason)
        now = self._clock()
        with self._write() as db:
            _update_action(db, action_id, "state = 'skipped', finished = ?, reason = ?", (now, reason))
            self._audit(db, "action-skipped", {"action": action_id, "reason": reason}, now, [("actions", action_id)])

    def record_start(self, action_id: int) -> None:
        """The command is about to run; if this process dies before `record_finish`, it becomes interrupted."""
        now = self._clock()
        with self._write() as db:
            _update_action(db, action_id, "state = 'running', started = ?, owner = ?", (now, self._owner))
            self._audit(db, "action-started", {"action": action_id}, now, [("actions", action_id)])

    def record_reclassified(self, action_id: int, *, tier: str, reasons: Sequence[str]) -> None:
        """The tier was raised once the command's paths were resolved on the host (a write landing on a critical
        path): the action is recorded with the tier it was asked and run under."""
        clean_reasons = [redact(reason) for reason in reasons]
        now = self._clock()
        with self._write() as db:
            _update_action(
                db,
                action_id,
                "tier = ?, reasons = ?",
                (tier, json.dumps(clean_reasons)),
                searchable="\n".join(clean_reasons),
            )
            payload = {"action": action_id, "tier": tier, "reasons": clean_reasons}
            self._audit(db, "action-reclassified", payload, now, [("actions", action_id)])

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
    ) -> None:
        """The command ended; its output is kept as a bounded, redacted excerpt. For a READ, `confinement` says
        how it ran; `attempted` lists what a confined READ tried to change (a caught classifier miss), which is
        also chained as its own `classifier-miss` event, in the same transaction."""
        excerpt = output_excerpt(output)
        tried = [redact(line) for line in attempted]
        now = self._clock()
        with self._write() as db:
            _update_action(
                db,
                action_id,
                "state = 'finished', finished = ?, ended = ?, exit_status = ?, output = ?, rollback_key = ?,"
                " confinement = ?, attempted = ?",
                (now, ended, exit_status, excerpt, rollback_key, confinement, json.dumps(tried) if tried else None),
                searchable=excerpt,
            )
            payload = {
                "action": action_id,
                "exit_status": exit_status,
                "ended": ended,
                "output_chars": len(output),
                "excerpt_sha256": hashlib.sha256(excerpt.encode("utf-8")).hexdigest(),
                "rollback_key": rollback_key,
                "confinement": confinement,
            }
            self._audit(db, "action-finished", payload, now, [("actions", action_id)])
            if tried:
                miss = {"action": action_id, "confinement": confinement, "attempted": tried}
                self._audit(db, "classifier-miss", miss, now, [("actions", action_id)])

    def record_interrupted(self, action_id: int, *, reason: str) -> None:
        """The operator stopped the command while it ran: `interrupted`, at this moment, with why."""
        reason = redact(reason)
        now = self._clock()
        with self._write() as db:
            _update_action(
                db,
                action_id,
                "state = 'interrupted', finished = ?, ended = 'cancelled', reason = ?",
                (now, reason),
            )
            payload = {"action": action_id, "was": "running", "reason": reason}
            self._audit(db, "action-interrupted", payload, now, [("actions", action_id)])

    def mark_interrupted(self) -> int:
        """Actions left unfinished by a process that no longer exists: running ones become "interrupted",
        proposed or approved-but-never-started ones "abandoned". Returns how many were marked."""
        with self._read() as db:
            rows = db.execute(
                "SELECT id, state, owner FROM actions WHERE state IN ('proposed', 'decided', 'running')"
            ).fetchall()
        dead = [(row[0], row[1]) for row in rows if row[2] != self._owner and not owner_alive(row[2])]
        if not dead:
            return 0
        now = self._clock()
        marked = 0
        with self._write() as db:
            for action_id, state in dead:
                new_state = "interrupted" if state == "running" else "abandoned"
                changed = db.execute(
                    "UPDATE actions SET state = ?, finished = ? WHERE id = ? AND state = ?",
                    (new_state, now, action_id, state),
                ).rowcount
                if changed:
                    marked += 1
                    payload = {"action": action_id, "was": state}
                    self._audit(db, f"action-{new_state}", payload, now, [("actions", action_id)])
        return marked

    def action(self, action_id: int) -> ActionRecord | None:
        with self._read() as db:
            row = db.execute(f"SELECT {_ACTION_COLUMNS} FROM actions WHERE id = ?", (action_id,)).fetchone()
        return None if row is None else _action(row)

    def actions(self, host: str | None = None, since: float | None = None, limit: int = 100) -> list[ActionRecord]:
        """Newest first."""
        clauses, params = host_since("host", host, "proposed", since)
        with self._read() as db:
            rows = db.execute(
                f"SELECT {_ACTION_COLUMNS} FROM actions{clauses} ORDER BY id DESC LIMIT ?", (*params, limit)
            ).fetchall()
        return [_action(row) for row in rows]

    def housekeep(self, now: float, *, audit_retention: float, snapshots_dir: Path | None = None) -> tuple[int, int]:
        """What a session does on start: expire rollback points (`Settings.rollback_ttl` was applied when each
        was added) and prune audit rows older than `Settings.audit_retention`. Returns (expired, pruned)."""
        return self.expire_rollback_points(now, snapshots_dir), self.prune_audit(now - audit_retention)

    # -- context for the model ----------------------------------------------------------------------------

    def build_context(self, hosts: Sequence[str], *, budget_tokens: int = 1500, query: str | None = None) -> str:
        """A bounded block for the system prompt: live rollback keys and recent actions on `hosts` (all hosts
        when empty), and notes (those relevant to `query` when given, else the newest)."""
        now = self._clock()
        host_list = list(hosts)
        host_clause = f" AND host IN ({marks(host_list)})" if host_list else ""
        with self._read(consistent=True) as db:
            rollbacks = [
                rollback_point_of(row)
                for row in db.execute(
                    f"SELECT {ROLLBACK_COLUMNS} FROM rollback_points WHERE status = 'live' AND expires > ?"
                    f"{host_clause} ORDER BY created DESC LIMIT 20",
                    (now, *host_list),
                )
            ]
            where = f" WHERE host IN ({marks(host_list)})" if host_list else ""
            actions = [
                _action(row)
                for row in db.execute(
                    f"SELECT {_ACTION_COLUMNS} FROM actions{where} ORDER BY id DESC LIMIT 30", host_list
                )
            ]
        notes = self._recall(query, hosts=host_list, limit=15, kinds=("note",)) if query else []
        if not notes:
            notes = self.notes(host_list, limit=15)
        return render_context(host_list, rollbacks, actions, notes, budget_tokens=budget_tokens, now=now)


def _update_action(
    db: Db, action_id: int, assignments: str, values: tuple[Any, ...], *, searchable: str | None = None
) -> None:
    """Set `assignments` (constant SQL) on one action, raising for an unknown id; `searchable` text is appended
    to the action's full-text entry so recall finds it."""
    if not db.execute(f"UPDATE actions SET {assignments} WHERE id = ?", (*values, action_id)).rowcount:
        raise ValueError(f"unknown action id {action_id}")
    if searchable:
        db.execute("UPDATE actions_fts SET detail = detail || ? WHERE rowid = ?", ("\n" + searchable, action_id))
