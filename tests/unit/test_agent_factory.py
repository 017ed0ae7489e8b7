"""Choosing the agent: the model with an API key, manual mode otherwise; anthropic is not imported for it."""

from __future__ import annotations

import subprocess
import sys

from console.core.agent.anthropic_agent import AnthropicAgent
from console.core.agent.factory import MANUAL_NOTICE, create_agent
from console.core.agent.manual import ManualAgent
from console.core.config import Settings, load_settings
from tests.fakes.executor import RecordingExecutor


def test_without_a_key_manual_mode_with_a_one_line_notice() -> None:
    selection = create_agent(Settings(), RecordingExecutor(), environ={"ANTHROPIC_API_KEY": "  "})
    assert isinstance(selection.agent, ManualAgent)
    assert selection.notice == MANUAL_NOTICE and "\n" not in MANUAL_NOTICE
    assert selection.agent.label == "manual"


def test_with_a_key_the_model_from_hitl_model(hitl_home) -> None:
    settings = load_settings(hitl_home / "config.toml", {"HITL_MODEL": "claude-custom"})
    history = [{"role": "user", "content": "earlier"}]
    selection = create_agent(settings, RecordingExecutor(), environ={"ANTHROPIC_API_KEY": "sk"}, history=history)
    assert isinstance(selection.agent, AnthropicAgent)
    assert selection.agent.label == "claude-custom" and selection.notice is None
    assert selection.agent.history == history


def test_building_an_agent_does_not_import_anthropic() -> None:
    code = (
        "import sys\n"
        "from console.core.agent.factory import create_agent\n"
        "from console.core.config import Settings\n"
        "class E:\n"
        "    async def call_tool(self, name, arguments): ...\n"
        "create_agent(Settings(), E(), environ={'ANTHROPIC_API_KEY': 'sk'})\n"
        "print('anthropic' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
