"""The fleet view on a real session and real sshd hosts: a rollout's row expands to its hosts (wave, status,
exit code, rollback keys), the selected host's output, the counts; live lines of a running rollout; `f` retries
only the failed hosts as a new rollout; the palette opens it."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import DataTable, Log, Static

from console.core.outcome import Origin
from console.tui.screens.fleet import FleetScreen
from tests.fixtures.fleet import Fleet, reset_homes
from tests.integration.test_fleet_session import write_home
from tests.support.session import RuntimeFactory, ScriptedApprover, approve
from tests.tui.pilot import wait_for
from tests.tui.screens_support import ThemedApp
from tests.tui.test_palette import run_command

pytestmark = pytest.mark.slow


@pytest.fixture
def inventory(fleet: Fleet, hitl_home: Path) -> Fleet:
    (hitl_home / "hosts.toml").write_text(fleet.hosts_toml())
    reset_homes(fleet, "greeting", "app.conf")
    yield fleet
    reset_homes(fleet, "greeting", "app.conf")


def cells(table: DataTable) -> list[list[str]]:
    return [[str(cell) for cell in table.get_row_at(row)] for row in range(table.row_count)]


async def test_rollout_rows_hosts_output_and_retry_of_the_failed(
    inventory: Fleet, make_runtime: RuntimeFactory
) -> None:
    fleet = inventory
    write_home(fleet, "fleet01", "greeting", "hello from fleet01\n")
    runtime = make_runtime(ScriptedApprover(approve))
    first = await runtime.session.run_fleet("fleet01,fleet02,fleet-down", "cat greeting", source=Origin.CLI)
    assert first.summary() == "1 ok, 1 failed, 1 unreachable"

    app = ThemedApp(lambda: FleetScreen(runtime.session))
    async with app.run_test(size=(140, 40), notifications=True) as pilot:
        screen = app.screen
        assert isinstance(screen, FleetScreen)
        rollouts = screen.query_one("#rollouts", DataTable)
        assert rollouts.row_count == 1 and cells(rollouts)[0][1] == first.key
        hosts = cells(screen.query_one("#hosts", DataTable))
        assert [row[:4] for row in hosts] == [
            ["fleet01", "-", "ok", "0"],
            ["fleet02", "-", "failed", "1"],
            ["fleet-down", "-", "unreachable", "-"],
        ]
        assert "1 ok, 1 failed, 1 unreachable" in str(screen.query_one("#fleet-counts", Static).render())
        assert "hello from fleet01" in "\n".join(screen.query_one("#host-output", Log).lines)
        screen.query_one("#hosts", DataTable).focus()
        await pilot.press("down")
        await wait_for(pilot, lambda: "No such file" in "\n".join(screen.query_one("#host-output", Log).lines))

        write_home(fleet, "fleet02", "greeting", "hello from fleet02\n")
        await pilot.press("f")
        await wait_for(pilot, lambda: rollouts.row_count == 2, timeout=30)
        retry = runtime.session.rollouts()[0]
        assert retry.key != first.key and retry.target == "fleet02,fleet-down"
        assert [(h.host, h.state) for h in retry.hosts] == [("fleet02", "ok"), ("fleet-down", "unreachable")]


async def test_palette_opens_the_fleet_view(make_app, make_runtime: RuntimeFactory) -> None:  # type: ignore[no-untyped-def]
    runtime = make_runtime(ScriptedApprover())
    app = make_app()
    app.runtime = runtime
    async with app.run_test(size=(120, 30)) as pilot:
        await run_command(pilot, app, "Rollouts")
        await wait_for(pilot, lambda: isinstance(app.screen, FleetScreen))
        assert app.screen.query_one("#rollouts", DataTable).row_count == 0


async def test_a_running_rollout_is_followed_live(inventory: Fleet, make_runtime: RuntimeFactory) -> None:
    import asyncio

    runtime = make_runtime(ScriptedApprover())
    app = ThemedApp(lambda: FleetScreen(runtime.session))
    async with app.run_test(size=(140, 40)) as pilot:
        screen = app.screen
        assert isinstance(screen, FleetScreen)
        running = asyncio.create_task(
            runtime.session.run_fleet("@pair", "echo early; sleep 4; echo late", source=Origin.CLI)
        )
        log = screen.query_one("#host-output", Log)
        await wait_for(pilot, lambda: "early" in "\n".join(log.lines), timeout=20)
        assert not running.done(), "shown while the rollout runs (one host may have finished already)"
        assert screen.query_one("#rollouts", DataTable).row_count == 1
        outcome = await running
        await wait_for(pilot, lambda: [r[2] for r in cells(screen.query_one("#hosts", DataTable))] == ["ok", "ok"])
        assert cells(screen.query_one("#rollouts", DataTable))[0][1] == outcome.key
        assert "late" in "\n".join(log.lines)


async def test_names_titles_and_output_are_shown_as_they_read(make_runtime: RuntimeFactory) -> None:
    """A rollout's target, title, host names and output are untrusted: markup is shown as typed and escape
    sequences as visible escapes, in the tables, the counts, the output and the output's title."""
    from rich.text import Text

    from console.core.memory.records import RolloutHost, RolloutRecord

    runtime = make_runtime(ScriptedApprover())
    host, key = "[red]web1[/red]\x1b[2J", "ro-markup"
    store = runtime.memory
    action = store.record_proposal(
        session_id=None,
        host=host,
        command="cat greeting",
        tier="READ",
        reasons=["reads"],
        source=f"rollout:{key} (cli)",
    )
    store.record_start(action)
    store.record_finish(
        action, exit_status=0, ended="exited", output="\x1b]0;PWNED\x07[bold]hi[/bold]\n", rollback_key=None
    )
    record = RolloutRecord(key, 1.0, "@[b]web[/b]", "[i]deploy[/i]", "READ", "done", (RolloutHost(host, 0, "ok", ()),))
    store.record_rollout(record)

    app = ThemedApp(lambda: FleetScreen(runtime.session))
    async with app.run_test(size=(140, 40)):
        screen = app.screen
        assert isinstance(screen, FleetScreen)
        row = screen.query_one("#rollouts", DataTable).get_row_at(0)
        assert all(isinstance(cell, Text) for cell in row), "a str cell would be read as markup"
        assert [cell.plain for cell in row][2:4] == ["@[b]web[/b]", "[i]deploy[/i]"]
        (host_row,) = [screen.query_one("#hosts", DataTable).get_row_at(0)]
        assert host_row[0].plain == "[red]web1[/red]\\x1b[2J"
        counts_text = screen.query_one("#fleet-counts", Static).render()
        assert "on @[b]web[/b]: 1 ok" in str(counts_text)
        log = screen.query_one("#host-output", Log)
        assert list(log.lines) == ["\\x1b]0;PWNED\\x07[bold]hi[/bold]"]
        assert "[red]web1[/red]\\x1b[2J: output" in log.border_title.replace("\\[", "[")  # type: ignore[union-attr]
