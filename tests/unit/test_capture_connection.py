from __future__ import annotations

import pytest

from console.core.capture.databases import DatabaseCaptureError, connection_from_command, dump_target


def test_psql_connection_options_and_database_are_carried() -> None:
    conn = connection_from_command("psql -h /run/pg -p 5433 -U app -c 'DELETE FROM t' shop", "postgres")
    assert conn.options == ("-h", "/run/pg", "-p", "5433", "-U", "app")
    assert conn.database == "shop"


def test_sudo_prefix_and_dbname_option() -> None:
    conn = connection_from_command("sudo -u postgres psql --dbname=shop -c 'DROP TABLE x'", "postgres")
    assert conn.prefix == ("sudo", "-u", "postgres")
    assert conn.database == "shop"


def test_pipeline_prefix_is_not_carried() -> None:
    conn = connection_from_command("echo 'DELETE FROM t' | psql -d shop", "postgres")
    assert conn.prefix == ()
    assert conn.database == "shop"


def test_mysql_options() -> None:
    conn = connection_from_command("mysql -h db1 -P 3307 -uroot -e 'DROP TABLE t' shop", "mysql")
    assert conn.options == ("-h", "db1", "-P", "3307", "-u", "root")
    assert conn.database == "shop"


def test_table_target_uses_command_database() -> None:
    target = dump_target("psql -d shop -c 'DROP TABLE orders'", "postgres", "orders")
    assert (target.database, target.table) == ("shop", "orders")
    with pytest.raises(DatabaseCaptureError):
        dump_target("psql -c 'DROP TABLE orders'", "postgres", "")


def test_a_password_in_the_prefix_is_used_for_the_dump_but_never_stored() -> None:
    from console.core.capture.databases import DumpSnapshot

    target = dump_target("PGPASSWORD=hunter2 PGHOST=db psql -U app -c 'DELETE FROM t' shop", "postgres", "shop.t")
    assert target.connection.prefix == ("PGPASSWORD=hunter2", "PGHOST=db")  # the dump right before runs with it
    snapshot = DumpSnapshot("postgres", "shop", "t", target.connection.prefix, target.connection.options, None)
    stored = snapshot.to_json()
    assert "hunter2" not in repr(stored)
    assert stored["prefix"] == ["PGHOST=db"]
