"""Finding text in the output and the chat: `/` (or F3) opens the bar under the panes, Enter finds the newest
match, Enter again the one before it (from the newest again once there is none), Esc closes it."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widget import Widget
from textual.widgets import Input, Label

from console.core.textsafe import shown_line
from console.tui.text import plain

if TYPE_CHECKING:
    from console.tui.chat import ChatPane
    from console.tui.output_pane import HostPane


class SearchBar(Horizontal):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "close", "Close search", id="search.close")]

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._needle = ""
        self._row: int | None = None
        self._message: Widget | None = None

    def compose(self) -> ComposeResult:
        yield Label("Find:", id="search-label")
        yield Input(placeholder="text in the output and the chat (Enter: the one before)", id="search-input")
        yield Label("", id="search-result")

    @property
    def _panes(self) -> tuple[HostPane, ChatPane]:
        from console.tui.chat import ChatPane
        from console.tui.output_pane import HostPane

        return self.screen.query_one(HostPane), self.screen.query_one(ChatPane)

    def open(self) -> None:
        self.remove_class("hidden")
        self.query_one("#search-input", Input).focus()

    def action_close(self) -> None:
        self.add_class("hidden")
        output, chat = self._panes
        output.clear_search()
        self._needle, self._row, self._message = "", None, None
        chat.input.focus()

    @on(Input.Submitted, "#search-input")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        needle = event.value.strip()
        if not needle:
            return
        output, chat = self._panes
        again = needle == self._needle
        self._needle = needle
        row = output.find(needle, self._row if again else None)
        message = chat.find(needle, self._message if again else None)
        if row is None and message is None and again:  # past the oldest: from the newest again
            row, message = output.find(needle), chat.find(needle)
        self._row, self._message = row, message
        found = [f"output row {row + 1}"] if row is not None else []
        if message is not None:
            found.append("a chat message")
        words = ("found in " + " and ".join(found) + " — Enter: the one before") if found else "not found"
        self.query_one("#search-result", Label).update(plain(shown_line(words)))
