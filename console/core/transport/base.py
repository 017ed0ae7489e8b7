"""The Transport protocol: how the core runs commands and moves files on a host (local or SSH).

Other parts (capture, rollback, session, `hitl hosts check`) rely on these shapes.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Literal, Protocol

if TYPE_CHECKING:
    from console.core.transport.confine import Confinement, ConfinementReport

Stream = Literal["stdout", "stderr"]
OutputCallback = Callable[[Stream, str], None]
"""Called with each line (without its newline) as it arrives."""

DEFAULT_OUTPUT_LIMIT = 1024 * 1024
TRUNCATION_MARKER = "\n[... output truncated by hitl ...]\n"


class Ended(StrEnum):
    """How a command ended."""

    EXITED = "exited"
    TIMED_OUT = "timed out"
    CANCELLED = "cancelled"
    CONNECTION_LOST = "connection lost"
    NOT_STARTED = "not started"


@dataclass(frozen=True, slots=True)
class RunResult:
    exit_status: int | None
    stdout: str
    stderr: str
    duration: float
    ended: Ended
    stdout_truncated: bool = False
    stderr_truncated: bool = False
    error: str | None = None
    """A message for the operator when the command did not simply exit (timeout, lost connection, ...)."""
    confinement: ConfinementReport | None = None
    """Set when the command ran confined (`run(confine=True)`): the mode and what it tried to change."""

    @property
    def ok(self) -> bool:
        return self.ended is Ended.EXITED and self.exit_status == 0


@dataclass(frozen=True, slots=True)
class FileStat:
    path: str
    kind: Literal["file", "directory", "symlink", "other"]
    size: int
    mode: int
    uid: int
    gid: int
    mtime: float


class Transport(Protocol):
    """One host. Implementations: local (asyncio subprocess) and ssh (asyncssh)."""

    name: str

    async def run(
        self,
        command: str,
        *,
        timeout: float | None = None,
        stdin: bytes | None = None,
        cwd: str | None = None,
        env: Mapping[str, str] | None = None,
        on_output: OutputCallback | None = None,
        output_limit: int = DEFAULT_OUTPUT_LIMIT,
        cancel: asyncio.Event | None = None,
        confine: bool = False,
    ) -> RunResult:
        """Run `command` with the host's shell. Never raises for the command's own failure.

        Setting `cancel` kills the command and returns a result that ended CANCELLED; cancelling the task
        that awaits `run` also kills the command, then lets `CancelledError` propagate as asyncio expects.
        With `confine=True` the command runs confined (see `confine.py`) and the result's `confinement`
        says what it tried to change; when the host cannot confine, it does not run (NOT_STARTED).
        """
        ...

    async def confinement(self) -> Confinement:
        """How this host confines READs, probed once per connection (cached; never raises)."""
        ...

    async def stat(self, path: str) -> FileStat | None:
        """Metadata without following a final symlink; None when the path does not exist."""
        ...

    async def read_file(self, path: str) -> bytes: ...

    async def write_file_atomic(
        self, path: str, data: bytes, *, mode: int | None = None, uid: int | None = None, gid: int | None = None
    ) -> None:
        """Write to a temporary file in the same directory, then rename over `path`."""
        ...

    def tar_out(self, paths: Sequence[str]) -> AsyncIterator[bytes]:
        """A tar stream (with owners, modes and mtimes) of `paths`, which are absolute."""
        ...

    async def tar_in(self, chunks: AsyncIterator[bytes], *, directory: str = "/") -> None:
        """Extract a tar stream made by `tar_out` under `directory`, preserving owners and modes."""
        ...

    async def close(self) -> None: ...
