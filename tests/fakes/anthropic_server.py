"""A fake Anthropic Messages API: real HTTP on 127.0.0.1, SSE streaming, scripted turns.

The real `anthropic` SDK is pointed at it (`base_url=server.url` or `ANTHROPIC_BASE_URL`), so tests exercise
the SDK's own request building, SSE parsing and error mapping. Each POST /v1/messages consumes the next turn of
the script. A turn is a dict:

    {"content": [{"type": "text", "text": "..."},
                 {"type": "tool_use", "name": "run_command", "input": {...}}     # or "input_json": "raw text"
                ],
     "stop_reason": "end_turn" | "tool_use" | "max_tokens",   # default: tool_use if there is a tool_use block
     "chunk_size": 12,          # characters per text_delta / input_json_delta
     "delay": 0.0,              # seconds between SSE events
     "status": 429, "error_type": "rate_limit_error", "message": "...", "headers": {"retry-after-ms": "0"},
     "break_after": N,          # cut the connection after N events (an incomplete chunked body)
     "error_after": N,          # after N events send an SSE `error` event (api_error) and end the stream
     "stall_after": N}          # after N events send nothing more until the client goes away

Every request is recorded (`server.requests`), and checked like the real API checks it: a `tool_use` must be
answered by `tool_result` blocks at the start of the next user message, roles alternate, no empty text.
A request that breaks those rules gets a 400, so a test notices an invalid conversation.

As a script: `python -m tests.fakes.anthropic_server --script turns.json --port-file port.txt
[--requests-log requests.jsonl]` serves until killed (for the TUI and tmux end-to-end tests).
"""

from __future__ import annotations

import argparse
import json
import signal
import socket
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

Turn = Mapping[str, Any]


@dataclass
class RecordedRequest:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]

    @property
    def messages(self) -> list[dict[str, Any]]:
        return list(self.body.get("messages", []))

    def tool_results(self) -> list[dict[str, Any]]:
        """The tool_result blocks of the last user message."""
        last = self.messages[-1]
        content = last["content"] if isinstance(last["content"], list) else []
        return [block for block in content if block.get("type") == "tool_result"]


@dataclass
class _State:
    script: list[Turn]
    requests: list[RecordedRequest] = field(default_factory=list)
    first_byte_times: list[float] = field(default_factory=list)
    """`time.perf_counter()` when each streamed response wrote its first body byte."""
    requests_log: Path | None = None
    stopping: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    tool_counter: int = 0


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that goes away (Esc, a closed SDK client) is normal here, not worth a traceback."""
        import sys

        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class FakeAnthropicServer:
    def __init__(self, script: Sequence[Turn] = (), *, port: int = 0, requests_log: Path | None = None) -> None:
        self._state = _State(list(script), requests_log=requests_log)
        self._httpd = _Server(("127.0.0.1", port), _Handler)
        self._httpd.state = self._state  # type: ignore[attr-defined]
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def requests(self) -> list[RecordedRequest]:
        return self._state.requests

    @property
    def first_byte_times(self) -> list[float]:
        return self._state.first_byte_times

    @property
    def remaining(self) -> int:
        return len(self._state.script)

    def add(self, *turns: Turn) -> None:
        with self._state.lock:
            self._state.script.extend(turns)

    def start(self) -> FakeAnthropicServer:
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-anthropic", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._state.stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> FakeAnthropicServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def text_turn(text: str, **options: Any) -> dict[str, Any]:
    return {"content": [{"type": "text", "text": text}], **options}


def tool_turn(name: str, tool_input: Mapping[str, Any], text: str = "", **options: Any) -> dict[str, Any]:
    content: list[dict[str, Any]] = [{"type": "text", "text": text}] if text else []
    content.append({"type": "tool_use", "name": name, "input": dict(tool_input)})
    return {"content": content, **options}


def error_turn(status: int, error_type: str, message: str = "", **headers: str) -> dict[str, Any]:
    return {"status": status, "error_type": error_type, "message": message or error_type, "headers": headers}


def check_messages(body: Mapping[str, Any]) -> str | None:
    """What the real API would reject in this request body, or None."""
    for key in ("model", "max_tokens", "messages"):
        if key not in body:
            return f"{key}: Field required"
    messages = body["messages"]
    if not isinstance(messages, list) or not messages:
        return "messages: at least one message is required"
    expected_results: set[str] = set()
    previous_role = None
    for index, message in enumerate(messages):
        role = message.get("role")
        if index == 0 and role != "user":
            return "messages.0.role: the first message must use the user role"
        if role == previous_role:
            return f"messages.{index}: roles must alternate between user and assistant"
        previous_role = role
        content = message.get("content")
        blocks = [{"type": "text", "text": content}] if isinstance(content, str) else content
        if not blocks:
            return f"messages.{index}: content must not be empty"
        for block in blocks:
            if block.get("type") == "text" and not block.get("text", "").strip():
                return f"messages.{index}: text content blocks must contain non-whitespace text"
        if expected_results:
            leading = []
            for block in blocks:
                if block.get("type") != "tool_result":
                    break
                leading.append(block.get("tool_use_id"))
            missing = expected_results - set(leading)
            if role != "user" or missing:
                return (
                    f"messages.{index}: tool_use ids were found without tool_result blocks immediately after: "
                    f"{', '.join(sorted(missing or expected_results))}"
                )
        expected_results = set()
        if role == "assistant":
            expected_results = {block["id"] for block in blocks if block.get("type") == "tool_use"}
    return None


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fake-anthropic/1"

    def setup(self) -> None:
        super().setup()
        # One small write per SSE event: without TCP_NODELAY, Nagle + delayed ACK add ~40 ms per response.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:
        return

    @property
    def state(self) -> _State:
        return self.server.state  # type: ignore[attr-defined,no-any-return]

    def do_POST(self) -> None:
        length = int(self.headers.get("content-length", "0"))
        raw = self.rfile.read(length)
        try:
            body = json.loads(raw or b"{}")
        except json.JSONDecodeError:
            self._send_error(400, "invalid_request_error", "body is not JSON")
            return
        request = RecordedRequest(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
        with self.state.lock:
            self.state.requests.append(request)
            if self.state.requests_log is not None:
                with self.state.requests_log.open("a", encoding="utf-8") as log:
                    log.write(json.dumps(body) + "\n")
            turn = self.state.script.pop(0) if self.state.script else None
        if not self.path.startswith("/v1/messages"):
            self._send_error(404, "not_found_error", f"no route {self.path}")
            return
        problem = check_messages(body)
        if problem is not None:
            self._send_error(400, "invalid_request_error", problem)
            return
        if turn is None:
            self._send_error(400, "invalid_request_error", "fake server: no scripted turn left")
            return
        if "status" in turn:
            self._send_error(turn["status"], turn["error_type"], turn.get("message", ""), turn.get("headers", {}))
            return
        self._stream(body, turn)

    def _send_error(self, status: int, error_type: str, message: str, headers: Mapping[str, str] = {}) -> None:
        payload = json.dumps(
            {"type": "error", "error": {"type": error_type, "message": message}, "request_id": "req_fake"}
        ).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(payload)))
        self.send_header("request-id", "req_fake")
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)

    def _stream(self, body: Mapping[str, Any], turn: Turn) -> None:
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.send_header("cache-control", "no-cache")
        self.send_header("transfer-encoding", "chunked")
        self.send_header("request-id", "req_fake")
        self.end_headers()
        self.wfile.flush()
        delay = float(turn.get("delay", 0.0))
        first = True
        for count, (name, data) in enumerate(self._events(body, turn)):
            if count == turn.get("break_after"):
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            if count == turn.get("error_after"):
                self._write_event("error", {"type": "error", "error": {"type": "api_error", "message": "Internal"}})
                break
            if count == turn.get("stall_after"):
                self._stall()
                return
            if delay and not first:
                time.sleep(delay)
            try:
                self._write_event(name, data)
            except OSError:  # the client went away (Esc)
                self.close_connection = True
                return
            if first:
                self.state.first_byte_times.append(time.perf_counter())
                first = False
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def _stall(self) -> None:
        """Send nothing more until the client disconnects or the server stops (at most 30 s)."""
        self.close_connection = True
        self.connection.settimeout(0.05)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not self.state.stopping.is_set():
            try:
                if self.connection.recv(1) == b"":
                    return
            except TimeoutError:
                continue
            except OSError:
                return

    def _write_event(self, name: str, data: Mapping[str, Any]) -> None:
        chunk = f"event: {name}\ndata: {json.dumps(data)}\n\n".encode()
        self.wfile.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
        self.wfile.flush()

    def _events(self, body: Mapping[str, Any], turn: Turn) -> Iterator[tuple[str, dict[str, Any]]]:
        content = list(turn.get("content", []))
        size = max(1, int(turn.get("chunk_size", 12)))
        has_tool = any(block["type"] == "tool_use" for block in content)
        stop_reason = turn.get("stop_reason", "tool_use" if has_tool else "end_turn")
        message = {
            "id": f"msg_fake_{len(self.state.requests)}",
            "type": "message",
            "role": "assistant",
            "model": body.get("model", "fake"),
            "content": [],
            "stop_reason": None,
            "stop_sequence": None,
            "usage": {"input_tokens": 12, "output_tokens": 1},
        }
        yield "message_start", {"type": "message_start", "message": message}
        for index, block in enumerate(content):
            if block["type"] == "text":
                yield (
                    "content_block_start",
                    {"type": "content_block_start", "index": index, "content_block": {"type": "text", "text": ""}},
                )
                for piece in _pieces(block["text"], size):
                    yield (
                        "content_block_delta",
                        {"type": "content_block_delta", "index": index, "delta": {"type": "text_delta", "text": piece}},
                    )
            else:
                with self.state.lock:
                    self.state.tool_counter += 1
                    tool_id = block.get("id", f"toolu_fake_{self.state.tool_counter:03d}")
                start = {"type": "tool_use", "id": tool_id, "name": block["name"], "input": {}}
                yield "content_block_start", {"type": "content_block_start", "index": index, "content_block": start}
                raw = block["input_json"] if "input_json" in block else json.dumps(block.get("input", {}))
                for piece in _pieces(raw, size):
                    yield (
                        "content_block_delta",
                        {
                            "type": "content_block_delta",
                            "index": index,
                            "delta": {"type": "input_json_delta", "partial_json": piece},
                        },
                    )
            yield "content_block_stop", {"type": "content_block_stop", "index": index}
        yield (
            "message_delta",
            {
                "type": "message_delta",
                "delta": {"stop_reason": stop_reason, "stop_sequence": None},
                "usage": {"output_tokens": 20},
            },
        )
        yield "message_stop", {"type": "message_stop"}


def _pieces(text: str, size: int) -> Iterator[str]:
    for start in range(0, len(text), size):
        yield text[start : start + size]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--script", type=Path, required=True, help="JSON file: an array of turns")
    parser.add_argument("--port-file", type=Path, required=True, help="where to write the port once listening")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--requests-log", type=Path, help="append each request body as a JSON line")
    args = parser.parse_args(argv)
    script = json.loads(args.script.read_text(encoding="utf-8"))
    if not isinstance(script, list):
        parser.error(f"{args.script}: expected a JSON array of turns")
    server = FakeAnthropicServer(script, port=args.port, requests_log=args.requests_log)
    done = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: done.set())
    server.start()
    tmp = args.port_file.with_suffix(".tmp")
    tmp.write_text(str(server.port), encoding="utf-8")
    tmp.replace(args.port_file)
    done.wait()
    server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
