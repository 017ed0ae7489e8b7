"""The team store: the same records on a PostgreSQL database that several operators share (psycopg 3, a
connection pool), as an ordinary database owner or a login granted its tables (no superuser rights).

Decisions:
- Every write transaction starts by locking the audit chain's head row (`SELECT ... FOR UPDATE`): writers of
  every process and machine serialise there, before anything is read, exactly as SQLite's `BEGIN IMMEDIATE`,
  so the chain stays one verifiable chain and the store's shared logic holds unchanged. The audit row's hash is
  computed here with the same `audit.row_hash`, and appending it, advancing the head and the change
  notification (`pg_notify`, delivered at commit) are one statement.
- Verification and the model's context read one snapshot (`REPEATABLE READ, READ ONLY`); lookups and recall
  run without a transaction (each statement sees what is committed), saving two round trips each.
- No connection is checked on checkout; one found dead when a transaction begins is replaced once (nothing was
  done on it). A read outside a transaction on a connection that died meanwhile fails once with
  `StoreUnreachable` (the pool then replaces it).
- Identity is the database's: the operator is `session_user`, and triggers set `operator`, `requested_by` and
  `decided_by` to it whatever a client sends. A configured `operator` that is not the login is refused.
- Unreachable means unusable: a failed connection raises `StoreUnreachable` naming the server (never the
  password), so nothing runs unrecorded; the caller says so and may retry (the pool reconnects).
- Full text: `*_fts` tables with a generated `tsvector` (the text split on anything but letters, digits and
  underscores, then `simple`: no stemming, no stop words) and GIN indexes; relevance is `ts_rank`.
"""

from __future__ import annotations

import json
import re
import socket
import time
from collections.abc import AsyncGenerator, Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

from console.core.memory import audit as audit_chain
from console.core.memory.advisory import LockConnection
from console.core.memory.backend import Cursor, Db
from console.core.memory.host_locks import AdvisoryHostLocks
from console.core.memory.records import MemoryStoreError, StoreChange, StoreUnreachable
from console.core.memory.rollback_locks import AdvisoryRollbackLocks
from console.core.memory.schema import LATEST_VERSION, MIGRATIONS
from console.core.memory.store import RecordStore

CHANNEL = "hitl_changes"
"""The NOTIFY channel every committed write announces itself on."""
CONNECT_TIMEOUT = 5.0
POOL_SIZE = 4
_MIGRATION_LOCK = 0x68746C31_00000001
PLANNER_OPTIONS = "-c max_parallel_workers_per_gather=0 -c random_page_cost=1.1 -c plan_cache_mode=force_custom_plan"
"""hitl's statements are short and indexed: a parallel plan's start-up costs more than it saves; its tables stay
cached, so a random page costs about a sequential one; and each statement is planned for its own values (a
generic plan for recall cannot tell a rare word from a common one). Without these the planner scans every
action newest first instead of the host's own index when recall is filtered by host (26 ms against 14 ms at
100,000 actions)."""
_PLACEHOLDER = re.compile(r"\?")


def is_team_url(text: str) -> bool:
    return text.startswith(("postgresql://", "postgres://"))


def safe_name(url: str) -> str:
    """The store's address for messages: `postgresql://user@host:port/db`, never the password."""
    from psycopg.conninfo import conninfo_to_dict

    try:
        parts = conninfo_to_dict(url)
    except Exception:  # a malformed URL: say no more than its scheme
        return "postgresql://(unparsable address)"
    user = f"{parts['user']}@" if parts.get("user") else ""
    host = parts.get("host") or "localhost"
    port = f":{parts['port']}" if parts.get("port") else ""
    return f"postgresql://{user}{host}{port}/{parts.get('dbname') or ''}"


def _sql(statement: str) -> str:
    """`?` placeholders as psycopg's `%s`, literal `%` escaped."""
    return _PLACEHOLDER.sub("%s", statement.replace("%", "%%"))


class PgDb:
    """A psycopg connection inside a transaction, speaking the store's `?` statements."""

    def __init__(self, connection: Any) -> None:
        self.connection = connection
        self.head: tuple[int, str] | None = None
        self.notes: list[str] = []

    def execute(self, sql: str, parameters: Sequence[Any] = (), /) -> Cursor:
        cursor = self.connection.cursor()
        cursor.execute(_sql(sql), tuple(parameters))
        return cursor  # type: ignore[no-any-return]

    def executemany(self, sql: str, seq_of_parameters: Iterable[Sequence[Any]], /) -> Cursor:
        cursor = self.connection.cursor()
        rows = [tuple(p) for p in seq_of_parameters]
        if rows:
            cursor.executemany(_sql(sql), rows)
        return cursor  # type: ignore[no-any-return]


class PostgresBackend:
    dialect: Literal["postgresql"] = "postgresql"
    insertion_order = "seq"

    def __init__(self, url: str, pool: Any, instance: str) -> None:
        self.url = url
        self.name = safe_name(url)
        self._pool = pool
        self.instance = instance
        """This store's id in change notifications, so it can tell its own writes from others'."""

    @contextmanager
    def _errors(self) -> Iterator[None]:
        import psycopg
        import psycopg_pool

        try:
            yield
        except psycopg_pool.PoolTimeout:
            raise StoreUnreachable(
                f"{self.name}: the team store cannot be reached (no connection within "
                f"{CONNECT_TIMEOUT:.0f}s); nothing was recorded"
            ) from None
        except psycopg.OperationalError as error:
            raise StoreUnreachable(f"{self.name}: the team store cannot be reached: {_first_line(error)}") from None
        except psycopg.Error as error:
            raise MemoryStoreError(f"{self.name}: {_first_line(error)}") from None

    @contextmanager
    def _transaction(self, begin: str) -> Iterator[tuple[Any, Any]]:
        """A pooled connection inside a transaction that `begin` opens (one round trip: BEGIN and its first
        statement together). A connection found dead at that point is replaced once: nothing was done on it
        yet, so nothing can be done twice. Yields the connection and the cursor of `begin`."""
        import psycopg

        with self._errors():
            for attempt in (1, 2):
                with self._pool.connection(timeout=CONNECT_TIMEOUT) as connection:
                    try:
                        cursor = connection.execute(begin)
                    except psycopg.OperationalError:
                        if attempt == 2:
                            raise
                        continue  # the pool discards the broken connection when it comes back
                    try:
                        yield connection, cursor
                    except BaseException:
                        if not connection.broken:
                            connection.execute("ROLLBACK")
                        raise
                    connection.execute("COMMIT")
                    return

    @contextmanager
    def write(self) -> Iterator[Db]:
        with self._transaction("BEGIN; SELECT head_id, head_hash FROM audit_chain FOR UPDATE") as (connection, cursor):
            db = PgDb(connection)
            cursor.nextset()  # past BEGIN's own result to the head row
            row = cursor.fetchone()
            db.head = (int(row[0]), row[1])
            yield db

    @contextmanager
    def read(self, *, consistent: bool = False) -> Iterator[Db]:
        if consistent:
            with self._transaction("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY") as (connection, _cursor):
                yield PgDb(connection)
            return
        with self._errors(), self._pool.connection(timeout=CONNECT_TIMEOUT) as connection:
            yield PgDb(connection)

    def append_audit(self, db: Db, ts: float, kind: str, payload: str, note: Mapping[str, Any]) -> None:
        assert isinstance(db, PgDb) and db.head is not None, "append_audit runs inside write()"
        head_id, head_hash = db.head
        row_id = head_id + 1
        digest = audit_chain.row_hash(head_hash, row_id, ts, kind, payload)
        message = json.dumps({"kind": kind, "from": self.instance, **note}, separators=(",", ":"), default=str)
        db.execute(
            "WITH appended AS (INSERT INTO audit (id, ts, kind, payload, prev, hash) VALUES (?, ?, ?, ?, ?, ?)),"
            " advanced AS (UPDATE audit_chain SET head_id = ?, head_hash = ?)"
            " SELECT pg_notify(?, ?)",
            (row_id, ts, kind, payload, head_hash, digest, row_id, digest, CHANNEL, message[:7900]),
        )
        db.head = (row_id, digest)

    def text_candidates(
        self, db: Db, source: Literal["note", "action"], words: Sequence[str], hosts: Sequence[str], limit: int
    ) -> list[tuple[Any, ...]]:
        query = " | ".join(words)  # words are letters, digits and underscores only: no tsquery syntax
        marks = ", ".join("?" * len(hosts))
        if source == "note":
            where = f" AND (n.host IS NULL OR n.host IN ({marks}))" if hosts else ""
            sql = (
                "SELECT n.id, n.host, n.text, n.tags, n.author, n.created, ts_rank(f.document, q.query)"
                " FROM notes_fts f JOIN notes n ON n.id = f.rowid, to_tsquery('simple', ?) AS q(query)"
                f" WHERE f.document @@ q.query{where} ORDER BY f.rowid DESC LIMIT ?"
            )
        else:
            where = f" AND f.host IN ({marks})" if hosts else ""
            # One host: newest first along the (host, rowid) index, stopping at `limit` matches.
            order = "f.host DESC, f.rowid DESC" if len(hosts) == 1 else "f.rowid DESC"
            sql = (
                "SELECT a.id, a.host, a.command, a.tier, a.decision, a.state, a.exit_status, a.proposed,"
                " ts_rank(f.document, q.query)"
                " FROM actions_fts f JOIN actions a ON a.id = f.rowid, to_tsquery('simple', ?) AS q(query)"
                f" WHERE f.document @@ q.query{where} ORDER BY {order} LIMIT ?"
            )
        return [tuple(row) for row in db.execute(sql, (query, *hosts, limit)).fetchall()]

    def close(self) -> None:
        self._pool.close()


def _first_line(error: BaseException) -> str:
    text = str(error).strip() or type(error).__name__
    return text.splitlines()[0]


class PostgresStore(RecordStore):
    """The team store. Use `PostgresStore.open(url)`; thread-safe (a pool of connections)."""

    url: str
    server: str
    instance: str
    """This store's id in change notifications (its own writes are not news to it)."""

    async def watch(self) -> AsyncGenerator[StoreChange]:
        """Every committed write of every operator, through LISTEN on a connection of its own: the server pushes
        each notification as its transaction commits (no polling). A lost connection raises `StoreUnreachable`."""
        import psycopg

        try:
            connection = await psycopg.AsyncConnection.connect(
                self.url, autocommit=True, connect_timeout=int(CONNECT_TIMEOUT)
            )
        except psycopg.OperationalError as error:
            raise StoreUnreachable(f"{self.server}: the team store cannot be reached: {_first_line(error)}") from None
        try:
            await connection.execute(f"LISTEN {CHANNEL}")
            yield StoreChange("listening")
            async for notify in connection.notifies():
                yield _change(notify.payload, self.instance)
        except psycopg.OperationalError as error:
            raise StoreUnreachable(
                f"{self.server}: the team store's connection was lost: {_first_line(error)}"
            ) from None
        finally:
            await connection.close()

    @classmethod
    def open(
        cls,
        url: str,
        *,
        snapshots_dir: Path,
        shared_blobs: bool = False,
        clock: Callable[[], float] = time.time,
        operator: str | None = None,
    ) -> PostgresStore:
        """Connect, migrate (as the database owner, once) and check who we are; raises `StoreUnreachable` or
        `MemoryStoreError` naming the server when it cannot be used. `operator`, when configured, must be the
        database login: in team mode identity is the database's."""
        import psycopg
        from psycopg_pool import ConnectionPool

        name = safe_name(url)
        try:
            with psycopg.connect(url, connect_timeout=int(CONNECT_TIMEOUT)) as connection:
                login = _migrate(name, connection)
        except psycopg.OperationalError as error:
            raise StoreUnreachable(f"{name}: the team store cannot be reached: {_first_line(error)}") from None
        except psycopg.Error as error:
            raise MemoryStoreError(f"{name}: {_first_line(error)}") from None
        if operator and operator != login:
            raise MemoryStoreError(
                f"{name}: the operator is configured as {operator!r} but this database login is {login!r}: in team"
                " mode each operator is their own database login (connect as them, or leave `operator` unset)"
            )
        pool = ConnectionPool(
            url,
            kwargs={"options": PLANNER_OPTIONS, "autocommit": True},  # transactions are begun explicitly
            min_size=1,
            max_size=POOL_SIZE,
            open=False,
            timeout=CONNECT_TIMEOUT,
            name="hitl",
        )
        pool.open(wait=False)
        instance = f"{socket.gethostname()}:{id(pool):x}:{time.time():.6f}"
        location = f"shared:{snapshots_dir}" if shared_blobs else f"{login} on {socket.gethostname()}:{snapshots_dir}"
        backend = PostgresBackend(url, pool, instance)
        store = cls(
            backend,
            clock=clock,
            operator=login,
            snapshots_dir=snapshots_dir,
            blobs_at=location,
        )
        store.url = url
        store.instance = instance
        store.server = name
        locks = LockConnection(lambda: psycopg.connect(url, autocommit=True, connect_timeout=int(CONNECT_TIMEOUT)))
        store._locks = AdvisoryHostLocks(locks, login, clock)
        store._rollback_locks = AdvisoryRollbackLocks(locks, store._owner, login, clock)
        try:
            store.mark_interrupted()
        except BaseException:
            store.close()
            raise
        return store


def _change(payload: str, instance: str) -> StoreChange:
    try:
        data = json.loads(payload)
    except ValueError:
        return StoreChange("unknown")
    return StoreChange(
        kind=str(data.get("kind", "unknown")),
        operator=data.get("operator"),
        mine=data.get("from") == instance,
        action=data.get("action") if isinstance(data.get("action"), int) else None,
        key=data.get("key") if isinstance(data.get("key"), str) else None,
        request=data.get("request") if isinstance(data.get("request"), int) else None,
        host=data.get("host") if isinstance(data.get("host"), str) else None,
    )


def _as_owner(connection: Any, login: str) -> None:
    """Create hitl's objects as the database's owner when this login is a member of that role (a team's
    operators are), so every member can use them; for the rest of the migration's transaction only."""
    from psycopg import sql

    owner = connection.execute(
        "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = current_database()"
    ).fetchone()[0]
    if owner != login and connection.execute("SELECT pg_has_role(session_user, %s, 'MEMBER')", (owner,)).fetchone()[0]:
        connection.execute(sql.SQL("SET LOCAL ROLE {}").format(sql.Identifier(owner)))


def _migrate(name: str, connection: Any) -> str:
    """Bring the schema to LATEST_VERSION in one transaction, serialised with other openers by an advisory
    transaction lock; returns the login (`session_user`)."""
    import psycopg

    with connection.transaction():
        connection.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATION_LOCK,))
        login = connection.execute("SELECT session_user").fetchone()[0]
        known = connection.execute("SELECT to_regclass('hitl_schema') IS NOT NULL").fetchone()[0]
        if known:
            version = connection.execute("SELECT version FROM hitl_schema").fetchone()[0]
        else:
            if connection.execute(
                "SELECT to_regclass('audit') IS NOT NULL OR to_regclass('actions') IS NOT NULL"
            ).fetchone()[0]:
                raise MemoryStoreError(f"{name}: not a hitl database (it holds other tables named like hitl's)")
            version = 0
        if version > LATEST_VERSION:
            raise MemoryStoreError(
                f"{name}: written by a newer hitl (schema version {version}, this hitl knows up to "
                f"{LATEST_VERSION}); upgrade hitl"
            )
        if version == LATEST_VERSION:
            return str(login)
        try:
            _as_owner(connection, login)
            if not known:
                connection.execute(
                    "CREATE TABLE hitl_schema (singleton INTEGER PRIMARY KEY CHECK (singleton = 1),"
                    " version INTEGER NOT NULL)"
                )
                connection.execute("INSERT INTO hitl_schema VALUES (1, 0)")
            for migration in MIGRATIONS[version:]:
                connection.execute(migration.postgresql.encode("utf-8"))
            connection.execute("UPDATE hitl_schema SET version = %s", (LATEST_VERSION,))
        except psycopg.errors.InsufficientPrivilege as error:
            raise MemoryStoreError(
                f"{name}: the schema is at version {version} and needs version {LATEST_VERSION}, which only the"
                f" database's owner can apply ({_first_line(error)}); run hitl once as the owner"
            ) from None
    return str(login)
