"""The step runner: one command on one host, from review to rollback point.

1. `prepare` — the footprint, before the operator is asked: the host context (user, working directory), what
   the command will really touch, resolved on the host (`capture/footprint.py`) and captured first (or why
   not), the tier raised to DESTRUCTIVE when a resolved path is critical, the review digest the approval is
   bound to, a preview of the change.
2. `run` — right before running: the footprint is worked out again from scratch (globs re-expanded, symlinks
   re-resolved) and the gate re-checks the approval against it: a different set of paths, or different
   content, is drift and nothing runs. Then the capture is taken (a failed capture refuses the command), the
   command runs, and the rollback point is stored with every captured target's state right after the change.
3. `execute` — the one place a step's command reaches the transport, for every tier and every flow (a command,
   a plan's head READs and later steps, a remembered approval, `hitl exec`): a READ runs confined per
   `read_confinement` (`ReadPolicy`), WRITE and DESTRUCTIVE never; output is streamed as events.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from console.core.approval import StepReview
from console.core.capture.blobs import BlobStore
from console.core.capture.engine import CaptureError, CapturePlan, Snapshot, plan_capture, take_capture
from console.core.capture.footprint import CriticalCheck
from console.core.capture.paths import HostPathError, PathState, describe
from console.core.capture.preview import preview_change
from console.core.classify.model import Classification
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
        critical: CriticalCheck,
    ) -> None:
        self._settings = settings
        self._critical = critical
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
        """The step's footprint in the host's context: what will be captured, the review subject, a preview.
        The returned step carries the tier the resolved paths call for (never lower than the classifier's)."""
        capture, subject = await self._footprint(host, transport, step)
        if capture.critical and step.tier < Tier.DESTRUCTIVE:
            step = replace(step, classification=raised(step.classification, capture.critical))
        context = await self._contexts.of(host, transport)
        preview = await preview_change(step.command, step.classification, transport, cwd=context.cwd)
        return Prepared(step=step, capture=capture, subject=subject, preview=preview)

    async def _footprint(self, host: str, transport: Transport, step: PlanStep) -> tuple[CapturePlan, ReviewSubject]:
        context = await self._contexts.of(host, transport)
        capture = await plan_capture(
            step.classification,
            transport,
            cwd=context.cwd,
            size_cap=self._settings.capture_size_cap,
            critical=self._critical,
        )
        subject = ReviewSubject(
            host=host, user=context.user, command=step.command, cwd=context.cwd, target_checksums=capture.checksums
        )
        return capture, subject

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
        capture: CapturePlan | None = None
        if prepared is not None:
            step = prepared.step
            approval = self._gate.grant(prepared.subject, step.tier, now=self._clock(), decided_by="operator")
            try:
                capture, current = await self._current(host, transport, prepared, expected)
            except HostPathError as error:
                return Ran(refused=str(error))
            try:
                self._gate.consume(approval, current, now=self._clock())
            except ApprovalRefused as error:
                return Ran(refused=str(error), drifted=True)
            if capture.captures_anything:
                try:
                    snapshot = await take_capture(
                        capture,
                        transport,
                        self._blobs,
                        size_cap=self._settings.capture_size_cap,
                        states=capture.path_states,
                    )
                except CaptureError as error:
                    return Ran(refused=str(error))
        result = await self.execute(transport, action, step)
        key = None
        if snapshot is not None and capture is not None:
            key, after = await self.keep_rollback_point(
                host, transport, action_id=action.id, step=step, snapshot=snapshot, capture=capture
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

    async def _current(
        self, host: str, transport: Transport, prepared: Prepared, expected: Mapping[str, str] | None
    ) -> tuple[CapturePlan, ReviewSubject]:
        """The footprint worked out again now, and the subject it gives: globs expanded and symlinks resolved
        afresh, so a match that appeared or went, or a path that now leads elsewhere, is drift. Inside a plan,
        paths an earlier step changed are compared with what that step left behind, not with the state at review
        time. The capture reuses the states (the targets are not hashed a second time)."""
        capture, subject = await self._footprint(host, transport, prepared.step)
        if not expected:
            return capture, subject
        reviewed = prepared.subject.target_checksums
        now = dict(subject.target_checksums)
        for path, checksum in list(now.items()):
            if path in reviewed and expected.get(path) == checksum:
                now[path] = reviewed[path]
        return capture, replace(subject, target_checksums=now)

    async def keep_rollback_point(
        self,
        host: str,
        transport: Transport,
        *,
        action_id: int | None,
        step: PlanStep,
        snapshot: Snapshot,
        capture: CapturePlan,
        after: dict[str, PathState] | None = None,
    ) -> tuple[str, dict[str, PathState]]:
        """Record the rollback point, with every captured target's state right after the change (to notice later
        edits); `after` when those states were just read (a rollback's verification).

        The capture is already taken and the change already made, so a host that cannot describe the targets
        now must not cost the operator the rollback key: the point is kept without those states."""
        if after is None or not all(path in after for path in capture.paths):
            after = {}
            try:
                after = await describe(transport, capture.paths) if capture.paths else {}
            except HostPathError as error:
                self._events(Notice(f"Rollback point kept, but later edits cannot be detected: {error}", "warning"))
        key = new_rollback_key()
        artifacts: dict[str, Any] = {
            **snapshot.to_json(),
            "after": {path: after[path].to_json() for path in capture.paths if path in after},
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


def raised(classification: Classification, critical: list[str]) -> Classification:
    """`classification` made DESTRUCTIVE because its paths, resolved on the host, land on critical ones."""
    reasons = tuple(f"{why} (resolved on the host)" for why in critical)
    consequence = f"Writes {critical[0].split(' on the host, ')[0]} on the host, which is critical to the system."
    return replace(
        classification,
        tier=Tier.DESTRUCTIVE,
        reasons=reasons + classification.reasons,
        consequence=consequence,
    )
