"""The `/plan` editor of manual mode: a title and one command per line, in a multi-line text area."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Footer, Input, Label, TextArea

from console.core.textsafe import shown_line

HELP = "One command per line; lines starting with # are ignored. The plan is classified and approved as a whole."


def plan_message(title: str, body: str) -> str:
    """The text manual mode understands: `/plan TITLE` then one command per line."""
    return f"/plan {title.strip()}\n{body.strip()}"


class PlanEditorScreen(ModalScreen[str | None]):
    """Returns the `/plan` message to send, or None when cancelled."""

    AUTO_FOCUS = "#plan-body"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "submit", "Submit plan", id="plan_editor.submit", priority=True),
        Binding("escape", "cancel", "Cancel", id="plan_editor.cancel"),
    ]
    DEFAULT_CSS = """
    PlanEditorScreen { align: center middle; }
    PlanEditorScreen #plan-editor { width: 90%; max-width: 110; height: 80%; border: thick $primary;
        background: $surface; padding: 0 1; }
    PlanEditorScreen #plan-body { height: 1fr; }
    PlanEditorScreen #plan-buttons { height: auto; align-horizontal: right; }
    PlanEditorScreen #plan-buttons Button { margin: 0 0 0 2; }
    PlanEditorScreen #plan-error { color: $error; height: auto; }
    """

    def __init__(self, title: str = "") -> None:
        super().__init__()
        self._title = title

    def compose(self) -> ComposeResult:
        with Vertical(id="plan-editor"):
            yield Label("New plan on the current host", classes="pane-title")
            yield Input(shown_line(self._title), placeholder="Title", id="plan-title-input")
            yield Label(HELP, markup=False)
            yield TextArea(id="plan-body", soft_wrap=False, show_line_numbers=True)
            yield Label("", id="plan-error", markup=False)
            with Horizontal(id="plan-buttons"):
                yield Button("Cancel (Esc)", id="plan-cancel")
                yield Button("Submit (ctrl+s)", id="plan-submit", variant="primary")
        yield Footer()

    def action_submit(self) -> None:
        body = self.query_one("#plan-body", TextArea).text
        commands = [line for line in body.splitlines() if line.strip() and not line.strip().startswith("#")]
        if not commands:
            self.query_one("#plan-error", Label).update("A plan needs at least one command.")
            return
        self.dismiss(plan_message(self.query_one("#plan-title-input", Input).value, body))

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#plan-submit")
    def _submit_pressed(self) -> None:
        self.action_submit()

    @on(Button.Pressed, "#plan-cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel()

    @on(Input.Submitted, "#plan-title-input")
    def _title_done(self) -> None:
        self.query_one("#plan-body", TextArea).focus()
