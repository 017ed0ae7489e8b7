"""The one channel from the core to whoever shows it (the console, the CLI): a typed event for every change.

Events are frozen records, emitted on the event loop, synchronously, in the order things happened:

- `CurrentHostChanged`, `ReadOnlyChanged`: the session's state, whoever changed it;
- `StatsChanged`, `PendingApprovals`: the approval desk's counters (the status bar);
- `StepStarted`, `OutputLines`, `ActionFinished`: one action's life (the host pane; the CLI prints the output);
  every action that is opened is closed by exactly one `ActionFinished`;
- `PlanChanged`: a plan's state (the plan pane);
- `AwaitingSecondOperator`: a four-eyes request waits for another operator, or stopped waiting;
- `TeamActivity`: another operator's write reached the team store (the timeline reloads, a line is shown);
- `ReadConfinementChanged`: how READs run on a host became known or changed (the status bar marks the current
  host when they are not confined);
- `ClassifierMiss`: a confined READ tried to change something (the host pane, the chat, the offer to run it
  again as WRITE); sent right after the `ActionFinished` of that action;
- `Notice`: something the operator should read (the chat and a toast; the CLI ignores it).

A sink must be quick and must not raise: `OutputLines` arrives once per line of output. The console's adapter
(`console.tui.events`) turns events into Textual messages; the CLI prints `OutputLines`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

from console.core.outcome import Outcome
from console.core.tiers import Tier
from console.core.transport.base import Stream
from console.core.views import HostInfo, PlanView


@dataclass(frozen=True, slots=True)
class CurrentHostChanged:
    host: HostInfo


@dataclass(frozen=True, slots=True)
class ReadOnlyChanged:
    read_only: bool


@dataclass(frozen=True, slots=True)
class StatsChanged:
    """The approval statistics after a decision: `summary` is what the status bar shows."""

    summary: str
    count: int
    approved: int
    fast_approvals: int


@dataclass(frozen=True, slots=True)
class PendingApprovals:
    """How many approval requests are waiting for the operator right now."""

    count: int


@dataclass(frozen=True, slots=True)
class StepStarted:
    host: str
    command: str
    tier: Tier
    plan_id: str | None = None
    index: int | None = None
    confinement: str | None = None
    """For a READ: `confined: MODE` or `not confined: WHY` (see `Outcome.confinement`)."""


@dataclass(frozen=True, slots=True)
class OutputLines:
    host: str
    stream: Stream
    lines: Sequence[str]


@dataclass(frozen=True, slots=True)
class ActionFinished:
    """An action was closed: it ran, or was rejected, refused or skipped. Sent once per action."""

    outcome: Outcome


@dataclass(frozen=True, slots=True)
class PlanChanged:
    plan: PlanView


@dataclass(frozen=True, slots=True)
class AwaitingSecondOperator:
    """A four-eyes request approved here waits for another operator (`waiting`), or stopped waiting."""

    request_id: int
    host: str
    title: str
    tier: Tier
    waiting: bool


@dataclass(frozen=True, slots=True)
class TeamActivity:
    """Another operator's write reached the team store (LISTEN/NOTIFY): what to show and what to reload."""

    operator: str
    kind: str
    """The audit event's kind: `action-finished`, `rollback-point-added`, `approval-requested`, ..."""
    text: str
    """One line for the operator: `alice on web1: systemctl restart nginx (exit 0)`."""
    host: str | None = None
    request_id: int | None = None


@dataclass(frozen=True, slots=True)
class ReadConfinementChanged:
    """How READs run on `host`, said when first learnt and whenever it changes (a new connection may differ)."""

    host: str
    confined: bool
    label: str
    """The host's mode (`mount namespace`, ...), why there is none (`none: REASON`), or `off` (the config)."""


@dataclass(frozen=True, slots=True)
class ClassifierMiss:
    """A READ ran confined and tried to change something: the classifier misread it. Nothing of it persisted;
    it is recorded and chained as a classifier miss, and may be run again as WRITE (`Session.rerun_as_write`)."""

    outcome: Outcome

    @property
    def host(self) -> str:
        return self.outcome.host

    @property
    def command(self) -> str:
        return self.outcome.command

    @property
    def attempted(self) -> tuple[str, ...]:
        return self.outcome.attempted


@dataclass(frozen=True, slots=True)
class Notice:
    message: str
    severity: Literal["information", "warning", "error"] = "information"


SessionEvent = (
    CurrentHostChanged
    | ReadOnlyChanged
    | StatsChanged
    | PendingApprovals
    | StepStarted
    | OutputLines
    | ActionFinished
    | PlanChanged
    | AwaitingSecondOperator
    | TeamActivity
    | ReadConfinementChanged
    | ClassifierMiss
    | Notice
)


class EventSink(Protocol):
    def __call__(self, event: SessionEvent) -> None: ...


class EventChannel:
    """Where the core emits; callers subscribe sinks (the console's adapter, the CLI's printer, a test)."""

    def __init__(self, *sinks: EventSink) -> None:
        self._sinks: list[EventSink] = list(sinks)

    def subscribe(self, sink: EventSink) -> None:
        self._sinks.append(sink)

    def unsubscribe(self, sink: EventSink) -> None:
        """Stop sending to `sink` (a screen that followed the session while it was open); unknown: no-op."""
        if sink in self._sinks:
            self._sinks.remove(sink)

    def __call__(self, event: SessionEvent) -> None:
        for sink in self._sinks:
            sink(event)
