"""Fleets through the session against ten real sshd hosts (and one unreachable): READ fanned out with per-host
results, a WRITE rollout approved once and run in waves, a failed canary stopping it after wave 1, `max_fail`
letting a wave through, and one rollout key restoring every host."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from console.core.events import OutputLines, SessionEvent
from console.core.fleet.records import HostState
from console.core.fleet.targets import TargetError
from console.core.outcome import Origin, Status, Verdict
from tests.fixtures.fleet import Fleet, reset_homes
from tests.support.session import RuntimeFactory, ScriptedApprover, approve, with_settings

pytestmark = pytest.mark.slow


@pytest.fixture
def inventory(fleet: Fleet, hitl_home: Path) -> Fleet:
    (hitl_home / "hosts.toml").write_text(fleet.hosts_toml())
    reset_homes(fleet, "greeting", "app.conf")
    yield fleet
    reset_homes(fleet, "greeting", "app.conf")


def write_home(fleet: Fleet, name: str, file: str, text: str, *, writable: bool = True) -> Path:
    path = fleet.home(name) / file
    path.write_text(text)
    user = fleet.user(name)
    if writable:
        os.chown(path, *_ids(user))
    path.chmod(0o644 if writable else 0o444)
    return path


def _ids(user: str) -> tuple[int, int]:
    import pwd

    entry = pwd.getpwnam(user)
    return entry.pw_uid, entry.pw_gid


async def test_read_fans_out_with_each_hosts_output_and_counts(inventory: Fleet, make_runtime: RuntimeFactory) -> None:
    fleet = inventory
    for name in fleet.names:
        if name != "fleet05":
            write_home(fleet, name, "greeting", f"hello from {name}\n")
    events: list[SessionEvent] = []
    runtime = make_runtime(ScriptedApprover(), events=events)
    outcome = await runtime.session.run_fleet("@withdown", "cat greeting", source=Origin.CLI)

    assert outcome.summary() == "9 ok, 1 failed, 1 unreachable"
    assert not outcome.ok and outcome.decision is Verdict.AUTO and outcome.rollback_key is None
    runs = {run.host: run for run in outcome.hosts}
    assert runs["fleet05"].state is HostState.FAILED and runs["fleet05"].exit_status == 1
    assert runs["fleet-down"].state is HostState.UNREACHABLE and "cannot start on fleet-down" in (
        runs["fleet-down"].reason or ""
    )
    lines = {(e.host, line) for e in events if isinstance(e, OutputLines) for line in e.lines}
    for name in fleet.names:
        if name != "fleet05":
            assert runs[name].state is HostState.OK
            assert (name, f"hello from {name}") in lines, "each host's own output, under its own name"
            assert (runs[name].outcomes[0].confinement or "").startswith("confined: "), "confined as usual"
    history = runtime.memory.actions(limit=50)
    assert len([a for a in history if a.source.startswith(f"rollout:{outcome.key} (cli)")]) == 11
    record = runtime.memory.rollout(outcome.key)
    assert record is not None and record.status == "done" and len(record.hosts) == 11


async def test_write_rollout_is_approved_once_shows_waves_and_footprints(
    inventory: Fleet, make_runtime: RuntimeFactory
) -> None:
    fleet = inventory
    for name in fleet.names:
        write_home(fleet, name, "app.conf", "v1\n")
    approver = ScriptedApprover(approve)
    runtime = make_runtime(approver)
    outcome = await runtime.session.run_fleet("@web", "echo v2 > app.conf", source=Origin.CLI)

    assert outcome.summary() == "10 ok, 0 failed, 0 unreachable" and outcome.ok
    (request,) = approver.requests
    assert request.kind == "plan" and len(request.steps) == 10, "ten footprints: the console shows every one"
    assert [line for line in request.details if line.startswith("wave")] == [
        "wave 1: 1 host: fleet01",
        "wave 2: 2 hosts: fleet02, fleet03",
        "wave 3: 7 hosts: fleet04, fleet05, fleet06, fleet07, fleet08, fleet09, fleet10",
    ]
    shown = " ".join(step.purpose for step in request.steps)
    for name in fleet.names:
        assert name in shown, "every host's footprint is in the review"
        assert f"/home/hitl-{name}/app.conf" in " ".join(line for s in request.steps for line in s.capture_lines)
        assert (fleet.home(name) / "app.conf").read_text() == "v2\n"
    assert [run.wave for run in outcome.hosts] == [1, 2, 2, 3, 3, 3, 3, 3, 3, 3]
    assert all(len(run.rollback_keys) == 1 for run in outcome.hosts)
    assert outcome.rollback_key == outcome.key


async def test_identical_footprints_are_grouped_in_the_review(inventory: Fleet, make_runtime: RuntimeFactory) -> None:
    approver = ScriptedApprover(approve)
    runtime = make_runtime(approver)
    target = Path("/tmp") / f"hitl-fleet-shared-{os.getpid()}"
    target.unlink(missing_ok=True)
    outcome = await runtime.session.run_fleet("@pair", f"rm -f {target}", source=Origin.CLI)
    assert outcome.ok
    (request,) = approver.requests
    (step,) = request.steps
    assert request.kind == "command" and "fleet01, fleet02 (identical footprint)" in step.purpose


async def test_a_failed_canary_stops_the_rollout_after_wave_one(inventory: Fleet, make_runtime: RuntimeFactory) -> None:
    fleet = inventory
    write_home(fleet, "fleet01", "app.conf", "v1\n", writable=False)  # root's file: the change fails there
    for name in fleet.names[1:]:
        write_home(fleet, name, "app.conf", "v1\n")
    runtime = make_runtime(ScriptedApprover(approve))
    outcome = await runtime.session.run_fleet("@web", "echo v2 > app.conf", source=Origin.CLI)

    assert outcome.stopped and outcome.stopped.startswith("wave 1: 1 of 1 host(s) failed")
    assert outcome.summary() == "0 ok, 1 failed, 0 unreachable, 9 not run"
    for name in fleet.names:
        assert (fleet.home(name) / "app.conf").read_text() == "v1\n", f"{name} was changed after the canary failed"
    skipped = [a for a in runtime.memory.actions(limit=50) if a.source.startswith(f"rollout:{outcome.key}")]
    assert sorted(a.state for a in skipped) == ["finished"] + ["skipped"] * 9
    assert runtime.memory.rollout(outcome.key).status == "stopped"


async def test_max_fail_lets_a_wave_with_allowed_failures_through(
    inventory: Fleet, make_runtime: RuntimeFactory
) -> None:
    fleet = inventory
    for name in fleet.names:
        write_home(fleet, name, "app.conf", "v1\n", writable=name != "fleet03")
    runtime = make_runtime(ScriptedApprover(approve))
    options = runtime.session.fleet_options(serial="1,3,100%", max_fail="34%")
    outcome = await runtime.session.run_fleet("@web", "echo v2 > app.conf", source=Origin.CLI, options=options)
    assert outcome.stopped is None
    assert outcome.summary() == "9 ok, 1 failed, 0 unreachable"
    options = runtime.session.fleet_options(serial="1,3,100%", max_fail="33%")
    for name in fleet.names:
        write_home(fleet, name, "app.conf", "v1\n", writable=name != "fleet03")
    again = await make_runtime(ScriptedApprover(approve)).session.run_fleet(
        "@web", "echo v3 > app.conf", source=Origin.CLI, options=options
    )
    assert again.stopped and again.summary() == "3 ok, 1 failed, 0 unreachable, 6 not run"


async def test_unreachable_host_counts_as_failed_for_max_fail(inventory: Fleet, make_runtime: RuntimeFactory) -> None:
    fleet = inventory
    for name in fleet.names:
        write_home(fleet, name, "app.conf", "v1\n")
    approver = ScriptedApprover(approve)
    runtime = make_runtime(approver)
    options = runtime.session.fleet_options(serial="100%", max_fail="0")
    outcome = await runtime.session.run_fleet("fleet-down,fleet01", "echo v2 > app.conf", options=options)
    assert outcome.summary() == "1 ok, 0 failed, 1 unreachable"
    assert any("fleet-down" in warning for warning in approver.requests[0].warnings), "said before the decision"


async def test_the_rollout_key_restores_every_host_after_one_approval(
    inventory: Fleet, make_runtime: RuntimeFactory
) -> None:
    fleet = inventory
    for name in fleet.names:
        write_home(fleet, name, "app.conf", f"v1 {name}\n")
    approver = ScriptedApprover(approve, approve)
    runtime = make_runtime(approver)
    outcome = await runtime.session.run_fleet("@web", "echo v2 > app.conf", source=Origin.CLI)
    assert outcome.ok and all((fleet.home(n) / "app.conf").read_text() == "v2\n" for n in fleet.names)

    undone = await runtime.session.rollback_rollout(outcome.key, reason="canary metrics bad", source=Origin.CLI)
    assert undone.ok, [(run.host, run.reason) for run in undone.hosts]
    assert len(approver.requests) == 2, "one approval for the whole rollback"
    request = approver.requests[1]
    assert request.kind == "rollback" and all(f"=== {name}" in (request.diff or "") for name in fleet.names)
    assert [run.host for run in undone.hosts] == fleet.names[3:] + fleet.names[1:3] + fleet.names[:1], "waves reversed"
    for name in fleet.names:
        assert (fleet.home(name) / "app.conf").read_text() == f"v1 {name}\n", f"{name} not restored"
    assert all(run.outcomes[0].status is Status.DONE for run in undone.hosts)
    assert runtime.memory.rollout(outcome.key).status == "rolled back"
    assert undone.rollback_key is not None, "the rollback of a rollout can itself be undone with one key"


async def test_a_plan_across_a_group_stops_each_host_at_its_first_failure(
    inventory: Fleet, make_runtime: RuntimeFactory
) -> None:
    fleet = inventory
    for name in fleet.names:
        write_home(fleet, name, "app.conf", "v1\n", writable=name != "fleet02")
    runtime = make_runtime(ScriptedApprover(approve))
    options = runtime.session.fleet_options(serial="100%", max_fail="100%")
    outcome = await runtime.session.run_fleet_plan(
        "bump", "@pair", [("echo v2 > app.conf", "write"), ("cp app.conf app.conf.bak", "copy")], options=options
    )
    runs = {run.host: run for run in outcome.hosts}
    assert runs["fleet01"].state is HostState.OK and len(runs["fleet01"].rollback_keys) == 2
    assert runs["fleet02"].state is HostState.FAILED
    assert [o.status for o in runs["fleet02"].outcomes] == [Status.FAILED]
    assert not (fleet.home("fleet02") / "app.conf.bak").exists()
    assert (fleet.home("fleet01") / "app.conf.bak").read_text() == "v2\n"
    reset_homes(fleet, "app.conf.bak")


async def test_a_bad_target_is_one_line(inventory: Fleet, make_runtime: RuntimeFactory) -> None:
    runtime = make_runtime(ScriptedApprover())
    for target, words in [("@nope", "no label or group named 'nope'"), ("web1,,x", "empty item"), ("@", "@ must")]:
        with pytest.raises(TargetError, match=words):
            await runtime.session.run_fleet(target, "true")


async def test_write_rollout_in_read_only_mode_is_refused_everywhere(
    inventory: Fleet, make_runtime: RuntimeFactory
) -> None:
    runtime = make_runtime(ScriptedApprover(), with_settings(read_only=True))
    outcome = await runtime.session.run_fleet("@pair", "echo v2 > app.conf")
    assert outcome.summary() == "0 ok, 2 failed, 0 unreachable"
    assert all("refused" in (run.reason or "") for run in outcome.hosts)


async def test_the_models_tools_take_a_group_and_get_a_redacted_per_host_summary(
    inventory: Fleet, make_runtime: RuntimeFactory
) -> None:
    from console.core.session_tools import SessionTools

    fleet = inventory
    write_home(fleet, "fleet01", "greeting", "password=hunter2secret on fleet01\n")
    write_home(fleet, "fleet02", "greeting", "plain on fleet02\n")
    runtime = make_runtime(ScriptedApprover())
    tools = SessionTools(runtime.session)
    result = await tools.call_tool("run_command", {"host": "@pair", "command": "cat greeting", "purpose": "look"})
    assert not result.is_error
    assert "hosts: 2 ok, 0 failed, 0 unreachable" in result.content
    assert "\nfleet01: ok, exit 0" in result.content and "\nfleet02: ok, exit 0" in result.content
    assert "hunter2secret" not in result.content and "plain on fleet02" in result.content
    assert "<untrusted-output" in result.content
    listed = await tools.call_tool("list_hosts", {})
    assert "@pair: fleet01, fleet02" in listed.content
    bad = await tools.call_tool("run_command", {"host": "@nope", "command": "true", "purpose": ""})
    assert bad.is_error and "no label or group named 'nope'" in bad.content


async def test_pause_approve_asks_between_waves_with_the_results_in_view(
    inventory: Fleet, make_runtime: RuntimeFactory
) -> None:
    from console.core.approval import Decision

    fleet = inventory
    for name in fleet.names[:3]:
        write_home(fleet, name, "app.conf", "v1\n")
    approver = ScriptedApprover(approve, approve, Decision.reject("metrics look off"))
    runtime = make_runtime(approver)
    options = runtime.session.fleet_options(serial="1,1,100%", pause=True)
    outcome = await runtime.session.run_fleet("fleet01,fleet02,fleet03", "echo v2 > app.conf", options=options)
    assert [r.title for r in approver.requests[1:]] == [
        f"Start wave 2 of rollout {outcome.key}?",
        f"Start wave 3 of rollout {outcome.key}?",
    ]
    assert approver.requests[1].details == ("wave 1 finished on 1 host:", "fleet01: ok")
    assert outcome.stopped == "the operator stopped the rollout after wave 2"
    assert [(fleet.home(n) / "app.conf").read_text() for n in fleet.names[:3]] == ["v2\n", "v2\n", "v1\n"]
    assert outcome.summary() == "2 ok, 0 failed, 0 unreachable, 1 not run"
    kinds = [line for line in runtime.memory.export_audit("jsonl") if '"rollout"' in line and outcome.key in line]
    assert len(kinds) >= 3, "every state of the rollout is chained in the audit log"


async def test_destructive_rollout_has_one_challenge_for_the_group_and_checks_it(
    inventory: Fleet, make_runtime: RuntimeFactory
) -> None:
    from console.core.approval import Decision

    fleet = inventory
    for name in fleet.names[:2]:
        write_home(fleet, name, "app.conf", f"keep {name}\n")
    wrong = ScriptedApprover(lambda request: Decision(approved=True, typed_challenges=("@pair-0000",)))
    refused = await make_runtime(wrong).session.run_fleet("@pair", "truncate -s 0 app.conf")
    assert refused.decision is Verdict.REJECTED and "does not match the challenge" in (refused.reason or "")
    assert all((fleet.home(n) / "app.conf").read_text() == f"keep {n}\n" for n in fleet.names[:2])
    (request,) = wrong.requests
    (challenge,) = request.challenges
    assert challenge.startswith("@pair-") and len(challenge) == len("@pair-") + 4

    approver = ScriptedApprover(approve, approve)
    runtime = make_runtime(approver)
    outcome = await runtime.session.run_fleet("@pair", "truncate -s 0 app.conf")
    assert outcome.ok and all((fleet.home(n) / "app.conf").read_text() == "" for n in fleet.names[:2])
    undone = await runtime.session.rollback_rollout(outcome.key)
    assert undone.ok and all((fleet.home(n) / "app.conf").read_text() == f"keep {n}\n" for n in fleet.names[:2])


async def test_forks_bounds_how_many_hosts_run_at_once(inventory: Fleet, make_runtime: RuntimeFactory) -> None:
    runtime = make_runtime(ScriptedApprover(), with_settings(forks=3))
    command = "echo start $(date +%s.%N); sleep 0.4; echo end $(date +%s.%N)"
    outcome = await runtime.session.run_fleet("@web", command, source=Origin.CLI)
    assert outcome.ok, outcome.summary()
    spans = []
    for run in outcome.hosts:
        words = run.output.split()
        spans.append((float(words[1]), float(words[3])))
    most = max(sum(1 for s, e in spans if s <= moment < e) for moment, _end in spans)
    assert 1 < most <= 3, spans
