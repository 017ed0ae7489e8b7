"""The console's start-up when hitl's own files are broken: the console opens, and the chat says in one line
what failed, naming it; no traceback, nothing half-open."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from textual.widgets import Static

from console.tui.app import HitlApp
from tests.integration.test_cli_failures import (
    bad_hosts_file,
    bad_rule_file,
    corrupt_database,
    full_filesystem_before_any_database,
    unreadable_remembered_approvals,
)
from tests.tui.pilot import wait_for

BROKEN: dict[str, Callable[[Path], str]] = {
    "corrupt database": corrupt_database,
    "full filesystem": full_filesystem_before_any_database,
    "bad hosts.toml": bad_hosts_file,
    "bad rule file": bad_rule_file,
    "unreadable remembered approvals": unreadable_remembered_approvals,
}


def _errors(app: HitlApp) -> list[str]:
    return [str(widget.render()) for widget in app.query("#chat-log Static.-error")]


@pytest.mark.parametrize("what", list(BROKEN))
async def test_the_console_says_what_failed_in_one_line(console_app, hitl_home: Path, what: str) -> None:
    import subprocess

    names = BROKEN[what](hitl_home)
    try:
        app = console_app()
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_for(pilot, app.ready.is_set)
            await wait_for(pilot, lambda: _errors(app))
            (line,) = _errors(app)
            assert line.startswith("hitl could not open the session: ") and names in line, line
            assert "Traceback" not in "\n".join(str(w.render()) for w in app.query(Static))
            assert app.runtime is None
    finally:
        subprocess.run(["umount", str(hitl_home)], capture_output=True, check=False)
