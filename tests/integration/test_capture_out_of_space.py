"""A capture that runs out of space refuses the command, with that reason; nothing runs. Real tmpfs mounts
(the tests run as root, in CI too): a snapshots directory too small for the capture, and one that is full."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from console.core.capture.blobs import BlobError, BlobStore
from console.core.paths import resolve_paths
from tests.support.session import RuntimeFactory, ScriptedApprover, approve


@pytest.fixture
def small_snapshots(hitl_home: Path) -> Iterator[Path]:
    """hitl's snapshots directory on a 256 KiB tmpfs."""
    snapshots = resolve_paths().snapshots_dir
    snapshots.mkdir(parents=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k,mode=0700", "tmpfs", str(snapshots)], check=True)
    try:
        yield snapshots
    finally:
        subprocess.run(["umount", "-l", str(snapshots)], check=True)


async def test_a_capture_larger_than_the_free_space_refuses_the_command(
    small_snapshots: Path, tmp_path: Path, make_runtime: RuntimeFactory
) -> None:
    target = tmp_path / "big.conf"
    content = os.urandom(1024 * 1024)
    target.write_bytes(content)
    rt = make_runtime(ScriptedApprover(approve))
    outcome = await rt.session.run_command("local", f"truncate -s 0 {target}")
    action = rt.memory.actions()[0]
    assert outcome.decision == "refused" and not outcome.ran
    assert outcome.reason and "no space left for the capture" in outcome.reason, outcome.reason
    assert target.read_bytes() == content
    assert action.state == "finished" and action.ended == "not started"
    assert "no space left" in action.output
    assert [p for p in small_snapshots.rglob("*") if p.is_file()] == []


def test_a_full_store_fails_the_write_with_that_reason_and_keeps_nothing(small_snapshots: Path) -> None:
    fd = os.open(small_snapshots / "filler", os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        with pytest.raises(OSError, match="No space left"):
            while True:
                os.write(fd, b"\0" * 4096)
    finally:
        os.close(fd)
    store = BlobStore(small_snapshots)
    with pytest.raises(BlobError, match="no space left for the capture"):
        store.put_bytes(os.urandom(64 * 1024))
    assert [p.name for p in small_snapshots.rglob("*") if p.is_file()] == ["filler"]
