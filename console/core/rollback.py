"""Rollback points as the operator sees and restores them: which are restorable and why not, how long they have
left, and how a rollback is described (it is itself a WRITE, approved like any other).

"Restorable" is decided here only: live and unexpired. The session refuses with `refusal`'s words, the timeline
shows them, `hitl rollbacks` and the model's `list_rollbacks` list what `restorable` keeps.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence

from console.core.capture.engine import Snapshot
from console.core.classify.model import Classification, Target
from console.core.durations import remaining
from console.core.errors import SessionError
from console.core.memory.records import ActionRecord, RollbackPoint
from console.core.ports import Store
from console.core.tiers import Tier
from console.core.views import RollbackView

ROLLBACK_KEY = re.compile(r"^rb-[0-9a-z]{6}$")
_KEY_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"


class RollbackError(SessionError):
    """A rollback that cannot be done; the message says why."""


def new_rollback_key() -> str:
    """`rb-` and six characters from an alphabet without look-alikes (no 0/o, 1/l)."""
    return "rb-" + "".join(secrets.choice(_KEY_ALPHABET) for _ in range(6))


def is_expired(point: RollbackPoint, now: float) -> bool:
    return point.status == "expired" or point.expires <= now


def refusal(point: RollbackPoint, now: float, here: str | None = None) -> str | None:
    """Why `point` cannot be rolled back now, or None when it can. `here` is where this store keeps captured
    data: a point whose data another operator's machine keeps is rolled back from there."""
    if is_expired(point, now):
        return f"{point.key} has expired: its captured data is gone, so there is nothing to roll back to"
    if point.status != "live":
        return f"{point.key} is {point.status}; only a live point can be rolled back"
    return elsewhere(point, here)


def elsewhere(point: RollbackPoint, here: str | None) -> str | None:
    """Why `point` cannot be restored from here because its captured data is kept elsewhere, or None."""
    if here is not None and point.blobs_at is not None and point.blobs_at != here:
        return (
            f"{point.key}'s captured data is kept by {point.blobs_at}, not here: roll it back from there, or set"
            " blob_store to a directory the team shares"
        )
    return None


def expires_in(point: RollbackPoint, now: float) -> str:
    return "expired" if is_expired(point, now) else remaining(point.expires - now)


def captured_lines(point: RollbackPoint) -> tuple[str, ...]:
    try:
        return tuple(Snapshot.from_json(point.artifacts).describe())
    except (KeyError, TypeError, ValueError) as error:
        return (f"(the capture record cannot be read: {error!r})",)


def decided_words(action: ActionRecord) -> str:
    """How an action was decided, in the words the timeline shows (with the second operator on a four-eyes
    host)."""
    if action.decision == "remembered":
        return f"remembered {action.rule_id}"
    if action.decision in ("approved", "rejected"):
        by = "the operator" if action.decided_by == "operator" else action.decided_by
        second = f" and {action.approved_by}" if action.approved_by else ""
        return f"{action.decision} by {by}{second}"
    return action.decision or "not decided"


def view(
    point: RollbackPoint, now: float, action: ActionRecord | None = None, *, here: str | None = None
) -> RollbackView:
    return RollbackView(
        key=point.key,
        host=point.host,
        command=point.command,
        tier=point.tier,
        strategies=point.strategies,
        created=point.created,
        status="expired" if is_expired(point, now) else point.status,
        expires_in=expires_in(point, now),
        refusal=refusal(point, now, here),
        captured=captured_lines(point),
        operator=point.operator,
        proposed_by=action.source if action else "",
        decided=decided_words(action) if action else "",
    )


def restorable(store: Store, host: str | None = None) -> list[RollbackPoint]:
    """The points that can still be restored, newest first (the store's query already keeps live, unexpired)."""
    return store.rollback_points(host=host, include_expired=False)


def views(store: Store, now: float, *, host: str | None = None, restorable_only: bool = False) -> list[RollbackView]:
    """The points as the timeline (every one) and `hitl rollbacks` (restorable ones, unless --all) list them."""
    points = restorable(store, host) if restorable_only else store.rollback_points(host=host)
    return [
        view(point, now, store.action(point.action_id) if point.action_id else None, here=store.blobs_at)
        for point in points
    ]


def restorable_points(store: Store, keys: Sequence[str], now: float) -> list[RollbackPoint]:
    """The points for `keys`, all restorable and on one host; raises `RollbackError` saying why not."""
    points = []
    for key in keys:
        if not ROLLBACK_KEY.match(key):
            raise RollbackError(f"{key!r} is not a rollback key (they look like rb-abc123)")
        point = store.rollback_point(key)
        if point is None:
            raise RollbackError(f"no rollback point {key}")
        why = refusal(point, now, store.blobs_at)
        if why is not None:
            raise RollbackError(why)
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
