"""Host locks: a WRITE, DESTRUCTIVE or rollback holds its host from approval to the end of its run, so a second
operator's change on the same host is refused at once, naming who holds it and since when.

A lock dies with the process that holds it, so a crashed console leaves none:
- with the team store, a session-level advisory lock (`pg_try_advisory_lock`) on a connection of its own,
  which the server releases when that connection ends (a killed process's socket closes); who holds it is
  written to `host_locks` for the refusal's words only (a stale row is overwritten by the next holder);
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
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from console.core.errors import HostLocked
from console.core.private_files import make_private_dir

_NAMESPACE = 0x68746C  # the advisory lock's first key: 'htl'


@dataclass(frozen=True, slots=True)
class LockHolder:
    operator: str
    since: float
    purpose: str

    def refusal(self, host: str) -> str:
        when = datetime.fromtimestamp(self.since).strftime("%Y-%m-%d %H:%M:%S")
        return f"host {host} is locked by {self.operator} since {when} ({self.purpose}); nothing was run"


def _host_key(host: str) -> int:
    return int.from_bytes(hashlib.sha256(f"hitl host {host}".encode()).digest()[:4], "big", signed=True)


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
    """Session-level advisory locks on a dedicated connection (team store)."""

    def __init__(self, connect: Callable[[], Any], operator: str, clock: Callable[[], float] = time.time) -> None:
        self._connect = connect
        self.operator = operator
        self._clock = clock
        self._count = _Counted()
        self._mutex = threading.Lock()
        self._connection: Any = None

    def _db(self) -> Any:
        if self._connection is None or self._connection.closed:
            self._connection = self._connect()
        return self._connection

    @contextlib.contextmanager
    def _errors(self) -> Iterator[None]:
        import psycopg

        from console.core.memory.records import StoreUnreachable

        try:
            yield
        except psycopg.Error as error:
            if self._connection is not None and self._connection.closed:
                self._connection = None
            raise StoreUnreachable(f"the team store's host locks cannot be reached: {error}") from None

    def acquire(self, host: str, purpose: str) -> None:
        if self._count.again(host):
            return
        with self._mutex, self._errors():
            db = self._db()
            got = db.execute(
                "SELECT pg_try_advisory_lock(%s::int4, %s::int4)", (_NAMESPACE, _host_key(host))
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
        with self._mutex, contextlib.suppress(Exception):  # a lost connection has released the lock already
            db = self._connection
            if db is None or db.closed:
                return
            db.execute("DELETE FROM host_locks WHERE host = %s AND backend = pg_backend_pid()", (host,))
            db.execute("SELECT pg_advisory_unlock(%s::int4, %s::int4)", (_NAMESPACE, _host_key(host)))

    def holder(self, host: str) -> LockHolder | None:
        if self._count.holds(host):
            return None
        with self._mutex, self._errors():
            db = self._db()
            held = db.execute(
                "SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted AND classid::bigint = %s"
                " AND objid::bigint = %s AND objsubid = 2",
                (_NAMESPACE, _host_key(host) & 0xFFFFFFFF),
            ).fetchone()
            return None if held is None else self._holder(db, host)

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
        with self._mutex:
            if self._connection is not None:
                self._connection.close()
                self._connection = None


HostLockImpl = FileHostLocks | AdvisoryHostLocks
