"""`hitl exec @GROUP -- COMMAND` and `hitl rollback ROLLOUTKEY`: a command, plan or rollback across many hosts,
printed host by host.

Hosts run concurrently, so their output is kept per host while they run and printed as one section per host,
in inventory order, once the run ends: a header naming the host and how it ended, its output (stdout lines on
stdout, stderr lines on stderr), its rollback keys. Then one summary line, `N ok, N failed, N unreachable`, and
on stderr why the rollout stopped, if it did, and last `rollback key: KEY` for the rollout.

Everything goes through `console.commands.out`: host names, group names and reasons are people's text
(`shown_line`), a host's output is a command's output (`host_line`: rendered on a terminal, as it came on a pipe
or with `--raw`).

Exit status: 0 only when every host succeeded; 3 when the rollout was rejected or refused as a whole; 1
otherwise (some host failed, was unreachable or was not run).
"""

from __future__ import annotations

import sys
from collections import defaultdict

from console.commands.failures import EXIT_REFUSED
from console.commands.out import host_line, say, tell
from console.commands.session_access import output_printer
from console.core.events import OutputLines, SessionEvent
from console.core.fleet.records import FleetOutcome, HostRun, HostState
from console.core.outcome import Verdict
from console.core.textsafe import shown_line

EXIT_SOME_FAILED = 1


class HostOutput:
    """The session's sink while a fleet runs: every host's lines, kept in the order they came; any other event
    goes to the command line's usual sink."""

    def __init__(self, *, raw: bool = False) -> None:
        self.raw = raw
        self.lines: dict[str, list[tuple[str, str]]] = defaultdict(list)
        self._others = output_printer(raw=raw)

    def __call__(self, event: SessionEvent) -> None:
        if isinstance(event, OutputLines):
            self.lines[event.host] += [(event.stream, line) for line in event.lines]
        else:
            self._others(event)


def _header(run: HostRun) -> str:
    parts = [run.state.value]
    if run.exit_status is not None:
        parts.append(f"exit {run.exit_status}")
    if run.wave:
        parts.insert(0, f"wave {run.wave}")
    if run.seconds:
        parts.append(f"{run.seconds:.2f}s")
    return f"=== {run.host} ({', '.join(parts)})"


def print_fleet(outcome: FleetOutcome, output: HostOutput) -> int:
    """Print each host's section, the counts, and the rollout's key; return the exit status."""
    for run in sorted(outcome.hosts, key=lambda r: outcome_order(outcome, r.host)):
        say(shown_line(_header(run)))
        streamed = output.lines.get(run.host)
        if streamed is None:  # nothing streamed (a rollback): what each step reported
            streamed = [
                (stream, line)
                for o in run.outcomes
                if o.result is not None
                for stream, text in (("stdout", o.result.stdout), ("stderr", o.result.stderr))
                for line in text.splitlines()
            ]
        for stream, line in streamed:
            host_line(line, sys.stdout if stream == "stdout" else sys.stderr, raw=output.raw)
        sys.stderr.flush()
        if run.state is not HostState.OK and run.reason:
            say(shown_line(f"  {run.state.value}: {run.reason}"))
        for key in run.rollback_keys:
            say(shown_line(f"  rollback key ({run.host}): {key}"))
    say(shown_line(outcome.summary()))
    if outcome.stopped:
        tell(shown_line(f"hitl: rollout stopped: {outcome.stopped}"))
    if outcome.decision in (Verdict.REJECTED, Verdict.REFUSED):
        tell(shown_line(f"hitl: not run ({outcome.decision}): {outcome.reason or 'the operator answered no'}"))
    if outcome.rollback_key:
        tell(shown_line(f"rollback key: {outcome.rollback_key}"))
    if outcome.decision in (Verdict.REJECTED, Verdict.REFUSED):
        return EXIT_REFUSED
    return 0 if outcome.ok else EXIT_SOME_FAILED


def outcome_order(outcome: FleetOutcome, host: str) -> int:
    for index, wave_host in enumerate(host for wave in outcome.waves for host in wave):
        if wave_host == host:
            return index
    return len(outcome.hosts)
