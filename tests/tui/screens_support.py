"""Helpers for the Pilot tests of the timeline, hosts and palette screens."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from textual.app import App
from textual.pilot import Pilot
from textual.screen import Screen

from console.core.themes import discover_themes
from console.tui.theming import TIER_DEFAULTS, to_textual_theme


async def wait_for(pilot: Pilot[object], predicate: Callable[[], object], *, timeout: float = 15.0) -> None:
    """Let the app run until `predicate()` holds (workers talk to real hosts, so no fixed sleeps)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {getattr(predicate, '__name__', predicate)}")
        await pilot.pause(0.02)
        await asyncio.sleep(0)


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
