"""Rollouts in the record store: one row per command or plan run across a group of hosts (`console.core.fleet`).

The row holds what `hitl rollback ROLLOUTKEY` needs (each host's wave, state and rollback keys, in run order) and
is rewritten as the rollout goes; each write appends the whole row to the audit chain as a `rollout` event, in
the same transaction, so the chain holds every state the rollout passed through. The statements are the SQL both
backends accept (an upsert with `ON CONFLICT ... DO UPDATE`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from console.core.memory.base import StoreBase
from console.core.memory.records import RolloutHost, RolloutRecord
from console.core.redact import redact

_COLUMNS = "key, created, target, title, tier, status, hosts"
_UPSERT = (
    f"INSERT INTO rollouts ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET"
    " created = excluded.created, target = excluded.target, title = excluded.title, tier = excluded.tier,"
    " status = excluded.status, hosts = excluded.hosts"
)


def _record(row: Sequence[Any]) -> RolloutRecord:
    hosts = tuple(
        RolloutHost(item["host"], int(item["wave"]), item["state"], tuple(item["keys"])) for item in json.loads(row[6])
    )
    return RolloutRecord(row[0], row[1], row[2], row[3], row[4], row[5], hosts)


class Rollouts(StoreBase):
    def record_rollout(self, record: RolloutRecord) -> None:
        """Write (or rewrite) a rollout's row, with its whole state as a `rollout` audit event."""
        record = replace(record, title=redact(record.title))
        hosts = json.dumps([host.to_json() for host in record.hosts])
        row = (record.key, record.created, record.target, record.title, record.tier, record.status, hosts)
        with self._write() as db:
            db.execute(_UPSERT, row)
            self._audit(db, "rollout", record.payload(), self._clock())

    def rollout(self, key: str) -> RolloutRecord | None:
        with self._read() as db:
            row = db.execute(f"SELECT {_COLUMNS} FROM rollouts WHERE key = ?", (key,)).fetchone()
        return None if row is None else _record(row)

    def rollouts(self, limit: int = 50) -> list[RolloutRecord]:
        """Newest first."""
        with self._read() as db:
            rows = db.execute(f"SELECT {_COLUMNS} FROM rollouts ORDER BY created DESC LIMIT ?", (limit,)).fetchall()
        return [_record(row) for row in rows]
