"""The plan pane and the status bar of the main screen (the chat is `console.tui.chat`, the output pane
`console.tui.output_pane`).

They only render: the app feeds them session events (the plan as a frozen `PlanView`, the status bar through its
reactive attributes); no pane decides anything. Names and commands pass the renderer (`console.tui.text`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.reactive import reactive
from textual.timer import Timer
from textual.widgets import DataTable, Label, Static

from console.core.textsafe import shown, shown_line
from console.core.views import PlanView, StepStatus, StepView, is_production
from console.tui.output_pane import elapsed_text
from console.tui.text import line, plain

NARROW = 48
"""Below this many columns the plan pane shows each step on two rows: its state, then its command."""


def tier_style(app_variables: dict[str, str], tier: str) -> str:
    """The style of a tier badge in the current theme (read when drawn, so a theme change redraws it)."""
    colour = app_variables.get(f"tier-{tier.lower()}", "")
    background = app_variables.get("background", "black")
    return f"bold {background} on {colour}" if colour else "bold reverse"


class PlanPane(Vertical):
    """The steps of the current plan: tier (a word on its colour), status, command, rollback key, elapsed time."""

    COLUMNS: ClassVar[tuple[str, ...]] = ("#", "Tier", "Status", "Step", "Rollback", "Time")
    STATUS_MARKS: ClassVar[dict[StepStatus, str]] = {
        StepStatus.PENDING: "·",
        StepStatus.RUNNING: "▶",
        StepStatus.DONE: "✓",
        StepStatus.FAILED: "✗",
        StepStatus.REFUSED: "⊘",
        StepStatus.SKIPPED: "–",
        StepStatus.INTERRUPTED: "■",
        StepStatus.ROLLED_BACK: "↺",
    }

    def __init__(self, *, id: str | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(id=id)
        self.clock = clock
        self._plan_id: str | None = None
        self._started: dict[int, float] = {}
        self._elapsed: dict[int, float] = {}
        self.steps: tuple[StepView, ...] = ()
        """The steps as last shown."""
        self._ticker: Timer | None = None
        self._narrow: bool | None = None

    def compose(self) -> ComposeResult:
        yield Label("Plan: none yet", id="plan-title", classes="pane-title", markup=False)
        yield DataTable(id="plan-table", cursor_type="row", zebra_stripes=True)

    def on_resize(self) -> None:
        self.refresh_rows()

    def status_text(self, step: StepView) -> str:
        text = f"{self.STATUS_MARKS.get(step.status, '?')} {step.status.value}"
        if step.exit_status not in (None, 0):
            text += f" ({step.exit_status})"
        return text

    def show_plan(self, plan: PlanView) -> None:
        if plan.id != self._plan_id:
            self._plan_id = plan.id
            self._started.clear()
            self._elapsed.clear()
        now = self.clock()
        self.steps = plan.steps
        for step in self.steps:
            if step.status is StepStatus.RUNNING:
                self._started.setdefault(step.index, now)
            elif step.index in self._started and step.index not in self._elapsed:
                self._elapsed[step.index] = now - self._started[step.index]
        title = f"Plan: {plan.title} on {plan.host}" + (" (aborted)" if plan.aborted else "")
        self.query_one("#plan-title", Label).update(plain(shown_line(title)))
        self.refresh_rows()
        running = plan.running
        if running and self._ticker is None:
            self._ticker = self.set_interval(0.5, self.refresh_rows)
        elif not running and self._ticker is not None:
            self._ticker.stop()
            self._ticker = None

    def _took(self, index: int, now: float) -> str:
        if index in self._elapsed:
            return elapsed_text(self._elapsed[index])
        if index in self._started:
            return elapsed_text(now - self._started[index])
        return ""

    def refresh_rows(self) -> None:
        """Draw the rows again (new state, a tick of the clock, a new width or a new theme)."""
        if not self.is_mounted:
            return
        table: DataTable[Text] = self.query_one("#plan-table", DataTable)
        narrow = self.size.width < NARROW
        if narrow != self._narrow:
            self._narrow = narrow
            table.clear(columns=True)
            table.add_columns(*(("#", "Step") if narrow else self.COLUMNS))
        table.clear()
        variables = self.app.get_css_variables()
        now = self.clock()
        for step in self.steps:
            badge = plain(shown(f" {step.tier.name} "), tier_style(variables, step.tier.name))
            status = plain(shown(self.status_text(step)))
            key = plain(shown_line(step.rollback_key or ""))
            took = plain(shown(self._took(step.index, now)))
            command = plain(shown_line(step.command))
            number = plain(shown(str(step.index)))
            if narrow:
                head = line(badge, shown(" "), status, shown(" "), key, shown(" "), took)
                room = max(8, self.size.width - 8)
                clipped = step.command if len(step.command) <= room else step.command[: room - 1] + "…"
                below = plain(shown_line(clipped))
                table.add_row(number, line(head, shown("\n"), below), key=str(step.index), height=2)
            else:
                table.add_row(number, badge, status, command, key, took, key=str(step.index))


class StatusBar(Static):
    """Current host and its labels (PROD badge), a mark when its READs are not confined, the mode or model, the
    read-only lock, approval statistics and pending approvals."""

    host: reactive[str] = reactive("local")
    labels: reactive[tuple[str, ...]] = reactive(())
    unconfined: reactive[bool] = reactive(False)
    """The current host's READs run unconfined (it cannot confine, or `read_confinement = off`)."""
    mode: reactive[str] = reactive("manual")
    read_only: reactive[bool] = reactive(False)
    approvals: reactive[str] = reactive("no approvals yet")
    pending: reactive[int] = reactive(0)

    def render(self) -> Text:
        host = f" host: {self.host}" + (" [" + ", ".join(self.labels) + "]" if self.labels else "")
        segments: list[Text] = [plain(shown_line(host))]
        if is_production(self.labels):
            segments.append(line(shown(" "), (shown(" PROD "), "bold white on red")))
        if self.unconfined:
            segments.append(line(shown(" "), (shown(" READS NOT CONFINED "), "bold black on yellow")))
        segments.append(plain(shown_line(f" │ mode: {self.mode} │ ")))
        if self.read_only:
            segments.append(plain(shown(" READ-ONLY "), "bold black on yellow"))
        else:
            segments.append(plain(shown("read-write")))
        segments.append(plain(shown_line(f" │ approvals: {self.approvals}")))
        if self.pending:
            segments.append(plain(shown(" │ ")))
            segments.append(plain(shown(f" {self.pending} approval pending "), "bold black on yellow"))
        return line(*segments)
