"""`hitl rollback KEY` (shows the difference, then asks like any WRITE) and `hitl rollbacks` (live keys)."""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from typing import Any

from console.commands.context import load_context
from console.commands.failures import EXIT_REFUSED
from console.commands.session_access import terminal_session


def register(subparsers: Any) -> None:
    rollback = subparsers.add_parser("rollback", help="restore what a rollback key captured (asks first)")
    rollback.add_argument("keys", nargs="+", metavar="KEY", help="rollback key(s), e.g. rb-k3x9qa")
    rollback.add_argument("--reason", default="", help="why (recorded in memory)")
    rollback.set_defaults(func=_rollback)
    listing = subparsers.add_parser("rollbacks", help="list rollback points that can still be restored")
    listing.add_argument("--host", help="only this host")
    listing.add_argument("--all", action="store_true", help="include expired and used points")
    listing.set_defaults(func=_rollbacks)


def _expires_in(seconds: float) -> str:
    if seconds <= 0:
        return "expired"
    hours, rest = divmod(int(seconds), 3600)
    return f"{hours}h{rest // 60:02d}m" if hours else f"{rest // 60}m{rest % 60:02d}s"


def _rollbacks(args: argparse.Namespace) -> int:
    from console.core.memory.store import MemoryStore

    context = load_context()
    memory = MemoryStore.open(context.paths.database_file)
    now = time.time()
    try:
        points = memory.rollback_points(host=args.host, include_expired=args.all)
    finally:
        memory.close()
    shown = [p for p in points if args.all or (p.status == "live" and p.expires > now)]
    if not shown:
        print("no rollback points" + ("" if args.all else " that can be restored"), file=sys.stderr)
        return 0
    for point in shown:
        created = time.strftime("%Y-%m-%d %H:%M", time.localtime(point.created))
        print(
            f"{point.key}  {point.host:<12} {created}  {point.tier:<11} "
            f"{_expires_in(point.expires - now):>8}  {point.status:<11} {point.command}"
        )
    return 0


async def _restore(keys: list[str], reason: str) -> int:
    async with terminal_session() as session:
        outcomes = await session.rollback(keys, reason=reason, source="cli")
    last = outcomes[-1]
    if last.decision == "rejected":
        print(f"hitl: not rolled back: {last.reason}", file=sys.stderr)
        return EXIT_REFUSED
    if not last.ok:
        print(f"hitl: rollback failed: {last.reason}", file=sys.stderr)
        return 1
    if last.rollback_key:
        print(f"rollback key: {last.rollback_key}  (undoes this rollback)", file=sys.stderr)
    return 0


def _rollback(args: argparse.Namespace) -> int:
    return asyncio.run(_restore(list(args.keys), args.reason))
