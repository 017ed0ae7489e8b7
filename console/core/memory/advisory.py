"""The team store's lock connection: one autocommit connection of its own per store, on which its host locks and
rollback locks are session-level advisory locks.

The server releases a session-level advisory lock when the connection that took it ends, so a killed or crashed
console (on any machine) leaves none behind. The connection is opened at the first lock, reopened when found
closed (the locks it held went with it), and used by one thread at a time.
"""

from __future__ import annotations

import contextlib
import hashlib
import threading
from collections.abc import Callable, Iterator
from typing import Any

HOST_LOCKS = 0x68746C
"""The first key of a host lock ('htl'); the second is `key_of(host)`."""
ROLLBACK_LOCKS = 0x68746C72
"""The first key of a rollback lock ('htlr'); the second is `key_of(rollback key)`."""


def key_of(name: str, namespace: int) -> int:
    """A signed 32-bit key for `name` (two names sharing one can only make a lock refuse, never let one pass)."""
    digest = hashlib.sha256(f"hitl {namespace:x} {name}".encode()).digest()
    return int.from_bytes(digest[:4], "big", signed=True)


def held(db: Any, namespace: int, key: int) -> bool:
    """Whether any session holds the advisory lock (`namespace`, `key`) now."""
    row = db.execute(
        "SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted AND classid::bigint = %s"
        " AND objid::bigint = %s AND objsubid = 2",
        (namespace & 0xFFFFFFFF, key & 0xFFFFFFFF),
    ).fetchone()
    return row is not None


class LockConnection:
    def __init__(self, connect: Callable[[], Any]) -> None:
        self._connect = connect
        self._mutex = threading.Lock()
        self._connection: Any = None

    @contextlib.contextmanager
    def use(self) -> Iterator[Any]:
        """The connection, opened if needed, for one thread at a time; a failure is `StoreUnreachable`."""
        import psycopg

        from console.core.memory.records import StoreUnreachable

        with self._mutex:
            try:
                if self._connection is None or self._connection.closed:
                    self._connection = self._connect()
                yield self._connection
            except psycopg.Error as error:
                if self._connection is not None and self._connection.closed:
                    self._connection = None
                raise StoreUnreachable(f"the team store's locks cannot be reached: {error}") from None

    @contextlib.contextmanager
    def if_open(self) -> Iterator[Any]:
        """The connection if it is still open, else None (its locks ended with it); errors are ignored, for the
        same reason: releasing on a connection that just died has nothing left to release."""
        with self._mutex, contextlib.suppress(Exception):
            connection = self._connection
            yield None if connection is None or connection.closed else connection

    def close(self) -> None:
        with self._mutex:
            if self._connection is not None:
                self._connection.close()
                self._connection = None
