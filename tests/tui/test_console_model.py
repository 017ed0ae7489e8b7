"""The console with the model: the real anthropic SDK against the fake Messages API on 127.0.0.1.

Each test asserts what really happened on the host and what the model was sent afterwards.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.fakes.anthropic_server import error_turn, text_turn, tool_turn
from tests.tui.pilot import chat_text, dialog, say, turn_done, wait_for


def run(command: str, purpose: str = "") -> dict[str, str]:
    return {"host": "local", "command": command, "purpose": purpose or "fix it"}


async def test_answer_streams_into_the_chat(model, console_app) -> None:
    server = model(text_turn("The certificate renews **daily** at 03:00.", chunk_size=4))
    app = console_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await say(pilot, "When does the certificate renew?")
        await turn_done(pilot)
        assert "The certificate renews **daily** at 03:00." in chat_text(app)
        assert app.query_one("#status-bar").mode == app.settings.model
    assert server.requests[0].messages[-1]["content"][0]["text"] == "When does the certificate renew?"


async def test_rejection_reason_reaches_the_model_and_nothing_runs(model, console_app, tmp_path: Path) -> None:
    target = tmp_path / "renew.cron"
    server = model(
        tool_turn("run_command", run(f"printf '0 3 * * * certbot renew\\n' > {target}")),
        text_turn("Understood, I will use the staging host."),
    )
    app = console_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await say(pilot, "Fix the SSL certificate renewal cron")
        await dialog(pilot)
        await pilot.press("r", *"try staging first", "enter")
        await turn_done(pilot)
        assert not target.exists()
        assert "Understood" in chat_text(app)
    (result,) = server.requests[1].tool_results()
    text = json.dumps(result)
    assert "decision: rejected" in text
    assert "operator's reason: try staging first" in text


async def test_edited_command_is_classified_and_asked_again(model, console_app, tmp_path: Path) -> None:
    first, edited = tmp_path / "first", tmp_path / "edited"
    server = model(tool_turn("run_command", run(f"touch {first}")), text_turn("Done."))
    app = console_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await say(pilot, "Create the marker")
        screen = await dialog(pilot)
        await pilot.press("e")
        screen.query_one("#edit-input").value = f"echo edited > {edited}"
        await pilot.press("enter")
        again = await dialog(pilot)
        assert again is not screen
        assert again.request.steps[0].command == f"echo edited > {edited}"
        assert not edited.exists()
        await pilot.press("y")
        await turn_done(pilot)
    assert edited.read_text() == "edited\n"
    assert not first.exists()
    text = json.dumps(server.requests[1].tool_results())
    assert "the operator edited your command from" in text


async def test_escape_stops_the_answer_and_keeps_the_conversation(model, console_app) -> None:
    server = model(text_turn("word " * 400, chunk_size=5, delay=0.01), text_turn("Still here."))
    app = console_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await say(pilot, "Tell me everything")
        await wait_for(pilot, lambda: "word word" in chat_text(app))
        await pilot.press("escape")
        await turn_done(pilot)
        assert "Stopped" in chat_text(app)
        await say(pilot, "And now?")
        await turn_done(pilot)
        assert "Still here." in chat_text(app)
    second = server.requests[1].messages
    assert second[0]["content"][0]["text"] == "Tell me everything"
    assert second[-1]["content"][-1]["text"] == "And now?"


async def test_api_error_is_shown_and_the_conversation_goes_on(model, console_app) -> None:
    model(error_turn(401, "authentication_error", "invalid x-api-key"), text_turn("Hello again."))
    app = console_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await say(pilot, "Hello")
        await turn_done(pilot)
        assert "rejected the API key (401)" in chat_text(app)
        await say(pilot, "Hello?")
        await turn_done(pilot)
        assert "Hello again." in chat_text(app)


async def test_resume_continues_the_stored_conversation(model, console_app) -> None:
    server = model(text_turn("First answer."), text_turn("Second answer."))
    app = console_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await say(pilot, "First question")
        await turn_done(pilot)
    resumed = console_app(resume=True)
    async with resumed.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, resumed.ready.is_set)
        assert "Resumed the conversation" in chat_text(resumed)
        await say(pilot, "Second question")
        await turn_done(pilot)
    texts = [json.dumps(m["content"]) for m in server.requests[1].messages]
    assert "First question" in texts[0] and "First answer." in texts[1] and "Second question" in texts[2]


async def test_broken_stream_drops_the_partial_answer(model, console_app) -> None:
    model(
        text_turn("The first attempt breaks off here and must vanish", chunk_size=6, break_after=6),
        text_turn("The second attempt is complete."),
    )
    app = console_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await say(pilot, "Status?")
        await turn_done(pilot)
        text = chat_text(app)
        assert "The second attempt is complete." in text
        assert "The first attempt" not in text
