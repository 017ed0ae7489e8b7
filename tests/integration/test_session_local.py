"""The session core on the built-in local host: real subprocesses, real SQLite, real captures."""

from __future__ import annotations

import hashlib
import io
import os
import shlex
import tarfile
from pathlib import Path

import pytest

from console.core.approval import Decision, RememberChoice, StepFinished
from console.core.capture.blobs import BlobStore
from console.core.paths import resolve_paths
from console.core.plan import StepStatus
from console.core.remembered import Lifetime, Scope
from console.core.tiers import Tier
from tests.support.session import ScriptedApprover, approve, runtime, tree_state, with_settings


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


async def test_read_runs_at_once_without_asking(tmp_path: Path) -> None:
    (tmp_path / "f.txt").write_text("hello\n")
    approver = ScriptedApprover()
    rt = runtime(approver)
    try:
        outcome = await rt.session.run_command("local", f"cat {tmp_path}/f.txt")
        action = rt.memory.actions()[0]
    finally:
        await rt.close()
    assert outcome.classification.tier is Tier.READ
    assert outcome.decision == "auto"
    assert outcome.result is not None and outcome.result.stdout == "hello\n"
    assert approver.requests == []
    assert (action.decision, action.exit_status, action.tier) == ("auto", 0, "READ")


async def test_write_waits_captures_and_rolls_back_content_mode_owner(tmp_path: Path) -> None:
    target = tmp_path / "app.conf"
    target.write_text("listen 80;\nserver_name old;\n")
    target.chmod(0o640)
    original = target.read_bytes()
    approver = ScriptedApprover(approve, approve)
    events: list[object] = []
    rt = runtime(approver, events=events)  # type: ignore[arg-type]
    try:
        outcome = await rt.session.run_command("local", f"sed -i s/old/new/ {target}")
        assert outcome.classification.tier is Tier.WRITE
        assert outcome.decision == "approved"
        assert outcome.rollback_key and outcome.rollback_key.startswith("rb-")
        assert target.read_text() == "listen 80;\nserver_name new;\n"
        request = approver.requests[0]
        assert request.steps[0].preview and "+server_name new;" in request.steps[0].preview
        assert any(str(target) in line for line in request.steps[0].capture_lines)

        # The capture's checksum equals the pre-change checksum.
        point = rt.memory.rollback_point(outcome.rollback_key)
        assert point is not None
        files = next(i for i in point.artifacts["items"] if i["strategy"] == "files")["data"]
        assert files["states"][0]["digest"] == sha(original)
        blob = BlobStore(resolve_paths().snapshots_dir).read_bytes(files["blob"])
        with tarfile.open(fileobj=io.BytesIO(blob)) as archive:
            member = archive.getmember(str(target).lstrip("/"))
            assert sha(archive.extractfile(member).read()) == sha(original)  # type: ignore[union-attr]

        os.chmod(target, 0o600)  # drift after the command ran: mode changed too
        before_rollback = approver.requests[:]
        undo = await rt.session.rollback([outcome.rollback_key], reason="test")
        assert undo[-1].ok
        rollback_request = approver.requests[len(before_rollback)]
        assert rollback_request.kind == "rollback"
        assert rollback_request.diff and "-server_name new;" in rollback_request.diff
        assert rollback_request.requires_force  # the file changed since the command ran
        assert target.read_bytes() == original
        assert (target.stat().st_mode & 0o777) == 0o640
        assert target.stat().st_uid == os.getuid()
        assert rt.memory.rollback_point(outcome.rollback_key).status == "rolled back"  # type: ignore[union-attr]
        # The rollback itself captured the state it replaced, so it can be undone.
        assert undo[-1].rollback_key and undo[-1].rollback_key != outcome.rollback_key
        assert any(isinstance(e, StepFinished) and e.rollback_key == outcome.rollback_key for e in events)
    finally:
        await rt.close()


async def test_destructive_tree_deletion_comes_back_byte_for_byte(tmp_path: Path) -> None:
    tree = tmp_path / "srv" / "app"
    (tree / "static" / "css").mkdir(parents=True)
    (tree / "static" / "css" / "site.css").write_text("body{}\n")
    (tree / "bin").mkdir()
    (tree / "bin" / "run").write_bytes(b"#!/bin/sh\necho hi\n\x00\xff")
    (tree / "bin" / "run").chmod(0o755)
    (tree / "current").symlink_to("bin/run")
    (tree / "static").chmod(0o750)
    before = tree_state(tree)
    approver = ScriptedApprover(approve, approve)
    rt = runtime(approver)
    try:
        outcome = await rt.session.run_command("local", f"rm -rf {tree}")
        request = approver.requests[0]
        assert request.tier is Tier.DESTRUCTIVE
        assert request.challenges == (f"local-{request.steps[0].digest[:4]}",)
        assert request.steps[0].classification.consequence
        assert not tree.exists()
        assert outcome.rollback_key
        await rt.session.rollback([outcome.rollback_key])
    finally:
        await rt.close()
    assert tree_state(tree) == before


async def test_created_file_is_removed_by_rollback(tmp_path: Path) -> None:
    created = tmp_path / "new.conf"
    approver = ScriptedApprover(approve, approve)
    rt = runtime(approver)
    try:
        outcome = await rt.session.run_command("local", f"touch {created}")
        assert created.exists()
        assert any("does not exist yet" in line for line in approver.requests[0].steps[0].capture_lines)
        await rt.session.rollback([outcome.rollback_key or ""])
    finally:
        await rt.close()
    assert not created.exists()


async def test_rejected_command_does_not_run_and_reason_is_kept(tmp_path: Path) -> None:
    target = tmp_path / "keep.txt"
    target.write_text("keep\n")
    rt = runtime(ScriptedApprover(Decision.reject("not during business hours")))
    try:
        outcome = await rt.session.run_command("local", f"rm {target}")
        assert outcome.decision == "rejected"
        assert outcome.reason == "not during business hours"
        assert target.exists()
        action = rt.memory.actions()[0]
        assert action.decision == "rejected"
        assert action.reason == "not during business hours"
    finally:
        await rt.close()


async def test_drifted_target_stops_the_step_and_asks_again(tmp_path: Path) -> None:
    target = tmp_path / "drift.conf"
    target.write_text("a\n")

    def approve_then_someone_edits(request):  # the file changes between review and execution
        target.write_text("edited by a colleague\n")
        return approve(request)

    approver = ScriptedApprover(approve_then_someone_edits, Decision.reject("changed under me"))
    rt = runtime(approver)
    try:
        outcome = await rt.session.run_command("local", f"sed -i s/a/b/ {target}")
    finally:
        await rt.close()
    assert len(approver.requests) == 2
    assert any(str(target) in w and "changed" in w for w in approver.requests[1].warnings)
    assert outcome.decision == "rejected"
    assert target.read_text() == "edited by a colleague\n"


async def test_destructive_needs_the_typed_challenge_and_the_dwell(tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    victim.mkdir()
    wrong = ScriptedApprover(Decision(approved=True, typed_challenges=("local-0000",)))
    rt = runtime(wrong)
    try:
        outcome = await rt.session.run_command("local", f"rm -rf {victim}")
    finally:
        await rt.close()
    assert outcome.decision == "rejected" and victim.exists()

    hasty = ScriptedApprover(approve)
    rt = runtime(hasty, with_settings(destructive_dwell=5.0))
    try:
        outcome = await rt.session.run_command("local", f"rm -rf {victim}")
    finally:
        await rt.close()
    assert outcome.decision == "rejected" and "dwell" in (outcome.reason or "")
    assert victim.exists()


async def test_read_only_mode_refuses_in_core(tmp_path: Path) -> None:
    approver = ScriptedApprover()
    rt = runtime(approver, with_settings(read_only=True))
    try:
        outcome = await rt.session.run_command("local", f"touch {tmp_path}/x")
        read = await rt.session.run_command("local", "true")
    finally:
        await rt.close()
    assert outcome.decision == "refused" and "read-only" in (outcome.reason or "")
    assert not (tmp_path / "x").exists()
    assert approver.requests == []
    assert read.decision == "auto"


async def test_deny_rule_refuses_even_reads(tmp_path: Path) -> None:
    rt = runtime(ScriptedApprover(), with_settings(deny=(r"\bshadow\b",)))
    try:
        outcome = await rt.session.run_command("local", "cat /etc/shadow")
    finally:
        await rt.close()
    assert outcome.decision == "refused" and "deny rule" in (outcome.reason or "")


async def test_plan_runs_head_reads_first_and_stops_at_the_failing_step(tmp_path: Path) -> None:
    config = tmp_path / "site.conf"
    config.write_text("v1\n")
    marker = tmp_path / "never"
    seen_outputs: list[str] = []

    def review(request):
        seen_outputs.extend(s.result.stdout for s in request.steps if s.result is not None)
        return approve(request)

    approver = ScriptedApprover(review)
    rt = runtime(approver)
    try:
        outcome = await rt.session.run_plan(
            "deploy",
            "local",
            [
                (f"cat {config}", "look first"),
                (f"sed -i s/v1/v2/ {config}", "change"),
                (f"cp {tmp_path}/missing.conf {config}", "copy (fails)"),
                (f"touch {marker}", "must never run"),
            ],
        )
    finally:
        await rt.close()
    assert seen_outputs == ["v1\n"]  # the READ head ran before the approval, its output in view
    assert len(approver.requests) == 1  # approved once, as a whole
    statuses = [s.status for s in outcome.plan.steps]
    assert statuses == [StepStatus.DONE, StepStatus.DONE, StepStatus.FAILED, StepStatus.SKIPPED]
    assert not marker.exists()
    assert config.read_text() == "v2\n"
    assert [s.index for s in outcome.plan.rollback_order()] == [2]


async def test_plan_steps_see_earlier_steps_changes_without_false_drift(tmp_path: Path) -> None:
    config = tmp_path / "a.conf"
    config.write_text("one\n")
    rt = runtime(ScriptedApprover(approve, approve))
    try:
        outcome = await rt.session.run_plan(
            "two edits",
            "local",
            [(f"sed -i s/one/two/ {config}", "first"), (f"sed -i s/two/three/ {config}", "second")],
        )
        assert [s.status for s in outcome.plan.steps] == [StepStatus.DONE, StepStatus.DONE]
        assert config.read_text() == "three\n"
        await rt.session.rollback_plan(outcome.plan)
    finally:
        await rt.close()
    assert config.read_text() == "one\n"
    assert [s.status for s in outcome.plan.steps] == [StepStatus.ROLLED_BACK, StepStatus.ROLLED_BACK]


async def test_remembered_write_is_not_asked_again_but_destructive_always_is(tmp_path: Path) -> None:
    remember = RememberChoice(scope=Scope.PREFIX, lifetime=Lifetime.SESSION)
    approver = ScriptedApprover(lambda r: Decision(approved=True, remember=remember), approve)
    rt = runtime(approver)
    try:
        await rt.session.run_command("local", f"touch {tmp_path}/one")
        second = await rt.session.run_command("local", f"touch {tmp_path}/two")
        assert second.decision == "remembered"
        assert len(approver.requests) == 1
        await rt.session.run_command("local", f"rm -rf {tmp_path}/one")
        assert len(approver.requests) == 2
    finally:
        await rt.close()


async def test_sqlite_delete_without_where_is_undone(tmp_path: Path) -> None:
    db = tmp_path / "app.db"
    import sqlite3

    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)")
        conn.executemany("INSERT INTO users (name) VALUES (?)", [("ada",), ("linus",)])
    before = db.read_bytes()
    rt = runtime(ScriptedApprover(approve, approve))
    try:
        outcome = await rt.session.run_command("local", f"sqlite3 {db} {shlex.quote('DELETE FROM users')}")
        assert outcome.classification.tier is Tier.DESTRUCTIVE
        with sqlite3.connect(db) as conn:
            assert conn.execute("SELECT count(*) FROM users").fetchone() == (0,)
        await rt.session.rollback([outcome.rollback_key or ""])
    finally:
        await rt.close()
    assert db.read_bytes() == before
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT name FROM users ORDER BY id").fetchall() == [("ada",), ("linus",)]


async def test_expired_rollback_point_cannot_be_restored(tmp_path: Path) -> None:
    target = tmp_path / "t"
    target.write_text("x")
    rt = runtime(ScriptedApprover(approve), with_settings(rollback_ttl=0.0))
    try:
        outcome = await rt.session.run_command("local", f"touch {target}")
        from console.core.session import SessionError

        with pytest.raises(SessionError, match="expired"):
            await rt.session.rollback([outcome.rollback_key or ""])
        with pytest.raises(SessionError, match="not a rollback key"):
            await rt.session.rollback(["nope; rm -rf /"])
    finally:
        await rt.close()


async def test_user_rules_from_the_config_dir_reach_the_session(hitl_home: Path) -> None:
    (hitl_home / "rules").mkdir()
    (hitl_home / "rules" / "site.toml").write_text(
        '[[rule]]\ncommand = ["deploy-tool"]\ntier = "DESTRUCTIVE"\ndoes = "deploys to production"\n'
        'consequence = "Replaces the running release."\nexamples = ["deploy-tool now"]\n'
    )
    rt = runtime(ScriptedApprover(Decision.reject("not now")))
    try:
        outcome = await rt.session.run_command("local", "deploy-tool now")
    finally:
        await rt.close()
    assert outcome.classification.tier is Tier.DESTRUCTIVE
    assert outcome.decision == "rejected"


async def test_a_plan_can_be_aborted_between_steps(tmp_path: Path) -> None:
    events: list[object] = []
    rt = runtime(ScriptedApprover(approve))

    def sink(event: object) -> None:
        events.append(event)
        if isinstance(event, StepFinished) and event.index == 1:
            rt.session.abort_plan()

    rt.session.events = sink  # type: ignore[assignment]
    try:
        outcome = await rt.session.run_plan(
            "three files",
            "local",
            [(f"touch {tmp_path}/{name}", name) for name in ("one", "two", "three")],
        )
    finally:
        await rt.close()
    assert (tmp_path / "one").exists()
    assert not (tmp_path / "two").exists() and not (tmp_path / "three").exists()
    assert outcome.plan.aborted
    assert [s.status for s in outcome.plan.steps] == [StepStatus.DONE, StepStatus.SKIPPED, StepStatus.SKIPPED]


async def test_no_rollback_is_said_before_the_decision(tmp_path: Path) -> None:
    big = tmp_path / "big.bin"
    big.write_bytes(b"x" * 4096)
    approver = ScriptedApprover(Decision.reject("no"), Decision.reject("no"))
    rt = runtime(approver, with_settings(capture_size_cap=1024))
    try:
        await rt.session.run_command("local", f"rm {big}")
        await rt.session.run_command("local", "curl -X POST https://example.invalid/api/restart")
    finally:
        await rt.close()
    over_cap, uncapturable = (r.steps[0].no_rollback or "" for r in approver.requests)
    assert "over the capture size cap" in over_cap
    assert "cannot be undone" in uncapturable
    assert big.exists()
