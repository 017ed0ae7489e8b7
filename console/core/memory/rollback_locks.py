"""The rollback lock: one rollback of a rollback point at a time, across every process sharing the store.

A rollback locks every key it restores, all or none, before its review; a second rollback of one of them is
refused with the first one named (its process, machine and operator, and since when). Within one process each
key is held for one rollback (`token`: a console and the model's tool share a process), so a second rollback
there is refused too. How a lock is held, and how it ends when its process dies, depends on the store:

- SQLite (`TableRollbackLocks`, one machine): a row per key in `rollback_locks` names the process holding it
  (host name, pid, start time: `owner.py`), taken inside the IMMEDIATE transaction so two processes cannot both
  see a key free. A row whose process is gone (killed, crashed) is taken over: the rollback it guarded never
  finished, and the point's status says so.
- PostgreSQL (`AdvisoryRollbackLocks`, several machines, where no process can tell whether another machine's
  process lives): a session-level advisory lock per key on the store's lock connection (`advisory.py`), which
  the server releases when that connection ends, so a killed console on any machine leaves none. The row only
  names the holder for the refusal.

A lock is state, not history: its rows are not part of the audit chain (the rollback itself is).
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from typing import Any, Protocol

from console.core.memory.advisory import ROLLBACK_LOCKS, LockConnection, key_of
from console.core.memory.backend import Db
from console.core.memory.owner import owner_alive


def held_by(key: str, owner: str, since: float, *, mine: bool, operator: str | None = None) -> str:
    """`rb-... is being rolled back by ...`: the refusal a second rollback gets."""
    machine, _, rest = owner.partition(":")
    pid = rest.partition(":")[0]
    when = time.strftime("%H:%M:%S", time.localtime(since))
    by = f", operator {operator}" if operator else ""
    who = "another rollback in this hitl" if mine else f"another hitl (process {pid} on {machine}{by})"
    return f"{key} is being rolled back by {who}, since {when}"


class RollbackLocks(Protocol):
    def take(self, keys: Sequence[str], token: str) -> str | None:
        """Lock every key for the rollback `token`, or none of them: None when taken, else who holds one."""
        ...

    def release(self, keys: Sequence[str], token: str) -> None: ...

    def close(self) -> None: ...


class TableRollbackLocks:
    """SQLite: rows in `rollback_locks`, written in the store's write transaction."""

    def __init__(
        self, write: Callable[[], AbstractContextManager[Db]], owner: str, operator: str, clock: Callable[[], float]
    ) -> None:
        self._write = write
        self._owner = owner
        self._operator = operator
        self._clock = clock

    def take(self, keys: Sequence[str], token: str) -> str | None:
        with self._write() as db:
            for key in keys:
                row = db.execute(
                    "SELECT owner, token, since, operator FROM rollback_locks WHERE key = ?", (key,)
                ).fetchone()
                if row is not None and row[1] != token and owner_alive(row[0]):
                    return held_by(key, row[0], row[2], mine=row[0] == self._owner, operator=row[3])
            db.executemany(
                "INSERT OR REPLACE INTO rollback_locks (key, owner, token, since, operator) VALUES (?, ?, ?, ?, ?)",
                [(key, self._owner, token, self._clock(), self._operator) for key in keys],
            )
        return None

    def release(self, keys: Sequence[str], token: str) -> None:
        with self._write() as db:
            db.executemany("DELETE FROM rollback_locks WHERE key = ? AND token = ?", [(key, token) for key in keys])

    def close(self) -> None:
        """Nothing to close: the rows live in the store's database."""


class AdvisoryRollbackLocks:
    """PostgreSQL: advisory locks on the store's lock connection; `rollback_locks` rows name their holders."""

    def __init__(self, connection: LockConnection, owner: str, operator: str, clock: Callable[[], float]) -> None:
        self._connection = connection
        self._owner = owner
        self._operator = operator
        self._clock = clock
        self._mutex = threading.Lock()
        self._held: dict[str, tuple[str, float]] = {}
        """key -> (token, since) of the rollback in this process holding it."""

    def take(self, keys: Sequence[str], token: str) -> str | None:
        with self._mutex:
            for key in keys:
                holder, since = self._held.get(key, (token, 0.0))
                if holder != token:
                    return held_by(key, self._owner, since, mine=True)
            wanted = [key for key in dict.fromkeys(keys) if key not in self._held]
            with self._connection.use() as db:
                taken: list[str] = []
                try:
                    for key in wanted:
                        if not _try(db, key):
                            refusal = _holder(db, key)
                            break
                        taken.append(key)
                    else:
                        refusal = None
                        now = self._clock()
                        for key in taken:
                            db.execute(
                                "INSERT INTO rollback_locks (key, owner, token, since, operator)"
                                " VALUES (%s, %s, %s, %s, %s) ON CONFLICT (key) DO UPDATE SET owner = excluded.owner,"
                                " token = excluded.token, since = excluded.since, operator = excluded.operator",
                                (key, self._owner, token, now, self._operator),
                            )
                        self._held.update(dict.fromkeys(taken, (token, now)))
                except BaseException:
                    _unlock_all(db, taken)  # all or none, even when the server fails half-way
                    raise
                if refusal is not None:
                    _unlock_all(db, taken)
                    return refusal
        return None

    def release(self, keys: Sequence[str], token: str) -> None:
        with self._mutex:
            mine = [key for key in dict.fromkeys(keys) if self._held.get(key, ("", 0.0))[0] == token]
            for key in mine:
                del self._held[key]
            with self._connection.if_open() as db:
                if db is not None:
                    for key in mine:
                        db.execute("DELETE FROM rollback_locks WHERE key = %s AND token = %s", (key, token))
                        _unlock(db, key)

    def close(self) -> None:
        self._connection.close()


def _try(db: Any, key: str) -> bool:
    row = db.execute(
        "SELECT pg_try_advisory_lock(%s::int4, %s::int4)", (ROLLBACK_LOCKS, key_of(key, ROLLBACK_LOCKS))
    ).fetchone()
    return bool(row[0])


def _unlock(db: Any, key: str) -> None:
    db.execute("SELECT pg_advisory_unlock(%s::int4, %s::int4)", (ROLLBACK_LOCKS, key_of(key, ROLLBACK_LOCKS)))


def _unlock_all(db: Any, keys: Sequence[str]) -> None:
    with contextlib.suppress(Exception):  # a connection that failed has released them already
        for key in keys:
            _unlock(db, key)


def _holder(db: Any, key: str) -> str:
    row = db.execute("SELECT owner, since, operator FROM rollback_locks WHERE key = %s", (key,)).fetchone()
    if row is None:
        return f"{key} is being rolled back by another hitl"
    return held_by(key, row[0], row[1], mine=False, operator=row[2])
