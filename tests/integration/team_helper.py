"""Another operator's hitl process, for the team-mode tests (run as a script).

usage: team_helper.py lock URL HOST            open the team store as URL's login, lock HOST, print "locked", wait
       team_helper.py lock-file DB DIR HOST    the same with the SQLite store and its lock files in DIR
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from console.core.memory import MemoryStore
from console.core.memory.postgres import PostgresStore


def main() -> None:
    mode, *args = sys.argv[1:]
    if mode == "lock":
        url, host = args
        store = PostgresStore.open(url, snapshots_dir=Path("/nonexistent"))
    else:
        db, directory, host = args
        store = MemoryStore.open(Path(db), operator="carol@elsewhere", locks_dir=Path(directory))
    store.lock_host(host, purpose="WRITE: systemctl restart nginx")
    print("locked", flush=True)
    time.sleep(600)


if __name__ == "__main__":
    main()
