"""The agent contract: what the session and the TUI rely on, whichever agent (model or manual) is active.

An agent turns one operator message into a stream of events. It never runs anything itself: every tool call
goes through a `ToolExecutor` (the session), which classifies, asks the operator through the gate, captures,
runs, redacts and records. The agent's own safety duties are narrower and absolute: it only hands over a tool
call whose input was completely received and parsed, it strips fields the model invented (a `tier`, an
`approve` flag) instead of passing them on, and it refuses tools that do not exist.

Cancellation: the TUI cancels the task that iterates `run_turn` (Esc). The agent then keeps whatever text
had arrived in its history and leaves the conversation valid for the next turn. Iterate inside
`contextlib.aclosing(agent.run_turn(text))` so an iterator left early is closed at once; an agent still repairs
an abandoned turn when the next one starts.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Awaitable, Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class TextDelta:
    """A piece of the assistant's answer, to be appended to the chat as it arrives."""

    text: str


@dataclass(frozen=True, slots=True)
class Report:
    """A tool's result as rows, for the operator's chat: every plan step with its status and rollback key, every
    rollback point, every host. The model reads the result's text; the operator gets the same facts as a table."""

    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True, slots=True)
class ToolCall:
    """A tool call whose input was completely received, parsed and validated; it is being executed now.

    `input` is what the executor receives: fields the model invented have already been removed.
    """

    id: str
    name: str
    input: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class ToolOutcome:
    """What the model is told about a tool call: the executor's result, or why the call was refused; and the one
    line the operator's chat shows for it."""

    id: str
    name: str
    content: str
    is_error: bool
    summary: str = ""
    report: Report | None = None


@dataclass(frozen=True, slots=True)
class AgentStatus:
    """Transient progress the operator should see (a retry, a wait); not part of the answer."""

    message: str


@dataclass(frozen=True, slots=True)
class StreamRestarted:
    """The answer being streamed broke off and is requested again: drop the text shown since the last
    `ToolOutcome` (or since the turn began); a fresh copy follows."""

    message: str


class ErrorKind(StrEnum):
    AUTH = "auth"
    RATE_LIMIT = "rate_limit"
    SERVER = "server"
    NETWORK = "network"
    REQUEST = "request"
    """The API refused the request itself (400, 403, 404, 413, ...)."""
    LIMIT = "limit"
    """hitl's own limit on tool rounds per turn was reached."""
    INPUT = "input"
    """The operator's input could not be used (manual mode)."""


@dataclass(frozen=True, slots=True)
class AgentError:
    """A failure shown in the chat. The conversation is kept; the operator can simply send again."""

    message: str
    kind: ErrorKind


@dataclass(frozen=True, slots=True)
class HostChanged:
    """The current host changed (manual mode's `/host NAME`)."""

    host: str


@dataclass(frozen=True, slots=True)
class TurnEnded:
    """The last event of every turn that was not cancelled. `stop_reason` is the API's (`end_turn`,
    `max_tokens`, ...) or `error` after an `AgentError`."""

    stop_reason: str


AgentEvent = TextDelta | ToolCall | ToolOutcome | AgentStatus | StreamRestarted | AgentError | HostChanged | TurnEnded


@dataclass(frozen=True, slots=True)
class ToolResult:
    """The executor's answer to one tool call: the text the model reads, whether it is an error, and one line
    for the operator (when empty, the first line of `content`)."""

    content: str
    is_error: bool = False
    summary: str = ""
    report: Report | None = None

    @property
    def operator_line(self) -> str:
        return self.summary or (self.content.splitlines() or [""])[0]


class ToolExecutor(Protocol):
    """Implemented by the session: classification, approval, capture, running, redaction and memory.

    `arguments` has been validated against the tool's schema (see `console.core.agent.tools`), and contains
    only the fields the schema declares. The call may wait as long as the operator takes to decide.
    Result content for the model: `tools.format_command_result` for commands and plans (host output must be
    redacted first); for `list_hosts`, one host per line with its name as the first word (manual mode's
    `/host` relies on that when it is given no host directory). An exception is reported to the model as an
    error result, but the executor should rather return `ToolResult(message, is_error=True)` itself.
    """

    async def call_tool(self, name: str, arguments: Mapping[str, Any]) -> ToolResult: ...


ContextProvider = Callable[[], Awaitable[str]]
"""Returns the memory context for the hosts in scope (recent actions, open rollback keys, notes), placed in
the system prompt at the start of each turn. An empty string means there is nothing to tell."""


class Agent(Protocol):
    """Anything that answers the operator: `AnthropicAgent` or `ManualAgent`."""

    @property
    def label(self) -> str:
        """Shown in the status bar: the model name, or `manual`."""
        ...

    @property
    def history(self) -> list[dict[str, Any]]:
        """The conversation as JSON-serialisable Messages-API message dicts (a copy); give it back to the
        constructor to resume."""
        ...

    def run_turn(self, user_text: str) -> AsyncGenerator[AgentEvent]:
        """Answer one operator message. Ends with `TurnEnded` unless cancelled."""
        ...
