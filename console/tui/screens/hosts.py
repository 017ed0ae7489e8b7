"""The hosts screen (`ctrl+o`): the inventory, the current host, a connectivity check, and "add host".

Enter makes the highlighted host the session's current host (and tells the app, so the status bar follows);
`c` connects to it afresh and reports reachability, latency, OS and passwordless sudo (an unknown host key
brings up the trust dialog); `a` opens a form that appends a new host to hosts.toml.
"""

from __future__ import annotations

from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, DataTable, Footer, Input, Label, Static

from console.core.approval import TrustPrompt
from console.core.errors import HitlError
from console.core.hosts import InventoryHosts, NewHost
from console.core.runtime import Runtime
from console.core.session import Session
from console.core.textsafe import shown, shown_line
from console.core.views import HostInfo
from console.tui.screens.trust import tui_trust_prompt
from console.tui.text import plain, toast

CURRENT = "●"


class HostsScreen(Screen[str | None]):
    """Dismisses with the name of the host picked with Enter, or None when closed."""

    HELP_TITLE = "hosts"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("c", "check", "Check connectivity", id="hosts.check"),
        Binding("a", "add", "Add host", id="hosts.add"),
        Binding("escape", "close", "Close", id="hosts.close"),
    ]

    DEFAULT_CSS = """
    HostsScreen {
        layout: vertical;
    }
    HostsScreen #hosts-title {
        padding: 0 1;
        text-style: bold;
        color: $primary;
    }
    HostsScreen #hosts-table {
        height: 1fr;
        border: round $secondary 50%;
    }
    HostsScreen #hosts-detail {
        height: auto;
        min-height: 5;
        border: round $secondary 50%;
        padding: 0 1;
    }
    """

    def __init__(self, session: Session, hosts: InventoryHosts, *, trust_prompt: TrustPrompt | None = None) -> None:
        """`trust_prompt` answers unknown host keys met by the connectivity check (default: the dialog)."""
        super().__init__()
        self.session = session
        self.hosts = hosts
        self._trust_prompt = trust_prompt
        self._specs: list[HostInfo] = []

    @classmethod
    def for_runtime(cls, runtime: Runtime) -> HostsScreen:
        return cls(runtime.session, runtime.hosts)

    def compose(self) -> ComposeResult:
        yield Label("Hosts — Enter: make current", id="hosts-title")
        table: DataTable[object] = DataTable(id="hosts-table", cursor_type="row", zebra_stripes=True)
        table.add_column(" ", key="current")
        for label in ("Name", "Address", "Labels", "Policy", "Source"):
            table.add_column(label, key=label.lower())
        yield table
        yield Static(id="hosts-detail")
        yield Footer()

    def on_mount(self) -> None:
        self.render_hosts(select=self.session.current_host)
        self.query_one(DataTable).focus()
        warnings = self.hosts.warnings
        if warnings:
            self.query_one("#hosts-detail", Static).update(plain(shown("\n".join(warnings)), "yellow"))

    def render_hosts(self, *, select: str | None = None) -> None:
        table: DataTable[object] = self.query_one(DataTable)
        keep = select or self.selected_name
        self._specs = self.hosts.all()
        table.clear()
        for spec in self._specs:
            current = spec.name == self.session.current_host
            cells = (
                plain(shown(CURRENT if current else "")),
                plain(shown_line(spec.name), "bold" if current else ""),
                plain(shown_line(spec.address)),
                plain(shown_line(", ".join(spec.labels) or "-")),
                plain(shown_line(spec.policy or "-")),
                plain(shown_line(spec.source)),
            )
            table.add_row(*cells, key=spec.name)
        names = [spec.name for spec in self._specs]
        table.move_cursor(row=names.index(keep) if keep in names else 0)

    @property
    def selected(self) -> HostInfo | None:
        row = self.query_one(DataTable).cursor_row
        return self._specs[row] if 0 <= row < len(self._specs) else None

    @property
    def selected_name(self) -> str | None:
        spec = self.selected
        return spec.name if spec else None

    # --- pick the current host ---------------------------------------------------------------------------

    @on(DataTable.RowSelected, "#hosts-table")
    def _picked(self, event: DataTable.RowSelected) -> None:
        spec = self.selected
        if spec is None:
            return
        try:
            info = self.session.set_host(spec.name)
        except HitlError as error:
            toast(self, shown_line(str(error)), title=shown("Host not changed"), severity="error")
            return
        toast(self, shown_line(f"Current host: {info.name}"), title=shown("Host"))
        self.dismiss(info.name)

    # --- connectivity ------------------------------------------------------------------------------------

    def action_check(self) -> None:
        spec = self.selected
        if spec is None:
            return
        self.query_one("#hosts-detail", Static).update(plain(shown_line(f"Checking {spec.name}…"), "italic"))
        self._check(spec)

    @work(group="hosts-check", exclusive=True, exit_on_error=False)
    async def _check(self, spec: HostInfo) -> None:
        prompt = self._trust_prompt or tui_trust_prompt(self.app)
        result = await self.hosts.probe(spec.name, trust_prompt=prompt)
        style = "green" if result.reachable else "bold red"
        policy = self.session.settings.read_confinement
        self.query_one("#hosts-detail", Static).update(plain(shown("\n".join(result.lines(policy))), style))

    # --- add a host --------------------------------------------------------------------------------------

    def action_add(self) -> None:
        self.app.push_screen(AddHostDialog(self.hosts), self._added)

    def _added(self, info: HostInfo | None) -> None:
        if info is None:
            return
        self.render_hosts(select=info.name)
        toast(self, shown_line(f"{info.name} added to {self.hosts.hosts_file}"), title=shown("Host added"))

    def action_close(self) -> None:
        self.dismiss(None)


FIELDS = (
    ("name", "Name", "web-1"),
    ("hostname", "Hostname", "web-1.example.com or 10.0.0.5"),
    ("port", "Port", "22"),
    ("user", "User", "from ~/.ssh/config, else your login name"),
    ("identity_file", "Identity file", "~/.ssh/id_ed25519 (empty: ssh-agent and default keys)"),
    ("labels", "Labels", "prod, web (comma separated)"),
)


class AddHostDialog(ModalScreen[HostInfo | None]):
    """A form for a new `[hosts.NAME]` entry, added by the host directory (which checks it and reads the
    inventory again). Errors are shown in the form, which keeps what was typed."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="add-host.cancel"),
    ]

    DEFAULT_CSS = """
    AddHostDialog {
        align: center middle;
    }
    AddHostDialog #add-host-box {
        width: 76;
        max-width: 100%;
        height: auto;
        border: thick $primary;
        background: $surface;
        padding: 1 2;
    }
    AddHostDialog .add-host-row {
        height: auto;
    }
    AddHostDialog .add-host-row Label {
        width: 16;
        padding: 1 1 0 0;
    }
    AddHostDialog .add-host-row Input {
        width: 1fr;
    }
    AddHostDialog #add-host-error {
        color: $error;
        text-style: bold;
    }
    AddHostDialog #add-host-buttons {
        height: auto;
        align-horizontal: right;
    }
    """

    def __init__(self, hosts: InventoryHosts) -> None:
        super().__init__()
        self.hosts = hosts

    def compose(self) -> ComposeResult:
        with Vertical(id="add-host-box"):
            yield Label(plain(shown_line(f"Add a host to {self.hosts.hosts_file}")))
            for key, label, placeholder in FIELDS:
                with Horizontal(classes="add-host-row"):
                    yield Label(label)
                    yield Input(placeholder=placeholder, id=f"add-host-{key}")
            yield Label("", id="add-host-error")
            with Horizontal(id="add-host-buttons"):
                yield Button("Cancel", id="add-host-cancel")
                yield Button("Add", variant="primary", id="add-host-save")

    def on_mount(self) -> None:
        self.query_one("#add-host-name", Input).focus()

    def _value(self, key: str) -> str:
        return self.query_one(f"#add-host-{key}", Input).value

    @on(Button.Pressed, "#add-host-save")
    @on(Input.Submitted)
    def _save(self, event: Button.Pressed | Input.Submitted) -> None:
        event.stop()
        host = NewHost(**{key: self._value(key) for key, _, _ in FIELDS})
        try:
            info = self.hosts.add(host)
        except HitlError as error:
            self.query_one("#add-host-error", Label).update(plain(shown_line(str(error))))
            return
        self.dismiss(info)

    @on(Button.Pressed, "#add-host-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
