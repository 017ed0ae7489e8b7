"""The console in manual mode against the real local host: what the operator does, what really happens."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Log, Static

from console.tui.widgets import StatusBar
from tests.tui.pilot import chat_text, dialog, say, turn_done, wait_for


async def test_write_waits_for_y_then_changes_the_file(console_app, tmp_path: Path) -> None:
    target = tmp_path / "motd"
    app = console_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, app.ready.is_set)
        assert "Manual mode" in chat_text(app)
        await say(pilot, f"!echo patched > {target}")
        screen = await dialog(pilot)
        assert not target.exists(), "the WRITE ran before it was approved"
        assert screen.request.tier.name == "WRITE"
        await wait_for(pilot, lambda: "1 approval pending" in str(app.status_bar.render()))
        await pilot.press("y")
        await turn_done(pilot)
        assert app.status_bar.pending == 0
        assert target.read_text() == "patched\n"
        assert "rollback key" in chat_text(app)
        assert "1/1 approved" in str(app.query_one(StatusBar).render())
        assert "$ echo patched" in "\n".join(app.query_one("#host-log", Log).lines)


async def test_rejected_write_does_not_run(console_app, tmp_path: Path) -> None:
    target = tmp_path / "never"
    app = console_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await say(pilot, f"!touch {target}")
        await dialog(pilot)
        await pilot.press("n")
        await turn_done(pilot)
        assert not target.exists()
        assert "decision: rejected" in chat_text(app)
        assert "0/1 approved" in str(app.query_one(StatusBar).render())


async def test_destructive_runs_only_after_the_typed_challenge(console_app, tmp_path: Path) -> None:
    tree = tmp_path / "cache"
    (tree / "a").mkdir(parents=True)
    (tree / "a" / "x").write_text("x")
    app = console_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await say(pilot, f"!rm -rf {tree}")
        screen = await dialog(pilot)
        challenge = screen.request.steps[0].challenge
        assert challenge and challenge.startswith("local-")
        assert screen.has_class("-destructive")
        await pilot.press("y", "tab")
        assert tree.exists()
        field = screen.query_one("#challenge-1")
        field.focus()
        await pilot.press(*challenge)
        await wait_for(pilot, lambda: screen.blocker() is None)
        await pilot.press("enter")
        await turn_done(pilot)
        assert not tree.exists()
        assert "rollback key" in chat_text(app)


async def test_read_only_is_enforced_by_the_session(console_app, tmp_path: Path) -> None:
    target = tmp_path / "blocked"
    app = console_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, app.ready.is_set)
        await pilot.press("f2")
        assert app.runtime is not None and app.runtime.session.read_only
        assert "READ-ONLY" in str(app.query_one(StatusBar).render())
        await say(pilot, f"!touch {target}")
        await turn_done(pilot)
        assert not target.exists()
        assert "read-only" in chat_text(app)


async def test_plan_from_the_editor_runs_in_order(console_app, tmp_path: Path) -> None:
    conf, copy = tmp_path / "site.conf", tmp_path / "installed.conf"
    conf.write_text("server {}\n")
    app = console_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await say(pilot, "/plan Deploy the site config")
        await wait_for(pilot, lambda: app.screen.query("#plan-body"))
        app.screen.query_one("#plan-body").text = f"cat {conf}\ncp {conf} {copy}\necho reloaded >> {copy}\n"
        await pilot.press("ctrl+s")
        screen = await dialog(pilot)
        assert screen.request.kind == "plan"
        assert screen.request.steps[0].result is not None, "the head READ step ran before the approval"
        assert not copy.exists()
        await pilot.press("y")
        await turn_done(pilot)
        assert copy.read_text() == "server {}\nreloaded\n"
        table = app.query_one("#plan-table")
        statuses = [str(table.get_row_at(i)[2]) for i in range(table.row_count)]
        assert statuses == ["✓ done"] * 3
        assert str(table.get_row_at(1)[4]).startswith("rb-")


async def test_plan_stops_at_the_first_failure(console_app, tmp_path: Path) -> None:
    marker = tmp_path / "step3"
    app = console_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await say(pilot, "/plan Failing deploy")
        await wait_for(pilot, lambda: app.screen.query("#plan-body"))
        app.screen.query_one(
            "#plan-body"
        ).text = f"ls {tmp_path}\ncp {tmp_path}/missing.conf {tmp_path}/x.conf\ntouch {marker}\n"
        await pilot.press("ctrl+s")
        await dialog(pilot)
        await pilot.press("y")
        await turn_done(pilot)
        assert not marker.exists()
        table = app.query_one("#plan-table")
        statuses = [str(table.get_row_at(i)[2]) for i in range(table.row_count)]
        assert statuses[1].startswith("✗ failed") and statuses[2] == "– skipped"
        assert "missing.conf" in "\n".join(app.query_one("#host-log", Log).lines)


async def test_finished_command_notifies_when_the_operator_looks_away(console_app, monkeypatch) -> None:
    monkeypatch.setattr("console.tui.app.LONG_COMMAND_SECONDS", 0.0)
    app = console_app()
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await say(pilot, "!echo here")
        await turn_done(pilot)
        assert not [n for n in app._notifications if "Command done" in (n.title or "")]
        # The terminal reports that it lost focus while the command runs. Said right after sending: waiting to
        # see the command running first would race with a command that starts and ends between two looks.
        await say(pilot, "!sleep 0.5; echo elsewhere")
        app.app_focus = False
        await turn_done(pilot)
        titles = [n.title for n in app._notifications]
        assert "Command done" in titles


async def test_output_flood_is_capped_and_stderr_marked(console_app) -> None:
    app = console_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await say(pilot, "!seq 1 30000; echo oops >&2")
        await turn_done(pilot)
        log = app.query_one("#host-log", Log)
        await wait_for(pilot, lambda: any("oops" in line for line in log.lines))
        assert log.line_count <= app.host_pane.MAX_LINES
        assert app.host_pane.lines_received >= 30001
        assert "▌oops" in log.lines
        assert "exit status 0" in str(app.query_one("#host-title", Static).render())


async def test_write_on_the_sshd_host(console_app, sshd, hitl_home: Path, tmp_path: Path) -> None:
    (hitl_home / "hosts.toml").write_text(sshd.host_entry("box") + 'labels = ["prod", "eu"]\n')
    target = tmp_path / "over-ssh.conf"
    target.write_text("workers 1\n")
    app = console_app(host="box")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, app.ready.is_set)
        status = str(app.query_one(StatusBar).render())
        assert "host: box [prod, eu]" in status and "PROD" in status
        await say(pilot, f"!sed -i 's/1/4/' {target}")
        screen = await dialog(pilot)
        assert screen.request.host == "box"
        assert target.read_text() == "workers 1\n"
        await pilot.press("y")
        await turn_done(pilot)
        assert target.read_text() == "workers 4\n"
        assert "rollback key: rb-" in chat_text(app)


async def test_manual_commands_follow_a_host_picked_in_the_hosts_screen_and_unknown_keys_ask_trust(
    console_app, sshd_factory, hitl_home: Path, tmp_path: Path
) -> None:
    """Pick a host whose key hitl has never seen: `!cmd` then runs there, after the trust dialog's typed yes."""
    from textual.widgets import Input

    from console.tui.screens.hosts import HostsScreen
    from console.tui.screens.trust import TrustDialog

    server = sshd_factory()
    empty_known_hosts = tmp_path / "known_hosts"
    empty_known_hosts.write_text("")
    entry = server.host_entry("fresh").replace(str(server.known_hosts), str(empty_known_hosts))
    (hitl_home / "hosts.toml").write_text(entry)
    app = console_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, app.ready.is_set)
        await pilot.press("ctrl+o")
        await wait_for(pilot, lambda: isinstance(app.screen, HostsScreen))
        await pilot.press("down", "enter")
        await wait_for(pilot, lambda: not isinstance(app.screen, HostsScreen))
        assert app.runtime is not None and app.runtime.session.current_host == "fresh"
        await say(pilot, "!echo from-the-new-host")
        await wait_for(pilot, lambda: isinstance(app.screen, TrustDialog))
        assert "SHA256:" in "\n".join(str(w.render()) for w in app.screen.query("Static"))
        app.screen.query_one(Input).focus()
        await pilot.press("y", "e", "s", "enter")
        await turn_done(pilot)
        action = app.runtime.memory.actions()[0]
        assert (action.host, action.command, action.exit_status) == ("fresh", "echo from-the-new-host", 0)
        assert "from-the-new-host" in "\n".join(app.query_one("#host-log", Log).lines)
    assert "127.0.0.1" in (hitl_home / "known_hosts").read_text()


async def test_f4_aborts_a_running_plan_before_its_next_step(console_app, tmp_path: Path) -> None:
    first, second, gate = tmp_path / "first", tmp_path / "second", tmp_path / "gate"
    app = console_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await say(pilot, "/plan Two steps")
        await wait_for(pilot, lambda: app.screen.query("#plan-body"))
        # Step 1 waits until the test has pressed ctrl+b, so the abort lands while the plan is running.
        step_one = f"touch {first} && while [ ! -e {gate} ]; do sleep 0.05; done"
        app.screen.query_one("#plan-body").text = f"{step_one}\ntouch {second}\n"
        await pilot.press("ctrl+s")
        await dialog(pilot)
        await pilot.press("y")
        await wait_for(pilot, first.exists)
        assert app.runtime is not None and app.runtime.session.plan_running
        await pilot.press("f4")
        gate.touch()
        await turn_done(pilot)
        assert not second.exists(), "the step after the abort ran"
        table = app.query_one("#plan-table")
        statuses = [str(table.get_row_at(i)[2]) for i in range(table.row_count)]
        assert statuses[0] == "✓ done" and "skipped" in statuses[1]
        assert not app.runtime.session.plan_running


async def test_esc_on_a_running_command_ends_it_and_records_it_interrupted_at_once(console_app) -> None:
    app = console_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await say(pilot, "!sleep 30")
        await wait_for(pilot, lambda: app.host_pane.running)
        await pilot.press("escape")
        await turn_done(pilot)
        await wait_for(pilot, lambda: not app.host_pane.running)
        assert "interrupted" in str(app.query_one("#host-title", Static).render())
        assert app.runtime is not None
        action = app.runtime.memory.actions()[0]
        assert (action.command, action.state, action.ended) == ("sleep 30", "interrupted", "cancelled")


async def test_files_made_private_at_start_up_are_said_once(console_app, hitl_home: Path) -> None:
    hitl_home.chmod(0o755)
    app = console_app()
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await wait_for(pilot, app.ready.is_set)
        said = [n for n in app._notifications if n.title == "Files made private"]
        assert len(said) == 1 and "private" in said[0].message
    assert hitl_home.stat().st_mode & 0o077 == 0
