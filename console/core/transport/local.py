"""The built-in `local` host: commands run as asyncio subprocesses, each in its own session and process
group, so a timeout or a cancel kills everything the command started, not just the shell.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import stat as stat_module
import tempfile
import time
from collections.abc import AsyncIterator, Mapping, Sequence
from pathlib import Path
from typing import Literal

from console.core.transport.base import (
    DEFAULT_OUTPUT_LIMIT,
    TRUNCATION_MARKER,
    Ended,
    FileStat,
    OutputCallback,
    RunResult,
)
from console.core.transport.confine import Confinement, probe_confinement, run_confined, unconfinable
from console.core.transport.errors import TransportError
from console.core.transport.output import OutputCollector, with_marker
from console.core.transport.shell import SUDO_PRELUDE, check_env_names, sudo_password_error
from console.core.transport.supervise import stopped_message, wait_or_stop
from console.core.transport.tar import TAR_CREATE, TAR_EXTRACT, relative_members

CHUNK = 64 * 1024
KILL_GRACE = 2.0
"""Seconds between SIGTERM and SIGKILL for the command's process group."""
PIPE_GRACE = 1.0
"""After the command exits, how long a background child may keep its output pipes open before we stop reading."""
DRAIN_GRACE = 0.5
"""How long the readers get to drain the pipes once the command has ended."""


def _default_shell() -> str:
    return shutil.which("bash") or "/bin/sh"


class LocalTransport:
    """Runs commands and file operations on this machine, as the user running hitl."""

    def __init__(self, name: str = "local", *, shell: str | None = None) -> None:
        self.name = name
        self._shell = shell or _default_shell()
        self._confinement: Confinement | None = None
        self._probing = asyncio.Lock()

    async def confinement(self) -> Confinement:
        async with self._probing:
            if self._confinement is None:
                self._confinement = await probe_confinement(self.run, host=self.name, shell=self._shell)
            return self._confinement

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
        if confine:
            mode = await self.confinement()
            if mode.strategy is None:
                return unconfinable(self.name, mode)
            return await run_confined(
                self.run,
                mode.strategy,
                SUDO_PRELUDE + command,
                host=self.name,
                shell=self._shell,
                timeout=timeout,
                stdin=stdin,
                cwd=cwd,
                env=env,
                on_output=on_output,
                output_limit=output_limit,
                cancel=cancel,
            )
        started = time.monotonic()
        out = OutputCollector("stdout", output_limit, on_output)
        err = OutputCollector("stderr", output_limit, on_output)
        try:
            check_env_names(env)
            proc = await asyncio.create_subprocess_exec(
                self._shell,
                "-c",
                SUDO_PRELUDE + command,
                stdin=asyncio.subprocess.PIPE if stdin is not None else asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
                cwd=cwd,
                env={**os.environ, **env} if env else None,
                start_new_session=True,
            )
        except (OSError, ValueError) as problem:
            return RunResult(
                exit_status=None,
                stdout="",
                stderr="",
                duration=time.monotonic() - started,
                ended=Ended.NOT_STARTED,
                error=f"could not start the command on host {self.name!r}: {problem}",
            )
        assert proc.stdout is not None and proc.stderr is not None
        pumps: list[asyncio.Future[None]] = [
            asyncio.ensure_future(_pump(proc.stdout, out)),
            asyncio.ensure_future(_pump(proc.stderr, err)),
        ]
        if stdin is not None:
            pumps.append(asyncio.ensure_future(_feed(proc, stdin)))
        try:
            stopped = await wait_or_stop(_wait_exit(proc), timeout, cancel)
        except asyncio.CancelledError:
            await asyncio.shield(_kill_group(proc))
            for pump in pumps:
                pump.cancel()
            raise
        if stopped is not None:
            await _kill_group(proc)
        await _finish_pumps(proc, pumps)
        out.finish()
        err.finish()
        stderr = with_marker(err, TRUNCATION_MARKER)
        if stopped is not None:
            error: str | None = stopped_message(stopped, self.name, timeout)
        else:
            error = sudo_password_error(stderr, self.name)
        return RunResult(
            exit_status=proc.returncode if stopped is None else None,
            stdout=with_marker(out, TRUNCATION_MARKER),
            stderr=stderr,
            duration=time.monotonic() - started,
            ended=stopped or Ended.EXITED,
            stdout_truncated=out.truncated,
            stderr_truncated=err.truncated,
            error=error,
        )

    async def stat(self, path: str) -> FileStat | None:
        try:
            info = await asyncio.to_thread(os.lstat, path)
        except FileNotFoundError:
            return None
        except OSError as error:
            raise TransportError(f"cannot stat {path} on host {self.name!r}: {error.strerror}") from error
        return file_stat(path, info)

    async def read_file(self, path: str) -> bytes:
        try:
            return await asyncio.to_thread(Path(path).read_bytes)
        except OSError as error:
            raise TransportError(f"cannot read {path} on host {self.name!r}: {error.strerror}") from error

    async def write_file_atomic(
        self, path: str, data: bytes, *, mode: int | None = None, uid: int | None = None, gid: int | None = None
    ) -> None:
        try:
            await asyncio.to_thread(_write_atomic, path, data, mode, uid, gid)
        except OSError as error:
            raise TransportError(f"cannot write {path} on host {self.name!r}: {error.strerror}") from error

    async def tar_out(self, paths: Sequence[str]) -> AsyncIterator[bytes]:
        members = relative_members(paths)
        proc = await asyncio.create_subprocess_exec(
            *TAR_CREATE,
            "--",
            *members,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            start_new_session=True,
        )
        assert proc.stdout is not None and proc.stderr is not None
        errors = asyncio.ensure_future(proc.stderr.read())
        try:
            while chunk := await proc.stdout.read(CHUNK):
                yield chunk
            status = await proc.wait()
        finally:
            if proc.returncode is None:
                await _kill_group(proc)
            message = (await errors).decode(errors="replace").strip()
        if status != 0:
            raise TransportError(f"tar of {', '.join(paths)} failed on host {self.name!r}: {message}")

    async def tar_in(self, chunks: AsyncIterator[bytes], *, directory: str = "/") -> None:
        proc = await asyncio.create_subprocess_exec(
            *TAR_EXTRACT,
            "-C",
            directory,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
            start_new_session=True,
        )
        assert proc.stdin is not None and proc.stderr is not None
        errors = asyncio.ensure_future(proc.stderr.read())
        try:
            async for chunk in chunks:
                proc.stdin.write(chunk)
                await proc.stdin.drain()
            proc.stdin.close()
            status = await proc.wait()
        except (BrokenPipeError, ConnectionResetError):
            status = await proc.wait()
        finally:
            if proc.returncode is None:
                await _kill_group(proc)
        message = (await errors).decode(errors="replace").strip()
        if status != 0:
            raise TransportError(f"extracting into {directory} failed on host {self.name!r}: {message}")

    async def close(self) -> None:
        """Nothing to release: every command owns its own process."""


def file_stat(path: str, info: os.stat_result) -> FileStat:
    mode = info.st_mode
    kind: Literal["file", "directory", "symlink", "other"]
    if stat_module.S_ISLNK(mode):
        kind = "symlink"
    elif stat_module.S_ISDIR(mode):
        kind = "directory"
    elif stat_module.S_ISREG(mode):
        kind = "file"
    else:
        kind = "other"
    return FileStat(
        path=path,
        kind=kind,
        size=info.st_size,
        mode=stat_module.S_IMODE(mode),
        uid=info.st_uid,
        gid=info.st_gid,
        mtime=info.st_mtime,
    )


def _write_atomic(path: str, data: bytes, mode: int | None, uid: int | None, gid: int | None) -> None:
    """Temp file in the same directory, fsync, then rename; mode and owner default to the old file's."""
    target = Path(path)
    try:
        old = target.stat()
    except FileNotFoundError:
        old = None
    if mode is None:
        mode = stat_module.S_IMODE(old.st_mode) if old else 0o666 & ~_umask()
    if uid is None and old is not None:
        uid = old.st_uid
    if gid is None and old is not None:
        gid = old.st_gid
    fd, temp = tempfile.mkstemp(prefix=f".{target.name}.hitl-", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fchmod(handle.fileno(), mode)
            if (uid is not None and uid != os.geteuid()) or (gid is not None and gid != os.getegid()):
                os.fchown(handle.fileno(), -1 if uid is None else uid, -1 if gid is None else gid)
            os.fsync(handle.fileno())
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    directory = os.open(target.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


async def _pump(reader: asyncio.StreamReader, collector: OutputCollector) -> None:
    while chunk := await reader.read(CHUNK):
        collector.feed(chunk)


async def _feed(proc: asyncio.subprocess.Process, data: bytes) -> None:
    assert proc.stdin is not None
    with contextlib.suppress(BrokenPipeError, ConnectionResetError):
        proc.stdin.write(data)
        await proc.stdin.drain()
        proc.stdin.close()


async def _wait_exit(proc: asyncio.subprocess.Process) -> int:
    """The exit status; does not wait forever for a background child that keeps the output pipes open."""
    waiter = asyncio.ensure_future(proc.wait())
    exited_at: float | None = None
    try:
        while True:
            done, _ = await asyncio.wait({waiter}, timeout=0.2)
            if done:
                return waiter.result()
            if proc.returncode is not None:
                exited_at = exited_at or time.monotonic()
                if time.monotonic() - exited_at >= PIPE_GRACE:
                    return proc.returncode
    finally:
        waiter.cancel()


async def _kill_group(proc: asyncio.subprocess.Process) -> None:
    """SIGTERM the command's process group, then SIGKILL whatever is left after a grace period."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGTERM)
    with contextlib.suppress(asyncio.TimeoutError):
        await asyncio.wait_for(proc.wait(), KILL_GRACE)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)


async def _finish_pumps(proc: asyncio.subprocess.Process, pumps: list[asyncio.Future[None]]) -> None:
    """Let the readers drain what is buffered; stop them if a child escaped the group and holds a pipe."""
    _, pending = await asyncio.wait(pumps, timeout=DRAIN_GRACE)
    if pending:
        # asyncio offers no public way to let go of a subprocess's pipes while someone else holds them open.
        proc._transport.close()  # type: ignore[attr-defined]
        for pump in pending:
            pump.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
    for pump in pumps:
        if not pump.cancelled():
            pump.result()
