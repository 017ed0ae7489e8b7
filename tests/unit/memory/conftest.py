from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from console.core.memory import MemoryStore

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


@pytest.fixture
def store(db_path: Path, clock: Clock) -> Iterator[MemoryStore]:
    with MemoryStore.open(db_path, clock=clock) as opened:
        yield opened


def run_action(
    store: MemoryStore,
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
