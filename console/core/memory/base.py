"""What every part of the record store shares: its backend, clock, operator and where its blobs are, the
transactions, and the audit append every write makes.

The store is assembled from parts by concern (`RecordStore` in `store.py`: sessions, actions, rollback points,
notes; `audit_log.py`: the chain's own operations; `requests.py`: requests for a second operator and
remembered approvals), each a class over this base, so no module grows past what one reader holds in mind.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import AsyncGenerator, Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from console.core.memory import audit as audit_chain
from console.core.memory.backend import Backend, Db
from console.core.memory.host_locks import HostLockImpl, LockHolder
from console.core.memory.owner import current_owner
from console.core.memory.records import SecondApproval, StoreChange
from console.core.memory.rollback_locks import RollbackLocks
from console.core.memory.rows import RowRef, rows_payload

NOTED = ("action", "session", "key", "request", "note", "host")
"""The payload fields a change notification carries (ids, never text: a console reads the rows it shows)."""


class StoreBase:
    def __init__(
        self,
        backend: Backend,
        *,
        clock: Callable[[], float],
        operator: str,
        snapshots_dir: Path,
        blobs_at: str,
    ) -> None:
        self._backend = backend
        self._clock = clock
        self._lock = threading.RLock()
        self._owner = current_owner()
        self.operator = operator
        """Who this store's writes are recorded as (in team mode, the database login)."""
        self.snapshots_dir = snapshots_dir
        """Where this machine keeps rollback blobs (a shared directory when `blob_store` names one)."""
        self.blobs_at = blobs_at
        """Where a rollback point's blobs are, in words for another operator who lacks them."""
        self._closed = False
        self._locks: HostLockImpl | None = None
        self._rollback_locks: RollbackLocks | None = None

    @property
    def name(self) -> str:
        """The database file, or the team store's address without its password."""
        return self._backend.name

    @property
    def dialect(self) -> str:
        return self._backend.dialect

    def close(self) -> None:
        with self._lock:
            if not self._closed:
                self._closed = True
                if self._locks is not None:
                    self._locks.close()
                if self._rollback_locks is not None:
                    self._rollback_locks.close()
                self._backend.close()

    # -- host locks (console.core.memory.host_locks) -------------------------------------------------------------

    def _host_locks(self) -> HostLockImpl:
        if self._locks is None:
            raise RuntimeError("this store was opened without host locks")
        return self._locks

    def lock_host(self, host: str, *, purpose: str) -> None:
        """Hold `host` until `unlock_host`; raises `HostLocked` naming the holder when another session holds it."""
        self._host_locks().acquire(host, purpose)

    def unlock_host(self, host: str) -> None:
        self._host_locks().release(host)

    def host_lock_holder(self, host: str) -> LockHolder | None:
        """Who holds `host`'s lock now, when it is not this store."""
        return self._host_locks().holder(host)

    # -- rollback locks (console.core.memory.rollback_locks) ------------------------------------------------------

    def acquire_rollback_lock(self, keys: Sequence[str], *, token: str) -> str | None:
        """Lock `keys` for one rollback (`token`), all or none: None when locked, else who is rolling back one
        of them. A lock whose process is gone is taken over (SQLite) or was released with it (PostgreSQL)."""
        if self._rollback_locks is None:
            raise RuntimeError("this store was opened without rollback locks")
        return self._rollback_locks.take(keys, token)

    def release_rollback_lock(self, keys: Sequence[str], *, token: str) -> None:
        if self._rollback_locks is not None:
            self._rollback_locks.release(keys, token)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()

    @contextmanager
    def _write(self) -> Iterator[Db]:
        with self._lock, self._backend.write() as db:
            yield db

    @contextmanager
    def _read(self, *, consistent: bool = False) -> Iterator[Db]:
        with self._lock, self._backend.read(consistent=consistent) as db:
            yield db

    def _audit(self, db: Db, kind: str, payload: Mapping[str, Any], ts: float, rows: Iterable[RowRef] = ()) -> None:
        """Append to the chain, with the operator and the digests of the chained `rows` this write touched; call
        only inside `_write` (which holds the write lock, so the head read is safe)."""
        refs = list(rows)
        full = {**payload, "operator": self.operator}
        if refs:
            full["rows"] = rows_payload(db, refs)
        note = {name: payload[name] for name in NOTED if name in payload}
        self._backend.append_audit(
            db, ts, kind, audit_chain.canonical_payload(full), {**note, "operator": self.operator}
        )

    # -- changes made by others -----------------------------------------------------------------------------

    async def watch(self) -> AsyncGenerator[StoreChange]:
        """Committed writes, as they happen: first a `listening` change once the watch is in place, then one per
        write. The SQLite store has no one to hear from (one machine, one operator): it only says `listening`."""
        yield StoreChange("listening")
        await asyncio.Event().wait()

    async def wait_second_approval(self, request_id: int, until: float) -> SecondApproval | None:
        """The request once it is decided (or closed), or as it stands at `until`; woken by the store's change
        notifications, never by polling."""
        async with contextlib.aclosing(self.watch()) as changes:
            await anext(changes)  # listening: nothing decided from now on can be missed
            while True:
                current = self._second_approval(request_id)
                remaining = until - self._clock()
                if current is None or current.state != "pending" or remaining <= 0:
                    return current
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(remaining):
                        async for change in changes:
                            if change.request == request_id:
                                break

    def _second_approval(self, request_id: int) -> SecondApproval | None:
        raise NotImplementedError


def marks(values: Sequence[Any]) -> str:
    """`?, ?, ?` for an IN list (never called with an empty list: `IN ()` is not SQL everywhere)."""
    return ", ".join("?" * len(values))


def host_since(host_column: str, host: str | None, time_column: str, since: float | None) -> tuple[str, list[Any]]:
    clauses: list[str] = []
    params: list[Any] = []
    if host is not None:
        clauses.append(f"{host_column} = ?")
        params.append(host)
    if since is not None:
        clauses.append(f"{time_column} >= ?")
        params.append(since)
    return ((" WHERE " + " AND ".join(clauses)) if clauses else ""), params
