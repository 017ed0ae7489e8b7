"""The console as the approver of `hitl mcp` servers: requests arriving on the approver channel are shown in the
same dialogs as the console's own (typed challenge, dwell, diff, NO ROLLBACK), with the client's name.

`ApproverListener` (core, reached through the runtime like the rest of the session) owns the socket, the peer
check, the protocol and the one-at-a-time order; this module only shows each request through `TuiApprover` in
a worker (a dialog can be awaited only there) and takes the dialog down when the server withdraws the request.
What the channel logs becomes a notification.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from console.core.approval import ApprovalRequest, Decision
from console.core.runtime import ApproverListener
from console.core.textsafe import shown, shown_line
from console.tui.text import toast

if TYPE_CHECKING:
    from console.tui.app import HitlApp


class McpApprovals:
    """Started once the session is open (`start`), closed with the app (`close`)."""

    def __init__(self, app: HitlApp, state_dir: Path) -> None:
        self._app = app
        self.listener = ApproverListener(state_dir, self._review, self._log)
        self.listening = False

    async def start(self) -> None:
        """Listen; a channel that cannot be opened is said once and costs the console nothing else."""
        try:
            self.listening = await self.listener.start()
        except OSError as error:
            toast(
                self._app,
                shown_line(f"MCP requests cannot reach this console: {self.listener.path}: {error.strerror or error}"),
                title=shown("MCP approvals"),
                severity="error",
            )
            return
        if not self.listening:
            toast(
                self._app,
                shown("Another hitl console answers MCP requests for this hitl home; this one does not."),
                title=shown("MCP approvals"),
                severity="warning",
            )

    async def close(self) -> None:
        await self.listener.close()

    async def _review(self, client: str, request: ApprovalRequest) -> Decision:
        # A request from an agent opens unasked, maybe while the operator types: the dialog's delays are at least
        # this console's own, whatever the server sent.
        settings = self._app.settings
        request = replace(
            request,
            write_key_delay=max(request.write_key_delay, settings.write_key_delay),
            destructive_dwell=max(request.destructive_dwell, settings.destructive_dwell),
        )
        toast(
            self._app, shown_line(f"mcp:{client} asks: {request.title}"), title=shown("MCP approval request"), timeout=8
        )
        worker = self._app.run_worker(
            self._app.approver.review(request), group="mcp-approval", exit_on_error=False, exclusive=False
        )
        try:
            await worker.wait()
        finally:
            if not worker.is_finished:  # withdrawn by the server: the dialog is taken down unanswered
                worker.cancel()
        decision = worker.result
        return decision if decision is not None else Decision.reject("the dialog was closed without an answer")

    def _log(self, line: str) -> None:
        toast(self._app, shown_line(line), title=shown("MCP approvals"), severity="warning")
