"""Messages the screens send to the app, so the main screen (status bar) follows changes made elsewhere."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    from console.core.session import HostInfo


class HostSwitched(Message):
    """The session's current host changed (hosts screen or command palette)."""

    def __init__(self, info: HostInfo) -> None:
        super().__init__()
        self.info = info


class ReadOnlyChanged(Message):
    """Read-only mode was switched on or off in the session."""

    def __init__(self, read_only: bool) -> None:
        super().__init__()
        self.read_only = read_only
