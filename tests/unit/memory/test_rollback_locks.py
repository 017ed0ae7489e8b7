"""The rollback lock in the store, on both backends: all keys or none, refused naming the holder (another store
on the same database, or another rollback of this one), free again once released, and on the team store free
once the holder's connection is gone, whichever machine its row names."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from console.core.memory import MemoryStore, RecordStore
from console.core.memory.owner import current_owner
from console.core.memory.postgres import PostgresStore
from tests.fixtures.team_store import TeamDatabase

from .conftest import RawSql


@contextmanager
def another_store(store: RecordStore, tmp_path: Path) -> Iterator[RecordStore]:
    """A second store on the same database, as another hitl opens it."""
    if isinstance(store, MemoryStore):
        with MemoryStore.open(store.path) as other:
            yield other
        return
    assert isinstance(store, PostgresStore)
    with PostgresStore.open(store.url, snapshots_dir=tmp_path / "other") as other:
        yield other


def test_all_keys_or_none_and_free_again_once_released(store: RecordStore, tmp_path: Path) -> None:
    assert store.acquire_rollback_lock(["rb-1"], token="first") is None
    with another_store(store, tmp_path) as other:
        refused = other.acquire_rollback_lock(["rb-2", "rb-1"], token="second")
        assert refused is not None and refused.startswith("rb-1 is being rolled back by ")
        assert other.acquire_rollback_lock(["rb-2"], token="third") is None, "rb-2 was not kept by the refusal"
        other.release_rollback_lock(["rb-2"], token="third")
        store.release_rollback_lock(["rb-1"], token="first")
        assert other.acquire_rollback_lock(["rb-1", "rb-2"], token="second") is None
        assert store.acquire_rollback_lock(["rb-2"], token="fourth") is not None
        other.release_rollback_lock(["rb-1", "rb-2"], token="second")
    assert store.acquire_rollback_lock(["rb-1", "rb-2"], token="fifth") is None


def test_a_second_rollback_in_the_same_store_is_refused_and_its_release_frees_nothing(store: RecordStore) -> None:
    assert store.acquire_rollback_lock(["rb-1"], token="first") is None
    assert store.acquire_rollback_lock(["rb-1"], token="first") is None, "the same rollback may ask again"
    refused = store.acquire_rollback_lock(["rb-1"], token="second")
    assert refused is not None and "another rollback in this hitl" in refused
    store.release_rollback_lock(["rb-1"], token="second")  # not its lock: nothing happens
    assert store.acquire_rollback_lock(["rb-1"], token="third") is not None
    store.release_rollback_lock(["rb-1"], token="first")
    assert store.acquire_rollback_lock(["rb-1"], token="third") is None


def test_the_refusal_names_the_holders_process_machine_and_operator(store: RecordStore, tmp_path: Path) -> None:
    with another_store(store, tmp_path) as other:
        assert other.acquire_rollback_lock(["rb-9"], token="theirs") is None
        refused = store.acquire_rollback_lock(["rb-9"], token="mine")
        assert refused is not None
        machine, pid, _start = current_owner().split(":")
        if store.dialect == "postgresql":  # two connections: another hitl, as far as the server can tell
            assert f"another hitl (process {pid} on {machine}, operator {other.operator})" in refused, refused
        else:  # one process: the same owner
            assert "another rollback in this hitl" in refused, refused


def test_team_store_lock_ends_with_its_connection(team_db: TeamDatabase, tmp_path: Path) -> None:
    """(SQLite: a live process's row stays until released; tests/integration/test_rollback_lock.py kills one.)"""
    with PostgresStore.open(team_db.url("alice"), snapshots_dir=tmp_path / "a") as alice:
        with PostgresStore.open(team_db.url("bob"), snapshots_dir=tmp_path / "b") as bob:
            assert bob.acquire_rollback_lock(["rb-1"], token="theirs") is None
            refused = alice.acquire_rollback_lock(["rb-1"], token="mine")
            assert refused is not None and "operator bob" in refused
        # closed without releasing: the server ends bob's session, and its locks, as soon as it reads the goodbye
        deadline = time.monotonic() + 2.0
        while (held := alice.acquire_rollback_lock(["rb-1"], token="mine")) is not None:
            assert time.monotonic() < deadline, f"the lock outlived its connection: {held}"
            time.sleep(0.02)


def test_a_row_left_by_a_process_on_another_machine(store: RecordStore, raw_sql: RawSql) -> None:
    """No process can tell whether another machine's process lives. The team store does not need to: the lock
    is the advisory lock its session held, and a row without one holds nothing. SQLite, one machine's store,
    keeps refusing what it cannot prove dead."""
    raw_sql(
        "INSERT INTO rollback_locks (key, owner, token, since, operator) VALUES (?, ?, ?, ?, ?)",
        "rb-7",
        "elsewhere:4242:1",
        "gone",
        1.0,
        "carol",
    )
    taken = store.acquire_rollback_lock(["rb-7"], token="mine")
    if store.dialect == "postgresql":
        assert taken is None
    else:
        assert taken is not None and "process 4242 on elsewhere, operator carol" in taken
