"""Both ends of the approver channel (`console.core.mcp.wire`).

- `ApproverListener` runs in the console: it holds `approver.lock` (one console answers for a hitl home),
  listens on `approver.sock`, checks each peer's uid, and puts each request to the operator, one at a time,
  through the review callable it was given (the console's dialogs). A request whose server went away (timed
  out, cancelled) is withdrawn: its dialog is taken down unanswered.
- `ConsoleApprover` runs in `hitl mcp`: it implements the `Approver` port by connecting for each request (so a
  console opened after the server started is found), telling the waiting agent every
  `mcp_progress_interval` that the operator has not decided yet, and refusing after `mcp_approval_timeout`.
  With no console listening it refuses at once: nothing runs unapproved.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import secrets
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from console.core.approval import ApprovalRequest, Decision
from console.core.durations import remaining
from console.core.mcp.wire import (
    LOCK_NAME,
    WireError,
    check_peer,
    connectable,
    decode_decision,
    decode_request,
    encode_decision,
    encode_request,
    read_message,
    socket_path,
)
from console.core.private_files import FILE_MODE, make_private_dir

NO_APPROVER: Final = "no approver attached: open hitl to approve"
FIRST_MESSAGE_SECONDS: Final = 10.0
"""How long the console waits for a connected server to send its request."""

Review = Callable[[str, ApprovalRequest], Awaitable[Decision]]
"""Put a request from client NAME to the operator; return the decision."""
Progress = Callable[[float, str], Awaitable[None]]
"""Tell the waiting agent how long it has waited (seconds) and why."""
Elicit = Callable[[ApprovalRequest], Awaitable[Decision | None]]
"""Ask through the MCP client's own prompt; None when it gave no decision (cancelled, unsupported)."""


@dataclass(frozen=True, slots=True)
class WaitingCall:
    """The MCP tool call a session call runs for: who asks, how to tell it that it is still waiting, and (with
    `mcp_elicitation`) how to ask through its client."""

    client: str
    progress: Progress | None = None
    elicit: Elicit | None = None


current_call: ContextVar[WaitingCall | None] = ContextVar("current_call", default=None)
"""Set by the MCP tool call around its session call; read by the approver in the same task."""


class ApproverListener:
    """The console's end. `start()` returns False (and listens to nothing) when another console already answers
    for this hitl home; `log` gets one line per refused connection or bad message."""

    def __init__(self, state_dir: Path, review: Review, log: Callable[[str], None]) -> None:
        self.state_dir = state_dir
        self.path = socket_path(state_dir)
        self._review = review
        self._log = log
        self._lock_fd: int | None = None
        self._server: asyncio.AbstractServer | None = None
        self._one_at_a_time = asyncio.Lock()
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self) -> bool:
        make_private_dir(self.state_dir)
        fd = os.open(self.state_dir / LOCK_NAME, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, FILE_MODE)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self._lock_fd = fd
        try:
            with contextlib.suppress(FileNotFoundError):
                self.path.unlink()  # left by a console that died: the lock says nobody listens on it
            self._server = await asyncio.start_unix_server(self._connected, path=connectable(self.path))
            os.chmod(self.path, FILE_MODE)
        except OSError:
            await self.close()
            raise
        return True

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            for task in list(self._tasks):
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
            with contextlib.suppress(FileNotFoundError):
                self.path.unlink()
            self._server = None
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None

    async def _connected(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            await self._serve(reader, writer)
        except (WireError, EOFError, TimeoutError, OSError) as error:
            self._log(f"approver channel: request dropped: {error or type(error).__name__}")
        except Exception as error:  # the channel's boundary: one line, never a traceback in the console
            self._log(f"approver channel: request dropped: {type(error).__name__}: {error}")
        except asyncio.CancelledError:
            # The console is closing (`close` cancels what is still open); the connection is the last thing this
            # task owns, and asyncio's stream callback must not find a cancelled task to complain about.
            pass
        finally:
            self._tasks.discard(task)
            writer.close()
            with contextlib.suppress(OSError, asyncio.CancelledError):
                await writer.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        check_peer(writer)
        message = await asyncio.wait_for(read_message(reader), FIRST_MESSAGE_SECONDS)
        request_id, client, request = decode_request(message)
        review = asyncio.ensure_future(self._one_by_one(client, request))
        gone = asyncio.ensure_future(reader.read(1))  # the server sends nothing more: any byte or EOF = withdrawn
        try:
            await asyncio.wait({review, gone}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            if not review.done():
                review.cancel()
            gone.cancel()
            await asyncio.gather(review, gone, return_exceptions=True)
        if review.cancelled() or review.exception() is not None:
            self._log(f"approver channel: the request from mcp:{client} was withdrawn before a decision")
            return
        writer.write(encode_decision(review.result(), request_id=request_id))
        await writer.drain()

    async def _one_by_one(self, client: str, request: ApprovalRequest) -> Decision:
        async with self._one_at_a_time:
            return await self._review(client, request)


class ConsoleApprover:
    """The MCP server's `Approver`: the console decides; nobody else can."""

    def __init__(self, state_dir: Path, *, timeout: float, interval: float) -> None:
        self.path = socket_path(state_dir)
        self.timeout = timeout
        self.interval = interval

    async def review(self, request: ApprovalRequest) -> Decision:
        decision = await self.ask(request)
        return decision if decision is not None else Decision.refuse(NO_APPROVER, decided_by="no approver")

    async def ask(self, request: ApprovalRequest) -> Decision | None:
        """The console's decision; None when no console listens (nothing was shown)."""
        try:
            reader, writer = await asyncio.open_unix_connection(connectable(self.path))
        except OSError:  # no socket, a stale one, or a directory we may not enter
            return None
        try:
            check_peer(writer)
            request_id = secrets.token_hex(8)
            call = current_call.get()
            client = call.client if call is not None else "unknown"
            writer.write(encode_request(request, client=client, request_id=request_id))
            await writer.drain()
            return await self._wait(reader, request_id)
        except (WireError, EOFError, OSError) as error:
            reason = str(error) if isinstance(error, WireError) else "the console closed without a decision"
            return Decision.refuse(f"refused: {reason}", decided_by="approver channel")
        finally:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()

    async def _wait(self, reader: asyncio.StreamReader, request_id: str) -> Decision:
        loop = asyncio.get_running_loop()
        started = loop.time()
        answer = asyncio.ensure_future(read_message(reader))
        try:
            while True:
                waited = loop.time() - started
                left = self.timeout - waited
                if left <= 0:
                    return Decision.refuse(
                        f"refused: no decision in the hitl console within {remaining(self.timeout)} "
                        "(mcp_approval_timeout)",
                        decided_by="timeout",
                    )
                done, _ = await asyncio.wait({answer}, timeout=min(self.interval, left))
                if done:
                    return decode_decision(answer.result(), request_id)
                call = current_call.get()
                if call is not None and call.progress is not None:
                    waited = loop.time() - started
                    await call.progress(
                        waited, f"waiting for the operator's decision in the hitl console ({waited:.0f}s)"
                    )
        finally:
            answer.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await answer
