"""Snapshots (SVG) of every screen and dialog at 80x24 and 160x48: the main screen at rest and at work, the help
screen, the search bar, the four approval dialogs and the long-diff viewer, the timeline, the hosts screen, the
add-host form, the trust dialog and the /plan editor.

At 80x24 every dialog must show what it asks about and its decision keys; the tests in
`test_dialogs_as_they_read.py` check that in words, these show it.
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Awaitable, Callable
from dataclasses import replace
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Input

from console.core.approval import ApprovalRequest
from console.core.classify.model import Classification
from console.core.events import ActionFinished, OutputLines, PlanChanged, StepStarted
from console.core.outcome import Ended, Outcome, RunResult, Status, Verdict
from console.core.tiers import Tier
from console.core.views import PlanView, StepStatus, StepView
from console.tui.app import HitlApp
from console.tui.messages import SessionEvents
from console.tui.screens.approval import screen_for
from console.tui.widgets import StatusBar
from tests.support.session import RuntimeFactory, ScriptedApprover
from tests.tui.pilot import wait_for
from tests.tui.requests import destructive_request, plan_request, rollback_request, write_request
from tests.tui.screens_support import ThemedApp
from tests.tui.test_dialogs_as_they_read import long_diff_request

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((160, 48), id="160x48")]

PLAN = PlanView(
    id="plan-1a2b3c",
    title="Deploy the updated nginx config",
    host="web1",
    aborted=False,
    steps=(
        StepView(1, "nginx -t", "test the config", Tier.READ, StepStatus.DONE, exit_status=0),
        StepView(2, "cp /tmp/nginx.conf /etc/nginx/nginx.conf", "install it", Tier.WRITE, StepStatus.RUNNING),
        StepView(3, "nginx -s reload", "reload nginx", Tier.WRITE, StepStatus.PENDING),
    ),
)
NGINX_T = Classification("nginx -t", Tier.READ, ("nginx -t only tests the configuration",))


def fixed(value: float) -> Callable[[], float]:
    return lambda: value


def still(app: HitlApp) -> None:
    """What changes with the machine's speed, fixed: the input's cursor, the panes' clocks."""
    app.query_one("#chat-input", Input).cursor_blink = False
    app.plan_pane.clock = fixed(10.0)
    app.host_pane.clock = fixed(10.0)


async def main_screen_at_work(pilot: Pilot[None]) -> None:
    app = pilot.app
    assert isinstance(app, HitlApp)
    still(app)
    await app.chat.add_user("Deploy the updated nginx config")
    await app.chat.stream_text("I will test the config, copy it into place and reload nginx, as **one plan**.")
    await app.chat.add_report(
        ("#", "Tier", "Status", "Rollback key", "Command"),
        [("1", "READ", "done", "", "nginx -t"), ("2", "WRITE", "running", "", "cp /tmp/nginx.conf /etc/nginx/")],
    )
    events = SessionEvents(app)  # the session's sink, as the console makes it when a session opens
    events(PlanChanged(PLAN))
    events(StepStarted("web1", "nginx -t", Tier.READ))
    events(OutputLines("web1", "stderr", ["nginx: configuration file /etc/nginx/nginx.conf test is successful"]))
    ran = RunResult(0, "", "", 0.2, Ended.EXITED)
    events(ActionFinished(Outcome("web1", "nginx -t", NGINX_T, Verdict.AUTO, Status.DONE, result=ran)))
    events(StepStarted("web1", "cp /tmp/nginx.conf /etc/nginx/nginx.conf", Tier.WRITE))
    await app.chat.end_answer()
    status = app.query_one(StatusBar)
    status.host, status.labels = "web1", ("prod", "eu")
    status.approvals = "3/4 approved (75%), median 2.1s"
    await pilot.pause()


@pytest.mark.parametrize("size", SIZES)
def test_main_screen_at_work_snapshot(snap_compare, make_app, size: tuple[int, int]) -> None:
    assert snap_compare(make_app(), terminal_size=size, run_before=main_screen_at_work)


async def _help(pilot: Pilot[None]) -> None:
    assert isinstance(pilot.app, HitlApp)
    still(pilot.app)
    await pilot.press("f1")
    await pilot.pause()


async def _search(pilot: Pilot[None]) -> None:
    app = pilot.app
    assert isinstance(app, HitlApp)
    still(app)
    events = SessionEvents(app)
    events(StepStarted("web1", "journalctl -u nginx", Tier.READ))
    events(OutputLines("web1", "stdout", [f"Jan 01 00:00:{n:02d} nginx[42]: worker {n} ready" for n in range(60)]))
    await wait_for(pilot, lambda: len(app.host_pane.log_widget.lines) > 50)
    app.host_pane.log_widget.focus()
    await pilot.press("slash", *"worker 7 ", "enter")
    app.query_one("#search-input", Input).cursor_blink = False
    await pilot.pause()


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("before", [_help, _search], ids=["help", "search"])
def test_main_screen_overlays_snapshot(
    snap_compare, make_app, size: tuple[int, int], before: Callable[[Pilot[None]], Awaitable[None]]
) -> None:
    assert snap_compare(make_app(), terminal_size=size, run_before=before)


def dialog_snapshot(request: ApprovalRequest, *keys: str) -> Callable[[Pilot[None]], Awaitable[None]]:
    async def push(pilot: Pilot[None]) -> None:
        screen = screen_for(request, clock=fixed(50.0))
        pilot.app.push_screen(screen)
        await wait_for(pilot, lambda: screen.is_mounted and screen.focused is not None)
        for field in screen.query(Input):
            field.cursor_blink = False
        await pilot.press(*keys)
        await pilot.pause()

    return push


DIALOGS = {
    "write": (replace(write_request(), login_user="deploy"), ()),
    "destructive": (destructive_request(), ()),
    "plan": (plan_request(destructive=1), ()),
    "rollback": (rollback_request(requires_force=True), ()),
    "long-diff": (long_diff_request(), ()),
    "long-diff-viewer": (long_diff_request(), ("d",)),
}


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize(("request_", "keys"), DIALOGS.values(), ids=DIALOGS.keys())
def test_dialog_snapshot(
    snap_compare, make_app, request_: ApprovalRequest, keys: tuple[str, ...], size: tuple[int, int]
) -> None:
    assert snap_compare(make_app(), terminal_size=size, run_before=dialog_snapshot(request_, *keys))


async def _plan_editor(pilot: Pilot[None]) -> None:
    from console.tui.screens.plan_editor import PlanEditorScreen

    assert isinstance(pilot.app, HitlApp)
    still(pilot.app)
    screen = PlanEditorScreen("Rotate the logs")
    pilot.app.push_screen(screen)
    await wait_for(pilot, lambda: screen.is_mounted)
    screen.query_one("#plan-title-input", Input).cursor_blink = False
    body = screen.query_one("#plan-body")
    body.cursor_blink = False  # type: ignore[attr-defined]
    body.focus()
    await wait_for(pilot, lambda: body.has_focus)
    await pilot.pause()


@pytest.mark.parametrize("size", SIZES)
def test_plan_editor_snapshot(snap_compare, make_app, size: tuple[int, int]) -> None:
    assert snap_compare(make_app(), terminal_size=size, run_before=_plan_editor)


HOSTS_HOME = Path("/tmp/hitl-snapshot-home")
"""A fixed HITL_HOME for the hosts screen: its Source column and the add-host form name the hosts.toml path."""


@pytest.fixture
def fixed_home(monkeypatch: pytest.MonkeyPatch):
    shutil.rmtree(HOSTS_HOME, ignore_errors=True)
    HOSTS_HOME.mkdir(mode=0o700)
    (HOSTS_HOME / "hosts.toml").write_text(
        '[hosts.web-1]\nhostname = "10.0.0.5"\nuser = "deploy"\nlabels = ["prod", "web"]\n\n'
        '[hosts.db-1]\nhostname = "10.0.0.6"\nport = 2222\npolicy = "read-only"\n'
    )
    monkeypatch.setenv("HITL_HOME", str(HOSTS_HOME))
    monkeypatch.setenv("HOME", str(HOSTS_HOME))  # no ~/.ssh/config of the machine in the inventory
    yield HOSTS_HOME
    shutil.rmtree(HOSTS_HOME, ignore_errors=True)


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("form", [False, True], ids=["hosts", "add-host"])
def test_hosts_screen_snapshot(snap_compare, fixed_home: Path, size: tuple[int, int], form: bool) -> None:
    from console.tui.screens.hosts import HostsScreen

    factory = RuntimeFactory()
    rt = factory(ScriptedApprover())

    def screen() -> Screen[object]:
        return HostsScreen(rt.session, rt.hosts)  # type: ignore[return-value]

    async def open_form(pilot: Pilot[None]) -> None:
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, HostsScreen))
        if form:
            await pilot.press("a")
            await pilot.pause()
            for field in pilot.app.screen.query(Input):
                field.cursor_blink = False
        await pilot.pause()

    try:
        assert snap_compare(ThemedApp(screen), terminal_size=size, run_before=open_form)
    finally:
        asyncio.run(factory.close_all())
