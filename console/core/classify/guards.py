"""Checks on the raw text before it is parsed: things a parser would silently read differently from bash.

A carriage return, a NUL or an escape sequence can make tree-sitter see one program and bash run another;
non-breaking spaces and zero-width characters hide inside words so that a name looks like `rm` to a person
and is something else to the shell (or the reverse). None of these is ever READ.
"""

from __future__ import annotations

import unicodedata

# Larger inputs are not analysed at all: nobody reviews 64 KiB of shell by eye either.
MAX_INPUT_BYTES = 64 * 1024

_ALLOWED_CONTROL = {"\t", "\n"}


def describe_char(char: str) -> str:
    """`U+00A0 (NO-BREAK SPACE)`: how a reason names an invisible character."""
    name = unicodedata.name(char, "unnamed character")
    return f"U+{ord(char):04X} ({name})"


def suspicious_characters(text: str) -> list[str]:
    """Descriptions of the control, invisible and non-ASCII whitespace characters in `text`, in order."""
    if text.isascii() and text.isprintable():
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
