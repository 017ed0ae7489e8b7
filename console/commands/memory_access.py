"""Opening the memory store for a sub-command: the database from `paths.database_file`, errors as one line."""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from console.commands.context import load_context
from console.core.memory import MemoryStore, MemoryStoreError
from console.core.memory.since import parse_since

# Exit status when the database cannot be used (unreadable, corrupt, newer schema): like a bad config.
STORE_ERROR = 2


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


def reporting_store_errors(command: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """Run `command`; a MemoryStoreError becomes one line on stderr (naming the file) and exit status 2."""

    def run(args: argparse.Namespace) -> int:
        try:
            return command(args)
        except MemoryStoreError as error:
            print(f"hitl: memory store: {error}", file=sys.stderr)
            return STORE_ERROR
        except BrokenPipeError:
            # The reader went away (`hitl audit export | head`): not an error; silence the final flush.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return 0

    return run
