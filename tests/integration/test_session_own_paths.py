"""hitl's own directories through the session: the session classifies with `critical_paths=hitl_paths(paths)`,
so a command writing into HITL_HOME's configuration, rules, database or state is DESTRUCTIVE wherever those
directories are (here an absolute HITL_HOME no shipped pattern names), for commands, plans and `hitl exec`."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest

from console.core.approval import ApprovalRequest, Decision
from console.core.paths import resolve_paths
from console.core.tiers import Tier
from tests.support.session import RuntimeFactory, ScriptedApprover


def _writers(target: Path) -> list[str]:
    quoted = shlex.quote(str(target))
    return [
        f"echo 'tier = 1' > {quoted}",
        f"cp /etc/hostname {quoted}",
        f"tee -a {quoted} < /etc/hostname",
        f"sed -i s/a/b/ {quoted}",
        f"rm -f {quoted}",
    ]


def _own_files() -> list[Path]:
    paths = resolve_paths()
    return [
        paths.config_dir / "rules" / "local.toml",
        paths.config_dir / "config.toml",
        paths.hosts_file,
        paths.known_hosts_file,
        paths.data_dir / "hitl.sqlite3",
        paths.remembered_approvals_file,
    ]


def test_the_session_classifies_writes_into_hitl_home_as_destructive(
    hitl_home: Path, make_runtime: RuntimeFactory
) -> None:
    rt = make_runtime(ScriptedApprover())
    for target in _own_files():
        assert str(target).startswith(str(hitl_home))
        for command in _writers(target):
            verdict = rt.session.classify(command)
            assert verdict.tier is Tier.DESTRUCTIVE, (command, verdict.reasons)
            assert rt.session.critical(str(target)) is not None
    assert rt.session.classify(f"cat {shlex.quote(str(_own_files()[1]))}").tier is Tier.READ


async def test_a_command_writing_hitl_rules_asks_for_the_typed_confirmation(
    hitl_home: Path, make_runtime: RuntimeFactory
) -> None:
    seen: list[ApprovalRequest] = []

    def refuse(request: ApprovalRequest) -> Decision:
        seen.append(request)
        return Decision.reject("no")

    rules = resolve_paths().config_dir / "rules"
    command = f"cp /etc/hostname {shlex.quote(str(rules))}/evil.toml"
    rt = make_runtime(ScriptedApprover(refuse, refuse))
    outcome = await rt.session.run_command("local", command)
    assert outcome.decision == "rejected"
    assert seen[0].tier is Tier.DESTRUCTIVE
    assert not (rules / "evil.toml").exists()
    plan = await rt.session.run_plan("own files", "local", [("uptime", "look"), (command, "write a rule")])
    assert seen[1].tier is Tier.DESTRUCTIVE
    assert plan is not None
    assert not (rules / "evil.toml").exists()


@pytest.mark.parametrize("name", ["hitl.sqlite3", "hitl.sqlite3-wal"])
def test_the_store_and_its_wal_are_protected(name: str, hitl_home: Path, make_runtime: RuntimeFactory) -> None:
    rt = make_runtime(ScriptedApprover())
    store = resolve_paths().data_dir / name
    verdict = rt.session.classify(f"sqlite3 {shlex.quote(str(store))} 'DELETE FROM events WHERE id = 1'")
    assert verdict.tier is Tier.DESTRUCTIVE or name.endswith("-wal")
    assert rt.session.classify(f": > {shlex.quote(str(store))}").tier is Tier.DESTRUCTIVE
