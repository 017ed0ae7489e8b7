"""The embedded store: one SQLite file (the default, for one operator on one machine).

Decisions:
- WAL with `synchronous=NORMAL`: a killed process never corrupts the file or loses a committed transaction
  (only a power cut can lose the last few commits, never consistency).
- A write is one `BEGIN IMMEDIATE` transaction: the write lock is taken before the chain head is read, so two
  processes appending at once serialise (each waits up to `BUSY_TIMEOUT`) and the chain stays linear. The
  audit row is one statement: its hash is computed by `audit.row_hash` registered as an SQL function, and a
  trigger advances the head.
- An unusable file (unreadable, corrupt, not hitl's, newer schema) raises `MemoryStoreError` naming the file.
"""

from __future__ import annotations

import getpass
import socket
import sqlite3
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

from console.core.memory import audit as audit_chain
from console.core.memory.audit_log import checkpoint_rows
from console.core.memory.backend import Db
from console.core.memory.host_locks import FileHostLocks
from console.core.memory.recall import fts_query
from console.core.memory.records import MemoryStoreError
from console.core.memory.rollback_locks import TableRollbackLocks
from console.core.memory.schema import APPLICATION_ID, LATEST_VERSION, MIGRATIONS, ROWS_CHAINED_FROM
from console.core.memory.store import RecordStore
from console.core.private_files import create_private_file, keep_private, make_private_dir

BUSY_TIMEOUT = 30.0


def default_operator() -> str:
    """`user@hostname`: who the operator is when the configuration does not say."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return f"{user}@{socket.gethostname()}"


def _statements(script: str) -> Iterator[str]:
    """Split a migration into statements (executescript would commit the surrounding transaction)."""
    pending = ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            yield pending.strip()
            pending = ""
    if pending.strip():
        yield pending.strip()


def _describe(path: Path, error: sqlite3.Error) -> str:
    text = str(error)
    if "locked" in text or "busy" in text:
        return f"{path}: busy: another hitl process held the database for more than {BUSY_TIMEOUT:.0f}s"
    if "not a database" in text or "malformed" in text:
        return f"{path}: the database is corrupt or not a database ({text}); it was left untouched"
    if "unable to open" in text or "readonly" in text or "disk I/O" in text:
        return f"{path}: cannot be opened for reading and writing ({text})"
    return f"{path}: {text}"


class SqliteBackend:
    dialect: Literal["sqlite"] = "sqlite"
    insertion_order = "rowid"

    def __init__(self, path: Path, connection: sqlite3.Connection) -> None:
        self.path = path
        self.name = str(path)
        self._connection: sqlite3.Connection | None = connection

    def _open_connection(self) -> sqlite3.Connection:
        if self._connection is None:
            raise MemoryStoreError(f"{self.path}: the memory store is closed")
        return self._connection

    @contextmanager
    def write(self) -> Iterator[Db]:
        connection = self._open_connection()
        try:
            connection.execute("BEGIN IMMEDIATE")
            try:
                yield connection
                connection.execute("COMMIT")
            except BaseException:
                if connection.in_transaction:
                    connection.execute("ROLLBACK")
                raise
        except sqlite3.Error as error:
            raise MemoryStoreError(_describe(self.path, error)) from None

    @contextmanager
    def read(self, *, consistent: bool = False) -> Iterator[Db]:  # one local BEGIN is cheap: always consistent
        connection = self._open_connection()
        try:
            connection.execute("BEGIN")
            try:
                yield connection
            finally:
                if connection.in_transaction:
                    connection.execute("COMMIT")
        except sqlite3.Error as error:
            raise MemoryStoreError(_describe(self.path, error)) from None

    def append_audit(self, db: Db, ts: float, kind: str, payload: str, note: Mapping[str, Any] | None = None) -> None:
        # One statement: the row follows the head, its hash is computed by audit.row_hash (registered as an SQL
        # function on open), and a trigger advances the head.
        db.execute(
            "INSERT INTO audit (id, ts, kind, payload, prev, hash) SELECT head_id + 1, ?1, ?2, ?3, head_hash,"
            " hitl_audit_hash(head_hash, head_id + 1, ?1, ?2, ?3) FROM audit_chain",
            (ts, kind, payload),
        )

    def text_candidates(
        self, db: Db, source: Literal["note", "action"], words: Sequence[str], hosts: Sequence[str], limit: int
    ) -> list[tuple[Any, ...]]:
        match = fts_query(" ".join(words))
        marks = ", ".join("?" * len(hosts))
        if source == "note":
            where = f" AND (n.host IS NULL OR n.host IN ({marks}))" if hosts else ""
            sql = (
                "SELECT n.id, n.host, n.text, n.tags, n.author, n.created, -bm25(notes_fts, 1.0, 0.5)"
                f" FROM notes_fts JOIN notes n ON n.id = notes_fts.rowid WHERE notes_fts MATCH ?{where}"
                " ORDER BY notes_fts.rowid DESC LIMIT ?"
            )
        else:
            where = f" AND a.host IN ({marks})" if hosts else ""
            sql = (
                "SELECT a.id, a.host, a.command, a.tier, a.decision, a.state, a.exit_status, a.proposed,"
                " -bm25(actions_fts, 2.0, 1.0)"
                f" FROM actions_fts JOIN actions a ON a.id = actions_fts.rowid WHERE actions_fts MATCH ?{where}"
                " ORDER BY actions_fts.rowid DESC LIMIT ?"
            )
        return [tuple(row) for row in db.execute(sql, (match, *hosts, limit)).fetchall()]

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


class MemoryStore(RecordStore):
    """The SQLite store. Use `MemoryStore.open(path)`; thread-safe (one connection behind a lock)."""

    path: Path

    @classmethod
    def open(
        cls,
        path: Path,
        *,
        clock: Callable[[], float] = time.time,
        operator: str | None = None,
        snapshots_dir: Path | None = None,
        locks_dir: Path | None = None,
    ) -> MemoryStore:
        """Open (creating directories and the file if needed) and migrate; mark dead processes' actions.

        Raises MemoryStoreError, naming the file, when it cannot be used; the file is never replaced.
        """
        path = Path(path)
        if path.exists() and not path.is_file():
            raise MemoryStoreError(f"{path}: exists but is not a file")
        try:
            make_private_dir(path.parent)
            create_private_file(path)
            keep_private(path, Path(f"{path}-wal"), Path(f"{path}-shm"))
        except OSError as error:
            raise MemoryStoreError(f"{path}: cannot create its directory: {error.strerror}") from None
        try:
            connection = sqlite3.connect(
                path, timeout=BUSY_TIMEOUT, isolation_level=None, check_same_thread=False, cached_statements=64
            )
        except sqlite3.Error as error:
            raise MemoryStoreError(_describe(path, error)) from None
        try:
            connection.execute("PRAGMA foreign_keys = ON")
            connection.create_function("hitl_audit_hash", 5, audit_chain.row_hash, deterministic=True)
            mode = connection.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                raise MemoryStoreError(f"{path}: cannot switch to write-ahead logging (journal mode {mode})")
            connection.execute("PRAGMA synchronous = NORMAL")
            _migrate(path, connection)
        except sqlite3.Error as error:
            connection.close()
            raise MemoryStoreError(_describe(path, error)) from None
        except MemoryStoreError:
            connection.close()
            raise
        snapshots = path.parent / "snapshots" if snapshots_dir is None else snapshots_dir
        name = operator or default_operator()
        store = cls(
            SqliteBackend(path, connection),
            clock=clock,
            operator=name,
            snapshots_dir=snapshots,
            blobs_at=f"{socket.gethostname()}:{snapshots}",
        )
        store.path = path
        store._locks = FileHostLocks(path.parent / "host-locks" if locks_dir is None else locks_dir, name, clock)
        store._rollback_locks = TableRollbackLocks(store._write, store._owner, name, clock)
        store.mark_interrupted()
        return store


def _migrate(path: Path, connection: sqlite3.Connection) -> None:
    """Bring the schema to LATEST_VERSION inside one IMMEDIATE transaction (safe with concurrent openers)."""
    connection.execute("BEGIN IMMEDIATE")
    try:
        version = connection.execute("PRAGMA user_version").fetchone()[0]
        application_id = connection.execute("PRAGMA application_id").fetchone()[0]
        if version > LATEST_VERSION:
            raise MemoryStoreError(
                f"{path}: written by a newer hitl (schema version {version}, this hitl knows up to "
                f"{LATEST_VERSION}); upgrade hitl or point HITL_HOME elsewhere"
            )
        if version == 0 and connection.execute("SELECT count(*) FROM sqlite_schema").fetchone()[0]:
            raise MemoryStoreError(f"{path}: not a hitl database (it holds another program's tables); left untouched")
        if version > 0 and application_id != APPLICATION_ID:
            raise MemoryStoreError(f"{path}: not a hitl database (application id {application_id:#x}); left untouched")
        for migration in MIGRATIONS[version:]:
            for statement in _statements(migration.sqlite):
                connection.execute(statement)
        if 0 < version < ROWS_CHAINED_FROM:  # a fresh database has no rows to vouch for
            payload = audit_chain.canonical_payload(checkpoint_rows(connection))
            SqliteBackend(path, connection).append_audit(connection, time.time(), "rows-checkpoint", payload)
        if version < LATEST_VERSION:
            connection.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            connection.execute(f"PRAGMA user_version = {LATEST_VERSION}")
        connection.execute("COMMIT")
    except BaseException:
        if connection.in_transaction:
            connection.execute("ROLLBACK")
        raise
