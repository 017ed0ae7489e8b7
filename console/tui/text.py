"""The console's only way to put text on the screen: from `Shown` strings (`console.core.textsafe`) to
`rich.text.Text` that Textual never parses as markup.

Widgets, tables, toasts and titles in `console.tui` take their words from here. The functions accept `Shown`
only, so text from a host, the model, a file or the configuration must pass `shown()` first or it does not
type-check; `tests/unit/test_untrusted_text_paths.py` checks that no module of the console or the CLI builds
terminal text any other way (no `Text(...)` of a variable, no f-string into a widget, no `notify`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Literal

from rich import box
from rich.table import Table
from rich.text import Text
from textual.dom import DOMNode

from console.core.textsafe import Shown

Part = Shown | tuple[Shown, str] | Text
Severity = Literal["information", "warning", "error"]


def plain(text: Shown, style: str = "") -> Text:
    """`text` as it reads, in `style`; `[bold]` in it is shown as typed."""
    return Text(text, style=style)


def line(*parts: Part) -> Text:
    """Parts side by side: a `Shown` string, a `(Shown, style)` pair, or `Text` made here."""
    result = Text()
    for part in parts:
        if isinstance(part, Text):
            result.append_text(part)
        elif isinstance(part, tuple):
            result.append(part[0], part[1])
        else:
            result.append(part)
    return result


def labelled(label: Shown, value: Shown, style: str = "bold") -> Text:
    """`label` in `style` followed by `value` verbatim."""
    return line((label, style), value)


def marked(text: Shown, offsets: Iterable[int], style: str) -> Text:
    """`text` with the characters at `offsets` in `style` (the letters a fuzzy search matched)."""
    result = Text(text)
    for offset in offsets:
        if 0 <= offset < len(text) and not text[offset].isspace():
            result.stylize(style, offset, offset + 1)
    return result


def lines(rows: Iterable[Text]) -> Text:
    """Several `Text` lines as one."""
    return Text("\n").join(rows)


def toast(
    node: DOMNode,
    message: Shown,
    *,
    title: Shown | None = None,
    severity: Severity = "information",
    timeout: float | None = None,
) -> None:
    """A notification whose words are shown as they read (Textual parses a notification's markup by default)."""
    node.app.notify(message, title=title or "", severity=severity, timeout=timeout, markup=False)


def table(columns: Sequence[Shown], rows: Iterable[Sequence[Text]], *, title: Shown | None = None) -> Table:
    """Rows under a header, one row per line, cells made here (`plain`, `line`)."""
    result = Table(
        box=box.ROUNDED,
        title=plain(title) if title is not None else None,
        title_justify="left",
        expand=False,
    )
    for column in columns:
        result.add_column(plain(column, "bold"))
    for row in rows:
        result.add_row(*row)
    return result
