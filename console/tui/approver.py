"""`TuiApprover`: the session's `Approver` port answered with the modal dialogs.

The session runs inside a Textual worker (the chat turn), so `review` can await the dialog with
`push_screen_wait`. Keys the operator typed before the dialog appeared are not taken as an answer: those still
in the terminal's input queue are flushed here, those already read are discarded by the app
(`ApprovalScreen.accepts_key`). How many requests wait is the session's to say (`PendingApprovals` events).
"""

from __future__ import annotations

import sys
import termios
from typing import TYPE_CHECKING

from textual.app import App

if TYPE_CHECKING:
    from console.core.approval import ApprovalRequest, Decision


def flush_terminal_input() -> None:
    """Drop keys typed ahead that the terminal has not delivered yet (no-op without a terminal)."""
    stream = sys.__stdin__
    try:
        if stream is not None and stream.isatty():
            termios.tcflush(stream.fileno(), termios.TCIFLUSH)
    except (OSError, ValueError, termios.error):
        pass


class TuiApprover:
    """Implements `console.core.approval.Approver`."""

    def __init__(self, app: App[None]) -> None:
        self._app = app

    async def review(self, request: ApprovalRequest) -> Decision:
        from console.tui.screens.approval import screen_for

        screen = screen_for(request)
        if not self._app.is_headless:
            flush_terminal_input()
        try:
            decision = await self._app.push_screen_wait(screen)
        finally:
            if screen.is_attached and screen in self._app.screen_stack:
                # The turn was cancelled while the dialog was open: take it away, unanswered.
                screen.dismiss(None)
        if decision is None:
            from console.core.approval import Decision

            return Decision.reject("the dialog was closed without an answer")
        return decision
