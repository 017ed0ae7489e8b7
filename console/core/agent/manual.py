"""`ManualAgent`: the offline default. The operator types the commands; the same executor gates them.

Nothing here decides anything about safety: a `!COMMAND` goes to the executor exactly like the model's
`run_command`, so it is classified, gated, captured and recorded the same way.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Iterable, Sequence
from typing import Any, Final

from console.core.agent.base import (
    AgentError,
    AgentEvent,
    ErrorKind,
    HostChanged,
    TextDelta,
    ToolCall,
    ToolExecutor,
    ToolOutcome,
    ToolResult,
    TurnEnded,
)
from console.core.agent.history import Conversation
from console.core.agent.tools import ToolInputError, validate_tool_input

HostNames = Callable[[], Awaitable[Sequence[str]]]

HELP: Final = """\
Manual mode: you type the commands; hitl classifies, gates, captures and records them as it would the model's.

| Type | What it does |
|---|---|
| `!COMMAND` | run COMMAND on the current host (READ runs at once; WRITE and DESTRUCTIVE ask first) |
| `/plan [TITLE]` | then one command per line (shift+enter for a new line): submitted as one plan |
| `/host [NAME]` | show or change the current host |
| `/hosts` | list the hosts |
| `/remember TEXT` | store a note about the current host |
| `/recall QUERY` | search the memory (actions, outputs, decisions, notes) |
| `/rollbacks [HOST]` | list the rollback points that can still be restored |
| `/rollback KEY REASON` | ask to restore a rollback point (shown as a diff, approved like any WRITE) |
| `/help` | this table (F1 lists the keys) |
"""

NOT_A_COMMAND: Final = (
    "hitl is in manual mode (no ANTHROPIC_API_KEY is set), so there is no model to answer. Type !COMMAND to run "
    "a command on {host}, /plan for several, or /help for everything else."
)


class ManualAgent:
    def __init__(
        self,
        executor: ToolExecutor,
        *,
        host: str | Callable[[], str] = "local",
        history: Iterable[dict[str, Any]] | None = None,
        host_names: HostNames | None = None,
    ) -> None:
        self._executor = executor
        self._host_source = host if callable(host) else None
        self._host = host if isinstance(host, str) else host()
        self._host_names = host_names
        self._conversation = Conversation(history)

    @property
    def label(self) -> str:
        return "manual"

    @property
    def host(self) -> str:
        """The host `!COMMAND` runs on: the session's current host when a source was given, so a switch made
        elsewhere (hosts screen, palette) is followed."""
        return self._host_source() if self._host_source is not None else self._host

    @property
    def history(self) -> list[dict[str, Any]]:
        return self._conversation.snapshot()

    async def run_turn(self, user_text: str) -> AsyncGenerator[AgentEvent]:
        text = user_text.strip()
        if not text:
            yield TurnEnded("end_turn")
            return
        self._conversation.add_user_text(text)
        transcript: list[str] = []
        async for event in self._dispatch(text):
            if isinstance(event, TextDelta):
                transcript.append(event.text)
            elif isinstance(event, ToolOutcome):
                transcript.append(f"[{event.name}] {event.content}")
            elif isinstance(event, AgentError):
                transcript.append(f"error: {event.message}")
            yield event
        self._conversation.add_assistant([{"type": "text", "text": "\n".join(transcript)}])
        yield TurnEnded("end_turn")

    async def _dispatch(self, text: str) -> AsyncIterator[AgentEvent]:
        if text.startswith("!"):
            command = text[1:].strip()
            if not command:
                yield AgentError("Type a command after !, for example: !df -h", ErrorKind.INPUT)
                return
            arguments = {"host": self.host, "command": command, "purpose": "typed by the operator"}
            async for event in self._call("run_command", arguments):
                yield event
            return
        if not text.startswith("/"):
            yield TextDelta(NOT_A_COMMAND.format(host=self.host))
            return
        head, _, body = text.partition("\n")
        verb, _, rest = head.partition(" ")
        rest = rest.strip()
        if verb == "/plan":
            async for event in self._plan(rest, body):
                yield event
        elif verb == "/host":
            async for event in self._change_host(rest):
                yield event
        elif verb == "/hosts":
            async for event in self._call("list_hosts", {}):
                yield event
        elif verb == "/remember":
            async for event in self._call("remember", {"text": rest, "host": self.host}, usage="/remember TEXT"):
                yield event
        elif verb == "/recall":
            async for event in self._call("recall", {"query": rest}, usage="/recall QUERY"):
                yield event
        elif verb == "/rollbacks":
            async for event in self._call("list_rollbacks", {"host": rest} if rest else {}):
                yield event
        elif verb == "/rollback":
            key, _, reason = rest.partition(" ")
            arguments = {"key": key, "reason": reason.strip() or "requested by the operator"}
            async for event in self._call("request_rollback", arguments, usage="/rollback KEY REASON"):
                yield event
        elif verb == "/help":
            yield TextDelta(HELP)
        else:
            yield AgentError(f"Unknown command {verb}; /help lists the commands.", ErrorKind.INPUT)

    async def _plan(self, title: str, body: str) -> AsyncIterator[AgentEvent]:
        commands = [line.strip() for line in body.splitlines() if line.strip() and not line.strip().startswith("#")]
        if not commands:
            yield AgentError("A plan needs at least one command: one per line after /plan.", ErrorKind.INPUT)
            return
        steps = [
            {"command": command, "purpose": f"step {n}, typed by the operator"} for n, command in enumerate(commands, 1)
        ]
        arguments = {"title": title or "Plan typed by the operator", "host": self.host, "steps": steps}
        async for event in self._call("propose_plan", arguments):
            yield event

    async def _change_host(self, name: str) -> AsyncIterator[AgentEvent]:
        if not name:
            yield TextDelta(f"Current host: {self.host}. /host NAME changes it; /hosts lists them.")
            return
        known = await self._known_hosts()
        if name not in known:
            listed = ", ".join(known) if known else "none"
            yield AgentError(f"Unknown host {name!r}; known hosts: {listed}.", ErrorKind.INPUT)
            return
        self._host = name
        yield HostChanged(name)
        yield TextDelta(f"Current host: {name}.")

    async def _known_hosts(self) -> list[str]:
        if self._host_names is not None:
            return list(await self._host_names())
        # Without a directory, read the first word of each line of list_hosts (the executor's format for it).
        result = await self._executor.call_tool("list_hosts", {})
        return [line.split()[0] for line in result.content.splitlines() if line.strip()] if not result.is_error else []

    async def _call(self, name: str, raw: dict[str, Any], usage: str = "") -> AsyncIterator[AgentEvent]:
        try:
            arguments = validate_tool_input(name, raw).arguments
        except ToolInputError as error:
            hint = f" Usage: {usage}" if usage else ""
            yield AgentError(f"{error}.{hint}", ErrorKind.INPUT)
            return
        call_id = f"manual_{uuid.uuid4().hex[:12]}"
        yield ToolCall(call_id, name, arguments)
        try:
            result = await self._executor.call_tool(name, arguments)
        except Exception as error:  # shown in the chat; the console and the history stay usable
            result = ToolResult(f"hitl failed while handling this call ({type(error).__name__}: {error}).", True)
        yield ToolOutcome(
            call_id, name, result.content, result.is_error, summary=result.operator_line, report=result.report
        )
