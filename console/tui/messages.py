"""The one way the session's events reach the console: `SessionEvents` is the session's `EventSink`, and posts
each core event to the app as a `SessionUpdate` message; the app's handler updates the status bar and the panes.

The session runs inside the turn's worker, on the app's event loop; posting instead of calling the panes means
no core code ever runs UI code, and every change (whoever made it: the chat, the hosts screen, the palette)
arrives the same way. Output arrives one event per line: lines are gathered and posted once per turn of the
event loop, so a flood costs a few messages rather than one per line, and always ahead of the next other event,
so the order of start, output and finish holds.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    from textual.app import App

    from console.core.events import SessionEvent
    from console.core.outcome import Stream


class SessionUpdate(Message):
    """Something changed in the session (see `console.core.events`)."""

    def __init__(self, event: SessionEvent) -> None:
        super().__init__()
        self.event = event


class SessionEvents:
    """Implements `console.core.events.EventSink` for a Textual app. Made when the session opens (the core's
    modules are imported after the first frame, so this module does not import them at its top)."""

    def __init__(self, app: App[None]) -> None:
        from console.core.events import OutputLines

        self._app = app
        self._output = OutputLines
        self._lines: list[str] = []
        self._source: tuple[str, Stream] | None = None
        self._scheduled = False

    def __call__(self, event: SessionEvent) -> None:
        if isinstance(event, self._output):  # the hot path
            source = (event.host, event.stream)
            if source != self._source:
                self.flush()
                self._source = source
            self._lines.extend(event.lines)
            if not self._scheduled:
                self._scheduled = True
                asyncio.get_running_loop().call_soon(self.flush)
            return
        self.flush()
        self._app.post_message(SessionUpdate(event))

    def flush(self) -> None:
        """Post the output gathered so far."""
        self._scheduled = False
        if self._lines and self._source is not None:
            host, stream = self._source
            lines, self._lines = self._lines, []
            self._app.post_message(SessionUpdate(self._output(host=host, stream=stream, lines=tuple(lines))))
