"""Previews: the change a command would make to a known file, computed without making it.

Only two shapes are previewed, and only through commands that themselves classify READ: `sed -i` (run the same
sed without `-i`, which prints the edited text) and `cp SOURCE DEST` of one file (compare the two files).
Anything else gets no preview rather than a guess.
"""

from __future__ import annotations

import difflib
import posixpath
import shlex

from console.core.classify import classify
from console.core.classify.model import Classification
from console.core.tiers import Tier
from console.core.transport.base import Transport

MAX_PREVIEW_BYTES = 256 * 1024


def _words(command: str) -> list[str] | None:
    if any(ch in command for ch in ";&|<>`$\n"):
        return None
    try:
        return shlex.split(command)
    except ValueError:
        return None


async def _read(transport: Transport, command: str, cwd: str) -> str | None:
    if classify(command).tier is not Tier.READ:
        return None
    result = await transport.run(command, timeout=30, cwd=cwd, output_limit=MAX_PREVIEW_BYTES)
    if not result.ok or result.stdout_truncated:
        return None
    return result.stdout


def absolute(path: str, cwd: str) -> str:
    """`path` made absolute against the command's working directory, as text (a preview only reads)."""
    return posixpath.normpath(path if path.startswith("/") else posixpath.join(cwd, path))


def _diff(before: str, after: str, label: str) -> str | None:
    lines = list(
        difflib.unified_diff(
            before.splitlines(keepends=True), after.splitlines(keepends=True), label, label + " (after)"
        )
    )
    return "".join(lines) if lines else None


async def preview_change(command: str, classification: Classification, transport: Transport, *, cwd: str) -> str | None:
    words = _words(command)
    if not words:
        return None
    paths = [t.value for t in classification.targets if t.kind == "path"]
    if words[0] == "sed" and len(paths) == 1:
        in_place = [w for w in words[1:] if w == "--in-place" or w.startswith(("-i", "--in-place="))]
        if len(in_place) != 1 or in_place[0] not in {"-i", "--in-place"}:
            return None
        flag = words.index(in_place[0])
        path = absolute(paths[0], cwd)
        after = await _read(transport, shlex.join(words[:flag] + words[flag + 1 :]), cwd)
        before = await _read(transport, f"cat -- {shlex.quote(path)}", cwd)
        return None if after is None or before is None else _diff(before, after, path)
    if words[0] == "cp" and len(words) == 3 and not any(w.startswith("-") for w in words[1:]):
        source, dest = (absolute(w, cwd) for w in words[1:])
        after = await _read(transport, f"cat -- {shlex.quote(source)}", cwd)
        before = await _read(transport, f"cat -- {shlex.quote(dest)}", cwd)
        return None if after is None or before is None else _diff(before, after, dest)
    return None
