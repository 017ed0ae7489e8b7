"""The memory store on a real SQLite file: opening, sessions, actions, rollback points, notes, redaction."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from console.core.memory import MemoryStore, MemoryStoreError, blob_path
from console.core.memory.excerpt import OUTPUT_EXCERPT_CHARS
from console.core.memory.schema import LATEST_VERSION

from .conftest import Clock, RawSql, run_action

# -- opening -------------------------------------------------------------------------------------------------


def test_open_creates_a_migrated_wal_database(db_path: Path) -> None:
    with MemoryStore.open(db_path):
        pass
    raw = sqlite3.connect(db_path)
    assert raw.execute("PRAGMA user_version").fetchone()[0] == LATEST_VERSION
    assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    tables = {row[0] for row in raw.execute("SELECT name FROM sqlite_schema WHERE type = 'table'")}
    assert {"sessions", "actions", "rollback_points", "notes", "audit", "notes_fts", "actions_fts"} <= tables
    raw.close()


def test_reopening_keeps_everything(db_path: Path) -> None:
    with MemoryStore.open(db_path) as store:
        run_action(store, "systemctl restart nginx")
    with MemoryStore.open(db_path) as store:
        assert [a.command for a in store.actions()] == ["systemctl restart nginx"]
        assert store.verify_audit().ok


def test_garbage_file_is_refused_and_left_untouched(db_path: Path) -> None:
    db_path.parent.mkdir(parents=True)
    garbage = b"this is not a database at all\n" * 200
    db_path.write_bytes(garbage)
    with pytest.raises(MemoryStoreError) as error:
        MemoryStore.open(db_path)
    assert str(db_path) in str(error.value)
    assert "corrupt or not a database" in str(error.value)
    assert db_path.read_bytes() == garbage


def test_truncated_database_gives_an_error_naming_the_file(db_path: Path) -> None:
    with MemoryStore.open(db_path) as store:
        for index in range(300):
            run_action(store, f"echo {index} " + "x" * 200, output="y" * 500)
    sqlite3.connect(db_path).execute("PRAGMA wal_checkpoint(TRUNCATE)").connection.close()
    data = db_path.read_bytes()
    db_path.write_bytes(data[: len(data) // 3])
    with pytest.raises(MemoryStoreError) as error, MemoryStore.open(db_path) as store:
        store.actions(limit=1000)
        store.verify_audit()
    assert str(db_path) in str(error.value)
    assert len(db_path.read_bytes()) == len(data) // 3


def test_newer_schema_is_refused(db_path: Path) -> None:
    with MemoryStore.open(db_path):
        pass
    raw = sqlite3.connect(db_path)
    raw.execute(f"PRAGMA user_version = {LATEST_VERSION + 5}")
    raw.close()
    with pytest.raises(MemoryStoreError, match="newer hitl") as error:
        MemoryStore.open(db_path)
    assert str(db_path) in str(error.value)


def test_another_programs_database_is_refused(db_path: Path) -> None:
    db_path.parent.mkdir(parents=True)
    raw = sqlite3.connect(db_path)
    raw.execute("CREATE TABLE recipes (name TEXT)")
    raw.commit()
    raw.close()
    with pytest.raises(MemoryStoreError, match="not a hitl database"):
        MemoryStore.open(db_path)
    assert sqlite3.connect(db_path).execute("SELECT count(*) FROM recipes").fetchone()[0] == 0


def test_a_directory_in_the_way_is_named(db_path: Path) -> None:
    db_path.mkdir(parents=True)
    with pytest.raises(MemoryStoreError, match="not a file") as error:
        MemoryStore.open(db_path)
    assert str(db_path) in str(error.value)


def test_closed_store_says_so(store: MemoryStore) -> None:
    store.close()
    with pytest.raises(MemoryStoreError, match="closed"):
        store.actions()


# -- sessions ------------------------------------------------------------------------------------------------


def test_conversation_is_saved_redacted_and_resumable(store: MemoryStore) -> None:
    assert store.last_session() is None
    session_id = store.start_session(host="web1", mode="agent")
    messages = [
        {"role": "user", "content": "connect with PGPASSWORD=hunter2 please"},
        {"role": "assistant", "content": [{"type": "text", "text": "Using key AKIAIOSFODNN7EXAMPLE"}]},
    ]
    store.save_conversation(session_id, messages)
    resumed = store.last_session()
    assert resumed is not None
    assert (resumed.id, resumed.host, resumed.mode) == (session_id, "web1", "agent")
    assert resumed.messages[0]["role"] == "user"
    assert "hunter2" not in str(resumed.messages)
    assert "AKIAIOSFODNN7EXAMPLE" not in str(resumed.messages)
    assert resumed.messages[1]["content"][0]["type"] == "text"


def test_saving_an_unknown_session_is_an_error(store: MemoryStore) -> None:
    with pytest.raises(ValueError, match="unknown session"):
        store.save_conversation(99, [])


# -- actions -------------------------------------------------------------------------------------------------


def test_action_lifecycle_is_recorded(store: MemoryStore, clock: Clock) -> None:
    session_id = store.start_session(host="web1", mode="manual")
    action_id = store.record_proposal(
        session_id=session_id,
        host="web1",
        command="sed -i s/a/b/ /etc/app.conf",
        tier="WRITE",
        reasons=["sed -i edits a file in place"],
        source="model",
    )
    clock.advance(3)
    store.record_decision(
        action_id, decision="approved", decided_by="operator", latency=3.0, reason=None, digest="ab12"
    )
    store.record_start(action_id)
    clock.advance(1)
    store.record_finish(action_id, exit_status=0, ended="exited", output="done\n", rollback_key="rb-1")
    record = store.action(action_id)
    assert record is not None
    assert record.session_id == session_id
    assert record.reasons == ("sed -i edits a file in place",)
    assert (record.state, record.decision, record.decided_by, record.latency) == (
        "finished",
        "approved",
        "operator",
        3.0,
    )
    assert (record.digest, record.exit_status, record.ended, record.rollback_key) == ("ab12", 0, "exited", "rb-1")
    assert record.output == "done\n"
    assert record.started is not None and record.finished == record.started + 1
    assert record.outcome == "0"


def test_rejection_keeps_the_operators_reason(store: MemoryStore) -> None:
    action_id = run_action(store, "rm -rf /srv/old", tier="DESTRUCTIVE", decision="rejected", reason="still in use")
    record = store.action(action_id)
    assert record is not None
    assert (record.decision, record.reason, record.state, record.outcome) == (
        "rejected",
        "still in use",
        "declined",
        "not run",
    )


def test_secrets_are_redacted_before_they_are_stored(store: MemoryStore, raw_sql: RawSql) -> None:
    action_id = store.record_proposal(
        session_id=None,
        host="db1",
        command="mysql -u root -phunter2 -e 'select 1'",
        tier="READ",
        reasons=["select"],
        source="model",
    )
    store.record_decision(
        action_id, decision="rejected", decided_by="operator", latency=1.0, reason="use token=abc123", digest=None
    )
    store.record_finish(
        action_id, exit_status=1, ended="exited", output="AWS_SECRET_ACCESS_KEY=zzzSECRETzzz\n", rollback_key=None
    )
    store.add_note("the db password: hunter2", host="db1")
    if isinstance(store, MemoryStore):
        store.close()
        db_path = store.path
        everything = b"".join(
            Path(f"{db_path}{suffix}").read_bytes() for suffix in ("", "-wal") if Path(f"{db_path}{suffix}").exists()
        )
    else:
        tables = ("sessions", "actions", "actions_fts", "notes", "notes_fts", "audit", "rollback_points")
        everything = repr([raw_sql(f"SELECT * FROM {table}") for table in tables]).encode()
    for secret in (b"hunter2", b"abc123", b"zzzSECRETzzz"):
        assert secret not in everything


def test_output_excerpt_is_bounded_and_keeps_head_and_tail(store: MemoryStore) -> None:
    output = "FIRST LINE\n" + ("filler line\n" * 100_000) + "PGPASSWORD=hunter2\nLAST LINE\n"
    action_id = run_action(store, "cat big.log", output=output)
    record = store.action(action_id)
    assert record is not None
    assert len(record.output) <= OUTPUT_EXCERPT_CHARS + 100
    assert record.output.startswith("FIRST LINE")
    assert record.output.endswith("LAST LINE\n")
    assert "characters omitted" in record.output
    assert "hunter2" not in record.output


def test_decision_and_ids_are_validated(store: MemoryStore) -> None:
    action_id = store.record_proposal(session_id=None, host="h", command="ls", tier="READ", reasons=[], source="x")
    with pytest.raises(ValueError, match="unknown decision"):
        store.record_decision(action_id, decision="maybe", decided_by="op", latency=None, reason=None, digest=None)
    with pytest.raises(ValueError, match="unknown action"):
        store.record_start(12345)
    with pytest.raises(ValueError, match="unknown action"):
        store.record_finish(12345, exit_status=0, ended="exited", output="", rollback_key=None)


def test_actions_filter_by_host_and_time_newest_first(store: MemoryStore, clock: Clock) -> None:
    first = run_action(store, "uptime", host="web1", tier="READ", decision="auto")
    clock.advance(100)
    second = run_action(store, "df -h", host="db1", tier="READ", decision="auto")
    clock.advance(100)
    third = run_action(store, "free -m", host="web1", tier="READ", decision="auto")
    assert [a.id for a in store.actions()] == [third, second, first]
    assert [a.id for a in store.actions(host="web1")] == [third, first]
    assert [a.id for a in store.actions(since=clock.now - 150)] == [third, second]
    assert [a.id for a in store.actions(limit=1)] == [third]


def test_an_unfinished_action_of_this_process_is_not_interrupted(store: MemoryStore) -> None:
    action_id = store.record_proposal(session_id=None, host="h", command="sleep 9", tier="READ", reasons=[], source="x")
    store.record_start(action_id)
    assert store.mark_interrupted() == 0
    record = store.action(action_id)
    assert record is not None and record.state == "running"


# -- rollback points -----------------------------------------------------------------------------------------


def _blob(snapshots: Path, digest: str, *, age: float = 3600.0) -> Path:
    path = blob_path(snapshots, digest)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"captured " + digest.encode())
    old = path.stat().st_mtime - age
    os.utime(path, (old, old))
    return path


def _point(store: MemoryStore, key: str, blobs: list[str], expires_at: float, host: str = "web1") -> None:
    store.add_rollback_point(
        key=key,
        host=host,
        action_id=None,
        command=f"edit for {key}",
        tier="WRITE",
        strategies=["files"],
        artifacts={"blobs": blobs, "files": [{"path": "/etc/app.conf", "mode": 0o644}]},
        expires_at=expires_at,
    )


def test_rollback_points_round_trip_newest_first(store: MemoryStore, clock: Clock) -> None:
    _point(store, "rb-a", ["a" * 64], clock.now + 100)
    clock.advance(1)
    _point(store, "rb-b", [], clock.now + 100, host="db1")
    point = store.rollback_point("rb-a")
    assert point is not None
    assert point.artifacts["files"][0]["path"] == "/etc/app.conf"
    assert (point.status, point.strategies, point.host) == ("live", ("files",), "web1")
    assert [p.key for p in store.rollback_points()] == ["rb-b", "rb-a"]
    assert [p.key for p in store.rollback_points(host="db1")] == ["rb-b"]
    store.set_rollback_status("rb-a", "rolled back")
    assert store.rollback_point("rb-a").status == "rolled back"  # type: ignore[union-attr]
    assert store.rollback_point("rb-missing") is None
    with pytest.raises(ValueError, match="unknown rollback status"):
        store.set_rollback_status("rb-a", "gone")
    with pytest.raises(ValueError, match="blobs"):
        _point(store, "rb-c", ["not-a-digest"], clock.now)


def test_expiry_marks_points_and_collects_only_unreferenced_blobs(
    store: MemoryStore, clock: Clock, tmp_path: Path
) -> None:
    snapshots = tmp_path / "snapshots"
    only_old, shared, only_new, fresh = "1" * 64, "2" * 64, "3" * 64, "4" * 64
    paths = {digest: _blob(snapshots, digest) for digest in (only_old, shared, only_new)}
    paths[fresh] = _blob(snapshots, fresh, age=0)
    _point(store, "rb-old", [only_old, shared, fresh], clock.now + 60)
    _point(store, "rb-new", [shared, only_new], clock.now + 7200)
    assert store.expire_rollback_points(clock.now, snapshots) == 0
    assert all(path.exists() for path in paths.values())

    clock.advance(120)
    assert store.expire_rollback_points(clock.now, snapshots) == 1
    assert not paths[only_old].exists()
    assert paths[shared].exists() and paths[only_new].exists()
    assert paths[fresh].exists(), "a blob written moments ago is never collected"
    assert store.rollback_point("rb-old").status == "expired"  # type: ignore[union-attr]
    assert [p.key for p in store.rollback_points(include_expired=False)] == ["rb-new"]
    assert {p.key for p in store.rollback_points()} == {"rb-old", "rb-new"}, "the timeline still shows it"

    clock.advance(7200)
    assert store.expire_rollback_points(clock.now, snapshots) == 1
    assert not paths[shared].exists() and not paths[only_new].exists()
    assert store.expire_rollback_points(clock.now, snapshots) == 0
    assert store.verify_audit().ok


# -- notes and recall ----------------------------------------------------------------------------------------


def test_recall_ranks_by_relevance(store: MemoryStore) -> None:
    store.add_note("postgres backups run at 02:00 from cron on db1", host="db1", tags=["backup"])
    store.add_note("nginx serves the static site", host="web1")
    run_action(store, "pg_dump app > /backup/app.sql", host="db1", output="dump done")
    hits = store.recall("postgres backup")
    assert hits[0].kind == "note" and "postgres backups" in hits[0].text
    assert all("nginx" not in hit.text for hit in hits)
    assert [hit.score for hit in hits] == sorted((hit.score for hit in hits), reverse=True)


def test_recall_prefers_recent_among_equally_relevant(store: MemoryStore, clock: Clock) -> None:
    old = store.add_note("restart the queue worker after deploys")
    clock.advance(60 * 86400)
    new = store.add_note("restart the queue worker after deploys")
    assert [hit.id for hit in store.recall("queue worker")] == [new, old]


def test_recall_filters_by_host_and_keeps_global_notes(store: MemoryStore) -> None:
    store.add_note("disk fills up with logs", host="web1")
    store.add_note("disk quotas are enforced everywhere")
    run_action(store, "du -sh /var/log disk", host="db1", tier="READ", decision="auto")
    texts = {hit.text for hit in store.recall("disk", host="web1")}
    assert texts == {"disk fills up with logs", "disk quotas are enforced everywhere"}


def test_recall_finds_actions_by_output_and_operator_reason(store: MemoryStore) -> None:
    run_action(store, "systemctl status nginx", tier="READ", decision="auto", output="Active: failed (segfault)")
    run_action(store, "reboot", tier="DESTRUCTIVE", decision="rejected", reason="change freeze until friday")
    assert store.recall("segfault")[0].text == "systemctl status nginx"
    assert store.recall("freeze")[0].text == "reboot"
    assert "rejected" in store.recall("freeze")[0].detail


@pytest.mark.parametrize(
    "query", ['"', "*", "NEAR(", "a:b", "AND OR NOT", "'; DROP TABLE notes; --", "^", "(((", "", "   ", "é ß 漢字"]
)
def test_recall_accepts_any_text(store: MemoryStore, query: str) -> None:
    store.add_note("some note about 漢字 and é")
    assert isinstance(store.recall(query), list)


def test_note_validation(store: MemoryStore) -> None:
    with pytest.raises(ValueError, match="author"):
        store.add_note("x", author="someone")
    with pytest.raises(ValueError, match="text"):
        store.add_note("   ")


def test_unfinished_actions_of_a_dead_process_are_marked(store: MemoryStore, raw_sql: RawSql) -> None:
    import socket

    def propose(command: str) -> int:
        return store.record_proposal(session_id=None, host="h", command=command, tier="WRITE", reasons=[], source="x")

    running, approved, proposed = propose("make install"), propose("make clean"), propose("make dist")
    store.record_decision(running, decision="approved", decided_by="operator", latency=1, reason=None, digest=None)
    store.record_start(running)
    store.record_decision(approved, decision="approved", decided_by="operator", latency=1, reason=None, digest=None)
    rejected = run_action(store, "make uninstall", decision="rejected")
    raw_sql("UPDATE actions SET owner = ?", f"{socket.gethostname()}:999999999:1")
    assert store.mark_interrupted() == 3
    states = {a.id: (a.state, a.outcome) for a in store.actions()}
    assert states[running] == ("interrupted", "interrupted")
    assert states[approved] == ("abandoned", "abandoned")
    assert states[proposed] == ("abandoned", "abandoned")
    assert states[rejected] == ("declined", "not run")
    assert store.mark_interrupted() == 0
    assert store.verify_audit().ok


def test_structured_values_under_secret_keys_are_redacted(store: MemoryStore) -> None:
    session_id = store.start_session(host="h", mode="agent")
    tool_input = {"type": "tool_use", "input": {"user": "app", "password": "x", "api_token": "y", "tokens": 5}}
    store.save_conversation(session_id, [{"role": "assistant", "content": [tool_input]}])
    stored = store.last_session().messages[0]["content"][0]["input"]  # type: ignore[union-attr]
    assert stored == {"user": "app", "password": "[REDACTED:secret]", "api_token": "[REDACTED:secret]", "tokens": 5}
    store.append_audit("trust-accepted", {"host": "h", "passphrase": "z"})
    assert '"passphrase": "[REDACTED:secret]"' in list(store.export_audit("jsonl"))[-1]
