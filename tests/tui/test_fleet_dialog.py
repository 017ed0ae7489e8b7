"""A rollout's approval in the console: its hosts and waves are shown as plain text (host names are never
markup), and a rollout is never offered as a remembered approval."""

from __future__ import annotations

from dataclasses import replace

from textual.widgets import Static

from console.core.remembered import Scope
from console.core.textsafe import shown_line
from tests.tui.requests import write_request
from tests.tui.test_approval_dialogs import open_dialog


async def test_rollout_dialog_shows_hosts_and_waves_and_offers_no_remembering(make_app) -> None:
    request = replace(
        write_request("systemctl restart nginx"),
        host="@web",
        details=(
            "3 hosts: web1, [b]web2[/b], web3\x1b]0;pwned\x07",
            "wave 1: 1 host: web1",
            "wave 2: 2 hosts: [b]web2[/b], web3\x1b]0;pwned\x07",
        ),
        fleet=("web1", "[b]web2[/b]", "web3"),
    )
    assert write_request("systemctl restart nginx").remember_pattern(Scope.EXACT) is not None
    assert request.remember_pattern(Scope.EXACT) is None
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        screen, decided = await open_dialog(app, pilot, request)
        shown = [str(widget.render()) for widget in screen.query(".detail").results(Static)]
        assert shown == [shown_line(detail) for detail in request.details], "markup as typed, escapes visible"
        assert "web3\\x1b]0;pwned\\x07" in shown[0]
        assert not screen.query("#remember")
        await pilot.press("y")
        assert (await decided).approved
