"""The console on a team store, with another operator working in another real process: their actions appear in
the open timeline within a second (LISTEN/NOTIFY), a four-eyes request shows as waiting, and a second operator
approves another's request from the pending-approvals screen, seeing the same review dialog."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from textual.widgets import DataTable

from console.core.memory.postgres import PostgresStore
from console.tui.app import HitlApp
from console.tui.screens.approval import ApprovalScreen
from console.tui.screens.timeline import TimelineScreen
from console.tui.team import PendingApprovalsScreen, TeamStrip
from tests.fixtures.team_store import TeamDatabase
from tests.integration.test_four_eyes import Terminal, operator_env
from tests.tui.pilot import dialog, say, wait_for


async def test_another_operators_change_appears_in_the_open_timeline_within_a_second(
    console_app, team_db: TeamDatabase, tmp_path: Path
) -> None:
    app: HitlApp = console_app(store=team_db.url("alice"))
    target = tmp_path / "motd"
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, app.ready.is_set)
        assert app.main_screen.query_one(TeamStrip).display
        await pilot.press("ctrl+t")
        await wait_for(pilot, lambda: isinstance(app.screen, TimelineScreen))
        timeline = app.screen
        assert isinstance(timeline, TimelineScreen)
        bob = operator_env(team_db, "bob", tmp_path / "bob", HITL_FOUR_EYES_LABELS="")
        other = Terminal(bob, "exec", "local", "--", f"touch {target}")
        other.expect(r"\[y/N\]")
        other.send("y\n")
        assert await asyncio.to_thread(other.wait) == 0
        with PostgresStore.open(team_db.url("bob"), snapshots_dir=tmp_path / "x") as store:
            point = store.rollback_points()[0]
        await wait_for(pilot, lambda: point.key in [p.key for p in timeline._points], timeout=5)
        seen = time.time()
        assert seen - point.created < 1.5, f"appeared {seen - point.created:.2f}s after bob's commit"
        assert point.operator == "bob"
        strip = app.main_screen.query_one(TeamStrip)
        assert "bob on local" in strip.last


async def test_a_waiting_request_is_shown_and_approved_from_the_pending_screen(
    console_app, team_db: TeamDatabase, tmp_path: Path
) -> None:
    bob = operator_env(team_db, "bob", tmp_path / "bob")
    target = tmp_path / "motd"
    requester = Terminal(bob, "exec", "local", "--", f"touch {target}")
    requester.expect(r"\[y/N\]")
    requester.send("y\n")
    request_id = requester.expect(r"approve request (\d+)").group(1)
    app: HitlApp = console_app(store=team_db.url("alice"), four_eyes_labels=("local",))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, app.ready.is_set)
        await pilot.press("ctrl+n")
        await wait_for(pilot, lambda: isinstance(app.screen, PendingApprovalsScreen))
        table = app.screen.query_one(DataTable)
        await wait_for(pilot, lambda: table.row_count == 1)
        assert str(table.get_row_at(0)[0]) == request_id and str(table.get_row_at(0)[1]) == "bob"
        await pilot.press("enter")
        screen = await dialog(pilot)
        assert isinstance(screen, ApprovalScreen) and screen.request.requested_by == "bob"
        assert str(target) in screen.request.steps[0].command
        await pilot.press("y")
        await wait_for(pilot, lambda: isinstance(app.screen, PendingApprovalsScreen))
        assert await asyncio.to_thread(requester.wait) == 0, requester.seen
        assert target.exists()
        await wait_for(pilot, lambda: table.row_count == 0)


async def test_the_console_shows_its_own_request_waiting(console_app, team_db: TeamDatabase, tmp_path: Path) -> None:
    target = tmp_path / "motd"
    app: HitlApp = console_app(store=team_db.url("alice"), four_eyes_labels=("local",))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, app.ready.is_set)
        await say(pilot, f"!touch {target}")
        await dialog(pilot)
        await pilot.press("y")
        strip = app.main_screen.query_one(TeamStrip)
        await wait_for(pilot, lambda: "waiting for a second operator" in strip.waiting)
        assert not target.exists()
        await pilot.press("escape")  # stops the turn: the request is withdrawn
        await wait_for(pilot, lambda: strip.waiting == "")
    with PostgresStore.open(team_db.url("bob"), snapshots_dir=tmp_path / "x") as store:
        assert store.pending_second_approvals() == []
        request = store.second_approval(1)
        assert request is not None and request.state == "withdrawn"
    assert not target.exists()


async def test_the_console_says_the_store_is_unreachable_and_retries_until_it_answers(
    console_app, team_db: TeamDatabase
) -> None:
    team_db.team.admin(f"ALTER DATABASE {team_db.name} ALLOW_CONNECTIONS false")
    app: HitlApp = console_app(store=team_db.url("alice"))
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            chat = lambda: "\n".join(str(w.render()) for w in app.query("#chat-log Static"))  # noqa: E731
            await wait_for(pilot, lambda: "Nothing runs until it answers" in chat())
            assert app.runtime is None and not app.ready.is_set()
            team_db.team.admin(f"ALTER DATABASE {team_db.name} ALLOW_CONNECTIONS true")
            await wait_for(pilot, lambda: app.runtime is not None, timeout=20)
            assert app.runtime is not None and app.runtime.memory.operator == "alice"
    finally:
        team_db.team.admin(f"ALTER DATABASE {team_db.name} ALLOW_CONNECTIONS true")
