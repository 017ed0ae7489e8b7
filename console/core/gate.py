"""The approval gate: what an approval is bound to, when it stops being valid, and what it may cover.

An approval is never a bare "yes". It is bound to a digest of what the operator reviewed — host, user,
command, working directory and the checksums of the targets — and it is single use and expires. Right
before running, the session recomputes the subject; if anything drifted, `Gate.consume` refuses and says what
changed, and the operator is asked again (Terraform's stale-plan lesson).
"""

from __future__ import annotations

import hashlib
import json
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from console.core.errors import ApprovalRefused
from console.core.tiers import Tier

__all__ = ["ApprovalRefused"]  # re-exported: raised here, defined with the error tree

ABSENT = "absent"
"""Checksum recorded for a target that does not exist (yet)."""


@dataclass(frozen=True, slots=True)
class ReviewSubject:
    """Everything an approval is bound to."""

    host: str
    user: str
    command: str
    cwd: str
    target_checksums: Mapping[str, str] = field(default_factory=dict)

    @property
    def digest(self) -> str:
        canonical = json.dumps(
            {
                "host": self.host,
                "user": self.user,
                "command": self.command,
                "cwd": self.cwd,
                "targets": sorted(self.target_checksums.items()),
            },
            sort_keys=True,
            separators=(",", ":"),
            ensure_ascii=False,
        )
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def challenge_for(host: str, digest: str) -> str:
    """The text the operator types to confirm a DESTRUCTIVE step: host name plus four digest characters.

    It changes with every command and every state of the targets, so it cannot become muscle memory.
    """
    return f"{host}-{digest[:4]}"


def drift(reviewed: ReviewSubject, current: ReviewSubject) -> list[str]:
    """What changed between review and now, in words for the operator; empty when nothing did."""
    changes: list[str] = []
    for name in ("host", "user", "command", "cwd"):
        before, after = getattr(reviewed, name), getattr(current, name)
        if before != after:
            changes.append(f"{name} changed from {before!r} to {after!r}")
    before_all, after_all = reviewed.target_checksums, current.target_checksums
    for target in sorted(set(before_all) | set(after_all)):
        if target not in after_all:
            changes.append(f"{target} is no longer part of what the command would touch (it was reviewed)")
        elif target not in before_all:
            changes.append(f"{target} is now part of what the command would touch (it was not reviewed)")
        elif before_all[target] != after_all[target]:
            before, after = before_all[target], after_all[target]
            if before == ABSENT:
                changes.append(f"{target} appeared since it was reviewed")
            elif after == ABSENT:
                changes.append(f"{target} disappeared since it was reviewed")
            elif before.split(" ")[0] == after.split(" ")[0]:
                changes.append(f"{target}: its type, mode or owner changed since it was reviewed")
            else:
                changes.append(f"{target} changed since it was reviewed (sha256 {before[:12]} -> {after[:12]})")
    return changes


@dataclass(slots=True)
class Approval:
    subject: ReviewSubject
    tier: Tier
    granted_at: float
    expires_at: float
    decided_by: str
    used: bool = False

    @property
    def digest(self) -> str:
        return self.subject.digest


class Gate:
    """Issues approvals and checks them at the moment of use."""

    def __init__(self, approval_ttl: float) -> None:
        self.approval_ttl = approval_ttl

    def grant(self, subject: ReviewSubject, tier: Tier, *, now: float, decided_by: str) -> Approval:
        return Approval(
            subject=subject, tier=tier, granted_at=now, expires_at=now + self.approval_ttl, decided_by=decided_by
        )

    def consume(self, approval: Approval, current: ReviewSubject, *, now: float) -> None:
        """Spend `approval` on `current`, or raise `ApprovalRefused` saying why it cannot be spent."""
        if approval.used:
            raise ApprovalRefused("this approval was already used; approvals are single use")
        if now > approval.expires_at:
            age = int(now - approval.granted_at)
            raise ApprovalRefused(f"the approval expired ({age}s old, valid for {int(self.approval_ttl)}s)")
        changes = drift(approval.subject, current)
        if changes:
            raise ApprovalRefused("what was reviewed has changed: " + "; ".join(changes))
        approval.used = True


@dataclass(frozen=True, slots=True)
class DecisionRecord:
    approved: bool
    latency: float


@dataclass
class ApprovalStats:
    """Approval statistics for the status bar: rate, median decision time, suspiciously fast approvals."""

    fast_floor: float = 1.0
    decisions: list[DecisionRecord] = field(default_factory=list)

    def record(self, *, approved: bool, latency: float) -> None:
        self.decisions.append(DecisionRecord(approved=approved, latency=latency))

    @property
    def count(self) -> int:
        return len(self.decisions)

    @property
    def approved(self) -> int:
        return sum(1 for d in self.decisions if d.approved)

    @property
    def approval_rate(self) -> float | None:
        return self.approved / self.count if self.decisions else None

    @property
    def median_latency(self) -> float | None:
        return statistics.median(d.latency for d in self.decisions) if self.decisions else None

    @property
    def fast_approvals(self) -> int:
        """Approvals given faster than a person can read a dialog: a sign of approval fatigue."""
        return sum(1 for d in self.decisions if d.approved and d.latency < self.fast_floor)

    def summary(self) -> str:
        if not self.decisions:
            return "no approvals yet"
        rate = self.approval_rate or 0.0
        median = self.median_latency or 0.0
        text = f"{self.approved}/{self.count} approved ({rate:.0%}), median {median:.1f}s"
        if self.fast_approvals:
            text += f", {self.fast_approvals} under {self.fast_floor:g}s"
        return text


def verify_challenges(expected: Sequence[str], typed: Sequence[str]) -> None:
    """The core's own check that every DESTRUCTIVE challenge was typed exactly, whatever the UI did."""
    if len(expected) != len(typed) or any(e != t for e, t in zip(expected, typed, strict=True)):
        raise ApprovalRefused("the typed confirmation does not match the challenge; nothing was run")
