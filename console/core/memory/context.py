"""The memory block for the model's system prompt: bounded, most important first.

Order and shares of the budget: live rollback keys (the model must know what can be undone), then recent
actions on the hosts in scope, then notes. Each section may use its share plus whatever the sections before
it left unused; each line is cut to a fixed width, and the whole block never exceeds the budget.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from console.core.durations import remaining
from console.core.memory.records import ActionRecord, RecallHit, RollbackPoint

CHARS_PER_TOKEN = 4
LINE_CHARS = 240
SHARES = (0.25, 0.45, 0.30)  # rollback points, actions, notes


def _when(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%MZ")


def _one_line(text: str, width: int = LINE_CHARS) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def rollback_line(point: RollbackPoint, now: float) -> str:
    return _one_line(
        f"- {point.key} ({point.host}, {point.tier}, expires in {remaining(point.expires - now)}): {point.command}"
    )


def action_line(action: ActionRecord) -> str:
    parts = [_when(action.proposed), action.host, action.tier, action.decision or "undecided"]
    if action.state == "finished" and action.ended in (None, "exited"):
        parts.append(f"exit {action.exit_status}")
    elif action.state not in ("decided", "declined"):
        parts.append(action.outcome)
    if action.rollback_key:
        parts.append(f"rollback {action.rollback_key}")
    if action.reason:
        parts.append(f'operator said "{action.reason}"')
    return _one_line(f"- {' '.join(parts)}: {action.command}")


def note_line(hit: RecallHit) -> str:
    scope = f"[{hit.host}] " if hit.host else ""
    return _one_line(f"- {scope}{hit.text} ({hit.detail}, {_when(hit.when)})")


def render_context(
    hosts: Sequence[str],
    rollbacks: Sequence[RollbackPoint],
    actions: Sequence[ActionRecord],
    notes: Sequence[RecallHit],
    *,
    budget_tokens: int,
    now: float,
) -> str:
    """The block, within `budget_tokens * CHARS_PER_TOKEN` characters ("" when the budget is too small)."""
    budget = max(budget_tokens, 0) * CHARS_PER_TOKEN
    scope = ", ".join(hosts) if hosts else "all hosts"
    header = f"## hitl memory ({scope}; from the local store, secrets redacted)\n"
    if len(header) > budget:
        return ""
    out = [header]
    used = len(header)
    carry = 0.0
    sections = (
        ("### Live rollback points (key: what it undoes)", [rollback_line(p, now) for p in rollbacks]),
        ("### Recent actions (newest first)", [action_line(a) for a in actions]),
        ("### Notes", [note_line(n) for n in notes]),
    )
    for (title, lines), share in zip(sections, SHARES, strict=True):
        allowance = share * (budget - len(header)) + carry
        spent = 0
        if lines and len(title) + 1 + len(lines[0]) + 1 <= min(allowance, budget - used):
            out.append(title + "\n")
            spent += len(title) + 1
            for line in lines:
                cost = len(line) + 1
                if spent + cost > allowance or used + spent + cost > budget:
                    break
                out.append(line + "\n")
                spent += cost
        used += spent
        carry = allowance - spent
    return "".join(out)
