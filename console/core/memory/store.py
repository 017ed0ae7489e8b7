"""The memory store: one SQLite file with sessions, actions, rollback points, notes and the audit chain.

Decisions:
- Synchronous sqlite3: every call is a few short statements, so the async session calls it directly.
- WAL with `synchronous=NORMAL`: a killed process never corrupts the file or loses a committed transaction
  (only a power cut can lose the last few commits, never consistency).
- Every write is one `BEGIN IMMEDIATE` transaction that also appends its audit row, so an event and its audit
  record exist together or not at all. IMMEDIATE takes the write lock before the chain head is read, so two
  processes appending at once serialise (each waits up to `BUSY_TIMEOUT`) and the chain stays linear.
- Text is redacted before it is stored: commands, reasons, outputs, notes, conversations, audit payloads.
- An unusable file (unreadable, corrupt, not hitl's, newer schema) raises `MemoryStoreError` naming the file;
  the store never deletes, recreates or "repairs" a database.
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Any, Self, cast

from console.core.memory import audit as audit_chain
from console.core.memory import locks as rollback_locks
from console.core.memory.context import render_context
from console.core.memory.excerpt import output_excerpt
from console.core.memory.owner import current_owner, owner_alive
from console.core.memory.recall import CANDIDATES, combined_score, fts_query
from console.core.memory.records import (
    DECISIONS,
    ROLLBACK_STATUSES,
    ActionRecord,
    ActionState,
    AuditVerdict,
    MemoryStoreError,
    RecallHit,
    RollbackPoint,
    RollbackStatus,
    StoredSession,
)
from console.core.memory.rows import (
    RowRef,
    current_rows,
    first_bad_blob,
    first_row_mismatch,
    recorded_rows,
    rows_payload,
)
from console.core.memory.schema import APPLICATION_ID, LATEST_VERSION, MIGRATIONS, ROWS_CHAINED_FROM
from console.core.private_files import create_private_file, keep_private, make_private_dir
from console.core.redact import redact, redact_json

BUSY_TIMEOUT = 30.0
# Rollback blobs written this recently are never collected: a capture may be about to reference one again.
BLOB_GRACE_SECONDS = 600.0
NOTE_AUTHORS = ("operator", "model")
_HEX_DIGEST = re.compile(r"^[0-9a-f]{64}$")

_ACTION_COLUMNS = (
    "id, session_id, host, command, tier, reasons, source, proposed, state, decision, decided_by, latency, "
    "reason, digest, started, finished, ended, exit_status, output, rollback_key, rule_id, confinement, attempted"
)
_ROLLBACK_COLUMNS = "key, host, action_id, command, tier, strategies, artifacts, created, expires, status"


def _statements(script: str) -> Iterator[str]:
    """Split a migration into statements (executescript would commit the surrounding transaction)."""
    pending = ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            yield pending.strip()
            pending = ""
    if pending.strip():
        yield pending.strip()


def _describe(path: Path, error: sqlite3.Error) -> str:
    text = str(error)
    if "locked" in text or "busy" in text:
        return f"{path}: busy: another hitl process held the database for more than {BUSY_TIMEOUT:.0f}s"
    if "not a database" in text or "malformed" in text:
        return f"{path}: the database is corrupt or not a database ({text}); it was left untouched"
    if "unable to open" in text or "readonly" in text or "disk I/O" in text:
        return f"{path}: cannot be opened for reading and writing ({text})"
    return f"{path}: {text}"


def _action(row: sqlite3.Row) -> ActionRecord:
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
        confinement=row[21],
        attempted=tuple(json.loads(row[22])) if row[22] else (),
    )


def _rollback_point(row: sqlite3.Row) -> RollbackPoint:
    return RollbackPoint(
        key=row[0],
        host=row[1],
        action_id=row[2],
        command=row[3],
        tier=row[4],
        strategies=tuple(json.loads(row[5])),
        artifacts=json.loads(row[6]),
        created=row[7],
        expires=row[8],
        status=cast(RollbackStatus, row[9]),
    )


def blob_path(snapshots_dir: Path, digest: str) -> Path:
    """Where the capture layer keeps the content-addressed blob `digest` (sha256 hex)."""
    return snapshots_dir / "sha256" / digest[:2] / digest


class MemoryStore:
    """Use `MemoryStore.open(path)`; thread-safe (one connection behind a lock); a context manager."""

    def __init__(self, path: Path, connection: sqlite3.Connection, clock: Callable[[], float]) -> None:
        self.path = path
        self._connection: sqlite3.Connection | None = connection
        self._clock = clock
        self._lock = threading.RLock()
        self._owner = current_owner()

    # -- opening and closing ------------------------------------------------------------------------------

    @classmethod
    def open(cls, path: Path, *, clock: Callable[[], float] = time.time) -> MemoryStore:
        """Open (creating directories and the file if needed) and migrate; mark dead processes' actions.

        Raises MemoryStoreError, naming the file, when it cannot be used; the file is never replaced.
        """
        path = Path(path)
        if path.exists() and not path.is_file():
            raise MemoryStoreError(f"{path}: exists but is not a file")
        try:
            make_private_dir(path.parent)
            create_private_file(path)
            keep_private(path, Path(f"{path}-wal"), Path(f"{path}-shm"))
        except OSError as error:
            raise MemoryStoreError(f"{path}: cannot create its directory: {error.strerror}") from None
        try:
            connection = sqlite3.connect(
                path, timeout=BUSY_TIMEOUT, isolation_level=None, check_same_thread=False, cached_statements=64
            )
        except sqlite3.Error as error:
            raise MemoryStoreError(_describe(path, error)) from None
        try:
            connection.execute("PRAGMA foreign_keys = ON")
            connection.create_function("hitl_audit_hash", 5, audit_chain.row_hash, deterministic=True)
            mode = connection.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                raise MemoryStoreError(f"{path}: cannot switch to write-ahead logging (journal mode {mode})")
            connection.execute("PRAGMA synchronous = NORMAL")
            _migrate(path, connection)
        except sqlite3.Error as error:
            connection.close()
            raise MemoryStoreError(_describe(path, error)) from None
        except MemoryStoreError:
            connection.close()
            raise
        store = cls(path, connection, clock)
        store.mark_interrupted()
        return store

    def close(self) -> None:
        with self._lock:
            if self._connection is not None:
                self._connection.close()
                self._connection = None

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()

    # -- transactions -------------------------------------------------------------------------------------

    def _open_connection(self) -> sqlite3.Connection:
        if self._connection is None:
            raise MemoryStoreError(f"{self.path}: the memory store is closed")
        return self._connection

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One IMMEDIATE transaction; sqlite errors become MemoryStoreError naming the file."""
        with self._lock:
            connection = self._open_connection()
            try:
                connection.execute("BEGIN IMMEDIATE")
                try:
                    yield connection
                    connection.execute("COMMIT")
                except BaseException:
                    if connection.in_transaction:
                        connection.execute("ROLLBACK")
                    raise
            except sqlite3.Error as error:
                raise MemoryStoreError(_describe(self.path, error)) from None

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        """A consistent snapshot for several SELECTs."""
        with self._lock:
            connection = self._open_connection()
            try:
                connection.execute("BEGIN")
                try:
                    yield connection
                finally:
                    if connection.in_transaction:
                        connection.execute("COMMIT")
            except sqlite3.Error as error:
                raise MemoryStoreError(_describe(self.path, error)) from None

    def _audit(
        self,
        connection: sqlite3.Connection,
        kind: str,
        payload: Mapping[str, Any],
        ts: float,
        rows: Iterable[RowRef] = (),
    ) -> None:
        """Append to the chain, with the digests of the chained `rows` this write touched; call only inside
        `_write` (the IMMEDIATE lock makes the head read safe)."""
        _append_audit(connection, kind, payload, ts, rows)

    # -- sessions -----------------------------------------------------------------------------------------

    def start_session(self, *, host: str, mode: str) -> int:
        now = self._clock()
        with self._write() as db:
            cursor = db.execute(
                "INSERT INTO sessions (host, mode, started, updated) VALUES (?, ?, ?, ?)", (host, mode, now, now)
            )
            session_id = cast(int, cursor.lastrowid)
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
        with self._read() as db:
            row = db.execute(
                "SELECT id, host, mode, started, messages FROM sessions ORDER BY id DESC LIMIT 1"
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
            cursor = db.execute(
                "INSERT INTO actions (session_id, host, command, tier, reasons, source, proposed, state, owner)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, 'proposed', ?)",
                (session_id, host, command, tier, json.dumps(clean_reasons), source, now, self._owner),
            )
            action_id = cast(int, cursor.lastrowid)
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
    ) -> None:
        """approved / rejected (by the operator), auto (READ), refused (by policy), remembered (by the remembered
        approval `rule_id`); with the operator's reason."""
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
                " rule_id = ?",
                (state, decision, decided_by, now, latency, reason, digest, rule_id),
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
            self._audit(db, "action-decided", payload, now, [("actions", action_id)])

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
        clauses, params = _host_since("host", host, "proposed", since)
        with self._read() as db:
            rows = db.execute(
                f"SELECT {_ACTION_COLUMNS} FROM actions{clauses} ORDER BY id DESC LIMIT ?", (*params, limit)
            ).fetchall()
        return [_action(row) for row in rows]

    # -- rollback points ----------------------------------------------------------------------------------

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
    ) -> None:
        """Record a capture. `artifacts` belongs to the capture layer; its "blobs" (sha256 hex digests of files
        under `snapshots/sha256/`) are indexed so expiry can collect the ones nothing live refers to."""
        blobs = artifacts.get("blobs", [])
        if not isinstance(blobs, list | tuple) or not all(
            isinstance(blob, str) and _HEX_DIGEST.match(blob) for blob in blobs
        ):
            raise ValueError('artifacts["blobs"] must be a list of sha256 hex digests')
        command = redact(command)
        now = self._clock()
        with self._write() as db:
            db.execute(
                f"INSERT INTO rollback_points ({_ROLLBACK_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'live')",
                (
                    key,
                    host,
                    action_id,
                    command,
                    tier,
                    json.dumps(list(strategies)),
                    json.dumps(artifacts, sort_keys=True, default=str),
                    now,
                    expires_at,
                ),
            )
            db.executemany(
                "INSERT OR IGNORE INTO rollback_blobs (key, digest) VALUES (?, ?)", [(key, blob) for blob in blobs]
            )
            payload = {
                "key": key,
                "host": host,
                "action": action_id,
                "command": command,
                "tier": tier,
                "strategies": list(strategies),
                "blobs": len(blobs),
                "expires": expires_at,
            }
            self._audit(db, "rollback-point-added", payload, now, [("rollback_points", key)])

    def rollback_point(self, key: str) -> RollbackPoint | None:
        with self._read() as db:
            row = db.execute(f"SELECT {_ROLLBACK_COLUMNS} FROM rollback_points WHERE key = ?", (key,)).fetchone()
        return None if row is None else _rollback_point(row)

    def rollback_points(self, host: str | None = None, include_expired: bool = True) -> list[RollbackPoint]:
        """Newest first; the timeline includes expired points (their artifacts may be gone)."""
        clauses, params = _host_since("host", host, "created", None)
        if not include_expired:
            clauses += (" AND" if clauses else " WHERE") + " status = 'live' AND expires > ?"
            params.append(self._clock())
        with self._read() as db:
            rows = db.execute(
                f"SELECT {_ROLLBACK_COLUMNS} FROM rollback_points{clauses} ORDER BY created DESC, rowid DESC", params
            ).fetchall()
        return [_rollback_point(row) for row in rows]

    def set_rollback_status(self, key: str, status: str) -> None:
        if status not in ROLLBACK_STATUSES:
            raise ValueError(f"unknown rollback status {status!r} (known: {', '.join(ROLLBACK_STATUSES)})")
        now = self._clock()
        with self._write() as db:
            if not db.execute("UPDATE rollback_points SET status = ? WHERE key = ?", (status, key)).rowcount:
                raise ValueError(f"unknown rollback key {key!r}")
            self._audit(db, "rollback-status", {"key": key, "status": status}, now, [("rollback_points", key)])

    def acquire_rollback_lock(self, keys: Sequence[str], *, token: str) -> str | None:
        """Lock `keys` for one rollback (`token`), all or none: None when locked, else who is rolling back one
        of them. A lock left by a process that is gone is taken over."""
        with self._write() as db:
            return rollback_locks.take(db, keys, owner=self._owner, token=token, now=self._clock())

    def release_rollback_lock(self, keys: Sequence[str], *, token: str) -> None:
        with self._write() as db:
            rollback_locks.release(db, keys, token=token)

    def expire_rollback_points(self, now: float, snapshots_dir: Path) -> int:
        """Mark live points past their expiry as expired, and delete the blobs no unexpired point refers to.

        Runs in one IMMEDIATE transaction, so no other process can register a reference to a blob while it
        is being deleted; a crash part-way leaves references that the next run collects. Blobs modified in
        the last BLOB_GRACE_SECONDS are kept (a capture may be about to reference an existing blob).
        Returns the number of points newly expired.
        """
        with self._write() as db:
            keys = [
                row[0]
                for row in db.execute(
                    "SELECT key FROM rollback_points WHERE status = 'live' AND expires <= ? ORDER BY created", (now,)
                )
            ]
            if keys:
                db.executemany("UPDATE rollback_points SET status = 'expired' WHERE key = ?", [(k,) for k in keys])
            garbage = [
                row[0]
                for row in db.execute(
                    "SELECT b.digest FROM rollback_blobs b JOIN rollback_points p ON p.key = b.key"
                    " GROUP BY b.digest HAVING max(p.expires) <= ?",
                    (now,),
                )
            ]
            collected = []
            recent = time.time() - BLOB_GRACE_SECONDS
            for digest in garbage:
                blob = blob_path(snapshots_dir, digest)
                try:
                    if blob.stat().st_mtime > recent:
                        continue
                    blob.unlink()
                except FileNotFoundError:
                    pass
                except OSError as error:
                    raise MemoryStoreError(f"{blob}: cannot delete expired rollback data: {error.strerror}") from None
                collected.append(digest)
            marks = ", ".join("?" * len(collected))
            touched = keys + [
                row[0]
                for row in db.execute(f"SELECT DISTINCT key FROM rollback_blobs WHERE digest IN ({marks})", collected)
            ]
            db.executemany("DELETE FROM rollback_blobs WHERE digest = ?", [(d,) for d in collected])
            if keys or collected:
                payload = {"keys": keys, "blobs_deleted": len(collected)}
                refs = [("rollback_points", key) for key in touched]
                self._audit(db, "rollback-points-expired", payload, now, refs)
        return len(keys)

    def housekeep(self, now: float, *, audit_retention: float, snapshots_dir: Path) -> tuple[int, int]:
        """What a session does on start: expire rollback points (`Settings.rollback_ttl` was applied when each
        was added) and prune audit rows older than `Settings.audit_retention`. Returns (expired, pruned)."""
        return self.expire_rollback_points(now, snapshots_dir), self.prune_audit(now - audit_retention)

    # -- notes and recall ---------------------------------------------------------------------------------

    def add_note(
        self, text: str, *, host: str | None = None, tags: Sequence[str] = (), author: str = "operator"
    ) -> int:
        """Something the operator or the model chose to remember."""
        if author not in NOTE_AUTHORS:
            raise ValueError(f"unknown note author {author!r} (known: {', '.join(NOTE_AUTHORS)})")
        if not text.strip():
            raise ValueError("a note needs some text")
        text = redact(text)
        clean_tags = [redact(tag) for tag in tags]
        now = self._clock()
        with self._write() as db:
            cursor = db.execute(
                "INSERT INTO notes (text, host, tags, author, created) VALUES (?, ?, ?, ?, ?)",
                (text, host, json.dumps(clean_tags), author, now),
            )
            note_id = cast(int, cursor.lastrowid)
            db.execute(
                "INSERT INTO notes_fts (rowid, text, tags) VALUES (?, ?, ?)", (note_id, text, " ".join(clean_tags))
            )
            payload = {"note": note_id, "host": host, "tags": clean_tags, "author": author, "text": text}
            self._audit(db, "note-added", payload, now, [("notes", note_id)])
        return note_id

    def recall(self, query: str, *, host: str | None = None, limit: int = 10) -> list[RecallHit]:
        """Notes and actions matching `query` (any text), ranked by relevance and recency, best first.

        With `host`, actions on that host and notes about it or about no host in particular.
        """
        return self._recall(query, hosts=[host] if host else [], limit=limit, kinds=("note", "action"))

    def _recall(self, query: str, *, hosts: Sequence[str], limit: int, kinds: Sequence[str]) -> list[RecallHit]:
        match = fts_query(query)
        if match is None or limit <= 0:
            return []
        now = self._clock()
        host_list = list(hosts)
        marks = ", ".join("?" * len(host_list))
        candidates: list[tuple[float, RecallHit]] = []
        with self._read() as db:
            if "note" in kinds:
                where = f" AND (n.host IS NULL OR n.host IN ({marks}))" if host_list else ""
                rows = db.execute(
                    "SELECT n.id, n.host, n.text, n.tags, n.author, n.created, -bm25(notes_fts, 1.0, 0.5)"
                    f" FROM notes_fts JOIN notes n ON n.id = notes_fts.rowid WHERE notes_fts MATCH ?{where}"
                    " ORDER BY notes_fts.rowid DESC LIMIT ?",
                    (match, *host_list, CANDIDATES),
                ).fetchall()
                for row in rows:
                    tags = json.loads(row[3])
                    detail = f"note by {row[4]}" + (f", tags: {', '.join(tags)}" if tags else "")
                    candidates.append((row[6], RecallHit("note", row[0], row[1], row[2], detail, row[5], 0.0)))
            if "action" in kinds:
                where = f" AND a.host IN ({marks})" if host_list else ""
                rows = db.execute(
                    "SELECT a.id, a.host, a.command, a.tier, a.decision, a.state, a.exit_status, a.proposed,"
                    " -bm25(actions_fts, 2.0, 1.0)"
                    f" FROM actions_fts JOIN actions a ON a.id = actions_fts.rowid WHERE actions_fts MATCH ?{where}"
                    " ORDER BY actions_fts.rowid DESC LIMIT ?",
                    (match, *host_list, CANDIDATES),
                ).fetchall()
                for row in rows:
                    if row[5] == "finished" and row[6] is not None:
                        status = f" exit {row[6]}"
                    else:
                        status = "" if row[5] in ("decided", "declined") else f" {row[5]}"
                    detail = f"{row[3]} {row[4] or 'undecided'}{status}"
                    candidates.append((row[8], RecallHit("action", row[0], row[1], row[2], detail, row[7], 0.0)))
        if not candidates:
            return []
        best = max(relevance for relevance, _ in candidates)
        scored = [
            RecallHit(
                hit.kind, hit.id, hit.host, hit.text, hit.detail, hit.when, combined_score(rel, best, now - hit.when)
            )
            for rel, hit in candidates
        ]
        scored.sort(key=lambda hit: (hit.score, hit.when), reverse=True)
        return scored[:limit]

    def notes(self, hosts: Sequence[str] = (), limit: int = 20) -> list[RecallHit]:
        """The newest notes about `hosts` (and about no host in particular); all notes when `hosts` is empty."""
        host_list = list(hosts)
        where = f" WHERE host IS NULL OR host IN ({', '.join('?' * len(host_list))})" if host_list else ""
        with self._read() as db:
            rows = db.execute(
                f"SELECT id, host, text, tags, author, created FROM notes{where} ORDER BY id DESC LIMIT ?",
                (*host_list, limit),
            ).fetchall()
        hits = []
        for row in rows:
            tags = json.loads(row[3])
            detail = f"note by {row[4]}" + (f", tags: {', '.join(tags)}" if tags else "")
            hits.append(RecallHit("note", row[0], row[1], row[2], detail, row[5], 1.0))
        return hits

    # -- context for the model ----------------------------------------------------------------------------

    def build_context(self, hosts: Sequence[str], *, budget_tokens: int = 1500, query: str | None = None) -> str:
        """A bounded block for the system prompt: live rollback keys and recent actions on `hosts` (all hosts
        when empty), and notes (those relevant to `query` when given, else the newest)."""
        now = self._clock()
        host_list = list(hosts)
        marks = ", ".join("?" * len(host_list))
        host_clause = f" AND host IN ({marks})" if host_list else ""
        with self._read() as db:
            rollbacks = [
                _rollback_point(row)
                for row in db.execute(
                    f"SELECT {_ROLLBACK_COLUMNS} FROM rollback_points WHERE status = 'live' AND expires > ?"
                    f"{host_clause} ORDER BY created DESC LIMIT 20",
                    (now, *host_list),
                )
            ]
            where = f" WHERE host IN ({marks})" if host_list else ""
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

    # -- audit --------------------------------------------------------------------------------------------

    def append_audit(self, kind: str, payload: Mapping[str, Any]) -> None:
        """An audit event that is not a side effect of another write (approval statistics, trust decisions)."""
        if not kind.strip():
            raise ValueError("an audit event needs a kind")
        clean = redact_json(dict(payload))
        now = self._clock()
        with self._write() as db:
            self._audit(db, kind, clean, now)

    def verify_audit(self, snapshots_dir: Path | None = None) -> AuditVerdict:
        """Check the chain itself, then that every chained row is as the chain last recorded it, then that the
        blobs of live rollback points match their checksums (`snapshots_dir`, by default the `snapshots`
        directory beside the database). The first failure is reported, naming the row."""
        snapshots = self.path.parent / "snapshots" if snapshots_dir is None else snapshots_dir
        with self._read() as db:
            base_id, base_hash, head_id, head_hash = db.execute(
                "SELECT base_id, base_hash, head_id, head_hash FROM audit_chain"
            ).fetchone()
            rows = (audit_chain.AuditRow(*row) for row in db.execute("SELECT * FROM audit ORDER BY id"))
            verdict = audit_chain.verify_chain(
                rows, base_id=base_id, base_hash=base_hash, head_id=head_id, head_hash=head_hash
            )
            if not verdict.ok:
                return verdict
            latest = recorded_rows(db.execute("SELECT id, payload FROM audit WHERE payload LIKE '%\"rows\":%'"))
            mismatch = first_row_mismatch(db, latest)
            if mismatch is not None:
                record, audit_id, message = mismatch
                return AuditVerdict(False, verdict.rows, audit_id, message, record=record)
            bad_blob = first_bad_blob(db, snapshots, self._clock())
            if bad_blob is not None:
                return AuditVerdict(False, verdict.rows, None, bad_blob[1], record=bad_blob[0])
        return AuditVerdict(
            True, verdict.rows, None, verdict.message + "; every history row and rollback point matches"
        )

    def export_audit(self, fmt: audit_chain.ExportFormat, since: float | None = None) -> Iterator[str]:
        """Rows from `since` (all when None), oldest first, as JSON Lines or CSV; read in pages."""
        if fmt not in audit_chain.EXPORT_FORMATS:
            raise ValueError(f"unknown export format {fmt!r} (known: {', '.join(audit_chain.EXPORT_FORMATS)})")
        return audit_chain.export_rows(self._audit_rows(since), fmt)

    def _audit_rows(self, since: float | None, page: int = 2000) -> Iterator[audit_chain.AuditRow]:
        after = 0
        while True:
            with self._read() as db:
                rows = db.execute(
                    "SELECT * FROM audit WHERE id > ? AND ts >= ? ORDER BY id LIMIT ?",
                    (after, -1.0 if since is None else since, page),
                ).fetchall()
            yield from (audit_chain.AuditRow(*row) for row in rows)
            if len(rows) < page:
                return
            after = rows[-1][0]

    def prune_audit(self, older_than: float) -> int:
        """Delete the oldest audit rows with a time before `older_than`, keeping the chain verifiable: the last
        deleted row becomes the chain's base, and the pruning itself is recorded. Returns rows deleted."""
        now = self._clock()
        with self._write() as db:
            head_id = db.execute("SELECT head_id FROM audit_chain").fetchone()[0]
            first_kept = db.execute(
                "SELECT coalesce(min(id), ?) FROM audit WHERE ts >= ?", (head_id + 1, older_than)
            ).fetchone()[0]
            last = db.execute(
                "SELECT id, hash FROM audit WHERE id < ? ORDER BY id DESC LIMIT 1", (first_kept,)
            ).fetchone()
            if last is None:
                return 0
            carried = _digests_only_in(db, through=last[0])
            deleted = db.execute("DELETE FROM audit WHERE id <= ?", (last[0],)).rowcount
            db.execute("UPDATE audit_chain SET base_id = ?, base_hash = ?", (last[0], last[1]))
            payload = {"through": last[0], "deleted": deleted, "before": older_than, "rows": carried}
            self._audit(db, "audit-pruned", payload, now)
        return int(deleted)


def _append_audit(
    connection: sqlite3.Connection, kind: str, payload: Mapping[str, Any], ts: float, rows: Iterable[RowRef] = ()
) -> None:
    # One statement: the row follows the head, its hash is computed by audit.row_hash (registered as an SQL
    # function on open), and a trigger advances the head.
    refs = list(rows)
    if refs:
        payload = {**payload, "rows": rows_payload(connection, refs)}
    connection.execute(
        "INSERT INTO audit (id, ts, kind, payload, prev, hash) SELECT head_id + 1, ?1, ?2, ?3, head_hash,"
        " hitl_audit_hash(head_hash, head_id + 1, ?1, ?2, ?3) FROM audit_chain",
        (ts, kind, audit_chain.canonical_payload(payload)),
    )


def _host_since(host_column: str, host: str | None, time_column: str, since: float | None) -> tuple[str, list[Any]]:
    clauses: list[str] = []
    params: list[Any] = []
    if host is not None:
        clauses.append(f"{host_column} = ?")
        params.append(host)
    if since is not None:
        clauses.append(f"{time_column} >= ?")
        params.append(since)
    return ((" WHERE " + " AND ".join(clauses)) if clauses else ""), params


def _migrate(path: Path, connection: sqlite3.Connection) -> None:
    """Bring the schema to LATEST_VERSION inside one IMMEDIATE transaction (safe with concurrent openers)."""
    connection.execute("BEGIN IMMEDIATE")
    try:
        version = connection.execute("PRAGMA user_version").fetchone()[0]
        application_id = connection.execute("PRAGMA application_id").fetchone()[0]
        if version > LATEST_VERSION:
            raise MemoryStoreError(
                f"{path}: written by a newer hitl (schema version {version}, this hitl knows up to "
                f"{LATEST_VERSION}); upgrade hitl or point HITL_HOME elsewhere"
            )
        if version == 0 and connection.execute("SELECT count(*) FROM sqlite_schema").fetchone()[0]:
            raise MemoryStoreError(f"{path}: not a hitl database (it holds another program's tables); left untouched")
        if version > 0 and application_id != APPLICATION_ID:
            raise MemoryStoreError(f"{path}: not a hitl database (application id {application_id:#x}); left untouched")
        for script in MIGRATIONS[version:]:
            for statement in _statements(script):
                connection.execute(statement)
        if 0 < version < ROWS_CHAINED_FROM:  # a fresh database has no rows to vouch for
            _checkpoint(connection, time.time())
        if version < LATEST_VERSION:
            connection.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            connection.execute(f"PRAGMA user_version = {LATEST_VERSION}")
        connection.execute("COMMIT")
    except BaseException:
        if connection.in_transaction:
            connection.execute("ROLLBACK")
        raise


def _digests_only_in(db: sqlite3.Connection, *, through: int) -> list[list[Any]]:
    """The row digests recorded last by audit rows up to `through` (about to be pruned), to record again."""
    query = "SELECT id, payload FROM audit WHERE id {} ? AND payload LIKE '%\"rows\":%' ORDER BY id"
    pruned = recorded_rows(db.execute(query.format("<="), (through,)))
    kept = recorded_rows(db.execute(query.format(">"), (through,)))
    return [[table, key, digest] for (table, key), (digest, _id) in pruned.items() if (table, key) not in kept]


def _checkpoint(connection: sqlite3.Connection, ts: float) -> None:
    """Record every chained row as it stands: the chain covers the rows of a database written before it did."""
    rows = [[table, key, digest] for table, key, digest in current_rows(connection)]
    _append_audit(connection, "rows-checkpoint", {"rows": rows}, ts)


def _update_action(
    db: sqlite3.Connection, action_id: int, assignments: str, values: tuple[Any, ...], *, searchable: str | None = None
) -> None:
    """Set `assignments` (constant SQL) on one action, raising for an unknown id; `searchable` text is appended
    to the action's full-text entry so recall finds it."""
    if not db.execute(f"UPDATE actions SET {assignments} WHERE id = ?", (*values, action_id)).rowcount:
        raise ValueError(f"unknown action id {action_id}")
    if searchable:
        db.execute("UPDATE actions_fts SET detail = detail || char(10) || ? WHERE rowid = ?", (searchable, action_id))
