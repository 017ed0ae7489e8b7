"""Opening what hitl keeps: the record store (memory, audit trail, rollback points, approvals) and the
remembered approvals. The session's runtime and the sub-commands that only read (`history`, `audit`,
`rollbacks`, `approvals`) open them here, so they open the same store the same way, without importing the
session core.

This is the one place that decides which implementation backs the `Store` port: the SQLite file in the data
directory, or, when `store` names a `postgresql://` URL, the team store (imported only then).
"""

from __future__ import annotations

from pathlib import Path

from console.core.config import Settings
from console.core.memory.audit import EXPORT_FORMATS
from console.core.memory.records import StoredSession
from console.core.memory.since import parse_since
from console.core.memory.sqlite import MemoryStore
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
    "snapshots_dir",
]


def snapshots_dir(paths: Paths, settings: Settings) -> Path:
    """Where captured rollback data is kept: `blob_store` when it names a (shared) directory, else the data
    directory's `snapshots`."""
    return Path(settings.blob_store).expanduser() if settings.blob_store else paths.snapshots_dir


def open_store(paths: Paths, settings: Settings) -> Store:
    """The record store the settings name; raises `MemoryStoreError` (a `StoreError`) naming the file or the
    server when it cannot be used (`StoreUnreachable` when a team store's server does not answer)."""
    snapshots = snapshots_dir(paths, settings)
    operator = settings.operator or None
    if settings.store:
        from console.core.memory.postgres import PostgresStore

        return PostgresStore.open(
            settings.store, snapshots_dir=snapshots, shared_blobs=bool(settings.blob_store), operator=operator
        )
    locks = paths.state_dir / "host-locks"
    return MemoryStore.open(paths.database_file, operator=operator, snapshots_dir=snapshots, locks_dir=locks)


def open_existing_store(paths: Paths, settings: Settings) -> Store | None:
    """The store for a sub-command that only reads it, or None when hitl has not created its SQLite file yet (a
    team store always exists: it is opened)."""
    if settings.store or paths.database_file.exists():
        return open_store(paths, settings)
    return None


def last_conversation(paths: Paths, settings: Settings) -> StoredSession | None:
    """The conversation of this operator's last session, to resume; read before a new session is opened."""
    store = open_store(paths, settings)
    try:
        return store.last_session()
    finally:
        store.close()


def remembered_approvals(paths: Paths, store: Store | None = None) -> RememberedApprovals:
    """The remembered approvals kept beyond a session: in the team store when there is one (the team shares
    them), else in the state directory's file."""
    if store is not None and store.dialect == "postgresql":
        return RememberedApprovals(store=store)
    return RememberedApprovals(paths.remembered_approvals_file)
