"""The conversation in the operator's words: what the model asked for, what came of it, what can be typed, and
a resumed conversation shown as it was seen.

Tool names (`run_command`, `propose_plan`) are the model's vocabulary, not the operator's: the chat says what
was asked ("run on web1: …") and how it ended, in the words the session chose (`ToolResult.summary`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from console.core.textsafe import shown_line
from console.tui.chat import ChatPane
from console.tui.text import plain

MANUAL_TYPED = (
    ("!COMMAND", "run COMMAND on the current host: READ at once, WRITE and DESTRUCTIVE after you approve"),
    ("/plan [TITLE]", "write several commands, approved once as a plan"),
    ("/host NAME, /hosts", "change the current host, list the hosts"),
    ("/remember TEXT, /recall QUERY", "keep a note, search the memory"),
    ("/rollbacks, /rollback KEY REASON", "list rollback points, roll one back"),
    ("/help", "what can be typed"),
)
MODEL_TYPED = (
    ("a question or a task", "the model answers and proposes commands or plans; hitl classifies every one"),
    ("/help", "what can be typed"),
)
INPUT_KEYS = (
    ("Up, Down", "earlier and later messages"),
    ("ctrl+r", "the newest earlier message containing what is typed (again: older)"),
)
OUTPUT_KEYS = (
    ("Tab", "move between the input, the output and the plan"),
    ("PgUp, PgDn, arrows", "scroll the output; left and right for long lines"),
    ("w", "wrap long lines (again: scroll sideways)"),
    ("End", "follow the newest output again"),
    ("/", "find text in the output and the chat"),
)


def tool_call_line(name: str, arguments: Mapping[str, Any]) -> str:
    """What the model asked for, in the operator's words (no tool names)."""
    host = arguments.get("host")
    on_host = f" on {host}" if host else ""
    match name:
        case "run_command":
            return f"▸ run{on_host}: {arguments.get('command')}"
        case "propose_plan":
            steps = arguments.get("steps") or []
            return f"▸ plan{on_host}: {arguments.get('title')} ({len(steps)} steps)"
        case "remember":
            return f"▸ note{on_host}: {arguments.get('text')}"
        case "recall":
            return f"▸ search the memory for: {arguments.get('query')}"
        case "list_hosts":
            return "▸ list the hosts"
        case "list_rollbacks":
            return f"▸ list the rollback points{on_host}"
        case "request_rollback":
            return f"▸ roll back {arguments.get('key')}: {arguments.get('reason')}"
    return f"▸ {name}"


def tool_outcome_line(summary: str, is_error: bool) -> str:
    """A result on one line, in the words the session chose for the operator (the output is in the output
    pane; tables follow for plans, rollback points and hosts)."""
    return f"{'✗' if is_error else '◂'} {summary}"


async def show_history(chat: ChatPane, messages: list[dict[str, Any]]) -> None:
    """A resumed conversation, as it was seen: the operator's messages, the answers, what was asked to run."""
    for message in messages:
        content = message.get("content")
        blocks = [{"type": "text", "text": content}] if isinstance(content, str) else content or []
        for block in blocks:
            kind = block.get("type")
            if kind == "text" and message.get("role") == "user":
                await chat.add_user(str(block.get("text", "")))
            elif kind == "text":
                await chat.add_markdown(str(block.get("text", "")))
            elif kind == "tool_use":
                arguments = block.get("input")
                words = tool_call_line(str(block.get("name")), arguments if isinstance(arguments, dict) else {})
                await chat.add_line(plain(shown_line(words)), "tool-line")
    await chat.add_notice("(end of the resumed conversation)")
