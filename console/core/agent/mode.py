"""Which agent answers, decided once: the model when an API key is set, otherwise manual mode.

Light on purpose (no SDK, no session): the console names the mode in its status bar before anything heavy is
imported, and the agent factory and the session record the same answer.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Final

from console.core.config import Settings

MANUAL: Final = "manual"


def uses_model(environ: Mapping[str, str] | None = None) -> bool:
    """True when `ANTHROPIC_API_KEY` holds a key (blank or whitespace does not count)."""
    env = os.environ if environ is None else environ
    return bool(env.get("ANTHROPIC_API_KEY", "").strip())


def agent_mode(settings: Settings, environ: Mapping[str, str] | None = None) -> str:
    """What the console and the session record call the agent: the model's name, or `manual`."""
    return settings.model if uses_model(environ) else MANUAL
