"""One redaction rule: a pattern, its replacement, and the cheap substring test that lets a text skip it."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import NamedTuple

MARKER = "[REDACTED:{}]"
MARKER_PREFIX = "[REDACTED:"

Replacement = str | Callable[[re.Match[str]], str]


def marker(kind: str) -> str:
    return MARKER.format(kind)


def is_marker(value: str) -> bool:
    """A value that is already redacted (possibly quoted or cut by a value pattern at its `]`)."""
    return value.strip("\"'").startswith(MARKER_PREFIX)


def keep_prefix(kind: str, group: int = 1) -> Callable[[re.Match[str]], str]:
    """Keep group `group` (the name, the option, the header) and replace what follows it in the match."""

    def replace(match: re.Match[str]) -> str:
        value = match.group(0)[match.end(group) - match.start(0) :]
        if is_marker(value) or value in {"''", '""'}:
            return match.group(0)
        return match.group(group) + marker(kind)

    return replace


class Rule(NamedTuple):
    """A pattern, its replacement, and the lower-case substrings without which it cannot match.

    The triggers let `apply` skip a pattern with a substring test (fast) instead of a regex scan (slow for
    patterns that cannot start with a literal); an empty tuple means "always run".
    """

    triggers: tuple[str, ...]
    pattern: re.Pattern[str]
    replacement: Replacement


def apply(rules: Iterable[Rule], text: str) -> str:
    lowered = text.lower()
    for rule in rules:
        if not rule.triggers or any(trigger in lowered for trigger in rule.triggers):
            replaced = rule.pattern.sub(rule.replacement, text)
            if replaced != text:
                text = replaced
                lowered = text.lower()
    return text
