"""What the classifier returns. Other parts (gate, capture, UI, CLI) rely on these shapes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from console.core.tiers import Tier

# What a command affects. `value` is a path for path/sqlite, a user name ("" = the current user) for
# crontab, a unit name for unit, "iptables"/"nft"/"ufw"/"firewalld" for firewall, "db" or "db.table" for
# postgres/mysql, a package, container or other name otherwise.
TargetKind = Literal[
    "path",
    "crontab",
    "unit",
    "firewall",
    "sqlite",
    "postgres",
    "mysql",
    "package",
    "container",
    "user",
    "mount",
    "device",
    "process",
    "network",
    "other",
]

# Capture strategies, in the words `Classification.capture` uses. Empty capture = no rollback possible.
CaptureStrategy = Literal["files", "crontab", "firewall", "unit-state", "sqlite", "pg_dump", "mysqldump"]


@dataclass(frozen=True, slots=True)
class Target:
    kind: TargetKind
    value: str

    def __str__(self) -> str:
        return f"{self.kind}:{self.value}"


@dataclass(frozen=True, slots=True)
class Classification:
    """The verdict on one command line.

    `reasons` name the part that set the tier, in words a person can read. `consequence` is one plain
    sentence, always set for DESTRUCTIVE. `capture` lists the strategies that would make the change
    recoverable; empty means nothing can be captured (the UI says NO ROLLBACK).
    """

    command: str
    tier: Tier
    reasons: tuple[str, ...]
    targets: tuple[Target, ...] = ()
    consequence: str | None = None
    capture: tuple[CaptureStrategy, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "command": self.command,
            "tier": self.tier.name,
            "reasons": list(self.reasons),
            "targets": [{"kind": t.kind, "value": t.value} for t in self.targets],
            "consequence": self.consequence,
            "capture": list(self.capture),
        }
