"""The one renderer for untrusted text on a terminal: what a host printed, what the model wrote, what a file or
the configuration holds (output, purposes, titles, diffs, file and host names, reasons, notices).

A terminal obeys what it is sent. Text that reaches it raw can clear the screen, move the cursor and repaint
a dialog (CSI), retitle the window or write the clipboard (OSC), open a hyperlink under other words (OSC 8),
switch to another screen (DECSET), or reorder and hide characters (bidi overrides, zero-width characters).
`shown()` makes every such character visible instead of obeyed:

- C0 controls, DEL and C1 controls become `\\x1b`, `\\x9b`, `\\x7f` (`\\n` and `\\r` by name); an escape
  sequence is then only its visible characters (`\\x1b]0;TITLE\\x07`), never a command;
- format characters (bidi overrides and isolates, zero-width spaces and joiners, the BOM, tag characters),
  line and paragraph separators, spaces other than U+0020, Hangul fillers and surrogates left by undecodable
  bytes become `<U+202E>` (an undecodable byte reads `\\xff`);
- a combining mark that has nothing of its own to sit on (at the start, after a space or a control) or that
  would decorate an ASCII letter into something no language writes (a stroke over `READ`), or more than
  `MAX_MARKS` stacked on one letter, becomes `<U+0336>`: untrusted text cannot alter the look of the words
  next to it;
- tabs expand to spaces (to the next multiple of `tab_size` within each line);
- a line break is kept in text shown as several lines (`multiline=True`, the default) and becomes `\\n` in
  text shown on one line (names, titles, purposes, reasons: `shown_line`).

Everything else, including every printable letter of every script, is left exactly as it was, so ordinary
output reads as the host printed it. The result is a `Shown` string: the console's and the CLI's output
functions take only `Shown`, so text that skipped this function does not type-check. Markup is not this
module's business: the console never parses `Shown` text as markup (`console.tui.text` puts it into plain
`rich.text.Text`), so `[bold]` in output is shown as typed.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from typing import NewType

Shown = NewType("Shown", str)
"""Text that went through `shown()`: safe to put on a terminal."""

MAX_MARKS = 3
"""Combining marks kept on one letter (Vietnamese stacks two; a stack taller than this spills into the lines
above and below in many terminals)."""

_NAMED = {"\n": "\\n", "\r": "\\r"}
_SUSPECT = re.compile(r"[^\t\n\x20-\x7e]")
"""Every character that may need a look in text of several lines: anything but printable ASCII, tab and line
feed."""
_SUSPECT_IN_LINE = re.compile(r"[^\t\x20-\x7e]")
_ESCAPED_CATEGORIES = frozenset({"Cf", "Zl", "Zp", "Zs", "Cs", "Cn"})
_MARK_CATEGORIES = frozenset({"Mn", "Me"})
_INVISIBLE_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u034f\u2800")
"""Letters and marks that draw nothing (Hangul fillers, the combining grapheme joiner, the blank braille
pattern): used to hide or pad text, never needed to read an operator's output."""
_JSON_SUSPECT = re.compile(r"[^\x00-\x7e]")


def _code(char: str) -> str:
    code = ord(char)
    if 0xDC80 <= code <= 0xDCFF:  # a byte that was not UTF-8, kept by surrogateescape
        return f"\\x{code - 0xDC00:02x}"
    return f"<U+{code:04X}>"


@lru_cache(maxsize=4096)
def _simple(char: str) -> str | None:
    """How `char` is shown, when that does not depend on its neighbours; None for a combining mark."""
    code = ord(char)
    if code < 0x20 or 0x7F <= code <= 0x9F:
        return _NAMED.get(char, f"\\x{code:02x}")
    category = unicodedata.category(char)
    if category in _MARK_CATEGORIES:
        return None
    if category in _ESCAPED_CATEGORIES or char in _INVISIBLE_LETTERS:
        return _code(char)
    return char


def _mark(text: str, at: int) -> str:
    """A combining mark is kept only on a letter of its own text, and only as a real letter would carry it."""
    char = text[at]
    if char in _INVISIBLE_LETTERS:
        return _code(char)
    start = at
    while start > 0 and unicodedata.category(text[start - 1]) in _MARK_CATEGORIES:
        start -= 1
    if at - start >= MAX_MARKS or start == 0:
        return _code(char)
    base = text[start - 1]
    if _simple(base) != base or base.isspace():
        return _code(char)
    if base.isascii():
        composed = unicodedata.normalize("NFC", text[start - 1 : at + 1])
        if any(unicodedata.category(c) in _MARK_CATEGORIES for c in composed):
            return _code(char)  # no script writes this letter with this mark: decoration over our words
    return char


def shown(text: str, *, multiline: bool = True, tab_size: int = 8) -> Shown:
    """`text` with every character a terminal would obey made visible, tabs expanded (see the module)."""
    if text.isascii() and text.isprintable():  # the common case, decided in C
        return Shown(text)
    suspect = _SUSPECT if multiline else _SUSPECT_IN_LINE
    if suspect.search(text) is None:
        return Shown(text.expandtabs(tab_size) if "\t" in text else text)
    if multiline:
        text = text.replace("\r\n", "\n")

    def replace(match: re.Match[str]) -> str:
        char = match.group()
        if char == "\n" and multiline:
            return char
        simple = _simple(char)
        return simple if simple is not None else _mark(text, match.start())

    safe = suspect.sub(replace, text)
    if "\t" in safe:
        safe = "\n".join(line.expandtabs(tab_size) for line in safe.split("\n"))
    return Shown(safe)


def shown_line(text: str, *, tab_size: int = 8) -> Shown:
    """`shown` for text that must stay on one line: a name, a title, a purpose, a reason."""
    return shown(text, multiline=False, tab_size=tab_size)


def shown_lines(lines: Iterable[str]) -> list[Shown]:
    """Each line of output as one line on the screen."""
    return [shown(line, multiline=False) for line in lines]


def shown_join(separator: str, parts: Iterable[Shown]) -> Shown:
    """Join shown parts with a separator that is itself plain text (`", "`, `" · "`)."""
    return Shown(shown(separator).join(parts))


def json_text(document: str) -> str:
    """A JSON document with the characters a terminal would obey written as `\\uXXXX` escapes inside its strings.

    `json.dumps(..., ensure_ascii=False)` leaves C1 controls, bidi and zero-width characters raw; this keeps
    the value the same (a JSON reader sees the same strings) while the text is safe to print.
    """

    def escape(match: re.Match[str]) -> str:
        char = match.group()
        if _simple(char) in (char, None):  # printable, or a combining mark (harmless inside quotes)
            return char
        return "".join(f"\\u{unit:04x}" for unit in _utf16_units(ord(char)))

    return _JSON_SUSPECT.sub(escape, document)


def _utf16_units(code: int) -> tuple[int, ...]:
    if code < 0x10000:
        return (code,)
    code -= 0x10000
    return (0xD800 + (code >> 10), 0xDC00 + (code & 0x3FF))
