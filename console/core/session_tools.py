"""The model's tools, carried out by the session: `ToolExecutor` over `Session` and the memory store.

Everything the model sees passes through `redact` first: command output, recalled notes, rollback listings.
The model gets the tier the classifier chose and the operator's decision; it has no way to set either.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

from console.core.agent.base import Report, ToolResult
from console.core.agent.tools import command_summary, format_command_result, untrusted
from console.core.errors import HitlError
from console.core.fleet.records import FleetOutcome, HostState, is_rollout_key
from console.core.fleet.targets import is_fleet
from console.core.outcome import Origin, Outcome, PlanOutcome, Source, Verdict
from console.core.redact import redact
from console.core.rollback import expires_in, restorable
from console.core.session import Session
from console.core.transport.base import RunResult


def _output(result: RunResult) -> str:
    return redact(result.stdout + (("\n[stderr]\n" + result.stderr) if result.stderr else ""))


def _command_result(outcome: Outcome, *, is_error: bool) -> ToolResult:
    """The model's text for a command or a rollback, and the same facts on one line for the operator."""
    result = outcome.result
    notes = []
    if result is not None and result.error:
        notes.append(f"ended: {result.ended.value}: {redact(result.error)}")
    if outcome.no_rollback and not outcome.rollback_key:
        notes.append(f"NO ROLLBACK: {outcome.no_rollback}")
    if outcome.edited_from:
        notes.append(f"the operator edited your command from: {outcome.edited_from}")
    short = list(notes)
    if outcome.attempted:
        short.append(f"classifier miss: it tried {len(outcome.attempted)} change(s), none persisted; offered as WRITE")
        notes.append(miss_note(outcome.attempted))
    elif outcome.confinement and not outcome.confinement.startswith("confined"):
        short.append(outcome.confinement)
    if outcome.confinement:
        notes.append(f"read confinement: {outcome.confinement}")
    facts: dict[str, Any] = {
        "tier": outcome.tier,
        "decision": outcome.decision.value,
        "exit_status": result.exit_status if result else None,
        "rollback_key": outcome.rollback_key,
        "reason": redact(outcome.reason) if outcome.reason else None,
    }
    output = _output(result) if result is not None else None
    return ToolResult(
        format_command_result(**facts, note="\n".join(notes) or None, output=output),
        is_error=is_error,
        summary=command_summary(**facts, note="\n".join(short) or None),
    )


def miss_note(attempted: Sequence[str]) -> str:
    """What the model is told about a caught classifier miss; what was attempted is the host's own words, fenced."""
    return (
        "CLASSIFIER MISS: hitl ran this as READ, confined on the host, and it tried to change something. Nothing of "
        "it persisted (the changes were made in a throwaway layer or refused). It is recorded as a classifier miss, "
        "and the operator was offered to run it again as WRITE, through the approval; do not run it again as a "
        "READ. What it tried:\n" + untrusted(redact("\n".join(attempted)))
    )


MISS_NOTE = "classifier miss: it tried to change something, nothing persisted"
"""A plan step's note in the operator's table when it was a caught classifier miss."""


def _plan_result(outcome: PlanOutcome) -> ToolResult:
    plan = outcome.plan
    lines = [f"plan: {plan.title} on {plan.host}", f"decision: {outcome.decision}"]
    summary = [lines[0], lines[1]]
    if outcome.reason:
        label = "operator's reason" if outcome.decision is Verdict.REJECTED else "reason"
        lines.append(f"{label}: {redact(outcome.reason)}")
        summary.append(lines[-1])
    for step in plan.steps:
        lines.append(f"\nstep {step.index} [{step.tier.name}] {step.status.value}: {step.command}")
        summary.append(
            f"step {step.index} {step.status.value}" + (f" ({step.rollback_key})" if step.rollback_key else "")
        )
        if step.note:
            lines.append(f"note: {redact(step.note)}")
        if step.result is not None:
            lines.append(f"exit status: {step.result.exit_status}")
            if step.rollback_key:
                lines.append(f"rollback key: {step.rollback_key}")
            lines.append(untrusted(_output(step.result)))
        closed = next((o for o in outcome.outcomes if o.index == step.index), None)
        if closed is not None and closed.confinement:
            lines.append(f"read confinement: {closed.confinement}")
        if closed is not None and closed.attempted:
            lines.append(miss_note(closed.attempted))
    missed = {o.index for o in outcome.outcomes if o.attempted}
    is_error = outcome.decision in {Verdict.REJECTED, Verdict.REFUSED} or bool(missed)
    report = Report(
        ("#", "Tier", "Status", "Rollback key", "Command", "Note"),
        tuple(
            (
                str(step.index),
                step.tier.name,
                step.status.value + (f" ({step.result.exit_status})" if step.result and not step.result.ok else ""),
                step.rollback_key or "",
                step.command,
                "; ".join(filter(None, (step.note, MISS_NOTE if step.index in missed else ""))),
            )
            for step in plan.steps
        ),
    )
    return ToolResult("\n".join(lines), is_error=is_error, summary=" · ".join(summary[:2]), report=report)


def _fleet_result(outcome: FleetOutcome) -> ToolResult:
    """A command, plan or rollback across many hosts: one line per host (its state, exit status, rollback keys,
    why it failed) and each host's output, redacted and fenced; the counts first."""
    head = f"{outcome.title} on {outcome.target}: {outcome.tier.name}, decision: {outcome.decision}"
    lines = [head, f"hosts: {outcome.summary()}"]
    if outcome.reason:
        lines.append(f"operator's reason: {redact(outcome.reason)}")
    if outcome.stopped:
        lines.append(f"rollout stopped: {redact(outcome.stopped)}")
    if outcome.rollback_key:
        lines.append(f"rollout key (undoes every host): {outcome.rollback_key}")
    for run in outcome.hosts:
        facts = [run.state.value]
        if run.wave:
            facts.insert(0, f"wave {run.wave}")
        if run.exit_status is not None:
            facts.append(f"exit {run.exit_status}")
        facts += [f"rollback key {key}" for key in run.rollback_keys]
        lines.append(f"\n{run.host}: {', '.join(facts)}")
        if run.reason and run.state is not HostState.OK:
            lines.append(f"why: {redact(run.reason)}")
        for closed in run.outcomes:
            if closed.result is not None:
                lines.append(untrusted(_output(closed.result)))
            if closed.attempted:
                lines.append(miss_note(closed.attempted))
    is_error = outcome.decision in {Verdict.REJECTED, Verdict.REFUSED} or not outcome.ok
    summary = f"{head} · {outcome.summary()}" + (f" · {outcome.rollback_key}" if outcome.rollback_key else "")
    return ToolResult("\n".join(lines), is_error=is_error, summary=summary)


class SessionTools:
    """Implements `console.core.agent.base.ToolExecutor`. `origin` is who is behind the calls: the model, or the
    operator typing in manual mode (the same tools serve both, and the journal records which)."""

    def __init__(self, session: Session, origin: Origin | Source = Origin.MODEL) -> None:
        self.session = session
        self.source = Source.of(origin)
        """Who is behind the calls: recorded with every action (`model`, `operator`, `mcp:CLIENT`)."""

    @property
    def _author(self) -> str:
        """Who a note is recorded as written by: an MCP client by its name, else the model (as before)."""
        return str(self.source) if self.source.origin is Origin.MCP else "model"

    async def call_tool(self, name: str, arguments: Mapping[str, Any]) -> ToolResult:
        try:
            return await self._call(name, arguments)
        except HitlError as error:
            message = redact(str(error))
            return ToolResult(message, is_error=True, summary=message)

    async def _call(self, name: str, arguments: Mapping[str, Any]) -> ToolResult:
        session, origin = self.session, self.source
        memory = session.store
        match name:
            case "run_command" if is_fleet(arguments["host"]):
                fleet = await session.run_fleet(
                    arguments["host"], arguments["command"], purpose=arguments.get("purpose", ""), source=origin
                )
                return _fleet_result(fleet)
            case "propose_plan" if is_fleet(arguments["host"]):
                steps = [(s["command"], s.get("purpose", "")) for s in arguments["steps"]]
                fleet = await session.run_fleet_plan(arguments["title"], arguments["host"], steps, source=origin)
                return _fleet_result(fleet)
            case "request_rollback" if is_rollout_key(arguments["key"]):
                fleet = await session.rollback_rollout(
                    arguments["key"], reason=arguments.get("reason", ""), source=origin
                )
                return _fleet_result(fleet)
            case "run_command":
                outcome = await session.run_command(
                    arguments["host"], arguments["command"], purpose=arguments.get("purpose", ""), source=origin
                )
                return _command_result(outcome, is_error=outcome.result is None or outcome.caught_miss)
            case "propose_plan":
                steps = [(s["command"], s.get("purpose", "")) for s in arguments["steps"]]
                plan = await session.run_plan(arguments["title"], arguments["host"], steps, source=origin)
                return _plan_result(plan)
            case "remember":
                tags: Sequence[str] = arguments.get("tags") or ()
                note_id = memory.add_note(
                    redact(arguments["text"]), host=arguments.get("host"), tags=tags, author=self._author
                )
                return ToolResult(f"remembered as note {note_id}")
            case "recall":
                hits = memory.recall(
                    arguments["query"], host=arguments.get("host"), limit=int(arguments.get("limit") or 10)
                )
                if not hits:
                    return ToolResult("nothing found")
                return ToolResult(
                    "\n".join(f"- [{h.kind} {h.id}] {redact(h.text)} ({redact(h.detail)})" for h in hits),
                    summary=f"{len(hits)} found",
                )
            case "list_hosts":
                lines = []
                names = session.hosts.names()
                for host in names:
                    info = session.hosts.info(host)
                    labels = ", ".join(info.labels) or "-"
                    policy = f" policy={info.policy}" if info.policy else ""
                    current = " (current)" if host == session.current_host else ""
                    lines.append(f"{host} labels={labels}{policy}{current}")
                lines += [f"@{group}: {', '.join(members)}" for group, members in session.hosts.groups().items()]
                report = Report(
                    ("Host", "Address", "Labels", "Policy"),
                    tuple(
                        (
                            name + (" (current)" if name == session.current_host else ""),
                            session.hosts.info(name).address,
                            ", ".join(session.hosts.info(name).labels) or "-",
                            session.hosts.info(name).policy or "-",
                        )
                        for name in names
                    ),
                )
                return ToolResult("\n".join(lines), summary=f"{len(names)} hosts", report=report)
            case "list_rollbacks":
                now = time.time()
                points = restorable(memory, arguments.get("host"))
                if not points:
                    return ToolResult("no rollback points can be restored")
                return ToolResult(
                    "\n".join(
                        f"{p.key} host={p.host} tier={p.tier} expires in {expires_in(p, now)} "
                        f"command: {redact(p.command)}"
                        for p in points
                    ),
                    summary=f"{len(points)} rollback points can be restored",
                    report=Report(
                        ("Key", "Host", "Tier", "Expires in", "Command"),
                        tuple((p.key, p.host, p.tier, expires_in(p, now), redact(p.command)) for p in points),
                    ),
                )
            case "request_rollback":
                outcome = await session.rollback([arguments["key"]], reason=arguments.get("reason", ""), source=origin)
                return _command_result(outcome, is_error=not outcome.ok)
        return ToolResult(f"unknown tool {name!r}", is_error=True)
