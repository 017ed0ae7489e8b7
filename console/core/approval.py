"""The port between the session core and whoever approves: the TUI's modal screens, the CLI's prompts (and,
later, an MCP bridge).

The session builds an `ApprovalRequest` (everything the operator must see), the `Approver` answers with a
`Decision`, and the session checks that decision itself — a DESTRUCTIVE step needs its typed challenge and a
decision slower than the dwell whatever the UI did — before it grants an approval.

The words both UIs show for what cannot be undone live here (`NO_ROLLBACK`, `StepReview.no_rollback_words`,
`StepReview.consequence`), so the console and the CLI say the same. Trusting a host key is the other question
the core asks the operator; its port (`TrustPrompt`, `TrustRequest`) is re-exported here for the same callers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

from console.core.classify.model import Classification, Target
from console.core.remembered import Lifetime, Scope, pattern_text
from console.core.tiers import Tier
from console.core.transport.base import RunResult
from console.core.transport.trust import PassphrasePrompt, TrustPrompt, TrustRequest
from console.core.views import is_production

__all__ = [
    "CONSEQUENCE_FALLBACK",
    "NOTHING_CAPTURED",
    "NO_ROLLBACK",
    "ApprovalRequest",
    "Approver",
    "Decision",
    "Lifetime",
    "PassphrasePrompt",
    "RememberChoice",
    "RequestKind",
    "Scope",
    "StepReview",
    "TrustPrompt",
    "TrustRequest",
    "describe_target",
]

RequestKind = Literal["command", "plan", "rollback"]

NO_ROLLBACK = "NO ROLLBACK"
"""How both UIs start the plain words for what cannot be undone."""
NOTHING_CAPTURED = "nothing is captured before this step."
CONSEQUENCE_FALLBACK = "This may not be reversible."
"""Said for a DESTRUCTIVE step whose rule states no consequence."""


_TARGET_WORDS = {
    "unit": "service {}",
    "firewall": "firewall ({})",
    "sqlite": "SQLite database {}",
    "postgres": "PostgreSQL {}",
    "mysql": "MySQL {}",
    "package": "package {}",
    "container": "container {}",
    "user": "account {}",
    "mount": "mount point {}",
    "device": "device {}",
    "process": "process {}",
    "network": "network {}",
}


def describe_target(target: Target, login_user: str = "") -> str:
    """A target in plain words for both UIs: a path as itself, `crontab of root`, `service nginx`, ...

    `login_user` names whose crontab "the current user's" is, when the session knows the host's login user.
    """
    if target.kind == "crontab":
        if target.value:
            return f"crontab of {target.value}"
        return f"crontab of {login_user} (the login user)" if login_user else "crontab of the login user"
    if target.kind in ("postgres", "mysql"):
        what = "table" if "." in target.value else "database"
        return _TARGET_WORDS[target.kind].format(f"{what} {target.value}")
    template = _TARGET_WORDS.get(target.kind)
    return template.format(target.value) if template else target.value


@dataclass(frozen=True, slots=True)
class StepReview:
    """One command as the operator reviews it."""

    index: int
    command: str
    purpose: str
    classification: Classification
    capture_lines: tuple[str, ...]
    """What will be captured first, one line each."""
    no_rollback: str | None
    """Plain words for what cannot be undone; the dialog shows it as `NO ROLLBACK: ...`."""
    digest: str
    challenge: str | None = None
    """For DESTRUCTIVE steps: the text to type (host name plus four characters of the digest)."""
    preview: str | None = None
    """A diff of the change, when it can be computed without making it."""
    result: RunResult | None = None
    """For READ steps run before the approval (the head of a plan): their output."""

    @property
    def tier(self) -> Tier:
        return self.classification.tier

    @property
    def consequence(self) -> str:
        return self.classification.consequence or CONSEQUENCE_FALLBACK

    @property
    def no_rollback_words(self) -> str | None:
        """What cannot be undone, said after `NO ROLLBACK: `; None when a rollback key will be issued."""
        if self.no_rollback:
            return self.no_rollback
        return None if self.capture_lines else NOTHING_CAPTURED

    @classmethod
    def unprepared(
        cls,
        index: int,
        command: str,
        purpose: str,
        classification: Classification,
        *,
        result: RunResult | None = None,
        capture_lines: tuple[str, ...] = (),
    ) -> StepReview:
        """A step with no capture and no approval digest of its own (a plan's READ step, a rollback)."""
        return cls(
            index=index,
            command=command,
            purpose=purpose,
            classification=classification,
            capture_lines=capture_lines,
            no_rollback=None,
            digest="",
            result=result,
        )


@dataclass(frozen=True, slots=True)
class ApprovalRequest:
    kind: RequestKind
    host: str
    host_labels: tuple[str, ...]
    title: str
    steps: tuple[StepReview, ...]
    write_key_delay: float
    destructive_dwell: float
    warnings: tuple[str, ...] = ()
    """Shown prominently: what drifted since the last review, targets changed since a capture, ..."""
    diff: str | None = None
    """For rollbacks: the difference between now and the capture."""
    requires_force: bool = False
    """A rollback over targets changed since the capture: the operator must choose to overwrite them."""
    details: tuple[str, ...] = ()
    """Context lines shown under the title: for a rollout across a group, its hosts and waves (or, between
    waves, the last wave's results)."""
    fleet: tuple[str, ...] = ()
    """For a request covering several hosts (a rollout, its rollback): their names. Never remembered."""
    second_operator: bool = False
    """A four-eyes host: once approved here, a second operator must approve the same review."""
    requested_by: str | None = None
    """Who asks, when it is not this console's own session: an agent over MCP (`mcp:NAME`), or, when a second
    operator is shown another operator's request, who asked (and approved) it. Shown in the dialog."""
    login_user: str = ""
    """Who the commands run as on the host, when the session has learnt it ("" when not yet known)."""

    @property
    def tier(self) -> Tier:
        return max(step.tier for step in self.steps)

    @property
    def production(self) -> bool:
        return is_production(self.host_labels)

    @property
    def challenges(self) -> tuple[str, ...]:
        return tuple(step.challenge for step in self.steps if step.challenge)

    @property
    def pending_steps(self) -> tuple[StepReview, ...]:
        """The steps the approval is for (not the READ steps that already ran)."""
        return tuple(step for step in self.steps if step.result is None)

    def remember_pattern(self, scope: Scope) -> str | None:
        """The exact pattern a remembered approval with `scope` would allow, as the dialog shows it before `m`
        confirms the choice; None when this request cannot be remembered that way (not a single WRITE command,
        shell syntax, no real subcommand)."""
        if self.kind != "command" or self.fleet or len(self.pending_steps) != 1 or self.tier is not Tier.WRITE:
            return None
        return pattern_text(self.pending_steps[0].command, scope)


@dataclass(frozen=True, slots=True)
class RememberChoice:
    scope: Scope
    lifetime: Lifetime
    label: str | None = None
    """Remember for every host with this label instead of the current host only."""


@dataclass(frozen=True, slots=True)
class Decision:
    approved: bool
    reason: str | None = None
    """The operator's words on a rejection; they go back to the model."""
    typed_challenges: tuple[str, ...] = ()
    edited_command: str | None = None
    """The operator edited the command: it is classified again and reviewed again."""
    remember: RememberChoice | None = None
    force: bool = False
    decided_by: str = "operator"
    refused: bool = False
    """Nobody decided: the request could not be put to the operator (no approver attached, no answer in time).
    Recorded as refused, not as the operator's rejection; `reason` says why."""

    @classmethod
    def reject(cls, reason: str | None = None) -> Decision:
        return cls(approved=False, reason=reason)

    @classmethod
    def refuse(cls, reason: str, *, decided_by: str) -> Decision:
        """No decision could be had; `decided_by` names who refused (for the record)."""
        return cls(approved=False, reason=reason, refused=True, decided_by=decided_by)


class Approver(Protocol):
    async def review(self, request: ApprovalRequest) -> Decision:
        """Show `request` and return the operator's decision. Must never approve by itself."""
        ...
