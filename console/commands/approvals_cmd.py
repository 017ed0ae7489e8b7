"""`hitl approvals` lists remembered approvals (24 h and until-revoked ones); `hitl approvals revoke ID`."""

from __future__ import annotations

import argparse
import time
from typing import Any

from console.commands.failures import EXIT_FAILURE
from console.commands.out import say, tell
from console.core.paths import resolve_paths
from console.core.stores import remembered_approvals
from console.core.textsafe import shown, shown_line


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("approvals", help="list or revoke remembered approvals")
    actions = parser.add_subparsers(dest="approvals_action", metavar="ACTION")
    revoke = actions.add_parser("revoke", help="revoke a remembered approval by id (ra-...)")
    revoke.add_argument("rule_id", metavar="ID")
    revoke.set_defaults(func=_revoke)
    parser.set_defaults(func=_list)


def _list(_args: argparse.Namespace) -> int:
    rules = remembered_approvals(resolve_paths()).active(time.time())
    if not rules:
        tell(shown("no remembered approvals"))
    for rule in rules:
        say(shown_line(rule.describe()))
    return 0


def _revoke(args: argparse.Namespace) -> int:
    if not remembered_approvals(resolve_paths()).revoke(args.rule_id):
        tell(shown_line(f"hitl: no remembered approval {args.rule_id}"))
        return EXIT_FAILURE
    say(shown_line(f"revoked {args.rule_id}"))
    return 0
