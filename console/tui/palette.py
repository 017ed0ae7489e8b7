"""hitl's commands in the command palette (`ctrl+p`), next to Textual's own system commands.

Switch host, open the rollback timeline or the hosts screen, toggle read-only, switch theme, export the
audit log, show approval statistics; with a team store, open the requests waiting for a second operator. Every
entry runs one of the app's own actions (the same ones its key bindings run, checked by its `check_action`), so
the palette adds no behaviour and no rule of its own; it reads the open session only to word its entries (the
current host, whether read-only is on, whether the store is a team's).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import Protocol, runtime_checkable

from textual.command import DiscoveryHit, Hit, Hits, Provider

from console.core.runtime import Runtime
from console.core.textsafe import shown_line
from console.tui.text import marked, plain


@runtime_checkable
class ConsoleApp(Protocol):
    """What the palette needs from the app: the runtime of the open session (None while none is open)."""

    @property
    def runtime(self) -> Runtime | None: ...


@dataclass(frozen=True, slots=True)
class Command:
    title: str
    help: str
    action: str
    """The app action it runs, as a Textual action string."""
    discover: bool = True
    """Listed when the palette opens with an empty query (per-host and per-theme commands are found by
    typing)."""


class HitlCommands(Provider):
    """The palette's hitl commands."""

    def _runtime(self) -> Runtime | None:
        app = self.app
        return app.runtime if isinstance(app, ConsoleApp) else None

    def commands(self) -> Iterator[Command]:
        runtime = self._runtime()
        if runtime is not None:
            session = runtime.session
            yield Command("Rollback timeline", "Browse rollback points and roll one back", "timeline")
            yield Command("Hosts", "List hosts, check connectivity, add a host", "hosts")
            yield Command("Rollouts", "Commands across many hosts: each host's wave, status, output; retry", "fleet")
            state = "off" if session.read_only else "on"
            yield Command(
                f"Read-only mode: turn {state}",
                "Refuse (or allow again) every WRITE and DESTRUCTIVE command",
                "toggle_read_only",
            )
            yield Command("Export audit log", "Write the audit log as JSON Lines to a file", "export_audit")
            yield Command("Approval statistics", "Approval rate, median decision time, fast approvals", "show_stats")
            if runtime.memory.dialect == "postgresql":
                yield Command(
                    "Pending approvals",
                    "Requests of other operators waiting for a second operator (four eyes)",
                    "pending_approvals",
                )
            for name in runtime.hosts.names():
                current = " (current)" if name == session.current_host else ""
                yield Command(
                    f"Switch host: {name}{current}", f"Make {name} the current host", f"switch_host({name!r})", False
                )
        for theme in sorted(self.app.available_themes):
            yield Command(f"Theme: {theme}", f"Switch to the {theme} theme", f"set_theme({theme!r})", False)

    def _run(self, command: Command) -> Callable[[], Awaitable[bool]]:
        return partial(self.app.run_action, command.action)

    async def discover(self) -> Hits:
        for command in self.commands():
            if command.discover:
                title = plain(shown_line(command.title))
                yield DiscoveryHit(title, self._run(command), text=command.title, help=shown_line(command.help))

    async def search(self, query: str) -> Hits:
        """Fuzzy matches, highlighted without reading the title as markup (Textual's `Matcher.highlight` does,
        and a host name comes from ~/.ssh/config)."""
        matcher = self.matcher(query)
        for command in self.commands():
            title = shown_line(command.title)
            score, offsets = matcher.fuzzy_search.match(matcher.query, title)
            if score > 0:
                display = marked(title, offsets, "bold reverse")
                yield Hit(score, display, self._run(command), text=command.title, help=shown_line(command.help))
