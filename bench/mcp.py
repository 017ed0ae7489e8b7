"""A READ through `hitl mcp` against the same READ through `hitl exec`, in the same run.

What is compared, honestly:

1. The figure the target is about (at most 1.5x): what an agent pays per READ. An agent starts `hitl mcp` once
   and calls `run_command` many times, so the MCP side is one warm `call_tool` over a persistent stdio session
   (the official SDK's client, the server as a real subprocess); `hitl exec` is one process per command, as a
   script uses it. Interleaved rounds, medians.
2. The MCP layer's own cost: the same warm `call_tool` against `Session.run_command` called directly in this
   process on a warm session (same command, same confinement), so what MCP and the tool layer add is visible
   apart from the interpreter start-up that (1) saves.
3. Cold start: `hitl mcp` started, initialised and answering its first READ, against one `hitl exec`.

    .venv/bin/python bench/mcp.py [--rounds 10]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from tempfile import TemporaryDirectory

# The repository instead of bench/ on the path: this file's own name would hide the `mcp` package.
sys.path.remove(str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from console.core.approval import Decision
from console.core.config import Settings
from console.core.outcome import Origin
from console.core.paths import resolve_paths
from console.core.runtime import open_runtime
from tests.support.mcp_client import hitl_mcp, result_text

ROOT = Path(__file__).resolve().parents[1]
RATIO_TARGET = 1.5
COMMAND = "cat /etc/hostname"


class NoApprover:
    async def review(self, request: object) -> Decision:
        return Decision.reject("benchmark: READ only")


def exec_once() -> float:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "console", "exec", "local", "--", COMMAND],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    took = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"hitl exec failed: {done.stderr}")
    return took


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


async def measure(rounds: int) -> None:
    paths = resolve_paths()
    runtime = open_runtime(paths, Settings(), NoApprover(), mode="bench")
    direct_session = runtime.session
    await direct_session.run_command("local", COMMAND, source=Origin.CLI)  # warm: context, confinement probe
    mcp_calls: list[float] = []
    exec_runs: list[float] = []
    direct: list[float] = []
    cold_started = time.perf_counter()
    async with hitl_mcp(client="bench") as session:
        arguments = {"host": "local", "command": COMMAND, "purpose": "benchmark"}
        first = await session.call_tool("run_command", arguments)
        cold = time.perf_counter() - cold_started
        if first.is_error or "tier: READ" not in result_text(first):
            raise SystemExit(f"the READ did not run through hitl mcp: {result_text(first)}")
        cold_exec = await asyncio.to_thread(exec_once)
        for _ in range(rounds):
            started = time.perf_counter()
            await session.call_tool("run_command", arguments)
            mcp_calls.append(time.perf_counter() - started)
            exec_runs.append(await asyncio.to_thread(exec_once))
            started = time.perf_counter()
            await direct_session.run_command("local", COMMAND, source=Origin.CLI)
            direct.append(time.perf_counter() - started)
    await runtime.close()

    mcp_median, exec_median, direct_median = (statistics.median(x) for x in (mcp_calls, exec_runs, direct))
    ratio = mcp_median / exec_median
    print(f"READ `{COMMAND}` on local, {rounds} interleaved rounds (medians)")
    print(f"1. per READ: hitl mcp warm call_tool {ms(mcp_median)} vs hitl exec process {ms(exec_median)}")
    verdict = "OK" if ratio <= RATIO_TARGET else "OVER TARGET"
    print(f"   ratio {ratio:.2f}x (target <= {RATIO_TARGET}x): {verdict}")
    print(f"2. MCP layer: warm call_tool {ms(mcp_median)} vs Session.run_command in-process {ms(direct_median)}")
    print(f"   ratio {mcp_median / direct_median:.2f}x, +{ms(mcp_median - direct_median)} per call")
    print(f"3. cold: hitl mcp start + initialise + first READ {ms(cold)} vs one hitl exec {ms(cold_exec)}")
    print(f"   ratio {cold / cold_exec:.2f}x")
    if ratio > RATIO_TARGET:
        raise SystemExit(1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    with TemporaryDirectory(prefix="hitl-bench-mcp-") as home:
        os.environ["HITL_HOME"] = home
        asyncio.run(measure(args.rounds))


if __name__ == "__main__":
    main()
