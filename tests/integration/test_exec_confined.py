"""`hitl exec` runs READs confined, on the local host and on the real sshd host as root and as ordinary users: a
helper program declared READ through a user rule tries every kind of change; the trees and the crontab stay
byte-identical, the attempt is reported on stderr with exit 4, recorded and chained, shown by `hitl history`,
and on a terminal the offer to run it again as WRITE leads to the WRITE gate."""

from __future__ import annotations

import json
import secrets
import shutil
from pathlib import Path

import pytest

from tests.fixtures.host_users import HostUsers
from tests.fixtures.sshd import SshdServer
from tests.integration.test_exec_cli import Terminal, run
from tests.support.misread import Misread, crontab_of, sentinel, tree_snapshot
from tests.support.terminal import obeyed

pytestmark = pytest.mark.usefixtures("saved_crontab")

HOSTS = {
    "local": ("root", "mount namespace"),
    "ssh-root": ("root", "mount namespace"),
    "ssh-sudoer": ("sudoer", "mount namespace (through sudo)"),
    "ssh-plain": ("plain", "user namespace"),
}


@pytest.fixture
def host(request: pytest.FixtureRequest, sshd: SshdServer, host_users: HostUsers, hitl_home: Path) -> tuple[str, str]:
    """(host name in hitl's inventory, the user commands run as there)."""
    name: str = request.param
    role, _mode = HOSTS[name]
    user = {"root": "root", "sudoer": host_users.sudoer, "plain": host_users.plain}[role]
    if name != "local":
        server = sshd if user == "root" else sshd.authorize_user(user)
        (hitl_home / "hosts.toml").write_text(server.host_entry(name))
    return name, user


@pytest.mark.parametrize("host", list(HOSTS), indirect=True)
def test_exec_reports_a_caught_misread_recorded_chained_and_in_history(
    host: tuple[str, str], misread: Misread, sentinel_trees
) -> None:
    name, user = host
    scratch, outside = sentinel_trees(user)
    before = (tree_snapshot(scratch), tree_snapshot(outside), crontab_of(user))
    done = run("exec", name, "--", misread.command(scratch, outside))
    assert (tree_snapshot(scratch), tree_snapshot(outside), crontab_of(user)) == before, done.stderr
    assert done.returncode == 4, done.stderr
    assert "inspected" in done.stdout, "the command's own output is shown"
    assert "Traceback" not in done.stderr
    assert f"hitl: CLASSIFIER MISS on {name}: this ran as READ, confined ({HOSTS[name][1]}" in done.stderr
    assert f"{outside}/write" in done.stderr and "Nothing of it persisted" in done.stderr
    assert "Not run again: no terminal" in done.stderr

    history = run("history").stdout
    assert "classifier miss" in history and f"{outside}/write" in history, history
    (record,) = [json.loads(line) for line in run("history", "--json").stdout.splitlines()]
    assert record["source"] == "cli" and record["attempted"] and record["confinement"].startswith("confined: ")
    assert run("audit", "verify").returncode == 0
    kinds = [json.loads(line)["kind"] for line in run("audit", "export").stdout.splitlines()]
    assert "classifier-miss" in kinds


def test_on_a_terminal_the_offer_leads_to_the_write_gate(misread: Misread, sentinel_trees) -> None:
    scratch, _ = sentinel_trees("root")
    before = tree_snapshot(scratch)
    term = Terminal("exec", "local", "--", misread.command(scratch))
    term.expect(r"CLASSIFIER MISS on local")
    term.expect(r"Run it again as WRITE \(you approve it next\)\? \[y/N\] ")
    term.send("y\n")
    term.expect(r"a confined READ of this command tried to change")
    term.expect(r"Approve WRITE on local\? \[y/N\] ")
    term.send("n\n")
    assert term.wait() == 3
    assert tree_snapshot(scratch) == before, "rejected at the WRITE gate: nothing ran"

    term = Terminal("exec", "local", "--", misread.command(scratch))
    term.expect(r"\[y/N\] ")
    term.send("n\n")
    assert term.wait() == 4
    assert tree_snapshot(scratch) == before


def test_with_off_exec_runs_reads_unconfined(misread: Misread, sentinel_trees, hitl_home: Path) -> None:
    (hitl_home / "config.toml").write_text('read_confinement = "off"\n')
    scratch, _ = sentinel_trees("root")
    done = run("exec", "local", "--", misread.command(scratch))
    assert done.returncode == 0, done.stderr
    assert (scratch / "write").read_text() == "changed\n", "off: nothing is confined"
    record = json.loads(run("history", "--json").stdout.splitlines()[0])
    assert record["confinement"] == "not confined: read_confinement = off"


def test_exec_on_a_host_that_cannot_confine_says_so_and_require_asks(unconfinable_host: str, hitl_home: Path) -> None:
    done = run("exec", unconfinable_host, "--", "cat /etc/hostname")
    assert done.returncode == 0
    assert "ran unconfined: host bare cannot confine (none: unshare not found on the host)" in done.stderr

    (hitl_home / "config.toml").write_text('read_confinement = "require"\n')
    refused = run("exec", unconfinable_host, "--", "cat /etc/hostname")
    assert refused.returncode == 3 and refused.stdout == "", refused.stderr
    assert "no terminal" in refused.stderr

    term = Terminal("exec", unconfinable_host, "--", "cat /etc/hostname")
    term.expect(r"WARNING: host 'bare' cannot confine READs \(none: unshare not found on the host\)")
    term.expect(r"Approve WRITE on bare\? \[y/N\] ")
    term.send("y\n")
    assert term.wait() == 0
    record = json.loads(run("history", "--json").stdout.splitlines()[0])
    assert (record["tier"], record["decision"]) == ("READ", "approved")
    assert record["confinement"] == "not confined: none: unshare not found on the host"


def test_a_caught_miss_on_a_file_name_with_escapes_is_shown_not_obeyed(misread: Misread) -> None:
    """The attempted lines come from the host (its file names): on stderr and in `hitl history` they are rendered
    by the one renderer, like the command's output (issue 16)."""
    suffix = secrets.token_hex(4)
    base = Path("/var/lib") / f"hitl-\x1b]0;PWNED\x07\x1b[2J-{suffix}"
    base.mkdir()
    try:
        sentinel(base)
        # The command itself is plain (control characters in it would make it WRITE); the host's glob finds the
        # name, so the escapes reach hitl only in what the command tried.
        done = run("exec", "local", "--", f"{misread.program} /var/lib/hitl-*-{suffix}/hitl-sentinel-*")
        assert done.returncode == 4, done.stderr
        assert "CLASSIFIER MISS on local" in done.stderr and "\\x1b]0;PWNED\\x07" in done.stderr
        # The command's own stderr goes to this pipe as it came (by design); hitl's own lines are rendered.
        said = "\n".join(line for line in done.stderr.splitlines() if line.startswith("hitl: "))
        assert "What it tried" in said and obeyed(said, newlines=True) == []
        history = run("history").stdout
        assert "classifier miss" in history and "\\x1b[2J" in history
        assert obeyed(history, newlines=True) == []
    finally:
        shutil.rmtree(base, ignore_errors=True)
