"""The hitl Textual application."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Footer, Input

from console.core.config import Settings
from console.core.themes import ThemeCatalog
from console.tui.messages import HostSwitched, ReadOnlyChanged
from console.tui.theming import TIER_DEFAULTS, to_textual_theme
from console.tui.widgets import ChatPane, HostPane, PlanPane, StatusBar

if TYPE_CHECKING:
    from textual.command import Provider

    from console.core.runtime import Runtime

FALLBACK_THEME = "hitl-dark"


def _hitl_commands() -> type[Provider]:
    """The palette provider, imported when the palette first opens (it pulls in the session core)."""
    from console.tui.palette import HitlCommands

    return HitlCommands


class HitlApp(App[None]):
    """Full-screen console: chat on the left, plan and host output on the right."""

    TITLE = "hitl"
    CSS_PATH = "hitl.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+q", "quit", "Quit", priority=True, id="quit"),
        Binding("ctrl+t", "timeline", "Rollbacks", id="timeline"),
        Binding("ctrl+o", "hosts", "Hosts", id="hosts"),
    ]
    COMMANDS = App.COMMANDS | {_hitl_commands}

    runtime: Runtime | None = None
    """The open session (set by the session wiring); the timeline, hosts screen and palette use it."""

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

    # --- rollback timeline, hosts screen, palette messages ------------------------------------------------

    def action_timeline(self) -> None:
        if self.runtime is None:
            self.notify("No session is open yet.", title="Rollback timeline", severity="warning")
            return
        from console.tui.screens.timeline import TimelineScreen

        self.push_screen(TimelineScreen.for_runtime(self.runtime))

    def action_hosts(self) -> None:
        if self.runtime is None:
            self.notify("No session is open yet.", title="Hosts", severity="warning")
            return
        from console.tui.screens.hosts import HostsScreen

        self.push_screen(HostsScreen.for_runtime(self.runtime))

    def on_host_switched(self, message: HostSwitched) -> None:
        status = self.query_one(StatusBar)
        status.host = message.info.name
        status.labels = message.info.labels

    def on_read_only_changed(self, message: ReadOnlyChanged) -> None:
        self.query_one(StatusBar).read_only = message.read_only
