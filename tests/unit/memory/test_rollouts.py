"""Rollouts (fleets) in the record store, on both backends: a row rewritten as the rollout goes, read back with
its hosts in order, newest first, its title redacted, and every state chained in the audit log."""

from __future__ import annotations

import json

from console.core.memory import RecordStore
from console.core.memory.records import RolloutHost, RolloutRecord

from .conftest import Clock, RawSql


def _rollout(
    key: str, created: float, status: str, *hosts: RolloutHost, title: str = "apt-get upgrade"
) -> RolloutRecord:
    return RolloutRecord(key, created, "@web", title, "WRITE", status, hosts)


def test_a_rollout_is_rewritten_in_place_and_every_state_is_chained(store: RecordStore, clock: Clock) -> None:
    pending = (RolloutHost("web1", 1, "pending", ()), RolloutHost("web2", 2, "pending", ()))
    store.record_rollout(_rollout("ro-aaaa", clock.now, "running", *pending))
    done = (RolloutHost("web1", 1, "ok", ("rb-1", "rb-2")), RolloutHost("web2", 2, "failed", ()))
    store.record_rollout(_rollout("ro-aaaa", clock.now, "stopped", *done))

    record = store.rollout("ro-aaaa")
    assert record is not None
    assert (record.status, record.hosts) == ("stopped", done), "the second write replaced the first"
    assert record.hosts[0].keys == ("rb-1", "rb-2"), "a host's keys keep the order its steps ran in"
    assert [r.key for r in store.rollouts()] == ["ro-aaaa"], "one row per rollout, however often it is written"
    events = [json.loads(line) for line in store.export_audit("jsonl")]
    states = [event["payload"]["status"] for event in events if event["kind"] == "rollout"]
    assert states == ["running", "stopped"]
    assert store.verify_audit().ok


def test_rollouts_are_listed_newest_first_up_to_the_limit(store: RecordStore, clock: Clock) -> None:
    for number in range(5):
        store.record_rollout(_rollout(f"ro-{number}", clock.now, "done", RolloutHost("web1", 1, "ok", ())))
        clock.advance(10)
    assert [r.key for r in store.rollouts(limit=3)] == ["ro-4", "ro-3", "ro-2"]
    assert store.rollout("ro-missing") is None


def test_a_rollouts_title_is_redacted_in_the_row_and_in_the_chain(
    store: RecordStore, clock: Clock, raw_sql: RawSql
) -> None:
    title = "deploy with PGPASSWORD=hunter2hunter2"
    store.record_rollout(_rollout("ro-s", clock.now, "done", RolloutHost("web1", 1, "ok", ()), title=title))
    record = store.rollout("ro-s")
    assert record is not None and "hunter2hunter2" not in record.title
    assert "hunter2hunter2" not in str(raw_sql("SELECT title FROM rollouts"))
    assert "hunter2hunter2" not in "".join(store.export_audit("jsonl"))
