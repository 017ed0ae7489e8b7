"""Team mode in the console: the strip that says what the team is doing, and the pending-approvals screen.

`TeamStrip` sits above the status bar and is shown only with a team store: while a four-eyes request of this
operator waits for someone else it says so (Esc stops the turn and withdraws it); otherwise it shows how many
requests wait for a second operator and the last thing another operator did. `PendingApprovalsScreen`
(`ctrl+n`, or the palette's "Pending approvals") lists the requests waiting; Enter shows the same review
dialog the requester saw and sends the answer through `console.core.team` (which checks it again); `x` rejects
with a reason. Both follow `AwaitingSecondOperator` and `TeamActivity` events, routed here by the app.
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input, Label, Static

from console.core.errors import HitlError
from console.core.textsafe import shown, shown_line
from console.tui.text import Part, line, plain, toast

if TYPE_CHECKING:
    from console.core.events import AwaitingSecondOperator, TeamActivity
    from console.core.team import TeamApprovals
    from console.tui.app import HitlApp


def show_team_event(app: HitlApp, event: object) -> None:
    """`AwaitingSecondOperator` and `TeamActivity` (routed here by the app): the strip, and reloading an open
    timeline or pending-approvals screen."""
    from console.core import events as core
    from console.tui.screens.timeline import TimelineScreen

    strip = app.main_screen.query_one(TeamStrip)
    if isinstance(event, core.AwaitingSecondOperator):
        strip.awaiting(event)
        return
    if isinstance(event, core.TeamActivity) and app.runtime is not None:
        strip.activity(event, len(app.runtime.memory.pending_second_approvals()))
        for screen in app.screen_stack:
            if isinstance(screen, TimelineScreen | PendingApprovalsScreen):
                screen.reload()


def open_pending_approvals(app: HitlApp) -> None:
    if app.runtime is None:
        toast(app, shown("No session is open yet."), title=shown("Pending approvals"), severity="warning")
        return
    from console.core.team import TeamApprovals

    app.push_screen(PendingApprovalsScreen(TeamApprovals(app.runtime.memory)))


class TeamStrip(Static):
    """One line: waiting for a second operator, requests waiting for this one, the team's last action."""

    DEFAULT_CSS = """
    TeamStrip { dock: bottom; height: 1; padding: 0 1; background: $boost; color: $text-muted; display: none; }
    TeamStrip.-waiting { background: $warning 30%; color: $text; }
    """

    waiting: reactive[str] = reactive("")
    pending: reactive[int] = reactive(0)
    last: reactive[str] = reactive("")
    pending_key = "ctrl+n"
    """The pending-approvals key as the operator's keymap sets it (the app sets it)."""

    def render(self) -> Text:
        if self.waiting:
            return plain(shown_line(f"⏳ {self.waiting}"), "bold")
        parts: list[Part] = []
        if self.pending:
            count = shown_line(f" {self.pending} waiting for a second operator ({self.pending_key}) ")
            parts += [(count, "bold black on yellow"), shown(" ")]
        parts.append(shown_line(self.last or "team store: no activity from other operators yet"))
        return line(*parts)

    def watch_waiting(self, value: str) -> None:
        self.set_class(bool(value), "-waiting")

    def awaiting(self, event: AwaitingSecondOperator) -> None:
        self.waiting = (
            f"waiting for a second operator to approve request {event.request_id}: {event.title} on {event.host}"
            " (Esc withdraws it)"
            if event.waiting
            else ""
        )

    def activity(self, event: TeamActivity, pending: int) -> None:
        self.last = f"{datetime.now():%H:%M:%S} {event.text}"
        self.pending = pending


class PendingApprovalsScreen(Screen[None]):
    """Requests waiting for a second operator: review (Enter), reject (x)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "review", "Review", id="pending.review"),
        Binding("x", "reject", "Reject", id="pending.reject"),
        Binding("escape", "close", "Close", id="pending.close"),
    ]

    DEFAULT_CSS = """
    PendingApprovalsScreen #pending-title { padding: 0 1; text-style: bold; color: $primary; }
    PendingApprovalsScreen #pending-table { height: 1fr; border: round $secondary 50%; }
    PendingApprovalsScreen #pending-reason { display: none; }
    PendingApprovalsScreen #pending-empty { padding: 0 1; color: $text-muted; }
    """

    def __init__(self, team: TeamApprovals) -> None:
        super().__init__()
        self.team = team
        self._ids: list[int] = []

    def compose(self) -> ComposeResult:
        title = shown_line(f"Requests waiting for a second operator (you are {self.team.operator})")
        yield Label(plain(title), id="pending-title")
        table: DataTable[Text] = DataTable(id="pending-table", cursor_type="row", zebra_stripes=True)
        for column in ("ID", "Requested by", "Host", "Tier", "What", "Since"):
            table.add_column(column)
        yield table
        yield Label("", id="pending-empty")
        yield Input(placeholder="Why is it rejected? (Enter sends, Esc cancels)", id="pending-reason")
        yield Footer()

    def on_mount(self) -> None:
        self.reload()
        self.query_one(DataTable).focus()

    def reload(self) -> None:
        try:
            waiting = self.team.pending()
        except HitlError as error:
            toast(self, shown_line(str(error)), title=shown("Pending approvals"), severity="error")
            return
        table: DataTable[Text] = self.query_one(DataTable)
        table.clear()
        self._ids = []
        for item in waiting:
            r = item.record
            who = f"{r.requested_by} (yours)" if item.mine else r.requested_by
            since = datetime.fromtimestamp(r.created).strftime("%H:%M:%S")
            cells = (str(r.id), who, r.host, r.tier, r.title, since)
            table.add_row(*(plain(shown_line(cell)) for cell in cells))
            self._ids.append(r.id)
        self.query_one("#pending-empty", Label).update("" if waiting else "Nothing waits for a second operator.")

    @property
    def selected(self) -> int | None:
        row = self.query_one(DataTable).cursor_row
        return self._ids[row] if 0 <= row < len(self._ids) else None

    def action_review(self) -> None:
        if self.selected is not None:
            self._review(self.selected)

    @on(DataTable.RowSelected, "#pending-table")
    def _row_selected(self) -> None:
        self.action_review()

    @work(group="pending-review", exclusive=True, exit_on_error=False)
    async def _review(self, request_id: int) -> None:
        from console.tui.screens.approval import screen_for

        try:
            _record, request = self.team.review(request_id)
        except HitlError as error:
            toast(self, shown_line(str(error)), title=shown(f"Request {request_id}"), severity="error")
            self.reload()
            return
        started = time.monotonic()
        decision = await self.app.push_screen_wait(screen_for(request))
        if decision is None or not decision.approved:
            toast(self, shown("Not approved; x rejects it with a reason."), title=shown(f"Request {request_id}"))
            return
        try:
            decided = self.team.approve(request_id, decision, latency=time.monotonic() - started)
        except HitlError as error:
            toast(self, shown_line(str(error)), title=shown(f"Request {request_id} not approved"), severity="error")
        else:
            approved = shown_line(f"Approved: {decided.requested_by}'s hitl runs it now.")
            toast(self, approved, title=shown(f"Request {request_id}"))
        self.reload()

    def action_reject(self) -> None:
        if self.selected is None:
            return
        field = self.query_one("#pending-reason", Input)
        field.display = True
        field.focus()

    @on(Input.Submitted, "#pending-reason")
    def _reason_given(self, event: Input.Submitted) -> None:
        request_id, reason = self.selected, event.value.strip()
        event.input.clear()
        event.input.display = False
        self.query_one(DataTable).focus()
        if request_id is None or not reason:
            return
        try:
            self.team.reject(request_id, reason)
        except HitlError as error:
            toast(self, shown_line(str(error)), title=shown(f"Request {request_id}"), severity="error")
        else:
            toast(self, shown_line(f"Rejected: {reason}"), title=shown(f"Request {request_id}"))
        self.reload()

    def action_close(self) -> None:
        field = self.query_one("#pending-reason", Input)
        if field.display:
            field.display = False
            self.query_one(DataTable).focus()
            return
        self.dismiss(None)
