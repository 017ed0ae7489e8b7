"""The three tiers every command is put into, ordered so that `max()` gives the strictest."""

from __future__ import annotations

from enum import IntEnum


class Tier(IntEnum):
    READ = 0
    WRITE = 1
    DESTRUCTIVE = 2

    def __str__(self) -> str:
        return self.name
