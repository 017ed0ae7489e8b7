"""Time left, in the one format every screen and listing uses (the timeline, `hitl rollbacks`, the model's
context): the two largest units, `1d 2h`, `3h 05m`, `4m 10s`, `12s`."""

from __future__ import annotations


def remaining(seconds: float) -> str:
    left = max(int(seconds), 0)
    days, rest = divmod(left, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes:02d}m"
    if minutes:
        return f"{minutes}m {secs:02d}s"
    return f"{secs}s"
