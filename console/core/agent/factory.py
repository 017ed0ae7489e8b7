"""Which agent answers: the model when an API key is set, otherwise manual mode with a one-line notice."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from console.core.agent.anthropic_agent import AnthropicAgent
from console.core.agent.base import Agent, ContextProvider, ToolExecutor
from console.core.agent.manual import HostNames, ManualAgent
from console.core.agent.mode import uses_model
from console.core.config import Settings

MANUAL_NOTICE: Final = (
    "Manual mode (no ANTHROPIC_API_KEY set): type !COMMAND to run it on the current host, /help for the rest."
)


@dataclass(frozen=True)
class AgentSelection:
    agent: Agent
    notice: str | None
    """A line to show in the chat when the console opens (manual mode), or None."""


def create_agent(
    settings: Settings,
    executor: ToolExecutor,
    context_provider: ContextProvider | None = None,
    *,
    history: Iterable[dict[str, Any]] | None = None,
    host: str | Callable[[], str] = "local",
    host_names: HostNames | None = None,
    environ: Mapping[str, str] | None = None,
) -> AgentSelection:
    """The model is `settings.model` (`HITL_MODEL` overrides it); the SDK reads `ANTHROPIC_API_KEY` and
    `ANTHROPIC_BASE_URL` itself. Building the agent does not import `anthropic`."""
    if uses_model(environ):
        return AgentSelection(AnthropicAgent(settings.model, executor, context_provider, history=history), None)
    return AgentSelection(ManualAgent(executor, host=host, history=history, host_names=host_names), MANUAL_NOTICE)
