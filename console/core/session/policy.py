"""Policy: what is refused without asking anybody — the configuration's deny rules, read-only mode, and a
host's `read-only` policy. Pure: the answer depends only on the arguments, so every flow (command, plan,
rollback) gets the same one, and the console cannot get around it. It also says which hosts need a second
operator (four eyes): with the SQLite store there is nobody to ask, so their changes are refused."""

from __future__ import annotations

import re
from dataclasses import dataclass

from console.core.config import Settings
from console.core.tiers import Tier
from console.core.views import HostInfo

FOUR_EYES = "four-eyes"


@dataclass(frozen=True, slots=True)
class Policy:
    deny: tuple[re.Pattern[str], ...] = ()
    """Commands matching any of these are refused, READ included."""
    four_eyes_labels: frozenset[str] = frozenset()
    """Hosts carrying any of these labels need a second operator for every WRITE and DESTRUCTIVE."""
    team: bool = False
    """A team store is in use: the only place a second operator can approve (each with their own login)."""

    @classmethod
    def from_settings(cls, settings: Settings, *, team: bool = False) -> Policy:
        return cls(
            tuple(re.compile(pattern) for pattern in settings.deny),
            four_eyes_labels=frozenset(settings.four_eyes_labels),
            team=team,
        )

    def needs_second_operator(self, host: HostInfo) -> bool:
        """Four eyes: the host's policy says so, or it carries a label the configuration lists."""
        return host.policy == FOUR_EYES or bool(self.four_eyes_labels.intersection(host.labels))

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
        if not self.team and self.needs_second_operator(host):
            return (
                f"host {host.name} needs a second operator (four eyes) for {tier.name} commands, and only a team"
                " store (store = postgresql://...) can ask one: refused"
            )
        return None
