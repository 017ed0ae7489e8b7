"""A `ToolExecutor` for agent tests, standing in for the session until it is wired.

It keeps the session's shape: a tier per command (given by the test, as the classifier would decide), an
approval step that can wait (an async `approver`), real execution of approved or READ commands with an
asyncio subprocess, and results formatted with `format_command_result`. Every call is recorded.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from console.core.agent.base import ToolResult
from console.core.agent.tools import format_command_result
from console.core.tiers import Tier

Approver = Callable[[str, Mapping[str, Any], Tier], Awaitable[tuple[bool, str | None]]]


async def approve_everything(_name: str, _arguments: Mapping[str, Any], _tier: Tier) -> tuple[bool, str | None]:
    return True, None


@dataclass
class RecordingExecutor:
    tiers: Mapping[str, Tier] = field(default_factory=dict)
    """Tier per exact command line; anything not listed is READ."""
    approver: Approver = approve_everything
    hosts: tuple[str, ...] = ("local",)
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    rollback_counter: int = 0

    async def call_tool(self, name: str, arguments: Mapping[str, Any]) -> ToolResult:
        self.calls.append((name, dict(arguments)))
        if name == "run_command":
            return await self._run_steps(name, arguments, [arguments["command"]])
        if name == "propose_plan":
            return await self._run_steps(name, arguments, [step["command"] for step in arguments["steps"]])
        if name == "list_hosts":
            return ToolResult("\n".join(f"{host} (reachable)" for host in self.hosts))
        if name == "remember":
            return ToolResult("remembered")
        if name == "recall":
            return ToolResult(f"no memory matches {arguments['query']!r}")
        if name == "list_rollbacks":
            return ToolResult("no rollback points")
        if name == "request_rollback":
            return ToolResult(f"unknown rollback key {arguments['key']!r}", is_error=True)
        raise AssertionError(f"the agent passed an unknown tool to the executor: {name}")

    async def _run_steps(self, name: str, arguments: Mapping[str, Any], commands: list[str]) -> ToolResult:
        if arguments["host"] not in self.hosts:
            return ToolResult(f"unknown host {arguments['host']!r}", is_error=True)
        tier = max((self.tiers.get(command, Tier.READ) for command in commands), default=Tier.READ)
        if tier is Tier.READ:
            decision = "ran at once (READ needs no approval)"
        else:
            approved, reason = await self.approver(name, arguments, tier)
            if not approved:
                return ToolResult(format_command_result(tier=tier, decision="rejected by the operator", reason=reason))
            decision = "approved by the operator"
        outputs: list[str] = []
        status = 0
        for command in commands:
            process = await asyncio.create_subprocess_exec(
                "bash", "-c", command, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
            )
            stdout, _ = await process.communicate()
            outputs.append(stdout.decode(errors="replace"))
            status = process.returncode or 0
            if status != 0:
                break
        rollback_key = None
        if tier is not Tier.READ:
            self.rollback_counter += 1
            rollback_key = f"rb-{self.rollback_counter:04d}"
        content = format_command_result(
            tier=tier, decision=decision, exit_status=status, output="".join(outputs), rollback_key=rollback_key
        )
        return ToolResult(content, is_error=status != 0)
