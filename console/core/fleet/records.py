"""What a command or plan across a group returns: one `HostRun` per host and the `FleetOutcome` around them,
counted the one way every caller (`hitl exec`, the model's tools, the console) says it."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from enum import StrEnum

from console.core.outcome import Outcome, Verdict
from console.core.tiers import Tier

ROLLOUT_PREFIX = "ro-"
_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"


def new_rollout_key() -> str:
    """`ro-` and six characters without look-alikes: told apart from a host's `rb-` key at a glance."""
    return ROLLOUT_PREFIX + "".join(secrets.choice(_ALPHABET) for _ in range(6))


def is_rollout_key(key: str) -> bool:
    return key.startswith(ROLLOUT_PREFIX) and len(key) == len(ROLLOUT_PREFIX) + 6


class HostState(StrEnum):
    OK = "ok"
    FAILED = "failed"
    UNREACHABLE = "unreachable"
    NOT_RUN = "not run"
    """Rejected with the rollout, or its wave never started (the rollout stopped before it)."""

    @property
    def counts_as_failed(self) -> bool:
        """For `max_fail`: an unreachable host failed as surely as one whose command did."""
        return self in (HostState.FAILED, HostState.UNREACHABLE)


@dataclass(frozen=True, slots=True)
class HostRun:
    host: str
    wave: int
    """1-based wave number; 0 for a READ fanned out at once."""
    state: HostState
    outcomes: tuple[Outcome, ...] = ()
    """One per step that was closed on this host (ran, refused, skipped), in order."""
    reason: str | None = None
    seconds: float = 0.0

    @property
    def exit_status(self) -> int | None:
        ran = [o for o in self.outcomes if o.result is not None]
        return ran[-1].result.exit_status if ran and ran[-1].result is not None else None

    @property
    def rollback_keys(self) -> tuple[str, ...]:
        return tuple(o.rollback_key for o in self.outcomes if o.rollback_key)

    @property
    def output(self) -> str:
        return "".join((o.result.stdout + o.result.stderr) for o in self.outcomes if o.result is not None)


@dataclass
class FleetOutcome:
    target: str
    title: str
    tier: Tier
    key: str
    """The rollout's key; `hitl rollback KEY` undoes every completed host when `rollback_key` is set."""
    waves: tuple[tuple[str, ...], ...]
    decision: Verdict = Verdict.AUTO
    reason: str | None = None
    hosts: list[HostRun] = field(default_factory=list)
    stopped: str | None = None
    """Why no later wave started, when the rollout stopped early."""

    @property
    def rollback_key(self) -> str | None:
        """The rollout's key when some host has something to undo."""
        return self.key if any(run.rollback_keys for run in self.hosts) else None

    def count(self, state: HostState) -> int:
        return sum(1 for run in self.hosts if run.state is state)

    @property
    def ok(self) -> bool:
        return bool(self.hosts) and all(run.state is HostState.OK for run in self.hosts)

    def summary(self) -> str:
        """`N ok, N failed, N unreachable` (and `N not run` when some were not)."""
        line = ", ".join(
            f"{self.count(state)} {state.value}" for state in (HostState.OK, HostState.FAILED, HostState.UNREACHABLE)
        )
        not_run = self.count(HostState.NOT_RUN)
        return line + (f", {not_run} not run" if not_run else "")
