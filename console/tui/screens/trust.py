"""Trust on first use: the dialog shown when a host offers a key hitl has never seen.

The operator sees the host, the key type and the SHA256 fingerprint (to compare with one obtained out of
band) and must type `yes`; anything else, an empty Enter or Escape refuses. An accepted key is recorded by
the transport in hitl's own known_hosts. A changed key never reaches this dialog: the transport refuses it.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from console.core.approval import TrustPrompt, TrustRequest
from console.core.textsafe import shown, shown_line
from console.tui.text import line, lines, plain

CONFIRMATION = "yes"


class TrustDialog(ModalScreen[bool]):
    """Dismisses with True only when exactly `yes` was typed and submitted."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "refuse", "Refuse", id="trust.refuse"),
    ]

    DEFAULT_CSS = """
    TrustDialog {
        align: center middle;
    }
    TrustDialog #trust-box {
        width: 84;
        max-width: 100%;
        height: auto;
        border: thick $warning;
        background: $surface;
        padding: 1 2;
    }
    TrustDialog #trust-title {
        text-style: bold;
        color: $warning;
        margin-bottom: 1;
    }
    TrustDialog #trust-details {
        margin-bottom: 1;
    }
    TrustDialog Label {
        width: 100%;
    }
    TrustDialog #trust-hint {
        color: $text-muted;
        margin-top: 1;
    }
    """

    def __init__(self, request: TrustRequest) -> None:
        super().__init__()
        self.request = request

    def compose(self) -> ComposeResult:
        request = self.request
        with Vertical(id="trust-box"):
            yield Label("Unknown host key", id="trust-title")
            yield Static(self._details(), id="trust-details")
            yield Label(plain(shown(f"Type {CONFIRMATION} to trust this key and record it, anything else refuses:")))
            yield Input(id="trust-answer")
            hint = shown_line(f"It will be recorded in {request.known_hosts_file}. Esc refuses.")
            yield Label(plain(hint), id="trust-hint")

    def _details(self) -> Text:
        request = self.request
        where = request.hostname if request.port == 22 else f"{request.hostname} port {request.port}"
        rows = [
            line((shown(f"{label:<12}"), "bold"), (shown_line(value), "bold" if label == "Fingerprint" else ""))
            for label, value in (
                ("Host", request.host),
                ("Address", where),
                ("Key type", request.key_type),
                ("Fingerprint", request.fingerprint),
            )
        ]
        rows.append(plain(shown("Compare the fingerprint with one obtained from the host's administrator or console.")))
        return lines(rows)

    def on_mount(self) -> None:
        self.query_one("#trust-answer", Input).focus()

    @on(Input.Submitted, "#trust-answer")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value.strip() == CONFIRMATION)

    def action_refuse(self) -> None:
        self.dismiss(False)


def tui_trust_prompt(app: App[Any]) -> TrustPrompt:
    """A `TrustPrompt` answered with the dialog. Like every awaited modal it must be awaited inside a worker
    (the session's commands run in workers), because `push_screen_wait` needs one."""

    async def prompt(request: TrustRequest) -> bool:
        trusted: bool | None = await app.push_screen_wait(TrustDialog(request))
        return bool(trusted)

    return prompt
