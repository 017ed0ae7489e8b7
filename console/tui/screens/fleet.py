"""The fleet view (palette: "Rollouts"): every recorded rollout, newest first, one row each; the selected one
expands to its hosts — one row per host with its wave, status, exit code, time and rollback keys — with the
selected host's output and the counts. `f` starts a new rollout of only the failed (and unreachable) hosts,
through the session's usual approval.

A rollout still running is followed live: the screen subscribes to the session's events, so a host's lines
appear as they come (`OutputLines` carries the host) and a host's row changes when its action finishes
(`ActionFinished`, whose outcome carries the rollout's key as `plan_id`). Everything shown is the session's
answer (`Session.rollouts`, `Session.rollout_actions`); the screen decides nothing.
"""

from __future__ import annotations

import time
from collections import defaultdict
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Log, Static

from console.core.errors import HitlError
from console.core.events import ActionFinished, OutputLines, SessionEvent
from console.core.memory.records import ActionRecord, RolloutRecord
from console.core.runtime import Runtime
from console.core.session import Session
from console.core.textsafe import shown, shown_line, shown_lines
from console.tui.text import plain, toast

FAILED_STATES = ("failed", "unreachable")


class _Update(Message):
    """A session event the screen follows, handed to it on the app's loop."""

    def __init__(self, event: SessionEvent) -> None:
        super().__init__()
        self.event = event


def _cells(values: tuple[str, ...]) -> list[Text]:
    """Table cells: a rollout's target and title and a host's name are untrusted (a DataTable would read a str
    cell as markup)."""
    return [plain(shown_line(value)) for value in values]


def counts(states: list[str]) -> str:
    line = ", ".join(f"{states.count(s)} {s}" for s in ("ok", "failed", "unreachable"))
    others = len(states) - sum(states.count(s) for s in ("ok", "failed", "unreachable"))
    return line + (f", {others} not run or pending" if others else "")


class FleetScreen(Screen[None]):
    """Browse rollouts and their hosts; retry the failed hosts of one."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f", "retry_failed", "Retry failed hosts", id="fleet.retry"),
        Binding("escape", "close", "Close", id="fleet.close"),
    ]

    DEFAULT_CSS = """
    FleetScreen { layout: vertical; }
    FleetScreen #fleet-title { padding: 0 1; text-style: bold; color: $primary; }
    FleetScreen #rollouts { height: 8; }
    FleetScreen #hosts { height: 1fr; }
    FleetScreen #fleet-counts { padding: 0 1; }
    FleetScreen #host-output { height: 1fr; border: round $primary-darken-2; }
    """

    def __init__(self, session: Session) -> None:
        super().__init__()
        self.session = session
        self.rollouts: list[RolloutRecord] = []
        self.selected: RolloutRecord | None = None
        self.actions: dict[str, list[ActionRecord]] = {}
        self.live: dict[str, list[str]] = defaultdict(list)
        self.finished: dict[str, tuple[str, int | None]] = {}
        self.host: str | None = None
        self._relisting = False

    @classmethod
    def for_runtime(cls, runtime: Runtime) -> FleetScreen:
        return cls(runtime.session)

    def compose(self) -> ComposeResult:
        yield Static("Rollouts", id="fleet-title")
        yield DataTable(id="rollouts", cursor_type="row", zebra_stripes=True)
        yield Static(id="fleet-counts")
        yield DataTable(id="hosts", cursor_type="row", zebra_stripes=True)
        yield Log(id="host-output", max_lines=5000)
        yield Footer()

    def on_mount(self) -> None:
        rollouts = self.query_one("#rollouts", DataTable)
        rollouts.add_columns("Time", "Key", "Target", "What", "Tier", "Status", "Hosts")
        self.query_one("#hosts", DataTable).add_columns("Host", "Wave", "Status", "Exit", "Time", "Rollback keys")
        self.session.events.subscribe(self._follow)
        self.reload()

    def on_unmount(self) -> None:
        self.session.events.unsubscribe(self._follow)

    def _follow(self, event: SessionEvent) -> None:
        if isinstance(event, OutputLines | ActionFinished):
            self.post_message(_Update(event))

    # --- the rollouts --------------------------------------------------------------------------------------

    def _relist(self) -> None:
        self._relisting = False
        self.reload()

    def reload(self) -> None:
        self.rollouts = self.session.rollouts()
        table = self.query_one("#rollouts", DataTable)
        table.clear()
        for record in self.rollouts:
            when = time.strftime("%m-%d %H:%M:%S", time.localtime(record.created))
            states = [host.state for host in record.hosts]
            cells = (when, record.key, record.target, record.title, record.tier, record.status, counts(states))
            table.add_row(*_cells(cells))
        if self.rollouts:
            keep = next((i for i, r in enumerate(self.rollouts) if self.selected and r.key == self.selected.key), 0)
            table.move_cursor(row=keep)
            self._select(self.rollouts[keep])

    @on(DataTable.RowHighlighted, "#rollouts")
    def _rollout_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if 0 <= event.cursor_row < len(self.rollouts):
            self._select(self.rollouts[event.cursor_row])

    def _select(self, record: RolloutRecord) -> None:
        if self.selected is not None and self.selected.key != record.key:
            self.finished.clear()
        self.selected = record
        self.actions = defaultdict(list)
        for action in self.session.rollout_actions(record.key):
            self.actions[action.host].append(action)
        self._show_hosts()

    def _state(self, host: str, recorded: str) -> tuple[str, int | None]:
        """The recorded state; while the rollout runs (`pending` until its wave is recorded), what the host's
        finished action said."""
        if recorded == "pending" and host in self.finished:
            return self.finished[host]
        actions = self.actions.get(host, [])
        exits = [a.exit_status for a in actions if a.exit_status is not None]
        return recorded, exits[-1] if exits else None

    def _show_hosts(self) -> None:
        record = self.selected
        table = self.query_one("#hosts", DataTable)
        table.clear()
        if record is None:
            return
        states = []
        for host in record.hosts:
            state, exit_status = self._state(host.host, host.state)
            states.append(state)
            actions = self.actions.get(host.host, [])
            took = sum((a.finished or 0) - (a.started or 0) for a in actions if a.started and a.finished)
            cells = (
                host.host,
                str(host.wave or "-"),
                state,
                "-" if exit_status is None else str(exit_status),
                f"{took:.2f}s" if took else "-",
                ", ".join(host.keys) or "-",
            )
            table.add_row(*_cells(cells), key=host.host)
        summary = shown_line(f"{record.key} on {record.target}: {counts(states)}  ({record.status})")
        self.query_one("#fleet-counts", Static).update(plain(summary))
        if record.hosts:
            self._show_output(self.host if self.host in {h.host for h in record.hosts} else record.hosts[0].host)

    @on(DataTable.RowHighlighted, "#hosts")
    def _host_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.row_key.value is not None:
            self._show_output(str(event.row_key.value))

    def _show_output(self, host: str) -> None:
        self.host = host
        log = self.query_one("#host-output", Log)
        log.clear()
        lines = [line for action in self.actions.get(host, []) for line in action.output.splitlines()]
        # What its finished steps recorded, then what is running.
        log.write_lines(shown_lines([*lines, *self.live.get(host, [])]))
        log.border_title = plain(shown_line(f"{host}: output"))  # a str title would be read as markup

    # --- live ----------------------------------------------------------------------------------------------

    def on__update(self, message: _Update) -> None:
        event = message.event
        if isinstance(event, OutputLines):
            self.live[event.host] += list(event.lines)
            known = self.selected is not None and any(h.host == event.host for h in self.selected.hosts)
            if not known:  # a rollout started since: list it soon (its lines are kept in `live` meanwhile)
                if not self._relisting:
                    self._relisting = True
                    self.set_timer(0.2, self._relist)
            elif event.host == self.host:
                self.query_one("#host-output", Log).write_lines(shown_lines(event.lines))
            return
        assert isinstance(event, ActionFinished)
        outcome = event.outcome
        if self.selected is None or outcome.plan_id != self.selected.key:
            if outcome.plan_id and outcome.plan_id.startswith("ro-"):
                self.reload()  # a new rollout started: list it
            return
        result = outcome.result
        state = "ok" if outcome.ok else "failed"
        if result is not None and result.ended.value == "connection lost":
            state = "unreachable"
        self.finished[outcome.host] = (state, result.exit_status if result else None)
        self.live.pop(outcome.host, None)  # its recorded output takes over
        self.reload()

    # --- actions -------------------------------------------------------------------------------------------

    def action_close(self) -> None:
        self.dismiss(None)

    def action_retry_failed(self) -> None:
        record = self.selected
        if record is None:
            toast(self, shown("No rollout selected."), severity="warning")
            return
        failed = [h.host for h in record.hosts if self._state(h.host, h.state)[0] in FAILED_STATES]
        if not failed:
            toast(self, shown_line(f"No host of {record.key} failed."), title=shown("Retry"))
            return
        steps = [(a.command, "") for a in self.actions.get(failed[0], [])]
        if not steps:
            toast(self, shown("The rollout's commands are not in memory any more."), severity="error")
            return
        self._retry(record, ",".join(failed), steps)

    @work(exclusive=True, group="fleet-retry")
    async def _retry(self, record: RolloutRecord, target: str, steps: list[tuple[str, str]]) -> None:
        toast(self, shown_line(f"Retrying {record.key} on {target}"), title=shown("Retry"))
        try:
            if len(steps) == 1:
                outcome = await self.session.run_fleet(target, steps[0][0], purpose=record.title)
            else:
                outcome = await self.session.run_fleet_plan(record.title, target, steps)
        except HitlError as error:
            toast(self, shown_line(str(error)), title=shown("Retry"), severity="error")
            return
        toast(self, shown_line(f"{outcome.key}: {outcome.summary()}"), title=shown("Retry"))
        self.selected = None
        self.reload()
