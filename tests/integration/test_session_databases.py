"""DROP TABLE and DELETE without WHERE against real PostgreSQL and MariaDB servers, undone by the dump capture.

The same tests run against both servers: each `Engine` knows how to seed a database, how the operator's client
is called (`psql -c`, `mysql -e`) and which dump tool the capture must use.
"""

from __future__ import annotations

import shlex
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from console.core.tiers import Tier
from tests.fixtures.mariadb import MariaDbServer
from tests.fixtures.postgres import PostgresServer
from tests.support.session import RuntimeFactory, ScriptedApprover, approve


@dataclass(frozen=True)
class Engine:
    dump_tool: str
    aggregate: str
    """How this engine joins the items in id order (string_agg, GROUP_CONCAT)."""
    create: Callable[[str], None]
    """Drop and create the database, with `orders` (three items) and an unrelated `audit` table."""
    query: Callable[[str, str], str]
    """(database, sql) -> the result as text."""
    client: Callable[[str, str], str]
    """(database, sql) -> the command line the operator runs."""


def postgres_engine(pg: PostgresServer) -> Engine:
    def create(database: str) -> None:
        pg.query("postgres", f"DROP DATABASE IF EXISTS {database}")
        pg.query("postgres", f"CREATE DATABASE {database}")
        pg.query(database, "CREATE TABLE orders (id serial PRIMARY KEY, item text NOT NULL)")
        pg.query(database, "INSERT INTO orders (item) VALUES ('disk'), ('fan'), ('psu')")
        pg.query(database, "CREATE TABLE audit (id int)")

    return Engine(
        dump_tool="pg_dump",
        aggregate="string_agg(item, ',' ORDER BY id)",
        create=create,
        query=pg.query,
        client=lambda database, sql: f"psql {pg.psql_args(database)} -c {shlex.quote(sql)}",
    )


def mariadb_engine(db: MariaDbServer) -> Engine:
    def create(database: str) -> None:
        db.query(f"DROP DATABASE IF EXISTS {database}; CREATE DATABASE {database}")
        db.query(
            "CREATE TABLE orders (id INT AUTO_INCREMENT PRIMARY KEY, item VARCHAR(80) NOT NULL); "
            "INSERT INTO orders (item) VALUES ('disk'), ('fan'), ('psu'); CREATE TABLE audit (id INT)",
            database,
        )

    return Engine(
        dump_tool="mysqldump",
        aggregate="GROUP_CONCAT(item ORDER BY id)",
        create=create,
        query=lambda database, sql: db.query(sql, database),
        client=lambda database, sql: f"mysql {db.client_args()} -e {shlex.quote(sql)} {database}",
    )


@pytest.fixture(params=["postgres", "mariadb"])
def engine(request: pytest.FixtureRequest) -> Engine:
    """Each real server is started once per test session (the fixtures are session-scoped)."""
    if request.param == "postgres":
        return postgres_engine(request.getfixturevalue("postgres"))
    return mariadb_engine(request.getfixturevalue("mariadb"))


def items(engine: Engine, database: str) -> str:
    return engine.query(database, f"SELECT {engine.aggregate} FROM orders")


async def test_drop_table_is_undone(engine: Engine, make_runtime: RuntimeFactory) -> None:
    engine.create("shop_drop")
    rt = make_runtime(ScriptedApprover(approve, approve))
    outcome = await rt.session.run_command("local", engine.client("shop_drop", "DROP TABLE orders"))
    assert outcome.classification.tier is Tier.DESTRUCTIVE
    assert engine.dump_tool in outcome.classification.capture
    assert outcome.ok, outcome.result
    with pytest.raises(subprocess.CalledProcessError):  # the table is gone
        items(engine, "shop_drop")
    undo = await rt.session.rollback([outcome.rollback_key or ""])
    assert undo.ok, undo.reason
    assert items(engine, "shop_drop") == "disk,fan,psu"


async def test_delete_without_where_is_undone_and_other_tables_untouched(
    engine: Engine, make_runtime: RuntimeFactory
) -> None:
    engine.create("shop_delete")
    engine.query("shop_delete", "INSERT INTO audit VALUES (7)")
    rt = make_runtime(ScriptedApprover(approve, approve))
    outcome = await rt.session.run_command("local", engine.client("shop_delete", "DELETE FROM orders"))
    assert outcome.classification.tier is Tier.DESTRUCTIVE
    assert engine.query("shop_delete", "SELECT count(*) FROM orders") == "0"
    engine.query("shop_delete", "INSERT INTO audit VALUES (8)")  # an unrelated change after the delete
    undo = await rt.session.rollback([outcome.rollback_key or ""])
    assert undo.ok, undo.reason
    assert items(engine, "shop_delete") == "disk,fan,psu"
    assert engine.query("shop_delete", "SELECT id FROM audit ORDER BY id").split() == ["7", "8"]


async def test_a_password_in_the_command_is_not_kept_and_the_restore_uses_the_hosts_credentials(
    postgres: PostgresServer, hitl_home: Path, make_runtime: RuntimeFactory
) -> None:
    """PGPASSWORD and a URL password reach the dump before the change, never the rollback point; the review
    of the rollback says the restore uses the host's own credentials (here: the cluster trusts local users)."""
    engine = postgres_engine(postgres)
    engine.create("shop_secret")
    url = f"postgresql://{postgres.user}:Url-Secret-88@/shop_secret?host={postgres.socket_dir}&port={postgres.port}"
    command = f"PGPASSWORD=Env-Secret-77 psql {shlex.quote(url)} -c {shlex.quote('DELETE FROM orders')}"
    approver = ScriptedApprover(approve, approve)
    rt = make_runtime(approver)
    outcome = await rt.session.run_command("local", command)
    assert outcome.ok, outcome.result
    point = rt.memory.rollback_point(outcome.rollback_key or "")
    assert point is not None
    assert "Secret" not in repr(point.artifacts) and "Secret" not in point.command
    undo = await rt.session.rollback([point.key])
    assert undo.ok, undo.reason
    review = approver.requests[-1]
    assert review.diff and "host's own credentials" in review.diff
    assert postgres.query("shop_secret", "SELECT count(*) FROM orders") == "3"
    await rt.close()
    for path in hitl_home.rglob("*"):
        if path.is_file():
            assert b"Secret-" not in path.read_bytes(), path
