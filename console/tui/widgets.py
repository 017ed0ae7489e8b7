"""The panes of the main screen: chat, plan, host output and the status bar.

They only render: the app feeds them agent events and session events (the plan as a frozen `PlanView`, the
status bar through its reactive attributes); no pane decides anything.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, ClassVar

from rich.highlighter import Highlighter
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.reactive import reactive
from textual.timer import Timer
from textual.widgets import DataTable, Input, Label, Log, Static

from console.core.views import PlanView, StepStatus, StepView, is_production

if TYPE_CHECKING:
    from textual.widgets import Markdown
    from textual.widgets.markdown import MarkdownStream

WELCOME = Text.assemble(
    ("hitl", "bold"),
    " — ask for what you need; every command is classified before it runs.\n\n",
    "READ runs at once, WRITE waits for ",
    ("y", "bold"),
    ", DESTRUCTIVE waits for a typed confirmation.",
)
SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
STDERR_MARK = "▌"
"""Prefix of stderr lines in the host pane (and what the highlighter colours)."""


def elapsed_text(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes}m{secs:02d}s"


class ChatPane(Vertical):
    """The conversation, and the input the operator types into."""

    DEFAULT_CSS = """
    ChatPane .user-message { margin: 1 0 0 0; padding: 0 1; background: $boost; text-style: bold; }
    ChatPane .tool-line { color: $text-muted; padding: 0 1; }
    ChatPane .notice { color: $text-muted; text-style: italic; padding: 0 1; }
    ChatPane .notice.-warning { color: $warning; }
    ChatPane .notice.-error, ChatPane .agent-error { color: $error; text-style: bold; padding: 0 1; }
    ChatPane .answer { margin: 0; }
    ChatPane #chat-welcome { padding: 0 1 1 1; }
    """

    def __init__(self) -> None:
        super().__init__(id="chat-pane")
        self._answer: Markdown | None = None
        self._stream: MarkdownStream | None = None

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="chat-log"):
            yield Static(WELCOME, id="chat-welcome")
        yield Input(placeholder="Ask, or !command, or /help", id="chat-input")

    @property
    def log_view(self) -> VerticalScroll:
        return self.query_one("#chat-log", VerticalScroll)

    async def _add(self, widget: Static | Markdown) -> None:
        await self.log_view.mount(widget)
        self.call_after_refresh(self._follow)

    def _follow(self) -> None:
        """Keep the newest message in view once the conversation fills the pane (anchoring a short log would
        push it to the bottom)."""
        view = self.log_view
        if view.max_scroll_y > 0 and not view.is_anchored:
            view.anchor()

    async def add_user(self, text: str) -> None:
        await self.end_answer()
        await self._add(Static(text, markup=False, classes="user-message"))

    async def add_line(self, text: str, classes: str) -> None:
        """A line of shell-related text (never parsed as markup)."""
        await self.end_answer()
        await self._add(Static(Text(text), classes=classes))

    async def add_notice(self, text: str, severity: str = "information") -> None:
        await self.add_line(text, f"notice -{severity}")

    async def begin_answer(self) -> None:
        """Mount the widget the next answer streams into, so the first text costs no layout of a new widget."""
        if self._answer is None:
            from textual.widgets import Markdown  # markdown-it is loaded with the first answer, not at start-up

            self._answer = Markdown(classes="answer")
            await self._add(self._answer)

    async def stream_text(self, fragment: str) -> None:
        """Append to the answer being streamed, starting one if needed."""
        await self.begin_answer()
        assert self._answer is not None
        if self._stream is None:
            # Created at the first text only: a stream stopped before its task ever ran raises CancelledError.
            self._stream = type(self._answer).get_stream(self._answer)
        await self._stream.write(fragment)

    async def end_answer(self) -> None:
        """The answer is complete (or the turn moved on to a tool); an answer that got no text is removed."""
        stream, answer = self._stream, self._answer
        self._stream, self._answer = None, None
        if stream is not None:
            await stream.stop()
        elif answer is not None:
            await answer.remove()

    async def drop_answer(self) -> None:
        """The answer broke off and is sent again: remove what was shown of it."""
        answer = self._answer
        await self.end_answer()
        if answer is not None and answer.is_attached:
            await answer.remove()


class PlanPane(Vertical):
    """The steps of the current plan: tier (a word on its colour), status, elapsed time, rollback key."""

    COLUMNS: ClassVar[tuple[str, ...]] = ("#", "Tier", "Status", "Time", "Rollback", "Step")
    STATUS_MARKS: ClassVar[dict[StepStatus, str]] = {
        StepStatus.PENDING: "·",
        StepStatus.RUNNING: "▶",
        StepStatus.DONE: "✓",
        StepStatus.FAILED: "✗",
        StepStatus.REFUSED: "⊘",
        StepStatus.SKIPPED: "–",
        StepStatus.ROLLED_BACK: "↺",
    }

    def __init__(self, *, id: str | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(id=id)
        self.clock = clock
        self._plan_id: str | None = None
        self._started: dict[int, float] = {}
        self._elapsed: dict[int, float] = {}
        self._steps: tuple[StepView, ...] = ()
        self._ticker: Timer | None = None

    def compose(self) -> ComposeResult:
        yield Label("Plan: none yet", id="plan-title", classes="pane-title", markup=False)
        table: DataTable[str | Text] = DataTable(id="plan-table", cursor_type="row", zebra_stripes=True)
        table.add_columns(*self.COLUMNS)
        yield table

    def _tier_cell(self, tier: str) -> Text:
        variables = self.app.get_css_variables()
        colour = variables.get(f"tier-{tier.lower()}", "")
        background = variables.get("background", "black")
        return Text(f" {tier} ", style=f"bold {background} on {colour}" if colour else "bold reverse")

    def show_plan(self, plan: PlanView) -> None:
        if plan.id != self._plan_id:
            self._plan_id = plan.id
            self._started.clear()
            self._elapsed.clear()
        now = self.clock()
        self._steps = plan.steps
        for step in self._steps:
            if step.status is StepStatus.RUNNING:
                self._started.setdefault(step.index, now)
            elif step.index in self._started and step.index not in self._elapsed:
                self._elapsed[step.index] = now - self._started[step.index]
        title = f"Plan: {plan.title} on {plan.host}"
        if plan.aborted:
            title += " (aborted)"
        self.query_one("#plan-title", Label).update(title)
        self._render_rows()
        running = plan.running
        if running and self._ticker is None:
            self._ticker = self.set_interval(0.5, self._render_rows)
        elif not running and self._ticker is not None:
            self._ticker.stop()
            self._ticker = None

    def _render_rows(self) -> None:
        table = self.query_one("#plan-table", DataTable)
        table.clear()
        now = self.clock()
        for step in self._steps:
            index = step.index
            if index in self._elapsed:
                took = elapsed_text(self._elapsed[index])
            elif index in self._started:
                took = elapsed_text(now - self._started[index])
            else:
                took = ""
            status_text = f"{self.STATUS_MARKS.get(step.status, '?')} {step.status.value}"
            if step.exit_status not in (None, 0):
                status_text += f" ({step.exit_status})"
            table.add_row(
                str(index),
                self._tier_cell(step.tier.name),
                status_text,
                took,
                step.rollback_key or "",
                Text(step.command),
                key=str(index),
            )


class StderrHighlighter(Highlighter):
    """Colours the lines the host pane marked as stderr."""

    def highlight(self, text: Text) -> None:
        if text.plain.startswith(STDERR_MARK):
            text.stylize("bold red")


class HostPane(Vertical):
    """Live output of the running step.

    Lines arrive one by one from the transport; they are buffered and written with `Log.write_lines` a few
    dozen times a second, so a flood of output costs a few large writes instead of one per line. The buffer is
    capped: when a flood outruns the screen, the oldest waiting lines are dropped (and counted) rather than
    freezing the UI. The command's full output is still kept by the session and the memory store.
    """

    MAX_LINES = 5000
    """Lines kept in the pane."""
    BUFFER_CAP = 20_000
    """Lines waiting for the next flush before the oldest are dropped."""
    FLUSH_INTERVAL = 1 / 30

    running: reactive[bool] = reactive(False)

    def __init__(self, *, id: str | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(id=id)
        self.clock = clock
        self._buffer: list[str] = []
        self._dropped = 0
        self._started = 0.0
        self._command = ""
        self._host = ""
        self._ticker: Timer | None = None
        self.lines_received = 0

    def compose(self) -> ComposeResult:
        yield Label("Output", id="host-title", classes="pane-title", markup=False)
        log = Log(id="host-log", max_lines=self.MAX_LINES, highlight=True)
        log.highlighter = StderrHighlighter()
        yield log

    def on_mount(self) -> None:
        self.set_interval(self.FLUSH_INTERVAL, self.flush)

    @property
    def log_widget(self) -> Log:
        return self.query_one("#host-log", Log)

    def begin(self, host: str, command: str, tier: str, confinement: str | None = None) -> None:
        """A step starts; for a READ, `confinement` says how it runs (`confined: MODE`, `not confined: WHY`)."""
        self.flush()
        self._command, self._host = command, host
        self._started = self.clock()
        self.running = True
        how = f", {confinement}" if confinement else ""
        self._buffer.append(f"$ {command}    [{tier} on {host}{how}]")
        if self._ticker is None:
            self._ticker = self.set_interval(0.1, self._tick)
        self._tick()

    def add_lines(self, stream: str, lines: Iterable[str]) -> None:
        before = len(self._buffer)
        if stream == "stderr":
            self._buffer.extend(STDERR_MARK + line for line in lines)
        else:
            self._buffer.extend(lines)
        self.lines_received += len(self._buffer) - before
        overflow = len(self._buffer) - self.BUFFER_CAP
        if overflow > 0:
            del self._buffer[:overflow]
            self._dropped += overflow

    def flush(self) -> None:
        if self._dropped:
            self._buffer.insert(0, f"[... {self._dropped} lines not shown: output arrived faster than shown ...]")
            self._dropped = 0
        if self._buffer:
            lines, self._buffer = self._buffer, []
            self.log_widget.write_lines(lines)

    def finish(self, status: str, summary: str) -> float:
        """The step ended; returns how long it ran."""
        took = self.clock() - self._started
        self.running = False
        if self._ticker is not None:
            self._ticker.stop()
            self._ticker = None
        mark = "✓" if status == "done" else "✗"
        line = f"{mark} {status}: {summary}"
        self._buffer.append(line)
        self.flush()
        self.query_one("#host-title", Label).update(f"{line} — {self._command}")
        return took

    def add_notes(self, lines: Iterable[str]) -> None:
        """Lines hitl itself says about the step that ran (a caught classifier miss), after its output."""
        self._buffer.extend(lines)
        self.flush()

    def _tick(self) -> None:
        seconds = self.clock() - self._started
        frame = SPINNER[int(seconds * 10) % len(SPINNER)]
        self.query_one("#host-title", Label).update(
            f"{frame} running {elapsed_text(seconds)} on {self._host} — {self._command}"
        )

    @property
    def scrolled_away(self) -> bool:
        """The operator scrolled up from the end of the output (reading something older)."""
        log = self.log_widget
        return log.max_scroll_y > 0 and log.scroll_y < log.max_scroll_y - 1


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
        text = Text(f" host: {self.host}")
        if self.labels:
            text.append(" [" + ", ".join(self.labels) + "]")
        if is_production(self.labels):
            text.append(" ")
            text.append(" PROD ", "bold white on red")
        if self.unconfined:
            text.append(" ")
            text.append(" READS NOT CONFINED ", "bold black on yellow")
        text.append(f" │ mode: {self.mode} │ ")
        if self.read_only:
            text.append(" READ-ONLY ", "bold black on yellow")
        else:
            text.append("read-write")
        text.append(f" │ approvals: {self.approvals}")
        if self.pending:
            text.append(" │ ")
            text.append(f" {self.pending} approval pending ", "bold black on yellow")
        return text
