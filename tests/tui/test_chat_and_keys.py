"""The chat states each outcome in full, in the operator's words; the keys are the ones a terminal user expects
(help on ? and F1, Up recalls, ctrl+r belongs to the input); the model is seen working; a resumed conversation
is shown; the theme chosen is kept."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from textual.widgets import Input

from tests.fakes.anthropic_server import text_turn
from tests.tui.pilot import chat_text, dialog, say, screen_lines, turn_done, typed_plan, wait_for


def on_screen(app, text: str) -> bool:
    return any(text in line for line in screen_lines(app))


async def test_the_chat_states_every_plan_step_with_status_and_key(console_app, tmp_path: Path) -> None:
    conf = tmp_path / "a.conf"
    conf.write_text("x\n")
    app = console_app()
    async with app.run_test(size=(160, 48)) as pilot:
        steps = f"ls {tmp_path}\necho y >> {conf}\ncp {tmp_path}/missing {tmp_path}/b\ntouch {tmp_path}/c\n"
        await typed_plan(pilot, "Partly failing", steps)
        await pilot.press("y")
        await turn_done(pilot)
        text = chat_text(app)
        assert "done" in text and "failed" in text and "skipped" in text
        keys = [a.rollback_key for a in app.runtime.memory.actions() if a.rollback_key]  # type: ignore[union-attr]
        assert keys and all(k in text for k in keys), keys
        assert f"touch {tmp_path}/c" in text, "the skipped step is not named"


async def test_rollbacks_in_the_chat_are_a_table_of_every_live_point(console_app, tmp_path: Path) -> None:
    app = console_app()
    async with app.run_test(size=(160, 48)) as pilot:
        for n in range(9):
            target = tmp_path / f"f{n}"
            target.write_text("old\n")
            await say(pilot, f"!sed -i s/old/new/ {target}")
            await dialog(pilot)
            await pilot.press("y")
            await turn_done(pilot)
        await say(pilot, "/rollbacks")
        await turn_done(pilot)
        keys = [a.rollback_key for a in app.runtime.memory.actions() if a.rollback_key]  # type: ignore[union-attr]
        assert len(keys) == 9
        text = chat_text(app)
        rows = [line for line in text.splitlines() if any(key in line for key in keys)]
        listed = [key for key in keys if any(key in row for row in rows)]
        assert listed == keys
        assert all(sum(key in row for key in keys) == 1 for row in rows[-9:]), "points run together on one line"


async def test_a_rollback_from_the_timeline_is_said_in_the_chat(console_app, tmp_path: Path) -> None:
    from console.tui.screens.timeline import TimelineScreen

    target = tmp_path / "motd"
    target.write_text("old\n")
    app = console_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await say(pilot, f"!sed -i s/old/new/ {target}")
        await dialog(pilot)
        await pilot.press("y")
        await turn_done(pilot)
        await pilot.press("ctrl+t")
        await wait_for(pilot, lambda: isinstance(app.screen, TimelineScreen))
        await pilot.press("r")
        await dialog(pilot)
        await pilot.press("y")
        # Closed at once, while the rollback restores and verifies: it must neither stop half-way nor go unsaid.
        await wait_for(pilot, lambda: isinstance(app.screen, TimelineScreen))
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, TimelineScreen))
        await wait_for(pilot, lambda: "rolled back" in chat_text(app).lower())
        assert target.read_text() == "old\n"
        assert "restored and verified" in chat_text(app)


async def test_manual_mode_speaks_the_operators_words(console_app, tmp_path: Path) -> None:
    app = console_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await say(pilot, "!echo hello")
        await turn_done(pilot)
        await say(pilot, "/hosts")
        await turn_done(pilot)
        text = chat_text(app)
        for jargon in ("run_command", "list_hosts", "propose_plan", "tool"):
            assert jargon not in text, jargon


async def test_help_is_a_table_and_f1_opens_the_keys_of_the_screen(console_app) -> None:
    from console.tui.screens.help import HelpScreen
    from console.tui.screens.timeline import TimelineScreen

    app = console_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await say(pilot, "/help")
        await turn_done(pilot)
        help_rows = [line for line in chat_text(app).splitlines() if "/rollbacks" in line]
        assert help_rows and "│" in "\n".join(screen_lines(app)), "/help is not a table"
        await pilot.press("f1")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        text = "\n".join(screen_lines(app))
        assert "ctrl+t" in text and "Rollbacks" in text and "ctrl+r" in text
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, HelpScreen))
        await pilot.press("ctrl+t")
        await wait_for(pilot, lambda: isinstance(app.screen, TimelineScreen))
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        assert "Roll back" in "\n".join(screen_lines(app))


async def test_question_mark_in_the_input_is_text(console_app) -> None:
    app = console_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, app.ready.is_set)
        await pilot.press("w", "h", "y", "question_mark")
        assert app.query_one("#chat-input", Input).value == "why?"


async def test_ctrl_r_belongs_to_the_input_and_up_recalls(console_app) -> None:
    app = console_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await say(pilot, "!echo first")
        await turn_done(pilot)
        await say(pilot, "!echo second")
        await turn_done(pilot)
        field = app.query_one("#chat-input", Input)
        await pilot.press("up")
        assert field.value == "!echo second"
        await pilot.press("up")
        assert field.value == "!echo first"
        await pilot.press("down")
        assert field.value == "!echo second"
        await pilot.press("down")
        assert field.value == ""
        await pilot.press(*"first", "ctrl+r")
        assert app.runtime is not None and not app.runtime.session.read_only, "ctrl+r toggled read-only"
        assert field.value == "!echo first", "ctrl+r did not find the earlier message"


async def test_a_thinking_indicator_shows_while_the_model_works(model, console_app) -> None:
    model(text_turn("late answer", stall_after=0))
    app = console_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await say(pilot, "Are you there?")
        await wait_for(pilot, lambda: on_screen(app, "thinking"))
        await pilot.press("escape")
        await turn_done(pilot)
        await pilot.pause(0.3)
        assert not on_screen(app, "thinking")


async def test_resume_shows_the_resumed_conversation(model, console_app) -> None:
    model(text_turn("The disk is 40% full."))
    app = console_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await say(pilot, "How full is the disk?")
        await turn_done(pilot)
    resumed = console_app(resume=True)
    async with resumed.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, resumed.ready.is_set)
        await pilot.pause()
        text = chat_text(resumed)
        assert "How full is the disk?" in text and "The disk is 40% full." in text


@pytest.mark.parametrize("theme", ["hitl-light"])
async def test_the_chosen_theme_is_kept_and_badges_redraw(console_app, theme: str) -> None:
    from console.core.events import PlanChanged
    from console.tui.messages import SessionEvents
    from tests.tui.test_snapshots import PLAN

    app = console_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, app.ready.is_set)
        SessionEvents(app)(PlanChanged(PLAN))
        await pilot.pause()
        table = app.query_one("#plan-table")

        def badge_styles() -> list[str]:
            badge = table.get_row_at(0)[1]
            return [str(badge.style), *(str(span.style) for span in badge.spans)]

        before = badge_styles()
        await app.run_action(f"set_theme({theme!r})")
        await pilot.pause()
        after = badge_styles()
        assert before != after, "the tier badge kept the old theme's colours"
    again = console_app()
    async with again.run_test(size=(120, 40)) as pilot:
        await asyncio.sleep(0)
        assert again.theme == theme
