"""Fleets meet team mode, on the SQLite store and on a team store: a rollout's per-host WRITE holds that host's
lock like any other WRITE (a host another session holds fails, naming the holder, and nothing runs there), and a
rollout that names a four-eyes host is refused as a whole, in one line, before anyone is asked — a second
operator's approval belongs to one host's own review, and a rollout is approved once."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from console.core.events import OutputLines, SessionEvent
from console.core.fleet.records import HostState
from console.core.memory import MemoryStore
from console.core.memory.postgres import PostgresStore
from console.core.outcome import Origin, Verdict
from console.core.paths import resolve_paths
from console.core.ports import Store
from console.core.rollback import RollbackError
from tests.fixtures.fleet import Fleet, reset_homes
from tests.integration.test_fleet_session import write_home
from tests.support.session import RuntimeFactory, ScriptedApprover, approve, with_settings

pytestmark = pytest.mark.slow

FOUR_EYES_CANARY = with_settings(four_eyes_labels=("canary",))  # fleet01 carries the label `canary`


@pytest.fixture(params=["sqlite", "postgresql"])
def store_kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def inventory(fleet: Fleet, hitl_home: Path) -> Iterator[Fleet]:
    (hitl_home / "hosts.toml").write_text(fleet.hosts_toml())
    reset_homes(fleet, "app.conf")
    for name in fleet.names:
        write_home(fleet, name, "app.conf", "v1\n")
    yield fleet
    reset_homes(fleet, "app.conf")


@pytest.fixture
def other_session(request: pytest.FixtureRequest, store_kind: str, tmp_path: Path) -> Iterator[Store]:
    """Another operator's store, whose host locks are the ones the runtime's store sees."""
    if store_kind == "postgresql":
        url = request.getfixturevalue("team_db").url("alice")
        with PostgresStore.open(url, snapshots_dir=tmp_path / "alice-snapshots") as alice:
            yield alice
        return
    locks = resolve_paths().state_dir / "host-locks"
    with MemoryStore.open(tmp_path / "carol.sqlite3", operator="carol@elsewhere", locks_dir=locks) as carol:
        yield carol


def _holder_name(store_kind: str) -> str:
    return "alice" if store_kind == "postgresql" else "carol@elsewhere"


class Probe(list[SessionEvent]):
    """The session's events; as a host's output arrives (its step is running), who holds that host, as the
    other session sees it."""

    def __init__(self, other: Store) -> None:
        super().__init__()
        self.other = other
        self.held_while_running: dict[str, str] = {}

    def append(self, event: SessionEvent) -> None:
        super().append(event)
        if isinstance(event, OutputLines) and "written" in event.lines:
            holder = self.other.host_lock_holder(event.host)
            self.held_while_running[event.host] = holder.purpose if holder else "NOT HELD"


async def test_each_hosts_write_holds_its_lock_and_a_held_host_fails_naming_the_holder(
    inventory: Fleet, make_runtime: RuntimeFactory, other_session: Store, store_kind: str
) -> None:
    fleet = inventory
    probe = Probe(other_session)
    approver = ScriptedApprover(approve)
    runtime = make_runtime(approver, events=probe)
    other_session.lock_host("fleet03", purpose="WRITE: systemctl restart nginx")
    try:
        options = runtime.session.fleet_options(serial="100%")
        outcome = await runtime.session.run_fleet(
            "@web", "echo v2 > app.conf && echo written", source=Origin.CLI, options=options
        )
    finally:
        other_session.unlock_host("fleet03")

    runs = {run.host: run for run in outcome.hosts}
    locked = runs["fleet03"]
    assert locked.state is HostState.FAILED
    assert f"host fleet03 is locked by {_holder_name(store_kind)}" in (locked.reason or "")
    assert "restart nginx" in (locked.reason or "")
    assert (fleet.home("fleet03") / "app.conf").read_text() == "v1\n", "nothing ran on the held host"
    (request,) = approver.requests
    assert any(w.startswith("fleet03: host fleet03 is locked by") for w in request.warnings), "known before asking"
    others = [name for name in fleet.names if name != "fleet03"]
    for name in others:
        assert runs[name].state is HostState.OK and (fleet.home(name) / "app.conf").read_text() == "v2\n"
        purpose = probe.held_while_running.get(name, "")
        assert purpose.startswith(f"WRITE rollout {outcome.key}: "), f"{name} ran without its lock: {purpose!r}"
        assert other_session.host_lock_holder(name) is None, "released when the host's run ended"


async def test_a_lock_taken_after_the_approval_fails_that_host_and_nothing_runs_there(
    inventory: Fleet, make_runtime: RuntimeFactory, other_session: Store, store_kind: str
) -> None:
    fleet = inventory

    def take_fleet02_then_approve(request: object) -> object:
        other_session.lock_host("fleet02", purpose="WRITE: vi /etc/hosts")
        return approve(request)  # type: ignore[arg-type]

    runtime = make_runtime(ScriptedApprover(take_fleet02_then_approve))  # type: ignore[arg-type]
    try:
        options = runtime.session.fleet_options(serial="100%")
        outcome = await runtime.session.run_fleet("@pair", "echo v2 > app.conf", source=Origin.CLI, options=options)
    finally:
        other_session.unlock_host("fleet02")

    runs = {run.host: run for run in outcome.hosts}
    assert runs["fleet01"].state is HostState.OK and (fleet.home("fleet01") / "app.conf").read_text() == "v2\n"
    assert runs["fleet02"].state is HostState.FAILED
    assert f"locked by {_holder_name(store_kind)}" in (runs["fleet02"].reason or "")
    assert (fleet.home("fleet02") / "app.conf").read_text() == "v1\n"
    (action,) = [a for a in runtime.memory.actions(host="fleet02", limit=5) if a.source.startswith("rollout:")]
    assert (action.decision, action.ended, action.exit_status) == ("approved", "not started", None)
    assert "locked by" in action.output and "nothing was run" in action.output


async def test_a_rollout_naming_a_four_eyes_host_is_refused_whole_before_anyone_is_asked(
    inventory: Fleet, make_runtime: RuntimeFactory
) -> None:
    fleet = inventory
    approver = ScriptedApprover()  # any question fails the test
    runtime = make_runtime(approver, FOUR_EYES_CANARY)
    outcome = await runtime.session.run_fleet("@web", "echo v2 > app.conf", source=Origin.CLI)

    assert outcome.decision is Verdict.REFUSED and approver.requests == []
    reason = outcome.reason or ""
    assert "\n" not in reason and "fleet01 needs a second operator (four eyes)" in reason
    assert "change four-eyes hosts on their own" in reason
    assert outcome.summary() == "0 ok, 0 failed, 0 unreachable, 10 not run"
    for name in fleet.names:
        assert (fleet.home(name) / "app.conf").read_text() == "v1\n", f"{name} was changed"
    actions = [a for a in runtime.memory.actions(limit=50) if a.source.startswith(f"rollout:{outcome.key}")]
    assert len(actions) == 10 and {a.decision for a in actions} == {"refused"}
    assert {a.reason for a in actions if a.host != "fleet01"} == {reason}
    assert "four eyes" in next(a.reason or "" for a in actions if a.host == "fleet01")
    record = runtime.memory.rollout(outcome.key)
    assert record is not None and record.status == "refused"

    read = await runtime.session.run_fleet("@web", "cat app.conf", source=Origin.CLI)
    assert read.summary() == "10 ok, 0 failed, 0 unreachable", "a READ needs nobody's approval, four eyes or not"


async def test_a_rollouts_rollback_naming_a_four_eyes_host_is_refused_whole_in_one_line(
    inventory: Fleet, make_runtime: RuntimeFactory
) -> None:
    fleet = inventory
    runtime = make_runtime(ScriptedApprover(approve))
    options = runtime.session.fleet_options(serial="100%")
    done = await runtime.session.run_fleet("@pair", "echo v2 > app.conf", source=Origin.CLI, options=options)
    assert done.ok and done.rollback_key

    later = make_runtime(ScriptedApprover(), FOUR_EYES_CANARY)  # fleet01 became a four-eyes host since
    with pytest.raises(RollbackError) as refused:
        await later.session.rollback_rollout(done.rollback_key, source=Origin.CLI)
    message = str(refused.value)
    assert "\n" not in message and "fleet01 need(s) a second operator (four eyes)" in message
    for name in fleet.names[:2]:
        assert (fleet.home(name) / "app.conf").read_text() == "v2\n", "nothing was restored"
