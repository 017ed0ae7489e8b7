"""`hitl hosts` and `hitl hosts check` as a user runs them (a subprocess, no terminal)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.fixtures.sshd import SshdServer, free_port


def hitl(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HITL_HOME": str(home)}
    return subprocess.run(
        [sys.executable, "-m", "console", *args],
        check=False,
        capture_output=True,
        text=True,
        env=env,
        stdin=subprocess.DEVNULL,
        timeout=60,
    )


def test_hosts_lists_labels_and_sources(hitl_home: Path, sshd: SshdServer) -> None:
    (hitl_home / "hosts.toml").write_text(sshd.host_entry("box") + 'labels = ["test", "ci"]\n')
    done = hitl(hitl_home, "hosts")
    assert done.returncode == 0, done.stderr
    rows = {line.split()[0]: line for line in done.stdout.splitlines()[1:]}
    assert "built-in" in rows["local"]
    assert "test,ci" in rows["box"] and str(hitl_home / "hosts.toml") in rows["box"]
    assert f"{sshd.user}@127.0.0.1:{sshd.port}" in rows["box"]


def test_hosts_check_reports_a_reachable_host(hitl_home: Path, sshd: SshdServer) -> None:
    (hitl_home / "hosts.toml").write_text(sshd.host_entry("box"))
    done = hitl(hitl_home, "hosts", "check", "box")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "box: reachable, round trip" in done.stdout
    assert "os: " in done.stdout and "passwordless sudo: " in done.stdout
    expected = "mount namespace" if os.geteuid() == 0 else "user namespace"
    assert f"  read confinement: {expected}" in done.stdout.splitlines()[3:]


def test_hosts_check_names_the_policy_when_confinement_is_off(hitl_home: Path) -> None:
    (hitl_home / "config.toml").write_text('read_confinement = "off"\n')
    done = hitl(hitl_home, "hosts", "check", "local")
    assert done.returncode == 0, done.stdout + done.stderr
    line = next(line for line in done.stdout.splitlines() if "read confinement:" in line)
    assert line.endswith("(not used: read_confinement = off)")


def test_hosts_check_fails_for_unreachable_and_untrusted_hosts(
    hitl_home: Path, sshd: SshdServer, tmp_path: Path
) -> None:
    empty = tmp_path / "empty_known_hosts"
    empty.write_text("")
    entry = sshd.host_entry("box").replace(str(sshd.known_hosts), str(empty))
    (hitl_home / "hosts.toml").write_text(entry + f'[hosts.gone]\nhostname = "127.0.0.1"\nport = {free_port()}\n')
    untrusted = hitl(hitl_home, "hosts", "check", "box")
    assert untrusted.returncode == 1
    assert "SHA256:" in untrusted.stderr and "without a terminal" in untrusted.stderr
    assert not (hitl_home / "known_hosts").exists()
    unreachable = hitl(hitl_home, "hosts", "check", "gone")
    assert unreachable.returncode == 1
    assert "gone: unreachable: cannot connect to host 'gone'" in unreachable.stdout


def test_bad_hosts_file_is_one_clear_line(hitl_home: Path) -> None:
    (hitl_home / "hosts.toml").write_text("[hosts.web]\nport = 0\n")
    done = hitl(hitl_home, "hosts")
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0
    assert "hosts.toml: host 'web': port must be" in done.stderr
