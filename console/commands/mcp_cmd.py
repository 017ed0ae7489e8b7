"""`hitl mcp`: serve hitl's tools to an agent (Claude Code, Codex, Claude Desktop, ...) over MCP on stdio.

The agent proposes; hitl classifies; READ runs at once, WRITE and DESTRUCTIVE wait for the operator in a hitl
console open as the same user (refused at once when there is none). Stdout is the protocol: hitl writes its
own lines to stderr only.
"""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from console.commands.context import load_context


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "mcp",
        help="serve hitl's gate to an agent over MCP (stdio); the operator approves in the console",
        description="Serve run_command, propose_plan, request_rollback, list_rollbacks, list_hosts, remember and "
        "recall over MCP on stdin/stdout. WRITE and DESTRUCTIVE wait for the operator in a running hitl console "
        "(same user, same HITL_HOME); with no console they are refused at once.",
    )
    parser.set_defaults(func=_mcp)


def _mcp(args: argparse.Namespace) -> int:
    from console.core.mcp.server import serve

    context = load_context()
    asyncio.run(serve(context.paths, context.settings))
    return 0
