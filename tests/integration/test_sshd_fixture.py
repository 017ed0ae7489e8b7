"""The sshd fixture as a script, the way the tmux end-to-end test uses it."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path


def test_script_prints_details_serves_and_stops_on_sigterm(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.fixtures.sshd", "--dir", str(tmp_path / "d")],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        details = json.loads(proc.stdout.readline())
        assert Path(details["client_key"]).exists() and Path(details["known_hosts"]).exists()
        with socket.create_connection((details["hostname"], details["port"]), timeout=5) as sock:
            assert sock.recv(8).startswith(b"SSH-2.0")
        proc.terminate()
        assert proc.wait(10) == 0
        with socket.socket() as sock:
            assert sock.connect_ex((details["hostname"], details["port"])) != 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
