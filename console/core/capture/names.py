"""Names are bytes: how a path travels between a host and hitl without ever being decoded.

On a host a name is any bytes but NUL. hitl holds it as `bytes` where it talks to the host, and as its *shown*
form everywhere else (rollback records, approval digests, dialogs, JSON): printable UTF-8 as it is, a backslash
written `\\\\`, every other byte (not UTF-8, or a control or invisible character) written `\\xHH`. The shown form
is injective, so it is also the key a path is known by, and `name_of` gives the bytes back.

Towards the host a name goes as an ASCII shell word that `printf '%b'` turns back into the exact bytes
(`printf_arg`); from the host names come back inside output that is hex-encoded as a whole (`host.py`), because
the transports decode output as UTF-8 with replacement.
"""

from __future__ import annotations

import os
import re

_ESCAPE = re.compile(rb"\\(\\|x[0-9a-f]{2})")
_PLAIN = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._/-+,=:@%^")


def shown(name: bytes) -> str:
    """The printable, injective text for `name`."""
    out: list[str] = []
    for char in name.decode("utf-8", "surrogateescape"):
        code = ord(char)
        if char == "\\":
            out.append("\\\\")
        elif 0xDC80 <= code <= 0xDCFF:  # a byte that is not UTF-8
            out.append(f"\\x{code - 0xDC00:02x}")
        elif char.isprintable():
            out.append(char)
        else:  # newline, tab, other control and invisible characters: their UTF-8 bytes, escaped
            out.extend(f"\\x{byte:02x}" for byte in char.encode("utf-8"))
    return "".join(out)


def name_of(text: str) -> bytes:
    """The bytes a shown name stands for (the inverse of `shown`)."""
    data = text.encode("utf-8", "surrogateescape")
    return _ESCAPE.sub(lambda m: b"\\" if m.group(1) == b"\\" else bytes([int(m.group(1)[1:], 16)]), data)


def printable(text: str) -> str:
    """A message that may carry a name as surrogate escapes (a tool's error quoting it), with those bytes
    written `\\xff`: safe to print, store and send."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def fs(name: bytes) -> str:
    """`name` as Python's os functions and subprocess arguments take it (surrogate escapes for non-UTF-8)."""
    return os.fsdecode(name)


def printf_arg(name: bytes) -> str:
    """An ASCII shell word that `printf '%b'` expands to exactly `name` (every other byte as `\\\\0NNN`)."""
    return "'" + "".join(chr(b) if b in _PLAIN else f"\\0{b:03o}" for b in name) + "'"


SH_ARG = 'hitl_arg() { hitl_v=$(printf "%bx" "$1"); hitl_v=${hitl_v%x}; }\n'
"""Shell that decodes one `printf_arg` word into `$hitl_v` (the `x` keeps trailing newlines)."""
