"""What another operator's console is told about a change (`team_feed.describe`), for every kind of action
event it shows: started, finished, stopped by its operator, and a caught classifier miss."""

from __future__ import annotations

from console.core.memory import RecordStore
from console.core.memory.records import StoreChange
from console.core.session.team_feed import SHOWN, describe


def _action(store: RecordStore, command: str) -> int:
    action_id = store.record_proposal(
        session_id=None, host="web1", command=command, tier="READ", reasons=["reads"], source="operator"
    )
    store.record_decision(action_id, decision="auto", decided_by="classifier", latency=None, reason=None, digest=None)
    store.record_start(action_id)
    return action_id


def test_each_action_event_reads_as_one_line_naming_who_where_and_what(store: RecordStore) -> None:
    running = _action(store, "tail -f /var/log/syslog")
    stopped = _action(store, "sleep 600")
    store.record_interrupted(stopped, reason="stopped by the operator")
    missed = _action(store, "inspect /srv")
    store.record_finish(
        missed,
        exit_status=0,
        ended="exited",
        output="",
        rollback_key=None,
        confinement="confined: mount namespace",
        attempted=("modified /srv/x (discarded)",),
    )
    lines = {
        kind: describe(store, StoreChange(kind, operator="bob", action=action))
        for kind, action in [
            ("action-started", running),
            ("action-interrupted", stopped),
            ("classifier-miss", missed),
        ]
    }
    assert {"action-started", "action-interrupted", "classifier-miss"} <= SHOWN
    assert lines["action-started"] is not None and lines["action-started"].text == (
        "bob on web1 runs: tail -f /var/log/syslog"
    )
    assert lines["action-interrupted"] is not None and lines["action-interrupted"].text == (
        "bob on web1: sleep 600 (interrupted)"
    )
    miss = lines["classifier-miss"]
    assert miss is not None and miss.host == "web1" and "classifier miss, inspect /srv" in miss.text
    assert describe(store, StoreChange("action-finished", operator="bob", action=9999)) is None
