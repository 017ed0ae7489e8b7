"""Four eyes: after the requester approved a change on a four-eyes host, the same review goes to a second
operator, and the change runs only once another operator approved it.

The request is stored with its review document and that document's digest (`console.core.review_document`),
then the requester waits, woken by the store's change notifications, until the request is decided, withdrawn
(the requester stopped: Esc, Ctrl-C) or expired (`approval_ttl`). An approval counts only for the digest that
was requested. Afterwards the step runner re-checks the host against the reviewed subject as for any approval:
if anything drifted, the second approval is void (`void`) and nothing ran.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass

from console.core.approval import ApprovalRequest, Decision
from console.core.durations import remaining
from console.core.errors import HitlError
from console.core.events import AwaitingSecondOperator, EventSink
from console.core.ports import Store
from console.core.review_document import digest, document


@dataclass(frozen=True, slots=True)
class SecondAnswer:
    decision: Decision
    approved_by: str | None
    request_id: int


class SecondOperator:
    def __init__(self, store: Store, events: EventSink, ttl: float, clock: Callable[[], float]) -> None:
        self._store = store
        self._events = events
        self._ttl = ttl
        self._clock = clock

    async def ask(self, request: ApprovalRequest, actions: Sequence[int], first: Decision) -> SecondAnswer:
        """Ask another operator to approve `request` (already approved here as `first`) and wait."""
        text = document(request)
        reviewed = digest(text)
        until = self._clock() + self._ttl
        store = self._store
        request_id = store.request_second_approval(
            host=request.host,
            kind=request.kind,
            tier=request.tier.name,
            title=request.title,
            actions=actions,
            review=text,
            digest=reviewed,
            expires_at=until,
        )
        self._events(AwaitingSecondOperator(request_id, request.host, request.title, request.tier, waiting=True))
        try:
            decided = await store.wait_second_approval(request_id, until)
        except BaseException:
            with suppress(HitlError):
                store.close_second_approval(request_id, "withdrawn", "the requester stopped waiting")
            raise
        finally:
            self._events(AwaitingSecondOperator(request_id, request.host, request.title, request.tier, waiting=False))
        if decided is None or decided.state == "pending":
            why = f"no second operator approved request {request_id} within {remaining(self._ttl)}"
            store.close_second_approval(request_id, "expired", why)
            return SecondAnswer(Decision.reject(why), None, request_id)
        if decided.state == "approved" and decided.digest == reviewed and decided.decided_by:
            return SecondAnswer(first, decided.decided_by, request_id)
        if decided.state == "rejected":
            why = f"rejected by {decided.decided_by}: {decided.reason or 'no reason given'}"
            return SecondAnswer(
                Decision(False, reason=why, decided_by=decided.decided_by or "?"), decided.decided_by, request_id
            )
        why = f"request {request_id} was {decided.state}" + (f": {decided.reason}" if decided.reason else "")
        return SecondAnswer(Decision.reject(why), None, request_id)

    def void(self, request_id: int, why: str) -> None:
        """The approved request cannot be used: what was reviewed changed before it ran."""
        self._store.close_second_approval(request_id, "void", why)
