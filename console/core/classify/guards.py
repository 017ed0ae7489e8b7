"""Checks on the raw text before it is parsed: things a parser would silently read differently from bash.

A carriage return, a NUL or an escape sequence can make tree-sitter see one program and bash run another;
non-breaking spaces and zero-width characters hide inside words so that a name looks like `rm` to a person
and is something else to the shell (or the reverse). None of these is ever READ.
"""

from __future__ import annotations

import re
import unicodedata

# Larger inputs are not analysed at all: nobody reviews 64 KiB of shell by eye either.
MAX_INPUT_BYTES = 64 * 1024

_ALLOWED_CONTROL = {"\t", "\n"}
_ASCII_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def describe_char(char: str) -> str:
    """`U+00A0 (NO-BREAK SPACE)`: how a reason names an invisible character."""
    name = unicodedata.name(char, "unnamed character")
    return f"U+{ord(char):04X} ({name})"


def suspicious_characters(text: str) -> list[str]:
    """Descriptions of the control, invisible and non-ASCII whitespace characters in `text`, in order."""
    if text.isascii() and (text.isprintable() or not _ASCII_CONTROL.search(text)):
        return []
    found: list[str] = []
    seen: set[str] = set()
    for char in text:
        if char in seen or char in _ALLOWED_CONTROL:
            continue
        code = ord(char)
        if code < 0x80:
            if code < 0x20 or code == 0x7F:
                seen.add(char)
                found.append(f"control character {describe_char(char)}")
            continue
        category = unicodedata.category(char)
        if category in ("Zs", "Zl", "Zp"):
            seen.add(char)
            found.append(f"non-ASCII whitespace {describe_char(char)}")
        elif category in ("Cf", "Cc", "Co", "Cn", "Cs"):
            seen.add(char)
            found.append(f"invisible character {describe_char(char)}")
    return found


# Characters that look like ASCII but are not, and that Unicode compatibility mapping (NFKC) does not map.
_CONFUSABLES = {
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2015": "-", "\u2212": "-",
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u02bc": "'", "\u2032": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
    "\u2024": ".", "\u2044": "/", "\u2215": "/", "\u01c0": "|", "\u2223": "|", "\u2758": "|", "\u2039": "<",
    "\u203a": ">", "\u02c2": "<", "\u02c3": ">", "\u2236": ":", "\u02d0": ":", "\u0589": ":",
}  # fmt: skip


def ascii_lookalike(char: str) -> str | None:
    """The ASCII text a non-ASCII character imitates (`；` -> `;`, `ｒ` -> `r`, NBSP -> space, ZWSP -> ""), or
    None when it imitates nothing (`é` stays `é`)."""
    if char in _CONFUSABLES:
        return _CONFUSABLES[char]
    category = unicodedata.category(char)
    if category in ("Zs", "Zl", "Zp"):
        return " "
    if category == "Cf":
        return ""
    mapped = unicodedata.normalize("NFKC", char)
    return mapped if mapped != char and mapped.isascii() else None


def ascii_reading(text: str) -> tuple[str, list[str]] | None:
    """`text` with every unquoted look-alike character replaced by the ASCII it imitates, and descriptions of
    those characters; None when there is none. A look-alike inside quotes is data (`grep '；' f`)."""
    if text.isascii():
        return None
    out: list[str] = []
    found: list[str] = []
    quote = ""
    escaped = False
    for char in text:
        if escaped:
            escaped = False
        elif quote:
            if char == quote:
                quote = ""
            elif char == "\\" and quote == '"':
                escaped = True
        elif char in "'\"":
            quote = char
        elif char == "\\":
            escaped = True
        elif not char.isascii():
            mapped = ascii_lookalike(char)
            if mapped is not None:
                out.append(mapped)
                found.append(f"{describe_char(char)} (looks like `{mapped or 'nothing'}`)")
                continue
        out.append(char)
    return ("".join(out), list(dict.fromkeys(found))) if found else None
