"""The rows people read, covered by the audit chain.

`hitl history`, the rollback timeline, recall and a resumed conversation read the `sessions`, `actions`,
`rollback_points` (with the blobs each references) and `notes` tables, not the audit rows. So every write to
those tables records, in the same transaction, the sha256 of each row it touched as it now stands (`rows` in
the audit payload: `[table, key, digest]`, digest None for a row deleted on purpose). Verification replays the
chain to the last digest of every row and compares it with the row as stored: a row changed, added or deleted
behind the chain's back is named. Rollback blobs are checked against their sha256 names too, so a changed
capture fails verification before a restore would use it.

The full-text indexes are derived from these rows (search only) and are not covered, nor is an action's
`owner` (which process runs it: bookkeeping for marking a dead process's actions, itself recorded in the
chain), nor who holds a host or rollback lock (state, not history). Columns added after a table was first
chained (`LATER_COLUMNS`: how a READ ran and what a classifier miss tried; who did it, in team mode) are part
of a row's digest only when set, so the digests recorded before they existed still match. A database written
before the rows were covered gets one `rows-checkpoint` event on migration (trust on first use of what it then
holds); pruning old audit rows re-records, in the `audit-pruned` event, the last digests the pruned rows held.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from console.core.memory.backend import Db

# table -> (key column, the columns a digest covers, in order)
CHAINED: dict[str, tuple[str, tuple[str, ...]]] = {
    "sessions": ("id", ("id", "host", "mode", "started", "updated", "messages")),
    "actions": (
        "id",
        (
            "id",
            "session_id",
            "host",
            "command",
            "tier",
            "reasons",
            "source",
            "proposed",
            "state",
            "decision",
            "decided_by",
            "decided_at",
            "latency",
            "reason",
            "digest",
            "started",
            "finished",
            "ended",
            "exit_status",
            "output",
            "rollback_key",
            "rule_id",
        ),
    ),
    "rollback_points": (
        "key",
        ("key", "host", "action_id", "command", "tier", "strategies", "artifacts", "created", "expires", "status"),
    ),
    "notes": ("id", ("id", "text", "host", "tags", "author", "created")),
    "approval_requests": (
        "id",
        (
            "id",
            "host",
            "kind",
            "tier",
            "title",
            "actions",
            "review",
            "digest",
            "requested_by",
            "created",
            "expires",
            "state",
            "decided_by",
            "decided_at",
            "reason",
        ),
    ),
    "remembered_rules": ("id", ("id", "rule", "created")),
}
LATER_COLUMNS: dict[str, tuple[str, ...]] = {
    "sessions": ("operator",),
    "actions": ("confinement", "attempted", "operator", "approved_by"),
    "rollback_points": ("operator", "blobs_at"),
    "notes": ("operator",),
}
"""Columns added to a chained table after its rows were first chained: a digest covers each as `[name, value]`
only when it is set, so rows written before the column existed keep their digests, and setting or clearing one
later is still seen. Appended in the order they were added (a digest depends on it)."""
RowRef = tuple[str, Any]
"""(table, key) of a chained row."""


def _columns(table: str) -> str:
    return ", ".join((*CHAINED[table][1], *LATER_COLUMNS.get(table, ())))


def _digest(table: str, row: Iterable[Any], extra: Iterable[Any] = ()) -> str:
    values = list(row)
    fixed = len(CHAINED[table][1])
    named = zip(LATER_COLUMNS.get(table, ()), values[fixed:], strict=True)
    later = [[name, value] for name, value in named if value is not None]
    values = [table, *values[:fixed], *extra, *later]
    text = json.dumps(values, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _blobs(db: Db, key: Any) -> list[str]:
    return [row[0] for row in db.execute("SELECT digest FROM rollback_blobs WHERE key = ? ORDER BY digest", (key,))]


def row_digest(db: Db, table: str, key: Any) -> str | None:
    """The digest of one row as stored now (a rollback point with the blobs it references); None if absent."""
    key_column = CHAINED[table][0]
    row = db.execute(f"SELECT {_columns(table)} FROM {table} WHERE {key_column} = ?", (key,)).fetchone()
    if row is None:
        return None
    extra = [_blobs(db, key)] if table == "rollback_points" else []
    return _digest(table, row, extra)


def current_rows(db: Db) -> Iterator[tuple[str, Any, str]]:
    """(table, key, digest) of every chained row, table by table, keys in order."""
    blobs: dict[Any, list[str]] = {}
    for key, digest in db.execute("SELECT key, digest FROM rollback_blobs ORDER BY key, digest"):
        blobs.setdefault(key, []).append(digest)
    for table, (key_column, _columns_hashed) in CHAINED.items():
        for row in db.execute(f"SELECT {_columns(table)} FROM {table} ORDER BY {key_column}"):
            extra = [blobs.get(row[0], [])] if table == "rollback_points" else []
            yield table, row[0], _digest(table, row, extra)


def rows_payload(db: Db, refs: Iterable[RowRef]) -> list[list[Any]]:
    """The `rows` entry of an audit payload for the rows a write touched (call after the write)."""
    return [[table, key, row_digest(db, table, key)] for table, key in dict.fromkeys(refs)]


def recorded_rows(payloads: Iterable[tuple[int, str]]) -> dict[tuple[str, Any], tuple[str | None, int]]:
    """The last digest the chain records for each row, and the audit row id that recorded it; `payloads` are
    (id, payload) pairs in chain order."""
    latest: dict[tuple[str, Any], tuple[str | None, int]] = {}
    for audit_id, payload in payloads:
        for table, key, digest in json.loads(payload).get("rows", ()):
            latest[(table, key)] = (digest, audit_id)
    return latest


def _sort_key(item: tuple[str, Any]) -> tuple[int, str, Any]:
    table, key = item
    return (list(CHAINED).index(table), type(key).__name__, key)


def first_row_mismatch(
    db: Db, latest: dict[tuple[str, Any], tuple[str | None, int]]
) -> tuple[str, int | None, str] | None:
    """(record, audit row, message) for the first row that differs from what the chain recorded, or None."""
    current = {(table, key): digest for table, key, digest in current_rows(db)}
    for table, key in sorted(set(current) | set(latest), key=_sort_key):
        record = f"{table} row {key}"
        now = current.get((table, key))
        recorded, audit_id = latest.get((table, key), (None, None))
        if now == recorded:
            continue
        if recorded is None:
            return record, None, f"{record} is not in the audit chain: it was added behind the chain's back"
        if now is None:
            return record, audit_id, f"{record} was deleted behind the chain's back (audit row {audit_id} recorded it)"
        return record, audit_id, f"{record} was changed after audit row {audit_id} recorded it"
    return None


def _file_sha256(path: Path) -> str | None:
    hasher = hashlib.sha256()
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(1 << 20):
                hasher.update(chunk)
    except OSError:
        return None
    return hasher.hexdigest()


def first_bad_blob(
    db: Db, snapshots_dir: Path, now: float | None = None, *, blobs_at: str | None = None
) -> tuple[str, str] | None:
    """(record, message) for the first live rollback point whose captured data is missing or altered; with
    `blobs_at`, only the points whose blobs are kept there (another machine's are not here to check)."""
    now = time.time() if now is None else now
    where = "" if blobs_at is None else " AND coalesce(p.blobs_at, ?) = ?"
    rows = db.execute(
        "SELECT b.key, b.digest FROM rollback_blobs b JOIN rollback_points p ON p.key = b.key"
        f" WHERE p.status = 'live' AND p.expires > ?{where} ORDER BY p.created, b.key, b.digest",
        (now,) if blobs_at is None else (now, blobs_at, blobs_at),
    ).fetchall()
    for key, digest in rows:
        record = f"rollback_points row {key}"
        found = _file_sha256(snapshots_dir / "sha256" / digest[:2] / digest)
        if found is None:
            return record, f"{record}: its captured data {digest[:12]} is missing from {snapshots_dir}"
        if found != digest:
            return record, f"{record}: its captured data {digest[:12]} was altered (its checksum no longer matches)"
    return None
