"""The session core: proposal -> classification -> policy -> gate -> capture -> transport -> memory.

UI-agnostic: the TUI and the CLI both drive a `Session`, answering its `ApprovalRequest`s through the
`Approver` port and rendering its events. Every rule that keeps the operator safe lives here, not in key
bindings: read-only mode and deny rules refuse in core; READ runs at once; WRITE and DESTRUCTIVE wait for a
decision that the session checks itself (typed challenge, dwell); an approval is bound to the digest of what
was reviewed and re-checked right before running; a capture is taken first or the command does not run.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from console.core.approval import (
    ApprovalRequest,
    Approver,
    Decision,
    EventSink,
    Notice,
    OutputLines,
    PlanChanged,
    RequestKind,
    StepFinished,
    StepReview,
    StepStarted,
)
from console.core.capture.blobs import BlobStore
from console.core.capture.engine import (
    CaptureError,
    CapturePlan,
    Snapshot,
    changed_since,
    plan_capture,
    plan_from_snapshot,
    restore_snapshot,
    snapshot_diff,
    take_capture,
)
from console.core.capture.paths import HostPathError, PathState, describe
from console.core.capture.preview import preview_change
from console.core.classify import RuleSet, classify
from console.core.classify.model import Classification
from console.core.config import Settings
from console.core.errors import HostUnreachable, SessionError
from console.core.gate import ApprovalRefused, ApprovalStats, Gate, ReviewSubject, challenge_for, verify_challenges
from console.core.memory.store import MemoryStore
from console.core.plan import Plan, PlanStep, StepStatus
from console.core.remembered import RememberedApprovals, RememberError
from console.core.rollback import new_rollback_key, restorable_points, rollback_classification
from console.core.tiers import Tier
from console.core.transport.base import Ended, RunResult, Stream, Transport


@dataclass(frozen=True, slots=True)
class HostInfo:
    name: str
    labels: tuple[str, ...] = ()
    policy: str | None = None

    @property
    def read_only(self) -> bool:
        return self.policy == "read-only"


class Hosts(Protocol):
    """How the session reaches hosts (the inventory plus connected transports)."""

    def info(self, name: str) -> HostInfo:
        """Raises `SessionError` for an unknown host."""
        ...

    def names(self) -> list[str]: ...

    async def transport(self, name: str) -> Transport: ...


@dataclass(frozen=True, slots=True)
class Outcome:
    """What became of one command: the agent turns it into the model's tool result."""

    host: str
    command: str
    classification: Classification
    decision: str
    """auto (READ), approved, remembered, rejected or refused."""
    reason: str | None = None
    result: RunResult | None = None
    rollback_key: str | None = None
    no_rollback: str | None = None
    edited_from: str | None = None

    @property
    def ran(self) -> bool:
        return self.result is not None

    @property
    def ok(self) -> bool:
        return self.result is not None and self.result.ok


@dataclass
class PlanOutcome:
    plan: Plan
    decision: str
    reason: str | None = None
    outcomes: list[Outcome] = field(default_factory=list)


@dataclass
class _HostContext:
    user: str
    cwd: str


@dataclass(frozen=True, slots=True)
class _Ran:
    """What `_execute` did: ran (result, rollback key) or did not run (why, and whether the targets drifted)."""

    result: RunResult | None = None
    rollback_key: str | None = None
    refused: str | None = None
    drifted: bool = False


@dataclass
class _Prepared:
    """A non-READ step made ready for review: its capture plan and the subject the approval binds to."""

    step: PlanStep
    capture: CapturePlan
    subject: ReviewSubject
    preview: str | None


class Session:
    def __init__(
        self,
        *,
        settings: Settings,
        hosts: Hosts,
        memory: MemoryStore,
        blobs: BlobStore,
        approver: Approver,
        remembered: RememberedApprovals,
        events: EventSink | None = None,
        mode: str = "manual",
        rules: RuleSet | None = None,
        clock: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = settings
        self.hosts = hosts
        self.memory = memory
        self.blobs = blobs
        self.approver = approver
        self.remembered = remembered
        self.events: EventSink = events or (lambda _event: None)
        self.clock = clock
        self.monotonic = monotonic
        self.rules = rules
        self.gate = Gate(settings.approval_ttl)
        self.stats = ApprovalStats()
        self.read_only = settings.read_only
        self.current_host = "local"
        self.session_id = memory.start_session(host=self.current_host, mode=mode)
        self._contexts: dict[str, _HostContext] = {}
        self._running_plans: set[str] = set()
        self._aborted_plans: set[str] = set()
        self._deny = [re.compile(pattern) for pattern in settings.deny]

    # --- policy ------------------------------------------------------------------------------------------

    def refusal(self, host: HostInfo, command: str, tier: Tier) -> str | None:
        """Why policy refuses `command` on `host` without asking anybody, or None."""
        for pattern in self._deny:
            if pattern.search(command):
                return f"refused by the deny rule {pattern.pattern!r} in the configuration"
        if tier is Tier.READ:
            return None
        if self.read_only:
            return f"hitl is in read-only mode: {tier.name} commands are refused"
        if host.read_only:
            return f"host {host.name} has policy read-only: {tier.name} commands are refused"
        return None

    def set_read_only(self, value: bool) -> None:
        self.read_only = value
        self.memory.append_audit("read-only", {"enabled": value})

    def set_host(self, name: str) -> HostInfo:
        info = self.hosts.info(name)
        self.current_host = info.name
        return info

    @property
    def plan_running(self) -> bool:
        return bool(self._running_plans)

    def abort_plan(self) -> None:
        """Stop the running plans before their next step. Kept per plan, so a plan started meanwhile (by the
        model, while the operator aborts) neither clears the request nor is stopped by it."""
        self._aborted_plans |= self._running_plans

    # --- helpers -----------------------------------------------------------------------------------------

    def classify(self, command: str) -> Classification:
        return classify(command, rules=self.rules, unknown_tier=self.settings.unknown_command_tier)

    async def _context(self, host: str, transport: Transport) -> _HostContext:
        if host not in self._contexts:
            result = await transport.run('id -un; printf "%s\\n" "$PWD"', timeout=30)
            if result.ended in (Ended.NOT_STARTED, Ended.CONNECTION_LOST):
                raise HostUnreachable(f"cannot start on {host}: {result.error or result.ended.value}")
            if not result.ok:
                raise SessionError(f"cannot start on {host}: {result.error or result.stderr.strip()}")
            user, _, cwd = result.stdout.partition("\n")
            self._contexts[host] = _HostContext(user=user.strip(), cwd=cwd.strip() or "/")
        return self._contexts[host]

    async def _prepare(self, host: str, transport: Transport, step: PlanStep) -> _Prepared:
        context = await self._context(host, transport)
        capture = await plan_capture(
            step.classification, transport, cwd=context.cwd, size_cap=self.settings.capture_size_cap
        )
        subject = ReviewSubject(
            host=host, user=context.user, command=step.command, cwd=context.cwd, target_checksums=capture.checksums
        )
        preview = await preview_change(step.command, step.classification, transport, cwd=context.cwd)
        return _Prepared(step=step, capture=capture, subject=subject, preview=preview)

    def _review(self, prepared: _Prepared) -> StepReview:
        step = prepared.step
        challenge = None
        if step.tier is Tier.DESTRUCTIVE:
            challenge = challenge_for(prepared.subject.host, prepared.subject.digest)
        no_rollback = " ".join(prepared.capture.no_rollback) or None
        return StepReview(
            index=step.index,
            command=step.command,
            purpose=step.purpose,
            classification=step.classification,
            capture_lines=tuple(prepared.capture.describe()),
            no_rollback=no_rollback,
            digest=prepared.subject.digest,
            challenge=challenge,
            preview=prepared.preview,
        )

    async def _ask(self, request: ApprovalRequest) -> tuple[Decision, float]:
        started = self.monotonic()
        decision = await self.approver.review(request)
        latency = self.monotonic() - started
        if decision.approved:
            verify_challenges(request.challenges, decision.typed_challenges)
            if request.challenges and latency < self.settings.destructive_dwell:
                raise ApprovalRefused("the confirmation came before the DESTRUCTIVE dwell had passed")
            if request.requires_force and not decision.force:
                raise ApprovalRefused("the targets changed since the capture and overwriting them was not chosen")
        self.stats.record(approved=decision.approved, latency=latency)
        return decision, latency

    async def _decision_for(self, request: ApprovalRequest) -> tuple[Decision, float]:
        """The operator's decision, or a rejection saying why the core refused the one given."""
        try:
            return await self._ask(request)
        except ApprovalRefused as error:
            self.events(Notice(str(error), "error"))
            return Decision.reject(str(error)), 0.0

    def _request(
        self, kind: RequestKind, info: HostInfo, title: str, steps: Sequence[StepReview], **extra: Any
    ) -> ApprovalRequest:
        return ApprovalRequest(
            kind=kind,
            host=info.name,
            host_labels=info.labels,
            title=title,
            steps=tuple(steps),
            write_key_delay=self.settings.write_key_delay,
            destructive_dwell=self.settings.destructive_dwell,
            **extra,
        )

    def _propose(self, host: str, command: str, classification: Classification, source: str) -> int:
        return self.memory.record_proposal(
            session_id=self.session_id,
            host=host,
            command=command,
            tier=classification.tier.name,
            reasons=classification.reasons,
            source=source,
        )

    def _decided(
        self,
        action_id: int,
        decision: str,
        by: str,
        *,
        latency: float | None = None,
        reason: str | None = None,
        digest: str | None = None,
    ) -> None:
        self.memory.record_decision(
            action_id, decision=decision, decided_by=by, latency=latency, reason=reason, digest=digest
        )

    async def _run(
        self, host: str, transport: Transport, command: str, tier: Tier, *, plan_id: str | None, index: int | None
    ) -> RunResult:
        self.events(StepStarted(host=host, command=command, tier=tier, plan_id=plan_id, index=index))
        context = await self._context(host, transport)

        def forward(stream: Stream, line: str) -> None:
            self.events(OutputLines(host=host, stream=stream, lines=(line,)))

        return await transport.run(command, timeout=self.settings.command_timeout, cwd=context.cwd, on_output=forward)

    def _finish(
        self,
        action_id: int,
        host: str,
        step: PlanStep,
        result: RunResult | None,
        status: str,
        *,
        rollback_key: str | None = None,
        note: str | None = None,
        plan_id: str | None = None,
    ) -> None:
        if result is not None:
            self.memory.record_finish(
                action_id,
                exit_status=result.exit_status,
                ended=result.ended.value,
                output=result.stdout + result.stderr,
                rollback_key=rollback_key,
            )
        self.events(
            StepFinished(
                host=host,
                command=step.command,
                tier=step.tier,
                status=status,
                result=result,
                rollback_key=rollback_key,
                note=note,
                plan_id=plan_id,
                index=step.index if plan_id else None,
            )
        )

    def _not_run(self, action_id: int, host: str, step: PlanStep, why: str, *, plan_id: str | None = None) -> None:
        """An action that was decided (or never got that far) and then could not run: closed as not started,
        with the reason, so it neither reads "decided" forever nor is marked abandoned by the next start."""
        self.memory.record_finish(
            action_id, exit_status=None, ended=Ended.NOT_STARTED.value, output=why, rollback_key=None
        )
        self._finish(action_id, host, step, None, "refused", note=why, plan_id=plan_id)

    async def _start(self, host: str, transport: Transport, steps: Mapping[int, PlanStep]) -> None:
        """Learn the login user and working directory before anything else, so a host that cannot be reached
        is one clear `SessionError`, with the proposed actions closed, rather than a failure half-way."""
        try:
            await self._context(host, transport)
        except SessionError as error:
            for action_id, step in steps.items():
                self._not_run(action_id, host, step, str(error))
            raise

    async def _execute(
        self,
        host: str,
        transport: Transport,
        prepared: _Prepared | None,
        step: PlanStep,
        action_id: int,
        *,
        expected: dict[str, str] | None = None,
        plan_id: str | None = None,
        approval_subject: ReviewSubject | None = None,
    ) -> _Ran:
        """Re-check, capture, run, record."""
        snapshot: Snapshot | None = None
        if prepared is not None and approval_subject is not None:
            approval = self.gate.grant(approval_subject, step.tier, now=self.clock(), decided_by="operator")
            try:
                current, states = await self._current_subject(host, transport, prepared, expected)
            except HostPathError as error:
                return _Ran(refused=str(error))
            try:
                self.gate.consume(approval, current, now=self.clock())
            except ApprovalRefused as error:
                return _Ran(refused=str(error), drifted=True)
            if prepared.capture.captures_anything:
                try:
                    snapshot = await take_capture(
                        prepared.capture,
                        transport,
                        self.blobs,
                        size_cap=self.settings.capture_size_cap,
                        states=states,
                    )
                except CaptureError as error:
                    return _Ran(refused=str(error))
        self.memory.record_start(action_id)
        result = await self._run(host, transport, step.command, step.tier, plan_id=plan_id, index=step.index)
        key = None
        if snapshot is not None and prepared is not None:
            key, after = await self._store_rollback(
                host, transport, action_id=action_id, step=step, snapshot=snapshot, capture=prepared.capture
            )
            if expected is not None:
                expected.update({path: state.checksum for path, state in after.items()})
        return _Ran(result=result, rollback_key=key)

    async def _current_subject(
        self, host: str, transport: Transport, prepared: _Prepared, expected: Mapping[str, str] | None
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
        context = await self._context(host, transport)
        subject = ReviewSubject(
            host=host, user=context.user, command=prepared.step.command, cwd=context.cwd, target_checksums=now
        )
        return subject, states

    async def _store_rollback(
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
                self.events(Notice(f"Rollback point kept, but later edits cannot be detected: {error}", "warning"))
        key = new_rollback_key()
        artifacts: dict[str, Any] = {
            **snapshot.to_json(),
            "after": {path: state.to_json() for path, state in after.items()},
        }
        self.memory.add_rollback_point(
            key=key,
            host=host,
            action_id=action_id,
            command=step.command,
            tier=step.tier.name,
            strategies=sorted({item["strategy"] for item in snapshot.items}),
            artifacts=artifacts,
            expires_at=self.clock() + self.settings.rollback_ttl,
        )
        return key, after

    # --- one command -------------------------------------------------------------------------------------

    async def run_command(self, host: str, command: str, *, purpose: str = "", source: str = "operator") -> Outcome:
        """Classify, gate, capture, run and record one command."""
        info = self.hosts.info(host)
        classification = self.classify(command)
        step = PlanStep(index=1, command=command, purpose=purpose, classification=classification)
        action_id = self._propose(info.name, command, classification, source)
        refusal = self.refusal(info, command, classification.tier)
        if refusal:
            self._decided(action_id, "refused", "policy", reason=refusal)
            self._finish(action_id, info.name, step, None, "refused", note=refusal)
            return Outcome(info.name, command, classification, "refused", reason=refusal)
        transport = await self.hosts.transport(info.name)
        await self._start(info.name, transport, {action_id: step})
        if classification.tier is Tier.READ:
            self._decided(action_id, "auto", "classifier")
            result = (await self._execute(info.name, transport, None, step, action_id)).result
            assert result is not None
            self._finish(action_id, info.name, step, result, "done" if result.ok else "failed")
            return Outcome(info.name, command, classification, "auto", result=result)
        return await self._gated_command(info, transport, step, action_id, source)

    async def _gated_command(
        self, info: HostInfo, transport: Transport, step: PlanStep, action_id: int, source: str
    ) -> Outcome:
        warnings: tuple[str, ...] = ()
        while True:
            prepared = await self._prepare(info.name, transport, step)
            review = self._review(prepared)
            no_rollback = review.no_rollback
            rule = self.remembered.covering(
                step.command, step.tier, host=info.name, labels=info.labels, now=self.clock()
            )
            if rule is not None and not warnings:
                decision, latency, decided_by = Decision(approved=True), 0.0, f"remembered {rule.id}"
            else:
                request = self._request("command", info, step.purpose or step.command, [review], warnings=warnings)
                decision, latency = await self._decision_for(request)
                decided_by = decision.decided_by
            if decision.edited_command is not None and decision.edited_command != step.command:
                edited = f"edited to: {decision.edited_command}"
                self._decided(action_id, "rejected", decided_by, latency=latency, reason=edited, digest=review.digest)
                outcome = await self.run_command(
                    info.name, decision.edited_command, purpose=step.purpose, source=source
                )
                return replace(outcome, edited_from=step.command)
            verdict = "approved" if decision.approved else "rejected"
            self._decided(action_id, verdict, decided_by, latency=latency, reason=decision.reason, digest=review.digest)
            if not decision.approved:
                self._finish(action_id, info.name, step, None, "rejected", note=decision.reason)
                return Outcome(
                    info.name,
                    step.command,
                    step.classification,
                    "rejected",
                    reason=decision.reason,
                    no_rollback=no_rollback,
                )
            if decision.remember is not None:
                self._remember(info, step, decision)
            ran = await self._execute(
                info.name, transport, prepared, step, action_id, approval_subject=prepared.subject
            )
            result, key, why = ran.result, ran.rollback_key, ran.refused
            if ran.drifted:
                warnings = (f"Asked again: {why}",)
                self.events(Notice(f"{why}; asking again", "warning"))
                continue
            if result is None:
                self._not_run(action_id, info.name, step, why or "refused")
                return Outcome(info.name, step.command, step.classification, "refused", reason=why)
            self._finish(action_id, info.name, step, result, "done" if result.ok else "failed", rollback_key=key)
            return Outcome(
                info.name,
                step.command,
                step.classification,
                "remembered" if decided_by.startswith("remembered") else "approved",
                result=result,
                rollback_key=key,
                no_rollback=no_rollback,
            )

    def _remember(self, info: HostInfo, step: PlanStep, decision: Decision) -> None:
        choice = decision.remember
        assert choice is not None
        try:
            rule = self.remembered.add(
                step.command,
                step.tier,
                scope=choice.scope,
                lifetime=choice.lifetime,
                now=self.clock(),
                host=None if choice.label else info.name,
                label=choice.label,
            )
        except RememberError as error:
            self.events(Notice(f"Not remembered: {error}", "warning"))
            return
        self.memory.append_audit("remembered-approval", {"rule": rule.describe()})
        self.events(Notice(f"Remembered: {rule.describe()}"))

    # --- plans -------------------------------------------------------------------------------------------

    async def run_plan(
        self, title: str, host: str, steps: Sequence[tuple[str, str]], *, source: str = "operator"
    ) -> PlanOutcome:
        """Run the head READ steps, ask once for the rest, then run them in order, stopping at a failure."""
        info = self.hosts.info(host)
        plan = Plan.build(title, info.name, [(c, p, self.classify(c)) for c, p in steps])
        self._running_plans.add(plan.id)
        try:
            return await self._run_plan(info, plan)
        finally:
            self._running_plans.discard(plan.id)
            self._aborted_plans.discard(plan.id)

    async def _run_plan(self, info: HostInfo, plan: Plan) -> PlanOutcome:
        title = plan.title
        actions = {
            step.index: self._propose(info.name, step.command, step.classification, f"plan:{plan.id}")
            for step in plan.steps
        }
        self.events(PlanChanged(plan.to_json()))
        for step in plan.steps:
            refusal = self.refusal(info, step.command, step.tier)
            if refusal:
                for s in plan.steps:
                    self._decided(actions[s.index], "refused", "policy", reason=refusal)
                plan.stop_after(plan.steps[0], StepStatus.REFUSED, f"step {step.index}: {refusal}")
                self.events(PlanChanged(plan.to_json()))
                return PlanOutcome(plan, "refused", reason=refusal)
        transport = await self.hosts.transport(info.name)
        await self._start(info.name, transport, {actions[s.index]: s for s in plan.steps})
        outcome = PlanOutcome(plan, "auto")
        for step in plan.head_reads():
            if not await self._plan_step(
                info, transport, step, action_id=actions[step.index], prepared=None, expected=None, outcome=outcome
            ):
                return outcome
        if not plan.needs_approval():
            return outcome
        prepared = {
            s.index: await self._prepare(info.name, transport, s)
            for s in plan.after_approval()
            if s.tier is not Tier.READ
        }
        reviews = [
            self._review(prepared[s.index])
            if s.index in prepared
            else StepReview.unprepared(s.index, s.command, s.purpose, s.classification, result=s.result)
            for s in plan.steps
        ]
        decision, latency = await self._decision_for(self._request("plan", info, title, reviews))
        verdict = "approved" if decision.approved else "rejected"
        for s in plan.after_approval():
            digest = prepared[s.index].subject.digest if s.index in prepared else None
            self._decided(
                actions[s.index], verdict, decision.decided_by, latency=latency, reason=decision.reason, digest=digest
            )
        if not decision.approved:
            for s in plan.after_approval():
                s.status, s.note = StepStatus.SKIPPED, "not run: the plan was rejected"
            self.events(PlanChanged(plan.to_json()))
            outcome.decision, outcome.reason = "rejected", decision.reason
            return outcome
        outcome.decision = "approved"
        expected: dict[str, str] = {}
        for s in plan.after_approval():
            if plan.id in self._aborted_plans:
                plan.abort()
                self.events(PlanChanged(plan.to_json()))
                self.events(Notice(f"Plan '{title}' aborted before step {s.index}.", "warning"))
                break
            if not await self._plan_step(
                info,
                transport,
                s,
                action_id=actions[s.index],
                prepared=prepared.get(s.index),
                expected=expected,
                outcome=outcome,
            ):
                break
        return outcome

    async def _plan_step(
        self,
        info: HostInfo,
        transport: Transport,
        step: PlanStep,
        *,
        action_id: int,
        prepared: _Prepared | None,
        expected: dict[str, str] | None,
        outcome: PlanOutcome,
    ) -> bool:
        """Run one step of a plan; False when the plan must stop."""
        plan = outcome.plan
        if prepared is None:
            self._decided(action_id, "auto", "classifier")
        step.status = StepStatus.RUNNING
        self.events(PlanChanged(plan.to_json()))
        ran = await self._execute(
            info.name,
            transport,
            prepared,
            step,
            action_id,
            expected=expected,
            plan_id=plan.id,
            approval_subject=prepared.subject if prepared else None,
        )
        result, key, why = ran.result, ran.rollback_key, ran.refused
        step.result, step.rollback_key = result, key
        outcome.outcomes.append(
            Outcome(
                info.name,
                step.command,
                step.classification,
                "approved" if prepared else "auto",
                reason=why,
                result=result,
                rollback_key=key,
            )
        )
        if result is None:
            plan.stop_after(step, StepStatus.REFUSED, why or "refused")
            self._not_run(action_id, info.name, step, why or "refused", plan_id=plan.id)
        elif not result.ok:
            reason = f"exit status {result.exit_status}" if result.ended is Ended.EXITED else result.ended.value
            plan.stop_after(step, StepStatus.FAILED, reason)
            self._finish(action_id, info.name, step, result, "failed", rollback_key=key, plan_id=plan.id)
        else:
            step.status = StepStatus.DONE
            self._finish(action_id, info.name, step, result, "done", rollback_key=key, plan_id=plan.id)
        self.events(PlanChanged(plan.to_json()))
        if step.status is not StepStatus.DONE:
            done = plan.rollback_order()
            if done:
                keys = ", ".join(s.rollback_key or "" for s in done)
                self.events(Notice(f"Plan stopped at step {step.index}. Completed steps can be rolled back: {keys}"))
            return False
        return True

    # --- rollback ----------------------------------------------------------------------------------------

    async def rollback(self, keys: Sequence[str], *, reason: str = "", source: str = "operator") -> list[Outcome]:
        """Roll back the given points (in the order given) after one approval showing the diff."""
        points = restorable_points(self.memory, keys, self.clock())
        info = self.hosts.info(points[0].host)
        refusal = self.refusal(info, "hitl rollback", Tier.WRITE)
        if refusal:
            raise SessionError(refusal)
        transport = await self.hosts.transport(info.name)
        snapshots = [Snapshot.from_json(p.artifacts) for p in points]
        classification = rollback_classification(points, snapshots)
        description = classification.command
        targets = sorted({path for snapshot in snapshots for path in snapshot.paths})
        reviewed, now = await self._rollback_subject(info.name, transport, description, targets)
        diffs, warnings = [], []
        for point, snapshot in zip(points, snapshots, strict=True):
            try:
                diffs.append(
                    f"== {point.key}: {point.command}\n" + await snapshot_diff(snapshot, transport, self.blobs, now)
                )
            except CaptureError as error:
                raise SessionError(str(error)) from None
            after = {p: PathState.from_json(s) for p, s in point.artifacts.get("after", {}).items()}
            try:
                drifted = await changed_since(after, transport, now)
            except HostPathError as error:
                raise SessionError(str(error)) from None
            if drifted:
                warnings.append(f"{point.key}: changed since the command ran: {', '.join(drifted)}")
        review = StepReview.unprepared(
            1,
            description,
            reason,
            classification,
            capture_lines=("the current state, first, so this rollback can be undone too",),
        )
        request = self._request(
            "rollback",
            info,
            description,
            [review],
            warnings=tuple(warnings),
            diff="\n".join(diffs),
            requires_force=bool(warnings),
        )
        action_id = self._propose(info.name, description, classification, f"rollback ({source})")
        decision, latency = await self._decision_for(request)
        verdict = "approved" if decision.approved else "rejected"
        self._decided(
            action_id, verdict, decision.decided_by, latency=latency, reason=decision.reason, digest=reviewed.digest
        )
        step = PlanStep(index=1, command=description, purpose=reason, classification=classification)
        if not decision.approved:
            self._finish(action_id, info.name, step, None, "rejected", note=decision.reason)
            return [Outcome(info.name, description, classification, "rejected", reason=decision.reason)]
        approval = self.gate.grant(reviewed, Tier.WRITE, now=self.clock(), decided_by=decision.decided_by)
        try:
            current, _states = await self._rollback_subject(info.name, transport, description, targets)
            self.gate.consume(approval, current, now=self.clock())
        except (SessionError, ApprovalRefused) as error:
            why = f"{error}; nothing was restored, roll back again to review the current state"
            self._not_run(action_id, info.name, step, why)
            return [Outcome(info.name, description, classification, "refused", reason=why)]
        self.memory.record_start(action_id)
        self.events(StepStarted(host=info.name, command=description, tier=Tier.WRITE))
        outcomes = []
        started = self.monotonic()
        for point, snapshot in zip(points, snapshots, strict=True):
            undo_capture = plan_from_snapshot(snapshot, point.command)
            failure: str | None = None
            undo_key: str | None = None
            try:
                undo = await take_capture(undo_capture, transport, self.blobs, size_cap=self.settings.capture_size_cap)
            except CaptureError as error:
                failure = f"{error}; nothing was restored"
            else:
                try:
                    await restore_snapshot(snapshot, transport, self.blobs)
                except CaptureError as error:
                    failure = str(error)
                # Stored after the restore, so its "after" states are what the rollback left (undoing the
                # rollback then sees no false drift); stored even when the restore failed half-way, since the
                # capture is the way back from the partial state.
                undo_key, _after = await self._store_rollback(
                    info.name,
                    transport,
                    action_id=action_id,
                    step=PlanStep(1, f"rollback of {point.key}", reason, classification),
                    snapshot=undo,
                    capture=undo_capture,
                )
            if failure is not None:
                if undo_key:
                    failure += f"; the state before this rollback was captured as {undo_key}"
                self.memory.set_rollback_status(point.key, "failed")
                result = RunResult(1, "", failure, self.monotonic() - started, Ended.EXITED, error=failure)
                self._finish(action_id, info.name, step, result, "failed", rollback_key=undo_key, note=failure)
                outcomes.append(
                    Outcome(info.name, description, classification, "approved", reason=failure, rollback_key=undo_key)
                )
                return outcomes
            self.memory.set_rollback_status(point.key, "rolled back")
            outcomes.append(
                Outcome(info.name, f"rollback {point.key}", classification, "approved", rollback_key=undo_key)
            )
        text = "".join(f"{p.key} restored and verified\n" for p in points)
        result = RunResult(0, text, "", self.monotonic() - started, Ended.EXITED)
        self._finish(action_id, info.name, step, result, "done", rollback_key=outcomes[-1].rollback_key)
        outcomes = [
            Outcome(o.host, o.command, o.classification, o.decision, result=result, rollback_key=o.rollback_key)
            for o in outcomes
        ]
        return outcomes

    async def _rollback_subject(
        self, host: str, transport: Transport, description: str, paths: Sequence[str]
    ) -> tuple[ReviewSubject, dict[str, PathState]]:
        """What a rollback's approval is bound to: like a command's, the restored paths as they are now, so a
        change made while the operator read the diff (a colleague, a plan running beside it) is not overwritten
        unseen. Also returns those states, which the diff and the drift check reuse."""
        context = await self._context(host, transport)
        try:
            states = await describe(transport, paths)
        except HostPathError as error:
            raise SessionError(str(error)) from None
        checksums = {path: state.checksum for path, state in states.items()}
        subject = ReviewSubject(
            host=host, user=context.user, command=description, cwd=context.cwd, target_checksums=checksums
        )
        return subject, states

    async def rollback_plan(self, plan: Plan, *, reason: str = "plan stopped") -> list[Outcome]:
        """Offered after a plan stops: undo its completed steps, last first."""
        keys = [s.rollback_key for s in plan.rollback_order() if s.rollback_key]
        if not keys:
            raise SessionError("no completed step of this plan has a rollback key")
        outcomes = await self.rollback(keys, reason=reason)
        if outcomes and outcomes[-1].ok:
            for s in plan.rollback_order():
                s.status = StepStatus.ROLLED_BACK
            self.events(PlanChanged(plan.to_json()))
        return outcomes
