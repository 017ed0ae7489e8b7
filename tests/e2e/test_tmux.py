"""End to end in a real terminal: `hitl` in tmux, against the real sshd host and the fake model server.

The model is the fake Messages API run as a script (`python -m tests.fakes.anthropic_server`), the host is an
OpenSSH sshd on 127.0.0.1, and the operator is this test typing into tmux. Every step waits by polling
`tmux capture-pane`; nothing sleeps blindly. The two stories of the README:

1. "Fix the SSL certificate renewal cron on my VPS": `crontab -l` runs unprompted, the crontab replacement
   waits for `y`, gets a rollback key, and is rolled back from the timeline (ctrl+t, r, approve).
2. "Deploy the updated nginx config": a three-step plan (READ check, WRITE copy, WRITE reload by a stand-in
   service script) approved once; run again with step 2 failing, where step 3 never runs.

The crontab changed is the real one of the user running the tests: it is saved first and put back after.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.fixtures.sshd import SshdServer
from tests.support.tmux import ROOT, Tmux, wait_until

pytestmark = pytest.mark.slow

PYTHON = sys.executable
BROKEN_CRON = "0 3 * * * certbot renw\n"
FIXED_CRON = "0 3 * * * certbot renew --quiet\n"


def crontab() -> str:
    return subprocess.run(["crontab", "-l"], capture_output=True, text=True, check=False).stdout


@pytest.fixture
def model_server(tmp_path: Path) -> Iterator[Callable[[list[dict[str, Any]]], tuple[str, Path]]]:
    """Starts the fake Messages API as a script; returns its URL and its requests log."""
    processes: list[subprocess.Popen[bytes]] = []

    def start(turns: list[dict[str, Any]]) -> tuple[str, Path]:
        script, port_file, log = tmp_path / "turns.json", tmp_path / "port", tmp_path / "requests.jsonl"
        script.write_text(json.dumps(turns))
        processes.append(
            subprocess.Popen(
                [
                    PYTHON,
                    "-m",
                    "tests.fakes.anthropic_server",
                    "--script",
                    str(script),
                    "--port-file",
                    str(port_file),
                    "--requests-log",
                    str(log),
                ],
                cwd=ROOT,
            )
        )
        wait_until(lambda: port_file.exists() and port_file.read_text().strip().isdigit(), "the fake model server")
        return f"http://127.0.0.1:{port_file.read_text().strip()}", log

    yield start
    for process in processes:
        process.terminate()
        process.wait(10)


def requests_sent(log: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in log.read_text().splitlines() if line.strip()]


def hitl_command(hitl_home: Path, base_url: str, *args: str) -> str:
    env = {
        "HITL_HOME": str(hitl_home),
        "ANTHROPIC_API_KEY": "sk-ant-e2e",
        "ANTHROPIC_BASE_URL": base_url,
        "HITL_WRITE_KEY_DELAY": "0.3s",
        "TERM": "xterm-256color",
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/root"),
    }
    assignments = " ".join(f"{key}={shlex.quote(value)}" for key, value in env.items())
    return f"cd {shlex.quote(str(ROOT))} && env -i {assignments} {shlex.quote(PYTHON)} -m console {shlex.join(args)}"


def run_command(command: str, purpose: str) -> dict[str, Any]:
    return {
        "content": [
            {
                "type": "tool_use",
                "name": "run_command",
                "input": {"host": "vps", "command": command, "purpose": purpose},
            }
        ]
    }


def text(answer: str) -> dict[str, Any]:
    return {"content": [{"type": "text", "text": answer}]}


def test_story_fix_the_certificate_renewal_cron(
    tmux: Tmux, model_server, sshd: SshdServer, hitl_home: Path, saved_crontab: None
) -> None:
    (hitl_home / "hosts.toml").write_text(sshd.host_entry("vps"))
    subprocess.run(["crontab", "-"], input=BROKEN_CRON, text=True, check=True)
    replace = "printf '0 3 * * * certbot renew --quiet\\n' | crontab -"
    url, log = model_server(
        [
            run_command("crontab -l", "see the renewal job"),
            run_command(replace, "fix the misspelt certbot subcommand"),
            text("The renewal cron is fixed: `certbot renew --quiet` runs daily at 03:00."),
        ]
    )
    tmux.start(hitl_command(hitl_home, url, "--host", "vps"))
    tmux.wait_for(r"host: vps")
    tmux.type("Fix the SSL certificate renewal cron on my VPS")
    tmux.keys("Enter")

    screen = tmux.wait_for(r"Approve \(y\)")
    assert "crontab -l" in screen  # the READ ran without a dialog and is in the chat
    assert "WRITE" in screen and "crontab" in screen
    assert crontab() == BROKEN_CRON, "the WRITE ran before it was approved"
    tmux.wait_for(r"y approves")
    tmux.keys("y")
    screen = tmux.wait_for(r"renewal cron is fixed")
    assert crontab() == FIXED_CRON
    match = re.search(r"key: (rb-[0-9a-z]{6})", screen)  # the chat line may wrap before "key:"
    assert match, screen
    key = match.group(1)

    sent = requests_sent(log)
    first_result = json.dumps(sent[1]["messages"][-1])
    assert "tier: READ" in first_result and "certbot renw" in first_result
    second_result = json.dumps(sent[2]["messages"][-1])
    assert "decision: approved" in second_result and key in second_result

    # Roll back from the timeline: ctrl+t, r on the newest point, approve the rollback (shown as a diff).
    tmux.keys("C-t")
    # The key is on screen already (in the chat): wait for the timeline itself, then for its row.
    tmux.wait_for(r"Rollback timeline")
    tmux.wait_for(rf"{key} .* live")
    tmux.keys("r")
    screen = tmux.wait_for(r"Approve \(y\)")
    assert "certbot renw" in screen  # the diff of what the rollback restores
    assert crontab() == FIXED_CRON
    tmux.wait_for(r"y approves")
    tmux.keys("y")
    wait_until(lambda: crontab() == BROKEN_CRON, "the crontab to be restored")
    tmux.wait_for(r"rolled back")

    tmux.quit()


def test_story_deploy_the_updated_nginx_config(
    tmux: Tmux, model_server, sshd: SshdServer, hitl_home: Path, tmp_path: Path
) -> None:
    (hitl_home / "hosts.toml").write_text(sshd.host_entry("vps"))
    site = tmp_path / "nginx"
    live = site / "live"
    live.mkdir(parents=True)
    (site / "new.conf").write_text("server { listen 8080; }\n")
    (live / "nginx.conf").write_text("server { listen 80; }\n")
    # The stand-in for `nginx -s reload` is written inline: a script file under /tmp (where pytest keeps
    # tmp_path) is code from a place anyone can write to, which the classifier calls DESTRUCTIVE.
    reload = f"sh -c 'echo reloaded >> {live}/reload.log'"

    def plan(source: Path) -> dict[str, Any]:
        steps = [
            {"command": f"grep -c server {site}/new.conf", "purpose": "test the new config"},
            {"command": f"cp {source} {live}/nginx.conf", "purpose": "install it"},
            {"command": reload, "purpose": "reload nginx"},
        ]
        return {
            "content": [
                {
                    "type": "tool_use",
                    "name": "propose_plan",
                    "input": {"title": "Deploy the updated nginx config", "host": "vps", "steps": steps},
                }
            ]
        }

    url, log = model_server(
        [
            plan(site / "new.conf"),
            text("Deployed: the new config is live and nginx was reloaded."),
            plan(site / "missing.conf"),
            text("Step 2 failed, so the reload did not run."),
        ]
    )
    tmux.start(hitl_command(hitl_home, url, "--host", "vps"), height=48)
    tmux.wait_for(r"host: vps")
    tmux.type("Deploy the updated nginx config")
    tmux.keys("Enter")
    screen = tmux.wait_for(r"Approve \(y\)")
    assert "Plan: Deploy the updated nginx config" in screen
    assert (live / "nginx.conf").read_text() == "server { listen 80; }\n"
    tmux.wait_for(r"y approves")
    tmux.keys("y")
    tmux.wait_for(r"Deployed: the new config is live")
    assert (live / "nginx.conf").read_text() == "server { listen 8080; }\n"
    assert (live / "reload.log").read_text() == "reloaded\n"

    (live / "nginx.conf").write_text("server { listen 80; }\n")
    tmux.type("Deploy the updated nginx config again")
    tmux.keys("Enter")
    tmux.wait_for(r"Approve \(y\)")
    tmux.wait_for(r"y approves")
    tmux.keys("y")
    screen = tmux.wait_for(r"Step 2 failed, so the reload did not run")
    assert (live / "reload.log").read_text() == "reloaded\n", "step 3 ran after step 2 failed"
    assert (live / "nginx.conf").read_text() == "server { listen 80; }\n"
    assert "skipped" in screen

    result = json.dumps(requests_sent(log)[3]["messages"][-1])
    assert "step 2 [WRITE] failed" in result and "step 3 [WRITE] skipped" in result
    tmux.quit()
