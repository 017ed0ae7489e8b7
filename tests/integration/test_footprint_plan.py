"""Plans: a step after the first change is resolved again, right before it runs, against what the earlier steps
left. A footprint that grew or a tier that rose stops the plan before that step and asks again (local host and
real sshd host)."""

from __future__ import annotations

from pathlib import Path

import pytest

from console.core.approval import ApprovalRequest, Decision
from console.core.plan import StepStatus
from console.core.tiers import Tier
from tests.support.session import RuntimeFactory, ScriptedApprover, approve


@pytest.fixture(params=["local", "ssh"])
def host(request: pytest.FixtureRequest, hitl_home: Path) -> str:
    if request.param == "local":
        return "local"
    sshd = request.getfixturevalue("sshd")
    (hitl_home / "hosts.toml").write_text(sshd.host_entry("box"))
    return "box"


async def test_a_symlink_made_by_step_one_does_not_reroute_step_two_unseen(
    host: str, tmp_path: Path, make_runtime: RuntimeFactory
) -> None:
    important = tmp_path / "x" / "important"
    important.parent.mkdir()
    important.write_text("precious\n")
    link = tmp_path / "x" / "link"
    new = tmp_path / "new"
    new.write_text("replacement\n")
    approver = ScriptedApprover(approve, approve, approve)
    rt = make_runtime(approver)
    outcome = await rt.session.run_plan(
        "reroute", host, [(f"ln -sf {important} {link}", "link"), (f"cp {new} {link}", "write through")]
    )
    assert len(approver.requests) == 2  # the plan, then step 2 again
    again = approver.requests[1]
    assert any(str(important) in warning for warning in again.warnings), again.warnings
    assert any(str(important) in line for line in again.steps[0].capture_lines)
    assert [s.status for s in outcome.plan.steps] == [StepStatus.DONE, StepStatus.DONE]
    assert important.read_text() == "replacement\n"
    undo = await rt.session.rollback_plan(outcome.plan)
    assert undo.ok, undo.reason
    assert important.read_text() == "precious\n" and not link.exists() and not link.is_symlink()


async def test_a_step_rerouted_onto_a_critical_path_becomes_destructive_and_is_asked_again(
    host: str, tmp_path: Path, make_runtime: RuntimeFactory
) -> None:
    keys = tmp_path / "home" / ".ssh" / "authorized_keys"  # critical wherever it lies
    keys.parent.mkdir(parents=True)
    keys.write_text("ssh-ed25519 AAAA admin\n")
    link = tmp_path / "x" / "link"
    link.parent.mkdir()
    new = tmp_path / "new"
    new.write_text("ssh-ed25519 BBBB attacker\n")
    approver = ScriptedApprover(approve, Decision.reject("that is not what I approved"))
    rt = make_runtime(approver)
    outcome = await rt.session.run_plan(
        "reroute", host, [(f"ln -sf {keys} {link}", "link"), (f"cp {new} {link}", "write through")]
    )
    plan_request, again = approver.requests
    assert plan_request.steps[1].tier is Tier.WRITE  # reviewed before step 1 ran: nothing critical yet
    assert again.tier is Tier.DESTRUCTIVE and again.challenges
    assert any("critical" in warning for warning in again.warnings)
    assert [s.status for s in outcome.plan.steps] == [StepStatus.DONE, StepStatus.REFUSED]
    assert keys.read_text() == "ssh-ed25519 AAAA admin\n"
    action = rt.memory.actions()[0]  # newest first: step 2
    assert action.tier == "DESTRUCTIVE"  # recorded with the tier it was asked under


async def test_a_glob_that_matches_what_an_earlier_step_made_is_asked_again(
    host: str, tmp_path: Path, make_runtime: RuntimeFactory
) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "old.log").write_text("old\n")

    def look(request: ApprovalRequest) -> Decision:
        assert any(str(logs / "new.log") in warning for warning in request.warnings), request.warnings
        return approve(request)

    approver = ScriptedApprover(approve, look, approve)
    rt = make_runtime(approver)
    outcome = await rt.session.run_plan(
        "rotate", host, [(f"echo x > {logs}/new.log", "make"), (f"rm -f {logs}/*.log", "clean")]
    )
    assert len(approver.requests) == 2
    assert [s.status for s in outcome.plan.steps] == [StepStatus.DONE, StepStatus.DONE]
    assert list(logs.iterdir()) == []
    undo = await rt.session.rollback_plan(outcome.plan)
    assert undo.ok, undo.reason
    assert sorted(p.name for p in logs.iterdir()) == ["old.log"]


async def test_a_step_whose_footprint_did_not_change_is_not_asked_again(
    host: str, tmp_path: Path, make_runtime: RuntimeFactory
) -> None:
    config = tmp_path / "a.conf"
    config.write_text("one\n")
    approver = ScriptedApprover(approve)
    rt = make_runtime(approver)
    outcome = await rt.session.run_plan(
        "edits", host, [(f"sed -i s/one/two/ {config}", "1"), (f"sed -i s/two/three/ {config}", "2")]
    )
    assert len(approver.requests) == 1
    assert [s.status for s in outcome.plan.steps] == [StepStatus.DONE, StepStatus.DONE]
    assert config.read_text() == "three\n"
