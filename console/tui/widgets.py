"""The panes of the main screen."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.reactive import reactive
from textual.widgets import DataTable, Input, Label, Log, Markdown, Static

WELCOME = """\
**hitl** — ask for what you need; every command is classified before it runs.

READ runs at once, WRITE waits for `y`, DESTRUCTIVE waits for a typed confirmation.
"""

MANUAL_HINT = "Manual mode: type `!command` to run a command on the current host."


class ChatPane(Vertical):
    """The conversation, and the input the operator types into."""

    def __init__(self, *, manual: bool) -> None:
        super().__init__(id="chat-pane")
        self._manual = manual

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="chat-log"):
            yield Markdown(WELCOME + ("\n" + MANUAL_HINT if self._manual else ""), id="chat-welcome")
        placeholder = "!command, or /help" if self._manual else "Ask, or !command, or /help"
        yield Input(placeholder=placeholder, id="chat-input")


class PlanPane(Vertical):
    """The steps of the current plan with their tier, status, time and rollback key."""

    def compose(self) -> ComposeResult:
        yield Label("Plan", classes="pane-title")
        table: DataTable[str] = DataTable(id="plan-table", cursor_type="row", zebra_stripes=True)
        table.add_columns("#", "Tier", "Step", "Status", "Time", "Rollback")
        yield table


class HostPane(Vertical):
    """Live output of the running step."""

    MAX_LINES = 5000

    def compose(self) -> ComposeResult:
        yield Label("Output", classes="pane-title")
        yield Log(id="host-log", max_lines=self.MAX_LINES)


class StatusBar(Static):
    """Current host and its labels, the mode (manual or model) and the read-only lock."""

    host: reactive[str] = reactive("local")
    labels: reactive[tuple[str, ...]] = reactive(())
    mode: reactive[str] = reactive("manual")
    read_only: reactive[bool] = reactive(False)

    def render(self) -> str:
        parts = [f" host: {self.host}"]
        if self.labels:
            parts.append("[" + ", ".join(self.labels) + "]")
        parts.append(f"│ mode: {self.mode}")
        parts.append("│ READ-ONLY" if self.read_only else "│ read-write")
        return " ".join(parts)
