"""Opening what hitl keeps on disk: the record store (memory, audit trail, rollback points) and the remembered
approvals. The session's runtime and the sub-commands that only read (`history`, `audit`, `rollbacks`,
`approvals`) open them here, so they open the same files the same way, without importing the session core.

The store is returned as the `Store` port: the one place that decides which implementation backs it (the
SQLite file today; a team store can be chosen here later).
"""

from __future__ import annotations

from console.core.memory.audit import EXPORT_FORMATS
from console.core.memory.records import StoredSession
from console.core.memory.since import parse_since
from console.core.memory.store import MemoryStore
from console.core.paths import Paths
from console.core.ports import Store
from console.core.remembered import RememberedApprovals

__all__ = [
    "EXPORT_FORMATS",
    "last_conversation",
    "open_existing_store",
    "open_store",
    "parse_since",
    "remembered_approvals",
]


def open_store(paths: Paths) -> Store:
    """The record store the operator's files name; raises `MemoryStoreError` (a `StoreError`) naming the file
    when it cannot be used."""
    return MemoryStore.open(paths.database_file)


def open_existing_store(paths: Paths) -> Store | None:
    """The store for a sub-command that only reads it, or None when hitl has not created one yet."""
    return open_store(paths) if paths.database_file.exists() else None


def last_conversation(paths: Paths) -> StoredSession | None:
    """The conversation of the last session, to resume; read before a new session is opened."""
    store = open_store(paths)
    try:
        return store.last_session()
    finally:
        store.close()


def remembered_approvals(paths: Paths) -> RememberedApprovals:
    """The remembered approvals kept beyond a session."""
    return RememberedApprovals(paths.remembered_approvals_file)
