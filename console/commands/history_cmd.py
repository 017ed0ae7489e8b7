"""`hitl history [--host H] [--since WHEN] [--limit N] [--json]`: recorded actions, newest first.

Each row says who did it (OPERATOR: the operator, and on a four-eyes host the second operator, `alice+bob`;
`operator` and `approved_by` in JSON; with a team store that is every operator's actions), who proposed it
(`operator`, `model`, `cli`, `mcp:CLIENT`, `plan:ID (WHO)` for a plan's steps, `rollback (WHO)`), how it was
decided (`remembered RULE` for a remembered approval) and how it ended (`interrupted`, `skipped`, ...); lines
under a row add a caught classifier miss, a READ its host could not confine, when an action was interrupted
and why a step was skipped.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from console.commands.memory_access import open_existing_store, since_argument
from console.commands.out import json_line, say
from console.core.memory.records import ActionRecord
from console.core.textsafe import shown_line

COMMAND_WIDTH = 80
MISS_LINES = 12
"""Lines of a classifier miss shown under its row; `--json` has all of them."""


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "history", help="recorded actions, newest first (operator, tier, source, decision, exit, rollback key)"
    )
    parser.add_argument("--host", metavar="NAME", help="only actions on this host")
    parser.add_argument(
        "--since", type=since_argument, metavar="WHEN", help="a date (2025-01-31) or a duration ago (24h)"
    )
    parser.add_argument("--limit", type=_positive, default=50, metavar="N", help="at most N actions (default 50)")
    parser.add_argument("--json", action="store_true", help="one JSON object per action (JSON Lines)")
    parser.set_defaults(func=_history)


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) == 0:
        raise argparse.ArgumentTypeError(f"expected a positive whole number, got {text!r}")
    return int(text)


def _iso(ts: float | None) -> str | None:
    if ts is None:
        return None
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _as_json(action: ActionRecord) -> str:
    record = asdict(action)
    record["reasons"] = list(action.reasons)
    record["attempted"] = list(action.attempted)
    for key in ("proposed", "started", "finished"):
        record[key] = _iso(record[key])
    record["outcome"] = action.outcome
    record["classifier_miss"] = action.classifier_miss
    return json.dumps(record, ensure_ascii=False)


def _decision(action: ActionRecord) -> str:
    if action.decision == "remembered" and action.rule_id:
        return f"remembered {action.rule_id}"
    return action.decision or "-"


def _row(action: ActionRecord) -> list[str]:
    """The cells of one action, each already rendered (so the columns line up with what is shown)."""
    command: str = shown_line(" ".join(action.command.split()))
    if len(command) > COMMAND_WIDTH:
        command = command[: COMMAND_WIDTH - 1] + "…"
    who = action.operator or "-"
    if action.approved_by:
        who += f"+{action.approved_by}"
    return [
        str(action.id),
        _local(action.proposed),
        shown_line(action.host),
        shown_line(who),
        action.tier,
        action.source,
        _decision(action),
        action.outcome,
        action.rollback_key or "-",
        command,
    ]


def _local(ts: float) -> str:
    return datetime.fromtimestamp(ts).strftime("%Y-%m-%d %H:%M:%S")


def _details(action: ActionRecord) -> list[str]:
    """Lines under an action's row for what its columns cannot say: a caught classifier miss, a READ that ran
    unconfined because its host cannot confine, when and why it was interrupted, why a step was skipped."""
    lines: list[str] = []
    if action.attempted:
        lines.append(f"classifier miss ({action.confinement}): it tried to change, and nothing of it persisted:")
        listed = action.attempted[:MISS_LINES]
        lines += [f"  {line}" for line in listed]
        if len(action.attempted) > len(listed):
            lines.append(f"  ... and {len(action.attempted) - len(listed)} more (`hitl history --json`)")
    elif action.confinement and action.confinement.startswith("not confined: none"):
        lines.append(action.confinement)
    if action.state == "interrupted" and action.finished is not None:
        why = f": {action.reason}" if action.reason else " (its hitl process ended)"
        lines.append(f"interrupted at {_local(action.finished)}{why}")
    elif action.state == "skipped" and action.reason:
        lines.append(f"skipped: {action.reason}")
    return lines


def _history(args: argparse.Namespace) -> int:
    with open_existing_store() as store:
        actions = [] if store is None else store.actions(host=args.host, since=args.since, limit=args.limit)
    if args.json:
        for action in actions:
            json_line(_as_json(action))
        return 0
    if not actions:
        say(
            shown_line(
                "no actions recorded"
                + (f" on {args.host}" if args.host else "")
                + (" in that period" if args.since else "")
            )
        )
        return 0
    header = ["ID", "WHEN", "HOST", "OPERATOR", "TIER", "SOURCE", "DECISION", "EXIT", "ROLLBACK", "COMMAND"]
    rows = [_row(action) for action in actions]
    widths = [max(len(row[column]) for row in [header, *rows]) for column in range(len(header) - 1)]

    def line(row: list[str]) -> str:
        return "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False)) + "  " + row[-1]

    say(shown_line(line(header)))
    for row, action in zip(rows, actions, strict=True):
        say(shown_line(line(row)))
        for detail in _details(action):
            say(shown_line(f"    {detail}"))
    return 0
