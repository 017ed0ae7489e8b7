"""The approval dialogs on their own: what each key does, and that nothing approves by accident.

Each test pushes a dialog for a hand-built request onto the real app and reads the `Decision` it returns.
Delays run on an injected clock, so "too early" and "late enough" are exact and the tests are fast; one test
uses the real clock to check the defaults are wired.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace

from textual import events
from textual.pilot import Pilot
from textual.widgets import Button, Input, Static

from console.core.approval import ApprovalRequest, Decision, RememberChoice
from console.core.remembered import Lifetime, Scope
from console.tui.app import HitlApp
from console.tui.screens.approval import ApprovalScreen, screen_for
from tests.tui.requests import (
    CRON_COMMAND,
    destructive_request,
    plan_request,
    rollback_request,
    write_request,
)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def open_dialog(
    app: HitlApp, pilot: Pilot[None], request: ApprovalRequest, clock: Clock | None = None
) -> tuple[ApprovalScreen, asyncio.Future[Decision | None]]:
    decided: asyncio.Future[Decision | None] = asyncio.get_running_loop().create_future()
    screen = screen_for(request, clock=clock) if clock else screen_for(request)
    app.push_screen(screen, decided.set_result)
    await pilot.pause()
    assert app.screen is screen
    return screen, decided


async def test_write_cancel_has_focus_and_enter_rejects(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(100, 32)) as pilot:
        _screen, decided = await open_dialog(app, pilot, write_request())
        assert app.focused is not None and app.focused.id == "cancel"
        await pilot.press("enter")
        assert (await decided) == Decision.reject()


async def test_write_y_only_after_the_delay(make_app) -> None:
    app = make_app()
    clock = Clock()
    async with app.run_test(size=(100, 32)) as pilot:
        screen, decided = await open_dialog(app, pilot, write_request(delay=0.5), clock)
        clock.now += 0.4
        await pilot.press("y")
        assert not decided.done()
        assert app.screen is screen
        assert "read the command first" in str(screen.query_one("#hint", Static).render())
        clock.now += 0.2
        await pilot.press("y")
        decision = await decided
        assert decision.approved and decision.remember is None and decision.typed_challenges == ()


async def test_write_delay_from_the_real_clock(make_app) -> None:
    """With the real clock (counted from the dialog's mount): a `y` that the dialog handles inside the delay is
    refused and says so, a `y` after it approves. How long the machine takes to get the first key to the dialog
    does not matter: the test reads which side of the delay the dialog found it on."""
    delay = 1.5
    app = make_app()
    async with app.run_test(size=(100, 32)) as pilot:
        screen, decided = await open_dialog(app, pilot, write_request(delay=delay))
        await pilot.press("y")
        if not decided.done():
            assert "y works in" in str(screen.query_one("#hint", Static).render()), "refused without a word"
            await asyncio.sleep(delay + 0.05)
            await pilot.press("y")
        assert (await decided).approved
        assert screen.shown_at is not None and time.monotonic() - screen.shown_at >= delay, "approved too early"


async def test_keys_typed_before_the_dialog_are_discarded(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(100, 32)) as pilot:
        screen, decided = await open_dialog(app, pilot, write_request())
        early = events.Key("y", "y")
        early.time = screen.opened_at - 0.05
        app.post_message(early)
        await pilot.pause()
        assert not decided.done()
        await pilot.press("y")
        assert (await decided).approved


async def test_n_and_escape_reject(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(100, 32)) as pilot:
        _, decided = await open_dialog(app, pilot, write_request())
        await pilot.press("n")
        assert (await decided) == Decision.reject()
        _, decided = await open_dialog(app, pilot, write_request())
        await pilot.press("escape")
        assert (await decided) == Decision.reject()


async def test_reject_with_reason_keeps_hotkeys_inside_the_text(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(100, 32)) as pilot:
        _screen, decided = await open_dialog(app, pilot, write_request())
        await pilot.press("r")
        assert isinstance(app.focused, Input) and app.focused.id == "reason-input"
        await pilot.press(*"yes, renew on the staging host first")
        assert not decided.done()
        await pilot.press("enter")
        decision = await decided
        assert not decision.approved
        assert decision.reason == "yes, renew on the staging host first"


async def test_escape_leaves_the_reason_without_deciding(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(100, 32)) as pilot:
        _screen, decided = await open_dialog(app, pilot, write_request())
        await pilot.press("r", "x", "escape")
        assert not decided.done()
        assert app.focused is not None and app.focused.id == "cancel"
        await pilot.press("y")
        assert (await decided).approved


async def test_edit_returns_the_edited_command(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(100, 32)) as pilot:
        _screen, decided = await open_dialog(app, pilot, write_request())
        await pilot.press("e")
        edit = app.focused
        assert isinstance(edit, Input) and edit.value == CRON_COMMAND
        edit.value = "crontab -l"
        await pilot.press("enter")
        decision = await decided
        assert not decision.approved
        assert decision.edited_command == "crontab -l"


async def test_remember_is_off_unless_chosen_and_shows_the_exact_pattern(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 32)) as pilot:
        screen, decided = await open_dialog(app, pilot, write_request("systemctl restart nginx"))
        remember = screen.query_one("#remember", Static)
        assert "no — ask every time" in str(remember.render())
        await pilot.press("m")
        assert "exactly: systemctl restart nginx on web1, for this session" in str(remember.render())
        await pilot.press("m", "m")
        shown = str(remember.render())
        assert "systemctl restart NAME...  (plain names; options --no-block --quiet -q only; no paths)" in shown
        await pilot.press("y")
        assert (await decided).remember == RememberChoice(Scope.PREFIX, Lifetime.SESSION)


async def test_no_command_and_subcommand_choice_for_a_program_without_subcommands(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 32)) as pilot:
        screen, decided = await open_dialog(app, pilot, write_request("cp /tmp/a /etc/app.conf"))
        seen = []
        for _ in range(7):
            await pilot.press("m")
            seen.append(str(screen.query_one("#remember", Static).render()))
        assert all("exactly: cp /tmp/a /etc/app.conf" in text or "ask every time" in text for text in seen), seen
        await pilot.press("y")
        assert (await decided).remember in (None, *[RememberChoice(Scope.EXACT, life) for life in Lifetime])


async def test_a_pipeline_offers_no_remembering(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(100, 32)) as pilot:
        screen, decided = await open_dialog(app, pilot, write_request())
        assert not screen.query("#remember")
        await pilot.press("m", "y")
        assert (await decided).remember is None


async def test_shell_text_is_not_markup(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(100, 32)) as pilot:
        screen, _ = await open_dialog(app, pilot, write_request("echo '[bold red]hi[/]' > /etc/motd"))
        command = screen.query_one(".command", Static)
        assert "[bold red]hi[/]" in str(command.render())


async def test_destructive_y_never_confirms(make_app) -> None:
    app = make_app()
    clock = Clock()
    async with app.run_test(size=(100, 32)) as pilot:
        screen, decided = await open_dialog(app, pilot, destructive_request(dwell=2.0), clock)
        assert screen.has_class("-destructive")
        clock.now += 10
        await pilot.press("y")
        assert not decided.done()
        await pilot.press("enter")
        assert not decided.done(), "Enter confirmed (or rejected) what was not the challenge"
        await pilot.press("escape")
        assert not decided.done()
        await pilot.press("y")
        assert not decided.done(), "y confirmed a DESTRUCTIVE command"
        await pilot.press("enter")
        assert (await decided) == Decision.reject(), "Enter on Cancel rejects"


async def test_destructive_needs_the_challenge_and_the_dwell(make_app) -> None:
    app = make_app()
    clock = Clock()
    # Letters of the challenge are hotkeys elsewhere in the dialog: typed into the input they must stay text.
    request = destructive_request(dwell=2.0, challenge="ynre-ef01")
    async with app.run_test(size=(100, 32)) as pilot:
        screen, decided = await open_dialog(app, pilot, request, clock)
        field = screen.query_one("#challenge-1", Input)
        field.focus()
        await pilot.press(*"ynre-ef0", "enter")
        assert not decided.done(), "a partial challenge confirmed"
        await pilot.press("1", "enter")
        assert not decided.done(), "the challenge confirmed before the dwell"
        assert "read the consequence" in str(screen.query_one("#hint", Static).render())
        assert screen.query_one("#approve", Button).disabled
        clock.now += 2.1
        await pilot.press("enter")
        decision = await decided
        assert decision.approved
        assert decision.typed_challenges == ("ynre-ef01",)


async def test_destructive_states_consequence_and_no_rollback(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(100, 32)) as pilot:
        screen, _ = await open_dialog(app, pilot, destructive_request())
        text = " ".join(str(w.render()) for w in screen.query(Static))
        assert "Deletes /srv/app/cache and everything below it." in text
        assert "NO ROLLBACK: the tree is larger than the capture size cap" in text
        assert 'Type "web1-ef01" to confirm' in text
        assert "PROD" in " ".join(str(w.render()) for w in screen.query("Label"))


async def test_plan_lists_steps_and_read_output(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        screen, decided = await open_dialog(app, pilot, plan_request())
        text = " ".join(str(w.render()) for w in screen.query(Static))
        for command in ("nginx -t", "cp /tmp/nginx.conf /etc/nginx/nginx.conf", "nginx -s reload"):
            assert command in text
        assert "syntax is ok" in text
        assert "NO ROLLBACK: a reload cannot be undone" in text
        await pilot.press("y")
        assert (await decided).approved


async def test_plan_with_two_destructive_steps_needs_both_challenges_in_order(make_app) -> None:
    app = make_app()
    clock = Clock()
    async with app.run_test(size=(100, 40)) as pilot:
        screen, decided = await open_dialog(app, pilot, plan_request(destructive=2, dwell=1.0), clock)
        clock.now += 5
        await pilot.press("pagedown", "pagedown", "pagedown")  # the whole plan is read before it is confirmed
        screen.query_one("#challenge-4", Input).focus()
        await pilot.press(*"web1-d0ff", "enter")
        assert not decided.done()
        assert app.focused is screen.query_one("#challenge-5", Input)
        await pilot.press(*"web1-d1ff", "enter")
        decision = await decided
        assert decision.approved
        assert decision.typed_challenges == ("web1-d0ff", "web1-d1ff")


async def test_rollback_requires_an_explicit_overwrite(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(100, 32)) as pilot:
        screen, decided = await open_dialog(app, pilot, rollback_request(requires_force=True))
        assert "certbot renw" in str(screen.query_one("#rollback-diff", Static).render())
        await pilot.press("y")
        assert not decided.done()
        await pilot.press("f", "y")
        decision = await decided
        assert decision.approved and decision.force


async def test_rollback_without_drift_is_a_plain_write(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(100, 32)) as pilot:
        _, decided = await open_dialog(app, pilot, replace(rollback_request(requires_force=False)))
        await pilot.press("f", "y")
        decision = await decided
        assert decision.approved and not decision.force


async def test_dialog_keys_follow_the_keymap(make_app) -> None:
    app = make_app(keymap={"approval.approve": "a"})
    async with app.run_test(size=(100, 32)) as pilot:
        _, decided = await open_dialog(app, pilot, write_request())
        await pilot.press("y")
        assert not decided.done()
        await pilot.press("a")
        assert (await decided).approved
