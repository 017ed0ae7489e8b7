"""`hitl exec HOST -- COMMAND`: one command through the same gate, capture and memory as the console.

Exit codes: the command's own; 3 when it was refused or rejected (no terminal, read-only, a wrong answer);
4 when it ran as READ and tried to change something (a classifier miss: its confinement kept every change
from persisting; on a terminal hitl offers to run it again as WRITE, through the approval, and the exit code is
then that run's); 124 when it timed out; 255 when the host could not be reached or the connection was lost;
2 for usage, configuration and memory store errors (see `console.commands.failures`).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import TYPE_CHECKING, Any

from console.commands.failures import EXIT_CLASSIFIER_MISS, EXIT_REFUSED, EXIT_TIMEOUT, EXIT_UNREACHABLE
from console.commands.session_access import terminal_session
from console.commands.terminal import ask, interactive
from console.core.outcome import Ended, Origin, Outcome

if TYPE_CHECKING:
    from console.core.session import Session


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "exec",
        help="run one command on a host through the gate",
        description="Run COMMAND on HOST: READ runs at once (confined on the host, per read_confinement), WRITE "
        "asks [y/N], DESTRUCTIVE asks for a typed challenge; without a terminal WRITE and DESTRUCTIVE are "
        "refused (exit 3). A READ that tried to change something exits 4.",
    )
    parser.add_argument("host", metavar="HOST")
    parser.add_argument("words", nargs=argparse.REMAINDER, metavar="-- COMMAND")
    parser.set_defaults(func=_exec)


def say(line: str) -> None:
    print(f"hitl: {line}", file=sys.stderr)


def report_miss(outcome: Outcome) -> None:
    """The block a caught classifier miss prints on stderr: what was tried, and that none of it persisted."""
    mode = (outcome.confinement or "").removeprefix("confined: ")
    say(f"CLASSIFIER MISS on {outcome.host}: this ran as READ, confined ({mode}), and tried to change something.")
    say("Nothing of it persisted. What it tried:")
    for line in outcome.attempted:
        say(f"  {line}")
    say("Recorded in memory and the audit chain as a classifier miss (`hitl history` shows it).")


async def _offer_write(session: Session, outcome: Outcome) -> Outcome | None:
    """On a terminal: offer to run the command again as WRITE (the normal gate asks next); None if not."""
    if not interactive():
        say("Not run again: no terminal to offer it on; to run it as WRITE, run it in a terminal and answer y.")
        return None
    answer = await ask("Run it again as WRITE (you approve it next)? [y/N] ")
    if answer.strip().lower() not in {"y", "yes"}:
        return None
    return await session.rerun_as_write(outcome, source=Origin.CLI)


async def _run(host: str, command: str) -> int:
    async with terminal_session() as session:
        classification = session.classify(command)
        say(f"{classification.tier.name}: " + "; ".join(classification.reasons))
        outcome = await session.run_command(host, command, source=Origin.CLI)
        if outcome.attempted:
            report_miss(outcome)
            again = await _offer_write(session, outcome)
            if again is None:
                return EXIT_CLASSIFIER_MISS
            outcome = again
    return _exit_status(outcome)


def _exit_status(outcome: Outcome) -> int:
    if outcome.result is None:
        say(f"not run ({outcome.decision}): {outcome.reason}")
        return EXIT_REFUSED
    if outcome.confinement and outcome.confinement.startswith("not confined: none"):
        say(f"this READ ran unconfined: host {outcome.host} cannot confine ({outcome.confinement[14:]})")
    if outcome.rollback_key:
        print(f"rollback key: {outcome.rollback_key}", file=sys.stderr)
    result = outcome.result
    if result.ended is Ended.TIMED_OUT:
        say(result.error or "timed out")
        return EXIT_TIMEOUT
    if result.ended is Ended.CONNECTION_LOST:
        say(result.error or "connection lost")
        return EXIT_UNREACHABLE
    if result.exit_status is None:
        say(result.error or result.ended.value)
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
