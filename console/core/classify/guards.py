"""Checks on the raw text before it is parsed: things a parser would silently read differently from bash.

A carriage return, a NUL or an escape sequence can make tree-sitter see one program and bash run another;
non-breaking spaces and zero-width characters hide inside words so that a name looks like `rm` to a person
and is something else to the shell (or the reverse). None of these is ever READ.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator

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


# What a character's Unicode name says it draws, for the look-alikes neither table above nor NFKC maps
# (`︱` PRESENTATION FORM FOR VERTICAL EM DASH, `⁏` REVERSED SEMICOLON, `﹘` SMALL EM DASH): first match wins.
_NAMED = (
    (re.compile(r"\bVERTICAL\b.*\b(LINE|BAR|STROKE|DASH)\b|\bDIVIDES\b|\bPIPE\b"), "|"),
    (re.compile(r"\bSEMICOLON\b"), ";"),
    (re.compile(r"\bAMPERSAND\b"), "&"),
    (re.compile(r"\bDOLLAR\b"), "$"),
    (re.compile(r"\bGRAVE\b"), "`"),
    (re.compile(r"\b(HYPHEN|DASH|MINUS)\b"), "-"),
    (re.compile(r"\bSOLIDUS\b|\bSLASH\b"), "/"),
    (re.compile(r"\bLESS-THAN\b"), "<"),
    (re.compile(r"\bGREATER-THAN\b"), ">"),
    (re.compile(r"\bLEFT PARENTHESIS\b"), "("),
    (re.compile(r"\bRIGHT PARENTHESIS\b"), ")"),
    (re.compile(r"\bDOUBLE .*QUOTATION MARK\b|\bDOUBLE PRIME\b"), '"'),
    (re.compile(r"\bQUOTATION MARK\b|\bAPOSTROPHE\b|\bPRIME\b"), "'"),
    (re.compile(r"\bASTERISK\b"), "*"),
    (re.compile(r"\bEQUALS SIGN\b"), "="),
    (re.compile(r"\bFULL STOP\b"), "."),
    (re.compile(r"\bCOLON\b"), ":"),
    (re.compile(r"\bTILDE\b"), "~"),
)


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
    if mapped != char and mapped.isascii():
        return mapped
    if category.startswith(("P", "S")):  # punctuation and symbols: what the name says it is
        name = unicodedata.name(char, "")
        for pattern, ascii_char in _NAMED:
            if pattern.search(name):
                return ascii_char
    return None


def foreign_characters(text: str) -> list[str]:
    """Descriptions of the non-ASCII characters outside quotes that imitate nothing ASCII (`café` unquoted):
    the shell reads them as part of a word, but a person cannot tell what they are, so the line is not READ."""
    if text.isascii():
        return []
    found: list[str] = []
    for char in _unquoted(text):
        if not char.isascii() and ascii_lookalike(char) is None:
            found.append(describe_char(char))
    return list(dict.fromkeys(found))


def _scan(text: str) -> Iterator[tuple[str, bool]]:
    """Each character of `text` with whether the shell reads it unquoted and unescaped (quotes and the
    backslashes that escape are themselves not plain)."""
    quote = ""
    escaped = False
    for char in text:
        plain = False
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
        else:
            plain = True
        yield char, plain


def _unquoted(text: str) -> list[str]:
    return [char for char, plain in _scan(text) if plain]


def ascii_reading(text: str) -> tuple[str, list[str]] | None:
    """`text` with every unquoted look-alike character replaced by the ASCII it imitates, and descriptions of
    those characters; None when there is none. A look-alike inside quotes is data (`grep '；' f`)."""
    if text.isascii():
        return None
    out: list[str] = []
    found: list[str] = []
    for char, plain in _scan(text):
        mapped = ascii_lookalike(char) if plain and not char.isascii() else None
        if mapped is not None:
            out.append(mapped)
            found.append(f"{describe_char(char)} (looks like `{mapped or 'nothing'}`)")
        else:
            out.append(char)
    return ("".join(out), list(dict.fromkeys(found))) if found else None
