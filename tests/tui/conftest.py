from __future__ import annotations

import os

import pytest

from console.core.config import Settings
from console.core.paths import resolve_paths
from console.core.themes import discover_themes
from console.tui.app import HitlApp

FAST = {"write_key_delay": 0.05, "destructive_dwell": 0.1, "model": "claude-hitl-test"}
"""Short delays keep the tests fast; the dialogs' own tests check that the delays are enforced."""


@pytest.fixture
def make_app():
    """The main screen without a session (the chrome, themes, keymap)."""

    def build(**settings_changes: object) -> HitlApp:
        settings = Settings(**settings_changes)  # type: ignore[arg-type]
        return HitlApp(settings, discover_themes(None), host="local", mode="manual", connect=False)

    return build


@pytest.fixture
def console_app():
    """The whole console on the test's HITL_HOME: real session, real local (or SSH) host, real agent."""

    def build(*, host: str = "local", resume: bool = False, **settings_changes: object) -> HitlApp:
        settings = Settings(**{**FAST, **settings_changes})  # type: ignore[arg-type]
        mode = settings.model if os.environ.get("ANTHROPIC_API_KEY") else "manual"
        return HitlApp(settings, discover_themes(None), host=host, mode=mode, paths=resolve_paths(), resume=resume)

    return build


@pytest.fixture
def model(fake_anthropic, monkeypatch: pytest.MonkeyPatch):
    """The model mode: the fake Messages API serving `turns`, and the environment that points the console at it."""

    def start(*turns):
        server = fake_anthropic(list(turns))
        monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test")
        monkeypatch.setenv("ANTHROPIC_BASE_URL", server.url)
        return server

    return start
