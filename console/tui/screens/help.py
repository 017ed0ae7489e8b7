"""F1 (and `?` where it is not typed as text): the keys of the screen it was opened from, as a table.

The rows are the bindings active on that screen at that moment (`Screen.active_bindings`: the focused widget's,
the screen's and the app's, disabled ones marked), plus what the screen says can be typed there (`HELP_TYPED`),
so the table is always the truth for the screen the operator is on.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from console.core.textsafe import shown, shown_line
from console.tui.text import plain, table

HelpRow = tuple[str, str]
KEY_NAMES = {
    "question_mark": "?",
    "slash": "/",
    "escape": "Esc",
    "pagedown": "PgDn",
    "pageup": "PgUp",
    "enter": "Enter",
    "up": "Up",
    "down": "Down",
    "left": "Left",
    "right": "Right",
    "home": "Home",
    "end": "End",
    "tab": "Tab",
}


def key_name(key: str) -> str:
    """A key as people write it: `ctrl+t`, `F1`, `?`, `Esc`."""
    if key in KEY_NAMES:
        return KEY_NAMES[key]
    if key.startswith("f") and key[1:].isdigit():
        return key.upper()
    return key


def screen_keys(screen: Screen[object]) -> list[HelpRow]:
    """The keys that act on `screen` now: (keys, what they do), one row per action, disabled ones marked."""
    by_action: dict[str, tuple[list[str], str, bool]] = {}
    for active in screen.active_bindings.values():
        binding = active.binding
        if not binding.description or (binding.id is None and binding.action != "command_palette"):
            continue
        keys, _, _ = by_action.setdefault(binding.action, ([], binding.description, active.enabled))
        keys.append(binding.key_display or key_name(binding.key))
    return [(", ".join(keys), what + ("" if enabled else " (not now)")) for keys, what, enabled in by_action.values()]


Section = tuple[str, str, Sequence[HelpRow]]
"""A table of its own: title, the name of its first column, rows."""


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,f1,question_mark", "close", "Close", id="help.close"),
    ]
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen #help-box { width: 90%; max-width: 110; height: auto; max-height: 100%; border: thick $primary;
        background: $surface; padding: 0 1; }
    """

    def __init__(self, title: str, keys: Sequence[HelpRow], sections: Sequence[Section] = ()) -> None:
        """`keys` are the screen's bindings; `sections` more tables (what can be typed, a pane's own keys)."""
        super().__init__()
        self._title = title
        self._keys = keys
        self._sections = sections

    @classmethod
    def for_screen(cls, screen: Screen[object], title: str, sections: Sequence[Section] = ()) -> HelpScreen:
        return cls(title, screen_keys(screen), sections)

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-box"):
            yield Static(self._table(f"Keys: {self._title}", ("Key", "What it does"), self._keys))
            for title, first_column, rows in self._sections:
                yield Static(self._table(title, (first_column, "What it does"), rows))
            yield Static(plain(shown("Esc closes this help."), "italic"))

    @staticmethod
    def _table(title: str, columns: tuple[str, str], rows: Sequence[HelpRow]) -> Table:
        cells = [[plain(shown_line(key), "bold"), plain(shown_line(what))] for key, what in rows]
        return table([shown_line(column) for column in columns], cells, title=shown_line(title))

    def action_close(self) -> None:
        self.dismiss(None)
