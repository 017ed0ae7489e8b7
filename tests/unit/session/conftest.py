from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from console.core.events import SessionEvent
from console.core.memory import MemoryStore


class Clock:
    def __init__(self, now: float = 1_750_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def store(tmp_path: Path) -> Iterator[MemoryStore]:
    """A real SQLite store: the journal's writes are read back as `hitl history` would."""
    with MemoryStore.open(tmp_path / "hitl.sqlite3") as opened:
        yield opened


@pytest.fixture
def events() -> list[SessionEvent]:
    return []
