"""One command: proposal -> classification -> policy -> gate -> capture -> transport -> memory -> events.

READ runs at once. WRITE and DESTRUCTIVE are prepared (footprint, digest, preview), covered by a remembered
approval or put to the operator, then re-checked and captured by the step runner before they run. An edited
command is a new proposal, classified and reviewed again; targets that drifted between review and run are
asked about again, with what changed.
"""

from __future__ import annotations

from dataclasses import replace

from console.core.errors import HitlError, HostLocked
from console.core.events import Notice
from console.core.outcome import Outcome, Source, Status, Verdict
from console.core.plan import PlanStep
from console.core.session.host_lock import held_elsewhere, holding, purpose
from console.core.session.journal import Action
from console.core.session.parts import SessionParts
from console.core.tiers import Tier
from console.core.transport.base import Transport
from console.core.views import HostInfo


class CommandFlow:
    def __init__(self, parts: SessionParts) -> None:
        self.parts = parts

    async def run(self, host: str, command: str, *, purpose: str, source: Source) -> Outcome:
        parts = self.parts
        info = parts.hosts.info(host)
        classification = parts.classify(command)
        step = PlanStep(index=1, command=command, purpose=purpose, classification=classification)
        action = parts.journal.open(info.name, command, classification, source)
        refusal = parts.policy.refusal(info, command, classification.tier, read_only=parts.state.read_only)
        if refusal is None and classification.tier is not Tier.READ:
            refusal = held_elsewhere(parts.store, info.name)
        if refusal:
            parts.journal.decide(action, Verdict.REFUSED, "policy", reason=refusal)
            return parts.journal.close(action, Status.REFUSED, reason=refusal)
        transport = await parts.hosts.transport(info.name)
        try:
            await parts.contexts.of(info.name, transport)
        except HitlError as error:
            # An unreachable host is one clear error, with the proposed action closed, not a failure half-way.
            parts.journal.close(action, Status.REFUSED, reason=str(error))
            raise
        if classification.tier is Tier.READ:
            parts.journal.decide(action, Verdict.AUTO, "classifier")
            result = (await parts.runner.run(transport, action, step)).result
            assert result is not None  # nothing to re-check or capture, so a READ always runs
            return parts.journal.close(action, Status.DONE if result.ok else Status.FAILED, result=result)
        return await self._gated(info, transport, step, action, source)

    async def _gated(
        self, info: HostInfo, transport: Transport, step: PlanStep, action: Action, source: Source
    ) -> Outcome:
        parts = self.parts
        journal, desk, runner = parts.journal, parts.desk, parts.runner
        warnings: tuple[str, ...] = ()
        while True:
            prepared = await runner.prepare(info.name, transport, step)
            review = runner.review(prepared)
            rule = desk.remembered_rule(step.command, step.tier, info)
            answer_request: int | None = None
            if rule is not None and not warnings:
                journal.decide(action, Verdict.REMEMBERED, "", latency=0.0, digest=review.digest, rule=rule.id)
            else:
                request = desk.request("command", info, step.purpose or step.command, [review], warnings=warnings)
                answer = await desk.ask(request, [action.id])
                decision = answer.decision
                if decision.edited_command is not None and decision.edited_command != step.command:
                    journal.decide(
                        action,
                        Verdict.REJECTED,
                        decision.decided_by,
                        latency=answer.latency,
                        reason=f"edited to: {decision.edited_command}",
                        digest=review.digest,
                    )
                    journal.close(action, Status.REJECTED, reason="edited by the operator")
                    edited = await self.run(info.name, decision.edited_command, purpose=step.purpose, source=source)
                    return replace(edited, edited_from=step.command)
                verdict = Verdict.APPROVED if decision.approved else Verdict.REJECTED
                journal.decide(
                    action,
                    verdict,
                    decision.decided_by,
                    latency=answer.latency,
                    reason=decision.reason,
                    digest=review.digest,
                    approved_by=answer.approved_by,
                )
                if not decision.approved:
                    return journal.close(
                        action, Status.REJECTED, reason=decision.reason, no_rollback=review.no_rollback
                    )
                if decision.remember is not None:
                    desk.remember(info, step.command, step.tier, decision.remember)
                answer_request = answer.request_id
            try:
                with holding(parts.store, info.name, purpose(step.tier.name, step.command)):
                    ran = await runner.run(transport, action, step, prepared=prepared)
            except HostLocked as error:
                return journal.close(action, Status.REFUSED, reason=str(error))
            if ran.drifted and answer_request is not None:
                desk.second.void(answer_request, f"what was reviewed changed before it ran: {ran.refused}")
            if ran.drifted:
                warnings = (f"Asked again: {ran.refused}",)
                parts.events(Notice(f"{ran.refused}; asking again", "warning"))
                continue
            if ran.result is None:
                return journal.close(action, Status.REFUSED, reason=ran.refused)
            status = Status.DONE if ran.result.ok else Status.FAILED
            return journal.close(
                action, status, result=ran.result, rollback_key=ran.rollback_key, no_rollback=review.no_rollback
            )
