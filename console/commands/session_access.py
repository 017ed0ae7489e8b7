"""Opening a session for a sub-command that runs things (`exec`, `rollback`): the terminal's approver and trust
prompt, host output streamed to this process's stdout and stderr. Errors are left to `console.cli`."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from console.commands.context import load_context
from console.commands.terminal import TerminalApprover, terminal_trust_prompt
from console.core.events import AwaitingSecondOperator, OutputLines, SessionEvent

if TYPE_CHECKING:
    from console.core.session import Session


def print_output(event: SessionEvent) -> None:
    if isinstance(event, OutputLines):
        stream = sys.stdout if event.stream == "stdout" else sys.stderr
        for line in event.lines:
            stream.write(line + "\n")
        stream.flush()
    elif isinstance(event, AwaitingSecondOperator) and event.waiting:
        print(
            f"hitl: {event.host} needs a second operator: waiting for another operator to approve request"
            f" {event.request_id} (hitl approvals approve {event.request_id}); Ctrl-C withdraws it",
            file=sys.stderr,
            flush=True,
        )


@asynccontextmanager
async def terminal_session() -> AsyncIterator[Session]:
    """A session answered on this terminal, closed (connections and store) when the block ends."""
    from console.core.runtime import open_runtime

    context = load_context()
    runtime = open_runtime(
        context.paths, context.settings, TerminalApprover(), events=print_output, trust_prompt=terminal_trust_prompt
    )
    if runtime.permissions_notice:
        print(f"hitl: {runtime.permissions_notice}", file=sys.stderr)
    try:
        yield runtime.session
    finally:
        await runtime.close()
