"""A command or plan across a group of hosts: READ fans out at once; WRITE and DESTRUCTIVE are one rollout,
approved once, run in waves.

1. The target resolves to hosts (`fleet.targets`); policy is asked per host (a refused host fails). A WRITE or
   DESTRUCTIVE rollout that names a four-eyes host is refused as a whole, before anyone is asked: the rollout is
   approved once, and a second operator's approval belongs to one host's own review (`session.second`), so such
   a host is changed on its own. A host another session holds (host locks) is known before the question.
2. READ only: every host runs it at once, at most `forks` hosts at a time, each confined as its own READs are
   (the step runner's one transport call). No approval, one wave.
3. WRITE or DESTRUCTIVE: each host is reached (its context learnt: an unreachable host is known before the
   question) and each step prepared on it — its own footprint, capture plan and digest. One request shows the
   per-host footprints, hosts with identical ones grouped, what cannot be captured where, and the waves; one
   DESTRUCTIVE challenge covers the whole rollout (the target and a digest over every host's digest).
4. Waves run in order (`fleet.waves`): inside a wave, hosts run concurrently up to `forks`; each host runs the
   whole plan, stopping at its first failure, holding the host's lock (`session.host_lock`, as any WRITE does)
   while it runs: a host another session holds fails with the holder named, and nothing runs there. Right
   before a step the runner re-resolves the footprint and the gate re-checks it against what was approved for
   that host: drift fails that host (nobody is asked again mid-rollout). A wave whose failed hosts (unreachable
   included) exceed `max_fail` stops the rollout before the next wave; with `pause = "approve"` the operator
   gives one key between waves, the wave's results in view.

Every host's step is an action in the journal (source `rollout:KEY (WHO)`), closed exactly once: ran, refused,
rejected with the rollout, or skipped (an earlier step failed there, or its wave never started). The rollout
itself is a row in the store, rewritten after each wave, each state chained in the audit log.

The module is over 400 lines because the rollout's phases (reach, approve, run each wave, record) share one
per-host state (`_Host`) and are read, and changed, together.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from console.core.approval import RequestKind, StepReview
from console.core.classify.model import Classification
from console.core.errors import HitlError, HostLocked, HostUnreachable
from console.core.events import Notice
from console.core.fleet import targets
from console.core.fleet.records import FleetOutcome, HostRun, HostState, new_rollout_key
from console.core.fleet.waves import Size, describe_waves, exceeds, split_waves
from console.core.gate import challenge_for
from console.core.memory.records import RolloutHost, RolloutRecord
from console.core.outcome import Source, Status, Verdict
from console.core.plan import PlanStep
from console.core.session.host_lock import held_elsewhere, holding, purpose
from console.core.session.journal import Action, Flow, ran_status, unapproved_status, verdict_of
from console.core.session.parts import SessionParts
from console.core.session.plan_flow import changed_beyond
from console.core.session.runner import Prepared
from console.core.tiers import Tier
from console.core.transport.base import Ended, Transport
from console.core.views import HostInfo


@dataclass(frozen=True, slots=True)
class FleetOptions:
    serial: tuple[Size, ...]
    max_fail: Size
    pause: bool


@dataclass
class _Host:
    """One host of the rollout: its actions (one per step), what was prepared and approved, how it ended."""

    info: HostInfo
    actions: list[Action]
    transport: Transport | None = None
    prepared: dict[int, Prepared] = field(default_factory=dict)
    failed: tuple[HostState, str] | None = None
    """Known before the run: refused by policy, unreachable, could not be prepared."""


class FleetFlow:
    def __init__(self, parts: SessionParts) -> None:
        self.parts = parts
        self._created: dict[str, float] = {}

    def resolve(self, target: str) -> list[str]:
        hosts = self.parts.hosts
        names = hosts.names()
        directory = targets.Directory(names, {name: hosts.info(name).labels for name in names}, hosts.groups())
        return targets.resolve(target, directory)

    async def run(
        self,
        target: str,
        title: str,
        commands: Sequence[tuple[str, str]],
        *,
        source: Source,
        options: FleetOptions,
    ) -> FleetOutcome:
        parts = self.parts
        names = self.resolve(target)
        steps = [
            PlanStep(index=i, command=command, purpose=purpose, classification=parts.classify(command))
            for i, (command, purpose) in enumerate(commands, 1)
        ]
        tier = max(step.tier for step in steps)
        key = new_rollout_key()
        hosts = [self._open(parts.hosts.info(name), steps, key, source) for name in names]
        fanout = tier is Tier.READ
        waves = [names] if fanout else split_waves(names, options.serial)
        outcome = FleetOutcome(target, title, tier, key, tuple(tuple(w) for w in waves))
        four_eyes = [] if fanout else [h.info.name for h in hosts if parts.policy.needs_second_operator(h.info)]
        if four_eyes:
            return self._refuse_four_eyes(outcome, hosts, four_eyes)
        await self._bounded([self._reach(host, steps, prepare=not fanout) for host in hosts])
        by_name = {host.info.name: host for host in hosts}
        lock = None if fanout else purpose(f"{tier.name} rollout {key}", title)
        if fanout:
            for host in hosts:
                for action in host.actions:
                    if host.failed is None:
                        parts.journal.decide(action, Verdict.AUTO, "classifier")
        elif all(host.failed for host in hosts):  # nothing anyone could approve
            why = "; ".join(dict.fromkeys(host.failed[1] for host in hosts if host.failed))
            outcome.decision, outcome.reason = Verdict.REFUSED, f"no host can run it: {why}"
            outcome.hosts = [await self._host(host, steps, 0) for host in hosts]
            self._record(outcome, "refused")
            return outcome
        elif not await self._approve(outcome, hosts, steps, options):
            for host in hosts:
                self._close_rest(host, unapproved_status(outcome.decision), outcome.reason or "not approved")
            outcome.hosts = [HostRun(h.info.name, 0, HostState.NOT_RUN, reason=outcome.reason) for h in hosts]
            self._record(outcome, "rejected")
            return outcome
        self._record(outcome, "running")
        for number, wave in enumerate(waves, 0 if fanout else 1):
            runs = await self._bounded([self._host(by_name[name], steps, number, lock=lock) for name in wave])
            outcome.hosts += runs
            failed = sum(1 for run in runs if run.state.counts_as_failed)
            last = wave is waves[-1]
            if not fanout and not last and exceeds(failed, len(wave), options.max_fail):
                outcome.stopped = (
                    f"wave {number}: {failed} of {len(wave)} host(s) failed, more than max_fail {options.max_fail}; "
                    "no later wave started"
                )
            elif not fanout and not last and options.pause and not await self._continue(outcome, number, runs):
                outcome.stopped = f"the operator stopped the rollout after wave {number}"
            self._record(outcome, "running")
            if outcome.stopped:
                self._not_reached(outcome, waves[number:], number + 1, by_name)
                parts.events(Notice(f"Rollout {key} on {target} stopped: {outcome.stopped}.", "warning"))
                break
        self._record(outcome, "stopped" if outcome.stopped else "done")
        return outcome

    # --- before the run -------------------------------------------------------------------------------------

    def _open(self, info: HostInfo, steps: Sequence[PlanStep], key: str, source: Source) -> _Host:
        parts = self.parts
        actions = [
            parts.journal.open(
                info.name, s.command, s.classification, source, flow=Flow.ROLLOUT, plan_id=key, index=s.index
            )
            for s in steps
        ]
        host = _Host(info, actions)
        for step in steps:
            refusal = parts.policy.refusal(info, step.command, step.tier, read_only=parts.state.read_only)
            if refusal:
                for action in actions:
                    parts.journal.decide(action, Verdict.REFUSED, "policy", reason=refusal)
                self._close_rest(host, Status.REFUSED, refusal)
                host.failed = (HostState.FAILED, f"refused: {refusal}")
                break
        return host

    def _refuse_four_eyes(
        self, outcome: FleetOutcome, hosts: Sequence[_Host], four_eyes: Sequence[str]
    ) -> FleetOutcome:
        """Refuse the whole rollout: nothing runs on any host, nobody is asked."""
        names = ", ".join(four_eyes)
        why = (
            f"refused: {names} need{'s' if len(four_eyes) == 1 else ''} a second operator (four eyes), and a rollout"
            " is approved once for every host; change four-eyes hosts on their own"
        )
        for host in hosts:
            for action in host.actions:
                if not action.closed:  # a host refused by policy in `_open` was decided and closed there
                    self.parts.journal.decide(action, Verdict.REFUSED, "policy", reason=why)
            self._close_rest(host, Status.REFUSED, why)
        outcome.decision, outcome.reason = Verdict.REFUSED, why
        outcome.hosts = [HostRun(host.info.name, 0, HostState.NOT_RUN, reason=why) for host in hosts]
        self._record(outcome, "refused")
        return outcome

    async def _bounded(self, jobs: Sequence[object]) -> list[HostRun]:
        """Run the hosts' coroutines, at most `forks` at a time; results in the order given."""
        gate = asyncio.Semaphore(self.parts.settings.forks)

        async def one(job: object) -> HostRun:
            async with gate:
                return await job  # type: ignore[no-any-return,misc]

        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(one(job)) for job in jobs]
        return [task.result() for task in tasks]

    async def _reach(self, host: _Host, steps: Sequence[PlanStep], *, prepare: bool) -> HostRun:
        """Connect and learn the host's context; for a rollout, prepare each gated step there."""
        if host.failed is not None:
            return HostRun(host.info.name, 0, host.failed[0])
        parts = self.parts
        if prepare:
            locked = held_elsewhere(parts.store, host.info.name)
            if locked:
                host.failed = (HostState.FAILED, locked)
                return HostRun(host.info.name, 0, HostState.FAILED)
        try:
            host.transport = transport = await parts.hosts.transport(host.info.name)
            async with asyncio.TaskGroup() as learning:  # one connection (the transport's lock), two channels
                learning.create_task(parts.contexts.of(host.info.name, transport))
                if any(step.tier is Tier.READ for step in steps):
                    learning.create_task(parts.reads.mode(host.info.name, transport))
            if prepare:
                for step in steps:
                    if step.tier is not Tier.READ:
                        prepared = await parts.runner.prepare(host.info.name, host.transport, step)
                        host.prepared[step.index] = prepared
                        parts.journal.reclassify(host.actions[step.index - 1], prepared.step.classification)
        except* HostUnreachable as group:
            host.failed = (HostState.UNREACHABLE, str(group.exceptions[0]))
        except* HitlError as group:
            host.failed = (HostState.FAILED, f"cannot prepare: {group.exceptions[0]}")
        return HostRun(host.info.name, 0, host.failed[0] if host.failed else HostState.OK)

    async def _approve(
        self, outcome: FleetOutcome, hosts: Sequence[_Host], steps: Sequence[PlanStep], options: FleetOptions
    ) -> bool:
        """One request for the whole rollout; records the decision on every host's actions."""
        parts = self.parts
        reviews, digest = self._reviews(outcome, hosts, steps)
        details = [
            f"{len(hosts)} hosts: {', '.join(h.info.name for h in hosts)}",
            *describe_waves(outcome.waves, options.max_fail),
        ]
        if options.pause:
            details.append("between waves: one key to continue, with the wave's results in view")
        warnings = tuple(f"{h.info.name}: {h.failed[1]}" for h in hosts if h.failed)
        labels = tuple(dict.fromkeys(label for h in hosts for label in h.info.labels))
        fleet = HostInfo(name=outcome.target, labels=labels)
        # The console's command dialog shows one step: footprints that differ between hosts are several reviews.
        kind: RequestKind = "plan" if len(reviews) > 1 else "command"
        title = f"rollout {outcome.key} of {outcome.title} on {len(hosts)} hosts"
        request = parts.desk.request(kind, fleet, title, reviews, warnings=warnings, details=tuple(details))
        request = replace(request, fleet=tuple(h.info.name for h in hosts))
        answer = await parts.desk.ask(request)
        decision = answer.decision
        approved = decision.approved and decision.edited_command is None
        reason = decision.reason if decision.edited_command is None else "a rollout cannot be edited; propose it again"
        verdict = verdict_of(decision) if decision.edited_command is None else Verdict.REJECTED
        for host in hosts:
            if host.failed is not None:  # not part of what was approved; closed when its wave comes
                continue
            for step, action in zip(steps, host.actions, strict=True):
                prepared = host.prepared.get(step.index)
                parts.journal.decide(
                    action,
                    verdict if step.tier is not Tier.READ or not approved else Verdict.AUTO,
                    decision.decided_by,
                    latency=answer.latency,
                    reason=reason,
                    digest=prepared.subject.digest if prepared else digest,
                )
        outcome.decision, outcome.reason = verdict, reason
        return approved

    def _reviews(
        self, outcome: FleetOutcome, hosts: Sequence[_Host], steps: Sequence[PlanStep]
    ) -> tuple[list[StepReview], str]:
        """Per-host footprints, hosts whose footprints are identical grouped; one challenge for a DESTRUCTIVE
        rollout, bound to every host's digest."""
        runner = self.parts.runner
        groups: dict[tuple[object, ...], tuple[list[str], list[StepReview]]] = {}
        digests = []
        for host in hosts:
            if host.failed is not None:
                continue
            reviews = []
            for step in steps:
                prepared = host.prepared.get(step.index)
                if prepared is None:
                    reviews.append(StepReview.unprepared(step.index, step.command, step.purpose, step.classification))
                    continue
                review = runner.review(prepared)
                digests.append(f"{host.info.name}:{review.digest}")
                reviews.append(review)
            shape = tuple(
                (r.tier, r.capture_lines, r.no_rollback, r.preview, r.classification.reasons) for r in reviews
            )
            groups.setdefault(shape, ([], reviews))[0].append(host.info.name)
        digest = hashlib.sha256("\n".join(sorted(digests)).encode()).hexdigest()
        challenge = challenge_for(outcome.target, digest) if outcome.tier is Tier.DESTRUCTIVE else None
        shown: list[StepReview] = []
        for names, reviews in groups.values():
            on = f"on {', '.join(names)}" + (" (identical footprint)" if len(names) > 1 else "")
            for review in reviews:
                purpose = f"{review.purpose} — {on}" if review.purpose else on
                shown.append(
                    StepReview(
                        index=review.index,
                        command=review.command,
                        purpose=purpose,
                        classification=review.classification,
                        capture_lines=review.capture_lines,
                        no_rollback=review.no_rollback,
                        digest=review.digest,
                        challenge=challenge if review.challenge and not any(s.challenge for s in shown) else None,
                        preview=review.preview,
                    )
                )
        return shown, digest

    # --- the run --------------------------------------------------------------------------------------------

    async def _host(self, host: _Host, steps: Sequence[PlanStep], wave: int, *, lock: str | None = None) -> HostRun:
        """Run every step on one host, stopping at its first failure; with `lock` (a rollout's WRITE or
        DESTRUCTIVE), holding the host for the whole run."""
        name = host.info.name
        if host.failed is not None:
            state, why = host.failed
            self._close_rest(host, Status.REFUSED, why)
            return HostRun(name, wave, state, reason=why)
        if lock is None:
            return await self._steps(host, steps, wave)
        try:
            with holding(self.parts.store, name, lock):
                return await self._steps(host, steps, wave)
        except HostLocked as error:  # taken by another session since the review
            self._close_rest(host, Status.REFUSED, str(error))
            return HostRun(name, wave, HostState.FAILED, reason=str(error))

    async def _steps(self, host: _Host, steps: Sequence[PlanStep], wave: int) -> HostRun:
        parts = self.parts
        name = host.info.name
        assert host.transport is not None
        started = parts.monotonic()
        closed = []
        expected: dict[str, str] = {}
        state, reason = HostState.OK, None
        for step, action in zip(steps, host.actions, strict=True):
            prepared = host.prepared.get(step.index)
            try:
                if prepared is not None and step.index > 1:
                    fresh = await parts.runner.prepare(name, host.transport, prepared.step)
                    changes = changed_beyond(prepared, fresh, expected)
                    if changes:
                        reason = f"step {step.index} changed since the rollout was approved: {'; '.join(changes)}"
                        closed.append(parts.journal.close(action, Status.REFUSED, reason=reason))
                        state = HostState.FAILED
                        break
                ran = await parts.runner.run(host.transport, action, step, prepared=prepared, expected=expected)
            except HostUnreachable as error:
                reason, state = str(error), HostState.UNREACHABLE
                closed.append(parts.journal.close(action, Status.REFUSED, reason=reason))
                break
            except HitlError as error:
                reason, state = str(error), HostState.FAILED
                closed.append(parts.journal.close(action, Status.REFUSED, reason=reason))
                break
            if ran.result is None:
                reason, state = ran.refused, HostState.FAILED
                closed.append(parts.journal.close(action, Status.REFUSED, reason=reason))
                break
            status = ran_status(ran.result)
            review = parts.runner.review(prepared) if prepared is not None else None
            closed.append(
                parts.journal.close(
                    action,
                    status,
                    result=ran.result,
                    rollback_key=ran.rollback_key,
                    no_rollback=review.no_rollback if review else None,
                )
            )
            if status is not Status.DONE:
                state = HostState.UNREACHABLE if ran.result.ended is Ended.CONNECTION_LOST else HostState.FAILED
                reason = ran.result.error or f"step {step.index} exited {ran.result.exit_status}"
                break
        self._close_rest(host, Status.SKIPPED, f"not run: an earlier step failed on {name}")
        return HostRun(name, wave, state, tuple(closed), reason, parts.monotonic() - started)

    async def _continue(self, outcome: FleetOutcome, number: int, runs: Sequence[HostRun]) -> bool:
        """`pause = "approve"`: one key to start the next wave, with this wave's results in view."""
        parts = self.parts
        results = [f"{run.host}: {run.state.value}" + (f" ({run.reason})" if run.reason else "") for run in runs]
        command = f"continue rollout {outcome.key} with wave {number + 1}"
        classification = Classification(
            command=command, tier=Tier.WRITE, reasons=(f"wave {number} finished: " + "; ".join(results),)
        )
        review = StepReview.unprepared(1, command, outcome.title, classification, capture_lines=("(each host's own)",))
        request = parts.desk.request(
            "command",
            HostInfo(name=outcome.target),
            f"Start wave {number + 1} of rollout {outcome.key}?",
            [review],
            details=(f"wave {number} finished on {len(runs)} host{'s' if len(runs) != 1 else ''}:", *results),
        )
        request = replace(request, fleet=tuple(run.host for run in runs))
        answer = await parts.desk.ask(request)
        return answer.decision.approved and answer.decision.edited_command is None

    def _not_reached(
        self, outcome: FleetOutcome, waves: Sequence[Sequence[str]], first: int, by_name: dict[str, _Host]
    ) -> None:
        """Close the hosts of the waves that never started (`first` is the first one's number)."""
        for number, wave in enumerate(waves, first):
            for name in wave:
                why = f"not run: the rollout stopped ({outcome.stopped})"
                self._close_rest(by_name[name], Status.SKIPPED, why)
                outcome.hosts.append(HostRun(name, number, HostState.NOT_RUN, reason=why))

    def _close_rest(self, host: _Host, status: Status, reason: str) -> None:
        for action in host.actions:
            if not action.closed:
                self.parts.journal.close(action, status, reason=reason)

    def _record(self, outcome: FleetOutcome, status: str) -> None:
        ran = {run.host: run for run in outcome.hosts}
        rows = []
        for number, wave in enumerate(outcome.waves, 0 if outcome.tier is Tier.READ else 1):
            for name in wave:
                run = ran.get(name)
                state = run.state.value if run else ("not run" if outcome.decision is Verdict.REJECTED else "pending")
                rows.append(RolloutHost(name, number, state, run.rollback_keys if run else ()))
        created = self._created.setdefault(outcome.key, self.parts.clock())
        self.parts.store.record_rollout(
            RolloutRecord(outcome.key, created, outcome.target, outcome.title, outcome.tier.name, status, tuple(rows))
        )
