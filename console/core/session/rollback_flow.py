"""A rollback: itself a WRITE, shown as a diff and approved like any other, bound to the state that was reviewed.

1. The points must be restorable (live, unexpired, one host) and policy must allow a WRITE there. They are
   locked in the store for this rollback (`Store.acquire_rollback_lock`): a second rollback of the same key,
   from this process or another, is refused with the first one named, and the points are read again under
   the lock (the first may just have finished).
2. Review: the diff from the current state to the captured one, and a warning (with a required "overwrite")
   for targets changed since the command ran. The approval is bound to the restored paths' checksums now.
3. After the decision the gate re-checks those checksums: a change made while the operator read the diff
   refuses the rollback with nothing restored.
4. For each point: capture the current state first (so the rollback can be undone), restore every target,
   verify every target against the capture, and keep the undo point with the state the restore left.

The restore is recorded as the action's result: exit status 0 with one "restored and verified" line per point
only when every target of every point is byte-identical to its capture (content or link target, type, mode,
owner, hard links); otherwise exit status 1 and "rollback incomplete: ..." naming each path and what is wrong,
the point marked failed and the undo key named.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from console.core.approval import Decision, StepReview
from console.core.capture.diff import changed_since, snapshot_diff
from console.core.capture.engine import CaptureError, Snapshot, plan_from_snapshot, restore_snapshot, take_capture
from console.core.capture.paths import HostPathError, PathState, describe
from console.core.classify.model import Classification
from console.core.errors import HostLocked, SessionError
from console.core.events import PlanChanged
from console.core.gate import ApprovalRefused, ReviewSubject
from console.core.memory.records import RollbackPoint
from console.core.outcome import Outcome, Source, Status
from console.core.plan import Plan, PlanStep
from console.core.rollback import RollbackError, elsewhere, restorable_points, rollback_classification
from console.core.session.host_lock import held_elsewhere, holding, purpose
from console.core.session.journal import Action, Flow, unapproved_status, verdict_of
from console.core.session.parts import SessionParts
from console.core.tiers import Tier
from console.core.transport.base import Ended, RunResult, Transport
from console.core.views import HostInfo

UNDO_CAPTURE = "the current state, first, so this rollback can be undone too"


@dataclass(frozen=True, slots=True)
class RollbackReview:
    """A rollback of one host's points made ready for the operator: the diff, the warnings, the bound state."""

    info: HostInfo
    transport: Transport
    points: tuple[RollbackPoint, ...]
    snapshots: tuple[Snapshot, ...]
    classification: Classification
    targets: tuple[str, ...]
    reviewed: ReviewSubject
    diff: str
    warnings: tuple[str, ...]

    @property
    def description(self) -> str:
        return self.classification.command


class RollbackFlow:
    def __init__(self, parts: SessionParts) -> None:
        self.parts = parts

    async def rollback(self, keys: Sequence[str], *, reason: str, source: Source) -> Outcome:
        """Roll back the given points (in the order given) after one approval showing the diff."""
        parts = self.parts
        points = restorable_points(parts.store, keys, parts.clock())
        locked = list(dict.fromkeys(p.key for p in points))
        token = secrets.token_hex(8)
        held = parts.store.acquire_rollback_lock(locked, token=token)
        if held is not None:
            raise RollbackError(f"{held}; a rollback point is never restored twice at once")
        try:
            points = restorable_points(parts.store, keys, parts.clock())
            return await self._rollback(points, reason=reason, source=source)
        finally:
            parts.store.release_rollback_lock(locked, token=token)

    async def _rollback(self, points: Sequence[RollbackPoint], *, reason: str, source: Source) -> Outcome:
        parts = self.parts
        review = await self.review(points)
        step = StepReview.unprepared(
            1, review.description, reason, review.classification, capture_lines=(UNDO_CAPTURE,)
        )
        request = parts.desk.request(
            "rollback",
            review.info,
            review.description,
            [step],
            warnings=review.warnings,
            diff=review.diff,
            requires_force=bool(review.warnings),
        )
        action = self.open(review, source)
        answer = await parts.desk.ask(request, [action.id])
        decision = answer.decision
        self.decide(action, review, decision, answer.latency, approved_by=answer.approved_by)
        if not decision.approved:
            return parts.journal.close(action, unapproved_status(verdict_of(decision)), reason=decision.reason)
        return await self.apply(
            review, action, decided_by=decision.decided_by, reason=reason, request_id=answer.request_id
        )

    async def review(self, points: Sequence[RollbackPoint]) -> RollbackReview:
        """Everything the operator is shown for rolling back `points` (one host), bound to the state now."""
        parts = self.parts
        info = parts.hosts.info(points[0].host)
        refusal = parts.policy.refusal(info, "hitl rollback", Tier.WRITE, read_only=parts.state.read_only)
        if refusal:
            raise SessionError(refusal)
        locked = held_elsewhere(parts.store, info.name)
        if locked:
            raise HostLocked(locked)
        transport = await parts.hosts.transport(info.name)
        snapshots = [Snapshot.from_json(p.artifacts) for p in points]
        classification = rollback_classification(points, snapshots)
        description = classification.command
        targets = sorted({path for snapshot in snapshots for path in snapshot.paths})
        reviewed, now = await self._subject(info.name, transport, description, targets)
        diff, warnings = await self._differences(points, snapshots, transport, now)
        return RollbackReview(
            info, transport, tuple(points), tuple(snapshots), classification, tuple(targets), reviewed, diff, warnings
        )

    def open(self, review: RollbackReview, source: Source) -> Action:
        return self.parts.journal.open(
            review.info.name, review.description, review.classification, Source.of(source), flow=Flow.ROLLBACK
        )

    def decide(
        self,
        action: Action,
        review: RollbackReview,
        decision: Decision,
        latency: float,
        *,
        approved_by: str | None = None,
    ) -> None:
        """`approved_by`: the second operator who approved it, on a four-eyes host."""
        self.parts.journal.decide(
            action,
            verdict_of(decision),
            decision.decided_by,
            latency=latency,
            reason=decision.reason,
            digest=review.reviewed.digest,
            approved_by=approved_by,
        )

    async def apply(
        self, review: RollbackReview, action: Action, *, decided_by: str, reason: str, request_id: int | None = None
    ) -> Outcome:
        """After the approval, holding the host: re-check the reviewed state, then capture, restore and verify
        each point. `request_id`: the second operator's request, voided when the state drifted."""
        parts = self.parts
        info, transport, description = review.info, review.transport, review.description
        approval = parts.gate.grant(review.reviewed, Tier.WRITE, now=parts.clock(), decided_by=decided_by)
        try:
            with holding(parts.store, info.name, purpose("rollback", description)):
                try:
                    current, states = await self._subject(info.name, transport, description, review.targets)
                    parts.gate.consume(approval, current, now=parts.clock())
                except (SessionError, ApprovalRefused) as error:
                    why = f"{error}; nothing was restored, roll back again to review the current state"
                    if request_id is not None:
                        parts.desk.second.void(request_id, why)
                    return parts.journal.close(action, Status.REFUSED, reason=why)
                parts.journal.start(action)
                return await self._restore(
                    transport, action, points=review.points, snapshots=review.snapshots, reason=reason, states=states
                )
        except HostLocked as error:
            return parts.journal.close(action, Status.REFUSED, reason=str(error))

    async def _restore(
        self,
        transport: Transport,
        action: Action,
        *,
        points: Sequence[RollbackPoint],
        snapshots: Sequence[Snapshot],
        reason: str,
        states: dict[str, PathState],
    ) -> Outcome:
        """Restore each point after capturing the state it replaces; `states`: the targets as just checked."""
        parts = self.parts
        size_cap = parts.settings.capture_size_cap
        started = parts.monotonic()
        undo_key: str | None = None
        for point, snapshot in zip(points, snapshots, strict=True):
            undo_capture = plan_from_snapshot(snapshot, point.command)
            failure: str | None = None
            undo_key = None
            verified: dict[str, PathState] = {}
            try:
                known = states if len(points) == 1 else None  # a later point sees what the earlier ones left
                undo = await take_capture(undo_capture, transport, parts.blobs, size_cap=size_cap, states=known)
            except CaptureError as error:
                failure = f"{error}; nothing was restored"
            else:
                try:
                    restored = await restore_snapshot(snapshot, transport, parts.blobs)
                except CaptureError as error:
                    failure = str(error)
                else:
                    verified = restored.states
                    if restored.problems:
                        failure = f"rollback incomplete: {'; '.join(restored.problems)}"
                # Kept after the restore, so its "after" states are what the rollback left (undoing the rollback
                # then sees no false drift); kept even when the restore failed half-way, since the capture is
                # the way back from the partial state.
                undo_key, _after = await parts.runner.keep_rollback_point(
                    action.host,
                    transport,
                    action_id=action.id,
                    step=PlanStep(1, f"rollback of {point.key}", reason, action.classification),
                    snapshot=undo,
                    capture=undo_capture,
                    after=verified,
                )
            if failure is not None:
                if undo_key:
                    failure += f"; the state before this rollback was captured as {undo_key}"
                parts.store.set_rollback_status(point.key, "failed")
                done = "".join(f"{p.key} restored and verified\n" for p in points[: points.index(point)])
                result = RunResult(1, done, failure, parts.monotonic() - started, Ended.EXITED, error=failure)
                return parts.journal.close(action, Status.FAILED, result=result, rollback_key=undo_key, reason=failure)
            parts.store.set_rollback_status(point.key, "rolled back")
        text = "".join(f"{p.key} restored and verified\n" for p in points)
        result = RunResult(0, text, "", parts.monotonic() - started, Ended.EXITED)
        return parts.journal.close(action, Status.DONE, result=result, rollback_key=undo_key)

    async def _subject(
        self, host: str, transport: Transport, description: str, paths: Sequence[str]
    ) -> tuple[ReviewSubject, dict[str, PathState]]:
        """What a rollback's approval is bound to: like a command's, the restored paths as they are now, so a
        change made while the operator read the diff (a colleague, a plan running beside it) is not overwritten
        unseen. Also returns those states, which the diff and the drift check reuse."""
        context = await self.parts.contexts.of(host, transport)
        try:
            states = await describe(transport, paths)
        except HostPathError as error:
            raise SessionError(str(error)) from None
        checksums = {path: state.checksum for path, state in states.items()}
        subject = ReviewSubject(
            host=host, user=context.user, command=description, cwd=context.cwd, target_checksums=checksums
        )
        return subject, states

    async def _differences(
        self,
        points: Sequence[RollbackPoint],
        snapshots: Sequence[Snapshot],
        transport: Transport,
        now: dict[str, PathState],
    ) -> tuple[str, tuple[str, ...]]:
        """The diff the operator reviews, and a warning per point whose targets changed since the command ran."""
        diffs, warnings = [], []
        for point, snapshot in zip(points, snapshots, strict=True):
            try:
                body = await snapshot_diff(snapshot, transport, self.parts.blobs, now)
            except CaptureError as error:
                raise SessionError(str(error)) from None
            diffs.append(f"== {point.key}: {point.command}\n" + body)
            after = {p: PathState.from_json(s) for p, s in point.artifacts.get("after", {}).items()}
            try:
                drifted = await changed_since(after, transport, now)
            except HostPathError as error:
                raise SessionError(str(error)) from None
            if drifted:
                warnings.append(f"{point.key}: changed since the command ran: {', '.join(drifted)}")
        return "\n".join(diffs), tuple(warnings)

    async def rollback_plan(self, plan: Plan, *, reason: str, source: Source) -> Outcome:
        """Offered after a plan stops: undo its completed steps, last first."""
        keys = [s.rollback_key for s in plan.rollback_order() if s.rollback_key]
        if not keys:
            raise SessionError("no completed step of this plan has a rollback key")
        outcome = await self.rollback(keys, reason=reason, source=source)
        if outcome.ok:
            plan.rolled_back()
            self.parts.events(PlanChanged(plan.view()))
        return outcome

    async def preview(self, point: RollbackPoint) -> str:
        """What rolling `point` back would change now (current -> captured), for the timeline's detail pane.
        Any failure is a `HitlError` saying what could not be compared."""
        away = elsewhere(point, self.parts.store.blobs_at)
        if away:
            raise RollbackError(away)
        transport = await self.parts.hosts.transport(point.host)
        try:
            return await snapshot_diff(Snapshot.from_json(point.artifacts), transport, self.parts.blobs)
        except (KeyError, TypeError, ValueError) as error:
            raise CaptureError(f"the capture record of {point.key} cannot be read: {error!r}") from None
