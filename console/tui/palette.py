"""hitl's commands in the command palette (`ctrl+p`), next to Textual's own system commands.

Switch host, open the rollback timeline or the hosts screen, toggle read-only, switch theme, export the
audit log, show approval statistics. Every command goes through the session (read-only is enforced there),
so the palette adds no rule of its own. The provider finds the session through `ConsoleApp`, the little it
needs from the app, so it works with any app that exposes a runtime.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Protocol, runtime_checkable

from textual.app import InvalidThemeError
from textual.command import DiscoveryHit, Hit, Hits, Provider

from console.core.memory import MemoryStoreError
from console.core.private_files import make_private_dir
from console.core.runtime import Runtime
from console.core.session import SessionError
from console.tui.messages import HostSwitched, ReadOnlyChanged
from console.tui.screens.hosts import HostsScreen
from console.tui.screens.timeline import TimelineScreen


@runtime_checkable
class ConsoleApp(Protocol):
    """What the palette needs from the app: the runtime of the open session (None while none is open)."""

    @property
    def runtime(self) -> Runtime | None: ...


@dataclass(frozen=True, slots=True)
class Command:
    title: str
    help: str
    run: Callable[[], object]
    discover: bool = True
    """Listed when the palette opens with an empty query (per-host and per-theme commands are found by
    typing)."""


def export_audit_log(runtime: Runtime, *, now: datetime | None = None) -> Path:
    """Write the whole audit log as JSON Lines to `<data dir>/audit-exports/`, atomically; returns the path."""
    stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
    directory = runtime.hosts.paths.data_dir / "audit-exports"
    make_private_dir(directory)
    target = directory / f"audit-{stamp}.jsonl"
    fd, temp = tempfile.mkstemp(dir=directory, prefix=".audit-", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.writelines(runtime.memory.export_audit("jsonl"))
        os.chmod(temp, 0o600)
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return target


class HitlCommands(Provider):
    """The palette's hitl commands."""

    def _runtime(self) -> Runtime | None:
        app = self.app
        return app.runtime if isinstance(app, ConsoleApp) else None

    def commands(self) -> Iterator[Command]:
        runtime = self._runtime()
        if runtime is not None:
            session = runtime.session
            yield Command("Rollback timeline", "Browse rollback points and roll one back", self._timeline)
            yield Command("Hosts", "List hosts, check connectivity, add a host", self._hosts)
            state = "off" if session.read_only else "on"
            yield Command(
                f"Read-only mode: turn {state}",
                "Refuse (or allow again) every WRITE and DESTRUCTIVE command",
                self._toggle_read_only,
            )
            yield Command("Export audit log", "Write the audit log as JSON Lines to a file", self._export)
            yield Command("Approval statistics", "Approval rate, median decision time, fast approvals", self._stats)
            for name in runtime.hosts.names():
                current = " (current)" if name == session.current_host else ""
                yield Command(
                    f"Switch host: {name}{current}", f"Make {name} the current host", partial(self._switch, name), False
                )
        for theme in sorted(self.app.available_themes):
            yield Command(f"Theme: {theme}", f"Switch to the {theme} theme", partial(self._theme, theme), False)

    async def discover(self) -> Hits:
        for command in self.commands():
            if command.discover:
                yield DiscoveryHit(command.title, command.run, help=command.help)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for command in self.commands():
            score = matcher.match(command.title)
            if score > 0:
                yield Hit(score, matcher.highlight(command.title), command.run, help=command.help)

    # --- the commands ------------------------------------------------------------------------------------

    def _timeline(self) -> None:
        runtime = self._runtime()
        if runtime is not None:
            self.app.push_screen(TimelineScreen.for_runtime(runtime))

    def _hosts(self) -> None:
        runtime = self._runtime()
        if runtime is not None:
            self.app.push_screen(HostsScreen.for_runtime(runtime))

    def _switch(self, name: str) -> None:
        runtime = self._runtime()
        if runtime is None:
            return
        try:
            info = runtime.session.set_host(name)
        except SessionError as error:
            self.app.notify(str(error), title="Host not changed", severity="error")
            return
        self.app.post_message(HostSwitched(info))
        self.app.notify(f"Current host: {info.name}", title="Host")

    def _toggle_read_only(self) -> None:
        runtime = self._runtime()
        if runtime is None:
            return
        session = runtime.session
        session.set_read_only(not session.read_only)
        self.app.post_message(ReadOnlyChanged(session.read_only))
        state = "on: WRITE and DESTRUCTIVE commands are refused" if session.read_only else "off"
        self.app.notify(f"Read-only mode {state}", title="Read-only")

    def _theme(self, name: str) -> None:
        try:
            self.app.theme = name
        except InvalidThemeError:
            self.app.notify(f"theme {name!r} is not available", title="Theme", severity="error")

    def _export(self) -> None:
        runtime = self._runtime()
        if runtime is None:
            return
        try:
            path = export_audit_log(runtime)
        except (OSError, MemoryStoreError) as error:
            self.app.notify(f"cannot export the audit log: {error}", title="Audit log", severity="error")
            return
        self.app.notify(f"Exported to {path}", title="Audit log", timeout=15)

    def _stats(self) -> None:
        runtime = self._runtime()
        if runtime is not None:
            self.app.notify(runtime.session.stats.summary(), title="Approval statistics", timeout=10)
