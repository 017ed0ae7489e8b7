"""Holding a host while a change runs on it (the store's host locks: `console.core.memory.host_locks`).

A WRITE, DESTRUCTIVE or rollback holds its host from approval to the end of its run; a change proposed on a
host another session holds is refused at once, before anyone is asked, and one approved meanwhile is refused
when it would start. The lock's purpose names the change (redacted), for the other operator's refusal.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from console.core.ports import Store
from console.core.redact import redact

PURPOSE_CHARS = 80


def purpose(tier: str, command: str) -> str:
    text = " ".join(redact(command).split())
    return f"{tier}: {text if len(text) <= PURPOSE_CHARS else text[: PURPOSE_CHARS - 1] + '…'}"


def held_elsewhere(store: Store, host: str) -> str | None:
    """The refusal for a change on `host` while another session holds it, or None."""
    holder = store.host_lock_holder(host)
    return None if holder is None else holder.refusal(host)


@contextmanager
def holding(store: Store, host: str, why: str) -> Iterator[None]:
    """Hold `host` for the block; raises `HostLocked` (nothing was run) when another session holds it."""
    store.lock_host(host, purpose=why)
    try:
        yield
    finally:
        store.unlock_host(host)
