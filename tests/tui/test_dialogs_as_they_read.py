"""Every approval flow works as it reads, at 80x24: the DESTRUCTIVE challenge is typed where it says, what is
approved is on the screen before the approve key works, and the words are plain."""

from __future__ import annotations

from dataclasses import replace

import pytest
from textual.widgets import Button, Input

from console.core.approval import ApprovalRequest, Decision
from console.core.classify.model import Classification, Target
from console.core.tiers import Tier
from tests.tui.pilot import screen_lines, wait_for
from tests.tui.requests import destructive_request, plan_request, rollback_request, write_request
from tests.tui.test_approval_dialogs import Clock, open_dialog

HOTKEY_CHALLENGE = "web1-enrm"
"""Every letter a dialog key elsewhere: e edit, n reject, r reason, m remember."""


def screen_text(app) -> str:
    return "\n".join(screen_lines(app))


async def test_after_the_dwell_the_challenge_has_focus_and_takes_every_key(make_app) -> None:
    app = make_app()
    clock = Clock()
    async with app.run_test(size=(80, 24)) as pilot:
        screen, decided = await open_dialog(
            app, pilot, destructive_request(dwell=2.0, challenge=HOTKEY_CHALLENGE), clock
        )
        clock.now += 2.5
        await pilot.pause(0.2)
        field = screen.query_one("#challenge-1", Input)
        assert app.focused is field
        await pilot.press(*HOTKEY_CHALLENGE)
        assert not decided.done(), "a letter of the challenge fired a dialog key"
        assert field.value == HOTKEY_CHALLENGE
        await pilot.press("enter")
        decision = await decided
        assert decision.approved and decision.typed_challenges == (HOTKEY_CHALLENGE,)


async def test_a_wrong_challenge_says_so_and_keeps_the_dialog(make_app) -> None:
    app = make_app()
    clock = Clock()
    async with app.run_test(size=(80, 24)) as pilot:
        screen, decided = await open_dialog(app, pilot, destructive_request(dwell=1.0), clock)
        clock.now += 2
        await pilot.pause(0.2)
        await pilot.press(*"web1-0000", "enter")
        await pilot.pause()
        assert not decided.done() and app.screen is screen
        assert "does not match" in screen_text(app)
        await pilot.press("enter")
        assert not decided.done(), "Enter on a wrong challenge rejected the command without a word"


async def test_the_challenge_field_has_no_placeholder_that_looks_filled_in(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen, _ = await open_dialog(app, pilot, destructive_request())
        field = screen.query_one("#challenge-1", Input)
        assert "web1-ef01" not in field.placeholder


async def test_escape_leaves_the_field_and_then_dialog_keys_work(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        _screen, decided = await open_dialog(app, pilot, destructive_request())
        await wait_for(pilot, lambda: isinstance(app.focused, Input))
        await pilot.press("escape")
        assert not decided.done(), "Esc in the field rejected instead of leaving the field"
        assert isinstance(app.focused, Button) and app.focused.id == "cancel"
        await pilot.press("n")
        assert (await decided) == Decision.reject()


@pytest.mark.parametrize("request_", [destructive_request(), write_request(), plan_request(destructive=1)])
async def test_tab_visits_only_visible_controls(make_app, request_: ApprovalRequest) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_dialog(app, pilot, request_)
        visited = []
        for _ in range(6):
            await pilot.press("tab")
            focused = app.focused
            assert focused is not None
            visited.append(focused)
            assert isinstance(focused, (Input, Button)), f"Tab landed on an invisible stop: {focused!r}"
            assert focused.display and focused.region.area > 0


REQUESTS = {
    "write": write_request(),
    "destructive": destructive_request(),
    "plan": plan_request(destructive=1),
    "rollback": rollback_request(requires_force=True),
}


@pytest.mark.parametrize("request_", REQUESTS.values(), ids=REQUESTS.keys())
async def test_every_dialog_fits_80x24_with_its_decision_keys_in_view(make_app, request_: ApprovalRequest) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_dialog(app, pilot, request_)
        await pilot.pause()
        text = screen_text(app)
        assert "Cancel (n)" in text
        assert ("Approve (y)" in text) or ("Confirm" in text)
        assert "n reject" in text.replace("n/Esc reject", "n reject")


def long_diff_request(lines: int = 200) -> ApprovalRequest:
    command = "sed -i 's/1/4/' /etc/app.conf"
    request = write_request(command)
    classification = Classification(
        command, Tier.WRITE, ("sed -i edits /etc/app.conf in place",), (Target("path", "/etc/app.conf"),), None, ()
    )
    diff = "--- /etc/app.conf\n+++ /etc/app.conf\n@@ -1,200 +1,200 @@\n" + "\n".join(
        f"-setting{n} 1\n+setting{n} 4" for n in range(lines // 2)
    )
    step = replace(
        request.steps[0],
        purpose="turn every setting up",
        classification=classification,
        capture_lines=("/etc/app.conf (2.4 KiB)",),
        preview=diff,
    )
    return replace(request, title=step.purpose, steps=(step,))


async def test_a_long_diff_says_how_much_more_and_d_shows_all_of_it(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen, decided = await open_dialog(app, pilot, long_diff_request())
        await pilot.pause()
        text = screen_text(app)
        assert "more lines: d to view" in text
        assert "-setting0 1" in text
        await pilot.press("d")
        await wait_for(pilot, lambda: app.screen is not screen)
        await pilot.press("end")
        await pilot.pause()
        assert "+setting99 4" in screen_text(app)
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is screen)
        await pilot.press("y")
        assert (await decided).approved


async def test_approve_waits_until_the_whole_request_was_on_the_screen(make_app) -> None:
    """A plan too long for 80x24: `y` says what is left to read, and works once the end was in view."""
    request = plan_request()
    many = tuple(
        replace(request.steps[1], index=n, command=f"cp /tmp/site{n}.conf /etc/nginx/sites/{n}.conf")
        for n in range(2, 14)
    )
    request = replace(request, steps=(request.steps[0], *many))
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        _screen, decided = await open_dialog(app, pilot, request)
        await pilot.pause()
        await pilot.press("y")
        assert not decided.done(), "y approved a plan whose last steps were never on the screen"
        assert "scroll" in screen_text(app).lower()
        for _ in range(20):
            await pilot.press("pagedown")
        await pilot.pause()
        assert "/etc/nginx/sites/13.conf" in screen_text(app)
        await pilot.press("y")
        assert (await decided).approved


async def test_titles_do_not_repeat_the_tier_and_targets_read_plainly(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 32)) as pilot:
        request = replace(write_request(), login_user="root")
        _screen, _ = await open_dialog(app, pilot, request)
        await pilot.pause()
        text = screen_text(app)
        title_row = next(line for line in screen_lines(app) if "WRITE" in line)
        assert title_row.count("WRITE") == 1, title_row
        assert "crontab of root" in text
        assert "path:" not in text and "crontab:" not in text


async def test_a_file_target_reads_as_its_path(make_app) -> None:
    app = make_app()
    classification = Classification(
        "cp a /etc/x.conf", Tier.WRITE, ("cp writes /etc/x.conf",), (Target("path", "/etc/x.conf"),), None, ("files",)
    )
    request = write_request()
    request = replace(
        request, steps=(replace(request.steps[0], command="cp a /etc/x.conf", classification=classification),)
    )
    async with app.run_test(size=(120, 32)) as pilot:
        await open_dialog(app, pilot, request)
        await pilot.pause()
        assert "Targets: /etc/x.conf" in screen_text(app)


async def test_diffs_are_coloured(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 32)) as pilot:
        screen, _ = await open_dialog(app, pilot, write_request())
        await pilot.pause()
        preview = screen.query_one(".preview")
        rendered = preview.render()
        styles = {str(span.style) for span in rendered.spans}  # type: ignore[attr-defined]
        assert len(styles) >= 2, "added and removed lines are not told apart by colour"
