"""Opening the record store for a sub-command that only reads it (`history`, `audit`).

A store that cannot be used raises `MemoryStoreError`, which `console.cli` reports as one line (exit 2).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager

from console.commands.context import load_context
from console.core.ports import Store
from console.core.stores import open_existing_store as open_store_if_made
from console.core.stores import parse_since


def since_argument(text: str) -> float:
    """An argparse `type=` for --since."""
    try:
        return parse_since(text, time.time())
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


@contextmanager
def open_existing_store() -> Iterator[Store | None]:
    """The store, or None when hitl has not created its database yet (a read command creates nothing)."""
    context = load_context()
    store = open_store_if_made(context.paths, context.settings)
    if store is None:
        yield None
        return
    with closing(store):
        yield store
