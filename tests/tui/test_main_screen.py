from __future__ import annotations

import pytest
from textual.widgets import Input

from console.core.config import Settings
from console.core.themes import ThemeCatalog, discover_themes
from console.tui.app import HitlApp
from console.tui.widgets import StatusBar


@pytest.mark.parametrize("size", [(80, 24), (160, 48)])
def test_main_screen_snapshot(snap_compare, make_app, size: tuple[int, int]) -> None:
    async def steady(pilot) -> None:  # the input's blinking cursor made the snapshot depend on the machine's load
        pilot.app.query_one("#chat-input", Input).cursor_blink = False
        await pilot.pause()

    assert snap_compare(make_app(), terminal_size=size, run_before=steady)


async def test_chat_input_has_focus_and_ctrl_q_quits(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        assert isinstance(app.focused, Input)
        assert app.focused.id == "chat-input"
        await pilot.press("ctrl+q")
    assert app.return_code == 0
    assert not app.is_running


async def test_status_bar_shows_host_mode_and_lock(make_app) -> None:
    app = make_app(read_only=True)
    async with app.run_test(size=(80, 24)):
        text = str(app.query_one(StatusBar).render())
        assert "host: local" in text
        assert "mode: manual" in text
        assert "READ-ONLY" in text


async def test_keymap_override_by_binding_id(make_app) -> None:
    app = make_app(keymap={"quit": "ctrl+x"})
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+x")
    assert not app.is_running


async def test_unknown_theme_falls_back_with_notice(make_app) -> None:
    app = make_app(theme="no-such-theme")
    async with app.run_test(size=(80, 24), notifications=True):
        assert app.theme == "hitl-dark"
        assert any("no-such-theme" in n.message for n in app._notifications)


async def test_malformed_theme_notifies_and_falls_back(tmp_path) -> None:
    (tmp_path / "bad.toml").write_text("oops = [")
    catalog = discover_themes(tmp_path)
    app = HitlApp(Settings(theme="hitl-light"), catalog)
    async with app.run_test(size=(80, 24), notifications=True):
        assert app.theme == "hitl-light"
        assert any("bad.toml" in n.message for n in app._notifications)


async def test_builtin_theme_renders_tier_variables() -> None:
    app = HitlApp(Settings(theme="nord"), ThemeCatalog())
    async with app.run_test(size=(80, 24)):
        variables = app.get_css_variables()
        assert app.theme == "nord"
        assert variables["tier-destructive"].startswith("#")


async def test_shipped_theme_variables_reach_css(make_app) -> None:
    app = make_app(theme="hitl-high-contrast")
    async with app.run_test(size=(80, 24)):
        assert app.get_css_variables()["tier-destructive"].lower() == "#ff3030"
