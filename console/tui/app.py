"""The hitl Textual application."""

from __future__ import annotations

from typing import ClassVar

from textual import events
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Footer, Input

from console.core.config import Settings
from console.core.themes import ThemeCatalog
from console.tui.screens.approval import ApprovalScreen
from console.tui.theming import TIER_DEFAULTS, to_textual_theme
from console.tui.widgets import ChatPane, HostPane, PlanPane, StatusBar

FALLBACK_THEME = "hitl-dark"


class HitlApp(App[None]):
    """Full-screen console: chat on the left, plan and host output on the right."""

    TITLE = "hitl"
    CSS_PATH = "hitl.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+q", "quit", "Quit", priority=True, id="quit"),
    ]

    def __init__(self, settings: Settings, catalog: ThemeCatalog, *, host: str = "local", mode: str = "manual"):
        super().__init__()
        self.settings = settings
        self._catalog = catalog
        self._theme_problems = list(catalog.errors)
        self._host = host
        self._mode = mode
        for spec in catalog.themes.values():
            try:
                self.register_theme(to_textual_theme(spec))
            except ValueError as error:
                self._theme_problems.append(str(error))
        self.theme = self._initial_theme(settings.theme)
        if settings.keymap:
            self.set_keymap(dict(settings.keymap))

    def _initial_theme(self, wanted: str) -> str:
        if wanted in self.available_themes:
            return wanted
        self._theme_problems.append(f"theme '{wanted}' is not available; using {FALLBACK_THEME}")
        return FALLBACK_THEME

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return dict(TIER_DEFAULTS)

    async def on_event(self, event: events.Event) -> None:
        """Discard keys typed before an approval dialog appeared: they were meant for something else."""
        if (
            isinstance(event, events.Key)
            and not event.is_forwarded
            and isinstance(self.screen, ApprovalScreen)
            and not self.screen.accepts_key(event)
        ):
            return
        await super().on_event(event)

    def compose(self) -> ComposeResult:
        with Horizontal(id="main"):
            yield ChatPane(manual=self._mode == "manual")
            with Vertical(id="side"):
                yield PlanPane(id="plan-pane")
                yield HostPane(id="host-pane")
        status = StatusBar(id="status-bar")
        status.host = self._host
        status.mode = self._mode
        status.read_only = self.settings.read_only
        yield status
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#chat-input", Input).focus()
        for problem in self._theme_problems:
            self.notify(problem, title="Theme", severity="warning", timeout=8)
