"""The audit chain's own operations on the store: events that are not a side effect of another write,
verification (the chain, the rows it covers, the blobs of live rollback points), export and pruning.

How a row's hash is computed and a chain walked is `console.core.memory.audit`; which rows the chain covers and
how is `console.core.memory.rows`. This part works on either backend.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from console.core.memory import audit as audit_chain
from console.core.memory.backend import Db
from console.core.memory.base import StoreBase
from console.core.memory.records import AuditVerdict
from console.core.memory.rows import current_rows, first_bad_blob, first_row_mismatch, recorded_rows
from console.core.redact import redact_json

_WITH_ROWS = "payload LIKE '%\"rows\":%'"


class AuditLog(StoreBase):
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
        blobs of live rollback points kept here match their checksums (`snapshots_dir`, by default where this
        store keeps them). The first failure is reported, naming the row."""
        snapshots = self.snapshots_dir if snapshots_dir is None else snapshots_dir
        with self._read(consistent=True) as db:
            base_id, base_hash, head_id, head_hash = db.execute(
                "SELECT base_id, base_hash, head_id, head_hash FROM audit_chain"
            ).fetchone()
            rows = (
                audit_chain.AuditRow(*row)
                for row in db.execute("SELECT id, ts, kind, payload, prev, hash FROM audit ORDER BY id")
            )
            verdict = audit_chain.verify_chain(
                rows, base_id=base_id, base_hash=base_hash, head_id=head_id, head_hash=head_hash
            )
            if not verdict.ok:
                return verdict
            latest = recorded_rows(db.execute(f"SELECT id, payload FROM audit WHERE {_WITH_ROWS} ORDER BY id"))
            mismatch = first_row_mismatch(db, latest)
            if mismatch is not None:
                record, audit_id, message = mismatch
                return AuditVerdict(False, verdict.rows, audit_id, message, record=record)
            bad_blob = first_bad_blob(db, snapshots, self._clock(), blobs_at=self.blobs_at)
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
                    "SELECT id, ts, kind, payload, prev, hash FROM audit WHERE id > ? AND ts >= ? ORDER BY id LIMIT ?",
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


def _digests_only_in(db: Db, *, through: int) -> list[list[Any]]:
    """The row digests recorded last by audit rows up to `through` (about to be pruned), to record again."""
    query = f"SELECT id, payload FROM audit WHERE id {{}} ? AND {_WITH_ROWS} ORDER BY id"
    pruned = recorded_rows(db.execute(query.format("<="), (through,)))
    kept = recorded_rows(db.execute(query.format(">"), (through,)))
    return [[table, key, digest] for (table, key), (digest, _id) in pruned.items() if (table, key) not in kept]


def checkpoint_rows(db: Db) -> dict[str, Any]:
    """The payload of a `rows-checkpoint` event: every chained row as it stands (the chain then covers the rows
    of a database written before it did)."""
    return {"rows": [[table, key, digest] for table, key, digest in current_rows(db)]}
