"""One rollback of a rollback point at a time: a second one, from another real hitl process or from the same
one, is refused and names the first; a lock left by a process that died is taken over (SQLite) or died with it
(the team store's advisory lock). Every test runs on the SQLite file and on a team store."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from console.core.approval import ApprovalRequest, Decision
from console.core.errors import HitlError
from console.core.ports import Store
from tests.support.session import RuntimeFactory, ScriptedApprover, approve

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(params=["sqlite", "postgresql"])
def store_kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(params=["local", "ssh"])
def host(request: pytest.FixtureRequest, hitl_home: Path) -> str:
    if request.param == "local":
        return "local"
    sshd = request.getfixturevalue("sshd")
    (hitl_home / "hosts.toml").write_text(sshd.host_entry("box"))
    return "box"


async def changed(make_runtime: RuntimeFactory, host: str, target: Path) -> str:
    """Change `target` through a session and return the rollback key."""
    target.write_text("before\n")
    rt = make_runtime(ScriptedApprover(approve))
    outcome = await rt.session.run_command(host, f"echo after > {target}")
    assert outcome.ok and outcome.rollback_key
    return outcome.rollback_key


def racer(
    key: str, store: str, *, delay: float = 0.0, ready: Path | None = None, go: Path | None = None
) -> subprocess.Popen[str]:
    """Another hitl process rolling back `key`, on the team store `store` (or the SQLite file when empty)."""
    command = [sys.executable, "-m", "tests.support.rollback_racer", key, "--delay", str(delay), "--store", store]
    if ready is not None:
        command += ["--ready", str(ready)]
    if go is not None:
        command += ["--go", str(go)]
    return subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for(path: Path, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists():
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.05)


def free_within(store: Store, key: str, *, seconds: float) -> None:
    """Wait until `key` can be locked (a team store's server ends a killed client's session, and its advisory
    locks, once it sees the connection close: within moments, not at once)."""
    deadline = time.monotonic() + seconds
    while (held := store.acquire_rollback_lock([key], token="probe")) is not None:
        assert time.monotonic() < deadline, f"the lock outlived its process: {held}"
        time.sleep(0.05)
    store.release_rollback_lock([key], token="probe")


def report(process: subprocess.Popen[str]) -> dict[str, str]:
    out, err = process.communicate(timeout=60)
    assert out.strip(), err
    return json.loads(out.strip().splitlines()[-1])  # type: ignore[no-any-return]


async def test_two_processes_rolling_back_one_key_restore_it_once(
    host: str, tmp_path: Path, make_runtime: RuntimeFactory
) -> None:
    target = tmp_path / "app.conf"
    key = await changed(make_runtime, host, target)
    go = tmp_path / "go"
    # the first holds its dialog open until `go` exists
    first = racer(key, make_runtime.store_url, ready=tmp_path / "first-asked", go=go)
    wait_for(tmp_path / "first-asked")
    second = racer(key, make_runtime.store_url)
    refused = report(second)
    go.write_text("approve\n")
    done = report(first)
    assert second.returncode == 2 and "refused" in refused, refused
    assert f"process {done['pid']}" in refused["refused"] and key in refused["refused"]
    assert first.returncode == 0 and done["status"] == "done" and "restored and verified" in done["said"]
    assert target.read_text() == "before\n"
    store = make_runtime(ScriptedApprover()).memory
    undo_points = [p for p in store.rollback_points() if p.key != key]
    assert [p.key for p in undo_points] == [done["undo"]]  # one undo key, not two
    point = store.rollback_point(key)
    assert point is not None and point.status == "rolled back"


async def test_started_together_only_one_rolls_back(tmp_path: Path, make_runtime: RuntimeFactory) -> None:
    key = await changed(make_runtime, "local", tmp_path / "app.conf")
    racers = [racer(key, make_runtime.store_url, delay=1.0) for _ in range(2)]
    reports = [report(r) for r in racers]
    assert sorted(r.returncode for r in racers) == [0, 2], reports
    ran = next(r for r in reports if "status" in r)
    refused = next(r for r in reports if "refused" in r)
    # the loser either met the lock (naming the winner) or came after it (the point is no longer live)
    assert f"process {ran['pid']}" in refused["refused"] or "rolled back" in refused["refused"]


async def test_a_second_rollback_in_the_same_process_is_refused(tmp_path: Path, make_runtime: RuntimeFactory) -> None:
    key = await changed(make_runtime, "local", tmp_path / "app.conf")
    asked = asyncio.Event()

    async def slow(request: ApprovalRequest) -> Decision:
        asked.set()
        await asyncio.sleep(0.5)
        return approve(request)

    rt = make_runtime(ScriptedApprover(slow, approve))
    first = asyncio.create_task(rt.session.rollback([key]))
    await asked.wait()
    with pytest.raises(HitlError, match="another rollback in this hitl"):
        await rt.session.rollback([key])
    assert (await first).ok


async def test_a_lock_left_by_a_killed_process_is_taken_over(tmp_path: Path, make_runtime: RuntimeFactory) -> None:
    target = tmp_path / "app.conf"
    key = await changed(make_runtime, "local", target)
    holder = racer(key, make_runtime.store_url, delay=120.0, ready=tmp_path / "asked")
    wait_for(tmp_path / "asked")
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait(timeout=30)
    rt = make_runtime(ScriptedApprover(approve))
    free_within(rt.memory, key, seconds=5.0)
    outcome = await rt.session.rollback([key])
    assert outcome.ok, outcome.reason
    assert target.read_text() == "before\n"
