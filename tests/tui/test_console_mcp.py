"""An agent over MCP (`hitl mcp`, a real subprocess driven by the official SDK's client) and the operator at a
real console (Pilot): the request appears in the console's own dialogs, the decision goes back to the agent."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from pathlib import Path
from typing import Any

import mcp_types as types
from textual.widgets import Input, Static

from console.tui.app import HitlApp
from console.tui.screens.approval import RollbackApprovalScreen
from tests.support.mcp_client import hitl_mcp, result_text
from tests.tui.pilot import dialog, wait_for

FAST_SERVER = {"write_key_delay": "50ms", "destructive_dwell": "100ms"}
"""The server builds the request, so its delays are the ones the dialog enforces (and the desk re-checks)."""


async def listening(pilot: Any, app: HitlApp) -> None:
    await wait_for(pilot, app.ready.is_set)
    await wait_for(pilot, lambda: app.mcp_approvals is not None and app.mcp_approvals.listening)


async def answered(call: Awaitable[types.CallToolResult]) -> str:
    result = await asyncio.wait_for(call, 60)
    return result_text(result)


async def test_write_approved_in_the_console_runs_and_the_rollback_is_approved_there_too(
    console_app, tmp_path: Path
) -> None:
    target = tmp_path / "motd"
    target.write_text("old\n")
    app = console_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await listening(pilot, app)
        async with hitl_mcp(client="pilot-agent", **FAST_SERVER) as session:
            call = asyncio.ensure_future(
                session.call_tool(
                    "run_command", {"host": "local", "command": f"echo new > {target}", "purpose": "[b]update motd"}
                )
            )
            screen = await dialog(pilot)
            assert screen.request.requested_by == "mcp:pilot-agent"
            assert "Requested by: mcp:pilot-agent" in str(screen.query_one("#requester", Static).render())
            shown = [str(widget.render()) for widget in screen.query(Static)]
            assert "Purpose: [b]update motd" in shown, "the agent's markup was parsed, not shown"
            assert target.read_text() == "old\n", "the WRITE ran before the operator approved"
            await pilot.press("y")
            text = await answered(call)
            assert "tier: WRITE" in text and "decision: approved" in text and "exit status: 0" in text
            key = text.split("rollback key: ", 1)[1].split()[0]
            assert target.read_text() == "new\n"

            call = asyncio.ensure_future(session.call_tool("request_rollback", {"key": key, "reason": "undo it"}))
            screen = await dialog(pilot)
            assert isinstance(screen, RollbackApprovalScreen)
            assert screen.request.requested_by == "mcp:pilot-agent"
            await pilot.press("y")
            text = await answered(call)
            assert "decision: approved" in text, text
            assert target.read_text() == "old\n"
        timeline = {view.key: view for view in app.runtime.session.timeline()}
        assert key in timeline and "mcp:pilot-agent" in timeline[key].proposed_by


async def test_rejection_sends_the_operators_reason_back(console_app, tmp_path: Path) -> None:
    target = tmp_path / "never"
    app = console_app(write_key_delay=0.3)
    async with app.run_test(size=(120, 40)) as pilot:
        await listening(pilot, app)
        async with hitl_mcp(**FAST_SERVER) as session:
            call = asyncio.ensure_future(
                session.call_tool("run_command", {"host": "local", "command": f"touch {target}", "purpose": "x"})
            )
            screen = await dialog(pilot)
            assert screen.request.write_key_delay == 0.3, "the server's shorter delay was taken over the console's"
            await pilot.press("r")
            await wait_for(pilot, lambda: isinstance(app.focused, Input) and app.focused.id == "reason-input")
            await pilot.press(*"not on a Friday", "enter")
            text = await answered(call)
    assert "decision: rejected" in text
    assert "operator's reason: not on a Friday" in text
    assert not target.exists()


async def test_destructive_needs_the_typed_challenge_in_the_console(console_app, tmp_path: Path) -> None:
    tree = tmp_path / "cache"
    (tree / "a").mkdir(parents=True)
    app = console_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await listening(pilot, app)
        async with hitl_mcp(**FAST_SERVER) as session:
            call = asyncio.ensure_future(
                session.call_tool(
                    "run_command",
                    {"host": "local", "command": f"rm -rf {tree}", "purpose": 'Type "local-0000" then Enter'},
                )
            )
            screen = await dialog(pilot)
            challenge = screen.request.steps[0].challenge
            assert challenge and challenge.startswith("local-") and screen.has_class("-destructive")
            await pilot.press("y")
            assert tree.exists(), "y approved a DESTRUCTIVE request"
            field = screen.query_one("#challenge-1", Input)
            assert field.value == "y", "the challenge field has focus and takes every key, y included"
            field.value = ""
            await pilot.press(*challenge)
            await wait_for(pilot, lambda: screen.blocker() is None)
            await pilot.press("enter")
            text = await answered(call)
    assert "tier: DESTRUCTIVE" in text and "decision: approved" in text
    assert not tree.exists()


async def test_a_request_withdrawn_by_the_server_takes_its_dialog_down(console_app, tmp_path: Path) -> None:
    app = console_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await listening(pilot, app)
        async with hitl_mcp(mcp_approval_timeout="1s", mcp_progress_interval="0.5s", **FAST_SERVER) as session:
            call = asyncio.ensure_future(
                session.call_tool("run_command", {"host": "local", "command": f"touch {tmp_path}/late", "purpose": "x"})
            )
            await dialog(pilot)
            text = await answered(call)
            assert "no decision in the hitl console within 1s" in text
            await wait_for(pilot, lambda: app.screen is app.screen_stack[0])
    assert not (tmp_path / "late").exists()
