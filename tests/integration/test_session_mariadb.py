"""DROP TABLE and DELETE without WHERE against a real MariaDB server, undone by the mysqldump capture."""

from __future__ import annotations

import shlex

from console.core.tiers import Tier
from tests.fixtures.mariadb import MariaDbServer
from tests.support.session import ScriptedApprover, approve, runtime


def _seed(db: MariaDbServer, name: str) -> None:
    db.query(f"DROP DATABASE IF EXISTS {name}; CREATE DATABASE {name}")
    db.query(
        "CREATE TABLE users (id INT PRIMARY KEY, email VARCHAR(80)); "
        "INSERT INTO users VALUES (1,'a@x'),(2,'b@x'),(3,'c@x')",
        name,
    )


async def test_mysql_drop_table_is_undone(mariadb: MariaDbServer) -> None:
    _seed(mariadb, "crm_drop")
    command = f"mysql {mariadb.client_args()} -e {shlex.quote('DROP TABLE users')} crm_drop"
    rt = runtime(ScriptedApprover(approve, approve))
    try:
        outcome = await rt.session.run_command("local", command)
        assert outcome.classification.tier is Tier.DESTRUCTIVE
        assert outcome.ok, outcome.result
        assert "mysqldump" in outcome.classification.capture
        assert mariadb.query("SHOW TABLES", "crm_drop") == ""
        undo = await rt.session.rollback([outcome.rollback_key or ""])
        assert undo[-1].ok, undo[-1].reason
    finally:
        await rt.close()
    assert mariadb.query("SELECT GROUP_CONCAT(email ORDER BY id) FROM users", "crm_drop") == "a@x,b@x,c@x"


async def test_mysql_delete_without_where_is_undone(mariadb: MariaDbServer) -> None:
    _seed(mariadb, "crm_delete")
    command = f"mysql {mariadb.client_args()} crm_delete -e {shlex.quote('DELETE FROM users')}"
    rt = runtime(ScriptedApprover(approve, approve))
    try:
        outcome = await rt.session.run_command("local", command)
        assert outcome.classification.tier is Tier.DESTRUCTIVE
        assert mariadb.query("SELECT COUNT(*) FROM users", "crm_delete") == "0"
        await rt.session.rollback([outcome.rollback_key or ""])
    finally:
        await rt.close()
    assert mariadb.query("SELECT COUNT(*) FROM users", "crm_delete") == "3"
