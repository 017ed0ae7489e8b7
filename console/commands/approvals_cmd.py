"""`hitl approvals`: remembered approvals (list; `revoke ID`) and, with a team store, requests waiting for a
second operator on four-eyes hosts: `pending [--json]`, `approve ID` (the same review the requester saw,
answered on this terminal: `y`, or the typed challenge for DESTRUCTIVE) and `reject ID --reason TEXT`.

Exit statuses: 0 when decided; 3 when refused (the requester's own request, no longer waiting, a wrong
challenge, no terminal to approve on); 2 for hitl's own failures (see `console.commands.failures`).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from datetime import UTC, datetime
from typing import Any

from console.commands.context import load_context
from console.commands.failures import EXIT_FAILURE, EXIT_REFUSED
from console.commands.out import json_line, say, tell
from console.core.ports import Store
from console.core.stores import open_existing_store, open_store, remembered_approvals
from console.core.team import TeamApprovals
from console.core.textsafe import shown, shown_line


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "approvals", help="remembered approvals; requests waiting for a second operator (four eyes)"
    )
    actions = parser.add_subparsers(dest="approvals_action", metavar="ACTION")
    revoke = actions.add_parser("revoke", help="revoke a remembered approval by id (ra-...)")
    revoke.add_argument("rule_id", metavar="ID")
    revoke.set_defaults(func=_revoke)
    pending = actions.add_parser("pending", help="requests waiting for a second operator (team store)")
    pending.add_argument("--json", action="store_true", help="one JSON object per request (JSON Lines)")
    pending.set_defaults(func=_pending)
    approve = actions.add_parser("approve", help="review another operator's request and approve it")
    approve.add_argument("request_id", type=int, metavar="ID")
    approve.set_defaults(func=_approve)
    reject = actions.add_parser("reject", help="reject another operator's request, saying why")
    reject.add_argument("request_id", type=int, metavar="ID")
    reject.add_argument("--reason", required=True, metavar="TEXT", help="why (goes back to the requester)")
    reject.set_defaults(func=_reject)
    parser.set_defaults(func=_list)


@contextmanager
def _store(*, existing: bool = False) -> Iterator[Store | None]:
    context = load_context()
    store = (
        open_existing_store(context.paths, context.settings)
        if existing
        else open_store(context.paths, context.settings)
    )
    if store is None:
        yield None
        return
    with closing(store):
        yield store


def _rules(store: Store | None) -> Any:
    return remembered_approvals(load_context().paths, store)


def _list(_args: argparse.Namespace) -> int:
    with _store(existing=True) as store:
        rules = _rules(store).active(time.time())
    if not rules:
        tell(shown("no remembered approvals"))
    for rule in rules:
        say(shown_line(rule.describe()))
    return 0


def _revoke(args: argparse.Namespace) -> int:
    with _store(existing=True) as store:
        revoked = _rules(store).revoke(args.rule_id)
    if not revoked:
        tell(shown_line(f"hitl: no remembered approval {args.rule_id}"))
        return EXIT_FAILURE
    say(shown_line(f"revoked {args.rule_id}"))
    return 0


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _pending(args: argparse.Namespace) -> int:
    with _store() as store:
        assert store is not None
        team = TeamApprovals(store)
        waiting = team.pending()
        me = team.operator
    if args.json:
        for item in waiting:
            r = item.record
            record = {
                "id": r.id,
                "host": r.host,
                "kind": r.kind,
                "tier": r.tier,
                "title": r.title,
                "requested_by": r.requested_by,
                "created": _iso(r.created),
                "expires": _iso(r.expires),
                "actions": list(r.actions),
                "digest": r.digest,
                "yours": item.mine,
            }
            json_line(json.dumps(record, ensure_ascii=False))
        return 0
    if not waiting:
        tell(shown("no requests wait for a second operator"))
        return 0
    for item in waiting:
        r = item.record
        whose = "yours: another operator must decide it" if item.mine else f"approve: hitl approvals approve {r.id}"
        when = datetime.fromtimestamp(r.created).strftime("%H:%M:%S")
        say(shown_line(f"{r.id:>5}  {when}  {r.requested_by:<16} {r.host:<12} {r.tier:<11} {r.title}  ({whose})"))
    tell(shown_line(f"(you are {me})"))
    return 0


def _approve(args: argparse.Namespace) -> int:
    from console.commands.terminal import TerminalApprover

    with _store() as store:
        assert store is not None
        team = TeamApprovals(store)
        record, request = team.review(args.request_id)
        tell(shown_line(f"request {record.id} from {record.requested_by}, who approved it already:"))
        started = time.monotonic()
        decision = asyncio.run(TerminalApprover().review(request))
        if not decision.approved:
            tell(shown_line(f"hitl: not approved: {decision.reason}"))
            return EXIT_REFUSED
        decided = team.approve(record.id, decision, latency=time.monotonic() - started)
    say(shown_line(f"approved request {decided.id} as {decided.decided_by}: {decided.requested_by}'s hitl runs it now"))
    return 0


def _reject(args: argparse.Namespace) -> int:
    with _store() as store:
        assert store is not None
        decided = TeamApprovals(store).reject(args.request_id, args.reason)
    say(shown_line(f"rejected request {decided.id} as {decided.decided_by}"))
    return 0
