"""Snapshots (SVG, fixed terminal sizes) of the main screen at work and of the three approval dialogs."""

from __future__ import annotations

import pytest
from textual.pilot import Pilot
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
from tests.tui.requests import destructive_request, plan_request, write_request

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


def fixed(value: float):
    return lambda: value


async def main_screen_at_work(pilot: Pilot[None]) -> None:
    app = pilot.app
    assert isinstance(app, HitlApp)
    app.query_one("#chat-input", Input).cursor_blink = False  # the cursor shows whatever the machine's speed
    app.query_one("#plan-pane").clock = fixed(10.0)
    app.host_pane.clock = fixed(10.0)
    await app.chat.add_user("Deploy the updated nginx config")
    await app.chat.stream_text("I will test the config, copy it into place and reload nginx, as **one plan**.")
    await app.chat.add_line("▸ propose_plan on web1: Deploy the updated nginx config (3 steps)", "tool-line")
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


def test_main_screen_at_work_snapshot(snap_compare, make_app) -> None:
    assert snap_compare(make_app(), terminal_size=(120, 34), run_before=main_screen_at_work)


def dialog_snapshot(request: ApprovalRequest):
    async def push(pilot: Pilot[None]) -> None:
        pilot.app.push_screen(screen_for(request, clock=fixed(50.0)))
        await pilot.pause()

    return push


@pytest.mark.parametrize(
    ("request_", "size"),
    [
        pytest.param(write_request(), (100, 32), id="write"),
        pytest.param(destructive_request(), (100, 32), id="destructive"),
        pytest.param(plan_request(destructive=1), (110, 48), id="plan"),
    ],
)
def test_dialog_snapshot(snap_compare, make_app, request_: ApprovalRequest, size: tuple[int, int]) -> None:
    assert snap_compare(make_app(), terminal_size=size, run_before=dialog_snapshot(request_))
