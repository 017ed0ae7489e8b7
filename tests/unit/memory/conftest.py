from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from console.core.memory import MemoryStore, RecordStore

START = 1_750_000_000.0


class Clock:
    """A settable clock, so expiry and recency are tested without sleeping."""

    def __init__(self, now: float = START) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "hitl.sqlite3"


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, db_path: Path, clock: Clock) -> Iterator[RecordStore]:
    """The same tests on the SQLite file and on a team store (a fresh PostgreSQL database)."""
    if request.param == "sqlite":
        with MemoryStore.open(db_path, clock=clock) as opened:
            yield opened
        return
    from console.core.memory.postgres import PostgresStore

    database = request.getfixturevalue("team_db")
    with PostgresStore.open(database.url(), snapshots_dir=db_path.parent / "snapshots", clock=clock) as opened:
        yield opened


def run_action(
    store: RecordStore,
    command: str,
    *,
    host: str = "web1",
    tier: str = "WRITE",
    decision: str = "approved",
    exit_status: int | None = 0,
    output: str = "",
    rollback_key: str | None = None,
    reason: str | None = None,
) -> int:
    """Propose, decide, start and finish one action."""
    action_id = store.record_proposal(
        session_id=None, host=host, command=command, tier=tier, reasons=[f"{tier} rule"], source="operator"
    )
    store.record_decision(action_id, decision=decision, decided_by="operator", latency=1.5, reason=reason, digest="d")
    if decision in ("approved", "auto"):
        store.record_start(action_id)
        store.record_finish(
            action_id, exit_status=exit_status, ended="exited", output=output, rollback_key=rollback_key
        )
    return action_id


RawSql = Callable[..., list[Any]]


@pytest.fixture
def raw_sql(store: RecordStore) -> RawSql:
    """Run one statement (with `?` placeholders) straight on the store's database, behind its back, as someone
    with access to the file or the database would; returns the rows."""

    def run(sql: str, *params: object) -> list[Any]:
        if isinstance(store, MemoryStore):
            raw = sqlite3.connect(store.path)
            try:
                rows = raw.execute(sql, params).fetchall()
                raw.commit()
            finally:
                raw.close()
            return rows
        import psycopg

        with psycopg.connect(store.url, autocommit=True) as connection:
            cursor = connection.execute(sql.replace("%", "%%").replace("?", "%s"), params or None)
            return cursor.fetchall() if cursor.description else []

    return run
