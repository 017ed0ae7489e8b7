"""Rollback points in the record store: kept with the blobs they reference and where those blobs are, listed
for the timeline, marked as used, and expired (with the blobs nothing live refers to any more)."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, cast

from console.core.memory.base import StoreBase, host_since, marks
from console.core.memory.records import ROLLBACK_STATUSES, MemoryStoreError, RollbackPoint, RollbackStatus
from console.core.redact import redact

# Rollback blobs written this recently are never collected: a capture may be about to reference one again.
BLOB_GRACE_SECONDS = 600.0
_HEX_DIGEST = re.compile(r"^[0-9a-f]{64}$")

ROLLBACK_COLUMNS = (
    "key, host, action_id, command, tier, strategies, artifacts, created, expires, status, operator, blobs_at"
)
_INSERT_ROLLBACK = "key, host, action_id, command, tier, strategies, artifacts, created, expires, status"


def rollback_point_of(row: Sequence[Any]) -> RollbackPoint:
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
        operator=row[10],
        blobs_at=row[11],
    )


def blob_path(snapshots_dir: Path, digest: str) -> Path:
    """Where the capture layer keeps the content-addressed blob `digest` (sha256 hex)."""
    return snapshots_dir / "sha256" / digest[:2] / digest


class RollbackPoints(StoreBase):
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
        under `snapshots/sha256/`) are indexed so expiry can collect the ones nothing live refers to, and the
        point says where they are (`blobs_at`), for an operator on another machine."""
        blobs = artifacts.get("blobs", [])
        if not isinstance(blobs, list | tuple) or not all(
            isinstance(blob, str) and _HEX_DIGEST.match(blob) for blob in blobs
        ):
            raise ValueError('artifacts["blobs"] must be a list of sha256 hex digests')
        command = redact(command)
        now = self._clock()
        with self._write() as db:
            db.execute(
                f"INSERT INTO rollback_points ({_INSERT_ROLLBACK}, operator, blobs_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'live', ?, ?)",
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
                    self.operator,
                    self.blobs_at,
                ),
            )
            db.executemany(
                "INSERT INTO rollback_blobs (key, digest) VALUES (?, ?) ON CONFLICT DO NOTHING",
                [(key, blob) for blob in blobs],
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
            row = db.execute(f"SELECT {ROLLBACK_COLUMNS} FROM rollback_points WHERE key = ?", (key,)).fetchone()
        return None if row is None else rollback_point_of(row)

    def rollback_points(self, host: str | None = None, include_expired: bool = True) -> list[RollbackPoint]:
        """Newest first; the timeline includes expired points (their artifacts may be gone)."""
        clauses, params = host_since("host", host, "created", None)
        if not include_expired:
            clauses += (" AND" if clauses else " WHERE") + " status = 'live' AND expires > ?"
            params.append(self._clock())
        order = self._backend.insertion_order
        with self._read() as db:
            rows = db.execute(
                f"SELECT {ROLLBACK_COLUMNS} FROM rollback_points{clauses} ORDER BY created DESC, {order} DESC",
                params,
            ).fetchall()
        return [rollback_point_of(row) for row in rows]

    def set_rollback_status(self, key: str, status: str) -> None:
        if status not in ROLLBACK_STATUSES:
            raise ValueError(f"unknown rollback status {status!r} (known: {', '.join(ROLLBACK_STATUSES)})")
        now = self._clock()
        with self._write() as db:
            if not db.execute("UPDATE rollback_points SET status = ? WHERE key = ?", (status, key)).rowcount:
                raise ValueError(f"unknown rollback key {key!r}")
            self._audit(db, "rollback-status", {"key": key, "status": status}, now, [("rollback_points", key)])

    def expire_rollback_points(self, now: float, snapshots_dir: Path | None = None) -> int:
        """Mark live points past their expiry as expired, and delete the blobs no unexpired point refers to.

        Runs in one write transaction, so no other process can register a reference to a blob while it is
        being deleted; a crash part-way leaves references that the next run collects. Blobs modified in the
        last BLOB_GRACE_SECONDS are kept (a capture may be about to reference an existing blob). Only points
        whose blobs are where this store keeps them (`blobs_at`) are collected: another machine's blobs are
        that machine's to delete. Returns the number of points newly expired.
        """
        snapshots = self.snapshots_dir if snapshots_dir is None else snapshots_dir
        with self._write() as db:
            keys = [
                row[0]
                for row in db.execute(
                    "SELECT key FROM rollback_points WHERE status = 'live' AND expires <= ? ORDER BY created", (now,)
                )
            ]
            if keys:
                db.executemany("UPDATE rollback_points SET status = 'expired' WHERE key = ?", [(k,) for k in keys])
            here = (self.blobs_at, self.blobs_at)
            mine = "SELECT key FROM rollback_points WHERE coalesce(blobs_at, ?) = ?"
            garbage = [
                row[0]
                for row in db.execute(
                    f"SELECT digest FROM rollback_blobs WHERE key IN ({mine}) GROUP BY digest HAVING"
                    " max((SELECT expires FROM rollback_points p WHERE p.key = rollback_blobs.key)) <= ?",
                    (*here, now),
                )
            ]
            collected = _delete_blobs(snapshots, garbage)
            touched = list(keys)
            if collected:
                refs = f"digest IN ({marks(collected)}) AND key IN ({mine})"
                touched += [
                    row[0]
                    for row in db.execute(f"SELECT DISTINCT key FROM rollback_blobs WHERE {refs}", (*collected, *here))
                ]
                db.execute(f"DELETE FROM rollback_blobs WHERE {refs}", (*collected, *here))
            if keys or collected:
                payload = {"keys": keys, "blobs_deleted": len(collected)}
                points = [("rollback_points", key) for key in dict.fromkeys(touched)]
                self._audit(db, "rollback-points-expired", payload, now, points)
        return len(keys)


def _delete_blobs(snapshots: Path, digests: Sequence[str]) -> list[str]:
    """Delete the blobs named (keeping recently written ones); returns the digests no longer kept here."""
    collected = []
    recent = time.time() - BLOB_GRACE_SECONDS
    for digest in digests:
        blob = blob_path(snapshots, digest)
        try:
            if blob.stat().st_mtime > recent:
                continue
            blob.unlink()
        except FileNotFoundError:
            pass
        except OSError as error:
            raise MemoryStoreError(f"{blob}: cannot delete expired rollback data: {error.strerror}") from None
        collected.append(digest)
    return collected
