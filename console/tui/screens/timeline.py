"""The rollback timeline (`ctrl+t`): every rollback point, newest first, with what was captured, the diff
against the current state, and `r` to roll the selected point back through the session's WRITE approval.

Expired points stay in the list, greyed, so the history is complete; they have no action. Which points can be
rolled back, and why not, how long each has left, and the diff are the session's answers (`Session.timeline`,
`Session.rollback_preview`); the screen only shows them. Commands, hosts and diffs pass the renderer
(`console.tui.text`). At 80 columns the command column gives way first, so key, expiry and status stay in view. A
rollback done here is also said in the chat (`RolledBack`, handled by the app).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.theme import Theme
from textual.widgets import DataTable, Footer, Input, Label, Select, Static

from console.core.errors import HitlError
from console.core.outcome import Status
from console.core.runtime import Runtime
from console.core.session import Session
from console.core.textsafe import shown, shown_line
from console.core.views import RollbackView
from console.tui.review import diff_text
from console.tui.text import Severity, labelled, line, lines, plain, toast
from console.tui.theming import TIER_DEFAULTS

COMMAND_WIDTH = 36
ALL_HOSTS = "*"

COLUMNS = (
    ("Key", "key"),
    ("Tier", "tier"),
    ("Status", "status"),
    ("Expires in", "expires"),
    ("Time", "time"),
    ("Host", "host"),
    ("Command", "command"),
)
"""What decides a rollback first (key, tier, status, time left), the command last: a narrow terminal cuts it."""


def matches(point: RollbackView, host: str, text: str) -> bool:
    if host not in (ALL_HOSTS, point.host):
        return False
    needle = text.strip().lower()
    if not needle:
        return True
    haystack = " ".join((point.command, point.key, point.host, point.status, point.tier, *point.strategies))
    return needle in haystack.lower()


def clip(text: str, width: int) -> str:
    line = " ".join(text.split())
    return line if len(line) <= width else line[: width - 1] + "…"


class TimelineScreen(Screen[None]):
    """Browse rollback points and roll one back."""

    class RolledBack(Message):
        """A rollback was asked for from the timeline; `words` say how it ended."""

        def __init__(self, words: str, severity: Severity) -> None:
            super().__init__()
            self.words = words
            self.severity: Severity = severity

    HELP_TITLE = "rollback timeline"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "rollback", "Roll back", id="timeline.rollback"),
        Binding("slash", "focus_filter", "Filter", id="timeline.filter"),
        Binding("escape", "close", "Close", id="timeline.close"),
    ]

    DEFAULT_CSS = """
    TimelineScreen {
        layout: vertical;
    }
    TimelineScreen #timeline-title {
        padding: 0 1;
        text-style: bold;
        color: $primary;
    }
    TimelineScreen #timeline-filters {
        height: auto;
    }
    TimelineScreen #timeline-host {
        width: 26;
    }
    TimelineScreen #timeline-text {
        width: 1fr;
    }
    TimelineScreen #timeline-table {
        height: 1fr;
        border: round $secondary 50%;
    }
    TimelineScreen #timeline-detail {
        height: 1fr;
        border: round $secondary 50%;
        padding: 0 1;
    }
    TimelineScreen #timeline-empty {
        padding: 0 1;
        color: $text-muted;
    }
    """

    def __init__(
        self,
        session: Session,
        *,
        clock: Callable[[], float] = time.time,
        name: str | None = None,
        id: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id)
        self.session = session
        self.clock = clock
        self._points: list[RollbackView] = []
        self._shown: list[RollbackView] = []
        self._detail_key: str | None = None

    @classmethod
    def for_runtime(cls, runtime: Runtime) -> TimelineScreen:
        return cls(runtime.session)

    # --- layout ------------------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Label("Rollback timeline", id="timeline-title")
        with Horizontal(id="timeline-filters"):
            yield Select[str]([], prompt="All hosts", id="timeline-host")
            yield Input(placeholder="Filter: command, key, status, tier…", id="timeline-text")
        table: DataTable[Text] = DataTable(id="timeline-table", cursor_type="row", zebra_stripes=True)
        for label, key in COLUMNS:
            table.add_column(label, key=key)
        yield table
        yield Label("", id="timeline-empty")
        with VerticalScroll(id="timeline-detail"):
            yield Static(id="timeline-summary")
            yield Static(id="timeline-diff")
        yield Footer()

    def on_mount(self) -> None:
        self.reload()
        self.query_one(DataTable).focus()
        self.set_interval(30, self.reload)
        self.app.theme_changed_signal.subscribe(self, self._theme_changed)

    def _theme_changed(self, _theme: Theme) -> None:
        self._render_rows()

    # --- data --------------------------------------------------------------------------------------------

    def reload(self) -> None:
        """Read the points again (after a rollback, or as time passes) keeping the selection."""
        self._points = self.session.timeline(self.clock())
        hosts = sorted({point.host for point in self._points})
        select = self.query_one("#timeline-host", Select)
        chosen = select.value
        select.set_options([(plain(shown_line(host)), host) for host in hosts])
        if chosen in hosts:
            select.value = chosen
        self._render_rows()

    @property
    def host_filter(self) -> str:
        value = self.query_one("#timeline-host", Select).value
        return value if isinstance(value, str) else ALL_HOSTS

    def _render_rows(self, keep: str | None = None) -> None:
        table: DataTable[Text] = self.query_one(DataTable)
        keep = keep or self.selected_key
        text = self.query_one("#timeline-text", Input).value
        self._shown = [p for p in self._points if matches(p, self.host_filter, text)]
        table.clear()
        for point in self._shown:
            table.add_row(*self._cells(point), key=point.key)
        keys = [p.key for p in self._shown]
        table.move_cursor(row=keys.index(keep) if keep in keys else 0)
        empty = self.query_one("#timeline-empty", Label)
        if not self._points:
            empty.update("No rollback points yet: WRITE and DESTRUCTIVE commands leave one when they run.")
        elif not self._shown:
            empty.update("No rollback point matches the filter.")
        else:
            empty.update("")
        empty.display = not self._shown
        self._show_detail(self.selected_point, force=False)

    def _cells(self, point: RollbackView) -> Sequence[Text]:
        expired = point.expired
        style = "dim" if expired else ""
        when = datetime.fromtimestamp(point.created).strftime("%m-%d %H:%M:%S")
        return (
            plain(shown_line(point.key), style),
            self._tier_badge(point.tier, expired),
            plain(shown_line(point.status), style),
            plain(shown_line(point.expires_in), style),
            plain(shown(when), style),
            plain(shown_line(point.host), style),
            plain(shown_line(clip(point.command, COMMAND_WIDTH)), style),
        )

    def _tier_badge(self, tier: str, expired: bool) -> Text:
        """The tier as a word on its colour: readable without colour, and colour-coded with it."""
        word = shown_line(f" {tier} ")
        if expired:
            return plain(word, "dim")
        variables = self.app.get_css_variables()
        colour = variables.get(f"tier-{tier.lower()}", TIER_DEFAULTS.get(f"tier-{tier.lower()}", "grey50"))
        return plain(word, f"bold {variables.get('background', 'black')} on {colour}")

    @property
    def selected_point(self) -> RollbackView | None:
        row = self.query_one(DataTable).cursor_row
        return self._shown[row] if 0 <= row < len(self._shown) else None

    @property
    def selected_key(self) -> str | None:
        point = self.selected_point
        return point.key if point else None

    # --- detail pane -------------------------------------------------------------------------------------

    @on(DataTable.RowHighlighted, "#timeline-table")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_detail(self.selected_point, force=False)

    def _show_detail(self, point: RollbackView | None, *, force: bool) -> None:
        key = point.key if point else None
        if key == self._detail_key and not force:
            return
        self._detail_key = key
        summary = self.query_one("#timeline-summary", Static)
        diff = self.query_one("#timeline-diff", Static)
        if point is None:
            summary.update("")
            diff.update("")
            return
        summary.update(self._summary(point))
        if point.expired:
            diff.update(plain(shown_line(f"No action: {point.refusal}."), "dim"))
            return
        diff.update(plain(shown("Computing the difference with the current state…"), "italic"))
        self._compute_diff(point)

    def _summary(self, point: RollbackView) -> Text:
        by = f" by {point.operator}" if point.operator else ""
        rows = [
            line((shown_line(point.key), "bold"), shown_line(f" — {point.tier} on {point.host}{by}, {point.status}")),
            labelled(shown("Command: "), shown(point.command)),
        ]
        if point.proposed_by:
            rows.append(labelled(shown("Proposed by: "), shown_line(f"{point.proposed_by}; {point.decided}")))
        rows.append(labelled(shown("Captured: "), shown_line(", ".join(point.strategies) or "nothing")))
        rows += [plain(shown_line(f"• {captured}")) for captured in point.captured]
        return lines(rows)

    @work(group="timeline-diff", exclusive=True, exit_on_error=False)
    async def _compute_diff(self, point: RollbackView) -> None:
        """The diff a rollback would apply, computed on the host; failures are shown, never raised."""
        try:
            body = await self.session.rollback_preview(point.key)
        except HitlError as error:
            words = shown_line(f"Cannot compute the difference with the current state: {error}")
            result = plain(words, "bold red")
        else:
            rows = [plain(shown("What a rollback would change (current → captured):"), "bold")]
            rows.append(diff_text(body) if body else plain(shown("nothing: the current state is the captured state")))
            if point.refusal:
                rows.append(plain(shown_line(f"No action: {point.refusal}."), "dim"))
            result = lines(rows)
        if self._detail_key == point.key:
            self.query_one("#timeline-diff", Static).update(result)

    # --- filters -----------------------------------------------------------------------------------------

    @on(Input.Changed, "#timeline-text")
    def _text_changed(self) -> None:
        self._render_rows()

    @on(Select.Changed, "#timeline-host")
    def _host_changed(self) -> None:
        self._render_rows()

    @on(Input.Submitted, "#timeline-text")
    def _filter_done(self) -> None:
        self.query_one(DataTable).focus()

    def action_focus_filter(self) -> None:
        self.query_one("#timeline-text", Input).focus()

    def action_close(self) -> None:
        self.dismiss(None)

    # --- rollback ----------------------------------------------------------------------------------------

    def action_rollback(self) -> None:
        point = self.selected_point
        if point is None:
            toast(self, shown("No rollback point is selected."), severity="warning")
            return
        if point.refusal:
            toast(self, shown_line(point.refusal), title=shown("No rollback"), severity="warning")
            return
        # The app's worker, not this screen's: closing the timeline while the rollback restores and verifies must
        # neither cancel it half-way nor lose how it ended (the chat says so).
        self.app.run_worker(self._rollback(point), group="timeline-rollback", exclusive=True, exit_on_error=False)

    async def _rollback(self, point: RollbackView) -> None:
        """Through the session: it shows the diff in the WRITE approval and captures the current state first."""
        try:
            outcome = await self.session.rollback([point.key], reason="requested from the rollback timeline")
        except HitlError as error:
            self._said(f"Rollback of {point.key} failed: {error}", "error", "Rollback failed")
            return
        finally:
            if self.is_mounted:
                self.reload()
                self._show_detail(self.selected_point, force=True)
        if outcome.status is Status.REJECTED:
            self._said(
                f"Rollback of {point.key} not approved: {outcome.reason or 'rejected'}", "warning", "Not approved"
            )
        elif outcome.ok:
            undo = f"; undo it with {outcome.rollback_key}" if outcome.rollback_key else ""
            self._said(f"↺ {point.key} rolled back from the timeline: restored and verified{undo}", "information")
        else:
            reason = outcome.reason or "the restore failed"
            self._said(f"Rollback of {point.key} failed: {reason}", "error", "Rollback failed")

    def _said(self, words: str, severity: Severity, title: str = "Rolled back") -> None:
        """A toast here, and a line in the chat (the app handles `RolledBack`)."""
        toast(self.app, shown_line(words), title=shown(title), severity=severity)
        self.app.post_message(self.RolledBack(words, severity))
