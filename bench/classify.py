"""Classifier throughput on the shared corpus, against bare tree-sitter parsing of the same strings.

Run: .venv/bin/python bench/classify.py  — prints microseconds per command, commands per second and the
ratio to the bare parse, measured in the same run (CPU time of this process, rounds interleaved, best
round kept: the figures hold on a shared machine). Targets: at most 15x the bare parse, at least 15,000
commands per second on one core.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from console.core.classify import classify, default_rules
from console.core.classify.parse import parser
from tests.support.labelled import corpus_path, load_labelled

ROUNDS = 30


def commands() -> list[str]:
    """The shared corpus beside the checkout, else the copy kept in the repository."""
    return [command for _, command, _ in load_labelled(corpus_path())]


def best_of(rounds: int, work: list[str], *runs: Callable[[str], object]) -> list[float]:
    """CPU seconds per command for each of `runs`, best round of each. Rounds of the runs alternate and CPU
    time of this process is counted (not wall time), so other processes on a shared machine disturb the
    ratio as little as possible."""
    best = [float("inf")] * len(runs)
    for _ in range(rounds):
        for index, run in enumerate(runs):
            start = time.process_time()
            for command in work:
                run(command)
            best[index] = min(best[index], time.process_time() - start)
    return [seconds / len(work) for seconds in best]


def main() -> None:
    work = commands()
    default_rules()  # loading and checking the rule files is a one-time cost
    ts = parser()
    for command in work:  # warm-up: imports sqlglot, fills caches
        classify(command)
        ts.parse(command.encode())
    bare, full = best_of(ROUNDS, work, lambda c: ts.parse(c.encode()), classify)
    sql_free = [c for c in work if not c.startswith(("psql", "mysql", "sqlite3"))]
    bare_no_sql, full_no_sql = best_of(ROUNDS, sql_free, lambda c: ts.parse(c.encode()), classify)
    print(f"corpus: {len(work)} commands, best of {ROUNDS} rounds, CPU time of one process")
    print(f"bare tree-sitter parse : {bare * 1e6:8.1f} us/command  {1 / bare:10,.0f} commands/s")
    print(f"classify               : {full * 1e6:8.1f} us/command  {1 / full:10,.0f} commands/s")
    print(f"ratio classify / parse : {full / bare:8.1f}x")
    print(
        f"without SQL lines ({len(sql_free)}): {full_no_sql * 1e6:.1f} us/command, "
        f"{1 / full_no_sql:,.0f} commands/s, {full_no_sql / bare_no_sql:.1f}x the bare parse"
    )


if __name__ == "__main__":
    main()
