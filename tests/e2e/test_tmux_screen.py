"""An honest screen, in a real terminal: hitl in tmux at 80x24 and 160x48, in manual mode on this machine.

What only a real terminal shows: the DESTRUCTIVE challenge typed exactly as the dialog shows it runs the
command; after a flood of output the next command's output is painted (Textual repaints only what changed, and
the pane once froze on stale lines); Esc on a running command ends it, its spinner and its header at once; a
command's escape sequences leave the terminal's title and screen alone. Every step polls `capture-pane`.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.tmux import ROOT, Tmux, wait_until

pytestmark = pytest.mark.slow


def manual_hitl(hitl_home: Path, *args: str) -> str:
    env = {
        "HITL_HOME": str(hitl_home),
        "HITL_WRITE_KEY_DELAY": "0.3s",
        "HITL_DESTRUCTIVE_DWELL": "1s",
        "TERM": "xterm-256color",
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/root"),
    }
    assignments = " ".join(f"{key}={shlex.quote(value)}" for key, value in env.items())
    python = shlex.quote(sys.executable)
    return f"cd {shlex.quote(str(ROOT))} && env -i {assignments} {python} -m console {shlex.join(args)}"


def say(tmux: Tmux, text: str) -> None:
    tmux.type(text)
    tmux.keys("Enter")


def history(hitl_home: Path) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "console", "history", "--json"],
        cwd=ROOT,
        env={**os.environ, "HITL_HOME": str(hitl_home)},
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


@pytest.mark.parametrize("size", [(80, 24), (160, 48)])
def test_the_destructive_challenge_typed_as_shown_runs_the_command(
    tmux: Tmux, hitl_home: Path, tmp_path: Path, size: tuple[int, int]
) -> None:
    victim = tmp_path / "cache"
    (victim / "a").mkdir(parents=True)
    tmux.start(manual_hitl(hitl_home), width=size[0], height=size[1])
    tmux.wait_for(r"host: local")
    say(tmux, f"!rm -rf {victim}")
    screen = tmux.wait_for(r'Type "local-[0-9a-f]{4}" to confirm')
    challenge = re.search(r'Type "(local-[0-9a-f]{4})" to confirm', screen)
    assert challenge, screen
    assert "Cancel (n)" in screen and "Confirm" in screen, "the decision keys are not in view"
    tmux.type(challenge.group(1))  # straight away: the field has focus, no letter is a dialog key
    if "not on the screen yet" in tmux.wait_for(r"not on the screen yet|confirm works in|Enter confirms\."):
        tmux.keys("PageDown", "PageDown", "PageDown")  # read the rest of the request first, as the dialog asks
    tmux.wait_for(r"Enter confirms\.")  # everything was seen and the dwell has passed
    tmux.keys("Enter")
    wait_until(lambda: not victim.exists(), "the confirmed rm -rf to run")
    tmux.wait_for(r"done")
    tmux.quit()


def test_after_a_flood_the_next_output_is_painted(tmux: Tmux, hitl_home: Path) -> None:
    tmux.start(manual_hitl(hitl_home), width=160, height=48)
    tmux.wait_for(r"host: local")
    say(tmux, "!seq 1 300000")
    tmux.wait_for(r"done: exit status 0", timeout=120)
    say(tmux, "!echo after-the-flood")
    screen = tmux.wait_for(r"(?m)^.*│after-the-flood", timeout=30)
    assert "299999" not in screen.split("after-the-flood")[-1]
    tmux.quit()


def test_esc_ends_a_running_command_and_says_so_at_once(tmux: Tmux, hitl_home: Path) -> None:
    tmux.start(manual_hitl(hitl_home), width=120, height=40)
    tmux.wait_for(r"host: local")
    say(tmux, "!tail -f /dev/null")
    tmux.wait_for(r"running .* tail -f /dev/null")
    pressed = time.time()
    tmux.keys("Escape")
    tmux.wait_for(r"interrupted")
    time.sleep(1.0)
    screen = tmux.screen()
    assert not re.search(r"running [0-9.]+s", screen), "the spinner still counts:\n" + screen
    recorded = history(hitl_home)
    record = json.loads(recorded.splitlines()[0])
    assert record["command"] == "tail -f /dev/null", recorded
    assert (record["outcome"], record["reason"]) == ("interrupted", "stopped by the operator"), recorded
    finished = re.search(r'"finished": "([^"]+)"', recorded)
    assert finished, recorded
    from datetime import datetime

    at = datetime.fromisoformat(finished.group(1).replace("Z", "+00:00")).timestamp()
    assert at - pressed < 5, "recorded as interrupted long after Esc"
    tmux.quit()


def test_escape_sequences_in_output_leave_the_title_and_screen_alone(tmux: Tmux, hitl_home: Path) -> None:
    tmux.start(manual_hitl(hitl_home), width=160, height=48)
    tmux.wait_for(r"host: local")
    title_before = tmux("display-message", "-p", "-t", "hitl", "#{pane_title}")
    say(tmux, r"!printf '\033]0;PWNED-TITLE\007\033[2J\033[Hcleared\n'")
    screen = tmux.wait_for(r"\\x1b\[Hcleared")  # the output line, rendered
    assert "\\x1b]0;PWNED-TITLE\\x07\\x1b[2J\\x1b[Hcleared" in screen
    assert "host: local" in screen, "the screen was cleared"
    assert tmux("display-message", "-p", "-t", "hitl", "#{pane_title}") == title_before
    tmux.quit()
