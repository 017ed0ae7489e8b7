"""The rollback timeline against rollback points made by real session commands (local and a real sshd)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from textual.widgets import DataTable, Input, Select, Static

from console.core.approval import Decision
from console.core.memory import MemoryStore
from console.core.paths import resolve_paths
from console.core.runtime import Runtime
from console.tui.screens.timeline import TimelineScreen
from tests.fixtures.sshd import SshdServer
from tests.support.session import FAST, RuntimeFactory, ScriptedApprover, approve
from tests.tui.pilot import wait_for
from tests.tui.screens_support import ThemedApp


def shown_keys(screen: TimelineScreen) -> list[str]:
    table = screen.query_one(DataTable)
    return [str(row.key.value) for row in table.ordered_rows]


def cell(screen: TimelineScreen, key: str, column: str) -> str:
    return str(screen.query_one(DataTable).get_cell(key, column))


def detail(screen: TimelineScreen, widget: str) -> str:
    return str(screen.query_one(f"#timeline-{widget}", Static).render())


def notifications(app: ThemedApp) -> list[str]:
    return [f"{n.title}: {n.message}" for n in app._notifications]


async def change(rt: Runtime, host: str, path: Path) -> str:
    """A WRITE through the session (approved): the file's `old` becomes `new`; returns the rollback key."""
    outcome = await rt.session.run_command(host, f"sed -i s/old/new/ {path}")
    assert outcome.ok and outcome.rollback_key, outcome
    return outcome.rollback_key


@pytest.fixture
def files(tmp_path: Path) -> Iterator[list[Path]]:
    made = []
    for name in ("alpha.conf", "beta.conf", "gamma.conf"):
        path = tmp_path / name
        path.write_text(f"{name}: old\n")
        made.append(path)
    yield made


async def test_timeline_lists_newest_first_filters_refuses_expired_and_rolls_back(
    files: list[Path], make_runtime: RuntimeFactory
) -> None:
    alpha, beta, gamma = files
    approver = ScriptedApprover(approve, approve, approve, approve)
    short_lived = make_runtime(approver, replace(FAST, rollback_ttl=1.0))
    expired = await change(short_lived, "local", alpha)
    rt = make_runtime(approver)
    older = await change(rt, "local", beta)
    newest = await change(rt, "local", gamma)
    # What `hitl` does on start: points past their expiry are marked expired (and their blobs collected).
    assert rt.memory.expire_rollback_points(time.time() + 5, resolve_paths().snapshots_dir) == 1

    app = ThemedApp(lambda: TimelineScreen(rt.session))
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, TimelineScreen))
        screen = app.screen
        assert isinstance(screen, TimelineScreen)
        assert shown_keys(screen) == [newest, older, expired]
        assert screen.selected_key == newest
        assert isinstance(app.focused, DataTable)
        assert cell(screen, newest, "tier").strip() == "WRITE"
        assert cell(screen, newest, "status") == "live"
        assert cell(screen, expired, "status") == "expired"
        assert cell(screen, expired, "expires") == "expired"
        assert "dim" in str(screen.query_one(DataTable).get_cell(expired, "command").style)

        # The detail pane: what was captured, and the diff against the current state (from a worker).
        assert str(gamma) in detail(screen, "summary")
        await wait_for(pilot, lambda: "current → captured" in detail(screen, "diff"))
        assert "-gamma.conf: new" in detail(screen, "diff")
        assert "+gamma.conf: old" in detail(screen, "diff")

        # Text filter.
        await pilot.press("slash")
        assert isinstance(app.focused, Input)
        await pilot.press(*"beta", "enter")
        assert shown_keys(screen) == [older]
        assert isinstance(app.focused, DataTable)
        screen.query_one("#timeline-text", Input).value = "no such thing"
        await pilot.pause()
        assert shown_keys(screen) == []
        screen.query_one("#timeline-text", Input).value = ""
        await pilot.pause()
        assert shown_keys(screen) == [newest, older, expired]

        # An expired point stays visible, greyed, and `r` refuses, saying why.
        await pilot.press("down", "down")
        assert screen.selected_key == expired
        await wait_for(pilot, lambda: "No action" in detail(screen, "diff"))
        await pilot.press("r")
        await pilot.pause()
        assert any("expired" in text and expired in text for text in notifications(app))
        assert alpha.read_text() == "alpha.conf: new\n"
        assert len(approver.requests) == 3

        # `r` on a live point: through the session's WRITE approval (showing the diff), file restored.
        await pilot.press("up")
        assert screen.selected_key == older
        await pilot.press("r")
        await wait_for(pilot, lambda: any("Rolled back" in text for text in notifications(app)))
        assert beta.read_text() == "beta.conf: old\n"
        request = approver.requests[-1]
        assert request.kind == "rollback" and older in request.title
        assert request.diff and "+beta.conf: old" in request.diff
        # The rollback left its own point (to undo it) at the top; the restored one is marked.
        keys = shown_keys(screen)
        assert len(keys) == 4 and keys[1:] == [newest, older, expired]
        assert cell(screen, older, "status") == "rolled back"
        assert screen.selected_key == older

        # A point that was rolled back cannot be rolled back twice.
        await pilot.press("r")
        await pilot.pause()
        assert any("rolled back" in text and "only a live point" in text for text in notifications(app))
        assert len(approver.requests) == 4


async def test_rejected_rollback_changes_nothing(files: list[Path], make_runtime: RuntimeFactory) -> None:
    alpha = files[0]
    approver = ScriptedApprover(approve, Decision.reject("not now"))
    rt = make_runtime(approver)
    key = await change(rt, "local", alpha)
    app = ThemedApp(lambda: TimelineScreen(rt.session))
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, TimelineScreen))
        await pilot.press("r")
        await wait_for(pilot, lambda: any("not approved" in text for text in notifications(app)))
        screen = app.screen
        assert isinstance(screen, TimelineScreen)
        assert cell(screen, key, "status") == "live"
    assert alpha.read_text() == "alpha.conf: new\n"


async def test_timeline_over_ssh_host_filter_diff_and_rollback(
    sshd: SshdServer, hitl_home: Path, files: list[Path], make_runtime: RuntimeFactory
) -> None:
    (hitl_home / "hosts.toml").write_text(sshd.host_entry("box"))
    alpha, beta, _ = files
    approver = ScriptedApprover(approve, approve, approve)
    rt = make_runtime(approver)
    remote = await change(rt, "box", alpha)
    local = await change(rt, "local", beta)
    app = ThemedApp(lambda: TimelineScreen(rt.session))
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, TimelineScreen))
        screen = app.screen
        assert isinstance(screen, TimelineScreen)
        assert shown_keys(screen) == [local, remote]
        select = screen.query_one("#timeline-host", Select)
        select.value = "box"
        await pilot.pause()
        assert shown_keys(screen) == [remote]
        assert screen.selected_key == remote
        assert cell(screen, remote, "host") == "box"
        await wait_for(pilot, lambda: "current → captured" in detail(screen, "diff"))
        assert "+alpha.conf: old" in detail(screen, "diff")
        await pilot.press("r")
        await wait_for(pilot, lambda: any("Rolled back" in text for text in notifications(app)))
        assert alpha.read_text() == "alpha.conf: old\n"
        assert beta.read_text() == "beta.conf: new\n"
        select.clear()
        await pilot.pause()
        assert len(shown_keys(screen)) == 3


async def test_diff_errors_are_shown_not_raised(
    hitl_home: Path, files: list[Path], make_runtime: RuntimeFactory
) -> None:
    """A point whose host is no longer in the inventory: the detail pane says so, the screen keeps working."""
    (hitl_home / "hosts.toml").write_text('[hosts.gone]\nhostname = "127.0.0.1"\nport = 9\n')
    rt = make_runtime(ScriptedApprover())
    rt.memory.add_rollback_point(
        key="rb-aaaaaa",
        host="retired",
        action_id=None,
        command="sed -i s/a/b/ /etc/motd",
        tier="WRITE",
        strategies=["files"],
        artifacts={"items": [], "post_commands": []},
        expires_at=time.time() + 3600,
    )
    app = ThemedApp(lambda: TimelineScreen(rt.session))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, TimelineScreen))
        screen = app.screen
        assert isinstance(screen, TimelineScreen)
        await wait_for(pilot, lambda: "Cannot compute" in detail(screen, "diff"))
        assert "retired" in detail(screen, "diff")
        assert app.is_running


FIXED = 1_767_225_600.0  # 2026-01-01 00:00:00 UTC


def fixed_store(path: Path) -> MemoryStore:
    """Points with fixed times and keys, for a snapshot that does not change from run to run."""
    ticks = iter(range(100))
    store = MemoryStore.open(path, clock=lambda: FIXED + 60 * next(ticks), operator="alice@hq")
    rows = [
        ("rb-exp2ab", "db-1", "psql -c 'DELETE FROM sessions WHERE created < now()'", "DESTRUCTIVE", "dump", -3600),
        (
            "rb-k3m9qp",
            "web-1",
            "sed -i 's/worker_processes 1/worker_processes 4/' /etc/nginx/nginx.conf",
            "WRITE",
            "files",
            80000,
        ),
        ("rb-w7x2cd", "web-1", "crontab /tmp/new-crontab", "WRITE", "crontab", 3000),
        ("rb-n4f8gh", "local", "nft -f /etc/nftables.conf", "DESTRUCTIVE", "firewall", 86000),
    ]
    for key, host, command, tier, strategy, ttl in rows:
        data: dict[str, object] = {"tool": "nftables"} if strategy == "firewall" else {}
        store.add_rollback_point(
            key=key,
            host=host,
            action_id=None,
            command=command,
            tier=tier,
            strategies=[strategy],
            artifacts={"items": [{"strategy": strategy, "data": data}], "post_commands": []},
            expires_at=FIXED + ttl,
        )
    store.set_rollback_status("rb-exp2ab", "expired")
    return store


@pytest.mark.parametrize("size", [pytest.param((80, 24), id="80x24"), pytest.param((160, 48), id="160x48")])
def test_timeline_snapshot(
    snap_compare, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, size: tuple[int, int]
) -> None:
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    store = fixed_store(tmp_path / "fixed.sqlite3")
    rt = RuntimeFactory()(ScriptedApprover(), store=store)
    try:
        app = ThemedApp(lambda: TimelineScreen(rt.session, clock=lambda: FIXED + 600))

        async def diff_shown(pilot) -> None:  # type: ignore[no-untyped-def]
            await wait_for(
                pilot, lambda: "current → captured" in str(app.screen.query_one("#timeline-diff", Static).render())
            )

        assert snap_compare(app, terminal_size=size, run_before=diff_shown)
    finally:
        store.close()
        monkeypatch.delenv("TZ")
        time.tzset()
