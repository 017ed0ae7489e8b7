"""How a READ ran and a caught classifier miss are part of the action people read, and of the chain: stored,
chained as their own event, redacted, and covered by verification; databases written before keep verifying."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from console.core.memory import MemoryStore, RecordStore

from .conftest import Clock, RawSql

ATTEMPTED = ("modified /tmp/t/write (discarded)", "denied: rm: cannot remove '/etc/x': Read-only file system")


def _read(store: RecordStore, command: str, *, attempted: tuple[str, ...] = ()) -> int:
    action_id = store.record_proposal(
        session_id=None, host="web1", command=command, tier="READ", reasons=["reads"], source="model"
    )
    store.record_decision(action_id, decision="auto", decided_by="classifier", latency=None, reason=None, digest=None)
    store.record_start(action_id)
    store.record_finish(
        action_id,
        exit_status=0,
        ended="exited",
        output="ok\n",
        rollback_key=None,
        confinement="confined: mount namespace",
        attempted=attempted,
    )
    return action_id


def test_a_miss_is_stored_with_the_action_and_chained_as_its_own_event(store: RecordStore) -> None:
    plain = _read(store, "ls /")
    missed = _read(store, "inspect /srv", attempted=(*ATTEMPTED, "denied: PGPASSWORD=hunter2hunter2 refused"))
    first, second = store.action(plain), store.action(missed)
    assert first is not None and (first.confinement, first.attempted) == ("confined: mount namespace", ())
    assert second is not None and second.classifier_miss and second.attempted[:2] == ATTEMPTED
    assert "hunter2hunter2" not in second.attempted[2], "what was attempted is redacted like any output"
    events = [json.loads(line) for line in store.export_audit("jsonl")]
    misses = [event for event in events if event["kind"] == "classifier-miss"]
    assert [event["payload"]["action"] for event in misses] == [missed]
    assert store.verify_audit().ok


@pytest.mark.parametrize(
    ("what", "statement"),
    [
        ("a miss hidden", "UPDATE actions SET attempted = NULL WHERE id = 2"),
        ("a miss invented", "UPDATE actions SET attempted = '[\"nothing\"]' WHERE id = 1"),
        ("an unconfined READ made to look confined", "UPDATE actions SET confinement = 'confined: x' WHERE id = 3"),
    ],
)
def test_hiding_or_forging_a_miss_fails_verification(
    store: RecordStore, raw_sql: RawSql, what: str, statement: str
) -> None:
    _read(store, "ls /")
    _read(store, "inspect /srv", attempted=ATTEMPTED)
    third = store.record_proposal(
        session_id=None, host="web1", command="cat /etc/hosts", tier="READ", reasons=["reads"], source="model"
    )
    store.record_finish(third, exit_status=0, ended="exited", output="", rollback_key=None)
    assert store.verify_audit().ok
    raw_sql(statement)
    verdict = store.verify_audit()
    assert not verdict.ok, what
    assert verdict.record == f"actions row {statement.rsplit('= ', 1)[1]}", verdict.message


_ADDED_AFTER_3 = (
    "ALTER TABLE actions DROP COLUMN confinement",
    "ALTER TABLE actions DROP COLUMN attempted",
    "ALTER TABLE sessions DROP COLUMN operator",
    "ALTER TABLE actions DROP COLUMN operator",
    "ALTER TABLE actions DROP COLUMN approved_by",
    "ALTER TABLE rollback_points DROP COLUMN operator",
    "ALTER TABLE rollback_points DROP COLUMN blobs_at",
    "ALTER TABLE notes DROP COLUMN operator",
    "ALTER TABLE rollback_locks DROP COLUMN operator",
    "DROP TABLE approval_requests",
    "DROP TABLE remembered_rules",
    "DROP TABLE rollouts",
)
"""What migrations 4 (how a READ ran), 5 (team mode) and 6 (fleets' rollouts) added, dropped again: the
database as schema 3 held it."""


def test_a_database_written_before_the_columns_existed_still_verifies_without_a_new_checkpoint(
    db_path: Path, clock: Clock
) -> None:
    with MemoryStore.open(db_path, clock=clock) as store:
        store.operator = None  # type: ignore[assignment]  # as hitl wrote rows before it recorded operators
        action_id = store.record_proposal(
            session_id=None, host="web1", command="ls /", tier="READ", reasons=["reads"], source="model"
        )
        store.record_finish(action_id, exit_status=0, ended="exited", output="ok\n", rollback_key=None)
        events_before = len(list(store.export_audit("jsonl")))
    raw = sqlite3.connect(db_path)  # the same rows as schema 3 held them
    for statement in _ADDED_AFTER_3:
        raw.execute(statement)
    raw.execute("PRAGMA user_version = 3")
    raw.commit()
    raw.close()
    with MemoryStore.open(db_path, clock=clock) as store:
        assert store.action(action_id) is not None
        verdict = store.verify_audit()
        assert verdict.ok, verdict.message
        assert len(list(store.export_audit("jsonl"))) == events_before, "no rows-checkpoint vouched for them again"
