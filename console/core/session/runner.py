"""The step runner: one command on one host, from review to rollback point.

1. `prepare` — the footprint, before the operator is asked: the host context (user, working directory), what
   will be captured (or why nothing can be), the review digest the approval is bound to, a preview of the change.
2. `run` — right before running: the gate re-checks the approval against the subject as it is now (drift is
   refused), the capture is taken (a failed capture refuses the command), the command runs, and the rollback
   point is stored with the targets' state right after the change.
3. `execute` — the one place a step's command reaches the transport, for every tier and every flow (a command,
   a plan's head READs and later steps, a remembered approval, `hitl exec`): a READ runs confined per
   `read_confinement` (`ReadPolicy`), WRITE and DESTRUCTIVE never; output is streamed as events.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from console.core.approval import StepReview
from console.core.capture.blobs import BlobStore
from console.core.capture.engine import CaptureError, CapturePlan, Snapshot, plan_capture, take_capture
from console.core.capture.paths import HostPathError, PathState, describe
from console.core.capture.preview import preview_change
from console.core.config import Settings
from console.core.events import EventSink, Notice, OutputLines
from console.core.gate import ApprovalRefused, Gate, ReviewSubject, challenge_for
from console.core.plan import PlanStep
from console.core.ports import Store
from console.core.rollback import new_rollback_key
from console.core.session.contexts import HostContexts
from console.core.session.journal import Action, ActionJournal
from console.core.session.read_policy import ReadPolicy
from console.core.tiers import Tier
from console.core.transport.base import Ended, RunResult, Stream, Transport


@dataclass(frozen=True, slots=True)
class Prepared:
    """A non-READ step made ready for review: its capture plan and the subject the approval binds to."""

    step: PlanStep
    capture: CapturePlan
    subject: ReviewSubject
    preview: str | None


@dataclass(frozen=True, slots=True)
class Ran:
    """What `run` did: ran (result, rollback key) or did not run (why, and whether the targets drifted)."""

    result: RunResult | None = None
    rollback_key: str | None = None
    refused: str | None = None
    drifted: bool = False


class StepRunner:
    def __init__(
        self,
        settings: Settings,
        *,
        contexts: HostContexts,
        gate: Gate,
        blobs: BlobStore,
        store: Store,
        journal: ActionJournal,
        reads: ReadPolicy,
        events: EventSink,
        clock: Callable[[], float],
    ) -> None:
        self._settings = settings
        self._reads = reads
        self._contexts = contexts
        self._gate = gate
        self._blobs = blobs
        self._store = store
        self._journal = journal
        self._events = events
        self._clock = clock

    # --- before the decision -----------------------------------------------------------------------------

    async def prepare(self, host: str, transport: Transport, step: PlanStep) -> Prepared:
        """The step's footprint in the host's context: what will be captured, the review subject, a preview."""
        context = await self._contexts.of(host, transport)
        capture = await plan_capture(
            step.classification, transport, cwd=context.cwd, size_cap=self._settings.capture_size_cap
        )
        subject = ReviewSubject(
            host=host, user=context.user, command=step.command, cwd=context.cwd, target_checksums=capture.checksums
        )
        preview = await preview_change(step.command, step.classification, transport, cwd=context.cwd)
        return Prepared(step=step, capture=capture, subject=subject, preview=preview)

    @staticmethod
    def review(prepared: Prepared) -> StepReview:
        """The step as the operator reviews it."""
        step = prepared.step
        challenge = None
        if step.tier is Tier.DESTRUCTIVE:
            challenge = challenge_for(prepared.subject.host, prepared.subject.digest)
        return StepReview(
            index=step.index,
            command=step.command,
            purpose=step.purpose,
            classification=step.classification,
            capture_lines=tuple(prepared.capture.describe()),
            no_rollback=" ".join(prepared.capture.no_rollback) or None,
            digest=prepared.subject.digest,
            challenge=challenge,
            preview=prepared.preview,
        )

    # --- after the decision ------------------------------------------------------------------------------

    async def run(
        self,
        transport: Transport,
        action: Action,
        step: PlanStep,
        *,
        prepared: Prepared | None = None,
        expected: dict[str, str] | None = None,
    ) -> Ran:
        """Re-check, capture, run, keep the rollback point. `prepared` is None for a READ (nothing to re-check
        or capture). Inside a plan, `expected` holds what earlier steps left behind (and is updated)."""
        host = action.host
        snapshot: Snapshot | None = None
        if prepared is not None:
            approval = self._gate.grant(prepared.subject, step.tier, now=self._clock(), decided_by="operator")
            try:
                current, states = await self._current_subject(host, transport, prepared, expected)
            except HostPathError as error:
                return Ran(refused=str(error))
            try:
                self._gate.consume(approval, current, now=self._clock())
            except ApprovalRefused as error:
                return Ran(refused=str(error), drifted=True)
            if prepared.capture.captures_anything:
                try:
                    snapshot = await take_capture(
                        prepared.capture,
                        transport,
                        self._blobs,
                        size_cap=self._settings.capture_size_cap,
                        states=states,
                    )
                except CaptureError as error:
                    return Ran(refused=str(error))
        result = await self.execute(transport, action, step)
        key = None
        if snapshot is not None and prepared is not None:
            key, after = await self.keep_rollback_point(
                host, transport, action_id=action.id, step=step, snapshot=snapshot, capture=prepared.capture
            )
            if expected is not None:
                expected.update({path: state.checksum for path, state in after.items()})
        return Ran(result=result, rollback_key=key)

    async def execute(self, transport: Transport, action: Action, step: PlanStep) -> RunResult:
        """Start the action and run the step's command on the host, in its working directory, streaming the
        output as events. What the classifier called READ runs confined as the policy says; one the policy says
        must be asked first (the flows raise it to WRITE, see `asked_as_write`) never runs here unasked."""
        host = action.host
        context = await self._contexts.of(host, transport)
        mode = await self._reads.mode(host, transport) if action.classification.tier is Tier.READ else None
        if mode is not None and mode.ask and step.tier is Tier.READ:
            return RunResult(None, "", "", 0.0, Ended.NOT_STARTED, error=mode.ask)
        self._journal.start(action, confinement=mode.description if mode else None)

        def forward(stream: Stream, line: str) -> None:
            self._events(OutputLines(host=host, stream=stream, lines=(line,)))

        return await transport.run(
            step.command,
            timeout=self._settings.command_timeout,
            cwd=context.cwd,
            on_output=forward,
            confine=mode is not None and mode.confine,
        )

    async def _current_subject(
        self, host: str, transport: Transport, prepared: Prepared, expected: Mapping[str, str] | None
    ) -> tuple[ReviewSubject, dict[str, PathState]]:
        """The subject as it is now, and the path states it was computed from (the capture reuses them rather
        than hashing the targets a second time). Inside a plan, paths an earlier step changed are compared with
        what that step left behind, not with the state at review time."""
        states = await describe(transport, prepared.capture.paths) if prepared.capture.paths else {}
        now = {path: state.checksum for path, state in states.items()}
        if expected:
            reviewed = dict(prepared.subject.target_checksums)
            for path, checksum in list(now.items()):
                if expected.get(path) == checksum:
                    now[path] = reviewed.get(path, checksum)
        context = await self._contexts.of(host, transport)
        subject = ReviewSubject(
            host=host, user=context.user, command=prepared.step.command, cwd=context.cwd, target_checksums=now
        )
        return subject, states

    async def keep_rollback_point(
        self,
        host: str,
        transport: Transport,
        *,
        action_id: int | None,
        step: PlanStep,
        snapshot: Snapshot,
        capture: CapturePlan,
    ) -> tuple[str, dict[str, PathState]]:
        """Record the rollback point, with the targets' state right after the change (to notice later edits).

        The capture is already taken and the change already made, so a host that cannot describe the targets
        now must not cost the operator the rollback key: the point is kept without those states."""
        after: dict[str, PathState] = {}
        if capture.paths:
            try:
                after = await describe(transport, capture.paths)
            except HostPathError as error:
                self._events(Notice(f"Rollback point kept, but later edits cannot be detected: {error}", "warning"))
        key = new_rollback_key()
        artifacts: dict[str, Any] = {
            **snapshot.to_json(),
            "after": {path: state.to_json() for path, state in after.items()},
        }
        self._store.add_rollback_point(
            key=key,
            host=host,
            action_id=action_id,
            command=step.command,
            tier=step.tier.name,
            strategies=sorted({item["strategy"] for item in snapshot.items}),
            artifacts=artifacts,
            expires_at=self._clock() + self._settings.rollback_ttl,
        )
        return key, after
