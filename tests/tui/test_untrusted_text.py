"""Untrusted text cannot spoof the console: escape payloads in output, purposes, diffs, file names, host labels,
the model's answer, notices and the timeline reach the screen as visible escapes, never as commands.

Each test reads what Textual would write to the terminal (`raw_controls`: every character a terminal would obey
rather than show) and what it reads as (`screen_lines`).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from console.core.approval import StepReview
from console.core.classify.model import Classification, Target
from console.core.events import Notice
from console.core.tiers import Tier
from console.tui.messages import SessionEvents
from console.tui.screens.approval import screen_for
from tests.fakes.anthropic_server import text_turn, tool_turn
from tests.support.terminal import PAYLOAD, PAYLOAD_SHOWN, PRINTF_PAYLOAD
from tests.tui.pilot import dialog, raw_controls, say, screen_lines, turn_done, wait_for
from tests.tui.requests import write_request


def poisoned_request():
    """Every field of a WRITE request the operator reads, carrying the payload."""
    request = write_request(f"echo '{PAYLOAD}' > /etc/motd", labels=("prod", PAYLOAD))
    step = request.steps[0]
    classification = Classification(
        step.command,
        Tier.WRITE,
        (f"a redirect writes {PAYLOAD}",),
        (Target("path", f"/etc/{PAYLOAD}"),),
        None,
        ("files",),
    )
    step = replace(
        step,
        purpose=PAYLOAD,
        classification=classification,
        capture_lines=(f"/etc/{PAYLOAD} (12 bytes)",),
        preview=f"--- /etc/motd\n+++ /etc/motd\n@@ -1 +1 @@\n-old\n+{PAYLOAD}",
    )
    return replace(request, title=PAYLOAD, steps=(step,), warnings=(f"drifted: {PAYLOAD}",))


async def test_a_dialog_shows_every_untrusted_field_as_visible_escapes(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        screen = screen_for(poisoned_request())
        app.push_screen(screen)
        await wait_for(pilot, lambda: screen.is_mounted)
        await pilot.pause()
        assert raw_controls(app) == []
        text = "\n".join(screen_lines(app))
        assert PAYLOAD_SHOWN in text
        assert "[bold]x[/bold]" in text, "markup in untrusted text was interpreted"
        assert "WRITE" in text and "READ no change" not in text.replace(PAYLOAD_SHOWN, "")


async def test_output_with_escapes_leaves_the_screen_alone(console_app) -> None:
    app = console_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await say(pilot, "!" + PRINTF_PAYLOAD)
        await turn_done(pilot)
        await wait_for(pilot, lambda: any("PWNED-TITLE" in line for line in app.host_pane.log_widget.lines))
        await pilot.pause()
        assert raw_controls(app) == []
        assert any("\\x1b]0;PWNED-TITLE\\x07\\x1b[2J" in line for line in screen_lines(app))


async def test_a_file_name_with_escapes_in_the_dialog_the_output_and_the_timeline(console_app, tmp_path: Path) -> None:
    from console.tui.screens.timeline import TimelineScreen

    app = console_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await say(pilot, f"!touch {tmp_path}/$'x\\033[2J\\u202ey'")
        await dialog(pilot)
        await pilot.pause()
        assert raw_controls(app) == []
        assert any("x\\x1b[2J<U+202E>y" in line for line in screen_lines(app))
        await pilot.press("y")
        await turn_done(pilot)
        assert raw_controls(app) == []
        await pilot.press("ctrl+t")
        await wait_for(pilot, lambda: isinstance(app.screen, TimelineScreen))
        await pilot.pause()
        assert raw_controls(app) == []


async def test_a_diff_of_a_file_holding_escapes(console_app, tmp_path: Path) -> None:
    conf = tmp_path / "app.conf"
    conf.write_text("workers 1\n\x1b]0;PWNED-TITLE\x07\x1b[2Jclear\n")
    app = console_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await say(pilot, f"!sed -i 's/workers 1/workers 4/' {conf}")
        await dialog(pilot)
        await pilot.pause()
        assert raw_controls(app) == []
        assert any("\\x1b]0;PWNED-TITLE\\x07" in line for line in screen_lines(app))


async def test_the_models_answer_and_purpose_with_escapes(model, console_app, tmp_path) -> None:
    model(
        tool_turn("run_command", {"host": "local", "command": f"touch {tmp_path}/m", "purpose": PAYLOAD}),
        text_turn(f"Done. {PAYLOAD}"),
    )
    app = console_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await say(pilot, "touch it")
        await dialog(pilot)
        await pilot.pause()
        assert raw_controls(app) == []
        text = "\n".join(screen_lines(app))
        assert PAYLOAD_SHOWN in text
        await pilot.press("y")
        await turn_done(pilot)
        await pilot.pause()
        assert raw_controls(app) == []


async def test_a_notice_carrying_host_text(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        SessionEvents(app)(Notice(f"changed since review: {PAYLOAD}", "warning"))
        await wait_for(pilot, lambda: bool(app._notifications))
        await pilot.pause(0.3)
        assert raw_controls(app) == []
        assert any("[bold]x[/bold]" in line for line in screen_lines(app)), "the toast parsed markup"


async def test_a_step_review_of_a_plan_with_escapes(make_app) -> None:
    from tests.tui.requests import plan_request

    request = plan_request()
    steps = tuple(
        replace(step, purpose=PAYLOAD, command=step.command + " #" + PAYLOAD) if isinstance(step, StepReview) else step
        for step in request.steps
    )
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        screen = screen_for(replace(request, title=PAYLOAD, steps=steps))
        app.push_screen(screen)
        await wait_for(pilot, lambda: screen.is_mounted)
        await pilot.pause()
        assert raw_controls(app) == []


async def test_a_classifier_miss_and_a_confinement_label_with_escapes(make_app) -> None:
    """What main's READ confinement adds to the screen (the host pane's confinement note, a caught miss's
    attempted lines from the host, the ctrl+g offer) goes through the renderer like the output."""
    from console.core.events import ClassifierMiss, ReadConfinementChanged, StepStarted
    from console.core.outcome import Outcome, Status, Verdict

    command = f"cat /srv/{PAYLOAD}"
    read = Classification(command, Tier.READ, ("cat only reads",), (), None, ())
    miss = Outcome(
        "local",
        command,
        read,
        Verdict.AUTO,
        Status.DONE,
        confinement=f"confined: {PAYLOAD}",
        attempted=(f"modified /srv/{PAYLOAD} (discarded)", f"denied: {PAYLOAD}"),
    )
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        events = SessionEvents(app)
        events(StepStarted("local", command, Tier.READ, confinement=f"confined: {PAYLOAD}"))
        events(ReadConfinementChanged("local", False, PAYLOAD))
        events(ClassifierMiss(miss))
        await wait_for(pilot, lambda: "classifier miss" in "\n".join(screen_lines(app)))
        await pilot.pause()
        assert raw_controls(app) == []
        text = "\n".join(screen_lines(app))
        assert "denied: " + PAYLOAD_SHOWN[:20] in text  # the pane is narrower than the line: its start is enough
        assert "READS NOT CONFINED" in text
