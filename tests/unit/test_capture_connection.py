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


@pytest.mark.parametrize(
    ("command", "engine", "target", "secret"),
    [
        ("PGPASSWORD=Pg-Env-1 psql -h db -U app -c 'DELETE FROM t' shop", "postgres", "shop.t", "Pg-Env-1"),
        ("psql postgresql://app:Url-Pw-2@db:5432/shop -c 'DELETE FROM t'", "postgres", "t", "Url-Pw-2"),
        ("psql 'postgresql://app:p@ss-3@db/shop' -c 'DELETE FROM t'", "postgres", "t", "ss-3"),
        ("psql postgresql://app@db/shop?password=Qs-Pw-4 -c 'DELETE FROM t'", "postgres", "t", "Qs-Pw-4"),
        ("psql 'host=db dbname=shop password=Ci-Pw-5 user=app' -c 'DELETE FROM t'", "postgres", "t", "Ci-Pw-5"),
        ("MYSQL_PWD=My-Env-6 mysql -u app shop -e 'DELETE FROM t'", "mysql", "shop.t", "My-Env-6"),
        ("mysql -u app -pMy-Opt-7 shop -e 'DELETE FROM t'", "mysql", "shop.t", "My-Opt-7"),
        ("mysql -u app --password=My-Long-8 shop -e 'DELETE FROM t'", "mysql", "shop.t", "My-Long-8"),
        ("sudo env PGPASSWORD=Pg-Sudo-9 psql -U app -d shop -c 'DELETE FROM t'", "postgres", "shop.t", "Pg-Sudo-9"),
    ],
)
def test_a_rollback_point_keeps_no_password_and_says_the_host_credentials_restore(
    command: str, engine: str, target: str, secret: str
) -> None:
    from console.core.capture.databases import HOST_CREDENTIALS, DumpSnapshot
    from console.core.capture.engine import Snapshot

    dump = dump_target(command, engine, target)  # type: ignore[arg-type]
    snapshot = DumpSnapshot(
        dump.engine,
        dump.database,
        dump.table,
        dump.connection.prefix,
        dump.connection.options,
        None,
        credentials_dropped=dump.connection.password_option,
    )
    stored = snapshot.to_json()
    assert secret not in repr(stored) and secret not in str(dump)
    assert stored["credentials_dropped"] is True
    again = DumpSnapshot.from_json(stored)
    assert secret not in repr(again.to_json()) and again.credentials_dropped
    assert HOST_CREDENTIALS in Snapshot([{"strategy": "dump", "data": stored}], []).describe()


def test_a_connection_without_a_password_says_nothing_about_credentials() -> None:
    from console.core.capture.databases import DumpSnapshot

    dump = dump_target("psql -h db -U app -d shop -c 'DELETE FROM t'", "postgres", "shop.t")
    snapshot = DumpSnapshot("postgres", "shop", "t", dump.connection.prefix, dump.connection.options, None)
    assert snapshot.to_json()["credentials_dropped"] is False
