"""The PostgreSQL half of `bench/memory.py` (the team store, `store = postgresql://...`): recall over 100,000
actions, and two operators recording 1,000 actions each at the same time into one verifiable audit chain.

A throwaway PostgreSQL cluster is started for the run (Debian's binaries, as in tests/fixtures/postgres.py), with
an ordinary role that owns its database. Baselines, same run: a bare full-text query (`@@` on the same GIN
index, ranked, LIMIT 10) for recall, and one operator recording 1,000 actions alone for the concurrent run.

The 100,000 actions for recall are written with one COPY into `actions` and `actions_fts` (the rows and the
indexed text are what recall reads; writing them through the API with their audit rows takes minutes), then
10,000 proposals go through the API for the insert rate. The concurrent run goes through the API only.

Run: .venv/bin/python bench/memory.py --store postgresql [--actions N] [--each N]
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import pwd
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

from memory import COMMANDS, HOSTS, QUERIES, SERVICES, percentile, timed

from console.core.memory.postgres import PostgresStore

OPERATOR_SCRIPT = """
import sys, time
from pathlib import Path
from console.core.memory.postgres import PostgresStore
store = PostgresStore.open(sys.argv[1], snapshots_dir=Path('/nonexistent'))
count = int(sys.argv[2])
print('ready', flush=True)
sys.stdin.readline()
start = time.perf_counter()
for n in range(count):
    a = store.record_proposal(session_id=None, host='web1', command=f'systemctl restart nginx {n}', tier='WRITE',
                              reasons=['restarts a service'], source='operator')
    store.record_decision(a, decision='approved', decided_by='operator', latency=1.0, reason=None, digest='d')
    store.record_start(a)
    store.record_finish(a, exit_status=0, ended='exited', output='ok', rollback_key=None)
print(time.perf_counter() - start, flush=True)
store.close()
"""


def _bin(name: str) -> str:
    return sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))[-1]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def cluster() -> Iterator[int]:
    """A throwaway server on 127.0.0.1; yields its port. Runs as `postgres` when this runs as root."""
    root = Path(tempfile.mkdtemp(prefix="hitl-bench-pg-"))
    as_user: list[str] = []
    if os.geteuid() == 0:
        owner = pwd.getpwnam("postgres")
        os.chown(root, owner.pw_uid, owner.pw_gid)
        as_user = ["runuser", "-u", "postgres", "--"]
    port = _free_port()
    data = root / "data"
    subprocess.run([*as_user, _bin("initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "--no-sync"],
                   check=True, capture_output=True)  # fmt: skip
    options = f"-k {root} -p {port} -c listen_addresses=127.0.0.1 -c shared_buffers=256MB"
    subprocess.run([*as_user, _bin("pg_ctl"), "-D", str(data), "-o", options, "-l", str(root / "log"), "-w", "start"],
                   check=True, capture_output=True)  # fmt: skip
    try:
        yield port
    finally:
        subprocess.run(
            [*as_user, _bin("pg_ctl"), "-D", str(data), "-m", "fast", "stop"], check=False, capture_output=True
        )
        shutil.rmtree(root, ignore_errors=True)


def admin(port: int, sql: str) -> None:
    import psycopg

    with psycopg.connect(f"postgresql://postgres@127.0.0.1:{port}/postgres", autocommit=True) as connection:
        connection.execute(sql.encode())


def bulk_fill(url: str, count: int, rng: random.Random) -> float:
    """`count` finished actions and their full-text rows in one COPY each; returns seconds taken."""
    import psycopg

    start = time.perf_counter()
    now = time.time()
    with psycopg.connect(url) as connection, connection.cursor() as cursor:
        with cursor.copy(
            "COPY actions (id, host, command, tier, reasons, source, proposed, state, owner, decision, decided_by,"
            " exit_status, output, operator) FROM STDIN"
        ) as copy:
            texts = []
            for index in range(1, count + 1):
                tier, template, output = rng.choice(COMMANDS)
                values = {"svc": rng.choice(SERVICES), "n": rng.randrange(1, 999), "m": rng.randrange(1, 99)}
                command, out = template.format(**values), output.format(**values)
                reasons = json.dumps([f"{tier} rule for {template.split()[0]}"])
                when = now - (count - index) * 30
                decision = "auto" if tier == "READ" else "approved"
                copy.write_row((index, rng.choice(HOSTS), command, tier, reasons, "model", when, "finished", "bench",
                                decision, "operator", 0, out, "bench"))  # fmt: skip
                texts.append((index, command, f"{reasons}\n{out}"))
        with cursor.copy("COPY actions_fts (rowid, command, detail) FROM STDIN") as copy:  # the trigger sets host
            for row in texts:
                copy.write_row(row)
        cursor.execute("SELECT setval('actions_id_seq', %s)", (count,))
        connection.commit()
        connection.autocommit = True
        connection.execute("ANALYZE")
    return time.perf_counter() - start


def concurrent(urls: list[str], count: int) -> tuple[float, list[float]]:
    """Start one process per URL, release them together; (wall seconds, each one's own seconds)."""
    processes = [
        subprocess.Popen([sys.executable, "-c", OPERATOR_SCRIPT, url, str(count)], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, text=True, cwd=Path(__file__).resolve().parents[1])
        for url in urls
    ]  # fmt: skip
    for process in processes:
        assert process.stdout is not None and process.stdout.readline().strip() == "ready"
    start = time.perf_counter()
    for process in processes:
        assert process.stdin is not None
        process.stdin.write("go\n")
        process.stdin.flush()
    own = []
    for process in processes:
        assert process.stdout is not None
        own.append(float(process.stdout.readline()))
        process.wait()
    return time.perf_counter() - start, own


def run(args: argparse.Namespace) -> int:
    """Print the team store's figures; 0 when every target is met."""
    rng = random.Random(5)
    with cluster() as port:
        admin(port, "CREATE ROLE hitl_owner LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE")
        for login in ("alice", "bob"):
            admin(port, f"CREATE ROLE {login} LOGIN NOSUPERUSER IN ROLE hitl_owner")
        for database in ("recall", "chain", "alone"):
            admin(port, f"CREATE DATABASE {database} OWNER hitl_owner")

        def url(database: str, login: str = "hitl_owner") -> str:
            return f"postgresql://{login}@127.0.0.1:{port}/{database}"

        snapshots = Path(tempfile.gettempdir()) / "hitl-bench-unused"
        with closing(PostgresStore.open(url("recall"), snapshots_dir=snapshots)) as store:
            print(f"writing {args.actions:,} actions (COPY) ...")
            fill_seconds = bulk_fill(url("recall"), args.actions, rng)
            inserts = 10_000
            start = time.perf_counter()
            for index in range(inserts):
                store.record_proposal(session_id=None, host=HOSTS[index % len(HOSTS)],
                                      command=f"systemctl restart nginx {index}", tier="WRITE",
                                      reasons=["restarts a service"], source="model")  # fmt: skip
            insert_rate = inserts / (time.perf_counter() - start)
            recall = timed(
                400, lambda i: store.recall(QUERIES[i % len(QUERIES)], host=HOSTS[i % 3] if i % 2 else None, limit=10)
            )
            import psycopg

            with psycopg.connect(url("recall")) as raw:
                base_recall = timed(
                    400,
                    lambda i: raw.execute(
                        "SELECT rowid FROM actions_fts, to_tsquery('simple', %s) q WHERE document @@ q"
                        " ORDER BY ts_rank(document, q) DESC LIMIT 10",
                        (" | ".join(w for w in QUERIES[i % 7].lower().split() if w.isalnum()),),
                    ).fetchall(),
                )
            context = timed(200, lambda i: store.build_context([HOSTS[i % len(HOSTS)], "db1"], query=QUERIES[i % 9]))

        print(f"two operators recording {args.each:,} actions each at once (4 transactions per action) ...")
        with closing(PostgresStore.open(url("alone"), snapshots_dir=snapshots)):
            pass
        alone_wall, _ = concurrent([url("alone", "alice")], args.each)
        with closing(PostgresStore.open(url("chain"), snapshots_dir=snapshots)):
            pass
        both_wall, both_own = concurrent([url("chain", "alice"), url("chain", "bob")], args.each)
        with closing(PostgresStore.open(url("chain"), snapshots_dir=snapshots)) as store:
            verify_start = time.perf_counter()
            verdict = store.verify_audit()
            verify_seconds = time.perf_counter() - verify_start
            operators = {a.operator for a in store.actions(limit=10 * args.each)}

    recall_p50, recall_p95 = statistics.median(recall), percentile(recall, 0.95)
    base_p50 = statistics.median(base_recall)
    context_p50 = statistics.median(context)
    both_rate = 2 * args.each / both_wall
    alone_rate = args.each / alone_wall
    print(f"bulk fill: {fill_seconds:.1f} s; chain after the concurrent run: {verdict.rows:,} rows verified in"
          f" {verify_seconds:.2f} s, ok={verdict.ok}, operators={sorted(o for o in operators if o)}")  # fmt: skip
    checks = [
        ("recall p50 / p95", f"{recall_p50:.2f} / {recall_p95:.2f} ms", recall_p50 <= 20, "p50 <= 20 ms",
         f"{recall_p50 / base_p50:.1f}x of a bare ranked tsquery ({base_p50:.2f} ms)"),
        ("context p50", f"{context_p50:.2f} ms", context_p50 <= 30, "<= 30 ms", "-"),
        ("insert (record_proposal)", f"{insert_rate:,.0f} actions/s", None, "-", "-"),
        (f"2 operators x {args.each:,} at once", f"{both_rate:,.0f} actions/s ({both_wall:.1f} s)", verdict.ok,
         "one verifiable chain", f"{both_rate / alone_rate:.2f}x of one operator alone ({alone_rate:,.0f}/s);"
         f" each took {both_own[0]:.1f} s / {both_own[1]:.1f} s"),
    ]  # fmt: skip
    print(f"{'measure':<30}{'result':<32}{'target':<22}{'met':<6}ratio to baseline")
    for name, result, met, target, ratio in checks:
        flag = "-" if met is None else ("yes" if met else "NO")
        print(f"{name:<30}{result:<32}{target:<22}{flag:<6}{ratio}")
    return 0 if all(met is not False for _, _, met, _, _ in checks) else 1
