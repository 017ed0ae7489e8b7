"""Memory store benchmark: 100,000 recorded actions; insert rate, recall p50/p95, context-build time; on the
SQLite file and on the team store (PostgreSQL: `bench/memory_postgres.py`, which adds two operators recording at
once into one verifiable chain).

Each figure is printed next to a baseline measured in the same run on the same machine (plain sqlite3 on the
same schema, without redaction, full-text indexing or the audit chain), and checked against the targets of
the issue: recall p50 <= 20 ms, context <= 30 ms, insert >= 5,000 actions/s.

Run: .venv/bin/python bench/memory.py [--actions N] [--store sqlite|postgresql|both]
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from console.core.memory import MemoryStore

HOSTS = [f"web{i}" for i in range(1, 9)] + [f"db{i}" for i in range(1, 5)] + ["local"]
COMMANDS = [
    ("READ", "systemctl status {svc}", "Active: active (running) since Mon; {svc}.service main PID {n}"),
    ("READ", "df -h /var/lib/{svc}", "Filesystem Size Used Avail Use% Mounted on\n/dev/sda{n} 100G 61G 39G 61% /"),
    ("READ", "journalctl -u {svc} --since -{n}m", "{svc}[{n}]: connection reset by peer\n{svc}[{n}]: worker started"),
    ("READ", "tail -n 50 /var/log/{svc}/error.log", "[error] upstream timed out while reading response header {n}"),
    ("WRITE", "systemctl restart {svc}", ""),
    ("WRITE", "sed -i 's/workers {n}/workers {m}/' /etc/{svc}/{svc}.conf", ""),
    ("WRITE", "cp /tmp/{svc}-{n}.conf /etc/{svc}/conf.d/site.conf", ""),
    ("WRITE", "apt-get install -y {svc}-tools", "Setting up {svc}-tools ({n}.{m}) ..."),
    ("DESTRUCTIVE", "rm -rf /var/cache/{svc}/{n}", ""),
    ("DESTRUCTIVE", "psql -c 'DROP TABLE audit_{n}'", "DROP TABLE"),
]
SERVICES = ["nginx", "postgresql", "redis", "haproxy", "cron", "docker", "sshd", "rabbitmq", "memcached", "grafana"]
QUERIES = [
    "nginx restart",
    "disk full postgresql",
    "upstream timed out",
    "workers conf",
    "drop table",
    "redis connection reset",
    "cache cleanup haproxy",
    "why did the deploy fail on web3",
    "grafana tools install",
    'odd "quotes" and * stars',
]


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def timed(samples: int, call: Callable[[int], object]) -> list[float]:
    out = []
    for index in range(samples):
        start = time.perf_counter()
        call(index)
        out.append((time.perf_counter() - start) * 1000)
    return out


def fill(store: MemoryStore, count: int, rng: random.Random) -> float:
    """Record `count` complete actions (proposal, decision, start, finish); returns seconds taken."""
    start = time.perf_counter()
    for index in range(count):
        tier, template, output = rng.choice(COMMANDS)
        values = {"svc": rng.choice(SERVICES), "n": rng.randrange(1, 999), "m": rng.randrange(1, 99)}
        host = rng.choice(HOSTS)
        action = store.record_proposal(
            session_id=None,
            host=host,
            command=template.format(**values),
            tier=tier,
            reasons=[f"{tier} rule for {template.split()[0]}"],
            source="model",
        )
        decision = "auto" if tier == "READ" else ("approved" if index % 7 else "rejected")
        reason = "not during business hours" if decision == "rejected" else None
        store.record_decision(action, decision=decision, decided_by="operator", latency=1.2, reason=reason, digest="d")
        if decision != "rejected":
            store.record_start(action)
            key = f"rb-{index:06x}" if tier != "READ" else None
            store.record_finish(action, exit_status=0, ended="exited", output=output.format(**values), rollback_key=key)
        if index % 50 == 0:
            store.add_note(f"{values['svc']} on {host}: remember {template.split()[0]} quirk {index}", host=host)
    return time.perf_counter() - start


def baseline_insert_rate(path: Path, count: int) -> float:
    """Plain sqlite3 inserts of the same action rows, one transaction each, same pragmas."""
    raw = sqlite3.connect(path, isolation_level=None)
    raw.execute("PRAGMA journal_mode = WAL")
    raw.execute("PRAGMA synchronous = NORMAL")
    raw.execute("CREATE TABLE actions (id INTEGER PRIMARY KEY, host TEXT, command TEXT, tier TEXT, proposed REAL)")
    raw.execute("CREATE INDEX actions_by_host ON actions(host, id)")
    start = time.perf_counter()
    for index in range(count):
        raw.execute("BEGIN IMMEDIATE")
        raw.execute(
            "INSERT INTO actions (host, command, tier, proposed) VALUES (?, ?, ?, ?)",
            (HOSTS[index % len(HOSTS)], f"systemctl restart nginx {index}", "WRITE", time.time()),
        )
        raw.execute("COMMIT")
    elapsed = time.perf_counter() - start
    raw.close()
    return count / elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--actions", type=int, default=100_000)
    parser.add_argument("--each", type=int, default=1_000, help="team store: actions each operator records at once")
    parser.add_argument("--store", choices=("sqlite", "postgresql", "both"), default="both")
    args = parser.parse_args()
    status = 0
    if args.store in ("sqlite", "both"):
        status |= sqlite_run(args)
    if args.store in ("postgresql", "both"):
        import memory_postgres

        print("== the team store (PostgreSQL)")
        status |= memory_postgres.run(args)
    return status


def sqlite_run(args: argparse.Namespace) -> int:
    rng = random.Random(5)
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "hitl.sqlite3"
        store = MemoryStore.open(db)
        print(f"recording {args.actions:,} actions (proposal, decision, start, finish; notes every 50) ...")
        lifecycle_seconds = fill(store, args.actions, rng)
        lifecycle_rate = args.actions / lifecycle_seconds

        inserts = 10_000
        start = time.perf_counter()
        for index in range(inserts):
            store.record_proposal(
                session_id=None,
                host=HOSTS[index % len(HOSTS)],
                command=f"systemctl restart nginx {index}",
                tier="WRITE",
                reasons=["restarts a service"],
                source="model",
            )
        insert_rate = inserts / (time.perf_counter() - start)
        base_insert = baseline_insert_rate(Path(tmp) / "baseline.sqlite3", inserts)

        recall = timed(
            400, lambda i: store.recall(QUERIES[i % len(QUERIES)], host=HOSTS[i % 3] if i % 2 else None, limit=10)
        )
        raw = sqlite3.connect(db)
        base_recall = timed(
            400,
            lambda i: raw.execute(
                "SELECT rowid FROM actions_fts WHERE actions_fts MATCH ? ORDER BY rank LIMIT 10",
                (" OR ".join(f'"{w}"' for w in QUERIES[i % 7].split()),),
            ).fetchall(),
        )
        context = timed(200, lambda i: store.build_context([HOSTS[i % len(HOSTS)], "db1"], query=QUERIES[i % 9]))
        base_context = timed(
            200,
            lambda i: raw.execute(
                "SELECT * FROM actions WHERE host = ? ORDER BY id DESC LIMIT 30", (HOSTS[i % len(HOSTS)],)
            ).fetchall(),
        )
        verify_start = time.perf_counter()
        verdict = store.verify_audit()
        verify_seconds = time.perf_counter() - verify_start
        size_mib = sum(Path(f"{db}{s}").stat().st_size for s in ("", "-wal") if Path(f"{db}{s}").exists()) / 2**20
        raw.close()
        store.close()

    recall_p50, recall_p95 = statistics.median(recall), percentile(recall, 0.95)
    context_p50, context_p95 = statistics.median(context), percentile(context, 0.95)
    base_recall_p50, base_context_p50 = statistics.median(base_recall), statistics.median(base_context)
    checks = [
        ("insert (record_proposal)", f"{insert_rate:,.0f} actions/s", insert_rate >= 5000, ">= 5,000/s",
         f"{insert_rate / base_insert:.2f}x of plain sqlite3 ({base_insert:,.0f}/s)"),
        ("full lifecycle (4 writes)", f"{lifecycle_rate:,.0f} actions/s", None, "-",
         f"{lifecycle_rate / base_insert:.2f}x of plain sqlite3 inserts"),
        ("recall p50 / p95", f"{recall_p50:.2f} / {recall_p95:.2f} ms", recall_p50 <= 20, "p50 <= 20 ms",
         f"{recall_p50 / base_recall_p50:.1f}x of a bare FTS5 query ({base_recall_p50:.2f} ms)"),
        ("context p50 / p95", f"{context_p50:.2f} / {context_p95:.2f} ms", context_p50 <= 30, "<= 30 ms",
         f"{context_p50 / base_context_p50:.1f}x of one indexed SELECT ({base_context_p50:.2f} ms)"),
    ]  # fmt: skip
    print(
        f"database: {size_mib:.0f} MiB; audit verify: {verdict.rows:,} rows in {verify_seconds:.2f} s, ok={verdict.ok}"
    )
    print(f"{'measure':<28}{'result':<26}{'target':<16}{'met':<6}ratio to baseline")
    for name, result, met, target, ratio in checks:
        flag = "-" if met is None else ("yes" if met else "NO")
        print(f"{name:<28}{result:<26}{target:<16}{flag:<6}{ratio}")
    return 0 if all(met is not False for _, _, met, _, _ in checks) and verdict.ok else 1


if __name__ == "__main__":
    sys.exit(main())
