"""`hitl exec HOST -- COMMAND`: one command through the same gate, capture and memory as the console.

The command's output is printed as it arrives: rendered (escape sequences shown, not obeyed) when it goes to a
terminal, as it came when it goes to a pipe or with `--raw`.

Exit codes: the command's own; 3 when it was refused or rejected (no terminal, read-only, a wrong answer);
124 when it timed out; 255 when the host could not be reached or the connection was lost; 2 for usage,
configuration and memory store errors (see `console.commands.failures`).
"""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from console.commands.failures import EXIT_REFUSED, EXIT_TIMEOUT, EXIT_UNREACHABLE
from console.commands.out import tell
from console.commands.session_access import terminal_session
from console.core.outcome import Ended, Origin
from console.core.textsafe import shown_line


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "exec",
        help="run one command on a host through the gate",
        description="Run COMMAND on HOST: READ runs at once, WRITE asks [y/N], DESTRUCTIVE asks for a typed "
        "challenge; without a terminal WRITE and DESTRUCTIVE are refused (exit 3).",
    )
    parser.add_argument(
        "--raw", action="store_true", help="write the output as it came, escape sequences included, also on a terminal"
    )
    parser.add_argument("host", metavar="HOST")
    parser.add_argument("words", nargs=argparse.REMAINDER, metavar="-- COMMAND")
    parser.set_defaults(func=_exec)


async def _run(host: str, command: str, *, raw: bool) -> int:
    async with terminal_session(raw=raw) as session:
        classification = session.classify(command)
        tell(shown_line(f"hitl: {classification.tier.name}: " + "; ".join(classification.reasons)))
        outcome = await session.run_command(host, command, source=Origin.CLI)
    if outcome.result is None:
        tell(shown_line(f"hitl: not run ({outcome.decision}): {outcome.reason}"))
        return EXIT_REFUSED
    if outcome.rollback_key:
        tell(shown_line(f"rollback key: {outcome.rollback_key}"))
    result = outcome.result
    if result.ended is Ended.TIMED_OUT:
        tell(shown_line(f"hitl: {result.error or 'timed out'}"))
        return EXIT_TIMEOUT
    if result.ended is Ended.CONNECTION_LOST:
        tell(shown_line(f"hitl: {result.error or 'connection lost'}"))
        return EXIT_UNREACHABLE
    if result.exit_status is None:
        tell(shown_line(f"hitl: {result.error or result.ended.value}"))
        return EXIT_REFUSED
    return result.exit_status


def _exec(args: argparse.Namespace) -> int:
    words = list(args.words)
    if words and words[0] == "--":
        words = words[1:]
    if not words:
        tell(shown_line("hitl exec: give the command after --, e.g. hitl exec local -- df -h"))
        return 2
    return asyncio.run(_run(args.host, " ".join(words), raw=args.raw))
