"""The rollback lock: one rollback of a rollback point at a time, across every process sharing the store.

A row per key being rolled back names the process doing it (host name, pid, start time: `owner.py`) and a
token for the one rollback inside that process (a console and the model's tool share a process). A second
rollback of the same key is refused with the first one named. A lock whose process is gone (killed, crashed)
is taken over: the rollback it guarded never finished, and the point's status says so.

The lock is state, not history: its rows are not part of the audit chain (the rollback itself is).
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Sequence

from console.core.memory.owner import owner_alive


def take(db: sqlite3.Connection, keys: Sequence[str], *, owner: str, token: str, now: float) -> str | None:
    """Lock every key for (`owner`, `token`), or none of them: None when taken, else who holds one. Call inside
    an IMMEDIATE transaction, so two processes cannot both see a key free."""
    for key in keys:
        row = db.execute("SELECT owner, token, since FROM rollback_locks WHERE key = ?", (key,)).fetchone()
        if row is not None and row[1] != token and owner_alive(row[0]):
            return held_by(key, row[0], row[2], mine=row[0] == owner)
    db.executemany(
        "INSERT OR REPLACE INTO rollback_locks (key, owner, token, since) VALUES (?, ?, ?, ?)",
        [(key, owner, token, now) for key in keys],
    )
    return None


def release(db: sqlite3.Connection, keys: Sequence[str], *, token: str) -> None:
    db.executemany("DELETE FROM rollback_locks WHERE key = ? AND token = ?", [(key, token) for key in keys])


def held_by(key: str, owner: str, since: float, *, mine: bool) -> str:
    """`rb-... is being rolled back by ...`: the refusal a second rollback gets."""
    machine, _, rest = owner.partition(":")
    pid = rest.partition(":")[0]
    when = time.strftime("%H:%M:%S", time.localtime(since))
    who = "another rollback in this hitl" if mine else f"another hitl (process {pid} on {machine})"
    return f"{key} is being rolled back by {who}, since {when}"
