"""The redaction table end to end: no secret reaches the model's request body or any file hitl writes.

A real session (memory store, local transport, classifier) answers the real `anthropic` SDK pointed at the fake
Messages API. The operator pastes every sample into the chat; the model reads each sample from a file on the
host (READ commands), echoes samples into a plan's title and purposes and into notes; the console saves the
conversation. Then every request body, every file under HITL_HOME (database, WAL, SHM, blobs, state) while the
store is open and after it closed, and what `hitl history --json` and `hitl audit export` print are searched for
every secret of the table.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import anthropic

from console.core.agent.anthropic_agent import AnthropicAgent
from console.core.agent.base import AgentEvent
from console.core.session_tools import SessionTools
from tests.fakes.anthropic_server import FakeAnthropicServer, text_turn
from tests.support.secret_kinds import TABLE
from tests.support.session import RuntimeFactory, ScriptedApprover

SECRETS = sorted({secret for kind in TABLE for secret in kind.secrets})


def _tool_uses(name: str, inputs: list[dict[str, Any]]) -> dict[str, Any]:
    return {"content": [{"type": "tool_use", "name": name, "input": item} for item in inputs]}


def _script(files: list[Path]) -> list[dict[str, Any]]:
    reads = [{"host": "local", "command": f"cat {path}", "purpose": "read the sample"} for path in files]
    half = len(TABLE) // 2
    plans = [
        {
            "title": " | ".join(kind.text for kind in part if len(kind.text) < 200)[:7000],
            "host": "local",
            "steps": [{"command": "echo checked", "purpose": kind.text} for kind in part],
        }
        for part in (TABLE[:half][:50], TABLE[half:][:50], TABLE[100:])
    ]
    notes = [{"text": kind.text, "tags": [kind.text.split()[0][:40]]} for kind in TABLE]
    return [
        _tool_uses("run_command", reads),
        _tool_uses("propose_plan", plans),
        _tool_uses("remember", notes),
        text_turn("All read; nothing to report."),
    ]


def _leaks(text: str) -> list[str]:
    return [secret for secret in SECRETS if secret in text]


def _files_leak(root: Path) -> dict[str, list[str]]:
    found = {}
    for path in sorted(root.rglob("*")):
        if path.is_file():
            data = path.read_bytes().decode("utf-8", errors="replace")
            if leaks := _leaks(data):
                found[str(path.relative_to(root))] = leaks
    return found


def _hitl(home: Path, *args: str) -> str:
    env = {**os.environ, "HITL_HOME": str(home)}
    done = subprocess.run(
        [sys.executable, "-m", "console", *args], capture_output=True, text=True, env=env, check=False, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return done.stdout + done.stderr


async def test_no_secret_of_the_table_reaches_the_model_or_the_disk(
    fake_anthropic: Any, tmp_path: Path, hitl_home: Path, make_runtime: RuntimeFactory
) -> None:
    samples = tmp_path / "samples"
    samples.mkdir()
    files = []
    for index, kind in enumerate(TABLE):
        path = samples / f"sample-{index:03d}.txt"
        path.write_text(kind.text + "\n", encoding="utf-8")
        files.append(path)
    server: FakeAnthropicServer = fake_anthropic(_script(files))
    rt = make_runtime(ScriptedApprover())
    client = anthropic.AsyncAnthropic(api_key="sk-test", base_url=server.url, max_retries=0)

    async def context() -> str:
        return rt.memory.build_context([rt.session.current_host], query="password token key")

    agent = AnthropicAgent("claude-test", SessionTools(rt.session), context, client=client)
    message = "Here is what I found on the box, please check it:\n" + "\n\n".join(kind.text for kind in TABLE)
    events: list[AgentEvent] = []
    async with contextlib.aclosing(agent.run_turn(message)) as stream:
        events = [event async for event in stream]
    assert len(server.requests) == 4, events[-3:]
    rt.memory.save_conversation(rt.session.session_id, agent.history)

    assert len(rt.memory.notes(limit=500)) == len(TABLE)
    outputs = [action.output for action in rt.memory.actions(limit=500) if action.command.startswith("cat ")]
    assert len(outputs) == len(TABLE) and all("[REDACTED:" in output for output in outputs)

    for number, request in enumerate(server.requests, 1):
        leaks = _leaks(repr(request.body))
        assert not leaks, f"request {number} carries {len(leaks)} of {len(SECRETS)} secrets: {leaks[:5]}"
    assert {"-wal", "-shm"} <= {path.name[-4:] for path in hitl_home.rglob("hitl.sqlite3-*")}
    assert _files_leak(hitl_home) == {}, "while the store is open"
    await rt.close()
    assert _files_leak(hitl_home) == {}, "after the store closed"
    for args in (("history", "--json", "--limit", "1000"), ("audit", "export"), ("audit", "export", "--format", "csv")):
        printed = _hitl(hitl_home, *args)
        assert len(printed) > 1000
        assert _leaks(printed) == [], args
