"""Rollouts in the store: one row per command or plan run across a group of hosts (`console.core.fleet`).

The row holds what `hitl rollback ROLLOUTKEY` needs (each host's wave, state and rollback keys, in run order) and
is rewritten as the rollout goes; each write appends the whole row to the audit chain as a `rollout` event, in
the same transaction, so the chain holds every state the rollout passed through.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from typing import Any

from console.core.memory.records import RolloutHost, RolloutRecord

_COLUMNS = "key, created, target, title, tier, status, hosts"


def write(db: sqlite3.Connection, record: RolloutRecord) -> None:
    db.execute(
        f"INSERT OR REPLACE INTO rollouts ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            record.key,
            record.created,
            record.target,
            record.title,
            record.tier,
            record.status,
            json.dumps([host.to_json() for host in record.hosts]),
        ),
    )


def _record(row: Sequence[Any]) -> RolloutRecord:
    hosts = tuple(
        RolloutHost(item["host"], int(item["wave"]), item["state"], tuple(item["keys"])) for item in json.loads(row[6])
    )
    return RolloutRecord(row[0], row[1], row[2], row[3], row[4], row[5], hosts)


def read(db: sqlite3.Connection, key: str) -> RolloutRecord | None:
    row = db.execute(f"SELECT {_COLUMNS} FROM rollouts WHERE key = ?", (key,)).fetchone()
    return None if row is None else _record(row)


def recent(db: sqlite3.Connection, limit: int) -> list[RolloutRecord]:
    rows = db.execute(f"SELECT {_COLUMNS} FROM rollouts ORDER BY created DESC LIMIT ?", (limit,)).fetchall()
    return [_record(row) for row in rows]
