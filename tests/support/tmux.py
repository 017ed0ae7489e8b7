"""hitl in a real terminal for the end-to-end tests: one private tmux server per test, polled, never slept on."""

from __future__ import annotations

import re
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 30.0


class Tmux:
    """One private tmux server (its own socket, no user config) holding the console."""

    def __init__(self, socket: str) -> None:
        self.socket = socket

    def __call__(self, *args: str) -> str:
        done = subprocess.run(
            ["tmux", "-L", self.socket, "-f", "/dev/null", *args], capture_output=True, text=True, check=True
        )
        return done.stdout

    def start(self, command: str, *, width: int = 120, height: int = 40) -> None:
        self("new-session", "-d", "-s", "hitl", "-x", str(width), "-y", str(height), command)

    def screen(self, target: str = "hitl") -> str:
        return self("capture-pane", "-p", "-J", "-t", target)

    def wait_for(self, pattern: str, target: str = "hitl", timeout: float = TIMEOUT) -> str:
        """Poll the pane until `pattern` (a regular expression) appears; returns the screen."""
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            try:
                screen = self.screen(target)
            except subprocess.CalledProcessError:
                screen = ""
            if re.search(pattern, screen):
                return screen
            time.sleep(0.05)
        raise AssertionError(f"{pattern!r} did not appear in the terminal; it shows:\n{screen}")

    def keys(self, *keys: str, target: str = "hitl") -> None:
        self("send-keys", "-t", target, *keys)

    def type(self, text: str, target: str = "hitl") -> None:
        self("send-keys", "-t", target, "-l", text)

    def quit(self) -> None:
        """ctrl+q, then wait for hitl to exit (its tmux session closes with it)."""
        self.keys("C-q")
        wait_until(lambda: not self.alive(), "hitl to quit")

    def alive(self) -> bool:
        probe = ["tmux", "-L", self.socket, "has-session", "-t", "hitl"]
        return subprocess.run(probe, capture_output=True, check=False).returncode == 0

    def kill(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True, check=False)


def wait_until(condition: Callable[[], bool], what: str, timeout: float = TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)
