"""`hitl history [--host H] [--since WHEN] [--limit N] [--json]`: recorded actions, newest first."""

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


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "history", help="recorded actions, newest first (tier, decision, exit, rollback key)"
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
    for key in ("proposed", "started", "finished"):
        record[key] = _iso(record[key])
    record["outcome"] = action.outcome
    return json.dumps(record, ensure_ascii=False)


def _row(action: ActionRecord) -> list[str]:
    """The cells of one action, each already rendered (so the columns line up with what is shown)."""
    command: str = shown_line(" ".join(action.command.split()))
    if len(command) > COMMAND_WIDTH:
        command = command[: COMMAND_WIDTH - 1] + "…"
    when = datetime.fromtimestamp(action.proposed).strftime("%Y-%m-%d %H:%M:%S")
    decision = action.decision or "-"
    return [
        str(action.id),
        when,
        shown_line(action.host),
        action.tier,
        decision,
        action.outcome,
        action.rollback_key or "-",
        command,
    ]


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
    rows = [["ID", "WHEN", "HOST", "TIER", "DECISION", "EXIT", "ROLLBACK", "COMMAND"], *map(_row, actions)]
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]) - 1)]
    for row in rows:
        say(shown_line("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False)) + "  " + row[-1]))
    return 0
