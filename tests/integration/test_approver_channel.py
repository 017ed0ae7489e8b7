"""The approver channel between `hitl mcp` and the console, attacked the way a stray or hostile local process
would: real Unix sockets in a real state directory, raw bytes on the wire."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import stat
import struct
import subprocess
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

import pytest

from console.core.approval import ApprovalRequest, Decision, Lifetime, RememberChoice, Scope
from console.core.mcp.channel import NO_APPROVER, ApproverListener, ConsoleApprover, WaitingCall, current_call
from console.core.mcp.wire import (
    MAX_MESSAGE,
    WireError,
    client_name,
    decode_decision,
    decode_request,
    encode_decision,
    encode_request,
    read_message,
)
from console.core.transport.base import Ended, RunResult
from tests.tui.requests import destructive_request, plan_request, write_request


class Console:
    """A listener whose operator answers with `decision` and remembers what was shown and logged."""

    def __init__(self, state_dir: Path, decision: Decision | None = None) -> None:
        self.decision = decision or Decision(approved=True)
        self.shown: list[tuple[str, ApprovalRequest]] = []
        self.logged: list[str] = []
        self.listener = ApproverListener(state_dir, self.review, self.logged.append)

    async def review(self, client: str, request: ApprovalRequest) -> Decision:
        self.shown.append((client, request))
        return self.decision


def frame(body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + body


def review_body(**changes: object) -> bytes:
    message = json.loads(encode_request(write_request(), client="agent", request_id="r1")[4:])
    message.update(changes)
    return json.dumps(message).encode()


async def exchange(path: Path, data: bytes) -> bytes:
    reader, writer = await asyncio.open_unix_connection(str(path))
    writer.write(data)
    await writer.drain()
    writer.write_eof()
    try:
        return await asyncio.wait_for(reader.read(), 10)
    finally:
        writer.close()


def test_a_request_survives_the_wire_as_the_dialog_needs_it() -> None:
    for request in (write_request(), destructive_request(dwell=2.0), plan_request(destructive=1)):
        _id, client, back = decode_request(json.loads(encode_request(request, client="codex", request_id="x")[4:]))
        assert client == "codex" and back.requested_by == "mcp:codex"
        assert replace(back, requested_by=None, steps=()) == replace(request, steps=())
        for sent, got in zip(request.steps, back.steps, strict=True):
            assert (got.command, got.purpose, got.tier, got.challenge, got.preview) == (
                sent.command,
                sent.purpose,
                sent.tier,
                sent.challenge,
                sent.preview,
            )
            assert got.classification.reasons == sent.classification.reasons
            assert got.classification.consequence == sent.classification.consequence
            assert [(t.kind, t.value) for t in got.classification.targets] == [
                (t.kind, t.value) for t in sent.classification.targets
            ]
            assert got.no_rollback_words == sent.no_rollback_words
            assert got.digest == "", "the digest the approval is bound to stays in the server"
            if sent.result is not None:
                assert got.result is not None and got.result.stdout == sent.result.stdout


def test_a_decision_survives_the_wire_and_a_foreign_one_does_not() -> None:
    decision = Decision(
        approved=True,
        typed_challenges=("web1-ef01",),
        remember=RememberChoice(Scope.PREFIX, Lifetime.DAY, "prod"),
        force=True,
    )
    message = json.loads(encode_decision(decision, request_id="r1")[4:])
    back = decode_decision(message, "r1")
    assert replace(back, decided_by="operator") == decision
    with pytest.raises(WireError, match="another request"):
        decode_decision(message, "r2")
    with pytest.raises(WireError, match="unknown field"):
        decode_decision({**message, "decision": {**message["decision"], "approve_all": True}}, "r1")
    with pytest.raises(WireError, match="wrong type"):
        decode_decision({**message, "decision": {**message["decision"], "approved": "yes"}}, "r1")


@pytest.mark.parametrize(
    ("name", "data", "says"),
    [
        ("over the size cap", struct.pack(">I", MAX_MESSAGE + 1) + b"{}", "over the limit"),
        ("not JSON", frame(b"\xff\xfe not json"), "not UTF-8 JSON"),
        ("a JSON array", frame(b"[1, 2]"), "not a JSON object"),
        ("another version", frame(review_body(v=2)), "protocol version 2"),
        ("an unknown field", frame(review_body(approved=True)), "unknown field(s) approved"),
        ("a tier hitl does not have", frame(review_body().replace(b'"WRITE"', b'"ROOT"')), "'ROOT' is not allowed"),
        ("a client name with markup", frame(review_body(client="a\n[b]x")), "client name"),
        ("a truncated message", struct.pack(">I", 100) + b'{"v":1', "inside a message"),
    ],
)
async def test_a_bad_message_is_dropped_with_one_line_and_the_console_keeps_serving(
    tmp_path: Path, name: str, data: bytes, says: str
) -> None:
    console = Console(tmp_path / "state")
    assert await console.listener.start()
    try:
        answer = await exchange(console.listener.path, data)
        assert answer == b"", f"{name}: the console answered a bad message"
        await asyncio.sleep(0.05)
        assert len(console.logged) == 1 and says in console.logged[0], console.logged
        assert "Traceback" not in console.logged[0] and "\n" not in console.logged[0]
        assert console.shown == []
        good = await ConsoleApprover(tmp_path / "state", timeout=10, interval=5).review(write_request())
        assert good.approved and len(console.shown) == 1
    finally:
        await console.listener.close()


async def test_no_console_means_refused_at_once_even_with_a_stale_socket(tmp_path: Path) -> None:
    state = tmp_path / "state"
    approver = ConsoleApprover(state, timeout=600, interval=15)
    decision = await asyncio.wait_for(approver.review(write_request()), 5)
    assert decision.refused and not decision.approved and decision.reason == NO_APPROVER
    console = Console(state)
    assert await console.listener.start()
    await console.listener.close()
    state.joinpath("approver.sock").touch()  # left behind by a console that was killed
    decision = await asyncio.wait_for(approver.review(write_request()), 5)
    assert decision.refused and decision.reason == NO_APPROVER


async def test_one_console_answers_per_home_and_the_socket_is_the_users_alone(tmp_path: Path) -> None:
    state = tmp_path / "state"
    first, second = Console(state), Console(state)
    assert await first.listener.start()
    try:
        assert not await second.listener.start(), "a second console took over the channel"
        assert stat.S_IMODE(state.stat().st_mode) == 0o700
        assert stat.S_IMODE(first.listener.path.stat().st_mode) == 0o600
        token = current_call.set(WaitingCall(client="codex"))
        try:
            decision = await ConsoleApprover(state, timeout=10, interval=5).review(destructive_request())
        finally:
            current_call.reset(token)
        assert decision.approved and first.shown[0][0] == "codex" and second.shown == []
    finally:
        await first.listener.close()
    assert await second.listener.start(), "the channel stays taken after its console closed"
    await second.listener.close()


async def test_a_deep_hitl_home_still_gets_a_channel(tmp_path: Path) -> None:
    state = tmp_path / ("d" * 60) / ("e" * 60) / "state"
    assert len(os.fsencode(state / "approver.sock")) > 108
    console = Console(state, Decision.reject("no"))
    assert await console.listener.start()
    try:
        decision = await ConsoleApprover(state, timeout=10, interval=5).review(write_request())
    finally:
        await console.listener.close()
    assert not decision.approved and decision.reason == "no" and not decision.refused


@pytest.mark.skipif(os.getuid() != 0, reason="needs root to connect as another user")
async def test_another_user_is_refused_by_its_credentials() -> None:
    """Even if the directory and socket were opened up to everyone, a peer of another uid is not listened to."""
    top = Path(tempfile.mkdtemp(prefix="hitl-peer-"))  # pytest's own tmp tree is closed to other users
    console = Console(top / "state")
    assert await console.listener.start()
    try:
        os.chmod(top, 0o755)
        os.chmod(top / "state", 0o755)
        os.chmod(console.listener.path, 0o666)
        script = (
            "import socket,sys\ns=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])\n"
            "try:\n s.sendall(bytes.fromhex(sys.argv[2])); print('answer' if s.recv(100) else 'closed')\n"
            "except OSError: print('closed')"
        )
        data = frame(review_body())
        proc = await asyncio.create_subprocess_exec(
            "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
            sys.executable, "-c", script, str(console.listener.path), data.hex(),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )  # fmt: skip
        out, err = await asyncio.wait_for(proc.communicate(), 30)
        assert proc.returncode == 0, err
        assert out.strip() == b"closed"
        await asyncio.sleep(0.05)
        assert console.shown == []
        assert console.logged == ["approver channel: request dropped: peer runs as uid 65534, not 0"]
    finally:
        await console.listener.close()
        shutil.rmtree(top)


def test_client_names_are_cut_to_what_the_console_can_show_safely() -> None:
    assert client_name("claude-code") == "claude-code"
    assert client_name("Claude Code 2.0") == "Claude-Code-2.0"
    assert client_name("x\n\x1b[31m[b]APPROVED[/b]") == "x---31m-b-APPROVED--b"
    assert client_name("") == client_name(None) == "unknown"
    assert len(client_name("a" * 500)) == 40


async def test_read_message_refuses_before_reading_a_huge_body() -> None:
    reader = asyncio.StreamReader()
    reader.feed_data(struct.pack(">I", 1 << 31))
    with pytest.raises(WireError, match="over the limit"):
        await read_message(reader)


def test_plan_results_travel_with_their_end() -> None:
    request = plan_request()
    ran = [s for s in request.steps if s.result is not None]
    assert ran, "the plan request has a READ step that already ran"
    step = replace(ran[0], result=RunResult(1, "out", "err", 0.5, Ended.TIMED_OUT, error="timed out"))
    request = replace(request, steps=(step, *request.steps[1:]))
    _id, _client, back = decode_request(json.loads(encode_request(request, client="c", request_id="i")[4:]))
    assert back.steps[0].result is not None
    assert back.steps[0].result.ended is Ended.TIMED_OUT and back.steps[0].result.error == "timed out"


async def test_text_no_terminal_can_show_is_refused_on_both_ends(tmp_path: Path) -> None:
    body = review_body().replace(b'"fix the certificate renewal cron"', b'"fix \\ud800 it"')
    console = Console(tmp_path / "state")
    assert await console.listener.start()
    try:
        assert await exchange(console.listener.path, frame(body)) == b""
        await asyncio.sleep(0.05)
        assert console.shown == [] and "not valid Unicode" in console.logged[0]
        request = write_request(command="touch \ud800")
        decision = await ConsoleApprover(tmp_path / "state", timeout=10, interval=5).review(request)
        assert decision.refused and "not valid Unicode" in (decision.reason or "")
    finally:
        await console.listener.close()


async def test_a_channel_that_cannot_be_opened_leaves_no_lock_behind(tmp_path: Path) -> None:
    state = tmp_path / "state"
    state.mkdir(mode=0o700)
    (state / "approver.sock").mkdir()  # something that is not a socket where the socket goes
    console = Console(state)
    with pytest.raises(OSError):
        await console.listener.start()
    (state / "approver.sock").rmdir()
    again = Console(state)
    assert await again.listener.start(), "the failed start kept the lock"
    await again.listener.close()
