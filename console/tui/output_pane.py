"""The output pane: live output of the running step, kept in view the way a terminal user expects.

- Lines arrive one by one from the transport; they are buffered and written with `Log.write_lines` a few dozen
  times a second, so a flood costs a few large writes instead of one per line. The buffer is capped: when a
  flood outruns the screen, the oldest waiting lines are dropped (and counted) rather than freezing the UI. The
  command's full output is still kept by the session and the memory store.
- The pane follows the newest output unless the operator scrolled up to read something older; then it stays
  where it is and a mark says new output arrived (End, or scrolling to the bottom, follows again). Every write
  repaints the pane: Textual's `Log` trims old lines without repainting when it is full and already at its end,
  which froze the screen on stale lines after a flood (`!seq 1 300000`) until a mouse-wheel scroll.
- Long lines scroll sideways (left/right with the pane focused) or wrap (`w` toggles).
- Every line is rendered first (`console.core.textsafe.shown`): escape sequences in output are shown, never
  obeyed.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterable
from typing import ClassVar

from rich.cells import cell_len, chop_cells
from rich.highlighter import Highlighter
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.reactive import reactive
from textual.timer import Timer
from textual.widgets import Label, Log, Static

from console.core.textsafe import Shown, shown, shown_line, shown_lines
from console.tui.text import plain

SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
STDERR_MARK = "▌"
"""Prefix of stderr lines in the output pane (and what the highlighter colours)."""
CONTINUATION = "↪ "
"""Start of the second and later rows of a wrapped line."""
FINISH_MARKS = {"done": "✓", "interrupted": "■"}


def elapsed_text(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes}m{secs:02d}s"


class OutputHighlighter(Highlighter):
    """Colours stderr lines and marks the text being searched for."""

    def __init__(self) -> None:
        self.needle = ""

    def highlight(self, text: Text) -> None:
        if text.plain.startswith(STDERR_MARK):
            text.stylize("bold red")
        if self.needle:
            text.highlight_words([self.needle], "reverse", case_sensitive=False)


class HostLog(Log):
    """The log of the output pane: left and right move eight columns at a time."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("right", "sideways(8)", "Scroll right", show=False),
        Binding("left", "sideways(-8)", "Scroll left", show=False),
    ]

    def action_sideways(self, columns: int) -> None:
        self.scroll_to(x=max(0, self.scroll_x + columns), animate=False)


class HostPane(Vertical):
    """Live output of the running step (see the module)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("w", "toggle_wrap", "Wrap lines", id="output.wrap"),
        Binding("end", "follow", "Newest output", id="output.follow"),
    ]
    DEFAULT_CSS = """
    HostPane #new-output { dock: bottom; height: 1; background: $accent; color: $background; text-style: bold;
        padding: 0 1; display: none; }
    HostPane #new-output.-shown { display: block; }
    """

    MAX_LINES = 5000
    """Lines kept in the pane."""
    BUFFER_CAP = 20_000
    """Lines waiting for the next flush before the oldest are dropped."""
    FLUSH_INTERVAL = 1 / 30

    running: reactive[bool] = reactive(False)
    wrap: reactive[bool] = reactive(False)

    def __init__(self, *, id: str | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(id=id)
        self.clock = clock
        self._buffer: list[str] = []
        self._kept: deque[Shown] = deque(maxlen=self.MAX_LINES)
        self._dropped = 0
        self._started = 0.0
        self._command = ""
        self._host = ""
        self._ticker: Timer | None = None
        self._highlighter = OutputHighlighter()
        self.lines_received = 0

    def compose(self) -> ComposeResult:
        yield Label("Output", id="host-title", classes="pane-title", markup=False)
        log = HostLog(id="host-log", max_lines=self.MAX_LINES, highlight=True, auto_scroll=False)
        log.highlighter = self._highlighter
        yield log
        yield Static(plain(shown("▼ new output below — End follows it")), id="new-output")

    def on_mount(self) -> None:
        self.set_interval(self.FLUSH_INTERVAL, self.flush)

    @property
    def log_widget(self) -> Log:
        return self.query_one("#host-log", Log)

    @property
    def at_end(self) -> bool:
        log = self.log_widget
        return log.scroll_y >= log.max_scroll_y

    @property
    def scrolled_away(self) -> bool:
        """The operator scrolled up from the end of the output (reading something older)."""
        log = self.log_widget
        return log.max_scroll_y > 0 and log.scroll_y < log.max_scroll_y - 1

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
        new_output = self.query_one("#new-output", Static)
        if new_output.has_class("-shown") and self.at_end:
            new_output.remove_class("-shown")
        if self._dropped:
            self._buffer.insert(0, f"[... {self._dropped} lines not shown: output arrived faster than shown ...]")
            self._dropped = 0
        if not self._buffer:
            return
        lines, self._buffer = shown_lines(self._buffer), []
        self._kept.extend(lines)
        self._write(lines)

    def _write(self, lines: list[Shown]) -> None:
        log = self.log_widget
        following = self.at_end
        log.write_lines(self._rows(lines), scroll_end=False)
        if following:
            log.scroll_end(animate=False, immediate=True, x_axis=False)
        else:
            self.query_one("#new-output", Static).add_class("-shown")
        log.refresh()

    def _rows(self, lines: list[Shown]) -> list[str]:
        """The rows to write: the lines themselves, or each cut to the pane's width when wrapping."""
        width = self.log_widget.scrollable_content_region.width
        if not self.wrap or width < 8:
            return list(lines)
        rows: list[str] = []
        for line in lines:
            if cell_len(line) <= width:
                rows.append(line)
                continue
            first, *rest = chop_cells(line, width)
            rows.append(first)
            for part in chop_cells("".join(rest), width - len(CONTINUATION)):
                rows.append(CONTINUATION + part)
        return rows

    def watch_wrap(self) -> None:
        if not self.is_mounted:
            return
        log = self.log_widget
        log.clear()
        log.scroll_to(x=0, animate=False)
        self._write(list(self._kept))

    def action_toggle_wrap(self) -> None:
        self.wrap = not self.wrap

    def action_follow(self) -> None:
        self.log_widget.scroll_end(animate=False)
        self.query_one("#new-output", Static).remove_class("-shown")

    def finish(self, status: str, summary: str) -> float:
        """The step ended; returns how long it ran."""
        took = self.clock() - self._started
        self.running = False
        if self._ticker is not None:
            self._ticker.stop()
            self._ticker = None
        line = f"{FINISH_MARKS.get(status, '✗')} {status}: {summary}"
        self._buffer.append(line)
        self.flush()
        self.query_one("#host-title", Label).update(plain(shown_line(f"{line} — {self._command}")))
        return took

    def add_notes(self, lines: Iterable[str]) -> None:
        """Lines hitl itself says about the step that ran (a caught classifier miss, with what the host says it
        tried), after its output; rendered like the output."""
        self._buffer.extend(lines)
        self.flush()

    def _tick(self) -> None:
        seconds = self.clock() - self._started
        frame = SPINNER[int(seconds * 10) % len(SPINNER)]
        title = f"{frame} running {elapsed_text(seconds)} on {self._host} — {self._command} (Esc stops it)"
        self.query_one("#host-title", Label).update(plain(shown_line(title)))

    # --- search ----------------------------------------------------------------------------------------------

    def find(self, needle: str, before: int | None = None) -> int | None:
        """The last row above `before` (or the newest) containing `needle`: marked and scrolled into view."""
        log = self.log_widget
        self._highlighter.needle = needle
        rows = log.lines
        wanted = needle.lower()
        start = len(rows) if before is None else min(before, len(rows))
        for index in range(start - 1, -1, -1):
            if wanted in rows[index].lower():
                log.scroll_to(y=max(0, index - log.size.height // 2), animate=False)
                log.refresh()
                return index
        log.refresh()
        return None

    def clear_search(self) -> None:
        self._highlighter.needle = ""
        self.log_widget.refresh()
