"""Host locks between operators: a change on a host another operator's process holds is refused at once, naming
who and since when, and the lock dies with that process (kill -9), on the team store and the SQLite store."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from console.core.errors import HostLocked
from console.core.memory import MemoryStore
from console.core.memory.postgres import PostgresStore
from console.core.outcome import Status
from tests.fixtures.team_store import TeamDatabase
from tests.support.session import RuntimeFactory, ScriptedApprover, approve

HELPER = Path(__file__).with_name("team_helper.py")


def _holder(*args: str) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [sys.executable, str(HELPER), *args], stdout=subprocess.PIPE, text=True, cwd=Path(__file__).parents[2]
    )
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "locked"
    return process


@pytest.fixture
def processes() -> Iterator[list[subprocess.Popen[str]]]:
    started: list[subprocess.Popen[str]] = []
    yield started
    for process in started:
        process.kill()
        process.wait()


def _released_after_kill(process: subprocess.Popen[str], lock: object, host: str) -> float:
    """Kill -9 the holder, then retry the lock until it is ours; returns seconds it took."""
    process.kill()
    process.wait()
    started = time.monotonic()
    while True:
        try:
            lock(host, purpose="WRITE: touch /etc/motd")  # type: ignore[operator]
            return time.monotonic() - started
        except HostLocked:
            assert time.monotonic() - started < 5, "the lock outlived its process"
            time.sleep(0.05)


async def test_team_store_lock_refuses_the_second_operator_and_dies_with_the_first(
    team_db: TeamDatabase, tmp_path: Path, processes: list[subprocess.Popen[str]]
) -> None:
    processes.append(alice := _holder("lock", team_db.url("alice"), "local"))
    with PostgresStore.open(team_db.url("bob"), snapshots_dir=tmp_path / "snapshots") as bob:
        holder = bob.host_lock_holder("local")
        assert holder is not None and holder.operator == "alice"
        with pytest.raises(HostLocked, match=r"host local is locked by alice since \d{4}-\d\d-\d\d \d\d:\d\d:\d\d"):
            bob.lock_host("local", purpose="WRITE: touch x")
        assert _released_after_kill(alice, bob.lock_host, "local") < 2
        assert bob.host_lock_holder("local") is None  # our own lock is not "held elsewhere"
        bob.unlock_host("local")


async def test_a_session_refuses_a_write_on_a_host_another_operator_holds(
    team_db: TeamDatabase, tmp_path: Path, make_runtime: RuntimeFactory, processes: list[subprocess.Popen[str]]
) -> None:
    processes.append(_holder("lock", team_db.url("alice"), "local"))
    target = tmp_path / "motd"
    make_runtime.store_url = team_db.url("bob")
    approver = ScriptedApprover()  # asked nothing: refused at once
    rt = make_runtime(approver)
    outcome = await rt.session.run_command("local", f"touch {target}")
    assert outcome.status is Status.REFUSED and not target.exists()
    assert "locked by alice" in (outcome.reason or "") and "restart nginx" in (outcome.reason or "")
    assert approver.requests == []
    record = rt.memory.actions(limit=1)[0]
    assert (record.operator, record.decision, record.reason) == ("bob", "refused", outcome.reason)
    read = await rt.session.run_command("local", f"ls {tmp_path}")  # a READ is never held up
    assert read.status is Status.DONE


async def test_a_lock_taken_between_review_and_run_refuses_the_approved_change(
    team_db: TeamDatabase, tmp_path: Path, make_runtime: RuntimeFactory, processes: list[subprocess.Popen[str]]
) -> None:
    target = tmp_path / "motd"
    make_runtime.store_url = team_db.url("bob")

    def alice_takes_the_host_then_approve(request: object) -> object:
        processes.append(_holder("lock", team_db.url("alice"), "local"))
        return approve(request)  # type: ignore[arg-type]

    rt = make_runtime(ScriptedApprover(alice_takes_the_host_then_approve))  # type: ignore[arg-type]
    outcome = await rt.session.run_command("local", f"touch {target}")
    assert outcome.status is Status.REFUSED and "locked by alice" in (outcome.reason or "")
    assert not target.exists()


def test_sqlite_lock_is_an_flock_that_dies_with_its_process(
    tmp_path: Path, processes: list[subprocess.Popen[str]]
) -> None:
    locks = tmp_path / "state" / "host-locks"
    processes.append(carol := _holder("lock-file", str(tmp_path / "carol.sqlite3"), str(locks), "web1"))
    with MemoryStore.open(tmp_path / "dave.sqlite3", operator="dave@here", locks_dir=locks) as dave:
        with pytest.raises(HostLocked, match="host web1 is locked by carol@elsewhere since"):
            dave.lock_host("web1", purpose="WRITE: x")
        dave.lock_host("db1", purpose="another host is free")
        dave.unlock_host("db1")
        assert _released_after_kill(carol, dave.lock_host, "web1") < 1
        dave.unlock_host("web1")
