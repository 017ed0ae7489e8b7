"""Undoing a rollout: one key restores every completed host, in reverse wave order, after one approval.

The rollout's row names each host's wave and rollback keys. Every host's points must be restorable (live,
unexpired); hosts whose points were all rolled back already are left out and said so. All the points are
locked together (the same store lock as a single rollback), then each host's rollback is reviewed as usual —
its diff, a warning for targets changed since the rollout, the approval bound to each host's state now — and
the operator answers once for all of them: one WRITE whose diff shows every host. After the decision each
host is re-checked, captured, restored and verified on its own (`RollbackFlow.apply`), latest wave first and,
inside a host, its last step first. Each host's undo point is kept, and they are recorded as a new rollout,
so the rollback of a rollout can itself be undone with one key. Like a rollout, it is refused as a whole when a
host needs a second operator (four eyes); each host is held (host locks) while it is restored.
"""

from __future__ import annotations

import secrets
from dataclasses import replace

from console.core.approval import StepReview
from console.core.fleet.records import FleetOutcome, HostRun, HostState, new_rollout_key
from console.core.memory.records import RolloutHost, RolloutRecord
from console.core.outcome import Source
from console.core.rollback import RollbackError, restorable_points
from console.core.session.journal import unapproved_status, verdict_of
from console.core.session.parts import SessionParts
from console.core.session.rollback_flow import UNDO_CAPTURE, RollbackFlow, RollbackReview
from console.core.tiers import Tier
from console.core.views import HostInfo


class FleetRollback:
    def __init__(self, parts: SessionParts, rollbacks: RollbackFlow) -> None:
        self.parts = parts
        self.rollbacks = rollbacks

    def _order(self, record: RolloutRecord) -> list[tuple[str, list[str]]]:
        """(host, keys last first) for every host with a live point, latest wave first."""
        now = self.parts.clock()
        hosts = sorted(record.hosts, key=lambda h: -h.wave)
        order = []
        for host in hosts:
            live = []
            for key in reversed(host.keys):
                point = self.parts.store.rollback_point(key)
                if point is not None and point.status == "rolled back":
                    continue
                live.append(key)
            if live:
                restorable_points(self.parts.store, live, now)  # raises, naming the first that is not
                order.append((host.host, live))
        return order

    async def rollback(self, key: str, *, reason: str, source: Source) -> FleetOutcome:
        parts = self.parts
        record = parts.store.rollout(key)
        if record is None:
            raise RollbackError(f"no rollout {key}")
        order = self._order(record)
        if not order:
            raise RollbackError(f"rollout {key} has nothing left to roll back")
        policy, hosts = parts.policy, parts.hosts
        four_eyes = [host for host, _keys in order if policy.needs_second_operator(hosts.info(host))]
        if four_eyes:
            raise RollbackError(
                f"rollout {key} was not rolled back: {', '.join(four_eyes)} need(s) a second operator (four eyes),"
                " and a rollout's rollback is approved once for every host; roll those hosts back by their own keys"
            )
        keys = [k for _host, host_keys in order for k in host_keys]
        token = secrets.token_hex(8)
        held = parts.store.acquire_rollback_lock(keys, token=token)
        if held is not None:
            raise RollbackError(f"{held}; a rollback point is never restored twice at once")
        try:
            return await self._rollback(record, order, reason=reason, source=source)
        finally:
            parts.store.release_rollback_lock(keys, token=token)

    async def _rollback(
        self, record: RolloutRecord, order: list[tuple[str, list[str]]], *, reason: str, source: Source
    ) -> FleetOutcome:
        parts = self.parts
        reviews: list[RollbackReview] = []
        for _host, keys in order:
            points = restorable_points(parts.store, keys, parts.clock())  # read again under the lock
            reviews.append(await self.rollbacks.review(points))
        names = [review.info.name for review in reviews]
        title = f"Roll back rollout {record.key} ({record.title}) on {len(reviews)} hosts"
        diff = "\n".join(f"=== {review.info.name}\n{review.diff}" for review in reviews)
        warnings = tuple(f"{review.info.name}: {warning}" for review in reviews for warning in review.warnings)
        steps = [
            StepReview.unprepared(
                number,
                review.description,
                f"on {review.info.name}",
                review.classification,
                capture_lines=(UNDO_CAPTURE,),
            )
            for number, review in enumerate(reviews, 1)
        ]
        labels = tuple(dict.fromkeys(label for review in reviews for label in review.info.labels))
        request = parts.desk.request(
            "rollback",
            HostInfo(name=record.target, labels=labels),
            title,
            steps,
            warnings=warnings,
            diff=diff,
            requires_force=bool(warnings),
            details=(f"in this order (latest wave first): {', '.join(names)}",),
        )
        request = replace(request, fleet=tuple(names))
        actions = [self.rollbacks.open(review, source) for review in reviews]
        answer = await parts.desk.ask(request)
        decision = answer.decision
        for action, review in zip(actions, reviews, strict=True):
            self.rollbacks.decide(action, review, decision, answer.latency)
        undo_key = new_rollout_key()
        outcome = FleetOutcome(record.target, title, Tier.WRITE, undo_key, (tuple(names),))
        outcome.decision = verdict_of(decision)
        if not decision.approved:
            outcome.reason = decision.reason
            for action, review in zip(actions, reviews, strict=True):
                parts.journal.close(action, unapproved_status(outcome.decision), reason=decision.reason)
                outcome.hosts.append(HostRun(review.info.name, 0, HostState.NOT_RUN, reason=decision.reason))
            return outcome
        for action, review in zip(actions, reviews, strict=True):
            started = parts.monotonic()
            done = await self.rollbacks.apply(review, action, decided_by=decision.decided_by, reason=reason)
            state = HostState.OK if done.ok else HostState.FAILED
            outcome.hosts.append(HostRun(review.info.name, 0, state, (done,), done.reason, parts.monotonic() - started))
        status = "rolled back" if outcome.ok else "rollback incomplete"
        parts.store.record_rollout(
            RolloutRecord(record.key, record.created, record.target, record.title, record.tier, status, record.hosts)
        )
        undo_hosts = tuple(RolloutHost(run.host, 0, run.state.value, run.rollback_keys) for run in outcome.hosts)
        parts.store.record_rollout(
            RolloutRecord(
                undo_key, parts.clock(), record.target, f"rollback of {record.key}", "WRITE", "done", undo_hosts
            )
        )
        return outcome
