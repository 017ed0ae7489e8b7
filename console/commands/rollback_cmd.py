"""`hitl rollback KEY` (shows the difference, then asks like any WRITE) and `hitl rollbacks` (live keys)."""

from __future__ import annotations

import argparse
import asyncio
import time
from contextlib import closing
from typing import Any

from console.commands.context import load_context
from console.commands.failures import EXIT_REFUSED
from console.commands.out import say, tell
from console.commands.session_access import terminal_session
from console.core.textsafe import shown, shown_line


def register(subparsers: Any) -> None:
    rollback = subparsers.add_parser("rollback", help="restore what a rollback key captured (asks first)")
    rollback.add_argument("keys", nargs="+", metavar="KEY", help="rollback key(s), e.g. rb-k3x9qa")
    rollback.add_argument("--reason", default="", help="why (recorded in memory)")
    rollback.set_defaults(func=_rollback)
    listing = subparsers.add_parser("rollbacks", help="list rollback points that can still be restored")
    listing.add_argument("--host", help="only this host")
    listing.add_argument("--all", action="store_true", help="include expired and used points")
    listing.set_defaults(func=_rollbacks)


def _rollbacks(args: argparse.Namespace) -> int:
    from console.core.runtime import rollback_views
    from console.core.stores import open_existing_store

    context = load_context()
    store = open_existing_store(context.paths, context.settings)
    points = []
    if store is not None:
        with closing(store):
            points = rollback_views(store, time.time(), host=args.host, restorable_only=not args.all)
    if not points:
        tell(shown("no rollback points" + ("" if args.all else " that can be restored")))
        return 0
    for point in points:
        created = time.strftime("%Y-%m-%d %H:%M", time.localtime(point.created))
        say(
            shown_line(
                f"{point.key}  {point.host:<12} {created}  {point.tier:<11} "
                f"{point.expires_in:>8}  {point.status:<11} {point.command}"
            )
        )
    return 0


async def _restore(keys: list[str], reason: str) -> int:
    from console.core.outcome import Origin, Status

    async with terminal_session() as session:
        outcome = await session.rollback(keys, reason=reason, source=Origin.CLI)
    if outcome.status is Status.REJECTED:
        tell(shown_line(f"hitl: not rolled back: {outcome.reason}"))
        return EXIT_REFUSED
    if not outcome.ok:
        reason = outcome.reason or ""
        said = reason if reason.startswith("rollback incomplete") else f"rollback failed: {reason}"
        tell(shown_line(f"hitl: {said}"))
        return 1
    if outcome.rollback_key:
        tell(shown_line(f"rollback key: {outcome.rollback_key}  (undoes this rollback)"))
    return 0


def _rollback(args: argparse.Namespace) -> int:
    from console.core.fleet.records import is_rollout_key

    keys = list(args.keys)
    if any(is_rollout_key(key) for key in keys):
        if len(keys) != 1:
            tell(shown("hitl rollback: give a rollout key (ro-...) alone"))
            return 2
        return asyncio.run(_restore_rollout(keys[0], args.reason))
    return asyncio.run(_restore(keys, args.reason))


async def _restore_rollout(key: str, reason: str) -> int:
    """Every completed host of a rollout, latest wave first, after one approval."""
    from console.commands.fleet_out import HostOutput, print_fleet
    from console.core.outcome import Origin

    output = HostOutput()
    async with terminal_session(events=output) as session:
        outcome = await session.rollback_rollout(key, reason=reason, source=Origin.CLI)
    return print_fleet(outcome, output)
