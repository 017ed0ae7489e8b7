"""`Session`: the one object the console, the CLI and the model's tools drive. A thin facade: it builds the parts
(policy, host contexts, approval desk, action journal, step runner) once and hands each request to its flow.

UI-agnostic: callers answer `ApprovalRequest`s through the `Approver` port and follow the session through its
`EventChannel`. Every rule that keeps the operator safe lives behind it, not in key bindings: read-only mode
and deny rules refuse in core; READ runs at once; WRITE and DESTRUCTIVE wait for a decision the desk checks
itself; an approval is bound to the digest of what was reviewed and re-checked right before running; a capture
is taken first or the command does not run. Everything it raises is a `HitlError`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from console.core.approval import Approver
from console.core.capture.blobs import BlobStore
from console.core.classify import RuleSet, classify, critical_reason
from console.core.classify.model import Classification
from console.core.config import Settings
from console.core.errors import SessionError
from console.core.events import CurrentHostChanged, EventChannel, EventSink, ReadOnlyChanged
from console.core.fleet.records import FleetOutcome
from console.core.fleet.targets import TargetError
from console.core.fleet.waves import parse_max_fail, parse_serial
from console.core.gate import ApprovalStats, Gate
from console.core.memory.records import ActionRecord, RolloutRecord
from console.core.outcome import Origin, Outcome, PlanOutcome, Source
from console.core.plan import Plan
from console.core.ports import Hosts, Store
from console.core.remembered import RememberedApprovals
from console.core.rollback import RollbackError, views
from console.core.session import team_feed
from console.core.session.command_flow import CommandFlow
from console.core.session.contexts import HostContexts
from console.core.session.desk import ApprovalDesk
from console.core.session.fleet_flow import FleetFlow, FleetOptions
from console.core.session.fleet_rollback import FleetRollback
from console.core.session.journal import ActionJournal
from console.core.session.parts import SessionParts, SessionState
from console.core.session.plan_flow import PlanFlow
from console.core.session.policy import Policy
from console.core.session.read_policy import ReadMode, ReadPolicy
from console.core.session.rollback_flow import RollbackFlow
from console.core.session.runner import StepRunner
from console.core.views import HostInfo, RollbackView

STOPPED = "stopped by the operator"


class Session:
    def __init__(
        self,
        *,
        settings: Settings,
        hosts: Hosts,
        store: Store,
        blobs: BlobStore,
        approver: Approver,
        remembered: RememberedApprovals,
        events: EventSink | None = None,
        mode: str = "manual",
        rules: RuleSet | None = None,
        critical_paths: tuple[str, ...] = (),
        clock: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.hosts = hosts
        self.store = store
        self.events = EventChannel(*([events] if events else []))
        """Subscribe to follow the session (`session.events.subscribe(sink)`)."""
        self.rules = rules
        self.critical_paths = critical_paths
        """hitl's own directories (`hitl_paths(paths)`): every classification the session makes treats a write
        there as DESTRUCTIVE, wherever HITL_HOME or platformdirs put them."""
        self.session_id = store.start_session(host="local", mode=mode)
        contexts = HostContexts()
        gate = Gate(settings.approval_ttl)
        journal = ActionJournal(store, self.events, self.session_id)
        reads = ReadPolicy(settings.read_confinement, self.events)
        self._state = SessionState(current_host="local", read_only=settings.read_only)
        policy = Policy.from_settings(settings, team=store.dialect == "postgresql")
        self._parts = SessionParts(
            settings=settings,
            state=self._state,
            hosts=hosts,
            store=store,
            blobs=blobs,
            events=self.events,
            classify=self.classify,
            policy=policy,
            contexts=contexts,
            gate=gate,
            desk=ApprovalDesk(
                approver,
                settings,
                remembered,
                store,
                self.events,
                clock=clock,
                monotonic=monotonic,
                policy=policy,
                login_user=contexts.login_user,
            ),
            journal=journal,
            reads=reads,
            runner=StepRunner(
                settings,
                contexts=contexts,
                gate=gate,
                blobs=blobs,
                store=store,
                journal=journal,
                reads=reads,
                events=self.events,
                clock=clock,
                critical=self.critical,
            ),
            clock=clock,
            monotonic=monotonic,
        )
        self._commands = CommandFlow(self._parts)
        self._plans = PlanFlow(self._parts)
        self._rollbacks = RollbackFlow(self._parts)
        self._fleets = FleetFlow(self._parts)
        self._fleet_rollbacks = FleetRollback(self._parts, self._rollbacks)

    # --- state -------------------------------------------------------------------------------------------

    @property
    def settings(self) -> Settings:
        """Fixed for the session's life (the configuration is read when it opens)."""
        return self._parts.settings

    @property
    def current_host(self) -> str:
        return self._state.current_host

    @property
    def read_only(self) -> bool:
        return self._state.read_only

    @property
    def stats(self) -> ApprovalStats:
        return self._parts.desk.stats

    @property
    def plan_running(self) -> bool:
        return bool(self._plans.running)

    def set_read_only(self, value: bool) -> None:
        self._state.read_only = value
        self.store.append_audit("read-only", {"enabled": value})
        self.events(ReadOnlyChanged(value))

    def set_host(self, name: str) -> HostInfo:
        """Make `name` the current host; raises `SessionError` for a host the inventory does not know."""
        info = self.hosts.info(name)
        self._state.current_host = info.name
        self.events(CurrentHostChanged(info))
        return info

    def abort_plan(self) -> None:
        """Stop the running plans before their next step (the step that is running finishes)."""
        self._plans.abort()

    def classify(self, command: str) -> Classification:
        return classify(
            command,
            rules=self.rules,
            unknown_tier=self.settings.unknown_command_tier,
            critical_paths=self.critical_paths,
        )

    def critical(self, path: str) -> str | None:
        """Why writing `path` (as the host resolved it) is DESTRUCTIVE, by the same rules as `classify`."""
        return critical_reason(path, rules=self.rules, critical_paths=self.critical_paths)

    # --- what the operator or the model asks for ---------------------------------------------------------

    async def run_command(
        self, host: str, command: str, *, purpose: str = "", source: Source | Origin | str = Origin.OPERATOR
    ) -> Outcome:
        """Classify, gate, capture, run and record one command."""
        with self._parts.journal.closing_on_cancel(STOPPED):
            return await self._commands.run(host, command, purpose=purpose, source=Source.of(source))

    async def rerun_as_write(self, miss: Outcome, *, source: Source | Origin | str = Origin.OPERATOR) -> Outcome:
        """Offered after a caught classifier miss (`miss.attempted`): the same command on the same host again,
        classified at least WRITE, through the normal gate (asked, captured, never confined). `source` is whoever
        chose to, the operator by default."""
        if not miss.attempted:
            raise SessionError("only a READ that tried to change something is offered again as WRITE")
        why = "a confined READ of this command tried to change: " + "; ".join(miss.attempted)
        with self._parts.journal.closing_on_cancel(STOPPED):
            return await self._commands.run(
                miss.host, miss.command, purpose="run again as WRITE", source=Source.of(source), at_least=why
            )

    async def read_confinement(self, host: str, *, connect: bool = True) -> ReadMode | None:
        """How READs run on `host` (probed once per connection); announced as `ReadConfinementChanged`. With
        `connect=False`, None for a host that would need a new connection (learnt at its first command)."""
        info = self.hosts.info(host)
        if not connect and not self.hosts.ready(info.name):
            return None
        return await self._parts.reads.mode(info.name, await self.hosts.transport(info.name))

    async def run_plan(
        self,
        title: str,
        host: str,
        steps: Sequence[tuple[str, str]],
        *,
        source: Source | Origin | str = Origin.OPERATOR,
    ) -> PlanOutcome:
        """Run the head READ steps, ask once for the rest, then run them in order, stopping at a failure."""
        with self._parts.journal.closing_on_cancel(STOPPED):
            return await self._plans.run(title, host, steps, source=Source.of(source))

    async def rollback(
        self, keys: Sequence[str], *, reason: str = "", source: Source | Origin | str = Origin.OPERATOR
    ) -> Outcome:
        """Roll back the given points (in the order given) after one approval showing the diff."""
        with self._parts.journal.closing_on_cancel(STOPPED):
            return await self._rollbacks.rollback(keys, reason=reason, source=Source.of(source))

    async def rollback_plan(self, plan: Plan, *, reason: str = "plan stopped") -> Outcome:
        """Offered after a plan stops: undo its completed steps, last first."""
        with self._parts.journal.closing_on_cancel(STOPPED):
            return await self._rollbacks.rollback_plan(plan, reason=reason, source=Source(Origin.OPERATOR))

    # --- fleets: a command or plan across a group (console.core.fleet) -------------------------------------

    def resolve_target(self, target: str) -> list[str]:
        """The hosts `target` names (`web1`, `@web`, `web1,@db`), in inventory order; raises `TargetError`."""
        return self._fleets.resolve(target)

    def fleet_options(
        self, *, serial: str | None = None, max_fail: str | None = None, pause: bool | None = None
    ) -> FleetOptions:
        """The rollout's waves and failure limit: the settings, with what the caller overrides (`--serial
        1,25%`, `--max-fail 10%`); a bad value raises `ConfigError`-like `TargetError` with one line."""
        settings = self.settings
        try:
            return FleetOptions(
                serial=parse_serial(serial) if serial is not None else settings.serial,
                max_fail=parse_max_fail(max_fail) if max_fail is not None else settings.max_fail,
                pause=(settings.pause == "approve") if pause is None else pause,
            )
        except ValueError as error:
            raise TargetError(str(error)) from None

    async def run_fleet(
        self,
        target: str,
        command: str,
        *,
        purpose: str = "",
        source: Source | Origin | str = Origin.OPERATOR,
        options: FleetOptions | None = None,
    ) -> FleetOutcome:
        """One command on every host `target` names: a READ fans out at once, a WRITE or DESTRUCTIVE is one
        rollout approved once and run in waves."""
        with self._parts.journal.closing_on_cancel(STOPPED):
            return await self._fleets.run(
                target,
                purpose or command,
                [(command, purpose)],
                source=Source.of(source),
                options=options or self.fleet_options(),
            )

    async def run_fleet_plan(
        self,
        title: str,
        target: str,
        steps: Sequence[tuple[str, str]],
        *,
        source: Source | Origin | str = Origin.OPERATOR,
        options: FleetOptions | None = None,
    ) -> FleetOutcome:
        """A plan on every host `target` names, as one rollout: each wave runs the whole plan per host,
        stopping that host at its first failure."""
        with self._parts.journal.closing_on_cancel(STOPPED):
            return await self._fleets.run(
                target, title, steps, source=Source.of(source), options=options or self.fleet_options()
            )

    async def rollback_rollout(
        self, key: str, *, reason: str = "", source: Source | Origin | str = Origin.OPERATOR
    ) -> FleetOutcome:
        """Undo every completed host of rollout `key`, latest wave first, after one approval."""
        with self._parts.journal.closing_on_cancel(STOPPED):
            return await self._fleet_rollbacks.rollback(key, reason=reason, source=Source.of(source))

    def rollouts(self, limit: int = 50) -> list[RolloutRecord]:
        """The rollouts recorded, newest first."""
        return self.store.rollouts(limit)

    def rollout_actions(self, key: str, *, limit: int = 2000) -> list[ActionRecord]:
        """Every host's actions in rollout `key`, oldest first (for a fleet view: exit status, time, output)."""
        tag = f"rollout:{key} ("
        return [a for a in reversed(self.store.actions(limit=limit)) if a.source.startswith(tag)]

    async def follow_team(self) -> None:
        """Until cancelled: other operators' actions on the team store, as `TeamActivity` events (no-op without
        a team store). The console runs it in a worker."""
        await team_feed.follow(self.store, self.events)

    def timeline(self, now: float | None = None) -> list[RollbackView]:
        """Every rollback point, newest first, judged at `now`: whether and why not it can be rolled back, how
        long it has left, what was captured."""
        return views(self.store, self._parts.clock() if now is None else now)

    async def rollback_preview(self, key: str) -> str:
        """What rolling `key` back would change now (current -> captured); raises `HitlError` saying why not."""
        point = self.store.rollback_point(key)
        if point is None:
            raise RollbackError(f"no rollback point {key}")
        return await self._rollbacks.preview(point)
