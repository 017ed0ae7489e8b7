"""The redaction table (tests/support/secret_kinds.py) through the real console, in manual mode and with the model
(the real anthropic SDK against the fake Messages API): the operator types every sample into the chat and has
hitl read each from a file on the host; the model echoes them into plan titles, purposes and notes. No sample
reaches a request body or any file hitl writes (database, WAL, snapshots, state; while open and after closing),
`hitl history --json` or `hitl audit export`; the operator still sees what they typed."""

from __future__ import annotations

import contextlib
import io
import os
import threading
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Input

from console.cli import main
from console.tui.app import HitlApp
from tests.fakes.anthropic_server import text_turn
from tests.integration.test_secrets_never_leak import SECRETS, _files_leak, _leaks, _tool_uses
from tests.support.secret_kinds import TABLE
from tests.tui.pilot import say, turn_done, wait_for

BATCH_CHARS = 2800
MESSAGE = "Here is what I found on the box, please check it:\n" + "\n\n".join(kind.text for kind in TABLE)


def _samples(tmp_path: Path) -> list[str]:
    """The samples in files on the host, as a few `cat` commands whose output is short enough to be kept whole
    (every sample reaches the store and the model, not just a head and a tail)."""
    samples = tmp_path / "samples"
    samples.mkdir()
    batches: list[list[str]] = [[]]
    size = 0
    for index, kind in enumerate(TABLE):
        path = samples / f"sample-{index:03d}.txt"
        path.write_text(kind.text + "\n", encoding="utf-8")
        if size + len(kind.text) > BATCH_CHARS:
            batches.append([])
            size = 0
        batches[-1].append(str(path))
        size += len(kind.text)
    return ["cat " + " ".join(batch) for batch in batches]


def _script(reads: list[str]) -> list[dict[str, Any]]:
    """The model reads every sample, then echoes them into plan titles and purposes and into notes."""
    texts = [kind.text for kind in TABLE]
    halves = (texts[: len(texts) // 2], texts[len(texts) // 2 :])
    plans = [
        {
            "title": " | ".join(part)[:7000],
            "host": "local",
            "steps": [{"command": "echo checked", "purpose": "\n".join(part[i::4])} for i in range(4)],
        }
        for part in halves
    ]
    notes = [{"text": kind.text, "tags": [kind.text.split()[0][:40]]} for kind in TABLE]
    return [
        _tool_uses("run_command", [{"host": "local", "command": read, "purpose": "read"} for read in reads]),
        _tool_uses("propose_plan", plans),
        _tool_uses("remember", notes),
        text_turn("All read; nothing to report."),
    ]


async def _type(app: HitlApp, pilot, text: str) -> None:  # type: ignore[no-untyped-def]
    """What the operator pasted (all lines, as the plan editor and a paste into the console would carry them)."""
    await wait_for(pilot, lambda: isinstance(app.focused, Input))
    await say(pilot, text)


def _printed(*args: str) -> str:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        assert main(list(args)) == 0, err.getvalue()
    return out.getvalue() + err.getvalue()


def _seen_by_operator(app: HitlApp) -> str:
    return "\n".join(str(widget.render()) for widget in app.query("#chat-log Static"))


def _nothing_leaked(hitl_home: Path) -> None:
    assert _files_leak(hitl_home) == {}, "after the console closed"
    for args in (("history", "--json", "--limit", "1000"), ("audit", "export"), ("audit", "export", "--format", "csv")):
        printed = _printed(*args)
        assert len(printed) > 1000 and _leaks(printed) == [], args


async def test_manual_mode_keeps_every_secret_off_the_disk(console_app, tmp_path: Path, hitl_home: Path) -> None:
    reads = _samples(tmp_path)
    app = console_app()
    async with app.run_test(size=(160, 50)) as pilot:
        await _type(app, pilot, MESSAGE)
        await turn_done(pilot)
        await say(pilot, "/remember " + MESSAGE)
        await turn_done(pilot)
        await say(pilot, "/plan read the samples")
        await wait_for(pilot, lambda: app.screen.query("#plan-body"))
        app.screen.query_one("#plan-body").text = "\n".join(reads)  # type: ignore[attr-defined]
        sent = app.turns_started
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.turns_started > sent)
        await turn_done(pilot, timeout=60)
        assert app.runtime is not None
        outputs = [a.output for a in app.runtime.memory.actions(limit=500) if a.command.startswith("cat ")]
        assert len(outputs) == len(reads) and all("[REDACTED:" in output for output in outputs)
        assert all("characters omitted" not in output for output in outputs), "each output is kept whole"
        assert _leaks(_seen_by_operator(app)) == SECRETS, "the operator still sees what they typed"
        assert {"-wal", "-shm"} <= {path.name[-4:] for path in hitl_home.rglob("hitl.sqlite3-*")}
        assert _files_leak(hitl_home) == {}, "while the console is open"
    _nothing_leaked(hitl_home)


async def test_model_mode_keeps_every_secret_off_the_request_and_the_disk(
    model, console_app, tmp_path: Path, hitl_home: Path
) -> None:
    reads = _samples(tmp_path)
    server = model(*_script(reads))
    app = console_app()
    async with app.run_test(size=(160, 50)) as pilot:
        await _type(app, pilot, MESSAGE)
        await turn_done(pilot, timeout=60)
        assert len(server.requests) == 4
        assert app.runtime is not None
        outputs = [a.output for a in app.runtime.memory.actions(limit=500) if a.command.startswith("cat ")]
        assert len(outputs) == len(reads) and all("[REDACTED:" in output for output in outputs)
        assert len(app.runtime.memory.notes(limit=500)) == len(TABLE)  # type: ignore[attr-defined]
        assert _leaks(_seen_by_operator(app)) == SECRETS, "the operator still sees what they typed"
        assert _files_leak(hitl_home) == {}, "while the console is open"
    for number, request in enumerate(server.requests, 1):
        leaks = _leaks(repr(request.body))
        assert not leaks, f"request {number} carries {len(leaks)} of {len(SECRETS)} secrets: {leaks[:5]}"
    assert os.environ.get("ANTHROPIC_API_KEY") == "sk-ant-test"
    _nothing_leaked(hitl_home)


async def test_the_detector_library_is_loaded_in_a_thread_after_the_first_frame(
    console_app, monkeypatch: pytest.MonkeyPatch
) -> None:
    from console.core import runtime

    calls: list[tuple[bool, bool]] = []
    loaded = runtime.preload_redaction

    def preload() -> None:
        calls.append((threading.current_thread() is threading.main_thread(), app.screen.is_mounted))
        loaded()

    monkeypatch.setattr(runtime, "preload_redaction", preload)
    app = console_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: calls)
        assert calls == [(False, True)], "once, off the event loop's thread, once the screen was up"
