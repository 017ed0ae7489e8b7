"""What other operators do, as it happens: the team store's change notifications (LISTEN/NOTIFY, pushed by the
server as each transaction commits; no polling) turned into `TeamActivity` events for the console.

Only what a person follows becomes an event: an action started, finished or stopped, a READ caught trying to
change something (a classifier miss), a rollback point kept or rolled back, a request for a second operator
made or decided. The notification carries ids only; the rows are read
from the store (redacted as stored). When the team store cannot be reached the feed says so once and retries,
with a growing pause, until it is back.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

from console.core.errors import StoreError
from console.core.events import EventSink, Notice, TeamActivity
from console.core.memory.records import StoreChange
from console.core.ports import Store

SHOWN = frozenset(
    {
        "action-started",
        "action-finished",
        "action-interrupted",
        "classifier-miss",
        "rollback-point-added",
        "rollback-status",
        "approval-requested",
        "approval-request-decided",
    }
)
_ACTION_KINDS = ("action-started", "action-finished", "action-interrupted", "classifier-miss")
RETRY_FIRST, RETRY_MAX = 1.0, 30.0


def describe(store: Store, change: StoreChange) -> TeamActivity | None:
    """The event for `change`, or None when it is nothing to show (or no longer there)."""
    who = change.operator or "someone"
    if change.kind in _ACTION_KINDS and change.action is not None:
        action = store.action(change.action)
        if action is None:
            return None
        if change.kind == "action-started":
            text = f"{who} on {action.host} runs: {action.command}"
        elif change.kind == "classifier-miss":
            text = (
                f"{who} on {action.host}: classifier miss, {action.command} tried to change something"
                " (nothing of it persisted)"
            )
        else:
            text = f"{who} on {action.host}: {action.command} ({action.outcome})"
        return TeamActivity(who, change.kind, text, host=action.host)
    if change.kind in ("rollback-point-added", "rollback-status") and change.key is not None:
        point = store.rollback_point(change.key)
        if point is None:
            return None
        return TeamActivity(who, change.kind, f"{who} on {point.host}: {point.key} {point.status}", host=point.host)
    if change.kind.startswith("approval-request") and change.request is not None:
        request = store.second_approval(change.request)
        if request is None:
            return None
        if change.kind == "approval-requested":
            text = f"{who} asks a second operator: {request.title} on {request.host} (request {request.id})"
        else:
            text = f"{who} {request.state} request {request.id} ({request.title} on {request.host})"
        return TeamActivity(who, change.kind, text, host=request.host, request_id=request.id)
    return None


async def follow(store: Store, events: EventSink, *, sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
    """Emit `TeamActivity` for other operators' writes until cancelled (returns at once without a team store)."""
    if store.dialect != "postgresql":
        return
    pause = RETRY_FIRST
    said = False
    while True:
        try:
            async with contextlib.aclosing(store.watch()) as changes:
                async for change in changes:
                    if change.kind == "listening":
                        if said:
                            events(Notice("The team store is back: other operators' actions show again."))
                        pause, said = RETRY_FIRST, False
                        continue
                    if change.mine or change.kind not in SHOWN:
                        continue
                    activity = describe(store, change)
                    if activity is not None:
                        events(activity)
        except StoreError as error:
            if not said:
                events(Notice(f"{error}; retrying", "warning"))
                said = True
        await sleep(pause)
        pause = min(pause * 2, RETRY_MAX)
