"""Driving the console in Pilot tests: the one `wait_for`, and the steps an operator takes (say, a dialog, the
end of a turn)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from textual.app import App
from textual.pilot import Pilot
from textual.widgets import Input

from console.tui.app import HitlApp
from console.tui.screens.approval import ApprovalScreen

DEFAULT_TIMEOUT = 15.0
"""Workers talk to real hosts (local, sshd) on a machine shared with other test runs: no fixed sleeps, and a
generous limit that only a real hang reaches."""


async def wait_for(pilot: Pilot[object], condition: Callable[[], object], timeout: float = DEFAULT_TIMEOUT) -> None:
    """Let the app run until `condition()` holds; fail with what the console was doing when it never does."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            what = getattr(condition, "__name__", repr(condition))
            raise AssertionError(f"{what} not met within {timeout}s\n{describe_state(pilot.app)}")
        await pilot.pause(0.02)


def describe_state(app: App[object]) -> str:
    """What the console was doing, for a failure message: screen, turn, pending approvals, last output."""
    lines = [f"screen: {type(app.screen).__name__}"]
    if isinstance(app, HitlApp):
        lines.append(f"turn running: {app.turn_running}")
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
    # Mounted first: a key pressed before the dialog's Mount event counts as typed ahead and is dropped.
    await wait_for(pilot, lambda: screen.opened_at != float("inf"))
    await wait_for(pilot, lambda: screen.blocker() is None or bool(screen.challenged_steps))
    return screen


async def turn_done(pilot: Pilot[None], timeout: float = 30.0) -> None:
    """Wait for the turn to end with the main screen on top (SSH steps on a busy machine can take seconds), and
    for the app to have handled what the session announced during it (its events arrive as messages)."""
    app = pilot.app
    assert isinstance(app, HitlApp)
    await wait_for(pilot, lambda: not app.turn_running and app.screen is app.screen_stack[0], timeout)
    await pilot.pause()


def screen_lines(app: App[object]) -> list[str]:
    """What the terminal shows right now, one string per row: the text of every segment Textual would write
    (its own cursor and control segments left out)."""
    strips = app.screen._compositor.render_strips()
    return ["".join(segment.text for segment in strip if not segment.control) for strip in strips]


def raw_controls(app: App[object]) -> list[str]:
    """Characters on the screen that a terminal would obey rather than show (escapes, C1, bidi, zero-width),
    with the row they are on; empty when the screen is honest."""
    from tests.support.terminal import obeyed

    return [f"row {row}: {line!r}" for row, line in enumerate(screen_lines(app)) if obeyed(line)]


def chat_text(app: App[object]) -> str:
    """Every message of the chat, as shown: the operator's, the answers (Markdown source), tables and notices."""
    from console.tui.chat import message_text

    return "\n".join(message_text(widget) for widget in app.query_one("#chat-log").children)


async def typed_plan(pilot: Pilot[None], title: str, commands: str) -> ApprovalScreen:
    """Manual mode's `/plan TITLE` with `commands` (one per line) typed into the editor and submitted; returns
    the plan's approval dialog."""
    app = pilot.app
    await say(pilot, f"/plan {title}")
    await wait_for(pilot, lambda: app.screen.query("#plan-body"))
    app.screen.query_one("#plan-body").text = commands  # type: ignore[attr-defined]
    await pilot.press("ctrl+s")
    return await dialog(pilot)
