"""The hosts screen and the trust-on-first-use dialog, against a real hosts.toml and real sshd servers."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from textual.app import App, ComposeResult
from textual.widgets import DataTable, Input, Label, Static

from console.core.paths import Paths, resolve_paths
from console.core.transport.base import RunResult
from console.core.transport.errors import TransportError
from console.core.transport.factory import open_transport
from console.core.transport.inventory import HostSpec
from console.core.transport.trust import TrustRequest
from console.tui.screens.hosts import CURRENT, AddHostDialog, HostsScreen
from console.tui.screens.trust import TrustDialog, tui_trust_prompt
from console.tui.widgets import StatusBar
from tests.fixtures.sshd import SshdServer
from tests.support.session import RuntimeFactory, ScriptedApprover
from tests.tui.pilot import wait_for
from tests.tui.screens_support import ThemedApp


@pytest.fixture
def paths(hitl_home: Path) -> Paths:
    return resolve_paths({"HITL_HOME": str(hitl_home)})


def unknown_key_spec(server: SshdServer, tmp_path: Path) -> HostSpec:
    """A host whose key is in no known_hosts file hitl consults."""
    empty = tmp_path / "empty_known_hosts"
    empty.write_text("")
    return HostSpec(
        name="fresh",
        hostname=server.hostname,
        port=server.port,
        user=server.user,
        identity_file=str(server.client_key),
        known_hosts=str(empty),
        source="test",
    )


def known_hosts_line(server: SshdServer) -> str:
    """The line hitl records for the server's host key."""
    key_type, public_key = Path(f"{server.host_key}.pub").read_text().split()[:2]
    return f"[{server.hostname}]:{server.port} {key_type} {public_key}"


class ConnectApp(App[None]):
    """Connects to one host in a worker, answering trust requests with the TUI prompt."""

    def __init__(self, spec: HostSpec, paths: Paths) -> None:
        super().__init__()
        self.spec = spec
        self.paths = paths
        self.outcome: RunResult | TransportError | None = None

    def compose(self) -> ComposeResult:
        yield Static("connecting")

    def on_mount(self) -> None:
        self.run_worker(self._connect(), exit_on_error=False)

    async def _connect(self) -> None:
        transport = open_transport(self.spec, self.paths, tui_trust_prompt(self))
        try:
            self.outcome = await transport.run("echo connected", timeout=20)
        except TransportError as error:
            self.outcome = error
        finally:
            await transport.close()


async def _answer_trust(server: SshdServer, paths: Paths, tmp_path: Path, *keys: str) -> ConnectApp:
    app = ConnectApp(unknown_key_spec(server, tmp_path), paths)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, TrustDialog) and isinstance(app.focused, Input))
        dialog = app.screen
        assert isinstance(dialog, TrustDialog)
        shown = str(dialog.query_one("#trust-details", Static).render())
        assert dialog.request.fingerprint.startswith("SHA256:")
        assert dialog.request.fingerprint in shown
        assert "fresh" in shown and dialog.request.key_type in shown
        assert isinstance(app.focused, Input)
        await pilot.press(*keys)
        await wait_for(pilot, lambda: app.outcome is not None)
    return app


async def test_trust_dialog_accepts_typed_yes_and_records_the_key(sshd_factory, paths: Paths, tmp_path: Path) -> None:
    server = sshd_factory()
    app = await _answer_trust(server, paths, tmp_path, "y", "e", "s", "enter")
    assert isinstance(app.outcome, RunResult)
    assert app.outcome.ok and app.outcome.stdout == "connected\n"
    assert known_hosts_line(server) in paths.known_hosts_file.read_text()


@pytest.mark.parametrize(
    "keys",
    [
        ("enter",),  # Enter on an empty input
        ("n", "o", "enter"),
        ("Y", "E", "S", "enter"),
        ("y", "enter"),
        ("escape",),
    ],
    ids=["empty-enter", "no", "upper-case", "y-only", "escape"],
)
async def test_trust_dialog_refuses_anything_but_yes(
    sshd_factory, paths: Paths, tmp_path: Path, keys: tuple[str, ...]
) -> None:
    server = sshd_factory()
    app = await _answer_trust(server, paths, tmp_path, *keys)
    assert isinstance(app.outcome, TransportError | RunResult)
    if isinstance(app.outcome, RunResult):
        assert not app.outcome.ok
        assert "host key" in (app.outcome.error or "")
    assert not paths.known_hosts_file.exists()


TRUST_REQUEST = TrustRequest(
    host="db-primary",
    hostname="10.20.30.40",
    port=2222,
    key_type="ssh-ed25519",
    fingerprint="SHA256:n2bV7Tq0cU0m7G0Q3ZzA1wq8kJ3u0H6YtK1d9xPq2s4",
    known_hosts_file=Path("/home/operator/.config/hitl/known_hosts"),
)


@pytest.mark.parametrize("size", [pytest.param((80, 24), id="80x24"), pytest.param((160, 48), id="160x48")])
def test_trust_dialog_snapshot(snap_compare, size: tuple[int, int]) -> None:
    async def still(pilot) -> None:  # type: ignore[no-untyped-def]
        pilot.app.screen.query_one(Input).cursor_blink = False
        await pilot.pause()

    assert snap_compare(ThemedApp(lambda: TrustDialog(TRUST_REQUEST)), terminal_size=size, run_before=still)


HOSTS_TOML = """\
# Production hosts — keep this comment
[hosts.web-1]
hostname = "10.0.0.5"
user = "deploy"
labels = ["prod", "web"]

[hosts.db-1]
hostname = "10.0.0.6"
port = 2222
policy = "read-only"
"""


def host_rows(screen: HostsScreen) -> list[str]:
    return [str(row.key.value) for row in screen.query_one(DataTable).ordered_rows]


def host_cell(screen: HostsScreen, name: str, column: str) -> str:
    return str(screen.query_one(DataTable).get_cell(name, column))


@pytest.fixture
def hosts_toml(hitl_home: Path) -> Path:
    path = hitl_home / "hosts.toml"
    path.write_text(HOSTS_TOML)
    return path


async def test_hosts_screen_lists_the_inventory(hosts_toml: Path, make_runtime: RuntimeFactory) -> None:
    rt = make_runtime(ScriptedApprover())
    app = ThemedApp(lambda: HostsScreen(rt.session, rt.hosts))
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, HostsScreen))
        screen = app.screen
        assert isinstance(screen, HostsScreen)
        names = host_rows(screen)
        assert names[:3] == ["local", "web-1", "db-1"]
        assert screen.selected_name == "local"
        assert host_cell(screen, "local", "current") == CURRENT
        assert host_cell(screen, "web-1", "address") == "deploy@10.0.0.5"
        assert host_cell(screen, "web-1", "labels") == "prod, web"
        assert host_cell(screen, "db-1", "address") == "10.0.0.6:2222"
        assert host_cell(screen, "db-1", "policy") == "read-only"
        assert host_cell(screen, "db-1", "source") == str(hosts_toml)
        assert host_cell(screen, "local", "source") == "built-in"


async def test_picking_a_host_makes_it_current_and_updates_the_status_bar(
    make_app, hosts_toml: Path, make_runtime: RuntimeFactory
) -> None:
    rt = make_runtime(ScriptedApprover())
    app = make_app()
    app.runtime = rt
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("ctrl+o")
        await wait_for(pilot, lambda: isinstance(app.screen, HostsScreen))
        await pilot.press("down", "enter")
        await wait_for(pilot, lambda: not isinstance(app.screen, HostsScreen))
        assert rt.session.current_host == "web-1"
        status = app.query_one(StatusBar)
        await wait_for(pilot, lambda: status.host == "web-1")
        assert status.labels == ("prod", "web")
        assert "host: web-1" in str(status.render())


async def fill_form(pilot, app: ThemedApp, **values: str) -> None:  # type: ignore[no-untyped-def]
    """The name is typed key by key; the other fields are set directly (typing them all is slow)."""
    dialog = app.screen
    assert isinstance(dialog, AddHostDialog)
    name = dialog.query_one("#add-host-name", Input)
    name.focus()
    name.value = ""
    await pilot.press(*values.get("name", ""))
    assert name.value == values.get("name", "")
    for key in ("hostname", "port", "user", "identity_file", "labels"):
        dialog.query_one(f"#add-host-{key}", Input).value = values.get(key, "")
    await pilot.pause()


async def test_add_host_appends_to_hosts_toml_and_refuses_bad_input(
    hosts_toml: Path, make_runtime: RuntimeFactory
) -> None:
    before = hosts_toml.read_text()
    rt = make_runtime(ScriptedApprover())
    app = ThemedApp(lambda: HostsScreen(rt.session, rt.hosts))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, HostsScreen))
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, AddHostDialog) and app.focused is not None)

        # A duplicate name is refused with a clear message; nothing is written; the form keeps its values.
        await fill_form(pilot, app, name="web-1", hostname="10.9.9.9")
        await pilot.press("enter")
        error = app.screen.query_one("#add-host-error", Label)
        assert "already" in str(error.render()) and "web-1" in str(error.render())
        assert hosts_toml.read_text() == before
        assert app.screen.query_one("#add-host-hostname", Input).value == "10.9.9.9"

        await fill_form(pilot, app, name="cache-1", hostname="10.0.0.7", port="70000")
        await pilot.press("enter")
        assert "port" in str(app.screen.query_one("#add-host-error", Label).render())
        assert hosts_toml.read_text() == before

        await fill_form(
            pilot,
            app,
            name="cache-1",
            hostname="10.0.0.7",
            port="2200",
            user="ops",
            identity_file="~/.ssh/id_cache",
            labels="prod, cache",
        )
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, HostsScreen))
        screen = app.screen
        assert isinstance(screen, HostsScreen)
        assert "cache-1" in host_rows(screen)
        assert screen.selected_name == "cache-1"
    text = hosts_toml.read_text()
    assert text.startswith(before)  # the comment and the existing hosts are kept as they were
    data = tomllib.loads(text)
    assert data["hosts"]["cache-1"] == {
        "hostname": "10.0.0.7",
        "port": 2200,
        "user": "ops",
        "identity_file": "~/.ssh/id_cache",
        "labels": ["prod", "cache"],
    }
    assert set(data["hosts"]) == {"web-1", "db-1", "cache-1"}
    assert rt.session.set_host("cache-1").labels == ("prod", "cache")
    assert [p.name for p in hosts_toml.parent.iterdir() if p.name.endswith(".tmp")] == []


async def test_check_connectivity_asks_trust_for_an_unknown_key_and_reports(
    sshd_factory, hitl_home: Path, tmp_path: Path, make_runtime: RuntimeFactory
) -> None:
    server = sshd_factory()
    spec = unknown_key_spec(server, tmp_path)
    (hitl_home / "hosts.toml").write_text(
        server.host_entry("fresh").replace(str(server.known_hosts), str(spec.known_hosts))
        + '\n[hosts.nowhere]\nhostname = "127.0.0.1"\nport = 9\n'
    )
    rt = make_runtime(ScriptedApprover())
    paths = resolve_paths()
    app = ThemedApp(lambda: HostsScreen(rt.session, rt.hosts))
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, HostsScreen))
        screen = app.screen
        assert isinstance(screen, HostsScreen)
        detail = screen.query_one("#hosts-detail", Static)
        await pilot.press("down")
        assert screen.selected_name == "fresh"
        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(app.screen, TrustDialog) and isinstance(app.focused, Input))
        await pilot.press(*"yes", "enter")
        await wait_for(pilot, lambda: "reachable" in str(detail.render()))
        report = str(detail.render())
        assert "fresh: reachable, round trip" in report
        assert "os: " in report and "passwordless sudo: " in report
        assert "read confinement: mount namespace" in report
        assert known_hosts_line(server) in paths.known_hosts_file.read_text()

        await pilot.press("down")
        assert screen.selected_name == "nowhere"
        await pilot.press("c")
        await wait_for(pilot, lambda: "unreachable" in str(detail.render()))
        assert str(detail.render()).startswith("nowhere: unreachable")
