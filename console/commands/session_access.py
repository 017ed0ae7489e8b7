"""Opening a session for a sub-command that runs things (`exec`, `rollback`): the terminal's approver and trust
prompt, host output streamed to this process's stdout and stderr (rendered on a terminal unless `raw`). Errors are
left to `console.cli`."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from console.commands.context import load_context
from console.commands.out import host_line, tell
from console.commands.terminal import TerminalApprover, terminal_trust_prompt
from console.core.events import AwaitingSecondOperator, EventSink, OutputLines, SessionEvent
from console.core.textsafe import shown_line

if TYPE_CHECKING:
    from console.core.session import Session


def output_printer(*, raw: bool = False) -> EventSink:
    """The session's event sink for a command line: each line of output on stdout or stderr as it arrives, and
    a line when a change waits for a second operator."""

    def print_output(event: SessionEvent) -> None:
        if isinstance(event, OutputLines):
            stream = sys.stdout if event.stream == "stdout" else sys.stderr
            for line in event.lines:
                host_line(line, stream, raw=raw)
            stream.flush()
        elif isinstance(event, AwaitingSecondOperator) and event.waiting:
            tell(
                shown_line(
                    f"hitl: {event.host} needs a second operator: waiting for another operator to approve request"
                    f" {event.request_id} (hitl approvals approve {event.request_id}); Ctrl-C withdraws it"
                )
            )

    return print_output


@asynccontextmanager
async def terminal_session(*, raw: bool = False, events: EventSink | None = None) -> AsyncIterator[Session]:
    """A session answered on this terminal, closed (connections and store) when the block ends; `events`
    receives the session's events (by default `output_printer(raw=raw)`: host output printed as it comes)."""
    from console.core.runtime import open_runtime

    context = load_context()
    runtime = open_runtime(
        context.paths,
        context.settings,
        TerminalApprover(),
        events=events if events is not None else output_printer(raw=raw),
        trust_prompt=terminal_trust_prompt,
    )
    if runtime.permissions_notice:
        tell(shown_line(f"hitl: {runtime.permissions_notice}"))
    try:
        yield runtime.session
    finally:
        await runtime.close()
