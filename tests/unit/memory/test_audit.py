"""The audit hash chain: every write appends, any alteration or deletion is named, export and pruning."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from console.core.memory import MemoryStore

from .conftest import Clock, RawSql, run_action


def _filled(store: MemoryStore) -> None:
    session = store.start_session(host="web1", mode="manual")
    run_action(store, "systemctl restart nginx")
    run_action(store, "rm -rf /tmp/x", tier="DESTRUCTIVE", decision="rejected", reason="no")
    store.add_note("remember this")
    store.save_conversation(session, [{"role": "user", "content": "hi"}])


def _kinds(store: MemoryStore) -> list[str]:
    return [json.loads(line)["kind"] for line in store.export_audit("jsonl")]


def test_every_write_appends_an_event(store: MemoryStore, clock: Clock) -> None:
    _filled(store)
    store.add_rollback_point(
        key="rb-1",
        host="web1",
        action_id=None,
        command="x",
        tier="WRITE",
        strategies=[],
        artifacts={},
        expires_at=clock.now + 1,
    )
    store.set_rollback_status("rb-1", "failed")
    store.append_audit("trust-accepted", {"host": "web1", "fingerprint": "SHA256:abc"})
    assert _kinds(store) == [
        "session-started",
        "action-proposed",
        "action-decided",
        "action-started",
        "action-finished",
        "action-proposed",
        "action-decided",
        "note-added",
        "conversation-saved",
        "rollback-point-added",
        "rollback-status",
        "trust-accepted",
    ]
    verdict = store.verify_audit()
    assert verdict.ok and verdict.rows == 12 and verdict.first_bad_row is None


def test_append_audit_redacts_its_payload(store: MemoryStore) -> None:
    store.append_audit("approval-stats", {"note": "Authorization: Bearer abcdefghijkl", "n": 3})
    line = next(iter(store.export_audit("jsonl")))
    assert "abcdefghijkl" not in line
    assert json.loads(line)["payload"]["n"] == 3


@pytest.mark.parametrize(
    ("sql", "bad_row", "words"),
    [
        ("UPDATE audit SET payload = replace(payload, 'nginx', 'apache') WHERE id = 2", 2, "altered"),
        ("UPDATE audit SET kind = 'action-rejected' WHERE id = 3", 3, "altered"),
        ("UPDATE audit SET ts = ts + 1 WHERE id = 4", 4, "altered"),
        ("UPDATE audit SET hash = '00' || substr(hash, 3) WHERE id = 5", 5, "altered"),
        ("DELETE FROM audit WHERE id = 6", 6, "missing"),
        ("DELETE FROM audit WHERE id >= 8", 8, "missing"),
        ("UPDATE audit SET prev = hash WHERE id = 7", 7, "does not follow"),
    ],
)
def test_any_alteration_or_deletion_names_the_first_bad_row(
    store: MemoryStore, raw_sql: RawSql, sql: str, bad_row: int, words: str
) -> None:
    _filled(store)
    assert store.verify_audit().ok
    raw_sql(sql)
    verdict = store.verify_audit()
    assert not verdict.ok
    assert verdict.first_bad_row == bad_row
    assert f"row {bad_row}" in verdict.message or f"rows {bad_row}" in verdict.message
    assert words in verdict.message


def test_a_recomputed_row_still_breaks_the_next_link(store: MemoryStore, raw_sql: RawSql) -> None:
    from console.core.memory.audit import row_hash

    _filled(store)
    row_id, ts, kind, payload, prev, _ = raw_sql("SELECT * FROM audit WHERE id = 3")[0]
    forged = payload.replace("approved", "rejected")
    raw_sql("UPDATE audit SET payload = ?, hash = ? WHERE id = 3", forged, row_hash(prev, row_id, ts, kind, forged))
    verdict = store.verify_audit()
    assert (verdict.ok, verdict.first_bad_row) == (False, 4)


def test_export_jsonl_csv_and_since(store: MemoryStore, clock: Clock) -> None:
    store.append_audit("early", {"n": 1})
    clock.advance(3600)
    store.append_audit("late", {"n": 2, "text": 'has "quotes", commas\nand newlines'})
    lines = list(store.export_audit("jsonl"))
    assert [json.loads(line)["kind"] for line in lines] == ["early", "late"]
    first = json.loads(lines[0])
    assert set(first) == {"id", "time", "ts", "kind", "operator", "payload", "prev", "hash"}
    assert first["time"].endswith("Z")
    assert first["operator"] == first["payload"]["operator"] == store.operator
    assert [json.loads(line)["kind"] for line in store.export_audit("jsonl", since=clock.now - 10)] == ["late"]
    rows = list(csv.reader(io.StringIO("".join(store.export_audit("csv")))))
    assert rows[0] == ["id", "time", "kind", "operator", "payload", "prev", "hash"]
    assert [row[2] for row in rows[1:]] == ["early", "late"]
    assert {row[3] for row in rows[1:]} == {store.operator}
    assert json.loads(rows[2][4])["text"] == 'has "quotes", commas\nand newlines'
    with pytest.raises(ValueError, match="format"):
        store.export_audit("xml")  # type: ignore[arg-type]


def test_export_pages_through_many_rows(store: MemoryStore) -> None:
    for index in range(4500):
        store.append_audit("tick", {"n": index})
    ids = [json.loads(line)["id"] for line in store.export_audit("jsonl")]
    assert ids == list(range(1, 4501))


def test_pruning_keeps_the_chain_verifiable(store: MemoryStore, clock: Clock, raw_sql: RawSql) -> None:
    for index in range(5):
        store.append_audit("old", {"n": index})
    clock.advance(200 * 86400)
    store.append_audit("recent", {"n": 99})
    assert store.prune_audit(clock.now - 180 * 86400) == 5
    assert _kinds(store) == ["recent", "audit-pruned"]
    verdict = store.verify_audit()
    assert verdict.ok, verdict.message
    assert store.prune_audit(clock.now - 180 * 86400) == 0
    raw_sql("DELETE FROM audit WHERE id = 6")
    assert store.verify_audit().first_bad_row == 6


def test_rollback_expiry_never_touches_the_audit_trail(store: MemoryStore, clock: Clock, tmp_path: Path) -> None:
    run_action(store, "sed -i x /etc/a", rollback_key="rb-1")
    store.add_rollback_point(
        key="rb-1",
        host="web1",
        action_id=1,
        command="sed -i x /etc/a",
        tier="WRITE",
        strategies=["files"],
        artifacts={},
        expires_at=clock.now + 86400,
    )
    before = len(_kinds(store))
    clock.advance(2 * 86400)
    store.expire_rollback_points(clock.now, tmp_path / "snapshots")
    assert len(_kinds(store)) == before + 1
    assert store.verify_audit().ok


def test_housekeeping_keeps_audit_events_for_the_retention_period(
    store: MemoryStore, clock: Clock, tmp_path: Path
) -> None:
    retention = 180 * 86400.0
    store.append_audit("first", {})
    store.add_rollback_point(
        key="rb-1",
        host="h",
        action_id=None,
        command="x",
        tier="WRITE",
        strategies=[],
        artifacts={},
        expires_at=clock.now + 86400,
    )
    clock.advance(179 * 86400)
    assert store.housekeep(clock.now, audit_retention=retention, snapshots_dir=tmp_path) == (1, 0)
    assert _kinds(store)[0] == "first", "kept for 180 days although the rollback point expired long ago"
    clock.advance(2 * 86400)
    assert store.housekeep(clock.now, audit_retention=retention, snapshots_dir=tmp_path) == (0, 2)
    assert _kinds(store) == ["rollback-points-expired", "audit-pruned"]
    assert store.verify_audit().ok
