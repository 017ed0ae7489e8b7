"""Driving a real Session in tests: a scripted Approver (the port the TUI and CLI implement), the runtime
factory fixture, a host that fails like a remote one, and tree checks."""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path

import pytest

from console.core.approval import ApprovalRequest, Decision
from console.core.config import Settings
from console.core.events import SessionEvent
from console.core.paths import resolve_paths
from console.core.ports import Store
from console.core.runtime import Runtime, open_runtime
from console.core.transport.base import Ended, RunResult, Transport
from console.core.transport.errors import TransportError
from console.core.transport.factory import open_transport
from console.core.transport.inventory import HostSpec
from console.core.transport.local import LocalTransport

Answer = Decision | Callable[[ApprovalRequest], Decision | Awaitable[Decision]]


def approve(request: ApprovalRequest) -> Decision:
    """What a careful operator does: types every challenge shown."""
    return Decision(approved=True, typed_challenges=request.challenges, force=request.requires_force)


class ScriptedApprover:
    """Answers approval requests from a script, in order, and keeps every request for assertions."""

    def __init__(self, *answers: Answer) -> None:
        self.answers = list(answers)
        self.requests: list[ApprovalRequest] = []

    async def review(self, request: ApprovalRequest) -> Decision:
        self.requests.append(request)
        if not self.answers:
            raise AssertionError(f"unexpected approval request: {request.title}")
        answer = self.answers.pop(0)
        if isinstance(answer, Decision):
            return answer
        result = answer(request)
        return await result if isinstance(result, Awaitable) else result


FAST = Settings(destructive_dwell=0.0, write_key_delay=0.0)


class RuntimeFactory:
    """Opens runtimes on the test's HITL_HOME and closes them all at the end (the `make_runtime` fixture); with
    `store_url`, every runtime records to that team store instead of the SQLite file."""

    def __init__(self, store_url: str = "") -> None:
        self.opened: list[Runtime] = []
        self.store_url = store_url

    def __call__(
        self,
        approver: ScriptedApprover,
        settings: Settings = FAST,
        events: list[SessionEvent] | None = None,
        *,
        transport: Transport | None = None,
        store: Store | None = None,
    ) -> Runtime:
        """`transport` is used for the host of its name instead of the one the inventory would open; `store`
        instead of the test's HITL_HOME database."""
        paths = resolve_paths()

        def connect(spec: HostSpec) -> Transport:
            if transport is not None and spec.name == transport.name:
                return transport
            return open_transport(spec, paths)

        sink = events.append if events is not None else None
        if self.store_url:
            settings = replace(settings, store=self.store_url)
        rt = open_runtime(paths, settings, approver, events=sink, connect=connect, store=store)
        self.opened.append(rt)
        return rt

    async def close_all(self) -> None:
        while self.opened:
            await self.opened.pop().close()


@pytest.fixture
def store_kind() -> str:
    """Which store `make_runtime` records to: `sqlite`; a module overrides this fixture with params to run its
    session tests on the team store (`postgresql`) too."""
    return "sqlite"


@pytest.fixture
async def make_runtime(request: pytest.FixtureRequest, store_kind: str) -> AsyncIterator[RuntimeFactory]:
    url = request.getfixturevalue("team_db").url() if store_kind == "postgresql" else ""
    factory = RuntimeFactory(url)
    yield factory
    await factory.close_all()


@asynccontextmanager
async def opened_runtime(
    approver: ScriptedApprover, settings: Settings = FAST, *, store_url: str = ""
) -> AsyncIterator[Runtime]:
    """For tests that run their own event loop (property tests under `asyncio.run`, helper processes); with
    `store_url`, on that team store."""
    factory = RuntimeFactory(store_url)
    try:
        yield factory(approver, settings)
    finally:
        await factory.close_all()


def with_settings(**changes: object) -> Settings:
    return replace(FAST, **changes)  # type: ignore[arg-type]


def tree_state(root: Path) -> dict[str, tuple[object, ...]]:
    """Every entry below (and including) root: type, mode, owner and content hash or link target."""
    state: dict[str, tuple[object, ...]] = {}
    paths = [root, *sorted(root.rglob("*"))] if root.exists() else []
    for path in paths:
        info = path.lstat()
        rel = str(path.relative_to(root.parent))
        if stat.S_ISLNK(info.st_mode):
            state[rel] = ("link", os.readlink(path), info.st_uid, info.st_gid)
        elif stat.S_ISDIR(info.st_mode):
            state[rel] = ("dir", stat.S_IMODE(info.st_mode), info.st_uid, info.st_gid)
        else:
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            state[rel] = ("file", stat.S_IMODE(info.st_mode), info.st_uid, info.st_gid, digest)
    return state


class FlakyTransport(LocalTransport):
    """The local host failing the way a remote one does: a capture's tar stream that raises `TransportError`
    (`tar_out`), a restore that the host refuses (`restore`: a read-only file system), and a host that stops
    answering (every later command ends CONNECTION_LOST) once a given command has run. `failing` can be changed
    while the test runs (healthy for the change, failing for the rollback)."""

    def __init__(self, *, failing: Sequence[str] = (), down_after: str | None = None) -> None:
        super().__init__("local")
        self.failing = set(failing)
        self.down_after = down_after
        self.down = down_after == ""

    async def run(self, command: str, **options: object) -> RunResult:  # type: ignore[override]
        if self.down:
            return RunResult(None, "", "", 0.0, Ended.CONNECTION_LOST, error="connection to host 'local' was lost")
        if "restore" in self.failing and ".hitl-restore." in command:
            return RunResult(2, "", "tar: x: Cannot open: Read-only file system", 0.0, Ended.EXITED)
        result = await super().run(command, **options)  # type: ignore[arg-type]
        if command == self.down_after:
            self.down = True
        return result

    async def tar_out(self, paths: Sequence[str]) -> AsyncIterator[bytes]:
        if "tar_out" in self.failing:
            raise TransportError(f"tar of {', '.join(paths)} failed on host 'local': Permission denied")
        async for chunk in super().tar_out(paths):
            yield chunk
