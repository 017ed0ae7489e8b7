"""`hitl exec HOST -- COMMAND`: one command through the same gate, capture and memory as the console.

Exit codes: the command's own; 3 when it was refused or rejected (no terminal, read-only, a wrong answer);
124 when it timed out; 255 when the host could not be reached or the connection was lost; 2 for usage,
configuration and memory store errors (see `console.commands.failures`).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

from console.commands.failures import EXIT_REFUSED, EXIT_TIMEOUT, EXIT_UNREACHABLE
from console.commands.session_access import terminal_session
from console.core.outcome import Ended, Origin


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "exec",
        help="run one command on a host through the gate",
        description="Run COMMAND on HOST: READ runs at once, WRITE asks [y/N], DESTRUCTIVE asks for a typed "
        "challenge; without a terminal WRITE and DESTRUCTIVE are refused (exit 3).",
    )
    parser.add_argument("host", metavar="HOST")
    parser.add_argument("words", nargs=argparse.REMAINDER, metavar="-- COMMAND")
    parser.set_defaults(func=_exec)


async def _run(host: str, command: str) -> int:
    async with terminal_session() as session:
        classification = session.classify(command)
        print(f"hitl: {classification.tier.name}: " + "; ".join(classification.reasons), file=sys.stderr)
        outcome = await session.run_command(host, command, source=Origin.CLI)
    if outcome.result is None:
        print(f"hitl: not run ({outcome.decision}): {outcome.reason}", file=sys.stderr)
        return EXIT_REFUSED
    if outcome.rollback_key:
        print(f"rollback key: {outcome.rollback_key}", file=sys.stderr)
    result = outcome.result
    if result.ended is Ended.TIMED_OUT:
        print(f"hitl: {result.error or 'timed out'}", file=sys.stderr)
        return EXIT_TIMEOUT
    if result.ended is Ended.CONNECTION_LOST:
        print(f"hitl: {result.error or 'connection lost'}", file=sys.stderr)
        return EXIT_UNREACHABLE
    if result.exit_status is None:
        print(f"hitl: {result.error or result.ended.value}", file=sys.stderr)
        return EXIT_REFUSED
    return result.exit_status


def _exec(args: argparse.Namespace) -> int:
    words = list(args.words)
    if words and words[0] == "--":
        words = words[1:]
    if not words:
        print("hitl exec: give the command after --, e.g. hitl exec local -- df -h", file=sys.stderr)
        return 2
    return asyncio.run(_run(args.host, " ".join(words)))
