"""One command: proposal -> classification -> policy -> gate -> capture -> transport -> memory -> events.

READ runs at once, confined on its host as `read_confinement` says (with `require` on a host that cannot
confine, it is asked like a WRITE first). WRITE and DESTRUCTIVE are prepared (footprint, digest, preview),
covered by a remembered approval or put to the operator, then re-checked and captured by the step runner before
they run. An edited command is a new proposal, classified and reviewed again; targets that drifted between
review and run are asked about again, with what changed. A command run again as WRITE after a caught
classifier miss (`at_least`) is classified at least WRITE, with why as its first reason.
"""

from __future__ import annotations

from dataclasses import replace

from console.core.errors import HitlError, HostLocked
from console.core.events import Notice
from console.core.outcome import Outcome, Source, Status, Verdict
from console.core.plan import PlanStep
from console.core.session.host_lock import held_elsewhere, holding, purpose
from console.core.session.journal import Action, ran_status, unapproved_status, verdict_of
from console.core.session.parts import SessionParts
from console.core.session.read_policy import asked_as_write
from console.core.tiers import Tier
from console.core.transport.base import RunResult, Transport
from console.core.views import HostInfo


class CommandFlow:
    def __init__(self, parts: SessionParts) -> None:
        self.parts = parts

    async def run(
        self, host: str, command: str, *, purpose: str, source: Source, at_least: str | None = None
    ) -> Outcome:
        """`at_least`: run it as at least WRITE, for this reason."""
        parts = self.parts
        info = parts.hosts.info(host)
        classification = parts.classify(command)
        if at_least is not None:
            classification = asked_as_write(classification, at_least)
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
            mode = await parts.reads.mode(info.name, transport)
            if mode.ask:
                asked = replace(step, classification=asked_as_write(classification, mode.ask))
                return await self._gated(info, transport, asked, action, source, warnings=(mode.ask,))
            parts.journal.decide(action, Verdict.AUTO, "classifier")
            result = (await parts.runner.run(transport, action, step)).result
            assert result is not None  # nothing to re-check or capture, so a READ always runs
            return self._closed_read(action, result)
        return await self._gated(info, transport, step, action, source)

    def _closed_read(self, action: Action, result: RunResult) -> Outcome:
        """Close a READ that ran; a caught classifier miss is said, with the offer to run it again as WRITE."""
        report = result.confinement
        if report is None or not report.tried_to_change:
            return self.parts.journal.close(action, ran_status(result), result=result)
        outcome = self.parts.journal.close(action, Status.FAILED, result=result)
        self.parts.events(
            Notice(
                f"Classifier miss on {action.host}: `{action.command}` ran as READ and tried to change "
                f"{len(outcome.attempted)} thing(s); nothing persisted. It can be run again as WRITE, through the "
                "approval.",
                "warning",
            )
        )
        return outcome

    async def _gated(
        self,
        info: HostInfo,
        transport: Transport,
        step: PlanStep,
        action: Action,
        source: Source,
        *,
        warnings: tuple[str, ...] = (),
    ) -> Outcome:
        """`warnings` are shown in the dialog; while there are any, no remembered approval answers for the
        operator."""
        parts = self.parts
        journal, desk, runner = parts.journal, parts.desk, parts.runner
        asked_because = warnings
        while True:
            prepared = await runner.prepare(info.name, transport, step)
            if prepared.step.classification != step.classification:  # its resolved paths call for a higher tier
                journal.reclassify(action, prepared.step.classification)
            step = prepared.step
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
                verdict = verdict_of(decision)
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
                        action, unapproved_status(verdict), reason=decision.reason, no_rollback=review.no_rollback
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
                warnings = (*asked_because, f"Asked again: {ran.refused}")
                parts.events(Notice(f"{ran.refused}; asking again", "warning"))
                continue
            if ran.result is None:
                return journal.close(action, Status.REFUSED, reason=ran.refused)
            status = ran_status(ran.result)
            return journal.close(
                action, status, result=ran.result, rollback_key=ran.rollback_key, no_rollback=review.no_rollback
            )
