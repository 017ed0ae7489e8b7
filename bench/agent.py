"""Latency the agent adds between the API's first byte and the first text it emits.

The fake Messages API server (tests/fakes) streams a text answer; we measure from the moment it wrote the
first byte of the SSE body to (a) the raw SDK's first `text` event — the baseline, measured in the same run —
and (b) the first `TextDelta` out of `AnthropicAgent.run_turn`. Both use the same client and server, turns
interleaved. The TUI part (first character on screen, headless Pilot) is measured once the TUI is wired.

    .venv/bin/python bench/agent.py [--rounds 40]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import anthropic

from console.core.agent.anthropic_agent import AnthropicAgent
from console.core.agent.base import TextDelta
from tests.fakes.anthropic_server import FakeAnthropicServer, text_turn
from tests.fakes.executor import RecordingExecutor

TARGET_MS = 50.0
ANSWER = "The disk on web1 is 71% full; /var/log holds most of it. " * 4


async def raw_sdk(client: anthropic.AsyncAnthropic, server: FakeAnthropicServer) -> float:
    messages = [{"role": "user", "content": "how full is the disk?"}]
    async with client.messages.stream(model="bench", max_tokens=512, messages=messages) as stream:  # type: ignore[arg-type]
        async for event in stream:
            if event.type == "text":
                seen = time.perf_counter()
                break
        await stream.until_done()
    return seen - server.first_byte_times[-1]


async def agent(client: anthropic.AsyncAnthropic, server: FakeAnthropicServer) -> float:
    subject = AnthropicAgent("bench", RecordingExecutor(), client=client)
    seen = 0.0
    async for event in subject.run_turn("how full is the disk?"):
        if isinstance(event, TextDelta) and not seen:
            seen = time.perf_counter()
    return seen - server.first_byte_times[-1]


def summary(name: str, samples: list[float]) -> str:
    ms = sorted(sample * 1000 for sample in samples)
    p95 = ms[min(len(ms) - 1, int(len(ms) * 0.95))]
    return f"{name:<28} median {statistics.median(ms):7.3f} ms   p95 {p95:7.3f} ms   (n={len(ms)})"


async def main(rounds: int) -> int:
    with FakeAnthropicServer([text_turn(ANSWER, chunk_size=16)] * (2 * rounds + 4)) as server:
        client = anthropic.AsyncAnthropic(api_key="bench", base_url=server.url, max_retries=0)
        await raw_sdk(client, server)  # warm-up: connection, imports, pydantic models
        await agent(client, server)
        baseline: list[float] = []
        measured: list[float] = []
        for _ in range(rounds):
            baseline.append(await raw_sdk(client, server))
            measured.append(await agent(client, server))
        await client.close()
    base, ours = statistics.median(baseline), statistics.median(measured)
    added = (ours - base) * 1000
    print(summary("raw SDK first text event", baseline))
    print(summary("AnthropicAgent first delta", measured))
    print(
        f"ratio agent/raw SDK: {ours / base:.2f}x   added by the agent: {added:.3f} ms (target <= {TARGET_MS:.0f} ms)"
    )
    print(f"first byte -> first delta: {ours * 1000:.3f} ms median")
    return 0 if ours * 1000 <= TARGET_MS else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=40)
    raise SystemExit(asyncio.run(main(parser.parse_args().rounds)))
