"""The second operator's side of four eyes: the requests waiting for someone else, each one's review as its
requester saw it, and the decision, checked here whatever the UI did (the console's pending-approvals view and
`hitl approvals pending|approve|reject` use this).

A request can be decided only by an operator other than its requester (in a team store that means another
database login: the database records the decider as the login that wrote it), only while it waits, and only
for the review it holds: a review whose text no longer matches its digest was altered in the store and is
refused. Approving checks the DESTRUCTIVE challenges, the dwell and the overwrite choice as the requester's
desk does.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from console.core.approval import ApprovalRequest, Decision
from console.core.gate import ApprovalRefused, verify_challenges
from console.core.memory.records import SecondApproval
from console.core.ports import Store
from console.core.review_document import digest, request_from

__all__ = ["ApprovalRefused", "PendingRequest", "TeamApprovals"]


@dataclass(frozen=True, slots=True)
class PendingRequest:
    """A request as the pending list shows it."""

    record: SecondApproval
    mine: bool
    """Requested by this operator (shown, but only someone else can decide it)."""

    @property
    def id(self) -> int:
        return self.record.id


class TeamApprovals:
    def __init__(self, store: Store) -> None:
        self.store = store

    @property
    def operator(self) -> str:
        return self.store.operator

    def pending(self) -> list[PendingRequest]:
        """The requests still waiting, oldest first."""
        return [PendingRequest(r, r.requested_by == self.operator) for r in self.store.pending_second_approvals()]

    def _record(self, request_id: int) -> SecondApproval:
        record = self.store.second_approval(request_id)
        if record is None:
            raise ApprovalRefused(f"there is no approval request {request_id}")
        return record

    def review(self, request_id: int) -> tuple[SecondApproval, ApprovalRequest]:
        """The request and its review as the requester approved it; raises `ApprovalRefused` for one this
        operator may not decide (its own, unknown, no longer waiting) or whose review was altered."""
        record = self._record(request_id)
        if record.requested_by == self.operator:
            raise ApprovalRefused(
                f"request {request_id} is {self.operator}'s own: a four-eyes change needs a second operator,"
                " never its requester"
            )
        state = record.state_at(time.time())
        if state != "pending":
            raise ApprovalRefused(f"request {request_id} is no longer waiting: it was {state}")
        if digest(record.review) != record.digest:
            raise ApprovalRefused(f"request {request_id}'s review does not match its digest: it was altered; refused")
        try:
            return record, request_from(record.review, requested_by=record.requested_by)
        except (KeyError, TypeError, ValueError) as error:
            raise ApprovalRefused(f"request {request_id}'s review cannot be read ({error!r}); refused") from None

    def approve(self, request_id: int, decision: Decision, *, latency: float) -> SecondApproval:
        """Approve as the second operator with `decision` (from the same review the requester saw)."""
        record, request = self.review(request_id)
        if not decision.approved:
            raise ApprovalRefused(f"request {request_id} was not approved: {decision.reason or 'no'}")
        if decision.edited_command is not None:
            raise ApprovalRefused(
                "a second operator approves or rejects the request as made; editing is its requester's"
            )
        verify_challenges(request.challenges, decision.typed_challenges)
        if request.challenges and latency < request.destructive_dwell:
            raise ApprovalRefused("the confirmation came before the DESTRUCTIVE dwell had passed")
        if request.requires_force and not decision.force:
            raise ApprovalRefused("the targets changed since the capture and overwriting them was not chosen")
        return self.store.decide_second_approval(request_id, approved=True, digest=digest(record.review))

    def reject(self, request_id: int, reason: str) -> SecondApproval:
        record, _request = self.review(request_id)
        return self.store.decide_second_approval(
            request_id, approved=False, digest=digest(record.review), reason=reason or "no reason given"
        )
