"""LocalTransport with real subprocesses."""

from __future__ import annotations

import asyncio
import os
import subprocess
from pathlib import Path

import pytest

from console.core.transport.base import TRUNCATION_MARKER, Ended
from console.core.transport.errors import TransportError
from console.core.transport.local import LocalTransport


def running(pattern: str) -> list[str]:
    return subprocess.run(["pgrep", "-f", pattern], capture_output=True, text=True, check=False).stdout.split()


def end_processes(pattern: str) -> None:
    """Processes this test itself started (the pattern is unique to it)."""
    subprocess.run(["pkill", "-f", pattern], check=False)


async def test_exit_status_output_and_callback() -> None:
    lines: list[tuple[str, str]] = []
    result = await LocalTransport().run(
        "echo out; echo err >&2; exit 4", on_output=lambda s, line: lines.append((s, line))
    )
    assert (result.ended, result.exit_status, result.stdout, result.stderr) == (Ended.EXITED, 4, "out\n", "err\n")
    assert sorted(lines) == [("stderr", "err"), ("stdout", "out")]


async def test_stdin_cwd_env(tmp_path: Path) -> None:
    result = await LocalTransport().run('pwd; echo "$X"; cat', stdin=b"in", cwd=str(tmp_path), env={"X": "y z"})
    assert result.ok and result.stdout == f"{tmp_path}\ny z\nin"


async def test_timeout_kills_the_whole_group() -> None:
    result = await LocalTransport().run("sleep 983.1 & sleep 983.2", timeout=0.3)
    assert result.ended is Ended.TIMED_OUT and result.exit_status is None
    assert "timed out" in (result.error or "")
    assert running("sleep 983") == []


async def test_cancel_event_and_task_cancel_kill_the_group() -> None:
    cancel = asyncio.Event()
    asyncio.get_running_loop().call_later(0.2, cancel.set)
    result = await LocalTransport().run("sleep 982.1", cancel=cancel)
    assert result.ended is Ended.CANCELLED
    task = asyncio.ensure_future(LocalTransport().run("sleep 982.2"))
    await asyncio.sleep(0.2)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert running("sleep 982") == []


async def test_output_is_bounded_with_a_marker_and_streamed_whole() -> None:
    count = 0

    def on_output(stream: str, line: str) -> None:
        nonlocal count
        count += 1

    result = await LocalTransport().run("seq 1 100000", output_limit=1000, on_output=on_output)
    assert count == 100000
    assert result.stdout_truncated and result.stdout.endswith(TRUNCATION_MARKER)
    assert len(result.stdout) == 1000 + len(TRUNCATION_MARKER)


async def test_invalid_utf8_is_replaced() -> None:
    result = await LocalTransport().run("printf 'a\\377b\\n'")
    assert result.stdout == "a\ufffdb\n"


async def test_background_child_holding_the_pipes_does_not_hang() -> None:
    result = await LocalTransport().run("sleep 981.1 & echo done", timeout=30)
    end_processes("sleep 981.1")
    assert result.ok and result.stdout == "done\n"
    assert result.duration < 5


async def test_missing_cwd_is_not_started(tmp_path: Path) -> None:
    result = await LocalTransport().run("true", cwd=str(tmp_path / "nope"))
    assert result.ended is Ended.NOT_STARTED and "local" in (result.error or "")


async def test_sudo_runs_non_interactively_and_a_password_prompt_is_a_clear_error(tmp_path: Path) -> None:
    fake = tmp_path / "sudo"
    fake.write_text('#!/bin/sh\necho "args: $*"\necho "sudo: a password is required" >&2\nexit 1\n')
    fake.chmod(0o755)
    result = await LocalTransport().run(
        "sudo systemctl restart nginx", env={"PATH": f"{tmp_path}:{os.environ['PATH']}"}
    )
    assert result.stdout == "args: -n systemctl restart nginx\n"
    assert "sudo on host 'local' asked for a password" in (result.error or "")


async def test_files_atomic_write_keeps_mode_and_tar_round_trip(tmp_path: Path) -> None:
    local = LocalTransport()
    target = tmp_path / "d" / "f.txt"
    target.parent.mkdir()
    target.write_text("one")
    target.chmod(0o604)
    assert (await local.stat(str(target))).mode == 0o604  # type: ignore[union-attr]
    assert await local.stat(str(tmp_path / "missing")) is None
    await local.write_file_atomic(str(target), b"two")
    assert target.read_bytes() == b"two" and (target.stat().st_mode & 0o777) == 0o604
    assert await local.read_file(str(target)) == b"two"
    link = tmp_path / "d" / "link"
    link.symlink_to(target)
    assert (await local.stat(str(link))).kind == "symlink"  # type: ignore[union-attr]

    chunks = [chunk async for chunk in local.tar_out([str(target.parent)])]
    target.write_text("three")
    target.chmod(0o600)

    async def replay():
        for chunk in chunks:
            yield chunk

    await local.tar_in(replay())
    assert target.read_bytes() == b"two" and (target.stat().st_mode & 0o777) == 0o604
    with pytest.raises(TransportError, match="local"):
        await local.read_file(str(tmp_path / "missing"))
    with pytest.raises(ValueError, match="absolute"):
        [chunk async for chunk in local.tar_out(["relative/path"])]
