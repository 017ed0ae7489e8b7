"""READs confined through the session: every road a READ takes (a command, a plan's head and later steps, the
model's tools) runs it confined per `read_confinement`, a READ that tried to change something is caught,
recorded and chained as a classifier miss and offered again as WRITE through the normal gate; a host that
cannot confine is marked, and with `require` its READs ask like a WRITE.

The misread is a helper program the test declares READ through a user rule (tests/support/misread.py).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from console.core.approval import ApprovalRequest, Decision
from console.core.events import ClassifierMiss, ReadConfinementChanged, SessionEvent
from console.core.outcome import Origin, Status, Verdict
from console.core.tiers import Tier
from tests.support.misread import Misread, crontab_of, tree_snapshot
from tests.support.session import RuntimeFactory, ScriptedApprover, approve, with_settings

pytestmark = pytest.mark.usefixtures("saved_crontab")


def _reject(request: ApprovalRequest) -> Decision:
    return Decision.reject("not now")


def _state(*trees: Path) -> tuple[object, ...]:
    return (*(tree_snapshot(tree) for tree in trees), crontab_of("root"))


async def test_a_misread_read_is_confined_caught_recorded_and_chained(
    misread: Misread, sentinel_trees, make_runtime: RuntimeFactory
) -> None:
    scratch, outside = sentinel_trees("root")
    before = _state(scratch, outside)
    events: list[SessionEvent] = []
    rt = make_runtime(ScriptedApprover(), events=events)
    outcome = await rt.session.run_command("local", misread.command(scratch, outside), source=Origin.MODEL)

    assert _state(scratch, outside) == before, "a confined READ changed the host"
    assert outcome.classification.tier is Tier.READ and outcome.decision is Verdict.AUTO
    assert outcome.confinement == "confined: mount namespace"
    attempted = "\n".join(outcome.attempted)
    assert f"modified {scratch}/write (discarded)" in attempted
    assert f"created {scratch}/newdir (discarded)" in attempted
    assert f"{outside}/write" in attempted and "Read-only file system" in attempted
    assert "/var/spool/cron" in attempted, "the crontab attempt is named"

    (miss,) = [event for event in events if isinstance(event, ClassifierMiss)]
    assert (miss.host, miss.command, miss.attempted) == ("local", outcome.command, outcome.attempted)

    record = rt.memory.actions()[0]
    assert record.confinement == "confined: mount namespace"
    assert record.attempted == outcome.attempted
    audit = [json.loads(line) for line in rt.memory.export_audit("jsonl")]
    (chained,) = [row for row in audit if row["kind"] == "classifier-miss"]
    assert chained["payload"]["action"] == record.id
    assert chained["payload"]["attempted"] == list(outcome.attempted)
    assert rt.memory.verify_audit().ok


async def test_a_miss_cannot_be_hidden_from_the_chain(
    misread: Misread, sentinel_trees, make_runtime: RuntimeFactory, hitl_home: Path
) -> None:
    import sqlite3

    from console.core.paths import resolve_paths

    scratch, _ = sentinel_trees("root")
    rt = make_runtime(ScriptedApprover())
    await rt.session.run_command("local", misread.command(scratch))
    record = rt.memory.actions()[0]
    with sqlite3.connect(resolve_paths().database_file) as db:
        db.execute("UPDATE actions SET attempted = NULL WHERE id = ?", (record.id,))
    verdict = rt.memory.verify_audit()
    assert not verdict.ok and verdict.record == f"actions row {record.id}", verdict


async def test_the_offer_runs_it_again_as_write_through_the_normal_gate(
    misread: Misread, sentinel_trees, make_runtime: RuntimeFactory
) -> None:
    scratch, _ = sentinel_trees("root")
    before = tree_snapshot(scratch)
    approver = ScriptedApprover(_reject, approve)
    rt = make_runtime(approver)
    first = await rt.session.run_command("local", misread.command(scratch), source=Origin.MODEL)
    assert first.attempted

    rejected = await rt.session.rerun_as_write(first)
    request = approver.requests[0]
    assert request.tier is Tier.WRITE and request.steps[0].command == first.command
    assert any("tried to change" in reason for reason in request.steps[0].classification.reasons)
    assert rejected.status is Status.REJECTED and tree_snapshot(scratch) == before

    ran = await rt.session.rerun_as_write(first)
    assert ran.ok and ran.confinement is None, "a WRITE is never confined"
    assert (scratch / "write").read_text() == "changed\n", "approved as WRITE, it really ran"
    records = rt.memory.actions()
    assert [r.source for r in records[:2]] == ["operator", "operator"], "the operator chose the re-run"
    assert records[0].tier == "WRITE"


async def test_plan_reads_before_and_after_the_approval_are_confined_and_a_miss_stops_the_plan(
    misread: Misread, sentinel_trees, make_runtime: RuntimeFactory, tmp_path: Path
) -> None:
    scratch, _ = sentinel_trees("root")
    before = tree_snapshot(scratch)
    marker = tmp_path / "marker"
    rt = make_runtime(ScriptedApprover(approve))
    head = await rt.session.run_plan(
        "inspect first", "local", [(misread.command(scratch), "look"), (f"touch {marker}", "change")]
    )
    assert tree_snapshot(scratch) == before and not marker.exists()
    (caught,) = head.outcomes
    assert caught.attempted and caught.confinement == "confined: mount namespace"
    assert caught.status is Status.FAILED, "what the READ was run for did not happen: the plan stops"
    assert [s.status.value for s in head.plan.steps] == ["failed", "skipped"]
    assert rt.memory.actions()[0].state == "skipped"

    later = await rt.session.run_plan(
        "change, then inspect", "local", [(f"touch {marker}", "change"), (misread.command(scratch), "look")]
    )
    assert marker.exists() and tree_snapshot(scratch) == before
    change, look = later.outcomes
    assert change.confinement is None, "WRITE is never confined"
    assert look.attempted and look.confinement == "confined: mount namespace"
    assert rt.memory.actions()[0].attempted == look.attempted


async def test_with_off_nothing_is_confined(misread: Misread, sentinel_trees, make_runtime: RuntimeFactory) -> None:
    scratch, _ = sentinel_trees("root")
    events: list[SessionEvent] = []
    rt = make_runtime(ScriptedApprover(), with_settings(read_confinement="off"), events=events)
    outcome = await rt.session.run_command("local", misread.command(scratch))
    assert (scratch / "write").read_text() == "changed\n", "off: the READ ran as it is, unconfined"
    assert outcome.confinement == "not confined: read_confinement = off"
    assert outcome.attempted == ()
    assert ReadConfinementChanged("local", False, "off") in events
    assert rt.memory.actions()[0].confinement == "not confined: read_confinement = off"


async def test_prefer_runs_unconfined_on_a_host_that_cannot_confine_and_marks_it(
    unconfinable_host: str, make_runtime: RuntimeFactory
) -> None:
    events: list[SessionEvent] = []
    rt = make_runtime(ScriptedApprover(), events=events)
    outcome = await rt.session.run_command(unconfinable_host, "cat /etc/hostname")
    assert outcome.ok and outcome.decision is Verdict.AUTO
    assert outcome.confinement == "not confined: none: unshare not found on the host"
    assert ReadConfinementChanged(unconfinable_host, False, "none: unshare not found on the host") in events


async def test_require_asks_like_a_write_on_a_host_that_cannot_confine(
    unconfinable_host: str, make_runtime: RuntimeFactory, tmp_path: Path
) -> None:
    approver = ScriptedApprover(_reject, approve, approve)
    rt = make_runtime(approver, with_settings(read_confinement="require"))
    refused = await rt.session.run_command(unconfinable_host, "cat /etc/hostname")
    request = approver.requests[0]
    assert request.tier is Tier.WRITE, "asked like a WRITE: one deliberate key"
    assert any("cannot confine READs" in warning and "unshare not found" in warning for warning in request.warnings)
    assert refused.result is None and refused.status is Status.REJECTED

    ran = await rt.session.run_command(unconfinable_host, "cat /etc/hostname")
    assert ran.ok and ran.classification.tier is Tier.READ
    assert ran.confinement == "not confined: none: unshare not found on the host"
    record = rt.memory.actions()[0]
    assert (record.tier, record.decision) == ("READ", "approved")

    marker = tmp_path / "after"
    plan = await rt.session.run_plan("check", unconfinable_host, [("cat /etc/hostname", ""), (f"touch {marker}", "")])
    assert len(approver.requests) == 3
    assert approver.requests[2].steps[0].result is None, "no READ ran before the approval"
    assert plan.decision is Verdict.APPROVED and marker.exists()


async def test_the_session_tells_a_hosts_mode_when_asked(make_runtime: RuntimeFactory) -> None:
    events: list[SessionEvent] = []
    rt = make_runtime(ScriptedApprover(), events=events)
    mode = await rt.session.read_confinement("local")
    assert mode.confine and mode.label == "mount namespace"
    assert events == [ReadConfinementChanged("local", True, "mount namespace")]
    await rt.session.read_confinement("local")
    assert len(events) == 1, "said once, until it changes"
