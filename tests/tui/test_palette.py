"""hitl's command palette provider: each command does what it says, on a real session."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from textual.command import CommandList, CommandPalette
from textual.widgets import Input

from console.core.paths import resolve_paths
from console.tui.app import HitlApp
from console.tui.palette import HitlCommands
from console.tui.screens.hosts import HostsScreen
from console.tui.screens.timeline import TimelineScreen
from console.tui.team import PendingApprovalsScreen
from console.tui.widgets import StatusBar
from tests.fixtures.team_store import TeamDatabase
from tests.support.session import RuntimeFactory, ScriptedApprover, approve
from tests.tui.pilot import wait_for


async def run_command(pilot, app: HitlApp, query: str) -> None:  # type: ignore[no-untyped-def]
    """Open the palette, type `query`, wait for the hits, run the first one."""
    await pilot.press("ctrl+p")
    await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette))
    palette = app.screen
    assert isinstance(palette, CommandPalette)
    palette.query_one(Input).value = query
    commands = palette.query_one(CommandList)

    def first_hit() -> str:
        return str(commands.get_option_at_index(0).prompt) if commands.option_count else ""

    await wait_for(pilot, lambda: first_hit().lower().startswith(query.lower()))
    assert commands.highlighted == 0
    await pilot.press("enter")
    await wait_for(pilot, lambda: not isinstance(app.screen, CommandPalette))


def notes(app: HitlApp) -> list[str]:
    return [f"{n.title}: {n.message}" for n in app._notifications]


@pytest.fixture
def app_with_session(make_app, hitl_home: Path, make_runtime: RuntimeFactory):  # type: ignore[no-untyped-def]
    (hitl_home / "hosts.toml").write_text('[hosts.web-1]\nhostname = "10.0.0.5"\nlabels = ["prod"]\n')
    rt = make_runtime(ScriptedApprover(approve))
    app = make_app()
    app.runtime = rt
    return app, rt


async def test_toggle_read_only_goes_through_the_session(app_with_session) -> None:  # type: ignore[no-untyped-def]
    app, rt = app_with_session
    async with app.run_test(size=(120, 30), notifications=True) as pilot:
        await run_command(pilot, app, "Read-only mode: turn on")
        assert rt.session.read_only is True
        await wait_for(pilot, lambda: app.query_one(StatusBar).read_only)
        outcome = await rt.session.run_command("local", "touch /tmp/hitl-palette-must-not-exist")
        assert outcome.decision == "refused" and "read-only" in (outcome.reason or "")
        await run_command(pilot, app, "Read-only mode: turn off")
        assert rt.session.read_only is False
        await wait_for(pilot, lambda: not app.query_one(StatusBar).read_only)
    kinds = [json.loads(line)["kind"] for line in rt.memory.export_audit("jsonl")]
    assert kinds.count("read-only") == 2


async def test_switch_host_and_theme(app_with_session) -> None:  # type: ignore[no-untyped-def]
    app, rt = app_with_session
    async with app.run_test(size=(120, 30), notifications=True) as pilot:
        await run_command(pilot, app, "Switch host: web-1")
        assert rt.session.current_host == "web-1"
        await wait_for(pilot, lambda: app.query_one(StatusBar).host == "web-1")
        assert app.query_one(StatusBar).labels == ("prod",)
        for theme in ("hitl-light", "nord"):
            await run_command(pilot, app, f"Theme: {theme}")
            assert app.theme == theme


async def test_export_audit_log_and_statistics(app_with_session, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    app, rt = app_with_session
    target = tmp_path / "f.conf"
    target.write_text("a\n")
    await rt.session.run_command("local", f"sed -i s/a/b/ {target}")
    async with app.run_test(size=(120, 30), notifications=True) as pilot:
        await run_command(pilot, app, "Export audit log")
        exported = next(text for text in notes(app) if text.startswith("Audit log: Exported to "))
        path = Path(exported.removeprefix("Audit log: Exported to "))
        assert path.parent == resolve_paths().data_dir / "audit-exports"
        records = [json.loads(line) for line in path.read_text().splitlines()]
        assert records and [r["id"] for r in records] == sorted(r["id"] for r in records)
        assert any(r["kind"] == "rollback-point-added" for r in records)
        assert path.stat().st_mode & 0o777 == 0o600

        await run_command(pilot, app, "Approval statistics")
        assert f"Approval statistics: {rt.session.stats.summary()}" in notes(app)
        assert "1/1 approved" in rt.session.stats.summary()


async def test_palette_opens_the_timeline_and_hosts_screens(app_with_session) -> None:  # type: ignore[no-untyped-def]
    app, _ = app_with_session
    async with app.run_test(size=(120, 30)) as pilot:
        await run_command(pilot, app, "Rollback timeline")
        await wait_for(pilot, lambda: isinstance(app.screen, TimelineScreen))
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, TimelineScreen))
        await run_command(pilot, app, "Hosts")
        await wait_for(pilot, lambda: isinstance(app.screen, HostsScreen))
        await pilot.press("escape")
        await pilot.press("ctrl+t")
        await wait_for(pilot, lambda: isinstance(app.screen, TimelineScreen))


async def test_system_commands_are_kept(make_app) -> None:  # type: ignore[no-untyped-def]
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette))
        palette = app.screen
        palette.query_one(Input).value = "Quit"
        commands = palette.query_one(CommandList)
        await wait_for(pilot, lambda: commands.option_count and "Quit" in str(commands.get_option_at_index(0).prompt))


async def test_pending_approvals_is_offered_with_a_team_store_only(  # type: ignore[no-untyped-def]
    make_app, make_runtime: RuntimeFactory, team_db: TeamDatabase
) -> None:
    local = make_runtime(ScriptedApprover())
    make_runtime.store_url = team_db.url("alice")
    team = make_runtime(ScriptedApprover())
    app = make_app()
    app.runtime = local
    async with app.run_test(size=(120, 30)) as pilot:
        titles = [command.title for command in HitlCommands(app.screen).commands()]
        assert "Pending approvals" not in titles and "Hosts" in titles
        app.runtime = team
        await run_command(pilot, app, "Pending approvals")
        await wait_for(pilot, lambda: isinstance(app.screen, PendingApprovalsScreen))
        await pilot.press("escape")
        await pilot.press("ctrl+n")  # the same screen, from its key
        await wait_for(pilot, lambda: isinstance(app.screen, PendingApprovalsScreen))
