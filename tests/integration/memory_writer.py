"""A hitl-like process writing to a memory store, for the robustness tests (run as a script).

usage: memory_writer.py DB loop        record actions forever, printing a running count
       memory_writer.py DB hang        start one action, print its id, wait for stdin to close
       memory_writer.py DB batch N TAG print "ready", wait for a line, record N actions and N/10 notes, print "done"
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from console.core.memory import MemoryStore


def lifecycle(store: MemoryStore, command: str) -> None:
    action = store.record_proposal(
        session_id=None, host="web1", command=command, tier="WRITE", reasons=["test"], source="operator"
    )
    store.record_decision(action, decision="approved", decided_by="operator", latency=0.1, reason=None, digest="d")
    store.record_start(action)
    store.record_finish(action, exit_status=0, ended="exited", output=f"ran {command}\n" * 20, rollback_key=None)


def wait_for_the_other(store: MemoryStore, tag: str) -> None:
    """Halfway, wait until the other writer has written too, so the two really overlap even on a busy
    machine (otherwise one could finish before the other starts and the test would prove nothing)."""
    deadline = time.monotonic() + 60
    while not any(not a.command.startswith(tag + " ") for a in store.actions(limit=1000)):
        if time.monotonic() > deadline:
            raise SystemExit("the other writer never wrote")
        time.sleep(0.01)


def main() -> None:
    path, mode = Path(sys.argv[1]), sys.argv[2]
    store = MemoryStore.open(path)
    if mode == "hang":
        action = store.record_proposal(
            session_id=None, host="web1", command="sleep 600", tier="READ", reasons=[], source="operator"
        )
        store.record_start(action)
        print(action, flush=True)
        sys.stdin.read()
    elif mode == "loop":
        action = store.record_proposal(
            session_id=None, host="web1", command="long-running migration", tier="WRITE", reasons=[], source="operator"
        )
        store.record_start(action)
        print(f"started {action}", flush=True)
        count = 0
        while True:
            lifecycle(store, f"loop {count}")
            if count % 5 == 0:
                store.add_note(f"loop note {count}", host="web1")
            count += 1
            print(count, flush=True)
    elif mode == "batch":
        total, tag = int(sys.argv[3]), sys.argv[4]
        print("ready", flush=True)
        sys.stdin.readline()  # start together with the other writer
        for index in range(total):
            lifecycle(store, f"{tag} {index}")
            if index % 10 == 0:
                store.add_note(f"{tag} note {index}")
            if index == total // 2:
                wait_for_the_other(store, tag)
        print("done", flush=True)


if __name__ == "__main__":
    main()
