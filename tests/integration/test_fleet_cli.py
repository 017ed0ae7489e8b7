"""`hitl exec @GROUP`, `hitl rollback ROLLOUTKEY` and `hitl hosts` across ten real sshd hosts and an unreachable
one, as a script and as a person at a terminal."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.fixtures.fleet import Fleet, reset_homes
from tests.integration.test_exec_cli import Terminal, obeyed_in, run
from tests.integration.test_fleet_session import write_home

pytestmark = pytest.mark.slow


@pytest.fixture
def inventory(fleet: Fleet, hitl_home: Path) -> Fleet:
    (hitl_home / "hosts.toml").write_text(fleet.hosts_toml())
    reset_homes(fleet, "greeting", "app.conf")
    yield fleet
    reset_homes(fleet, "greeting", "app.conf")


def test_exec_fans_out_prints_sections_and_counts(inventory: Fleet) -> None:
    fleet = inventory
    for name in fleet.names:
        if name != "fleet07":
            write_home(fleet, name, "greeting", f"hello from {name}\n")
    done = run("exec", "@withdown", "--", "cat", "greeting")
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    lines = done.stdout.splitlines()
    assert lines[-1] == "9 ok, 1 failed, 1 unreachable"
    for name in fleet.names:
        header = next(i for i, line in enumerate(lines) if line.startswith(f"=== {name} ("))
        if name == "fleet07":
            assert lines[header].startswith("=== fleet07 (failed, exit 1")
        else:
            assert lines[header].startswith(f"=== {name} (ok, exit 0") and lines[header + 1] == f"hello from {name}"
    assert any(line.startswith("=== fleet-down (unreachable") for line in lines)
    assert "READ on @withdown (11 hosts)" in done.stderr

    everyone = run("exec", "@web", "--", "id", "-un")
    assert everyone.returncode == 0 and everyone.stdout.splitlines()[-1] == "10 ok, 0 failed, 0 unreachable"
    for name in fleet.names:
        assert f"hitl-{name}" in everyone.stdout, "each host logs in as its own user"


def test_exec_bad_target_and_flags_are_one_line(inventory: Fleet) -> None:
    for args, words in [
        (["@nope", "--", "true"], "no label or group named 'nope'"),
        (["@web", "--serial", "0", "--", "touch", "x"], "serial wave size must be at least 1"),
        (["@web", "--max-fail", "x%", "--", "touch", "x"], "max_fail must be a count or a percentage"),
    ]:
        done = run("exec", *args)
        assert done.returncode == 2 and "Traceback" not in done.stderr
        line = done.stderr.strip().splitlines()[-1]  # (after the notice that hitl made its new files private)
        assert line.startswith("hitl: ") and words in line


def test_write_on_a_group_without_a_terminal_is_refused_and_nothing_changes(inventory: Fleet) -> None:
    fleet = inventory
    for name in fleet.names:
        write_home(fleet, name, "app.conf", "v1\n")
    done = run("exec", "@web", "--", "echo v2 > app.conf")
    assert done.returncode == 3, done.stderr
    assert "not run (rejected)" in done.stderr
    assert all((fleet.home(name) / "app.conf").read_text() == "v1\n" for name in fleet.names)


def test_rollout_on_a_terminal_then_one_rollback_restores_every_host(inventory: Fleet) -> None:
    fleet = inventory
    for name in ("fleet01", "fleet02", "fleet03"):
        write_home(fleet, name, "app.conf", f"v1 {name}\n")
    term = Terminal("exec", "fleet01,fleet02,fleet03", "--serial", "1,100%", "--", "echo v2 > app.conf")
    term.expect(r"wave 1: 1 host: fleet01")
    term.expect(r"wave 2: 2 hosts: fleet02, fleet03")
    term.expect(r"Approve WRITE on fleet01,fleet02,fleet03\? \[y/N\]")
    term.send("y\n")
    assert term.wait() == 0, term.seen
    for name in ("fleet01", "fleet02", "fleet03"):
        assert (fleet.home(name) / "app.conf").read_text() == "v2\n"
        assert re.search(rf"rollback key \({name}\): rb-[a-z0-9]{{6}}", term.seen)
    assert "3 ok, 0 failed, 0 unreachable" in term.seen
    key = re.findall(r"^rollback key: (ro-[a-z0-9]{6})", term.seen, re.MULTILINE)[-1]
    assert term.seen.rstrip().splitlines()[-1].strip() == f"rollback key: {key}", "the rollout's key comes last"

    back = Terminal("rollback", key)
    back.expect("=== fleet03")
    back.expect(r"Approve WRITE on fleet01,fleet02,fleet03\? \[y/N\]")
    back.send("y\n")
    assert back.wait() == 0, back.seen
    assert back.seen.count("restored and verified") == 3
    for name in ("fleet01", "fleet02", "fleet03"):
        assert (fleet.home(name) / "app.conf").read_text() == f"v1 {name}\n"
    assert run("audit", "verify").returncode == 0


def test_hosts_lists_groups(inventory: Fleet, hitl_home: Path) -> None:
    ini = hitl_home / "inventory.ini"
    ini.write_text("[app]\nfleet01\nextra ansible_host=127.0.0.1 ansible_port=1\n")
    (hitl_home / "config.toml").write_text('inventory = ["inventory.ini"]\n')
    done = run("hosts")
    assert done.returncode == 0, done.stderr
    assert re.search(r"^@web\s+fleet01, fleet02", done.stdout, re.MULTILINE)
    assert re.search(r"^@app\s+fleet01, extra$", done.stdout, re.MULTILINE)
    assert re.search(r"^extra\s+127\.0\.0\.1:1\s", done.stdout, re.MULTILINE)


def test_exec_refuses_a_rollout_naming_a_four_eyes_host_in_one_line(inventory: Fleet, hitl_home: Path) -> None:
    fleet = inventory
    hosts = fleet.hosts_toml().replace(
        'labels = ["fleet", "canary"]\n', 'labels = ["fleet", "canary"]\npolicy = "four-eyes"\n'
    )
    (hitl_home / "hosts.toml").write_text(hosts)
    for name in fleet.names:
        write_home(fleet, name, "app.conf", "v1\n")
    done = run("exec", "@web", "--", "sh", "-c", "echo v2 > app.conf")
    assert done.returncode == 3 and "Traceback" not in done.stderr
    (line,) = [line for line in done.stderr.splitlines() if line.startswith("hitl: not run")]
    assert "fleet01 needs a second operator (four eyes)" in line and "change four-eyes hosts on their own" in line
    for name in fleet.names:
        assert (fleet.home(name) / "app.conf").read_text() == "v1\n"


PAYLOAD = "\x1b]0;PWNED-TITLE\x07\x1b[2J\x9bH\u202etxt\n"
"""A host's output with an OSC title, a clear screen, an 8-bit CSI and a right-to-left override."""


def test_exec_on_a_group_shows_each_hosts_escapes_on_a_terminal_and_passes_them_raw(inventory: Fleet) -> None:
    fleet = inventory
    for name in fleet.names[:2]:
        write_home(fleet, name, "greeting", PAYLOAD)
    term = Terminal("exec", "@pair", "--", "cat", "greeting")
    assert term.wait() == 0
    assert obeyed_in(term.seen) == [], "a host's output is rendered, never obeyed"
    assert term.seen.count("\\x1b]0;PWNED-TITLE\\x07\\x1b[2J\\x9bH<U+202E>txt") == 2
    raw = Terminal("exec", "--raw", "@pair", "--", "cat", "greeting")
    assert raw.wait() == 0 and "\x1b]0;PWNED-TITLE\x07\x1b[2J" in raw.seen
    piped = run("exec", "@pair", "--", "cat", "greeting")
    assert piped.returncode == 0 and piped.stdout.count(PAYLOAD) == 2, "into a pipe, as it came"
