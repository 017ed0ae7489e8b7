"""`hitl exec` and `hitl rollback` as a person and as a script would use them: real processes, a real pty."""

from __future__ import annotations

import os
import pty
import re
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

HITL = [sys.executable, "-m", "console"]


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*HITL, *args], capture_output=True, text=True, input=stdin, timeout=60, check=False)


class Terminal:
    """hitl on a pseudo-terminal, answered like a person at the keyboard."""

    def __init__(self, *args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> None:
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # pragma: no cover - the child
            if cwd is not None:
                os.chdir(cwd)
            os.execvpe(HITL[0], [*HITL, *args], os.environ if env is None else env)
        self.seen = ""

    def expect(self, pattern: str, timeout: float = 30) -> re.Match[str]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = re.search(pattern, self.seen)
            if found:
                return found
            ready, _, _ = select.select([self.fd], [], [], 0.2)
            if ready:
                try:
                    self.seen += os.read(self.fd, 4096).decode(errors="replace")
                except OSError:
                    break
        raise AssertionError(f"{pattern!r} not seen in:\n{self.seen}")

    def send(self, text: str) -> None:
        os.write(self.fd, text.encode())

    def wait(self, timeout: float = 60) -> int:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            ready, _, _ = select.select([self.fd], [], [], 0.2)
            if not ready:
                continue
            try:
                chunk = os.read(self.fd, 4096)
            except OSError:
                break
            if not chunk:
                break
            self.seen += chunk.decode(errors="replace")
        else:
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
            raise AssertionError(f"hitl still running after {timeout}s:\n{self.seen}")
        _pid, status = os.waitpid(self.pid, 0)
        return os.waitstatus_to_exitcode(status)


def test_read_runs_and_prints_tier_to_stderr(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("content\n")
    done = run("exec", "local", "--", "cat", str(tmp_path / "f"))
    assert done.returncode == 0
    assert done.stdout == "content\n"
    assert "READ" in done.stderr


def test_exit_code_is_the_commands() -> None:
    done = run("exec", "local", "--", "sh -c 'exit 7'")
    assert done.returncode == 7


def test_without_terminal_write_and_destructive_are_refused_with_3(tmp_path: Path) -> None:
    target = tmp_path / "t"
    write = run("exec", "local", "--", "touch", str(target), stdin="y\n")
    assert write.returncode == 3
    assert not target.exists()
    assert "no terminal" in write.stderr
    target.write_text("x")
    destroy = run("exec", "local", "--", "rm", "-rf", str(target))
    assert destroy.returncode == 3
    assert target.exists()


def test_write_on_a_terminal_asks_y_n_then_rollback_restores(tmp_path: Path) -> None:
    target = tmp_path / "motd"
    target.write_text("hello\n")
    term = Terminal("exec", "local", "--", "sed", "-i", "s/hello/bye/", str(target))
    term.expect(r"Approve WRITE on local\? \[y/N\]")
    term.send("y\n")
    key = term.expect(r"rollback key: (rb-[a-z0-9]{6})").group(1)
    assert term.wait() == 0
    assert target.read_text() == "bye\n"

    listed = run("rollbacks")
    assert key in listed.stdout

    term = Terminal("rollback", key)
    term.expect(r"-bye")
    term.expect(r"Approve WRITE on local\? \[y/N\]")
    term.send("y\n")
    assert term.wait() == 0
    assert target.read_text() == "hello\n"


def test_destructive_wrong_challenge_refuses(tmp_path: Path) -> None:
    victim = tmp_path / "data"
    victim.mkdir()
    term = Terminal("exec", "local", "--", "rm", "-rf", str(victim))
    challenge = term.expect(r'Type "(local-[0-9a-f]{4})" to confirm: ').group(1)
    assert "consequence" in term.seen
    term.send("local-zzzz\n")
    assert term.wait() == 3
    assert victim.exists()
    assert challenge.startswith("local-")


def test_destructive_typed_challenge_runs_and_prints_key(tmp_path: Path, hitl_home: Path) -> None:
    (hitl_home / "config.toml").write_text('destructive_dwell = "300ms"\n')
    victim = tmp_path / "data"
    victim.mkdir()
    (victim / "f").write_text("x")
    term = Terminal("exec", "local", "--", "rm", "-rf", str(victim))
    challenge = term.expect(r'Type "(local-[0-9a-f]{4})" to confirm: ').group(1)
    term.send(challenge + "\n")
    term.expect(r"rollback key: rb-")
    assert term.wait() == 0
    assert not victim.exists()


def test_remembered_approval_covers_write_without_terminal_and_can_be_revoked(tmp_path: Path) -> None:
    import time

    from console.core.paths import resolve_paths
    from console.core.remembered import Lifetime, RememberedApprovals, Scope
    from console.core.tiers import Tier

    book = RememberedApprovals(resolve_paths().remembered_approvals_file)
    target = tmp_path / "made"
    rule = book.add(
        f"touch {target}", Tier.WRITE, scope=Scope.EXACT, lifetime=Lifetime.DAY, now=time.time(), host="local"
    )
    other = tmp_path / "not-made"
    assert run("exec", "local", "--", "touch", str(other)).returncode == 3, "an exact rule covers no other file"
    assert not other.exists()
    done = run("exec", "local", "--", "touch", str(target))
    assert done.returncode == 0, done.stderr
    assert target.exists()
    assert "rollback key: rb-" in done.stderr
    assert rule.id in run("approvals").stdout
    assert run("approvals", "revoke", rule.id).returncode == 0
    target.unlink()
    assert run("exec", "local", "--", "touch", str(target)).returncode == 3
    assert not target.exists()


def test_ctrl_c_at_the_prompt_exits_130_at_once_without_a_traceback(tmp_path: Path) -> None:
    target = tmp_path / "never"
    term = Terminal("exec", "local", "--", "touch", str(target))
    term.expect(r"\[y/N\] ")
    term.send("\x03")
    assert term.wait(timeout=10) == 130
    assert "interrupted" in term.seen and "Traceback" not in term.seen
    assert not target.exists()


def test_ctrl_d_at_the_prompt_refuses(tmp_path: Path) -> None:
    target = tmp_path / "never"
    term = Terminal("exec", "local", "--", "touch", str(target))
    term.expect(r"\[y/N\] ")
    term.send("\x04")
    assert term.wait(timeout=10) == 3
    assert "Traceback" not in term.seen
    assert not target.exists()


def test_an_unreachable_host_is_one_line_and_exit_255(hitl_home: Path) -> None:
    import socket

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    (hitl_home / "hosts.toml").write_text(f'[hosts.dead]\nhostname = "127.0.0.1"\nport = {port}\nuser = "root"\n')
    for command in ("ls /", "touch /tmp/hitl-never-made"):
        done = run("exec", "dead", "--", command)
        assert done.returncode == 255, done.stderr
        assert "cannot connect to host 'dead'" in done.stderr and "Traceback" not in done.stderr


def test_a_store_that_cannot_be_used_is_one_line_and_exit_2_for_every_sub_command() -> None:
    from console.core.paths import resolve_paths

    database = resolve_paths().database_file
    database.parent.mkdir(parents=True, exist_ok=True)
    database.write_bytes(b"this is not a database\n" * 200)
    for args in (("exec", "local", "--", "true"), ("rollback", "rb-abc234"), ("history",), ("rollbacks",)):
        done = run(*args)
        assert done.returncode == 2, (args, done.stderr)
        assert done.stderr.startswith("hitl: memory store: "), (args, done.stderr)
        assert len(done.stderr.splitlines()) == 1 and "Traceback" not in done.stderr, (args, done.stderr)


def test_the_prompt_says_prod_and_no_rollback_as_the_console_does(sshd, hitl_home: Path) -> None:  # type: ignore[no-untyped-def]
    (hitl_home / "hosts.toml").write_text(sshd.host_entry("box") + 'labels = ["prod", "web"]\n')
    term = Terminal("exec", "box", "--", "curl -X POST https://example.invalid/api/restart")
    term.expect(r"on box \[prod, web\] PROD: ")
    term.expect(r"NO ROLLBACK: \S")
    term.expect(r"\[y/N\] ")
    term.send("n\n")
    assert term.wait() == 3


ESCAPES = r"printf '\033]0;PWNED-TITLE\007\033[2J\302\233H\342\200\256txt\n'"
"""Output with an OSC title, a clear screen, an 8-bit CSI (C1, as UTF-8) and a right-to-left override."""


def obeyed_in(text: str) -> list[str]:
    from tests.support.terminal import obeyed

    return obeyed(text.replace("\r\n", "\n"), newlines=True)


def test_exec_on_a_terminal_shows_escapes_and_raw_passes_them(tmp_path: Path) -> None:
    term = Terminal("exec", "local", "--", ESCAPES)
    assert term.wait() == 0
    assert obeyed_in(term.seen) == []
    assert "\\x1b]0;PWNED-TITLE\\x07\\x1b[2J\\x9bH<U+202E>txt" in term.seen
    raw = Terminal("exec", "--raw", "local", "--", ESCAPES)
    assert raw.wait() == 0
    assert "\x1b]0;PWNED-TITLE\x07\x1b[2J" in raw.seen


def test_exec_into_a_pipe_passes_the_output_as_it_came() -> None:
    done = run("exec", "local", "--", ESCAPES)
    assert done.returncode == 0
    assert done.stdout == "\x1b]0;PWNED-TITLE\x07\x1b[2J\x9bH\u202etxt\n"


def test_a_diff_preview_cannot_clear_the_screen_before_the_question(tmp_path: Path) -> None:
    conf = tmp_path / "app.conf"
    conf.write_bytes(b"workers 1\n\x1b]0;PWNED-TITLE\x07\x1b[2J\x1b[Hclear\n")
    term = Terminal("exec", "local", "--", "sed", "-i", "s/1/4/", str(conf))
    term.expect(r"Approve WRITE on local\? \[y/N\]")
    assert obeyed_in(term.seen) == []
    assert "\\x1b]0;PWNED-TITLE\\x07\\x1b[2J" in term.seen
    term.send("n\n")
    assert term.wait() == 3


def test_people_s_listings_show_escapes(tmp_path: Path) -> None:
    conf = tmp_path / "app.conf"
    conf.write_text("kept\n")
    command = f"sed -i s/kept/new/ {conf} # x\x1b[2J\u202ey"
    term = Terminal("exec", "local", "--", command)
    term.expect(r"\[y/N\]")
    term.send("y\n")
    assert term.wait() == 0
    assert obeyed_in(term.seen) == []
    history = run("history")
    assert obeyed_in(history.stdout) == [] and "sed -i s/kept/new/" in history.stdout
    for listing in (run("rollbacks"), run("classify", command)):
        assert obeyed_in(listing.stdout + listing.stderr) == [], listing.args
        assert "x\\x1b[2J<U+202E>y" in listing.stdout
    as_json = run("classify", "--json", command)
    assert obeyed_in(as_json.stdout) == []
    import json

    assert json.loads(as_json.stdout)["command"] == command
