"""Policy: what is refused without asking anybody — the configuration's deny rules, read-only mode, and a
host's `read-only` policy. Pure: the answer depends only on the arguments, so every flow (command, plan,
rollback) gets the same one, and the console cannot get around it."""

from __future__ import annotations

import re
from dataclasses import dataclass

from console.core.config import Settings
from console.core.tiers import Tier
from console.core.views import HostInfo


@dataclass(frozen=True, slots=True)
class Policy:
    deny: tuple[re.Pattern[str], ...] = ()
    """Commands matching any of these are refused, READ included."""

    @classmethod
    def from_settings(cls, settings: Settings) -> Policy:
        return cls(tuple(re.compile(pattern) for pattern in settings.deny))

    def refusal(self, host: HostInfo, command: str, tier: Tier, *, read_only: bool) -> str | None:
        """Why `command` (classified `tier`) is refused on `host` without asking anybody, or None."""
        for pattern in self.deny:
            if pattern.search(command):
                return f"refused by the deny rule {pattern.pattern!r} in the configuration"
        if tier is Tier.READ:
            return None
        if read_only:
            return f"hitl is in read-only mode: {tier.name} commands are refused"
        if host.read_only:
            return f"host {host.name} has policy read-only: {tier.name} commands are refused"
        return None
