"""The chat pane: the conversation, the line the operator types into, and the sign that the model is working.

Everything shown here passes the renderer (`console.tui.text`): the operator's own words, the model's answer
(each streamed fragment is rendered before Markdown sees it), notices and tables of results. The input line
behaves like a shell's: Up and Down recall earlier messages, ctrl+r finds the newest earlier message containing
what is typed (again for older ones).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.reactive import reactive
from textual.widget import Widget
from textual.widgets import Input, Static

from console.core.textsafe import shown, shown_line
from console.tui.text import line, plain, table

if TYPE_CHECKING:
    from textual.widgets import Markdown
    from textual.widgets.markdown import MarkdownStream

SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
HISTORY_LIMIT = 500


def welcome() -> Text:
    return line(
        (shown("hitl"), "bold"),
        shown(" — ask for what you need; every command is classified before it runs.\n\n"),
        shown("READ runs at once, WRITE waits for "),
        (shown("y"), "bold"),
        shown(", DESTRUCTIVE waits for a typed confirmation. F1 lists the keys."),
    )


def message_text(message: Widget) -> str:
    """The words of one message of the chat, as shown (for search, and for tests that read the chat)."""
    from textual.widgets import Markdown

    if isinstance(message, Markdown):
        return message.source
    if isinstance(message, ReportTable):
        return message.text
    return str(message.render()) if isinstance(message, Static) else ""


class ChatInput(Input):
    """The input line with a history, like a shell's."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "older", "Earlier message", show=False, id="chat.older"),
        Binding("down", "newer", "Later message", show=False, id="chat.newer"),
        Binding("ctrl+r", "search_history", "Find an earlier message", show=False, id="chat.search_history"),
    ]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.history: list[str] = []
        self._position: int | None = None
        """Index into `history` of the message shown, or None while the operator types a new one."""
        self._draft = ""
        self._search: str | None = None

    def remember(self, text: str) -> None:
        if text and (not self.history or self.history[-1] != text):
            self.history.append(text)
            del self.history[:-HISTORY_LIMIT]
        self._position, self._draft, self._search = None, "", None

    def _show(self, position: int | None) -> None:
        self._position = position
        self.value = self._draft if position is None else self.history[position]
        self.cursor_position = len(self.value)

    def action_older(self) -> None:
        if not self.history:
            return
        if self._position is None:
            self._draft = self.value
            self._show(len(self.history) - 1)
        elif self._position > 0:
            self._show(self._position - 1)
        self._search = None

    def action_newer(self) -> None:
        if self._position is None:
            return
        self._show(self._position + 1 if self._position + 1 < len(self.history) else None)
        self._search = None

    def action_search_history(self) -> None:
        """ctrl+r: the newest earlier message containing the text typed before the first ctrl+r."""
        if self._search is None:
            self._search = self.value if self._position is None else self._draft
            if self._position is None:
                self._draft = self.value
        start = len(self.history) if self._position is None else self._position
        for position in range(start - 1, -1, -1):
            if self._search in self.history[position]:
                self._show(position)
                return
        self.app.bell()


class Thinking(Static):
    """`⠋ thinking… (Esc stops)` while the model (or the session) works and nothing else shows it."""

    active: reactive[bool] = reactive(False)

    def __init__(self, words: str = "thinking", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.words = words
        self._frame = 0

    def on_mount(self) -> None:
        self.display = False
        self.set_interval(0.1, self._tick)

    def watch_active(self, active: bool) -> None:
        self.display = active
        self._tick()

    def _tick(self) -> None:
        if self.active:
            self._frame = (self._frame + 1) % len(SPINNER)
            self.update(plain(shown(f"{SPINNER[self._frame]} {self.words}… (Esc stops)"), "italic"))


class ReportTable(Static):
    """A result as a table in the chat; `text` is its rows as rendered, one line each (for searching)."""

    def __init__(self, columns: Sequence[str], rows: Sequence[Sequence[str]], title: str = "") -> None:
        header = [shown_line(column) for column in columns]
        cells = [[shown_line(cell) for cell in row] for row in rows]
        rendered = table(
            header, [[plain(cell) for cell in row] for row in cells], title=shown_line(title) if title else None
        )
        super().__init__(rendered, classes="report")
        self.text = "\n".join(" │ ".join(row) for row in [header, *cells])


class ChatPane(Vertical):
    """The conversation, and the input the operator types into."""

    DEFAULT_CSS = """
    ChatPane .user-message { margin: 1 0 0 0; padding: 0 1; background: $boost; text-style: bold; }
    ChatPane .tool-line { color: $text-muted; padding: 0 1; }
    ChatPane .notice { color: $text-muted; text-style: italic; padding: 0 1; }
    ChatPane .notice.-warning { color: $warning; }
    ChatPane .notice.-error, ChatPane .agent-error { color: $error; text-style: bold; padding: 0 1; }
    ChatPane .report { padding: 0 1; height: auto; }
    ChatPane .answer { margin: 0; }
    ChatPane .-match { background: $accent 30%; }
    ChatPane #chat-welcome { padding: 0 1 1 1; }
    ChatPane #thinking { color: $accent; padding: 0 1; height: 1; }
    """

    def __init__(self) -> None:
        super().__init__(id="chat-pane")
        self._answer: Markdown | None = None
        self._stream: MarkdownStream | None = None

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="chat-log"):
            yield Static(welcome(), id="chat-welcome")
        yield Thinking(id="thinking")
        yield ChatInput(placeholder="Ask, or !command, or /help", id="chat-input")

    @property
    def log_view(self) -> VerticalScroll:
        return self.query_one("#chat-log", VerticalScroll)

    @property
    def thinking(self) -> Thinking:
        return self.query_one(Thinking)

    @property
    def input(self) -> ChatInput:
        return self.query_one(ChatInput)

    async def _add(self, widget: Widget) -> None:
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
        await self._add(Static(plain(shown(text)), classes="user-message"))

    async def add_line(self, text: Text, classes: str) -> None:
        """A line made by the renderer (`console.tui.text`)."""
        await self.end_answer()
        await self._add(Static(text, classes=classes))

    async def add_notice(self, text: str, severity: str = "information") -> None:
        await self.add_line(plain(shown(text)), f"notice -{severity}")

    async def add_report(self, columns: Sequence[str], rows: Sequence[Sequence[str]], title: str = "") -> None:
        """Rows of a result as a table, one row per line (every plan step, every rollback point)."""
        await self.end_answer()
        await self._add(ReportTable(columns, rows, title))

    async def add_markdown(self, text: str) -> None:
        """A whole answer at once (a resumed conversation)."""
        from textual.widgets import Markdown

        await self.end_answer()
        source = shown(text)
        await self._add(Markdown(source, classes="answer"))

    async def begin_answer(self) -> None:
        """Mount the widget the next answer streams into, so the first text costs no layout of a new widget."""
        if self._answer is None:
            from textual.widgets import Markdown  # markdown-it is loaded with the first answer, not at start-up

            self._answer = Markdown(classes="answer")
            await self._add(self._answer)

    async def stream_text(self, fragment: str) -> None:
        """Append to the answer being streamed, starting one if needed; each fragment is rendered first."""
        await self.begin_answer()
        assert self._answer is not None
        if self._stream is None:
            # Created at the first text only: a stream stopped before its task ever ran raises CancelledError.
            self._stream = type(self._answer).get_stream(self._answer)
        await self._stream.write(shown(fragment))

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

    def find(self, needle: str, before: Widget | None = None) -> Widget | None:
        """The last message above `before` (or the newest) whose text contains `needle`, marked and scrolled into
        view; None when there is none."""
        messages = list(self.log_view.children)
        if before is not None and before in messages:
            messages = messages[: messages.index(before)]
        for message in messages:
            message.remove_class("-match")
        wanted = needle.lower()
        for message in reversed(messages):
            text = message_text(message)
            if wanted in text.lower():
                message.add_class("-match")
                self.log_view.scroll_to_widget(message, animate=False)
                return message
        return None
