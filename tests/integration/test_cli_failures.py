"""Every failure of hitl itself, attacked: a corrupt database, a database on a full filesystem, a read-only
HITL_HOME, a host whose sshd is gone, a bad hosts.toml, a bad rule file, a bad config.toml, a full blob store —
for every sub-command. Each ends with one line on stderr naming what failed and a documented exit status
(2 for hitl's own failures, 255 for a host, 3 for a refused command), never a traceback.

Real failures: tmpfs mounts (the tests run as root, in CI too), a real closed port, real files.
"""

from __future__ import annotations

import contextlib
import io
import os
import socket
import subprocess
import sys
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from console.cli import main

COMMANDS: dict[str, tuple[str, ...]] = {
    "exec READ": ("exec", "local", "--", "ls", "/"),
    "exec WRITE": ("exec", "local", "--", "touch", "/tmp/hitl-failure-never-made"),
    "exec on the host": ("exec", "web", "--", "ls", "/"),
    "rollback": ("rollback", "rb-abc234"),
    "rollbacks": ("rollbacks",),
    "history": ("history",),
    "audit verify": ("audit", "verify"),
    "audit export": ("audit", "export"),
    "hosts": ("hosts",),
    "hosts check": ("hosts", "check", "local"),
    "classify": ("classify", "ls", "/"),
    "approvals": ("approvals",),
    "approvals revoke": ("approvals", "revoke", "ra-abc234"),
}
HOST_FAILURE = 255
EXIT_STATUSES = {0, 1, 2, 3, HOST_FAILURE}
"""0 when the broken part is not one the command uses; 1 only for `audit verify` (a broken chain) and `hosts
check` (an unreachable host), as documented; 2 hitl's own failure; 3 refused; 255 the host."""


@dataclass
class Broken:
    home: Path
    names: str
    """What a failure line must name."""


def _mount_tmpfs(path: Path, options: str) -> None:
    path.mkdir(parents=True, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)], check=True)


def _fill(path: Path) -> None:
    fd = os.open(path / "filler", os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        while os.write(fd, b"\0" * 4096):
            pass
    except OSError:
        pass
    finally:
        os.close(fd)


def _hitl(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`hitl ARGS` with HITL_HOME=home, in this process (`console.cli.main`, as the entry point calls it): what it
    prints, and its exit status; an exception that escapes it is printed as Python would, as a traceback."""
    out, err = io.StringIO(), io.StringIO()
    saved = os.environ.get("HITL_HOME")
    os.environ["HITL_HOME"] = str(home)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                status = main(list(args))
            except BaseException:  # what the real entry point would show: the test looks for it
                err.write("Traceback (most recent call last):\n" + traceback.format_exc())
                status = 1
    finally:
        if saved is None:
            del os.environ["HITL_HOME"]
        else:
            os.environ["HITL_HOME"] = saved
    return subprocess.CompletedProcess(["hitl", *args], status, out.getvalue(), err.getvalue())


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _hosts(home: Path) -> None:
    hosts = home / "hosts.toml"
    hosts.write_text(f'[hosts.web]\nhostname = "127.0.0.1"\nport = {_closed_port()}\nuser = "root"\n')
    hosts.chmod(0o600)


def corrupt_database(home: Path) -> str:
    _hosts(home)
    database = home / "data" / "hitl.sqlite3"
    database.parent.mkdir(parents=True)
    database.write_bytes(b"not a database, whatever it says\n" * 300)
    return str(database)


def full_filesystem(home: Path) -> str:
    _mount_tmpfs(home, "size=512k,mode=0700")
    _hosts(home)
    assert _hitl(home, "exec", "local", "--", "true").returncode == 0
    _fill(home)
    return "hitl.sqlite3"


def full_filesystem_before_any_database(home: Path) -> str:
    _mount_tmpfs(home, "size=256k,mode=0700")
    _hosts(home)
    _fill(home)
    return "hitl.sqlite3"


def read_only_home(home: Path) -> str:
    _hosts(home)
    assert _hitl(home, "exec", "local", "--", "true").returncode == 0
    subprocess.run(["mount", "--bind", "-o", "ro", str(home), str(home)], check=True)
    return str(home)


def host_without_sshd(home: Path) -> str:
    _hosts(home)
    return "cannot connect to host 'web'"


def bad_hosts_file(home: Path) -> str:
    (home / "hosts.toml").write_text("[hosts.web\nhostname = 1\n")
    return "hosts.toml"


def bad_rule_file(home: Path) -> str:
    _hosts(home)
    (home / "rules").mkdir()
    (home / "rules" / "mine.toml").write_text('[[rule]]\ncommand = ["x"]\ntier = "MAYBE"\n')
    return "mine.toml"


def bad_config(home: Path) -> str:
    _hosts(home)
    (home / "config.toml").write_text('read_confinement = "sometimes"\n')
    return "config.toml"


def unreadable_remembered_approvals(home: Path) -> str:
    _hosts(home)
    (home / "state").mkdir()
    (home / "state" / "remembered-approvals.json").write_text("[{")
    return "remembered-approvals.json"


BROKEN: dict[str, Callable[[Path], str]] = {
    "corrupt database": corrupt_database,
    "full filesystem": full_filesystem,
    "full filesystem before any database": full_filesystem_before_any_database,
    "read-only HITL_HOME": read_only_home,
    "host without sshd": host_without_sshd,
    "bad hosts.toml": bad_hosts_file,
    "bad rule file": bad_rule_file,
    "bad config.toml": bad_config,
    "unreadable remembered approvals": unreadable_remembered_approvals,
}


@pytest.fixture(params=list(BROKEN))
def broken(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Broken]:
    home = tmp_path / "home"
    home.mkdir(mode=0o700)
    try:
        names = BROKEN[request.param](home)
        subprocess.run(["chmod", "-R", "go-rwx", str(home)], capture_output=True, check=False)  # as hitl wants it
        yield Broken(home, names)
    finally:
        while subprocess.run(["umount", str(home)], capture_output=True, check=False).returncode == 0:
            pass


@pytest.fixture(scope="module")
def healthy(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """What each command says on a healthy HITL_HOME: a failure it has there anyway (an unknown rollback key or
    rule id) is not the broken part's to name."""
    home = tmp_path_factory.mktemp("healthy")
    home.chmod(0o700)
    _hosts(home)
    return {name: _hitl(home, *args).stderr for name, args in COMMANDS.items() if name != "exec on the host"}


@pytest.mark.parametrize("command", list(COMMANDS))
def test_every_failure_is_one_line_naming_it_with_a_documented_status(
    broken: Broken, command: str, healthy: dict[str, str]
) -> None:
    done = _hitl(broken.home, *COMMANDS[command])
    err = done.stderr
    assert "Traceback" not in err and "Error:" not in err.replace("configuration error:", ""), err
    assert done.returncode in EXIT_STATUSES, (done.returncode, err)
    if done.returncode in (0, 1):
        return
    lines = [line for line in err.splitlines() if not line.startswith("hitl: READ: ")]
    lines = [line for line in lines if not line.startswith(("hitl: WRITE: ", "hitl: DESTRUCTIVE: "))]
    assert len(lines) == 1 and lines[0].startswith("hitl: "), err
    if command == "exec on the host" and broken.names.startswith("cannot connect"):
        assert done.returncode == HOST_FAILURE and broken.names in lines[0], (done.returncode, lines[0])
    elif done.returncode == 2 and lines[0] not in healthy.get(command, ""):
        assert broken.names in lines[0], (broken.names, lines[0])


def test_a_capture_that_runs_out_of_space_refuses_the_command_with_that_reason(tmp_path: Path) -> None:
    """The blob store full (the database still fits): an approved WRITE is refused, its target untouched."""
    home = tmp_path / "home"
    home.mkdir()
    snapshots = home / "data" / "snapshots"
    _mount_tmpfs(snapshots, "size=64k,mode=0700")
    try:
        target = tmp_path / "big.conf"
        target.write_bytes(os.urandom(256 * 1024))
        remember = (
            "import time\n"
            "from console.core.paths import resolve_paths\n"
            "from console.core.remembered import Lifetime, RememberedApprovals, Scope\n"
            "from console.core.tiers import Tier\n"
            f"RememberedApprovals(resolve_paths().remembered_approvals_file).add('cp /dev/null {target}', Tier.WRITE,"
            " scope=Scope.EXACT, lifetime=Lifetime.DAY, now=time.time(), host='local')\n"
        )
        env = {**os.environ, "HITL_HOME": str(home)}
        subprocess.run([sys.executable, "-c", remember], env=env, check=True)
        before = target.read_bytes()
        done = _hitl(home, "exec", "local", "--", f"cp /dev/null {target}")
        assert done.returncode == 3, done.stderr
        assert target.read_bytes() == before
        assert "no space left for the capture" in done.stderr and "Traceback" not in done.stderr
        assert "was not run" in done.stderr
    finally:
        subprocess.run(["umount", str(snapshots)], check=False)


def test_revoking_a_rule_that_does_not_exist_is_a_failure_of_hitl(hitl_home: Path) -> None:
    done = _hitl(hitl_home, "approvals", "revoke", "ra-abc234")
    assert done.returncode == 2
    assert done.stderr == "hitl: no remembered approval ra-abc234\n"


def test_revoking_on_a_read_only_home_says_why_and_keeps_the_rule(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    code = (
        "import time\n"
        "from console.core.paths import resolve_paths\n"
        "from console.core.remembered import Lifetime, RememberedApprovals, Scope\n"
        "from console.core.tiers import Tier\n"
        "rule = RememberedApprovals(resolve_paths().remembered_approvals_file).add('touch /tmp/x', Tier.WRITE,"
        " scope=Scope.EXACT, lifetime=Lifetime.DAY, now=time.time(), host='local')\n"
        "print(rule.id)\n"
    )
    env = {**os.environ, "HITL_HOME": str(home)}
    rule = subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True, text=True).stdout
    subprocess.run(["mount", "--bind", "-o", "ro", str(home), str(home)], check=True)
    try:
        done = _hitl(home, "approvals", "revoke", rule.strip())
        assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
        assert done.stderr.startswith("hitl: ") and "remembered-approvals.json" in done.stderr
        assert "Read-only file system" in done.stderr
    finally:
        subprocess.run(["umount", str(home)], check=True)
    assert rule.strip() in _hitl(home, "approvals").stdout, "the rule is still there"


def test_the_console_start_up_with_a_bad_config_is_one_line_and_exit_2(hitl_home: Path) -> None:
    (hitl_home / "config.toml").write_text('read_confinement = "sometimes"\n')
    done = _hitl(hitl_home)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.count("\n") == 1 and "config.toml" in done.stderr and "read_confinement" in done.stderr
