"""ManualAgent: the operator's commands go through the same executor (gate, capture, memory) as the model's."""

from __future__ import annotations

import contextlib
from pathlib import Path

from console.core.agent.base import AgentError, AgentEvent, ErrorKind, HostChanged, TextDelta, ToolCall, ToolOutcome
from console.core.agent.manual import ManualAgent
from console.core.tiers import Tier
from tests.fakes.executor import RecordingExecutor


async def turn(agent: ManualAgent, text: str) -> list[AgentEvent]:
    async with contextlib.aclosing(agent.run_turn(text)) as events:
        return [event async for event in events]


async def test_bang_runs_on_the_current_host_through_the_executor() -> None:
    executor = RecordingExecutor()
    events = await turn(ManualAgent(executor), "!echo manual-$((1 + 1))")

    assert executor.calls == [
        ("run_command", {"host": "local", "command": "echo manual-$((1 + 1))", "purpose": "typed by the operator"})
    ]
    call, outcome = events[0], events[1]
    assert isinstance(call, ToolCall) and isinstance(outcome, ToolOutcome) and call.id == outcome.id
    assert "manual-2" in outcome.content and not outcome.is_error


async def test_write_in_manual_mode_still_waits_for_the_gate(tmp_path: Path) -> None:
    target = tmp_path / "f"
    asked: list[Tier] = []

    async def operator(_name: str, _arguments: object, tier: Tier) -> tuple[bool, str | None]:
        asked.append(tier)
        return False, "not now"

    executor = RecordingExecutor(tiers={f"touch {target}": Tier.WRITE}, approver=operator)
    events = await turn(ManualAgent(executor), f"!touch {target}")
    assert asked == [Tier.WRITE] and not target.exists()
    assert "operator's reason: not now" in next(e for e in events if isinstance(e, ToolOutcome)).content


async def test_plan_is_one_command_per_line_with_an_optional_title(tmp_path: Path) -> None:
    executor = RecordingExecutor()
    text = f"/plan Tidy up\n  touch {tmp_path}/a\n\n# a comment\ntouch {tmp_path}/b\n"
    await turn(ManualAgent(executor), text)

    [(name, arguments)] = executor.calls
    assert name == "propose_plan"
    assert arguments["title"] == "Tidy up" and arguments["host"] == "local"
    assert [step["command"] for step in arguments["steps"]] == [f"touch {tmp_path}/a", f"touch {tmp_path}/b"]
    assert (tmp_path / "a").exists() and (tmp_path / "b").exists()


async def test_empty_plan_and_empty_bang_are_input_errors() -> None:
    executor = RecordingExecutor()
    agent = ManualAgent(executor)
    for text in ("/plan nothing here", "!   "):
        [error, _end] = await turn(agent, text)
        assert isinstance(error, AgentError) and error.kind is ErrorKind.INPUT
    assert executor.calls == []


async def test_host_is_validated_through_list_hosts_and_then_used() -> None:
    executor = RecordingExecutor(hosts=("local", "web1"))
    agent = ManualAgent(executor)
    [error, _] = await turn(agent, "/host db9")
    assert isinstance(error, AgentError) and "known hosts: local, web1" in error.message
    assert agent.host == "local"

    events = await turn(agent, "/host web1")
    assert HostChanged("web1") in events and agent.host == "web1"
    await turn(agent, "!true")
    assert executor.calls[-1][1]["host"] == "web1"


async def test_host_directory_can_be_given_directly() -> None:
    async def names() -> list[str]:
        return ["local", "db1"]

    executor = RecordingExecutor()
    agent = ManualAgent(executor, host_names=names)
    await turn(agent, "/host db1")
    assert agent.host == "db1" and executor.calls == []


async def test_memory_and_rollback_commands_map_to_their_tools() -> None:
    executor = RecordingExecutor()
    agent = ManualAgent(executor, host="local")
    for text in ("/remember nginx logs rotate at 03:00", "/recall nginx", "/rollbacks", "/rollback rb-1 broke it"):
        await turn(agent, text)
    assert executor.calls == [
        ("remember", {"text": "nginx logs rotate at 03:00", "host": "local"}),
        ("recall", {"query": "nginx"}),
        ("list_rollbacks", {}),
        ("request_rollback", {"key": "rb-1", "reason": "broke it"}),
    ]
    [error, _] = await turn(agent, "/recall")
    assert isinstance(error, AgentError) and "Usage: /recall QUERY" in error.message


async def test_help_unknown_commands_and_plain_text_explain_manual_mode() -> None:
    agent = ManualAgent(RecordingExecutor())
    [help_text, _] = await turn(agent, "/help")
    assert isinstance(help_text, TextDelta) and "!COMMAND" in help_text.text and "/plan" in help_text.text
    [unknown, _] = await turn(agent, "/frobnicate")
    assert isinstance(unknown, AgentError) and "/help" in unknown.message
    [prose, _] = await turn(agent, "why is the disk full?")
    assert isinstance(prose, TextDelta) and "manual mode" in prose.text


async def test_manual_history_is_valid_and_resumable() -> None:
    agent = ManualAgent(RecordingExecutor())
    await turn(agent, "!echo one")
    await turn(agent, "hello")
    history = agent.history
    assert [message["role"] for message in history] == ["user", "assistant", "user", "assistant"]
    assert "one" in history[1]["content"][0]["text"]
    resumed = ManualAgent(RecordingExecutor(), history=history)
    assert resumed.history == history


async def test_an_executor_failure_is_shown_not_raised() -> None:
    class Broken(RecordingExecutor):
        async def call_tool(self, name, arguments):  # type: ignore[no-untyped-def]
            raise RuntimeError("transport gone")

    events = await turn(ManualAgent(Broken()), "!uptime")
    outcome = next(event for event in events if isinstance(event, ToolOutcome))
    assert outcome.is_error and "transport gone" in outcome.content
