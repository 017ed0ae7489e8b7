"""Four eyes on a team store: two operators in two real processes (or two stores of their own), each with their
own database login. A change on a four-eyes host runs only after another operator approved the same review;
the requester can never approve it (not through hitl, not by writing the row), a rejection or a drift stops it,
and both names are recorded."""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from console.core.approval import Decision
from console.core.errors import ApprovalRefused
from console.core.memory.postgres import PostgresStore
from console.core.outcome import Status
from console.core.team import TeamApprovals
from tests.fixtures.team_store import TeamDatabase
from tests.integration.test_exec_cli import Terminal as ExecTerminal
from tests.support.session import RuntimeFactory, ScriptedApprover, approve, with_settings

HITL = [sys.executable, "-m", "console"]
ROOT = Path(__file__).parents[2]
FOUR_EYES_LOCAL = with_settings(four_eyes_labels=("local",))


def operator_env(team_db: TeamDatabase, login: str, home: Path, **extra: str) -> dict[str, str]:
    home.mkdir(exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("HITL_")}
    env.update({"HITL_HOME": str(home), "HITL_STORE": team_db.url(login), "HITL_FOUR_EYES_LABELS": "local", **extra})
    return env


def hitl(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*HITL, *args], capture_output=True, text=True, env=env, cwd=ROOT, timeout=60, check=False)


class Terminal(ExecTerminal):
    """hitl on a pseudo-terminal as one operator (its environment), answered like a person at the keyboard."""

    def __init__(self, env: dict[str, str], *args: str) -> None:
        super().__init__(*args, env=env, cwd=ROOT)


def pending_ids(env: dict[str, str]) -> list[int]:
    done = hitl(env, "approvals", "pending", "--json")
    assert done.returncode == 0, done.stderr
    return [json.loads(line)["id"] for line in done.stdout.splitlines()]


def test_a_second_operator_approves_from_another_process_and_the_change_runs(
    team_db: TeamDatabase, tmp_path: Path
) -> None:
    alice = operator_env(team_db, "alice", tmp_path / "alice")
    bob = operator_env(team_db, "bob", tmp_path / "bob")
    target = tmp_path / "motd"
    requester = Terminal(alice, "exec", "local", "--", f"touch {target}")
    requester.expect(r"Approve WRITE on local\? \[y/N\]")
    requester.send("y\n")
    request_id = int(requester.expect(r"waiting for another operator to approve request (\d+)").group(1))
    assert not target.exists()
    assert pending_ids(bob) == [request_id]
    approver = Terminal(bob, "approvals", "approve", str(request_id))
    approver.expect(r"request \d+ from alice")
    approver.expect(rf"touch {re.escape(str(target))}")  # the same review: the command, what is captured
    approver.expect(r"Approve WRITE on local\? \[y/N\]")
    approver.send("y\n")
    assert approver.wait() == 0, approver.seen
    assert "approved request" in approver.seen and "as bob" in approver.seen
    assert requester.wait() == 0, requester.seen
    assert target.exists()
    records = [json.loads(line) for line in hitl(bob, "history", "--json").stdout.splitlines()]
    touch = next(r for r in records if r["command"].startswith("touch"))
    assert (touch["operator"], touch["approved_by"], touch["decision"], touch["exit_status"]) == (
        "alice",
        "bob",
        "approved",
        0,
    )
    assert pending_ids(bob) == []


def test_the_requester_cannot_approve_its_own_request_and_a_rejection_stops_it(
    team_db: TeamDatabase, tmp_path: Path
) -> None:
    alice = operator_env(team_db, "alice", tmp_path / "alice")
    bob = operator_env(team_db, "bob", tmp_path / "bob")
    target = tmp_path / "motd"
    requester = Terminal(alice, "exec", "local", "--", f"touch {target}")
    requester.expect(r"\[y/N\]")
    requester.send("y\n")
    request_id = requester.expect(r"approve request (\d+)").group(1)
    for _attempt in range(2):  # asked twice, refused twice
        own = hitl(alice, "approvals", "approve", request_id)
        assert own.returncode == 3, own.stderr
        assert own.stderr.count("\n") == 1 and "alice's own" in own.stderr and "Traceback" not in own.stderr
    forged = operator_env(team_db, "alice", tmp_path / "alice", HITL_OPERATOR="bob")  # a second name, same login
    done = hitl(forged, "approvals", "approve", request_id)
    assert done.returncode == 2 and "this database login is 'alice'" in done.stderr, done.stderr
    assert pending_ids(bob) == [int(request_id)]
    rejected = hitl(bob, "approvals", "reject", request_id, "--reason", "not during the sale")
    assert rejected.returncode == 0, rejected.stderr
    assert requester.wait() == 3
    assert "rejected by bob: not during the sale" in requester.seen
    assert not target.exists()
    record = json.loads(hitl(bob, "history", "--json", "--limit", "1").stdout)
    assert (record["operator"], record["approved_by"], record["decision"]) == ("alice", "bob", "rejected")


def test_the_database_itself_refuses_a_forged_second_approval(team_db: TeamDatabase, tmp_path: Path) -> None:
    with PostgresStore.open(team_db.url("alice"), snapshots_dir=tmp_path) as alice:
        request_id = alice.request_second_approval(
            host="local", kind="command", tier="WRITE", title="t", actions=[], review="{}", digest="d", expires_at=9e9
        )
        with pytest.raises(ApprovalRefused, match="own"):
            alice.decide_second_approval(request_id, approved=True, digest="d")
    with psycopg.connect(team_db.url("alice"), autocommit=True) as raw, pytest.raises(psycopg.errors.CheckViolation):
        raw.execute("UPDATE approval_requests SET state = 'approved', decided_by = 'bob' WHERE id = %s", (request_id,))
    with psycopg.connect(team_db.url("alice"), autocommit=True) as raw:
        raw.execute(
            "INSERT INTO actions (host, command, tier, reasons, source, proposed, state, owner, operator)"
            " VALUES ('h', 'c', 'WRITE', '[]', 'x', 0, 'proposed', 'o', 'bob')"
        )
        assert raw.execute("SELECT operator FROM actions").fetchone() == ("alice",)
    assert team_db.query("SELECT state, decided_by FROM approval_requests") == [("pending", None)]


async def test_an_approval_given_before_the_targets_drifted_is_void(
    team_db: TeamDatabase, tmp_path: Path, make_runtime: RuntimeFactory
) -> None:
    target = tmp_path / "app.conf"
    target.write_text("workers 4\n")
    make_runtime.store_url = team_db.url("alice")
    approver = ScriptedApprover(approve, Decision.reject("it changed under us"))
    rt = make_runtime(approver, FOUR_EYES_LOCAL)
    running = asyncio.create_task(rt.session.run_command("local", f"sed -i s/4/8/ {target}"))
    with PostgresStore.open(team_db.url("bob"), snapshots_dir=tmp_path / "bob") as bob:
        team = TeamApprovals(bob)
        for _ in range(200):
            if waiting := team.pending():
                break
            await asyncio.sleep(0.05)
        request_id = waiting[0].id
        assert waiting[0].record.requested_by == "alice" and not waiting[0].mine
        target.write_text("workers 16\n")  # someone changes the file after the review
        team.approve(request_id, Decision(approved=True), latency=2.0)
        outcome = await asyncio.wait_for(running, 30)
        assert outcome.status is Status.REJECTED and "changed under us" in (outcome.reason or "")
        assert target.read_text() == "workers 16\n"  # the approved sed never ran over the drifted file
        void = bob.second_approval(request_id)
        assert void is not None and void.state == "void" and "changed" in (void.reason or "")
        assert "Asked again" in approver.requests[1].warnings[0]
        with pytest.raises(ApprovalRefused, match="no longer waiting"):
            team.approve(request_id, Decision(approved=True), latency=2.0)


async def test_destructive_needs_the_second_operator_to_type_the_challenge(
    team_db: TeamDatabase, tmp_path: Path, make_runtime: RuntimeFactory
) -> None:
    victim = tmp_path / "old-logs"
    victim.mkdir()
    (victim / "a.log").write_text("x")
    make_runtime.store_url = team_db.url("alice")
    rt = make_runtime(ScriptedApprover(approve), FOUR_EYES_LOCAL)
    running = asyncio.create_task(rt.session.run_command("local", f"rm -rf {victim}"))
    with PostgresStore.open(team_db.url("bob"), snapshots_dir=tmp_path / "bob") as bob:
        team = TeamApprovals(bob)
        for _ in range(200):
            if waiting := team.pending():
                break
            await asyncio.sleep(0.05)
        record, request = team.review(waiting[0].id)
        assert request.tier.name == "DESTRUCTIVE" and request.challenges and request.requested_by == "alice"
        with pytest.raises(ApprovalRefused, match="typed confirmation"):
            team.approve(record.id, Decision(approved=True, typed_challenges=("local-0000",)), latency=5.0)
        assert victim.exists()
        team.approve(record.id, Decision(approved=True, typed_challenges=request.challenges), latency=5.0)
        outcome = await asyncio.wait_for(running, 30)
    assert outcome.status is Status.DONE and not victim.exists()
    assert outcome.rollback_key
