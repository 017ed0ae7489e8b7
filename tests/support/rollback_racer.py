"""A second hitl process for the rollback-lock tests (`python -m tests.support.rollback_racer KEY`).

It opens a runtime on $HITL_HOME (recording to the team store `--store` names, if any), rolls back KEY with an
approver that touches `--ready` when it is asked and approves `--delay` seconds later (or once `--go` exists),
and prints one JSON line: its pid and how the rollback ended (or why it was refused). Exit status 0 when it
ran, 2 when it was refused.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from pathlib import Path

from console.core.approval import ApprovalRequest, Decision
from console.core.errors import HitlError
from tests.support.session import ScriptedApprover, approve, opened_runtime


async def main(key: str, delay: float, ready: Path | None, go: Path | None, store: str) -> int:
    async def slow(request: ApprovalRequest) -> Decision:
        if ready is not None:
            ready.write_text("asked\n")
        await asyncio.sleep(delay)
        for _ in range(1200):
            if go is None or go.exists():
                break
            await asyncio.sleep(0.05)
        return approve(request)

    report: dict[str, object] = {"pid": os.getpid()}
    async with opened_runtime(ScriptedApprover(slow), store_url=store) as rt:
        try:
            outcome = await rt.session.rollback([key])
        except HitlError as error:
            report["refused"] = str(error)
        else:
            report.update(status=outcome.status.value, undo=outcome.rollback_key, reason=outcome.reason)
            report["said"] = outcome.result.stdout if outcome.result else ""
    print(json.dumps(report), flush=True)
    return 2 if "refused" in report else 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("key")
    parser.add_argument("--delay", type=float, default=0.0)
    parser.add_argument("--ready", type=Path)
    parser.add_argument("--go", type=Path)
    parser.add_argument("--store", default="")
    args = parser.parse_args()
    sys.exit(asyncio.run(main(args.key, args.delay, args.ready, args.go, args.store)))
