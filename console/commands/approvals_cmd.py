"""`hitl approvals` lists remembered approvals (24 h and until-revoked ones); `hitl approvals revoke ID`."""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

from console.commands.failures import EXIT_FAILURE
from console.core.paths import resolve_paths
from console.core.stores import remembered_approvals


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
        print("no remembered approvals", file=sys.stderr)
    for rule in rules:
        print(rule.describe())
    return 0


def _revoke(args: argparse.Namespace) -> int:
    if not remembered_approvals(resolve_paths()).revoke(args.rule_id):
        print(f"hitl: no remembered approval {args.rule_id}", file=sys.stderr)
        return EXIT_FAILURE
    print(f"revoked {args.rule_id}")
    return 0
