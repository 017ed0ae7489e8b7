"""End to end in a real terminal: an agent over MCP (`hitl mcp`, driven by the official SDK's client) asks, and
the operator approves in `hitl` running in tmux; then the agent asks to roll it back, approved the same way."""

from __future__ import annotations

import asyncio
import os
import shlex
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.test_tmux import ROOT, Tmux, wait_until
from tests.support.mcp_client import hitl_mcp, result_text

pytestmark = pytest.mark.slow


@pytest.fixture
def terminal(request: pytest.FixtureRequest) -> Iterator[Tmux]:
    assert shutil.which("tmux"), "tmux is required (.ci/run installs it)"
    session = Tmux(f"hitl-mcp-{os.getpid()}-{request.node.name[:20]}")
    try:
        yield session
    finally:
        session.kill()


def console_command(hitl_home: Path) -> str:
    env = {
        "HITL_HOME": str(hitl_home),
        "TERM": "xterm-256color",
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/root"),
    }
    assignments = " ".join(f"{key}={shlex.quote(value)}" for key, value in env.items())
    return f"cd {shlex.quote(str(ROOT))} && env -i {assignments} {shlex.quote(sys.executable)} -m console"


async def test_an_agents_write_and_its_rollback_are_approved_in_the_console(
    terminal: Tmux, hitl_home: Path, tmp_path: Path
) -> None:
    target = tmp_path / "motd"
    target.write_text("before\n")
    terminal.start(console_command(hitl_home))
    terminal.wait_for(r"host: local")
    await asyncio.to_thread(wait_until, (hitl_home / "state" / "approver.sock").exists, "the console's channel")

    async with hitl_mcp(client="tmux-agent") as session:
        call = asyncio.ensure_future(
            session.call_tool(
                "run_command", {"host": "local", "command": f"echo after > {target}", "purpose": "update the motd"}
            )
        )
        screen = await asyncio.to_thread(terminal.wait_for, r"Approve \(y\)")
        assert "Requested by: mcp:tmux-agent" in screen
        assert "update the motd" in screen and "WRITE" in screen
        assert target.read_text() == "before\n", "the WRITE ran before it was approved"
        await asyncio.to_thread(terminal.wait_for, r"y approves")
        terminal.keys("y")
        text = result_text(await asyncio.wait_for(call, 60))
        assert "decision: approved" in text and target.read_text() == "after\n"
        key = text.split("rollback key: ", 1)[1].split()[0]

        call = asyncio.ensure_future(session.call_tool("request_rollback", {"key": key, "reason": "undo"}))
        screen = await asyncio.to_thread(terminal.wait_for, r"Approve \(y\)")
        assert "Requested by: mcp:tmux-agent" in screen and "before" in screen  # the diff it restores
        await asyncio.to_thread(terminal.wait_for, r"y approves")
        terminal.keys("y")
        text = result_text(await asyncio.wait_for(call, 60))
    assert "decision: approved" in text
    assert target.read_text() == "before\n"
    terminal.quit()
    assert not (hitl_home / "state" / "approver.sock").exists(), "the console left its socket behind"
