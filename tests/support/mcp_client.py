"""`hitl mcp` as an agent starts it: a real subprocess on stdio, driven by the official SDK's client."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import mcp_types as types
from mcp import ClientSession, StdioServerParameters, stdio_client
from mcp.client.session import ElicitationFnT

from console.core.approval import ApprovalRequest, Decision

REPO = Path(__file__).resolve().parents[2]


def result_text(result: types.CallToolResult) -> str:
    return "\n".join(block.text for block in result.content if isinstance(block, types.TextContent))


@asynccontextmanager
async def hitl_mcp(
    client: str = "test-agent", *, elicitation: ElicitationFnT | None = None, **settings: str
) -> AsyncIterator[ClientSession]:
    """A `hitl mcp` on the test's HITL_HOME; `settings` become `HITL_<KEY>` overrides (e.g.
    `mcp_approval_timeout="2s"`), so the server and a console in the test share every other setting.
    `elicitation` answers the server's elicitation requests (the client then declares the capability)."""
    env = {"HITL_HOME": os.environ["HITL_HOME"], **{f"HITL_{k.upper()}": v for k, v in settings.items()}}
    params = StdioServerParameters(command=sys.executable, args=["-m", "console", "mcp"], env=env, cwd=str(REPO))
    async with (
        stdio_client(params) as (read, write),
        ClientSession(
            read,
            write,
            client_info=types.Implementation(name=client, version="1.0"),
            elicitation_callback=elicitation,
        ) as session,
    ):
        await session.initialize()
        yield session


class NobodyDecides:
    """A console (the `review` of a real `ApproverListener`) that shows each request and never answers; `withdrawn`
    is set when the server takes a request back."""

    def __init__(self) -> None:
        self.shown: list[ApprovalRequest] = []
        self.withdrawn = asyncio.Event()

    async def __call__(self, client: str, request: ApprovalRequest) -> Decision:
        self.shown.append(request)
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            self.withdrawn.set()
            raise
        raise AssertionError("a request nobody decides was decided")
