"""The approval desk checks the Approver's answer itself, counts what the status bar shows, and keeps the
remembered approvals."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from console.core.approval import ApprovalRequest, Decision, Lifetime, RememberChoice, Scope, StepReview
from console.core.classify.model import Classification
from console.core.config import Settings
from console.core.events import Notice, PendingApprovals, SessionEvent, StatsChanged
from console.core.memory import MemoryStore
from console.core.remembered import RememberedApprovals
from console.core.session.desk import ApprovalDesk
from console.core.tiers import Tier
from console.core.views import HostInfo
from tests.support.session import ScriptedApprover, approve
from tests.unit.session.conftest import Clock

WEB = HostInfo("web-1", ("prod", "web"))
SETTINGS = Settings(destructive_dwell=2.0, write_key_delay=0.5)


def step(tier: Tier, command: str = "rm -rf /srv/cache", challenge: str | None = None) -> StepReview:
    classification = Classification(command, tier, (f"{command} is {tier.name}",))
    return StepReview(1, command, "a purpose", classification, (), None, "d1g35t", challenge=challenge)


class Seconds:
    """A monotonic clock the approver moves forward: how long the operator took to decide."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@dataclass
class Counter:
    """What a desk is built on: a real store, the events it emitted, a clock the approver moves."""

    store: MemoryStore
    events: list[SessionEvent]
    directory: Path
    seconds: Seconds

    def desk(self, approver: ScriptedApprover) -> ApprovalDesk:
        remembered = RememberedApprovals(self.directory / "remembered.json")
        return ApprovalDesk(
            approver, SETTINGS, remembered, self.store, self.events.append, clock=Clock(), monotonic=self.seconds
        )


def taking(seconds: Seconds, spent: float, answer: Decision | None = None):  # type: ignore[no-untyped-def]
    def decide(request: ApprovalRequest) -> Decision:
        seconds.now += spent
        return answer or approve(request)

    return decide


@pytest.fixture
def counter(store: MemoryStore, events: list[SessionEvent], tmp_path: Path) -> Counter:
    return Counter(store, events, tmp_path, Seconds())


async def test_a_request_carries_the_settings_and_the_host(counter: Counter) -> None:
    desk = counter.desk(ScriptedApprover())
    request = desk.request("command", WEB, "clear the cache", [step(Tier.DESTRUCTIVE, challenge="web-1-d1g3")])
    assert (request.host, request.host_labels, request.production) == ("web-1", ("prod", "web"), True)
    assert (request.write_key_delay, request.destructive_dwell) == (0.5, 2.0)
    assert request.challenges == ("web-1-d1g3",)


async def test_an_approval_in_order_is_counted_and_announced(counter: Counter) -> None:
    pending_seen: list[int] = []

    def decide(request: ApprovalRequest) -> Decision:
        pending_seen.append(desk.pending)
        counter.seconds.now += 3.0
        return approve(request)

    desk = counter.desk(ScriptedApprover(decide))
    answer = await desk.ask(desk.request("command", WEB, "x", [step(Tier.DESTRUCTIVE, challenge="web-1-d1g3")]))
    assert answer.decision.approved and answer.latency == 3.0
    assert pending_seen == [1] and desk.pending == 0
    assert [e.count for e in counter.events if isinstance(e, PendingApprovals)] == [1, 0]
    stats = [e for e in counter.events if isinstance(e, StatsChanged)]
    assert len(stats) == 1 and (stats[0].count, stats[0].approved) == (1, 1)
    assert stats[0].summary == desk.stats.summary()


@pytest.mark.parametrize(
    ("spent", "answer", "why"),
    [
        (3.0, Decision(approved=True, typed_challenges=("web-1-0000",)), "does not match the challenge"),
        (3.0, Decision(approved=True), "does not match the challenge"),
        (0.5, None, "dwell"),
    ],
    ids=["wrong-challenge", "no-challenge", "too-fast"],
)
async def test_a_destructive_approval_the_core_does_not_accept_becomes_a_rejection(
    counter: Counter, spent: float, answer: Decision | None, why: str
) -> None:
    desk = counter.desk(ScriptedApprover(taking(counter.seconds, spent, answer)))
    result = await desk.ask(desk.request("command", WEB, "x", [step(Tier.DESTRUCTIVE, challenge="web-1-d1g3")]))
    assert not result.decision.approved and why in (result.decision.reason or "")
    assert any(isinstance(e, Notice) and e.severity == "error" and why in e.message for e in counter.events)
    assert desk.stats.count == 0  # a refused answer is not an approval statistic


async def test_overwriting_changed_targets_must_be_chosen(counter: Counter) -> None:
    desk = counter.desk(ScriptedApprover(Decision(approved=True)))
    request = desk.request("rollback", WEB, "Roll back rb-abc234", [step(Tier.WRITE, "x")], requires_force=True)
    result = await desk.ask(request)
    assert not result.decision.approved and "overwriting them was not chosen" in (result.decision.reason or "")


async def test_a_rejection_is_counted_with_its_reason(counter: Counter) -> None:
    desk = counter.desk(ScriptedApprover(Decision.reject("not now")))
    result = await desk.ask(desk.request("command", WEB, "x", [step(Tier.WRITE, "touch /x")]))
    assert result.decision.reason == "not now"
    assert (desk.stats.count, desk.stats.approved) == (1, 0)


def test_remembered_approvals_are_kept_narrow_and_audited(counter: Counter) -> None:
    desk = counter.desk(ScriptedApprover())
    choice = RememberChoice(Scope.PREFIX, Lifetime.SESSION)
    desk.remember(WEB, "systemctl restart nginx", Tier.WRITE, choice)
    rule = desk.remembered_rule("systemctl restart php-fpm", Tier.WRITE, WEB)
    assert rule is not None and rule.host == "web-1"
    assert desk.remembered_rule("systemctl restart nginx", Tier.WRITE, HostInfo("web-2")) is None
    assert desk.remembered_rule("systemctl restart nginx; rm -rf /", Tier.WRITE, WEB) is None
    desk.remember(WEB, "rm -rf /srv", Tier.DESTRUCTIVE, choice)  # may not be remembered: a warning, not a failure
    notices = [e for e in counter.events if isinstance(e, Notice)]
    assert notices[0].message.startswith("Remembered: ") and notices[1].severity == "warning"
    kinds = [json.loads(line)["kind"] for line in counter.store.export_audit("jsonl")]
    assert kinds.count("remembered-approval") == 1
