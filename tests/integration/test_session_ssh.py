"""The session core against a real OpenSSH sshd on 127.0.0.1: capture, change and rollback over SSH."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from console.core.tiers import Tier
from tests.fixtures.sshd import SshdServer
from tests.support.session import RuntimeFactory, ScriptedApprover, approve, tree_state


@pytest.fixture
def ssh_host(sshd: SshdServer, hitl_home: Path) -> str:
    (hitl_home / "hosts.toml").write_text(sshd.host_entry("box"))
    return "box"


async def test_write_over_ssh_is_captured_and_rolled_back(
    ssh_host: str, tmp_path: Path, make_runtime: RuntimeFactory
) -> None:
    target = tmp_path / "nginx.conf"
    target.write_text("worker_processes 1;\n")
    target.chmod(0o644)
    rt = make_runtime(ScriptedApprover(approve, approve))
    outcome = await rt.session.run_command(ssh_host, f"sed -i 's/1;/4;/' {target}")
    assert outcome.classification.tier is Tier.WRITE and outcome.ok
    assert target.read_text() == "worker_processes 4;\n"
    await rt.session.rollback([outcome.rollback_key or ""])
    assert target.read_text() == "worker_processes 1;\n"
    assert target.stat().st_mode & 0o777 == 0o644


async def test_deleted_tree_over_ssh_comes_back(ssh_host: str, tmp_path: Path, make_runtime: RuntimeFactory) -> None:
    tree = tmp_path / "www"
    (tree / "a" / "b").mkdir(parents=True)
    (tree / "a" / "b" / "index.html").write_text("<h1>hi</h1>\n")
    (tree / "a" / "big.bin").write_bytes(os.urandom(300_000))
    (tree / "a" / "big.bin").chmod(0o600)
    before = tree_state(tree)
    rt = make_runtime(ScriptedApprover(approve, approve))
    outcome = await rt.session.run_command(ssh_host, f"rm -rf {tree}")
    assert not tree.exists()
    await rt.session.rollback([outcome.rollback_key or ""])
    assert tree_state(tree) == before


async def test_crontab_removal_is_undone(ssh_host: str, saved_crontab: None, make_runtime: RuntimeFactory) -> None:
    subprocess.run(["crontab", "-"], input="17 3 * * * /usr/bin/certbot renew -q\n", text=True, check=True)
    rt = make_runtime(ScriptedApprover(approve, approve))
    outcome = await rt.session.run_command(ssh_host, "crontab -r")
    assert outcome.classification.tier is Tier.DESTRUCTIVE
    assert "crontab" in outcome.classification.capture
    assert subprocess.run(["crontab", "-l"], capture_output=True, check=False).returncode != 0
    await rt.session.rollback([outcome.rollback_key or ""])
    restored = subprocess.run(["crontab", "-l"], capture_output=True, text=True, check=True).stdout
    assert restored == "17 3 * * * /usr/bin/certbot renew -q\n"
