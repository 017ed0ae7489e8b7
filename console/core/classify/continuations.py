"""Backslash-newline line continuations, removed the way bash removes them before it splits words.

bash deletes every unquoted `\\<newline>` from its input first, so `r\\<newline>m -rf x` runs `rm`, while
tree-sitter-bash ends the word at the backslash. The pair is kept where bash keeps it: inside single quotes,
`$'...'`, comments, and the bodies of heredocs whose delimiter is quoted; in an unquoted heredoc body it is
removed, as bash does.
"""

from __future__ import annotations

import re

_HEREDOC = re.compile(r"<<(-?)[ \t]*((?:[^\s;&|<>()'\"\\]|'[^']*'|\"[^\"]*\"|\\.)+)")
_WORD_BREAK = " \t\n;&|()<>"


def join_continuations(text: str) -> str:
    if "\\\n" not in text:
        return text
    out: list[str] = []
    pending: list[tuple[str, bool, bool]] = []  # heredocs opened on this line: (delimiter, quoted, strip tabs)
    i = 0
    n = len(text)
    at_word_start = True
    while i < n:
        char = text[i]
        if char == "\\":
            if text.startswith("\n", i + 1):
                i += 2
                continue
            out.append(text[i : i + 2])
            i += 2
            at_word_start = False
            continue
        if char == "'" or (char == "$" and text.startswith("'", i + 1)):
            end = _quote_end(text, i + (2 if char == "$" else 1), ansi=char == "$")
            out.append(text[i:end])
            i = end
            at_word_start = False
            continue
        if char == '"':
            end, body = _double_quoted(text, i + 1)
            out.append('"' + body)
            i = end
            at_word_start = False
            continue
        if char == "#" and at_word_start:
            end = text.find("\n", i)
            end = n if end < 0 else end
            out.append(text[i:end])
            i = end
            continue
        if char == "<" and text.startswith("<<", i) and not text.startswith("<<<", i):
            match = _HEREDOC.match(text, i)
            if match is not None:
                word = match.group(2)
                quoted = any(q in word for q in "'\"\\")
                delimiter = re.sub(r"\\(.)", r"\1", word).replace("'", "").replace('"', "")
                pending.append((delimiter, quoted, match.group(1) == "-"))
                out.append(match.group(0))
                i = match.end()
                at_word_start = False
                continue
        out.append(char)
        i += 1
        if char == "\n" and pending:
            i = _heredoc_bodies(text, i, pending, out)
            pending = []
        at_word_start = char in _WORD_BREAK
    return "".join(out)


def _quote_end(text: str, start: int, *, ansi: bool) -> int:
    """Index just after the closing quote (the end of the text when it is not closed)."""
    i = start
    while i < len(text):
        if ansi and text[i] == "\\":
            i += 2
            continue
        if text[i] == "'":
            return i + 1
        i += 1
    return len(text)


def _double_quoted(text: str, start: int) -> tuple[int, str]:
    """The index after a double-quoted string's closing quote, and its text from `start` with
    continuations removed (closing quote included)."""
    out: list[str] = []
    i = start
    while i < len(text):
        char = text[i]
        if char == "\\":
            if text.startswith("\n", i + 1):
                i += 2
                continue
            out.append(text[i : i + 2])
            i += 2
            continue
        out.append(char)
        i += 1
        if char == '"':
            break
    return i, "".join(out)


def _heredoc_bodies(text: str, i: int, pending: list[tuple[str, bool, bool]], out: list[str]) -> int:
    """Copy the bodies of the heredocs opened on the line just ended; return where the text goes on."""
    for delimiter, quoted, strip_tabs in pending:
        while i < len(text):
            end = text.find("\n", i)
            end = len(text) if end < 0 else end + 1
            line = text[i:end]
            body_line = line.rstrip("\n")
            if (body_line.lstrip("\t") if strip_tabs else body_line) == delimiter:
                out.append(line)
                i = end
                break
            if not quoted and line.endswith("\\\n") and not line.endswith("\\\\\n"):
                line = line[:-2]
            out.append(line)
            i = end
    return i
