"""Host locks: a WRITE, DESTRUCTIVE or rollback holds its host from approval to the end of its run, so a second
operator's change on the same host is refused at once, naming who holds it and since when.

A lock dies with the process that holds it, so a crashed console leaves none:
- with the team store, a session-level advisory lock (`pg_try_advisory_lock`) on the store's lock connection
  (`advisory.py`), which the server releases when that connection ends (a killed process's socket closes); who
  holds it is written to `host_locks` for the refusal's words only (a stale row is overwritten by the next
  holder);
- with the SQLite store (one machine), an `flock` on a file per host in the state directory, which the kernel
  releases when the process dies; the holder is written into the file.

Within one process a lock is counted (a plan's steps inside its own lock), and another session of the same
operator is refused like anyone else: two consoles changing one host at once is the accident this prevents.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from console.core.errors import HostLocked
from console.core.memory.advisory import HOST_LOCKS, LockConnection, held, key_of
from console.core.private_files import make_private_dir


@dataclass(frozen=True, slots=True)
class LockHolder:
    operator: str
    since: float
    purpose: str

    def refusal(self, host: str) -> str:
        when = datetime.fromtimestamp(self.since).strftime("%Y-%m-%d %H:%M:%S")
        return f"host {host} is locked by {self.operator} since {when} ({self.purpose}); nothing was run"


class _Counted:
    """In-process counting of locks held, so a lock taken again inside itself is not refused."""

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._held: dict[str, int] = {}

    def again(self, host: str) -> bool:
        with self._mutex:
            if host in self._held:
                self._held[host] += 1
                return True
            return False

    def first(self, host: str) -> None:
        with self._mutex:
            self._held[host] = 1

    def last(self, host: str) -> bool:
        """Count one release; True when it was the last."""
        with self._mutex:
            self._held[host] -= 1
            if self._held[host]:
                return False
            del self._held[host]
            return True

    def holds(self, host: str) -> bool:
        with self._mutex:
            return host in self._held


class FileHostLocks:
    """flock per host under `directory` (SQLite store: one machine)."""

    def __init__(self, directory: Path, operator: str, clock: Callable[[], float] = time.time) -> None:
        self.directory = directory
        self.operator = operator
        self._clock = clock
        self._count = _Counted()
        self._files: dict[str, int] = {}

    def _path(self, host: str) -> Path:
        return self.directory / f"{hashlib.sha256(host.encode()).hexdigest()[:24]}.lock"

    def acquire(self, host: str, purpose: str) -> None:
        if self._count.again(host):
            return
        make_private_dir(self.directory)
        fd = os.open(self._path(host), os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = self._read(fd)
            os.close(fd)
            raise HostLocked(holder.refusal(host)) from None
        record = {"operator": self.operator, "since": self._clock(), "purpose": purpose, "pid": os.getpid()}
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(record).encode(), 0)
        self._files[host] = fd
        self._count.first(host)

    def release(self, host: str) -> None:
        if not self._count.last(host):
            return
        fd = self._files.pop(host)
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)
        os.close(fd)  # closing the descriptor releases the flock

    def holder(self, host: str) -> LockHolder | None:
        """Who holds `host`'s lock, if someone else does."""
        if self._count.holds(host) or not self._path(host).exists():
            return None
        fd = os.open(self._path(host), os.O_RDWR)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return self._read(fd)
        finally:
            os.close(fd)
        return None

    @staticmethod
    def _read(fd: int) -> LockHolder:
        try:
            record = json.loads(os.pread(fd, 4096, 0) or b"{}")
            return LockHolder(str(record["operator"]), float(record["since"]), str(record["purpose"]))
        except (ValueError, KeyError, TypeError, OSError):
            return LockHolder("another hitl process", time.time(), "details unknown")

    def close(self) -> None:
        for fd in self._files.values():
            os.close(fd)
        self._files.clear()


class AdvisoryHostLocks:
    """Session-level advisory locks on the store's lock connection (team store: `console.core.memory.advisory`)."""

    def __init__(self, connection: LockConnection, operator: str, clock: Callable[[], float] = time.time) -> None:
        self._connection = connection
        self.operator = operator
        self._clock = clock
        self._count = _Counted()

    def acquire(self, host: str, purpose: str) -> None:
        if self._count.again(host):
            return
        with self._connection.use() as db:
            got = db.execute(
                "SELECT pg_try_advisory_lock(%s::int4, %s::int4)", (HOST_LOCKS, key_of(host, HOST_LOCKS))
            ).fetchone()[0]
            if not got:
                raise HostLocked(self._holder(db, host).refusal(host))
            db.execute(
                "INSERT INTO host_locks (host, holder, backend, since, purpose) VALUES (%s, %s, pg_backend_pid(), %s,"
                " %s) ON CONFLICT (host) DO UPDATE SET holder = excluded.holder, backend = excluded.backend,"
                " since = excluded.since, purpose = excluded.purpose",
                (host, self.operator, self._clock(), purpose),
            )
        self._count.first(host)

    def release(self, host: str) -> None:
        if not self._count.last(host):
            return
        with self._connection.if_open() as db:
            if db is not None:
                db.execute("DELETE FROM host_locks WHERE host = %s AND backend = pg_backend_pid()", (host,))
                db.execute("SELECT pg_advisory_unlock(%s::int4, %s::int4)", (HOST_LOCKS, key_of(host, HOST_LOCKS)))

    def holder(self, host: str) -> LockHolder | None:
        if self._count.holds(host):
            return None
        with self._connection.use() as db:
            return self._holder(db, host) if held(db, HOST_LOCKS, key_of(host, HOST_LOCKS)) else None

    @staticmethod
    def _holder(db: Any, host: str) -> LockHolder:
        row = db.execute(
            "SELECT holder, since, purpose FROM host_locks WHERE host = %s"
            " AND backend IN (SELECT pid FROM pg_stat_activity)",
            (host,),
        ).fetchone()
        if row is None:
            return LockHolder("another hitl session", time.time(), "details unknown")
        return LockHolder(row[0], row[1], row[2])

    def close(self) -> None:
        self._connection.close()


HostLockImpl = FileHostLocks | AdvisoryHostLocks
