"""`AnthropicAgent`: the model answers through `messages.stream`, proposing commands through the tools.

Safety rules enforced here, before the executor (the session) ever sees a call:

- A tool call is handed over only if its response ended with `stop_reason == "tool_use"`, its block was
  closed, and its complete JSON input parses strictly (our own `json.loads` of the whole buffer, not the SDK's
  partial parse). A response cut by `max_tokens` or abandoned on malformed JSON runs none of its calls; each
  gets an error `tool_result`, so the model learns why and the conversation stays valid.
- Unknown tools (`approve`, ...) are refused without calling the executor; fields the schema does not declare
  (`tier`, ...) are removed and the model is told.

Retries are ours, not the SDK's (`max_retries=0`): that is how each one shows up in the chat as a status
line. 429, 5xx, 529 and connection errors before the answer starts are retried with backoff (honouring
`retry-after-ms` / `retry-after`); an error after the answer started streaming is retried once as a whole
(`StreamRestarted` tells the TUI to drop the broken text). Whatever fails, the operator's message stays in
the history, any text that arrived is kept, and every `tool_use` is answered.

`anthropic` is imported on first use: it costs about a second, and hitl must open without paying it.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncGenerator, AsyncIterator, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

from console.core.agent.base import (
    AgentError,
    AgentEvent,
    AgentStatus,
    ContextProvider,
    ErrorKind,
    StreamRestarted,
    TextDelta,
    ToolCall,
    ToolExecutor,
    ToolOutcome,
    ToolResult,
    TurnEnded,
)
from console.core.agent.history import Conversation, tool_result
from console.core.agent.prompt import build_system_prompt
from console.core.agent.tools import TOOLS, ToolInputError, validate_tool_input
from console.core.redact import redact

if TYPE_CHECKING:
    from anthropic import AsyncAnthropic

DEFAULT_MAX_TOKENS: Final = 4096
DEFAULT_MAX_TOOL_ROUNDS: Final = 25
DEFAULT_MAX_ATTEMPTS: Final = 4
MAX_RETRY_DELAY: Final = 60.0
CANCELLED_MARK: Final = "\n\n[interrupted by the operator]"
BROKEN_MARK: Final = "\n\n[cut off: the answer stopped because of an API or network error]"
CANCELLED_RESULT: Final = (
    "No result: the operator interrupted the turn (Esc) while this call was in progress. Whether it ran is "
    "unknown to you; use recall or list_rollbacks to find out before repeating it."
)
NOT_RUN_TRUNCATED: Final = (
    "Not run: your response hit the max_tokens limit, so this tool call may be incomplete. hitl never runs a "
    "call from a truncated response. Send it again, shorter if needed."
)
NOT_RUN_MALFORMED: Final = (
    "Not run: the tool input was not valid JSON ({detail}). hitl only runs a call whose complete input "
    "parses. Send the call again with valid JSON."
)
NOT_RUN_SIBLING: Final = (
    "Not run: another tool call in the same response had malformed JSON, so hitl ran none of them. Send the "
    "calls again."
)
NOT_RUN_INCOMPLETE: Final = "Not run: the tool call did not finish streaming. Send it again."


@dataclass
class _Block:
    kind: str
    text: str = ""
    tool_id: str = ""
    name: str = ""
    json_buf: str = ""
    closed: bool = False
    malformed: str | None = None


@dataclass
class _Response:
    """One streamed assistant message, assembled from the raw events."""

    blocks: dict[int, _Block] = field(default_factory=dict)
    started: bool = False
    stop_reason: str | None = None
    malformed: bool = False

    @property
    def text(self) -> str:
        return "".join(block.text for block in self.blocks.values() if block.kind == "text")

    def text_blocks(self, suffix: str = "") -> list[dict[str, Any]]:
        text = self.text.rstrip()
        return [{"type": "text", "text": text + suffix}] if text else []


@dataclass(frozen=True)
class _Call:
    """A tool_use block as it goes into the history, and what to do with it."""

    id: str
    name: str
    raw_input: dict[str, Any]
    refusal: str | None
    """Why it must not run; None when it may be validated and executed."""


class _RequestFailed(Exception):
    def __init__(self, error: AgentError) -> None:
        super().__init__(error.message)
        self.error = error


class AnthropicAgent:
    def __init__(
        self,
        model: str,
        executor: ToolExecutor,
        context_provider: ContextProvider | None = None,
        history: Iterable[dict[str, Any]] | None = None,
        client: AsyncAnthropic | None = None,
        *,
        max_tokens: int = DEFAULT_MAX_TOKENS,
        max_tool_rounds: int = DEFAULT_MAX_TOOL_ROUNDS,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        retry_base_delay: float = 1.0,
        timeout: float = 120.0,
    ) -> None:
        self._model = model
        self._executor = executor
        self._context_provider = context_provider
        self._conversation = Conversation(history)
        self._client = client
        self._max_tokens = max_tokens
        self._max_tool_rounds = max_tool_rounds
        self._max_attempts = max_attempts
        self._retry_base_delay = retry_base_delay
        self._timeout = timeout
        # What a cancellation must repair: the response being streamed, or the results of the round in progress.
        self._inflight: _Response | None = None
        self._round_results: list[dict[str, Any]] | None = None
        self._active_turn: object | None = None

    @property
    def label(self) -> str:
        return self._model

    @property
    def history(self) -> list[dict[str, Any]]:
        return self._conversation.snapshot()

    def _get_client(self) -> AsyncAnthropic:
        if self._client is None:
            import anthropic

            # ANTHROPIC_API_KEY and ANTHROPIC_BASE_URL are read by the SDK itself.
            self._client = anthropic.AsyncAnthropic(
                max_retries=0, timeout=anthropic.Timeout(self._timeout, connect=10.0)
            )
        return self._client

    async def run_turn(self, user_text: str) -> AsyncGenerator[AgentEvent]:
        if self._active_turn is not None:  # an earlier turn's iterator was abandoned without being closed
            self._repair_after_interruption()
        turn = self._active_turn = object()
        self._conversation.add_user_text(user_text)
        finished = False
        try:
            system = await self._system_prompt()
            for _ in range(self._max_tool_rounds):
                response = _Response()
                self._inflight = response
                try:
                    async for event in self._request(system, response):
                        yield event
                except _RequestFailed as failure:
                    self._inflight = None
                    self._conversation.add_assistant(response.text_blocks(BROKEN_MARK))
                    finished = True
                    yield failure.error
                    yield TurnEnded("error")
                    return
                self._inflight = None
                calls = _calls_of(response)
                self._conversation.add_assistant(
                    response.text_blocks()
                    + [{"type": "tool_use", "id": c.id, "name": c.name, "input": c.raw_input} for c in calls]
                )
                if not calls:
                    finished = True
                    yield TurnEnded(response.stop_reason or "end_turn")
                    return
                self._round_results = []
                for call in calls:
                    async for event in self._handle_call(call):
                        yield event
                results, self._round_results = self._round_results, None
                self._conversation.add_tool_results(results)
            finished = True
            yield AgentError(
                f"Stopped after {self._max_tool_rounds} tool rounds in one turn; send a message to continue.",
                ErrorKind.LIMIT,
            )
            yield TurnEnded("error")
        finally:
            if self._active_turn is turn:
                if not finished:
                    self._repair_after_interruption()
                self._active_turn = None

    def _repair_after_interruption(self) -> None:
        """Esc (task cancelled) or the consumer stopped iterating: keep what arrived, answer every tool_use."""
        if self._inflight is not None:
            self._conversation.add_assistant(self._inflight.text_blocks(CANCELLED_MARK))
            self._inflight = None
        results = self._round_results or []
        answered = {result["tool_use_id"] for result in results}
        results += [
            tool_result(tool_id, CANCELLED_RESULT, is_error=True)
            for tool_id in self._conversation.dangling_tool_use_ids()
            if tool_id not in answered
        ]
        if self._conversation.dangling_tool_use_ids():
            self._conversation.add_tool_results(results)
        self._round_results = None

    async def _system_prompt(self) -> str:
        context = ""
        if self._context_provider is not None:
            try:
                context = await self._context_provider()
            except Exception as error:  # memory trouble must not stop the conversation
                context = f"(hitl could not read its memory for this turn: {type(error).__name__})"
        return build_system_prompt(redact(context))

    async def _handle_call(self, call: _Call) -> AsyncIterator[AgentEvent]:
        assert self._round_results is not None
        if call.refusal is not None:
            self._round_results.append(tool_result(call.id, call.refusal, is_error=True))
            yield ToolOutcome(call.id, call.name, call.refusal, is_error=True, summary=call.refusal)
            return
        try:
            validated = validate_tool_input(call.name, call.raw_input)
        except ToolInputError as error:
            message = f"Refused by hitl, not run: {error}."
            self._round_results.append(tool_result(call.id, message, is_error=True))
            yield ToolOutcome(call.id, call.name, message, is_error=True, summary=message)
            return
        yield ToolCall(call.id, call.name, validated.arguments)
        try:
            result = await self._executor.call_tool(call.name, validated.arguments)
        except Exception as error:  # a bug or an outage in the session must not break the conversation
            result = ToolResult(f"hitl failed while handling this call ({type(error).__name__}: {error}).", True)
        content = "\n".join(part for part in (validated.ignored_note(), result.content) if part)
        self._round_results.append(tool_result(call.id, content, is_error=result.is_error))
        yield ToolOutcome(
            call.id, call.name, content, result.is_error, summary=result.operator_line, report=result.report
        )

    async def _request(self, system: str, response: _Response) -> AsyncIterator[AgentEvent]:
        """Stream one assistant message into `response`, retrying as described in the module docstring."""
        attempt = 0
        restarted = False
        while True:
            attempt += 1
            try:
                async for event in self._stream_once(system, response):
                    yield event
                return
            except Exception as error:
                if response.started:
                    if restarted:
                        raise _RequestFailed(_describe(error, during_stream=True)) from error
                    restarted = True
                    response.blocks.clear()
                    response.started = False
                    yield StreamRestarted(f"The answer broke off ({_short(error)}); asking again.")
                    continue
                retry_after = _retry_delay(error)
                if retry_after is None or attempt >= self._max_attempts:
                    raise _RequestFailed(_describe(error, during_stream=False)) from error
                delay = min(retry_after, MAX_RETRY_DELAY) if retry_after >= 0 else self._backoff(attempt)
                yield AgentStatus(
                    f"{_short(error)}; retrying in {delay:.1f} s (attempt {attempt + 1} of {self._max_attempts})"
                )
                await asyncio.sleep(delay)

    def _backoff(self, attempt: int) -> float:
        return float(min(self._retry_base_delay * 2 ** (attempt - 1), MAX_RETRY_DELAY))

    async def _stream_once(self, system: str, response: _Response) -> AsyncIterator[AgentEvent]:
        client = self._get_client()
        async with client.messages.stream(
            model=self._model,
            max_tokens=self._max_tokens,
            system=system,
            messages=self._conversation.messages,  # type: ignore[arg-type]
            tools=TOOLS,  # type: ignore[arg-type]
        ) as stream:
            try:
                async for event in stream:
                    text = _apply_event(response, event)
                    if text:
                        yield TextDelta(text)
            except ValueError as error:
                # The SDK's incremental JSON parse of a tool input failed: the model sent malformed JSON.
                # Abandon this message; none of its calls will run (see `_calls_of`).
                open_tools = [b for b in response.blocks.values() if b.kind == "tool_use" and not b.closed]
                if not open_tools:
                    raise
                open_tools[-1].malformed = str(error).split(". JSON:")[0]
                response.malformed = True


def _apply_event(response: _Response, event: Any) -> str:
    """Fold one raw stream event into `response`; return the text to show, if any."""
    kind = event.type
    if kind == "message_start":
        response.started = True
    elif kind == "content_block_start":
        block = event.content_block
        if block.type == "text":
            response.blocks[event.index] = _Block("text", text=block.text or "")
        elif block.type == "tool_use":
            response.blocks[event.index] = _Block("tool_use", tool_id=block.id, name=block.name)
    elif kind == "content_block_delta":
        target = response.blocks.get(event.index)
        delta = event.delta
        if target is not None and delta.type == "text_delta" and target.kind == "text":
            target.text += delta.text
            return str(delta.text)
        if target is not None and delta.type == "input_json_delta" and target.kind == "tool_use":
            target.json_buf += delta.partial_json
    elif kind == "content_block_stop":
        target = response.blocks.get(event.index)
        if target is not None:
            target.closed = True
    elif kind == "message_delta":
        response.stop_reason = event.delta.stop_reason
    return ""


def _calls_of(response: _Response) -> list[_Call]:
    """Every tool_use block of a finished response, each with the reason it must not run (if any)."""
    calls: list[_Call] = []
    for block in response.blocks.values():
        if block.kind != "tool_use":
            continue
        parsed: object = None
        refusal: str | None = None
        if block.malformed is not None:
            refusal = NOT_RUN_MALFORMED.format(detail=block.malformed)
        elif response.malformed:
            refusal = NOT_RUN_SIBLING
        elif response.stop_reason == "max_tokens":
            refusal = NOT_RUN_TRUNCATED
        elif not block.closed or response.stop_reason != "tool_use":
            refusal = NOT_RUN_INCOMPLETE
        else:
            try:
                parsed = json.loads(block.json_buf) if block.json_buf.strip() else {}
            except json.JSONDecodeError as error:
                refusal = NOT_RUN_MALFORMED.format(detail=str(error))
            else:
                if not isinstance(parsed, dict):
                    refusal = NOT_RUN_MALFORMED.format(detail="the input is not a JSON object")
        raw_input = parsed if refusal is None and isinstance(parsed, dict) else {}
        calls.append(_Call(block.tool_id, block.name, raw_input, refusal))
    return calls


def _retry_delay(error: Exception) -> float | None:
    """None if `error` is not worth retrying; the server's requested delay in seconds; or -1 for our backoff."""
    import anthropic

    if isinstance(error, anthropic.APIStatusError):
        if not (error.status_code in (408, 409, 429) or error.status_code >= 500):
            return None
        headers = error.response.headers
        for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
            value = headers.get(name)
            if value is not None:
                try:
                    return max(0.0, float(value) * scale)
                except ValueError:
                    pass
        return -1.0
    if isinstance(error, anthropic.APIConnectionError):
        return -1.0
    return None


def _short(error: Exception) -> str:
    import anthropic

    if isinstance(error, anthropic.RateLimitError):
        return "rate limited by the API (429)"
    if isinstance(error, anthropic.APIStatusError):
        return f"the API answered {error.status_code}"
    if isinstance(error, anthropic.APITimeoutError):
        return "the API did not answer in time"
    if isinstance(error, anthropic.APIConnectionError):
        return "cannot reach the API"
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__


def _api_message(error: Any) -> str:
    body = getattr(error, "body", None)
    if isinstance(body, dict):
        inner = body.get("error")
        if isinstance(inner, dict) and isinstance(inner.get("message"), str):
            return str(inner["message"])
    return str(getattr(error, "message", error))


def _describe(error: Exception, *, during_stream: bool) -> AgentError:
    """The chat message for a request that will not be retried (any more)."""
    import anthropic

    kept = "Your conversation is kept; send a message to try again."
    if isinstance(error, anthropic.AuthenticationError):
        return AgentError(
            "Anthropic rejected the API key (401). Check ANTHROPIC_API_KEY (and ANTHROPIC_BASE_URL if set), then "
            f"restart hitl. {kept}",
            ErrorKind.AUTH,
        )
    if isinstance(error, anthropic.RateLimitError):
        return AgentError(f"Still rate limited by the API (429) after retrying. {kept}", ErrorKind.RATE_LIMIT)
    if isinstance(error, anthropic.APIStatusError) and during_stream:
        return AgentError(
            f"The Anthropic API failed during the answer ({_api_message(error)}). {kept}", ErrorKind.SERVER
        )
    if isinstance(error, anthropic.APIStatusError) and error.status_code >= 500:
        return AgentError(
            f"The Anthropic API failed ({error.status_code}: {_api_message(error)}). {kept}", ErrorKind.SERVER
        )
    if isinstance(error, anthropic.NotFoundError):
        return AgentError(
            f"The API does not know this model or endpoint (404: {_api_message(error)}). Set HITL_MODEL or `model` "
            f"in config.toml. {kept}",
            ErrorKind.REQUEST,
        )
    if isinstance(error, anthropic.APIStatusError):
        return AgentError(
            f"The API refused the request ({error.status_code}: {_api_message(error)}). {kept}", ErrorKind.REQUEST
        )
    if isinstance(error, anthropic.APIConnectionError):
        return AgentError(f"Cannot reach the Anthropic API ({_short(error)}). {kept}", ErrorKind.NETWORK)
    return AgentError(f"The answer broke off twice ({_short(error)}). {kept}", ErrorKind.NETWORK)
