"""Opening the memory store for a sub-command that only reads it: the database from `paths.database_file`.

A store that cannot be used raises `MemoryStoreError`, which `console.cli` reports as one line (exit 2).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Iterator
from contextlib import contextmanager

from console.commands.context import load_context
from console.core.memory import MemoryStore
from console.core.memory.since import parse_since


def since_argument(text: str) -> float:
    """An argparse `type=` for --since."""
    try:
        return parse_since(text, time.time())
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


@contextmanager
def open_existing_store() -> Iterator[MemoryStore | None]:
    """The store, or None when hitl has not created its database yet (a read command creates nothing)."""
    path = load_context().paths.database_file
    if not path.exists():
        yield None
        return
    with MemoryStore.open(path) as store:
        yield store
