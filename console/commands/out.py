"""The command line's only way to write to the terminal.

People's text (tables, prompts, errors) is `Shown` (`console.core.textsafe`): a file name, a host label or a
command that holds escape sequences is printed as visible escapes, never obeyed. Machine-readable output
(`--json`, `audit export`) keeps its exact value: JSON has the characters a terminal would obey written as
`\\uXXXX` escapes; CSV is rendered only when it goes to a terminal. A command's own output (`hitl exec`) is
rendered when it goes to a terminal and passed through as it came when it goes to a pipe or with `--raw`.

`tests/unit/test_untrusted_text_paths.py` fails on a `print` or a stream `write` anywhere else in the CLI.
"""

from __future__ import annotations

import sys
from typing import TextIO

from console.core.textsafe import Shown, json_text, shown


def emit(text: Shown, stream: TextIO | None = None, *, end: str = "\n") -> None:
    """One piece of people's text on `stream` (default stdout)."""
    target = stream if stream is not None else sys.stdout
    target.write(text + end)
    target.flush()


def say(text: Shown) -> None:
    """A line of a command's result, on stdout."""
    emit(text, sys.stdout)


def tell(text: Shown) -> None:
    """A line about what hitl did or could not do, on stderr."""
    emit(text, sys.stderr)


def ask(text: Shown, stream: TextIO) -> None:
    """A prompt: no line break, so the answer is typed after it."""
    emit(text, stream, end="")


def json_line(document: str) -> None:
    """A JSON document on one line of stdout, its value unchanged and safe to read on a terminal."""
    emit(Shown(json_text(document)), sys.stdout)


def export_text(text: str) -> None:
    """Exported data (CSV, JSON Lines) as it is stored when it goes to a file or a pipe; rendered on a
    terminal, where someone reads it."""
    stream = sys.stdout
    stream.write(shown(text) if stream.isatty() else text)


def host_line(line: str, stream: TextIO, *, raw: bool) -> None:
    """A line of a command's output: rendered on a terminal, as it came on a pipe or with `raw`."""
    stream.write((line if raw or not stream.isatty() else shown(line, multiline=False)) + "\n")
