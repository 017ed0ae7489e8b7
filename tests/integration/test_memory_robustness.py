"""The memory store under real failure: a writer killed with SIGKILL, two writers at once, a live owner."""

from __future__ import annotations

import itertools
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from console.core.memory import MemoryStore

WRITER = Path(__file__).with_name("memory_writer.py")


def _writer(db: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(WRITER), str(db), *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _read_until(process: subprocess.Popen[str], predicate: object, timeout: float = 30.0) -> str:
    assert process.stdout is not None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            raise AssertionError(f"writer exited early: {process.stderr.read() if process.stderr else ''}")
        if predicate(line.strip()):  # type: ignore[operator]
            return line.strip()
    raise AssertionError("writer too slow")


def _audit_count(db: Path, kind: str) -> int:
    raw = sqlite3.connect(db)
    try:
        return int(raw.execute("SELECT count(*) FROM audit WHERE kind = ?", (kind,)).fetchone()[0])
    finally:
        raw.close()


@pytest.mark.slow
def test_sigkill_mid_writes_leaves_a_sound_database(tmp_path: Path) -> None:
    db = tmp_path / "hitl.sqlite3"
    long_running = []
    for round_ in range(3):
        writer = _writer(db, "loop")
        started = _read_until(writer, lambda line: line.startswith("started"))
        long_running.append(int(started.split()[1]))
        target = 40 + 20 * round_
        _read_until(writer, lambda line, target=target: line.isdigit() and int(line) >= target)
        writer.send_signal(signal.SIGKILL)
        writer.wait(timeout=10)
        assert writer.returncode == -signal.SIGKILL

        raw = sqlite3.connect(db)
        assert raw.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        actions = raw.execute("SELECT count(*) FROM actions").fetchone()[0]
        notes = raw.execute("SELECT count(*) FROM notes").fetchone()[0]
        raw.close()
        # Each event and its audit row are committed together, or not at all.
        assert _audit_count(db, "action-proposed") == actions
        assert _audit_count(db, "note-added") == notes

        with MemoryStore.open(db) as store:
            verdict = store.verify_audit()
            assert verdict.ok, verdict.message
            for action_id in long_running:
                record = store.action(action_id)
                assert record is not None and record.state == "interrupted"
            assert not [a for a in store.actions(limit=100_000) if a.state == "running"]
            assert store.recall("loop")


@pytest.mark.slow
def test_two_processes_writing_at_once_lose_nothing(tmp_path: Path) -> None:
    db = tmp_path / "hitl.sqlite3"
    with MemoryStore.open(db):
        pass
    writers = [_writer(db, "batch", "300", tag) for tag in ("alpha", "beta")]
    for writer in writers:
        _read_until(writer, lambda line: line == "ready")
    for writer in writers:
        assert writer.stdin is not None
        writer.stdin.write("go\n")
        writer.stdin.flush()
    for writer in writers:
        out, err = writer.communicate(timeout=120)
        assert writer.returncode == 0, err
        assert out.strip() == "done"
    with MemoryStore.open(db) as store:
        actions = store.actions(limit=1000)
        commands = {a.command for a in actions}
        assert commands == {f"{tag} {i}" for tag in ("alpha", "beta") for i in range(300)}
        assert all(a.state == "finished" for a in actions)
        tags = [a.command.split()[0] for a in sorted(actions, key=lambda a: a.id)]
        switches = sum(1 for before, after in itertools.pairwise(tags) if before != after)
        assert switches >= 2, "the two writers did not actually overlap"
        verdict = store.verify_audit()
        assert verdict.ok, verdict.message
        assert verdict.rows == 2 * (300 * 4 + 30)
        assert len(store.recall("alpha note", limit=100)) >= 30


@pytest.mark.slow
def test_a_running_action_of_a_live_process_is_not_interrupted(tmp_path: Path) -> None:
    db = tmp_path / "hitl.sqlite3"
    writer = _writer(db, "hang")
    action_id = int(_read_until(writer, str.isdigit))
    try:
        with MemoryStore.open(db) as store:
            record = store.action(action_id)
            assert record is not None and record.state == "running"
    finally:
        writer.kill()
        writer.wait(timeout=10)
    with MemoryStore.open(db) as store:
        record = store.action(action_id)
        assert record is not None and record.state == "interrupted"
        assert store.verify_audit().ok
