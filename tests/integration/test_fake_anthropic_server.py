"""The fake Messages API itself: run as a script (for TUI and tmux tests) and strict like the real API."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import anthropic
import pytest

from tests.fakes.anthropic_server import FakeAnthropicServer, text_turn, tool_turn

ROOT = Path(__file__).resolve().parents[2]


def test_runs_as_a_script_serving_a_scripted_file_until_killed(tmp_path: Path) -> None:
    script = tmp_path / "turns.json"
    script.write_text(json.dumps([text_turn("Hello from the script.")]), encoding="utf-8")
    port_file, log = tmp_path / "port", tmp_path / "requests.jsonl"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.fakes.anthropic_server",
            "--script",
            str(script),
            "--port-file",
            str(port_file),
            "--requests-log",
            str(log),
        ],
        cwd=ROOT,
    )
    try:
        deadline = time.monotonic() + 10
        while not port_file.exists():
            assert time.monotonic() < deadline and process.poll() is None, "the fake server did not start"
            time.sleep(0.05)
        client = anthropic.Anthropic(api_key="k", base_url=f"http://127.0.0.1:{port_file.read_text()}", max_retries=0)
        with client.messages.stream(model="m", max_tokens=10, messages=[{"role": "user", "content": "hi"}]) as stream:
            assert stream.get_final_text() == "Hello from the script."
        assert json.loads(log.read_text().splitlines()[0])["messages"][0]["content"] == "hi"
    finally:
        process.terminate()
        assert process.wait(timeout=10) == 0


def test_rejects_a_tool_use_without_its_tool_result_like_the_real_api() -> None:
    with FakeAnthropicServer([text_turn("never sent")]) as server:
        client = anthropic.Anthropic(api_key="k", base_url=server.url, max_retries=0)
        messages = [
            {"role": "user", "content": "go"},
            {"role": "assistant", "content": [{"type": "tool_use", "id": "t1", "name": "list_hosts", "input": {}}]},
            {"role": "user", "content": "and?"},
        ]
        with pytest.raises(anthropic.BadRequestError, match="without tool_result"):
            client.messages.create(model="m", max_tokens=10, messages=messages)  # type: ignore[arg-type]


def test_tool_input_arrives_in_several_json_pieces() -> None:
    turn = tool_turn("run_command", {"host": "local", "command": "uptime", "purpose": "load"}, chunk_size=5)
    with FakeAnthropicServer([turn]) as server:
        client = anthropic.Anthropic(api_key="k", base_url=server.url, max_retries=0)
        with client.messages.stream(model="m", max_tokens=10, messages=[{"role": "user", "content": "x"}]) as stream:
            pieces = [event for event in stream if event.type == "input_json"]
            message = stream.get_final_message()
    assert len(pieces) > 5
    assert message.stop_reason == "tool_use"
    assert message.content[0].input == {"host": "local", "command": "uptime", "purpose": "load"}  # type: ignore[union-attr]
