"""DROP TABLE and DELETE without WHERE against a real PostgreSQL server, undone by the pg_dump capture."""

from __future__ import annotations

import shlex
from pathlib import Path

from console.core.tiers import Tier
from tests.fixtures.postgres import PostgresServer
from tests.support.session import ScriptedApprover, approve, runtime


def _seed(pg: PostgresServer, database: str) -> None:
    pg.query("postgres", f"DROP DATABASE IF EXISTS {database}")
    pg.query("postgres", f"CREATE DATABASE {database}")
    pg.query(database, "CREATE TABLE orders (id serial PRIMARY KEY, item text NOT NULL)")
    pg.query(database, "INSERT INTO orders (item) VALUES ('disk'), ('fan'), ('psu')")
    pg.query(database, "CREATE TABLE audit (id int)")


async def test_drop_table_is_undone(postgres: PostgresServer) -> None:
    _seed(postgres, "shop_drop")
    command = f"psql {postgres.psql_args('shop_drop')} -c {shlex.quote('DROP TABLE orders')}"
    rt = runtime(ScriptedApprover(approve, approve))
    try:
        outcome = await rt.session.run_command("local", command)
        assert outcome.classification.tier is Tier.DESTRUCTIVE
        assert outcome.ok, outcome.result
        assert postgres.query("shop_drop", "SELECT to_regclass('orders') IS NULL") == "t"
        undo = await rt.session.rollback([outcome.rollback_key or ""])
        assert undo[-1].ok, undo[-1].reason
    finally:
        await rt.close()
    assert postgres.query("shop_drop", "SELECT string_agg(item, ',' ORDER BY id) FROM orders") == "disk,fan,psu"


async def test_delete_without_where_is_undone_and_other_tables_untouched(postgres: PostgresServer) -> None:
    _seed(postgres, "shop_delete")
    postgres.query("shop_delete", "INSERT INTO audit VALUES (7)")
    command = f"psql {postgres.psql_args('shop_delete')} -c {shlex.quote('DELETE FROM orders')}"
    rt = runtime(ScriptedApprover(approve, approve))
    try:
        outcome = await rt.session.run_command("local", command)
        assert outcome.classification.tier is Tier.DESTRUCTIVE
        assert postgres.query("shop_delete", "SELECT count(*) FROM orders") == "0"
        postgres.query("shop_delete", "INSERT INTO audit VALUES (8)")  # unrelated change after the delete
        await rt.session.rollback([outcome.rollback_key or ""])
    finally:
        await rt.close()
    assert postgres.query("shop_delete", "SELECT count(*) FROM orders") == "3"
    assert postgres.query("shop_delete", "SELECT string_agg(id::text, ',' ORDER BY id) FROM audit") == "7,8"


async def test_a_password_in_the_command_is_not_kept_and_the_restore_uses_the_hosts_credentials(
    postgres: PostgresServer, hitl_home: Path
) -> None:
    """PGPASSWORD and a URL password reach the dump before the change, never the rollback point; the review
    of the rollback says the restore uses the host's own credentials (here: the cluster trusts local users)."""
    _seed(postgres, "shop_secret")
    url = f"postgresql://{postgres.user}:Url-Secret-88@/shop_secret?host={postgres.socket_dir}&port={postgres.port}"
    command = f"PGPASSWORD=Env-Secret-77 psql {shlex.quote(url)} -c {shlex.quote('DELETE FROM orders')}"
    approver = ScriptedApprover(approve, approve)
    rt = runtime(approver)
    try:
        outcome = await rt.session.run_command("local", command)
        assert outcome.ok, outcome.result
        point = rt.memory.rollback_point(outcome.rollback_key or "")
        assert point is not None
        assert "Secret" not in repr(point.artifacts) and "Secret" not in point.command
        undo = await rt.session.rollback([point.key])
        assert undo[-1].ok, undo[-1].reason
        review = approver.requests[-1]
        assert review.diff and "host's own credentials" in review.diff
    finally:
        await rt.close()
    assert postgres.query("shop_secret", "SELECT count(*) FROM orders") == "3"
    for path in hitl_home.rglob("*"):
        if path.is_file():
            assert b"Secret-" not in path.read_bytes(), path
