"""A bare themed app for the Pilot tests of the timeline, hosts and palette screens."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.app import App
from textual.screen import Screen

from console.core.themes import discover_themes
from console.tui.theming import TIER_DEFAULTS, to_textual_theme


class ThemedApp(App[None]):
    """A bare app with hitl's themes (and tier variables) that shows one screen: snapshots of a screen then
    do not change when the main screen underneath does."""

    def __init__(self, screen_factory: Callable[[], Screen[Any]] | None = None, theme: str = "hitl-dark") -> None:
        super().__init__()
        for spec in discover_themes(None).themes.values():
            self.register_theme(to_textual_theme(spec))
        self.theme = theme
        self._screen_factory = screen_factory

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return dict(TIER_DEFAULTS)

    def on_mount(self) -> None:
        if self._screen_factory is not None:
            self.push_screen(self._screen_factory())
