"""`hitl exec HOST -- COMMAND`: one command through the same gate, capture and memory as the console.

The command's output is printed as it arrives: rendered (escape sequences shown, not obeyed) when it goes to a
terminal, as it came when it goes to a pipe or with `--raw`.

Exit codes: the command's own; 3 when it was refused or rejected (no terminal, read-only, a wrong answer);
4 when it ran as READ and tried to change something (a classifier miss: its confinement kept every change
from persisting; on a terminal hitl offers to run it again as WRITE, through the approval, and the exit code is
then that run's); 124 when it timed out; 255 when the host could not be reached or the connection was lost;
2 for usage, configuration and memory store errors (see `console.commands.failures`).
"""

from __future__ import annotations

import argparse
import asyncio
from typing import TYPE_CHECKING, Any

from console.commands.failures import EXIT_CLASSIFIER_MISS, EXIT_REFUSED, EXIT_TIMEOUT, EXIT_UNREACHABLE
from console.commands.fleet_out import HostOutput, print_fleet
from console.commands.out import tell
from console.commands.session_access import terminal_session
from console.commands.terminal import ask, interactive
from console.core.fleet.targets import is_fleet
from console.core.outcome import Ended, Origin, Outcome
from console.core.textsafe import shown_line

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
    parser.add_argument(
        "--raw", action="store_true", help="write the output as it came, escape sequences included, also on a terminal"
    )
    parser.add_argument("host", metavar="TARGET", help="a host, @LABEL or @GROUP, or a comma-separated list")
    parser.add_argument("--serial", help='rollout waves across a group, e.g. "1,25%%,100%%" (default: config)')
    parser.add_argument("--max-fail", help='failed hosts a wave may have before the rollout stops: "0", "10%%"')
    parser.add_argument("words", nargs=argparse.REMAINDER, metavar="-- COMMAND")
    parser.set_defaults(func=_exec)


def note(line: str) -> None:
    """A line about what hitl did, on stderr; `line` may hold host text (what a command tried), so rendered."""
    tell(shown_line(f"hitl: {line}"))


def report_miss(outcome: Outcome) -> None:
    """The block a caught classifier miss prints on stderr: what was tried, and that none of it persisted."""
    mode = (outcome.confinement or "").removeprefix("confined: ")
    note(f"CLASSIFIER MISS on {outcome.host}: this ran as READ, confined ({mode}), and tried to change something.")
    note("Nothing of it persisted. What it tried:")
    for line in outcome.attempted:
        note(f"  {line}")
    note("Recorded in memory and the audit chain as a classifier miss (`hitl history` shows it).")


async def _offer_write(session: Session, outcome: Outcome) -> Outcome | None:
    """On a terminal: offer to run the command again as WRITE (the normal gate asks next); None if not."""
    if not interactive():
        note("Not run again: no terminal to offer it on; to run it as WRITE, run it in a terminal and answer y.")
        return None
    answer = await ask(shown_line("Run it again as WRITE (you approve it next)? [y/N] "))
    if answer.strip().lower() not in {"y", "yes"}:
        return None
    return await session.rerun_as_write(outcome, source=Origin.CLI)


async def _run(host: str, command: str, *, raw: bool) -> int:
    async with terminal_session(raw=raw) as session:
        classification = session.classify(command)
        note(f"{classification.tier.name}: " + "; ".join(classification.reasons))
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
        note(f"not run ({outcome.decision}): {outcome.reason}")
        return EXIT_REFUSED
    if outcome.confinement and outcome.confinement.startswith("not confined: none"):
        note(f"this READ ran unconfined: host {outcome.host} cannot confine ({outcome.confinement[14:]})")
    if outcome.rollback_key:
        tell(shown_line(f"rollback key: {outcome.rollback_key}"))
    result = outcome.result
    if result.ended is Ended.TIMED_OUT:
        note(result.error or "timed out")
        return EXIT_TIMEOUT
    if result.ended is Ended.CONNECTION_LOST:
        note(result.error or "connection lost")
        return EXIT_UNREACHABLE
    if result.exit_status is None:
        note(result.error or result.ended.value)
        return EXIT_REFUSED
    return result.exit_status


def _exec(args: argparse.Namespace) -> int:
    words = list(args.words)
    options = {"--serial": "serial", "--max-fail": "max_fail"}
    while len(words) >= 2 and words[0] in options:  # flags given after TARGET, before `--`
        setattr(args, options[words[0]], words[1])
        words = words[2:]
    if words and words[0] == "--":
        words = words[1:]
    if not words:
        tell(shown_line("hitl exec: give the command after --, e.g. hitl exec local -- df -h"))
        return 2
    if is_fleet(args.host):
        fleet = _run_fleet(args.host, " ".join(words), serial=args.serial, max_fail=args.max_fail, raw=args.raw)
        return asyncio.run(fleet)
    return asyncio.run(_run(args.host, " ".join(words), raw=args.raw))


async def _run_fleet(target: str, command: str, *, serial: str | None, max_fail: str | None, raw: bool) -> int:
    """A command on every host `target` names (see `console.commands.fleet_out` for what is printed)."""
    output = HostOutput(raw=raw)
    async with terminal_session(events=output) as session:
        options = session.fleet_options(serial=serial, max_fail=max_fail)
        hosts = session.resolve_target(target)
        classification = session.classify(command)
        note(f"{classification.tier.name} on {target} ({len(hosts)} hosts): " + "; ".join(classification.reasons))
        outcome = await session.run_fleet(target, command, source=Origin.CLI, options=options)
    return print_fleet(outcome, output)
