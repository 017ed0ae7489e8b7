"""`pg_dump` and `mysqldump` strategies: dump what a SQL statement will change, restore it with the client.

The connection is the one the operator's command uses: the options given to `psql` / `mysql` (host, port,
user, database, socket) and what stands before the client (`sudo -u postgres`, `PGPASSWORD=...`) are carried
over to the dump taken right before the change. What the rollback point keeps for the restore has no password:
secret assignments (`PGPASSWORD=`, `MYSQL_PWD=`), password options (`-pSECRET`, `--password=`), the password of a
connection URL (`postgresql://app:SECRET@db/app`) and of a conninfo string (`password=SECRET`) are dropped, and
the restore relies on the host's own credentials (`~/.pgpass`, `~/.my.cnf`, peer authentication); the rollback
review says so when it happens. A dump of one table is made with `--clean`-style drops, so the restore replaces
the table whether the change dropped it or deleted rows.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from typing import Any, Literal

from console.core.capture.blobs import BlobStore
from console.core.redact import is_sensitive_name
from console.core.transport.base import Transport

Engine = Literal["postgres", "mysql"]

# Options of the client that describe the connection, with whether they take a value.
_CONNECTION_OPTIONS: dict[Engine, dict[str, bool]] = {
    "postgres": {
        "-h": True,
        "--host": True,
        "-p": True,
        "--port": True,
        "-U": True,
        "--username": True,
        "-d": True,
        "--dbname": True,
        "-w": False,
        "--no-password": False,
    },
    "mysql": {
        "-h": True,
        "--host": True,
        "-P": True,
        "--port": True,
        "-u": True,
        "--user": True,
        "-S": True,
        "--socket": True,
        "--protocol": True,
        "-D": True,
        "--database": True,
        "--defaults-file": True,
        "--defaults-extra-file": True,
    },
}
_CLIENTS: dict[Engine, tuple[str, ...]] = {"postgres": ("psql",), "mysql": ("mysql", "mariadb")}
_PREFIX_WORDS = {"sudo", "env", "-E", "-n", "-H"}
_SEPARATORS = {"|", ";", "&&", "||"}
_DATABASE_OPTIONS = {"-d", "--dbname", "-D", "--database"}
# Options that take a value but are not about the connection (so their value is not the database name).
_OTHER_OPTIONS_WITH_VALUE = {
    "-c",
    "--command",
    "-f",
    "--file",
    "-v",
    "--set",
    "--variable",
    "-o",
    "--output",
    "-L",
    "--log-file",
    "-P",
    "--pset",
    "-F",
    "--field-separator",
    "-R",
    "--record-separator",
    "-T",
    "--table-attr",
    "-e",
    "--execute",
}


_URL_PASSWORD = re.compile(r"^([a-z][a-z0-9+.-]*://[^/?#:@]*):[^/?#]*@", re.IGNORECASE)
_QUERY_PASSWORD = re.compile(r"([?&])password=[^&#]*&?", re.IGNORECASE)
_CONNINFO_PASSWORD = re.compile(r"\bpassword\s*=\s*(?:'(?:[^'\\]|\\.)*'|\S+)\s*", re.IGNORECASE)
HOST_CREDENTIALS = (
    "restored with the host's own credentials (~/.pgpass, ~/.my.cnf or peer authentication): "
    "hitl kept no database password"
)


def without_password(value: str) -> str:
    """A connection URL or conninfo string without its password (`postgresql://app@db/app`)."""
    value = _URL_PASSWORD.sub(r"\1@", value)
    value = _QUERY_PASSWORD.sub(lambda m: m.group(1) if m.group(0).endswith("&") else "", value)
    return _CONNINFO_PASSWORD.sub("", value).strip() if "=" in value and "://" not in value else value


def _is_secret_assignment(word: str) -> bool:
    return "=" in word and is_sensitive_name(word.partition("=")[0])


class DatabaseCaptureError(Exception):
    """A dump or restore failed, or the connection could not be worked out from the command."""


@dataclass(frozen=True, slots=True)
class Connection:
    prefix: tuple[str, ...]
    options: tuple[str, ...]
    database: str | None
    password_option: bool = False
    """The command gave a password as an option (`-pSECRET`, `--password=`), which is never carried over."""


def _prefix(before: list[str]) -> tuple[str, ...]:
    """`sudo -u postgres`, `env`, `PGPASSWORD=...` right before the client; anything else is not carried."""
    for index in range(len(before) - 1, -1, -1):
        if before[index] in _SEPARATORS:
            before = before[index + 1 :]
            break
    allowed = all(
        word in _PREFIX_WORDS or word == "-u" or "=" in word or (i > 0 and before[i - 1] == "-u")
        for i, word in enumerate(before)
    )
    return tuple(before) if allowed else ()


def connection_from_command(command: str, engine: Engine) -> Connection:
    """The words before the client and its connection options, from the operator's command line."""
    try:
        words = shlex.split(command)
    except ValueError as error:
        raise DatabaseCaptureError(f"cannot read the connection from the command: {error}") from None
    clients = _CLIENTS[engine]
    start = next((i for i, w in enumerate(words) if w.rsplit("/", 1)[-1] in clients), None)
    if start is None:
        raise DatabaseCaptureError(f"no {'/'.join(clients)} invocation found in the command")
    prefix = _prefix(words[:start])
    options: list[str] = []
    database: str | None = None
    known = _CONNECTION_OPTIONS[engine]
    password_option = False
    index = start + 1
    while index < len(words) and words[index] not in _SEPARATORS:
        word = words[index]
        index += 1
        value: str | None = None
        if engine == "mysql" and word.startswith(("-p", "--password")) and word not in ("-p", "--password"):
            password_option = True
        if word.startswith("--") and "=" in word:
            name, value = word.split("=", 1)
        elif word in known or word in _OTHER_OPTIONS_WITH_VALUE:
            name = word
        elif len(word) > 2 and word[:2] in known and not word.startswith("--"):
            name, value = word[:2], word[2:]
        elif not word.startswith("-"):
            database = database or word
            continue
        else:
            continue
        if value is None and (known.get(name) or name in _OTHER_OPTIONS_WITH_VALUE):
            value = words[index] if index < len(words) else ""
            index += 1
        if name not in known:
            continue
        if name in _DATABASE_OPTIONS:
            database = value
        else:
            options.extend([name] if value is None else [name, value])
    return Connection(prefix=prefix, options=tuple(options), database=database, password_option=password_option)


@dataclass(frozen=True, slots=True)
class DumpSnapshot:
    engine: Engine
    database: str
    table: str | None
    prefix: tuple[str, ...]
    options: tuple[str, ...]
    blob: str | None
    """None: the table did not exist when captured."""
    credentials_dropped: bool = False
    """The command carried a password that the rollback point does not keep: the restore uses the host's own."""

    def to_json(self) -> dict[str, Any]:
        """What the rollback point stores: the connection without any password (see the module docstring). The
        dump right before the change ran with it; the restore relies on the host's own credentials."""
        prefix = [word for word in self.prefix if not _is_secret_assignment(word)]
        database = without_password(self.database)
        dropped = self.credentials_dropped or len(prefix) != len(self.prefix) or database != self.database
        return {
            "engine": self.engine,
            "database": database,
            "table": self.table,
            "prefix": prefix,
            "options": list(self.options),
            "blob": self.blob,
            "credentials_dropped": dropped,
        }

    @property
    def target(self) -> DumpTarget:
        conn = Connection(prefix=self.prefix, options=self.options, database=self.database)
        return DumpTarget(engine=self.engine, database=self.database, table=self.table, connection=conn)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DumpSnapshot:
        return cls(
            engine=data["engine"],
            database=data["database"],
            table=data["table"],
            prefix=tuple(data["prefix"]),
            options=tuple(data["options"]),
            blob=data["blob"],
            credentials_dropped=bool(data.get("credentials_dropped", False)),
        )


def _dump_command(engine: Engine, conn: Connection, database: str, table: str | None) -> str:
    words = [*conn.prefix]
    if engine == "postgres":
        words += ["pg_dump", "--clean", "--if-exists", "--no-owner", *conn.options]
        words += ["-t", table] if table else []
        words += [database]
    else:
        words += ["mysqldump", "--single-transaction", "--add-drop-table", "--skip-dump-date", *conn.options]
        words += [database] + ([table] if table else [])
    return " ".join(shlex.quote(w) for w in words)


def _restore_command(snapshot: DumpSnapshot) -> str:
    words = [*snapshot.prefix]
    if snapshot.engine == "postgres":
        words += ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "--single-transaction", *snapshot.options]
        words += ["-d", snapshot.database]
    else:
        words += ["mysql", *snapshot.options, snapshot.database]
    return " ".join(shlex.quote(w) for w in words)


# What the dump tools say when the table does not exist: captured as "absent", restored by dropping it.
_NO_SUCH_TABLE = ("no matching tables were found", "couldn't find table")


def _comparable(dump: bytes) -> bytes:
    """A dump without the lines that differ on every run (pg_dump's random `\\restrict` key)."""
    return b"\n".join(line for line in dump.splitlines() if not line.startswith((b"\\restrict ", b"\\unrestrict ")))


def _drop_sql(engine: Engine, table: str) -> str:
    if engine == "postgres":
        return "DROP TABLE IF EXISTS " + ".".join('"' + part.replace('"', '""') + '"' for part in table.split("."))
    return "DROP TABLE IF EXISTS `" + table.replace("`", "``") + "`"


async def _dump(
    transport: Transport, engine: Engine, conn: Connection, database: str, table: str | None
) -> bytes | None:
    """The dump, or None when the table does not exist."""
    command = _dump_command(engine, conn, database, table)
    result = await transport.run(command, timeout=600, output_limit=1 << 40)
    if not result.ok:
        if table and any(marker in result.stderr.lower() for marker in _NO_SUCH_TABLE):
            return None
        raise DatabaseCaptureError(f"`{command}` on {transport.name} failed: {result.stderr.strip() or result.error}")
    return result.stdout.encode()


@dataclass(frozen=True, slots=True)
class DumpTarget:
    engine: Engine
    database: str
    table: str | None
    connection: Connection

    def __str__(self) -> str:
        return without_password(self.database) + (f".{self.table}" if self.table else "")


def dump_target(command: str, engine: Engine, target: str) -> DumpTarget:
    """What to dump for `target` ("db" or "db.table"; a bare table uses the command's database)."""
    conn = connection_from_command(command, engine)
    database, _dot, table = target.partition(".")
    if conn.database and database != conn.database and not table:
        database, table = conn.database, target
    if not database:
        raise DatabaseCaptureError("the command names no database, so there is nothing definite to dump")
    return DumpTarget(engine=engine, database=database, table=table or None, connection=conn)


async def take_dump(transport: Transport, target: DumpTarget, store: BlobStore) -> DumpSnapshot:
    data = await _dump(transport, target.engine, target.connection, target.database, target.table)
    return DumpSnapshot(
        engine=target.engine,
        database=target.database,
        table=target.table,
        prefix=target.connection.prefix,
        options=target.connection.options,
        blob=None if data is None else store.put_bytes(data),
        credentials_dropped=target.connection.password_option,
    )


async def restore_dump(transport: Transport, snapshot: DumpSnapshot, store: BlobStore) -> None:
    if snapshot.blob is None:
        assert snapshot.table is not None
        data = _drop_sql(snapshot.engine, snapshot.table).encode() + b";\n"
    else:
        data = store.read_bytes(snapshot.blob)
    command = _restore_command(snapshot)
    result = await transport.run(command, stdin=data, timeout=600)
    if not result.ok:
        raise DatabaseCaptureError(f"restore `{command}` on {transport.name} failed: {result.stderr.strip()}")
    again = await _dump(transport, snapshot.engine, snapshot.target.connection, snapshot.database, snapshot.table)
    if (again is None) != (snapshot.blob is None) or (again is not None and _comparable(again) != _comparable(data)):
        raise DatabaseCaptureError(f"after restore, a fresh dump of {snapshot.database} differs from the capture")
