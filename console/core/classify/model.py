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
    """One thing a command changes.

    For paths (`path`, `sqlite`): `value` is the path as the line makes it, joined as text with the directory
    the command runs in when the line sets it (`cd /etc && cp x passwd` -> `/etc/passwd`); nothing is
    resolved (no symlinks, no `..`). `cwd` is that directory as written ("" = the directory the line starts
    in, the session's). `cwd_known` is False when the line moved to a directory only known at run time
    (`cd "$D"`, a `cd` in a loop): `value` is then relative to a place nobody can name before running, and
    no snapshot may be taken of a guessed path (the capture plan drops `files`; the footprint says NO
    ROLLBACK for it).
    """

    kind: TargetKind
    value: str
    cwd: str = ""
    cwd_known: bool = True

    def __str__(self) -> str:
        where = "" if self.cwd_known else " (unknown working directory)"
        return f"{self.kind}:{self.value}{where}"

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "value": self.value, "cwd": self.cwd, "cwd_known": self.cwd_known}


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
    # User rules (with `lower = true`) that gave a lower tier than hitl's own rules would: who and how.
    lowered_by: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "command": self.command,
            "tier": self.tier.name,
            "reasons": list(self.reasons),
            "targets": [t.to_json() for t in self.targets],
            "consequence": self.consequence,
            "capture": list(self.capture),
            "lowered_by": list(self.lowered_by),
        }
