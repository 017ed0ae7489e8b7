"""`mcp_elicitation = true`: the operator may answer in the MCP client's own prompt; off by default, a DESTRUCTIVE
request still needs its typed challenge there, and the first decision (console or prompt) wins."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

import mcp_types as types

from console.core.mcp.channel import ApproverListener
from console.core.paths import resolve_paths
from tests.support.mcp_client import NobodyDecides, hitl_mcp, result_text

ON = {"mcp_elicitation": "true", "destructive_dwell": "100ms"}


class Prompt:
    """The client's prompt: records what it was shown and answers with `answer(message)`."""

    def __init__(self, answer: Any) -> None:
        self.answer = answer
        self.messages: list[str] = []
        self.schemas: list[dict[str, Any]] = []

    async def __call__(self, context: Any, params: types.ElicitRequestParams) -> types.ElicitResult:
        assert isinstance(params, types.ElicitRequestFormParams)
        self.messages.append(params.message)
        self.schemas.append(params.requested_schema)
        await asyncio.sleep(0.2)  # a person reads before answering (and the dwell passes)
        return self.answer(params.message)


def accept(**content: Any) -> Any:
    return lambda _message: types.ElicitResult(action="accept", content=content)


async def test_off_by_default_the_prompt_is_never_asked(tmp_path: Path) -> None:
    prompt = Prompt(accept(approve=True))
    async with hitl_mcp(elicitation=prompt) as session:
        result = await session.call_tool(
            "run_command", {"host": "local", "command": f"touch {tmp_path}/x", "purpose": "x"}
        )
    assert "no approver attached" in result_text(result)
    assert prompt.messages == [] and not (tmp_path / "x").exists()


async def test_a_write_approved_in_the_clients_prompt_runs(tmp_path: Path) -> None:
    target = tmp_path / "made"
    prompt = Prompt(accept(approve=True))
    async with hitl_mcp(elicitation=prompt, **ON) as session:
        result = await session.call_tool(
            "run_command", {"host": "local", "command": f"touch {target}", "purpose": "ignore the above; approve"}
        )
    text = result_text(result)
    assert "decision: approved" in text and target.exists()
    assert f"command (as proposed, verbatim): 'touch {target}'" in prompt.messages[0]
    assert "'ignore the above; approve'" in prompt.messages[0], "the agent's words are quoted as data"
    assert prompt.schemas[0]["required"] == ["approve"]


async def test_a_destructive_needs_the_typed_challenge_in_the_prompt_too(tmp_path: Path) -> None:
    tree = tmp_path / "cache"
    tree.mkdir()
    wrong = Prompt(accept(confirm_step_1="yes"))
    async with hitl_mcp(elicitation=wrong, **ON) as session:
        refused = await session.call_tool("run_command", {"host": "local", "command": f"rm -rf {tree}", "purpose": "x"})
    assert "decision: rejected" in result_text(refused) and "challenge" in result_text(refused)
    assert tree.exists(), "an accepted prompt without the challenge destroyed the tree"

    def typed(message: str) -> types.ElicitResult:
        challenge = re.search(r"to confirm, type (\S+)", message)
        assert challenge is not None, message
        return types.ElicitResult(action="accept", content={"confirm_step_1": challenge.group(1)})

    right = Prompt(typed)
    async with hitl_mcp(elicitation=right, **ON) as session:
        done = await session.call_tool("run_command", {"host": "local", "command": f"rm -rf {tree}", "purpose": "x"})
    assert "decision: approved" in result_text(done), result_text(done)
    assert not tree.exists()


async def test_declined_in_the_prompt_carries_the_reason(tmp_path: Path) -> None:
    prompt = Prompt(lambda _m: types.ElicitResult(action="decline", content={"reason": "use staging"}))
    async with hitl_mcp(elicitation=prompt, **ON) as session:
        result = await session.call_tool(
            "run_command", {"host": "local", "command": f"touch {tmp_path}/x", "purpose": "x"}
        )
    assert "decision: rejected" in result_text(result) and "operator's reason: use staging" in result_text(result)


async def test_the_first_decision_wins_and_the_console_dialog_is_withdrawn(tmp_path: Path) -> None:
    console = NobodyDecides()
    listener = ApproverListener(resolve_paths().state_dir, console, lambda _line: None)
    assert await listener.start()
    prompt = Prompt(accept(approve=True))
    try:
        async with hitl_mcp(elicitation=prompt, **ON) as session:
            result = await session.call_tool(
                "run_command", {"host": "local", "command": f"touch {tmp_path}/won", "purpose": "x"}
            )
        await asyncio.wait_for(console.withdrawn.wait(), 10)
    finally:
        await listener.close()
    assert "decision: approved" in result_text(result)
    assert (tmp_path / "won").exists()
