"""A plan: its head READ steps run at once, the rest is approved once as a whole, then run in order, stopping at
the first failure (or before the next step when the operator aborts).

Every step is an action in the journal from the start, and every one is closed by the end: run, refused,
rejected with the plan, or skipped after a failure or an abort. The plan pane follows `PlanChanged` events.

Steps after the approval are prepared (footprint, digest) before the operator is asked, since the dialog shows
them. Right before each runs it is prepared again — re-resolved and re-classified against the state the earlier
steps left (step 1 `ln -sf /etc/shadow link` reroutes step 2 `cp new link`): a higher tier, paths the approval
did not cover, parts that can no longer be captured, or targets changed by someone else stop the plan before
that step and ask again, with what changed (`_again`). A target an earlier step changed is compared with what
that step left (`expected`), so a plan that edits one file twice does not stop at its second step.

READ steps run confined as `read_confinement` says. With `require` on a host that cannot confine, they are
asked like WRITE steps: none runs before the approval, and the dialog says why. A READ step that tried to
change something (a caught classifier miss) stops the plan: what it was run for did not happen.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from console.core.approval import StepReview
from console.core.errors import HitlError, HostLocked
from console.core.events import Notice, PlanChanged
from console.core.outcome import PlanOutcome, Source, Status, Verdict
from console.core.plan import Plan, PlanStep
from console.core.session.host_lock import held_elsewhere, holding, purpose
from console.core.session.journal import Action, Flow, unapproved_status, verdict_of
from console.core.session.parts import SessionParts
from console.core.session.read_policy import asked_as_write
from console.core.session.runner import Prepared
from console.core.tiers import Tier
from console.core.transport.base import Transport
from console.core.views import HostInfo, StepStatus


class PlanFlow:
    def __init__(self, parts: SessionParts) -> None:
        self.parts = parts
        self.running: set[str] = set()
        self._aborted: set[str] = set()

    def abort(self) -> None:
        """Stop the running plans before their next step. Kept per plan, so a plan started meanwhile (by the
        model, while the operator aborts) neither clears the request nor is stopped by it."""
        self._aborted |= self.running

    async def run(self, title: str, host: str, steps: Sequence[tuple[str, str]], *, source: Source) -> PlanOutcome:
        parts = self.parts
        info = parts.hosts.info(host)
        plan = Plan.build(title, info.name, [(c, p, parts.classify(c)) for c, p in steps])
        self.running.add(plan.id)
        actions = {
            step.index: parts.journal.open(
                info.name, step.command, step.classification, source, flow=Flow.PLAN, plan_id=plan.id, index=step.index
            )
            for step in plan.steps
        }
        try:
            outcome = await self._run(info, plan, actions)
        finally:
            self.running.discard(plan.id)
            self._aborted.discard(plan.id)
        for step in plan.steps:  # never reached: rejected with the plan, or skipped after a failure or an abort
            action = actions[step.index]
            if not action.closed:
                status = (
                    unapproved_status(action.verdict)
                    if action.verdict in (Verdict.REJECTED, Verdict.REFUSED)
                    else Status.SKIPPED
                )
                parts.journal.close(action, status, reason=step.note)
        return outcome

    def _changed(self, plan: Plan) -> None:
        self.parts.events(PlanChanged(plan.view()))

    async def _run(self, info: HostInfo, plan: Plan, actions: dict[int, Action]) -> PlanOutcome:
        parts = self.parts
        journal = parts.journal
        self._changed(plan)
        for step in plan.steps:
            refusal = parts.policy.refusal(info, step.command, step.tier, read_only=parts.state.read_only)
            if refusal is None and step.tier is not Tier.READ:
                refusal = held_elsewhere(parts.store, info.name)
            if refusal:
                plan.stop_after(plan.steps[0], StepStatus.REFUSED, f"step {step.index}: {refusal}")
                for s in plan.steps:
                    journal.decide(actions[s.index], Verdict.REFUSED, "policy", reason=refusal)
                    journal.close(actions[s.index], Status.REFUSED, reason=refusal)
                self._changed(plan)
                return PlanOutcome(plan, Verdict.REFUSED, reason=refusal)
        transport = await parts.hosts.transport(info.name)
        try:
            await parts.contexts.of(info.name, transport)
        except HitlError as error:
            for s in plan.steps:
                journal.close(actions[s.index], Status.REFUSED, reason=str(error))
            raise
        warnings: tuple[str, ...] = ()
        if any(step.tier is Tier.READ for step in plan.steps):
            mode = await parts.reads.mode(info.name, transport)
            if mode.ask:
                why = mode.ask
                warnings = (why,)
                plan.reclassify(lambda classification: asked_as_write(classification, why))
        outcome = PlanOutcome(plan, Verdict.AUTO)
        for step in plan.head_reads():
            if not await self._step(transport, outcome, step, actions[step.index]):
                return outcome
        if not plan.needs_approval():
            return outcome
        runner = parts.runner
        gated = [s for s in plan.after_approval() if s.tier is not Tier.READ]
        prepared = {s.index: await runner.prepare(info.name, transport, s) for s in gated}
        for s in gated:  # the tier each step's resolved paths call for, recorded when they raised it
            if prepared[s.index].step.classification != s.classification:
                s.classification = prepared[s.index].step.classification
                journal.reclassify(actions[s.index], s.classification)
        reviews = [
            runner.review(prepared[s.index])
            if s.index in prepared
            else StepReview.unprepared(s.index, s.command, s.purpose, s.classification, result=s.result)
            for s in plan.steps
        ]
        gated_actions = [actions[s.index].id for s in plan.after_approval()]
        request = parts.desk.request("plan", info, plan.title, reviews, warnings=warnings)
        answer = await parts.desk.ask(request, gated_actions)
        decision = answer.decision
        verdict = verdict_of(decision)
        for s in plan.after_approval():
            digest = prepared[s.index].subject.digest if s.index in prepared else None
            journal.decide(
                actions[s.index],
                verdict,
                decision.decided_by,
                latency=answer.latency,
                reason=decision.reason,
                digest=digest,
                approved_by=answer.approved_by,
            )
        if not decision.approved:
            plan.reject()
            self._changed(plan)
            outcome.decision, outcome.reason = verdict, decision.reason
            return outcome
        outcome.decision = Verdict.APPROVED
        try:
            with holding(parts.store, info.name, purpose("plan", plan.title)):
                await self._approved_steps(info, transport, outcome, actions, prepared)
        except HostLocked as error:
            plan.stop_after(plan.after_approval()[0], StepStatus.REFUSED, str(error))
            self._changed(plan)
            outcome.reason = str(error)
        return outcome

    async def _approved_steps(
        self,
        info: HostInfo,
        transport: Transport,
        outcome: PlanOutcome,
        actions: dict[int, Action],
        prepared: dict[int, Prepared],
    ) -> None:
        plan, expected = outcome.plan, dict[str, str]()
        for s in plan.after_approval():
            if plan.id in self._aborted:
                plan.abort()
                self._changed(plan)
                self.parts.events(Notice(f"Plan '{plan.title}' aborted before step {s.index}.", "warning"))
                break
            action = actions[s.index]
            approved = prepared.get(s.index)
            if approved is not None:
                again = await self._again(info, transport, plan, s, action=action, approved=approved, expected=expected)
                if again is None:
                    break
                approved = again
            if not await self._step(transport, outcome, s, action, prepared=approved, expected=expected):
                break

    async def _again(
        self,
        info: HostInfo,
        transport: Transport,
        plan: Plan,
        step: PlanStep,
        *,
        action: Action,
        approved: Prepared,
        expected: dict[str, str],
    ) -> Prepared | None:
        """The step prepared again right before it runs. Unchanged: the approval stands. Changed beyond what was
        approved: the plan stops here and the operator is asked about this step again; None when they decline
        (the step is recorded rejected and the plan stops)."""
        parts = self.parts
        fresh = await parts.runner.prepare(info.name, transport, step)
        changes = changed_beyond(approved, fresh, expected)
        if not changes:
            return approved
        step.classification = fresh.step.classification
        parts.journal.reclassify(action, step.classification)
        parts.events(
            Notice(
                f"Plan '{plan.title}' stopped before step {step.index}: {'; '.join(changes)}. Asking again.", "warning"
            )
        )
        title = f"{plan.title}: step {step.index} changed since the plan was approved"
        request = parts.desk.request("command", info, title, [parts.runner.review(fresh)], warnings=tuple(changes))
        answer = await parts.desk.ask(request, [action.id])
        decision = answer.decision
        verdict = verdict_of(decision)
        parts.journal.decide(
            action,
            verdict,
            decision.decided_by,
            latency=answer.latency,
            reason=decision.reason,
            digest=fresh.subject.digest,
            approved_by=answer.approved_by,
        )
        if decision.approved:
            return fresh
        why = f"changed since the plan was approved ({'; '.join(changes)}), and not approved again"
        plan.stop_after(step, StepStatus.REFUSED, why)
        parts.journal.close(action, unapproved_status(verdict), reason=decision.reason or why)
        self._changed(plan)
        return None

    async def _step(
        self,
        transport: Transport,
        outcome: PlanOutcome,
        step: PlanStep,
        action: Action,
        *,
        prepared: Prepared | None = None,
        expected: dict[str, str] | None = None,
    ) -> bool:
        """Run one step of the plan; False when the plan must stop."""
        parts, plan = self.parts, outcome.plan
        if prepared is None and action.verdict is None:
            parts.journal.decide(action, Verdict.AUTO, "classifier")
        plan.start(step)
        self._changed(plan)
        try:
            ran = await parts.runner.run(transport, action, step, prepared=prepared, expected=expected)
        except asyncio.CancelledError:  # Esc: the journal closes the actions; the plan pane must say so too
            plan.interrupt(step)
            self._changed(plan)
            raise
        plan.finish(step, ran.result, ran.rollback_key, ran.refused)
        if ran.result is None:
            closed = parts.journal.close(action, Status.REFUSED, reason=step.note)
        else:
            status = Status.DONE if step.status is StepStatus.DONE else Status.FAILED
            closed = parts.journal.close(
                action, status, result=ran.result, rollback_key=ran.rollback_key, reason=step.note
            )
        outcome.outcomes.append(closed)
        self._changed(plan)
        if closed.caught_miss:
            parts.events(
                Notice(
                    f"Classifier miss in plan '{plan.title}', step {step.index}: `{step.command}` ran as READ and "
                    "tried to change something; nothing persisted and the plan stopped. It can be run again as "
                    "WRITE, through the approval.",
                    "warning",
                )
            )
        if step.status is not StepStatus.DONE:
            done = plan.rollback_order()
            if done:
                keys = ", ".join(s.rollback_key or "" for s in done)
                parts.events(Notice(f"Plan stopped at step {step.index}. Completed steps can be rolled back: {keys}"))
            return False
        return True


def changed_beyond(approved: Prepared, fresh: Prepared, expected: dict[str, str]) -> list[str]:
    """How a step prepared again differs from the one approved, in words; a target an earlier step of the plan
    changed counts as unchanged when it is what that step left."""
    changes = []
    if fresh.step.tier > approved.step.tier:
        why = "; ".join(fresh.capture.critical) or fresh.step.classification.reasons[0]
        changes.append(f"it is now {fresh.step.tier.name}: {why}")
    before, now = approved.subject.target_checksums, fresh.subject.target_checksums
    changes += [f"it would now also touch {path}" for path in sorted(set(now) - set(before))]
    changes += [f"it would no longer touch {path}" for path in sorted(set(before) - set(now))]
    changes += [
        f"{path} changed since the plan was approved, and not by an earlier step"
        for path in sorted(set(before) & set(now))
        if before[path] != now[path] and expected.get(path) != now[path]
    ]
    changes += [
        f"now NO ROLLBACK: {line}" for line in fresh.capture.no_rollback if line not in approved.capture.no_rollback
    ]
    return changes
