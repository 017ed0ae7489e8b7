"""Rollback points as the session restores them: which keys are restorable, and how a rollback is described
to the operator (it is itself a WRITE, approved like any other)."""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence

from console.core.capture.engine import Snapshot
from console.core.classify.model import Classification, Target
from console.core.errors import SessionError
from console.core.memory.records import RollbackPoint
from console.core.memory.store import MemoryStore
from console.core.tiers import Tier

ROLLBACK_KEY = re.compile(r"^rb-[0-9a-z]{6}$")
_KEY_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"


class RollbackError(SessionError):
    """A rollback that cannot be done; the message says why."""


def new_rollback_key() -> str:
    """`rb-` and six characters from an alphabet without look-alikes (no 0/o, 1/l)."""
    return "rb-" + "".join(secrets.choice(_KEY_ALPHABET) for _ in range(6))


def restorable_points(memory: MemoryStore, keys: Sequence[str], now: float) -> list[RollbackPoint]:
    """The points for `keys`, all live, unexpired and on one host; raises `RollbackError` otherwise."""
    points = []
    for key in keys:
        if not ROLLBACK_KEY.match(key):
            raise RollbackError(f"{key!r} is not a rollback key (they look like rb-abc123)")
        point = memory.rollback_point(key)
        if point is None:
            raise RollbackError(f"no rollback point {key}")
        if point.status != "live":
            raise RollbackError(f"rollback point {key} is {point.status}; it can no longer be restored")
        if point.expires <= now:
            raise RollbackError(f"rollback point {key} expired; its captured data is gone")
        points.append(point)
    if len({p.host for p in points}) != 1:
        raise RollbackError("a rollback covers one host at a time")
    return points


def rollback_classification(points: Sequence[RollbackPoint], snapshots: Sequence[Snapshot]) -> Classification:
    description = "Roll back " + ", ".join(p.key for p in points)
    return Classification(
        command=description,
        tier=Tier.WRITE,
        reasons=(f"restores what was captured before: {'; '.join(p.command for p in points)}",),
        targets=tuple(Target("path", line) for s in snapshots for line in s.describe()),
        capture=("files",),
    )
