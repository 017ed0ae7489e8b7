"""The session core on the built-in local host: real subprocesses, real SQLite, real captures."""

from __future__ import annotations

import hashlib
import io
import os
import shlex
import tarfile
from pathlib import Path

import pytest

from console.core.approval import Decision, RememberChoice
from console.core.capture.blobs import BlobStore
from console.core.events import ActionFinished, StepStarted
from console.core.paths import resolve_paths
from console.core.plan import StepStatus
from console.core.remembered import Lifetime, Scope
from console.core.tiers import Tier
from tests.support.session import (
    FlakyTransport,
    RuntimeFactory,
    ScriptedApprover,
    approve,
    tree_state,
    with_settings,
)


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_kind(request: pytest.FixtureRequest) -> str:
    """Every session test here runs on the SQLite file and on a team store."""
    return str(request.param)


async def test_read_runs_at_once_without_asking(tmp_path: Path, make_runtime: RuntimeFactory) -> None:
    (tmp_path / "f.txt").write_text("hello\n")
    approver = ScriptedApprover()
    rt = make_runtime(approver)
    outcome = await rt.session.run_command("local", f"cat {tmp_path}/f.txt")
    action = rt.memory.actions()[0]
    assert outcome.classification.tier is Tier.READ
    assert outcome.decision == "auto"
    assert outcome.result is not None and outcome.result.stdout == "hello\n"
    assert approver.requests == []
    assert (action.decision, action.exit_status, action.tier) == ("auto", 0, "READ")


async def test_write_waits_captures_and_rolls_back_content_mode_owner(
    tmp_path: Path, make_runtime: RuntimeFactory
) -> None:
    target = tmp_path / "app.conf"
    target.write_text("listen 80;\nserver_name old;\n")
    target.chmod(0o640)
    original = target.read_bytes()
    approver = ScriptedApprover(approve, approve)
    events: list[object] = []
    rt = make_runtime(approver, events=events)  # type: ignore[arg-type]
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
    assert undo.ok
    rollback_request = approver.requests[len(before_rollback)]
    assert rollback_request.kind == "rollback"
    assert rollback_request.diff and "-server_name new;" in rollback_request.diff
    assert rollback_request.requires_force  # the file changed since the command ran
    assert target.read_bytes() == original
    assert (target.stat().st_mode & 0o777) == 0o640
    assert target.stat().st_uid == os.getuid()
    assert rt.memory.rollback_point(outcome.rollback_key).status == "rolled back"  # type: ignore[union-attr]
    # The rollback itself captured the state it replaced, so it can be undone.
    assert undo.rollback_key and undo.rollback_key != outcome.rollback_key
    assert any(isinstance(e, ActionFinished) and e.outcome.rollback_key == outcome.rollback_key for e in events)


async def test_destructive_tree_deletion_comes_back_byte_for_byte(tmp_path: Path, make_runtime: RuntimeFactory) -> None:
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
    rt = make_runtime(approver)
    outcome = await rt.session.run_command("local", f"rm -rf {tree}")
    request = approver.requests[0]
    assert request.tier is Tier.DESTRUCTIVE
    assert request.challenges == (f"local-{request.steps[0].digest[:4]}",)
    assert request.steps[0].classification.consequence
    assert not tree.exists()
    assert outcome.rollback_key
    await rt.session.rollback([outcome.rollback_key])
    assert tree_state(tree) == before


async def test_created_file_is_removed_by_rollback(tmp_path: Path, make_runtime: RuntimeFactory) -> None:
    created = tmp_path / "new.conf"
    approver = ScriptedApprover(approve, approve)
    rt = make_runtime(approver)
    outcome = await rt.session.run_command("local", f"touch {created}")
    assert created.exists()
    assert any("does not exist yet" in line for line in approver.requests[0].steps[0].capture_lines)
    await rt.session.rollback([outcome.rollback_key or ""])
    assert not created.exists()


async def test_rejected_command_does_not_run_and_reason_is_kept(tmp_path: Path, make_runtime: RuntimeFactory) -> None:
    target = tmp_path / "keep.txt"
    target.write_text("keep\n")
    rt = make_runtime(ScriptedApprover(Decision.reject("not during business hours")))
    outcome = await rt.session.run_command("local", f"rm {target}")
    assert outcome.decision == "rejected"
    assert outcome.reason == "not during business hours"
    assert target.exists()
    action = rt.memory.actions()[0]
    assert action.decision == "rejected"
    assert action.reason == "not during business hours"


async def test_drifted_target_stops_the_step_and_asks_again(tmp_path: Path, make_runtime: RuntimeFactory) -> None:
    target = tmp_path / "drift.conf"
    target.write_text("a\n")

    def approve_then_someone_edits(request):  # the file changes between review and execution
        target.write_text("edited by a colleague\n")
        return approve(request)

    approver = ScriptedApprover(approve_then_someone_edits, Decision.reject("changed under me"))
    rt = make_runtime(approver)
    outcome = await rt.session.run_command("local", f"sed -i s/a/b/ {target}")
    assert len(approver.requests) == 2
    assert any(str(target) in w and "changed" in w for w in approver.requests[1].warnings)
    assert outcome.decision == "rejected"
    assert target.read_text() == "edited by a colleague\n"


async def test_destructive_needs_the_typed_challenge_and_the_dwell(
    tmp_path: Path, make_runtime: RuntimeFactory
) -> None:
    victim = tmp_path / "victim"
    victim.mkdir()
    wrong = ScriptedApprover(Decision(approved=True, typed_challenges=("local-0000",)))
    rt = make_runtime(wrong)
    outcome = await rt.session.run_command("local", f"rm -rf {victim}")
    assert outcome.decision == "rejected" and victim.exists()

    hasty = ScriptedApprover(approve)
    rt = make_runtime(hasty, with_settings(destructive_dwell=5.0))
    outcome = await rt.session.run_command("local", f"rm -rf {victim}")
    assert outcome.decision == "rejected" and "dwell" in (outcome.reason or "")
    assert victim.exists()


async def test_read_only_mode_refuses_in_core(tmp_path: Path, make_runtime: RuntimeFactory) -> None:
    approver = ScriptedApprover()
    rt = make_runtime(approver, with_settings(read_only=True))
    outcome = await rt.session.run_command("local", f"touch {tmp_path}/x")
    read = await rt.session.run_command("local", "true")
    assert outcome.decision == "refused" and "read-only" in (outcome.reason or "")
    assert not (tmp_path / "x").exists()
    assert approver.requests == []
    assert read.decision == "auto"


async def test_deny_rule_refuses_even_reads(tmp_path: Path, make_runtime: RuntimeFactory) -> None:
    rt = make_runtime(ScriptedApprover(), with_settings(deny=(r"\bshadow\b",)))
    outcome = await rt.session.run_command("local", "cat /etc/shadow")
    assert outcome.decision == "refused" and "deny rule" in (outcome.reason or "")


async def test_plan_runs_head_reads_first_and_stops_at_the_failing_step(
    tmp_path: Path, make_runtime: RuntimeFactory
) -> None:
    config = tmp_path / "site.conf"
    config.write_text("v1\n")
    marker = tmp_path / "never"
    seen_outputs: list[str] = []

    def review(request):
        seen_outputs.extend(s.result.stdout for s in request.steps if s.result is not None)
        return approve(request)

    approver = ScriptedApprover(review)
    rt = make_runtime(approver)
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
    assert seen_outputs == ["v1\n"]  # the READ head ran before the approval, its output in view
    assert len(approver.requests) == 1  # approved once, as a whole
    statuses = [s.status for s in outcome.plan.steps]
    assert statuses == [StepStatus.DONE, StepStatus.DONE, StepStatus.FAILED, StepStatus.SKIPPED]
    assert not marker.exists()
    assert config.read_text() == "v2\n"
    assert [s.index for s in outcome.plan.rollback_order()] == [2]


async def test_plan_steps_see_earlier_steps_changes_without_false_drift(
    tmp_path: Path, make_runtime: RuntimeFactory
) -> None:
    config = tmp_path / "a.conf"
    config.write_text("one\n")
    rt = make_runtime(ScriptedApprover(approve, approve))
    outcome = await rt.session.run_plan(
        "two edits",
        "local",
        [(f"sed -i s/one/two/ {config}", "first"), (f"sed -i s/two/three/ {config}", "second")],
    )
    assert [s.status for s in outcome.plan.steps] == [StepStatus.DONE, StepStatus.DONE]
    assert config.read_text() == "three\n"
    await rt.session.rollback_plan(outcome.plan)
    assert config.read_text() == "one\n"
    assert [s.status for s in outcome.plan.steps] == [StepStatus.ROLLED_BACK, StepStatus.ROLLED_BACK]


async def test_remembered_write_is_not_asked_again_but_destructive_always_is(
    tmp_path: Path, make_runtime: RuntimeFactory
) -> None:
    remember = RememberChoice(scope=Scope.EXACT, lifetime=Lifetime.SESSION)
    approver = ScriptedApprover(lambda r: Decision(approved=True, remember=remember), approve, approve)
    rt = make_runtime(approver)
    await rt.session.run_command("local", f"touch {tmp_path}/one")
    second = await rt.session.run_command("local", f"touch {tmp_path}/one")
    assert second.decision == "remembered"
    assert len(approver.requests) == 1
    await rt.session.run_command("local", f"touch {tmp_path}/two")
    assert len(approver.requests) == 2, "an exact rule covers no other file"
    await rt.session.run_command("local", f"rm -rf {tmp_path}/one")
    assert len(approver.requests) == 3


async def test_sqlite_delete_without_where_is_undone(tmp_path: Path, make_runtime: RuntimeFactory) -> None:
    db = tmp_path / "app.db"
    import sqlite3

    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)")
        conn.executemany("INSERT INTO users (name) VALUES (?)", [("ada",), ("linus",)])
    before = db.read_bytes()
    rt = make_runtime(ScriptedApprover(approve, approve))
    outcome = await rt.session.run_command("local", f"sqlite3 {db} {shlex.quote('DELETE FROM users')}")
    assert outcome.classification.tier is Tier.DESTRUCTIVE
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM users").fetchone() == (0,)
    await rt.session.rollback([outcome.rollback_key or ""])
    assert db.read_bytes() == before
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT name FROM users ORDER BY id").fetchall() == [("ada",), ("linus",)]


async def test_expired_rollback_point_cannot_be_restored(tmp_path: Path, make_runtime: RuntimeFactory) -> None:
    target = tmp_path / "t"
    target.write_text("x")
    rt = make_runtime(ScriptedApprover(approve), with_settings(rollback_ttl=0.0))
    outcome = await rt.session.run_command("local", f"touch {target}")
    from console.core.session import SessionError

    with pytest.raises(SessionError, match="expired"):
        await rt.session.rollback([outcome.rollback_key or ""])
    with pytest.raises(SessionError, match="not a rollback key"):
        await rt.session.rollback(["nope; rm -rf /"])


async def test_user_rules_from_the_config_dir_reach_the_session(hitl_home: Path, make_runtime: RuntimeFactory) -> None:
    (hitl_home / "rules").mkdir()
    (hitl_home / "rules" / "site.toml").write_text(
        '[[rule]]\ncommand = ["deploy-tool"]\ntier = "DESTRUCTIVE"\ndoes = "deploys to production"\n'
        'consequence = "Replaces the running release."\nexamples = ["deploy-tool now"]\n'
    )
    rt = make_runtime(ScriptedApprover(Decision.reject("not now")))
    outcome = await rt.session.run_command("local", "deploy-tool now")
    assert outcome.classification.tier is Tier.DESTRUCTIVE
    assert outcome.decision == "rejected"


async def test_a_plan_can_be_aborted_between_steps(tmp_path: Path, make_runtime: RuntimeFactory) -> None:
    events: list[object] = []
    rt = make_runtime(ScriptedApprover(approve))

    def sink(event: object) -> None:
        events.append(event)
        if isinstance(event, ActionFinished) and event.outcome.index == 1:
            rt.session.abort_plan()

    rt.session.events.subscribe(sink)  # type: ignore[arg-type]
    outcome = await rt.session.run_plan(
        "three files",
        "local",
        [(f"touch {tmp_path}/{name}", name) for name in ("one", "two", "three")],
    )
    assert (tmp_path / "one").exists()
    assert not (tmp_path / "two").exists() and not (tmp_path / "three").exists()
    assert outcome.plan.aborted
    assert [s.status for s in outcome.plan.steps] == [StepStatus.DONE, StepStatus.SKIPPED, StepStatus.SKIPPED]


async def test_no_rollback_is_said_before_the_decision(tmp_path: Path, make_runtime: RuntimeFactory) -> None:
    big = tmp_path / "big.bin"
    big.write_bytes(b"x" * 4096)
    approver = ScriptedApprover(Decision.reject("no"), Decision.reject("no"))
    rt = make_runtime(approver, with_settings(capture_size_cap=1024))
    await rt.session.run_command("local", f"rm {big}")
    await rt.session.run_command("local", "curl -X POST https://example.invalid/api/restart")
    over_cap, uncapturable = (r.steps[0].no_rollback or "" for r in approver.requests)
    assert "over the capture size cap" in over_cap
    assert "cannot be undone" in uncapturable
    assert big.exists()


# --- review findings: what a sysadmin must be able to trust ---------------------------------------------------


async def test_write_through_a_symlink_captures_the_file_it_points_to(
    tmp_path: Path, make_runtime: RuntimeFactory
) -> None:
    real = tmp_path / "etc" / "app.conf"
    real.parent.mkdir()
    real.write_text("port 80\n")
    link = tmp_path / "app.conf"
    link.symlink_to(real)
    new = tmp_path / "new.conf"
    new.write_text("port 8080\n")
    approver = ScriptedApprover(approve, approve)
    rt = make_runtime(approver)
    outcome = await rt.session.run_command("local", f"cp {new} {link}")
    assert real.read_text() == "port 8080\n"  # cp wrote through the link
    assert any(str(real) in line for line in approver.requests[0].steps[0].capture_lines)
    undo = await rt.session.rollback([outcome.rollback_key or ""])
    assert undo.ok
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert real.read_text() == "port 80\n"


async def test_sed_i_on_a_symlink_rolls_back_to_a_link(tmp_path: Path, make_runtime: RuntimeFactory) -> None:
    real = tmp_path / "real.conf"
    real.write_text("a\n")
    link = tmp_path / "link.conf"
    link.symlink_to(real)
    rt = make_runtime(ScriptedApprover(approve, approve))
    outcome = await rt.session.run_command("local", f"sed -i s/a/b/ {link}")
    assert not link.is_symlink()  # GNU sed -i replaces the link with a file
    await rt.session.rollback([outcome.rollback_key or ""])
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert real.read_text() == "a\n"


async def test_targets_with_spaces_quotes_newlines_and_unicode_roll_back(
    tmp_path: Path, make_runtime: RuntimeFactory
) -> None:
    root = tmp_path / "etc"
    root.mkdir()
    names = ["a b.conf", 'it\'s "q".conf', "new\nline.conf", "-dash.conf", "ünï.conf"]
    for name in names:
        (root / name).write_text(f"old {name}\n")
    before = tree_state(root)
    rt = make_runtime(ScriptedApprover(*[approve] * (2 * len(names))))
    for name in names:
        path = shlex.quote(str(root / name))
        outcome = await rt.session.run_command("local", f"sed -i s/old/new/ {path}")
        assert outcome.rollback_key, (name, outcome.no_rollback)
        assert (root / name).read_text().startswith("new")
        undo = await rt.session.rollback([outcome.rollback_key])
        assert undo.ok, (name, undo.reason)
    assert tree_state(root) == before


async def test_relative_target_is_resolved_against_the_session_cwd(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, make_runtime: RuntimeFactory
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "rel.conf").write_text("x\n")
    rt = make_runtime(ScriptedApprover(approve, approve))
    outcome = await rt.session.run_command("local", "sed -i s/x/y/ rel.conf")
    assert (tmp_path / "rel.conf").read_text() == "y\n"
    await rt.session.rollback([outcome.rollback_key or ""])
    assert (tmp_path / "rel.conf").read_text() == "x\n"


async def test_a_missing_blob_fails_the_rollback_cleanly_and_marks_the_point(
    tmp_path: Path, make_runtime: RuntimeFactory
) -> None:
    target = tmp_path / "t.conf"
    target.write_text("before\n")
    blobs = BlobStore(resolve_paths().snapshots_dir)

    def delete_blobs_then_approve(request):  # the store loses the data between review and restore
        for blob in blobs.root.rglob("*"):
            if blob.is_file():
                blob.unlink()
        return approve(request)

    rt = make_runtime(ScriptedApprover(approve, delete_blobs_then_approve))
    outcome = await rt.session.run_command("local", f"sed -i s/before/after/ {target}")
    key = outcome.rollback_key or ""
    undo = await rt.session.rollback([key])
    point = rt.memory.rollback_point(key)
    action = rt.memory.actions()[0]
    assert not undo.ok
    assert undo.reason and "missing" in undo.reason
    assert point is not None and point.status == "failed"
    assert action.command.startswith("Roll back") and action.exit_status == 1
    assert target.read_text() == "after\n"


async def test_undoing_a_rollback_restores_the_post_change_state_without_false_drift(
    tmp_path: Path, make_runtime: RuntimeFactory
) -> None:
    target = tmp_path / "u.conf"
    target.write_text("one\n")
    approver = ScriptedApprover(approve, approve, approve)
    rt = make_runtime(approver)
    outcome = await rt.session.run_command("local", f"sed -i s/one/two/ {target}")
    first = await rt.session.rollback([outcome.rollback_key or ""])
    assert target.read_text() == "one\n"
    with pytest.raises(Exception, match="rolled back"):
        await rt.session.rollback([outcome.rollback_key or ""])  # twice: refused
    undo = await rt.session.rollback([first.rollback_key or ""])
    assert undo.ok
    assert target.read_text() == "two\n"
    undo_request = approver.requests[2]
    assert undo_request.warnings == () and not undo_request.requires_force


async def test_a_dangling_symlink_written_through_is_removed_again(
    tmp_path: Path, make_runtime: RuntimeFactory
) -> None:
    link = tmp_path / "current.conf"
    link.symlink_to(tmp_path / "releases" / "v2.conf")
    (tmp_path / "releases").mkdir()
    rt = make_runtime(ScriptedApprover(approve, approve))
    outcome = await rt.session.run_command("local", f"echo v2 > {link}")
    assert (tmp_path / "releases" / "v2.conf").exists()
    await rt.session.rollback([outcome.rollback_key or ""])
    assert link.is_symlink() and not (tmp_path / "releases" / "v2.conf").exists()


async def test_a_tar_failure_during_capture_refuses_the_command_and_finishes_the_action(
    tmp_path: Path, make_runtime: RuntimeFactory
) -> None:
    target = tmp_path / "c.conf"
    target.write_text("a\n")
    rt = make_runtime(ScriptedApprover(approve), transport=FlakyTransport(failing=["tar_out"]))
    outcome = await rt.session.run_command("local", f"sed -i s/a/b/ {target}")
    action = rt.memory.actions()[0]
    assert outcome.decision == "refused" and not outcome.ran
    assert (
        outcome.reason
        and "capture before the change failed" in outcome.reason
        and "Permission denied" in outcome.reason
    )
    assert target.read_text() == "a\n"
    assert action.state == "finished"


async def test_a_restore_that_fails_half_way_is_failed_and_can_be_undone(
    tmp_path: Path, make_runtime: RuntimeFactory
) -> None:
    target = tmp_path / "h.conf"
    target.write_text("a\n")
    flaky = FlakyTransport()
    rt = make_runtime(ScriptedApprover(approve, approve), transport=flaky)
    outcome = await rt.session.run_command("local", f"sed -i s/a/b/ {target}")
    flaky.failing = {"restore"}
    undo = await rt.session.rollback([outcome.rollback_key or ""])
    point = rt.memory.rollback_point(outcome.rollback_key or "")
    action = rt.memory.actions()[0]
    assert not undo.ok and undo.reason and "Read-only file system" in undo.reason
    assert undo.rollback_key and undo.rollback_key in undo.reason
    assert point is not None and point.status == "failed"
    assert (action.state, action.exit_status) == ("finished", 1)


async def test_a_host_lost_right_after_the_change_still_issues_the_rollback_key(
    tmp_path: Path, make_runtime: RuntimeFactory
) -> None:
    target = tmp_path / "k.conf"
    target.write_text("a\n")
    command = f"sed -i s/a/b/ {target}"
    rt = make_runtime(ScriptedApprover(approve), transport=FlakyTransport(down_after=command))
    outcome = await rt.session.run_command("local", command)
    point = rt.memory.rollback_point(outcome.rollback_key or "")
    assert outcome.ok and outcome.rollback_key
    assert point is not None and point.status == "live"
    assert target.read_text() == "b\n"


@pytest.mark.parametrize("command", ["ls /", "touch /tmp/hitl-never-made"])
async def test_an_unreachable_host_is_a_session_error_and_no_action_is_left_open(
    command: str, make_runtime: RuntimeFactory
) -> None:
    from console.core.session import SessionError

    rt = make_runtime(ScriptedApprover(approve), transport=FlakyTransport(down_after=""))
    with pytest.raises(SessionError, match="connection to host 'local' was lost"):
        await rt.session.run_command("local", command)
    action = rt.memory.actions()[0]
    assert action.state == "finished" and action.ended == "not started"
    assert not Path("/tmp/hitl-never-made").exists()


async def test_an_abort_is_not_lost_when_another_plan_starts_meanwhile(
    tmp_path: Path, make_runtime: RuntimeFactory
) -> None:
    import asyncio

    gate, started = tmp_path / "gate", tmp_path / "one"
    rt = make_runtime(ScriptedApprover(approve))
    first = asyncio.ensure_future(
        rt.session.run_plan(
            "slow",
            "local",
            [
                (f"touch {started} && while [ ! -e {gate} ]; do sleep 0.05; done", "one"),
                (f"touch {tmp_path}/two", "two"),
            ],
        )
    )
    for _ in range(400):  # step 1 is running once it has touched its file (10 s at most)
        if started.exists():
            break
        await asyncio.sleep(0.025)
    assert started.exists() and not first.done()
    rt.session.abort_plan()
    other = await rt.session.run_plan("quick look", "local", [("true", "a check")])
    gate.touch()
    outcome = await first
    assert other.plan.steps[0].status is StepStatus.DONE
    assert outcome.plan.aborted and not (tmp_path / "two").exists()


async def test_a_rollback_is_bound_to_the_state_that_was_reviewed(tmp_path: Path, make_runtime: RuntimeFactory) -> None:
    target = tmp_path / "r.conf"
    target.write_text("one\n")

    def edited_during_review_then_approved(request):  # a concurrent step or a colleague changes it
        target.write_text("three\n")
        return approve(request)

    rt = make_runtime(ScriptedApprover(approve, edited_during_review_then_approved, approve))
    outcome = await rt.session.run_command("local", f"sed -i s/one/two/ {target}")
    key = outcome.rollback_key or ""
    refused = await rt.session.rollback([key])
    assert target.read_text() == "three\n"  # what the operator did not see is not overwritten
    assert refused.decision == "refused" and not refused.ok
    assert refused.reason and str(target) in refused.reason and "nothing was restored" in refused.reason
    assert rt.memory.rollback_point(key).status == "live"  # type: ignore[union-attr]
    assert rt.memory.actions()[0].state == "finished"
    again = await rt.session.rollback([key])  # asked again, now with the edit in the diff
    assert again.ok and target.read_text() == "one\n"


async def test_a_command_stopped_while_running_is_closed_as_interrupted_at_once(
    make_runtime: RuntimeFactory,
) -> None:
    import asyncio

    events: list[object] = []
    rt = make_runtime(ScriptedApprover(), events=events)  # type: ignore[arg-type]
    task = asyncio.ensure_future(rt.session.run_command("local", "sleep 30"))
    for _ in range(400):  # the READ runs at once; it is running once it has been announced (10 s at most)
        if any(isinstance(e, StepStarted) for e in events):
            break
        await asyncio.sleep(0.025)
    await asyncio.sleep(0.2)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    action = rt.memory.actions()[0]
    assert (action.state, action.ended) == ("interrupted", "cancelled")
    closed = [e.outcome for e in events if isinstance(e, ActionFinished)]
    assert [o.status.value for o in closed] == ["interrupted"]
