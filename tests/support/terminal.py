"""What a terminal obeys rather than shows: the test-side definition, written independently of
`console.core.textsafe`, so a check built on it cannot share that module's blind spots."""

from __future__ import annotations

import unicodedata

OBEYED_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs"})


def obeyed(text: str, *, newlines: bool = False) -> list[str]:
    """The characters of `text` a terminal would act on (`\\n` allowed when `newlines`)."""
    return [
        char
        for char in text
        if not (newlines and char == "\n")
        and (unicodedata.category(char) in OBEYED_CATEGORIES or (unicodedata.category(char) == "Zs" and char != " "))
    ]


PAYLOAD = "\x1b]0;PWNED-TITLE\x07\x1b[2J\x1b[H\x1b[1;32mREAD no change\x1b[0m\x9b2J\u202eEXE.txt\u200b[bold]x[/bold]"
"""One string from every family: OSC title, CSI clear and home, SGR colour, C1 CSI, a right-to-left override,
a zero-width space and Textual markup."""
PAYLOAD_SHOWN = "\\x1b]0;PWNED-TITLE\\x07\\x1b[2J\\x1b[H\\x1b[1;32mREAD no change\\x1b[0m\\x9b2J<U+202E>EXE.txt"
"""How it must read on the screen (the markup part is checked separately: it reads as typed)."""
PRINTF_PAYLOAD = r"printf '\033]0;PWNED-TITLE\007\033[2J\033[H\033[1;32mREAD no change\033[0m\n'"
"""A command whose output carries the OSC title, a clear screen and colour."""
