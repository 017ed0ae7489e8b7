"""The conversation stays valid for the API whatever interrupts it, and round-trips through JSON."""

from __future__ import annotations

import pytest

from console.core.agent.history import (
    Conversation,
    HistoryError,
    dumps_history,
    loads_history,
    tool_result,
)


def test_consecutive_user_inputs_merge_into_one_message() -> None:
    conversation = Conversation()
    conversation.add_user_text("first")
    conversation.add_user_text("second")
    assert conversation.messages == [
        {"role": "user", "content": [{"type": "text", "text": "first"}, {"type": "text", "text": "second"}]}
    ]


def test_empty_assistant_text_is_not_stored() -> None:
    conversation = Conversation([{"role": "user", "content": "hi"}])
    conversation.add_assistant([{"type": "text", "text": "   "}])
    assert len(conversation) == 1


def test_a_resumed_conversation_with_an_unanswered_tool_use_is_closed() -> None:
    stored = [
        {"role": "user", "content": "restart nginx"},
        {"role": "assistant", "content": [{"type": "tool_use", "id": "t1", "name": "run_command", "input": {}}]},
    ]
    conversation = Conversation(stored)
    last = conversation.messages[-1]
    assert last["role"] == "user"
    assert last["content"][0]["tool_use_id"] == "t1" and last["content"][0]["is_error"] is True
    assert "Whether it ran is unknown" in last["content"][0]["content"]


def test_json_round_trip() -> None:
    conversation = Conversation([{"role": "user", "content": "hi"}])
    conversation.add_assistant(
        [{"type": "text", "text": "ok"}, {"type": "tool_use", "id": "t", "name": "list_hosts", "input": {}}]
    )
    conversation.add_tool_results([tool_result("t", "local", is_error=False)])
    assert loads_history(dumps_history(conversation.snapshot())) == conversation.messages


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{", "not valid JSON"),
        ('{"role": "user"}', "expected a JSON array"),
        ('[{"role": "assistant", "content": "x"}]', "must start with a user message"),
        ('[{"role": "user", "content": []}]', "content must be a string or a non-empty list"),
        ('[{"role": "robot", "content": "x"}]', "role 'user' or 'assistant'"),
        (
            '[{"role": "user", "content": "x"}, {"role": "assistant", "content": [{"type": "tool_use", "id": "a",'
            ' "name": "n", "input": {}}]}, {"role": "user", "content": "no result"}]',
            "tool call(s) a have no tool_result",
        ),
    ],
)
def test_unusable_stored_conversations_are_named(text: str, message: str) -> None:
    with pytest.raises(HistoryError) as caught:
        loads_history(text)
    assert message in str(caught.value)
