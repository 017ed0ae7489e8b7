from __future__ import annotations

import pytest

from console.core.config import Settings
from console.core.themes import discover_themes
from console.tui.app import HitlApp


@pytest.fixture
def make_app():
    def build(**settings_changes: object) -> HitlApp:
        settings = Settings(**settings_changes)  # type: ignore[arg-type]
        return HitlApp(settings, discover_themes(None), host="local", mode="manual", connect=False)

    return build
