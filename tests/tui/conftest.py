from __future__ import annotations

import asyncio
import os
from collections.abc import Callable

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from console.core.config import Settings
from console.core.paths import resolve_paths
from console.core.themes import discover_themes
from console.tui.app import HitlApp
from console.tui.screens.approval import ApprovalScreen

FAST = {"write_key_delay": 0.05, "destructive_dwell": 0.1, "model": "claude-hitl-test"}
"""Short delays keep the tests fast; the dialogs' own tests check that the delays are enforced."""


@pytest.fixture
def make_app():
    """The main screen without a session (the chrome, themes, keymap)."""

    def build(**settings_changes: object) -> HitlApp:
        settings = Settings(**settings_changes)  # type: ignore[arg-type]
        return HitlApp(settings, discover_themes(None), host="local", mode="manual", connect=False)

    return build


@pytest.fixture
def console_app():
    """The whole console on the test's HITL_HOME: real session, real local (or SSH) host, real agent."""

    def build(*, host: str = "local", resume: bool = False, **settings_changes: object) -> HitlApp:
        settings = Settings(**{**FAST, **settings_changes})  # type: ignore[arg-type]
        mode = settings.model if os.environ.get("ANTHROPIC_API_KEY") else "manual"
        return HitlApp(settings, discover_themes(None), host=host, mode=mode, paths=resolve_paths(), resume=resume)

    return build


async def wait_for(pilot: Pilot[None], condition: Callable[[], object], timeout: float = 10.0) -> None:
    """Poll `condition` while the app runs; fail with a clear message when it never holds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(f"condition not met within {timeout}s\n{describe_state(pilot.app)}")
        await pilot.pause(0.02)


def describe_state(app: object) -> str:
    """What the console was doing, for a failure message: screen, turn, pending approvals, last output."""
    if not isinstance(app, HitlApp):
        return ""
    lines = [f"screen: {type(app.screen).__name__}", f"turn running: {app.turn_running}"]
    if isinstance(app.screen, ApprovalScreen):
        lines.append(f"dialog blocker: {app.screen.blocker()}")
    output = app.query("#host-log")
    if output:
        lines += ["last output:", *list(output.first().lines)[-10:]]  # type: ignore[attr-defined]
    lines += ["notifications:", *(n.message for n in app._notifications)]
    return "\n".join(lines)


async def say(pilot: Pilot[None], text: str) -> None:
    """Type a chat message and send it; returns once its turn has started (or the /plan editor opened)."""
    app = pilot.app
    assert isinstance(app, HitlApp)
    await wait_for(pilot, lambda: isinstance(app.focused, Input) and app.focused.id == "chat-input")
    chat_input = app.query_one("#chat-input", Input)
    chat_input.value = text
    sent = app.turns_started
    await pilot.press("enter")
    await wait_for(pilot, lambda: app.turns_started > sent or app.screen is not app.screen_stack[0])


async def dialog(pilot: Pilot[None]) -> ApprovalScreen:
    """Wait for an approval dialog, then past its key delay."""
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, ApprovalScreen))
    screen = pilot.app.screen
    assert isinstance(screen, ApprovalScreen)
    await wait_for(pilot, lambda: screen.blocker() is None or bool(screen.challenged_steps))
    return screen


async def turn_done(pilot: Pilot[None], timeout: float = 30.0) -> None:
    """Wait for the turn to end with the main screen on top (SSH steps on a busy machine can take seconds)."""
    app = pilot.app
    assert isinstance(app, HitlApp)
    await wait_for(pilot, lambda: not app.turn_running and app.screen is app.screen_stack[0], timeout)
