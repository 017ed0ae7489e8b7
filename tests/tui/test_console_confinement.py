"""READ confinement in the real console: how each host's READs run is shown (the host pane's line for each READ,
a status bar mark for a current host whose READs are not confined); a misread READ is caught, shown in the host
pane and the chat, and offered again as WRITE with one key that leads to the normal WRITE dialog; the model's
tool result says what it tried and that the operator was offered it."""

from __future__ import annotations

import json

from textual.widgets import Log

from console.tui.app import HitlApp
from tests.fakes.anthropic_server import text_turn, tool_turn
from tests.support.misread import Misread, tree_snapshot
from tests.tui.pilot import dialog, say, turn_done, wait_for
from tests.tui.test_console_manual import chat_text


def output(app: HitlApp) -> str:
    return "\n".join(app.query_one("#host-log", Log).lines)


def status(app: HitlApp) -> str:
    return str(app.status_bar.render())


async def test_a_misread_read_is_caught_shown_and_offered_as_write(
    console_app, misread: Misread, sentinel_trees, saved_crontab: None
) -> None:
    scratch, outside = sentinel_trees("root")
    before = (tree_snapshot(scratch), tree_snapshot(outside))
    app = console_app()
    async with app.run_test(size=(140, 45)) as pilot:
        await say(pilot, "!" + misread.command(scratch, outside))
        await turn_done(pilot)
        await wait_for(pilot, lambda: "classifier miss" in output(app))
        assert (tree_snapshot(scratch), tree_snapshot(outside)) == before
        shown = output(app)
        assert "[READ on local, confined: mount namespace]" in shown
        assert f"modified {scratch}/write (discarded)" in shown and f"{outside}/write" in shown
        assert "ctrl+g runs it again as WRITE" in shown
        assert "Classifier miss on local" in chat_text(app)
        assert "READS NOT CONFINED" not in status(app)

        await pilot.press("ctrl+g")
        screen = await dialog(pilot)
        assert screen.request.tier.name == "WRITE"
        assert screen.request.steps[0].command == misread.command(scratch, outside)
        assert "tried to change" in screen.request.steps[0].classification.reasons[0]
        await pilot.press("n")
        await turn_done(pilot)
        assert (tree_snapshot(scratch), tree_snapshot(outside)) == before
        assert app.runtime is not None
        first, second = app.runtime.memory.actions()[1], app.runtime.memory.actions()[0]
        assert first.attempted and (second.tier, second.decision) == ("WRITE", "rejected")
        assert not app.check_action("rerun_as_write", ()), "the offer is used once"


async def test_the_status_bar_marks_a_current_host_whose_reads_are_not_confined(
    console_app, unconfinable_host: str
) -> None:
    app = console_app()
    async with app.run_test(size=(140, 45)) as pilot:
        await wait_for(pilot, lambda: "local" in app.read_confinement)
        assert app.read_confinement["local"] == (True, "mount namespace")
        assert "READS NOT CONFINED" not in status(app)
        await app.run_action(f"switch_host('{unconfinable_host}')")
        await pilot.pause(0.3)
        assert "READS NOT CONFINED" not in status(app), "not connected yet: learnt at its first command"
        await say(pilot, "!cat /etc/hostname")
        await turn_done(pilot)
        assert "[READ on bare, not confined: none: unshare not found on the host]" in output(app)
        await wait_for(pilot, lambda: "READS NOT CONFINED" in status(app))
        await app.run_action("switch_host('local')")
        await wait_for(pilot, lambda: "READS NOT CONFINED" not in status(app))
        await app.run_action(f"switch_host('{unconfinable_host}')")
        await wait_for(pilot, lambda: "READS NOT CONFINED" in status(app))


async def test_with_off_every_host_is_marked(console_app) -> None:
    app = console_app(read_confinement="off")
    async with app.run_test(size=(140, 45)) as pilot:
        await wait_for(pilot, lambda: "READS NOT CONFINED" in status(app))
        await say(pilot, "!ls /")
        await turn_done(pilot)
        assert "[READ on local, not confined: read_confinement = off]" in output(app)


async def test_the_models_tool_result_says_what_was_tried_and_that_it_was_offered(
    model, console_app, misread: Misread, sentinel_trees, saved_crontab: None
) -> None:
    scratch, _ = sentinel_trees("root")
    before = tree_snapshot(scratch)
    command = misread.command(scratch)
    server = model(
        tool_turn("run_command", {"host": "local", "command": command, "purpose": "look"}),
        text_turn("It was caught."),
    )
    app = console_app()
    async with app.run_test(size=(140, 45)) as pilot:
        await say(pilot, "Inspect the tree")
        await turn_done(pilot)
        assert tree_snapshot(scratch) == before
        assert "classifier miss" in output(app)
        assert app.check_action("rerun_as_write", ())
    (result,) = server.requests[1].tool_results()
    text = json.dumps(result)
    assert result.get("is_error") is True
    assert "CLASSIFIER MISS" in text and "the operator was offered to run it again as WRITE" in text
    assert f"modified {scratch}/write (discarded)" in text
    assert "read confinement: confined: mount namespace" in text
