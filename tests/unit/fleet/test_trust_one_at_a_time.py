"""Connecting to a group's hosts concurrently never puts two unknown host keys to the operator at once."""

from __future__ import annotations

import asyncio
from pathlib import Path

from console.core.hosts import one_at_a_time
from console.core.transport.trust import TrustRequest


async def test_trust_questions_are_asked_one_at_a_time() -> None:
    asking: list[str] = []
    overlaps = 0

    async def prompt(request: TrustRequest) -> bool:
        nonlocal overlaps
        overlaps += bool(asking)
        asking.append(request.host)
        await asyncio.sleep(0.01)
        asking.remove(request.host)
        return request.host.endswith("1")

    serial = one_at_a_time(prompt)
    requests = [
        TrustRequest(f"web{n}", "127.0.0.1", 2200 + n, "ssh-ed25519", "SHA256:x", Path("/nonexistent/known_hosts"))
        for n in range(5)
    ]
    answers = await asyncio.gather(*(serial(request) for request in requests))
    assert overlaps == 0 and answers == [False, True, False, False, False]
