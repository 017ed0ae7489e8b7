"""What the classifier returns. Other parts (gate, capture, UI, CLI) rely on these shapes."""

from __future__ import annotations

import re
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
    raw: bytes = b""
    """The path as bytes when they are not the UTF-8 of `value`: a name with bytes that are not UTF-8
    (`$'\\xff'`, kept by the parser as surrogate escapes). `value` and `cwd` then show those bytes as `\\xff`,
    so nothing that prints or stores them meets a surrogate; `name` is what the host must be given."""

    def __post_init__(self) -> None:
        if not self.raw and _SURROGATES.search(self.value):
            object.__setattr__(self, "raw", _bytes(self.value))
            object.__setattr__(self, "value", shown(self.value))
        if _SURROGATES.search(self.cwd):
            object.__setattr__(self, "cwd", shown(self.cwd))

    @property
    def name(self) -> bytes:
        """The path as the bytes bash passes to the program."""
        return self.raw or self.value.encode("utf-8")

    def __str__(self) -> str:
        where = "" if self.cwd_known else " (unknown working directory)"
        return f"{self.kind}:{self.value}{where}"

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"kind": self.kind, "value": self.value, "cwd": self.cwd, "cwd_known": self.cwd_known}
        if self.raw:
            data["raw"] = self.raw.hex()
        return data


_SURROGATES = re.compile("[\ud800-\udfff]")


def shown(text: str) -> str:
    """`text` with the bytes it keeps as surrogate escapes written `\\xff`, for reasons and display."""
    if not _SURROGATES.search(text):
        return text
    return _bytes(text).decode("utf-8", "backslashreplace")


def _bytes(text: str) -> bytes:
    try:
        return text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a surrogate that is not an escaped byte: keep it as bash would write it
        return text.encode("utf-8", "surrogatepass")


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
    # The path and sqlite targets of the changes the `files` and `sqlite` strategies are for (also those only
    # known at run time, which nobody may capture), and the reasons of the changes no strategy captures
    # (`apt-get install`, a program hitl has no rule for, `cp` to a path only known at run time). The capture
    # plan takes the first on the host and names the second as NO ROLLBACK.
    footprint: tuple[Target, ...] = ()
    uncaptured: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "command": self.command,
            "tier": self.tier.name,
            "reasons": list(self.reasons),
            "targets": [t.to_json() for t in self.targets],
            "consequence": self.consequence,
            "capture": list(self.capture),
            "lowered_by": list(self.lowered_by),
            "footprint": [t.to_json() for t in self.footprint],
            "uncaptured": list(self.uncaptured),
        }
