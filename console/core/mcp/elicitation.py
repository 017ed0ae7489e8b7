"""Asking through the MCP client's own prompt (`mcp_elicitation = true`; off by default).

The client shows the request and the operator answers there: a WRITE with a yes/no, a DESTRUCTIVE step only by
typing its challenge (the same `host-abcd` text the console asks for; the approval desk checks it, and the
dwell, as for any answer). When a console is attached too, both ask and the first decision wins; the other is
withdrawn (the console's dialog is taken down, the elicitation cancelled). A client that cancels its prompt
leaves the decision to the console. The elicitation's wording is built here from the same request the
console's dialog shows; the agent's words (purpose, command) are quoted as data.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import mcp_types as types
from mcp.server.context import ServerRequestContext

from console.core.approval import NO_ROLLBACK, ApprovalRequest, Decision
from console.core.mcp.channel import NO_APPROVER, ConsoleApprover, Elicit, current_call


def ask_by_elicitation(ctx: ServerRequestContext[Any]) -> Elicit | None:
    """How to ask through this call's client, or None when the client cannot show a form."""
    capabilities = ctx.session.client_capabilities
    if capabilities is None or capabilities.elicitation is None:
        return None

    async def elicit(request: ApprovalRequest) -> Decision | None:
        try:
            result = await ctx.session.elicit_form(
                elicitation_message(request), elicitation_schema(request), related_request_id=ctx.request_id
            )
        except Exception:  # the client could not show it: the console (or nobody) decides
            return None
        return decision_from(request, result)

    return elicit


def elicitation_message(request: ApprovalRequest) -> str:
    call = current_call.get()
    who = f"mcp:{call.client}" if call is not None else "an MCP client"
    lines = [f"hitl: {who} asks to run on {request.host} ({request.tier.name}): {request.title!r}"]
    for step in request.pending_steps:
        lines.append(f"step {step.index} [{step.tier.name}] command (as proposed, verbatim): {step.command!r}")
        if step.classification.reasons:
            lines.append("  why " + step.tier.name + ": " + "; ".join(step.classification.reasons))
        words = step.no_rollback_words
        if words:
            lines.append(f"  {NO_ROLLBACK}: {words}")
        if step.challenge:
            lines.append(f"  to confirm, type {step.challenge}")
    lines.extend(f"warning: {warning}" for warning in request.warnings)
    return "\n".join(lines)


def elicitation_schema(request: ApprovalRequest) -> dict[str, Any]:
    properties: dict[str, Any] = {}
    required = []
    if request.challenges:
        for step in request.pending_steps:
            if step.challenge:
                key = f"confirm_step_{step.index}"
                properties[key] = {"type": "string", "title": f"Type {step.challenge} to confirm step {step.index}"}
                required.append(key)
    else:
        properties["approve"] = {"type": "boolean", "title": "Approve", "default": False}
        required.append("approve")
    properties["reason"] = {"type": "string", "title": "Reason (when you reject)"}
    return {"type": "object", "properties": properties, "required": required}


def decision_from(request: ApprovalRequest, result: types.ElicitResult) -> Decision | None:
    if result.action == "cancel":
        return None
    content = result.content or {}
    reason = content.get("reason")
    reason_text = reason.strip() or None if isinstance(reason, str) else None
    if result.action == "decline":
        return Decision(approved=False, reason=reason_text, decided_by="operator (MCP client)")
    if request.challenges:
        typed = tuple(
            str(content.get(f"confirm_step_{step.index}") or "") for step in request.pending_steps if step.challenge
        )
        return Decision(approved=True, typed_challenges=typed, decided_by="operator (MCP client)")
    if content.get("approve") is True:
        return Decision(approved=True, decided_by="operator (MCP client)")
    return Decision(approved=False, reason=reason_text, decided_by="operator (MCP client)")


async def first_decision(console: ConsoleApprover, request: ApprovalRequest, elicit: Elicit) -> Decision:
    """Ask the console and the client's prompt together; the first decision wins and the other is withdrawn.
    Bounded by the console approver's timeout either way."""
    asks = {asyncio.ensure_future(console.ask(request)), asyncio.ensure_future(elicit(request))}
    try:
        async with asyncio.timeout(console.timeout):
            while asks:
                done, asks = await asyncio.wait(asks, return_when=asyncio.FIRST_COMPLETED)
                for task in done:
                    decision = task.result()
                    if decision is not None:
                        return decision
    except TimeoutError:
        return Decision.refuse("refused: no decision within mcp_approval_timeout", decided_by="timeout")
    finally:
        for task in asks:
            task.cancel()
        for task in asks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
    return Decision.refuse(NO_APPROVER, decided_by="no approver")
