"""The approval desk: asks the operator through the `Approver` port and checks the answer itself.

The UI is only the first line of defence. Whatever the Approver returns, the desk refuses an approval whose
DESTRUCTIVE challenges were not typed exactly, that came before the DESTRUCTIVE dwell had passed, or that does
not choose to overwrite targets changed since a rollback's capture; such an answer becomes a rejection saying
why. The desk also keeps what the status bar shows (approval statistics, requests waiting) and the remembered
approvals ("allow this again": looked up before asking, added when the operator chose to).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from console.core.approval import ApprovalRequest, Approver, Decision, RememberChoice, RequestKind, StepReview
from console.core.config import Settings
from console.core.events import EventSink, Notice, PendingApprovals, StatsChanged
from console.core.gate import ApprovalRefused, ApprovalStats, verify_challenges
from console.core.ports import Store
from console.core.remembered import RememberedApproval, RememberedApprovals, RememberError
from console.core.session.policy import Policy
from console.core.session.second import SecondOperator
from console.core.tiers import Tier
from console.core.views import HostInfo


@dataclass(frozen=True, slots=True)
class Answer:
    decision: Decision
    latency: float
    """Seconds from the request to the decision (0 for a decision the core refused)."""
    approved_by: str | None = None
    """On a four-eyes host: the second operator who decided."""
    request_id: int | None = None
    """On a four-eyes host: the request the second operator decided (made void if the targets drift)."""


class ApprovalDesk:
    def __init__(
        self,
        approver: Approver,
        settings: Settings,
        remembered: RememberedApprovals,
        store: Store,
        events: EventSink,
        *,
        clock: Callable[[], float],
        monotonic: Callable[[], float],
        policy: Policy | None = None,
        login_user: Callable[[str], str] = lambda host: "",
    ) -> None:
        """`login_user(host)` names who commands run as on a host, for the request's words (crontab of root)."""
        self.approver = approver
        self.policy = policy or Policy()
        self.second = SecondOperator(store, events, settings.approval_ttl, clock)
        self._login_user = login_user
        self.settings = settings
        self.remembered = remembered
        self.stats = ApprovalStats()
        self._store = store
        self._events = events
        self._clock = clock
        self._monotonic = monotonic
        self._pending = 0

    @property
    def pending(self) -> int:
        return self._pending

    def request(
        self,
        kind: RequestKind,
        host: HostInfo,
        title: str,
        steps: Sequence[StepReview],
        *,
        warnings: tuple[str, ...] = (),
        diff: str | None = None,
        requires_force: bool = False,
        details: tuple[str, ...] = (),
    ) -> ApprovalRequest:
        return ApprovalRequest(
            kind=kind,
            host=host.name,
            host_labels=host.labels,
            title=title,
            steps=tuple(steps),
            write_key_delay=self.settings.write_key_delay,
            destructive_dwell=self.settings.destructive_dwell,
            warnings=warnings,
            diff=diff,
            requires_force=requires_force,
            details=details,
            second_operator=self.policy.needs_second_operator(host),
            login_user=self._login_user(host.name),
        )

    async def ask(self, request: ApprovalRequest, actions: Sequence[int] = ()) -> Answer:
        """The operator's decision, or a rejection saying why the core refused the one given. On a four-eyes
        host an approval then waits for a second operator's (`actions` are the ones it is for)."""
        answer = await self._ask(request)
        decision = answer.decision
        if not (decision.approved and request.second_operator) or decision.edited_command is not None:
            return answer  # an edited command is a new proposal, reviewed (and sent on) again
        second = await self.second.ask(request, actions, answer.decision)
        return Answer(second.decision, answer.latency, approved_by=second.approved_by, request_id=second.request_id)

    async def _ask(self, request: ApprovalRequest) -> Answer:
        started = self._monotonic()
        self._set_pending(self._pending + 1)
        try:
            decision = await self.approver.review(request)
        finally:
            self._set_pending(self._pending - 1)
        latency = self._monotonic() - started
        if decision.refused:  # nobody decided: nothing to check, nothing to count
            return Answer(Decision.refuse(decision.reason or "refused", decided_by=decision.decided_by), latency)
        try:
            self._check(request, decision, latency)
        except ApprovalRefused as error:
            self._events(Notice(str(error), "error"))
            return Answer(Decision.reject(str(error)), 0.0)
        self.stats.record(approved=decision.approved, latency=latency)
        stats = self.stats
        self._events(StatsChanged(stats.summary(), stats.count, stats.approved, stats.fast_approvals))
        return Answer(decision, latency)

    def _check(self, request: ApprovalRequest, decision: Decision, latency: float) -> None:
        if not decision.approved:
            return
        verify_challenges(request.challenges, decision.typed_challenges)
        if request.challenges and latency < self.settings.destructive_dwell:
            raise ApprovalRefused("the confirmation came before the DESTRUCTIVE dwell had passed")
        if request.requires_force and not decision.force:
            raise ApprovalRefused("the targets changed since the capture and overwriting them was not chosen")

    def _set_pending(self, count: int) -> None:
        self._pending = count
        self._events(PendingApprovals(count))

    # --- remembered approvals ----------------------------------------------------------------------------

    def remembered_rule(self, command: str, tier: Tier, host: HostInfo) -> RememberedApproval | None:
        """The remembered approval that covers `command` on `host` now, if any (never on a four-eyes host)."""
        if self.policy.needs_second_operator(host):
            return None
        return self.remembered.covering(command, tier, host=host.name, labels=host.labels, now=self._clock())

    def remember(self, host: HostInfo, command: str, tier: Tier, choice: RememberChoice) -> None:
        """Add the rule the operator chose; one that may not be made is a warning, never a failure."""
        try:
            rule = self.remembered.add(
                command,
                tier,
                scope=choice.scope,
                lifetime=choice.lifetime,
                now=self._clock(),
                host=None if choice.label else host.name,
                label=choice.label,
            )
        except RememberError as error:
            self._events(Notice(f"Not remembered: {error}", "warning"))
            return
        self._store.append_audit("remembered-approval", {"rule": rule.describe()})
        self._events(Notice(f"Remembered: {rule.describe()}"))
