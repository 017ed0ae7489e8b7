"""Requests for a second operator (four eyes) and remembered approvals, kept in the store so a team shares them.

A request holds the review document its requester approved and that document's digest. Deciding it is one
conditional update: it must still be pending and unexpired, carry the digest the second operator was shown,
and the decider must not be the requester. In team mode the database itself records the requester and the
decider as the logins that wrote them (see the schema's triggers), so a second identity needs a second login.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, cast

from console.core.gate import ApprovalRefused
from console.core.memory.base import StoreBase
from console.core.memory.owner import owner_alive
from console.core.memory.records import RequestState, SecondApproval
from console.core.redact import redact

_REQUEST_COLUMNS = (
    "id, host, kind, tier, title, actions, review, digest, requested_by, created, expires, state, decided_by,"
    " decided_at, reason, requester"
)
DECIDED_STATES = ("approved", "rejected")


def _request(row: Sequence[Any]) -> SecondApproval:
    return SecondApproval(
        id=int(row[0]),
        host=row[1],
        kind=row[2],
        tier=row[3],
        title=row[4],
        actions=tuple(json.loads(row[5])),
        review=row[6],
        digest=row[7],
        requested_by=row[8],
        created=row[9],
        expires=row[10],
        state=cast(RequestState, row[11]),
        decided_by=row[12],
        decided_at=row[13],
        reason=row[14],
    )


class ApprovalRequests(StoreBase):
    # -- requests for a second operator -------------------------------------------------------------------

    def request_second_approval(
        self,
        *,
        host: str,
        kind: str,
        tier: str,
        title: str,
        actions: Sequence[int],
        review: str,
        digest: str,
        expires_at: float,
    ) -> int:
        """Ask for a second operator's decision on `review` (already approved by this operator)."""
        now = self._clock()
        with self._write() as db:
            request_id = int(
                db.execute(
                    "INSERT INTO approval_requests (host, kind, tier, title, actions, review, digest, requested_by,"
                    " requester, created, expires, state) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending')"
                    " RETURNING id",
                    (
                        host,
                        kind,
                        tier,
                        redact(title),
                        json.dumps(list(actions)),
                        review,
                        digest,
                        self.operator,
                        self._owner,
                        now,
                        expires_at,
                    ),
                ).fetchone()[0]
            )
            payload = {"request": request_id, "host": host, "tier": tier, "actions": list(actions), "digest": digest}
            self._audit(db, "approval-requested", payload, now, [("approval_requests", request_id)])
        return request_id

    def second_approval(self, request_id: int) -> SecondApproval | None:
        return self._second_approval(request_id)

    def _second_approval(self, request_id: int) -> SecondApproval | None:
        with self._read() as db:
            row = db.execute(f"SELECT {_REQUEST_COLUMNS} FROM approval_requests WHERE id = ?", (request_id,)).fetchone()
        return None if row is None else _request(row)

    def pending_second_approvals(self) -> list[SecondApproval]:
        """Requests still waiting, oldest first: unexpired, and whose requester is still there to run them (a
        requester on this machine whose process is gone is left out; one elsewhere waits until it expires)."""
        now = self._clock()
        with self._read() as db:
            rows = db.execute(
                f"SELECT {_REQUEST_COLUMNS} FROM approval_requests WHERE state = 'pending' AND expires > ? ORDER BY id",
                (now,),
            ).fetchall()
        return [_request(row) for row in rows if row[15] == self._owner or owner_alive(row[15])]

    def decide_second_approval(
        self, request_id: int, *, approved: bool, digest: str, reason: str | None = None
    ) -> SecondApproval:
        """Approve or reject as the second operator; raises `ApprovalRefused` saying why it cannot be decided
        (unknown, no longer pending, expired, a different review, or this operator's own request)."""
        now = self._clock()
        state = "approved" if approved else "rejected"
        clean = redact(reason) if reason else None
        with self._write() as db:
            row = db.execute(f"SELECT {_REQUEST_COLUMNS} FROM approval_requests WHERE id = ?", (request_id,)).fetchone()
            if row is None:
                raise ApprovalRefused(f"there is no approval request {request_id}")
            request = _request(row)
            refusal = _refusal(request, self.operator, digest, now)
            if refusal:
                raise ApprovalRefused(refusal)
            db.execute(
                "UPDATE approval_requests SET state = ?, decided_by = ?, decided_at = ?, reason = ?"
                " WHERE id = ? AND state = 'pending'",
                (state, self.operator, now, clean, request_id),
            )
            payload = {"request": request_id, "state": state, "digest": digest, "reason": clean}
            self._audit(db, "approval-request-decided", payload, now, [("approval_requests", request_id)])
            decided = db.execute(
                f"SELECT {_REQUEST_COLUMNS} FROM approval_requests WHERE id = ?", (request_id,)
            ).fetchone()
        return _request(decided)

    def close_second_approval(self, request_id: int, state: RequestState, reason: str) -> None:
        """The requester's side: `withdrawn` (it stopped waiting), `expired` (nobody decided in time), or `void`
        (approved, but what was reviewed changed before it ran). A request already decided otherwise keeps its
        state unless it is made void."""
        if state not in ("withdrawn", "expired", "void"):
            raise ValueError(f"a requester closes a request as withdrawn, expired or void, not {state}")
        now = self._clock()
        allowed = "('pending', 'approved')" if state == "void" else "('pending')"
        with self._write() as db:
            changed = db.execute(
                f"UPDATE approval_requests SET state = ?, reason = ? WHERE id = ? AND state IN {allowed}",
                (state, redact(reason), request_id),
            ).rowcount
            if changed:
                payload = {"request": request_id, "state": state, "reason": redact(reason)}
                self._audit(db, f"approval-request-{state}", payload, now, [("approval_requests", request_id)])

    # -- remembered approvals kept in the store -----------------------------------------------------------

    def remembered_rules(self) -> list[dict[str, Any]]:
        with self._read() as db:
            return [json.loads(row[0]) for row in db.execute("SELECT rule FROM remembered_rules ORDER BY created, id")]

    def add_remembered_rule(self, rule: dict[str, Any]) -> None:
        now = self._clock()
        with self._write() as db:
            db.execute(
                "INSERT INTO remembered_rules (id, rule, created) VALUES (?, ?, ?)",
                (rule["id"], json.dumps(rule, sort_keys=True), now),
            )
            self._audit(db, "remembered-rule-kept", {"rule": rule["id"]}, now, [("remembered_rules", rule["id"])])

    def revoke_remembered_rule(self, rule_id: str) -> bool:
        now = self._clock()
        with self._write() as db:
            deleted = db.execute("DELETE FROM remembered_rules WHERE id = ?", (rule_id,)).rowcount
            if deleted:
                self._audit(db, "remembered-rule-revoked", {"rule": rule_id}, now, [("remembered_rules", rule_id)])
        return bool(deleted)


def _refusal(request: SecondApproval, operator: str, digest: str, now: float) -> str | None:
    if request.requested_by == operator:
        return (
            f"request {request.id} is {operator}'s own: a four-eyes change needs a second operator, never its requester"
        )
    state = request.state_at(now)
    if state != "pending":
        by = f" by {request.decided_by}" if request.decided_by and state in DECIDED_STATES else ""
        return f"request {request.id} is no longer waiting: it was {state}{by}"
    if request.digest != digest:
        return f"request {request.id} is not the review that was shown (its digest changed); nothing was decided"
    return None
