"""The model's tools, carried out by the session: `ToolExecutor` over `Session` and the memory store.

Everything the model sees passes through `redact` first: command output, recalled notes, rollback listings.
The model gets the tier the classifier chose and the operator's decision; it has no way to set either.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

from console.core.agent.base import ToolResult
from console.core.agent.tools import format_command_result, untrusted
from console.core.errors import HitlError
from console.core.redact import redact
from console.core.session import Outcome, PlanOutcome, Session
from console.core.transport.base import RunResult


def _output(result: RunResult) -> str:
    return redact(result.stdout + (("\n[stderr]\n" + result.stderr) if result.stderr else ""))


def _outcome_text(outcome: Outcome) -> str:
    result = outcome.result
    output = None
    note = None
    if result is not None:
        output = _output(result)
        if result.error:
            note = f"ended: {result.ended.value}: {redact(result.error)}"
    if outcome.no_rollback and not outcome.rollback_key:
        note = ((note + "\n") if note else "") + f"NO ROLLBACK: {outcome.no_rollback}"
    if outcome.edited_from:
        note = ((note + "\n") if note else "") + f"the operator edited your command from: {outcome.edited_from}"
    return format_command_result(
        tier=outcome.classification.tier,
        decision=outcome.decision,
        exit_status=result.exit_status if result else None,
        output=output,
        rollback_key=outcome.rollback_key,
        reason=redact(outcome.reason) if outcome.reason else None,
        note=note,
    )


def _plan_text(outcome: PlanOutcome) -> str:
    lines = [f"plan: {outcome.plan.title} on {outcome.plan.host}", f"decision: {outcome.decision}"]
    if outcome.reason:
        lines.append(f"operator's reason: {redact(outcome.reason)}")
    for step in outcome.plan.steps:
        lines.append(f"\nstep {step.index} [{step.tier.name}] {step.status.value}: {step.command}")
        if step.note:
            lines.append(f"note: {redact(step.note)}")
        if step.result is not None:
            lines.append(f"exit status: {step.result.exit_status}")
            if step.rollback_key:
                lines.append(f"rollback key: {step.rollback_key}")
            lines.append(untrusted(_output(step.result)))
    return "\n".join(lines)


class SessionTools:
    """Implements `console.core.agent.base.ToolExecutor`."""

    def __init__(self, session: Session) -> None:
        self.session = session

    async def call_tool(self, name: str, arguments: Mapping[str, Any]) -> ToolResult:
        try:
            return await self._call(name, arguments)
        except HitlError as error:
            return ToolResult(redact(str(error)), is_error=True)

    async def _call(self, name: str, arguments: Mapping[str, Any]) -> ToolResult:
        session = self.session
        memory = session.memory
        match name:
            case "run_command":
                outcome = await session.run_command(
                    arguments["host"], arguments["command"], purpose=arguments.get("purpose", ""), source="model"
                )
                return ToolResult(_outcome_text(outcome), is_error=outcome.result is None)
            case "propose_plan":
                steps = [(s["command"], s.get("purpose", "")) for s in arguments["steps"]]
                plan = await session.run_plan(arguments["title"], arguments["host"], steps, source="model")
                return ToolResult(_plan_text(plan), is_error=plan.decision in {"rejected", "refused"})
            case "remember":
                tags: Sequence[str] = arguments.get("tags") or ()
                note_id = memory.add_note(
                    redact(arguments["text"]), host=arguments.get("host"), tags=tags, author="model"
                )
                return ToolResult(f"remembered as note {note_id}")
            case "recall":
                hits = memory.recall(
                    arguments["query"], host=arguments.get("host"), limit=int(arguments.get("limit") or 10)
                )
                if not hits:
                    return ToolResult("nothing found")
                return ToolResult("\n".join(f"- [{h.kind} {h.id}] {redact(h.text)} ({redact(h.detail)})" for h in hits))
            case "list_hosts":
                lines = []
                for host in session.hosts.names():
                    info = session.hosts.info(host)
                    labels = ", ".join(info.labels) or "-"
                    policy = f" policy={info.policy}" if info.policy else ""
                    current = " (current)" if host == session.current_host else ""
                    lines.append(f"{host} labels={labels}{policy}{current}")
                return ToolResult("\n".join(lines))
            case "list_rollbacks":
                now = time.time()
                points = [
                    p
                    for p in memory.rollback_points(host=arguments.get("host"), include_expired=False)
                    if p.status == "live" and p.expires > now
                ]
                if not points:
                    return ToolResult("no rollback points can be restored")
                return ToolResult(
                    "\n".join(
                        f"{p.key} host={p.host} tier={p.tier} expires_in={int(p.expires - now)}s "
                        f"command: {redact(p.command)}"
                        for p in points
                    )
                )
            case "request_rollback":
                outcomes = await session.rollback(
                    [arguments["key"]], reason=arguments.get("reason", ""), source="model"
                )
                last = outcomes[-1]
                return ToolResult(_outcome_text(last), is_error=not last.ok)
        return ToolResult(f"unknown tool {name!r}", is_error=True)
