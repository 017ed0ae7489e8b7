"""The hosts screen and the trust-on-first-use dialog, against a real hosts.toml and real sshd servers."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.app import App, ComposeResult
from textual.widgets import Input, Static

from console.core.paths import Paths, resolve_paths
from console.core.transport.base import RunResult
from console.core.transport.errors import TransportError
from console.core.transport.factory import open_transport
from console.core.transport.inventory import HostSpec
from console.core.transport.trust import TrustRequest
from console.tui.screens.trust import TrustDialog, tui_trust_prompt
from tests.fixtures.sshd import SshdServer
from tests.tui.screens_support import ThemedApp, wait_for


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


def test_trust_dialog_snapshot(snap_compare) -> None:
    assert snap_compare(ThemedApp(lambda: TrustDialog(TRUST_REQUEST)), terminal_size=(100, 24))
