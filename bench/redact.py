"""Redaction throughput: MB/s of `redact` (hitl's rules + detect-secrets' plugins) on ordinary command output and
on output dense with secrets, against a baseline measured in the same run: hitl's structural rules alone
(`redact_structural`), so the ratio is the cost of the detector library layer. Also the one-time import cost.

Run: .venv/bin/python bench/redact.py [--megabytes N]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from console.core import redact as redaction
from tests.support.secret_kinds import TABLE

ORDINARY = (Path(__file__).resolve().parent.parent / "tests/unit/data/ordinary_output.txt").read_text()


def throughput(call: Callable[[str], str], text: str, rounds: int = 3) -> float:
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        call(text)
        best = min(best, time.perf_counter() - start)
    return len(text.encode()) / best / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--megabytes", type=float, default=1.5)
    args = parser.parse_args()
    size = int(args.megabytes * 1e6)
    start = time.perf_counter()
    redaction.preload()
    print(f"detect-secrets import (first use): {time.perf_counter() - start:.3f} s")
    dense = "\n".join(kind.text for kind in TABLE) + "\n"
    for label, unit in (("ordinary output", ORDINARY), ("secret-dense output", dense)):
        text = (unit * (size // len(unit) + 1))[:size]
        base = throughput(redaction.redact_structural, text)
        full = throughput(redaction.redact, text)
        print(
            f"{label:20} {len(text) / 1e6:.1f} MB: structural rules {base:6.2f} MB/s (baseline), "
            f"redact {full:6.2f} MB/s, ratio {full / base:.2f}"
        )
    short = [kind.text for kind in TABLE]
    start = time.perf_counter()
    for _ in range(20):
        for text in short:
            redaction.redact(text)
    per_call = (time.perf_counter() - start) / (20 * len(short)) * 1e6
    print(f"short texts (one command or line): {per_call:.0f} µs per redact call")


if __name__ == "__main__":
    main()
