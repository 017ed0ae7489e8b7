"""A whole long text on its own screen: the full diff or output behind a dialog's "N more lines: d to view".

Read-only and scrollable with the keyboard (arrows, PgUp/PgDn, Home/End, left/right for long lines); Esc or q
goes back to the dialog, which is still waiting for its answer.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import ScrollableContainer, Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, Static

from console.core.textsafe import shown_line
from console.tui.text import plain


class TextViewer(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "close", "Back", id="viewer.close"),
    ]
    DEFAULT_CSS = """
    TextViewer { align: center middle; }
    TextViewer #viewer-box { width: 100%; height: 100%; border: thick $secondary; background: $surface; }
    TextViewer #viewer-title { text-style: bold; padding: 0 1; height: auto; }
    TextViewer #viewer-body { height: 1fr; }
    TextViewer #viewer-text { width: auto; padding: 0 1; }
    """

    def __init__(self, title: str, body: Text) -> None:
        """`title` is untrusted words (rendered here); `body` was rendered by the caller."""
        super().__init__()
        self._title = title
        body = body.copy()
        body.no_wrap = True  # long lines scroll sideways (left/right) instead of wrapping out of shape
        self._body = body

    def compose(self) -> ComposeResult:
        body = self._body
        with Vertical(id="viewer-box"):
            yield Static(plain(shown_line(self._title)), id="viewer-title")
            with ScrollableContainer(id="viewer-body"):
                yield Static(body, id="viewer-text")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#viewer-body").focus()

    def action_close(self) -> None:
        self.dismiss(None)
