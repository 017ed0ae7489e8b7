"""The conversation as Messages-API message dicts, kept valid after every interruption.

The API rejects a conversation in which a `tool_use` is not answered by a `tool_result` at the start of the
next user message, or in which an assistant message is empty. A turn can stop anywhere (Esc, a network error,
a crash before a resume), so every mutation here keeps those rules, and `Conversation.close_dangling` answers
any `tool_use` left without a result. Consecutive user inputs (an answer that never came) are merged into one
user message rather than sent as two.

Everything that enters the conversation is redacted on the way in (`console.core.redact`): the operator's own
messages, the model's text and tool inputs (a plan's title and purposes, a note), tool results, and a resumed
history. The conversation is what is sent to the model and what is saved, so neither ever holds a secret; the
operator still sees what they typed, since the console shows its own copy. Tool calls run with the input the
model sent, not the redacted copy kept here.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable
from typing import Any

from console.core.errors import HitlError
from console.core.redact import redact, redact_json

INTERRUPTED_RESULT = (
    "No result: the turn was interrupted before this call finished. Whether it ran is unknown to you; "
    "use recall or list_rollbacks to find out before repeating it."
)


class HistoryError(HitlError, ValueError):
    """A stored conversation that cannot be resumed; `str()` names what is wrong."""


class Conversation:
    def __init__(self, messages: Iterable[dict[str, Any]] | None = None) -> None:
        self._messages: list[dict[str, Any]] = validate_history(redact_json(list(messages or [])))
        self.close_dangling(INTERRUPTED_RESULT)

    @property
    def messages(self) -> list[dict[str, Any]]:
        """The live list (sent to the API as is); use `snapshot()` for a copy to keep."""
        return self._messages

    def snapshot(self) -> list[dict[str, Any]]:
        return copy.deepcopy(self._messages)

    def __len__(self) -> int:
        return len(self._messages)

    def add_user_text(self, text: str) -> None:
        block = {"type": "text", "text": redact(text)}
        if self._messages and self._messages[-1]["role"] == "user":
            last = self._messages[-1]
            content = last["content"]
            if isinstance(content, str):
                last["content"] = [{"type": "text", "text": content}, block]
            else:
                content.append(block)
            return
        self._messages.append({"role": "user", "content": [block]})

    def add_assistant(self, blocks: list[dict[str, Any]]) -> None:
        """Append an assistant message; empty text blocks are dropped and nothing is added if none remain."""
        kept = [block for block in blocks if not (block.get("type") == "text" and not block.get("text", "").strip())]
        if kept:
            self._messages.append({"role": "assistant", "content": redact_json(kept)})

    def add_tool_results(self, results: list[dict[str, Any]]) -> None:
        if results:
            self._messages.append({"role": "user", "content": redact_json(results)})

    def dangling_tool_use_ids(self) -> list[str]:
        """Ids of `tool_use` blocks in the last message that have no `tool_result` yet."""
        if not self._messages or self._messages[-1]["role"] != "assistant":
            return []
        content = self._messages[-1]["content"]
        if isinstance(content, str):
            return []
        return [block["id"] for block in content if block.get("type") == "tool_use"]

    def close_dangling(self, text: str) -> None:
        ids = self.dangling_tool_use_ids()
        self.add_tool_results([tool_result(tool_id, text, is_error=True) for tool_id in ids])


def tool_result(tool_use_id: str, content: str, *, is_error: bool) -> dict[str, Any]:
    return {"type": "tool_result", "tool_use_id": tool_use_id, "content": content, "is_error": is_error}


def validate_history(messages: list[Any]) -> list[dict[str, Any]]:
    """Check the shape of a stored conversation (roles, content blocks, tool_use answered by tool_result)."""
    pending: set[str] = set()
    for index, message in enumerate(messages):
        where = f"message {index + 1}"
        if not isinstance(message, dict) or message.get("role") not in {"user", "assistant"}:
            raise HistoryError(f"{where}: expected an object with role 'user' or 'assistant'")
        if index == 0 and message["role"] != "user":
            raise HistoryError(f"{where}: a conversation must start with a user message")
        content = message.get("content")
        if isinstance(content, str):
            blocks: list[Any] = [{"type": "text", "text": content}]
        elif isinstance(content, list) and content:
            blocks = content
        else:
            raise HistoryError(f"{where}: content must be a string or a non-empty list of blocks")
        if not all(isinstance(block, dict) and isinstance(block.get("type"), str) for block in blocks):
            raise HistoryError(f"{where}: every content block needs a 'type'")
        answered = {block.get("tool_use_id") for block in blocks if block["type"] == "tool_result"}
        if pending - answered:
            raise HistoryError(f"{where}: tool call(s) {', '.join(sorted(pending - answered))} have no tool_result")
        pending = set()
        if message["role"] == "assistant":
            pending = {str(block.get("id")) for block in blocks if block["type"] == "tool_use"}
    return messages


def dumps_history(messages: list[dict[str, Any]]) -> str:
    return json.dumps(messages, ensure_ascii=False, indent=1)


def loads_history(text: str) -> list[dict[str, Any]]:
    """Parse and validate a stored conversation; raise `HistoryError` with a clear message if unusable."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise HistoryError(f"not valid JSON: {error}") from None
    if not isinstance(data, list):
        raise HistoryError("expected a JSON array of messages")
    return validate_history(data)
