"""The output pane as an operator reads it: always the newest output unless scrolled away (then a mark says
new output arrived), after a flood too; long lines scroll sideways; `/` finds text in the output and the chat;
Esc on a running command ends it and says so at once, in the output pane and the plan pane."""

from __future__ import annotations

import time
from pathlib import Path

from textual.widgets import Input

from console.core.events import OutputLines, StepStarted
from console.core.tiers import Tier
from console.tui.messages import SessionEvents
from tests.tui.pilot import say, screen_lines, turn_done, typed_plan, wait_for


def on_screen(app, text: str) -> bool:
    return any(text in line for line in screen_lines(app))


async def test_after_a_flood_the_next_commands_output_appears(console_app) -> None:
    app = console_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await say(pilot, "!seq 1 300000")
        await turn_done(pilot, timeout=60)
        await say(pilot, "!echo after-the-flood")
        await turn_done(pilot)
        await wait_for(pilot, lambda: on_screen(app, "after-the-flood"))


async def test_scrolled_away_the_pane_stays_and_marks_new_output(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        events = SessionEvents(app)
        events(StepStarted("local", "seq 1 500", Tier.READ))
        events(OutputLines("local", "stdout", [f"row-{n}" for n in range(1, 501)]))
        await wait_for(pilot, lambda: on_screen(app, "row-500"))
        log = app.host_pane.log_widget
        log.scroll_to(y=0, animate=False)
        await pilot.pause()
        events(OutputLines("local", "stdout", ["newest-line"]))
        await wait_for(pilot, lambda: "newest-line" in log.lines)
        await pilot.pause(0.1)
        assert log.scroll_y == 0, "the pane jumped away from what the operator was reading"
        assert on_screen(app, "new output")
        log.scroll_end(animate=False)
        await wait_for(pilot, lambda: not on_screen(app, "new output"))
        assert on_screen(app, "newest-line")


async def test_a_long_line_can_be_read_to_its_end(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        events = SessionEvents(app)
        events(StepStarted("local", "cat wide.log", Tier.READ))
        events(OutputLines("local", "stdout", ["start " + "x" * 300 + " the-very-end"]))
        await wait_for(pilot, lambda: on_screen(app, "start"))
        log = app.host_pane.log_widget
        log.focus()
        await pilot.press("end")
        for _ in range(40):
            await pilot.press("right")
        await pilot.pause()
        assert on_screen(app, "the-very-end")


async def test_slash_finds_text_in_the_output(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        events = SessionEvents(app)
        events(StepStarted("local", "journalctl", Tier.READ))
        events(OutputLines("local", "stdout", [f"line {n}" + (" needle-here" if n == 20 else "") for n in range(2000)]))
        await wait_for(pilot, lambda: on_screen(app, "line 1999"))
        app.host_pane.log_widget.focus()
        await pilot.press("slash")
        await wait_for(pilot, lambda: isinstance(app.focused, Input) and app.focused.id == "search-input")
        await pilot.press(*"needle", "enter")
        await wait_for(pilot, lambda: on_screen(app, "needle-here"))


async def test_slash_in_the_chat_input_is_text(console_app) -> None:
    app = console_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, app.ready.is_set)
        await pilot.press("slash", "h", "e", "l", "p")
        assert app.query_one("#chat-input", Input).value == "/help"


async def test_esc_ends_a_running_command_its_spinner_and_records_it_at_once(console_app) -> None:
    app = console_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await say(pilot, "!tail -f /dev/null")
        await wait_for(pilot, lambda: on_screen(app, "running"))
        pressed = time.time()
        await pilot.press("escape")
        await turn_done(pilot)
        await pilot.pause(0.3)
        text = "\n".join(screen_lines(app))
        assert "interrupted" in text
        assert "running" not in text.split("Output")[-1], "the spinner still counts"
        assert app.runtime is not None
        action = app.runtime.memory.actions()[0]
        assert action.finished is not None and action.finished - pressed < 5
        assert action.outcome == "interrupted" or action.ended == "cancelled"


async def test_a_plan_interrupted_mid_step_shows_the_step_interrupted(console_app, tmp_path: Path) -> None:
    app = console_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await typed_plan(pilot, "Slow plan", f"touch {tmp_path}/a\nsleep 30\ntouch {tmp_path}/b\n")
        await pilot.press("y")
        await wait_for(pilot, lambda: on_screen(app, "sleep 30") and app.host_pane.running)
        await pilot.press("escape")
        await turn_done(pilot)
        await pilot.pause(0.6)
        table = app.query_one("#plan-table")
        statuses = [str(table.get_row_at(i)[2]) for i in range(table.row_count)]
        assert "running" not in " ".join(statuses), statuses
        assert "interrupted" in statuses[1], statuses
