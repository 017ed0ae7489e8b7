"""`--since` values: a date (`2025-01-31`, `2025-01-31T14:00`, with an optional UTC offset) or a duration
ago (`90m`, `24h`, `7d`). Dates without an offset are local time."""

from __future__ import annotations

import re
from datetime import datetime

from console.core.config import parse_duration

_DURATION_WITH_UNIT = re.compile(r"^\s*\d+(?:\.\d+)?\s*(ms|s|m|h|d)\s*$")


def parse_since(text: str, now: float) -> float:
    """Unix time from `text`; ValueError with an example of each accepted form otherwise."""
    if _DURATION_WITH_UNIT.match(text):
        return now - parse_duration(text)
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(
            "expected a date such as 2025-01-31 or 2025-01-31T14:00, or a duration such as 90m, 24h or 7d;"
            f" got {text!r}"
        ) from None
    if moment.tzinfo is None:
        moment = moment.astimezone()
    return moment.timestamp()
