"""`hitl audit verify` and `hitl audit export --format jsonl|csv [--since DATE|DURATION]`."""

from __future__ import annotations

import argparse
from typing import Any

from console.commands.memory_access import open_existing_store, since_argument
from console.commands.out import export_text, json_line, say, tell
from console.core.stores import EXPORT_FORMATS
from console.core.textsafe import shown, shown_line


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("audit", help="verify or export the audit trail (a hash chain)")
    actions = parser.add_subparsers(dest="audit_action", metavar="ACTION", required=True)
    verify = actions.add_parser(
        "verify", help="check the hash chain; exit 0 if intact, 1 naming the first bad row otherwise"
    )
    verify.set_defaults(func=_verify)
    export = actions.add_parser("export", help="print audit events, oldest first")
    export.add_argument("--format", choices=EXPORT_FORMATS, default="jsonl", help="jsonl (default) or csv")
    export.add_argument(
        "--since", type=since_argument, metavar="WHEN", help="a date (2025-01-31) or a duration ago (24h, 7d)"
    )
    export.set_defaults(func=_export)


def _verify(_args: argparse.Namespace) -> int:
    with open_existing_store() as store:
        if store is None:
            say(shown("audit: no events recorded yet"))
            return 0
        verdict = store.verify_audit()
    if verdict.ok:
        say(shown_line(f"audit: {verdict.message}"))
        return 0
    tell(shown_line(f"hitl: audit chain broken at {verdict.where}: {verdict.message}"))
    return 1


def _export(args: argparse.Namespace) -> int:
    with open_existing_store() as store:
        if store is None:
            return 0
        for line in store.export_audit(args.format, args.since):
            if args.format == "jsonl":
                json_line(line.rstrip("\n"))
            else:
                export_text(line)
    return 0
