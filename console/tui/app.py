"""The hitl Textual application: the main screen wired to the session and the agent.

The first frame comes before anything heavy: the session core, the classifier and the agent (and with it
`anthropic`) are imported in a thread after the first refresh, then the runtime is opened. A chat message
runs one agent turn in a worker; the session runs inside it, so approval dialogs are awaited there
(`TuiApprover`). Agent events are rendered in the chat as the turn yields them, in the operator's words (what
was run, what happened, every plan step and rollback point as a table); the session's events arrive as
`SessionUpdate` messages (`console.tui.messages`) and are the only thing that updates the status bar and the
plan and output panes. The app holds no business rules: it asks the session (read-only mode, the current host,
plans) and shows what the session says; the command palette runs the app's own actions.

Over 400 lines because this is the one place where agent events, session events and the operator's keys meet;
each part is a short method, and splitting them would scatter that routing (the wording of the conversation is
`console.tui.conversation`, search is `console.tui.search`). READ confinement added its probe, the status bar
mark and the ctrl+g offer of a caught classifier miss here for the same reason.

Keys never take what the input line needs: printable keys (`?` help, `/` search) act only where nothing is
typed, the rest are function keys or ctrl keys the input does not use; Up, Down and ctrl+r belong to the input
(its history). F1 lists the keys of whichever screen is on top.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
from collections.abc import Mapping
from typing import TYPE_CHECKING, ClassVar

from textual import events, on, work
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.theme import Theme
from textual.widgets import Footer, Input
from textual.worker import Worker, WorkerState

from console.core.agent.mode import MANUAL, agent_mode
from console.core.config import Settings
from console.core.paths import Paths, resolve_paths
from console.core.textsafe import shown, shown_line
from console.core.themes import ThemeCatalog
from console.tui.approver import TuiApprover
from console.tui.chat import ChatInput, ChatPane
from console.tui.conversation import (
    INPUT_KEYS,
    MANUAL_TYPED,
    MODEL_TYPED,
    OUTPUT_KEYS,
    show_history,
    tool_call_line,
    tool_outcome_line,
)
from console.tui.messages import SessionEvents, SessionUpdate
from console.tui.output_pane import HostPane
from console.tui.search import SearchBar
from console.tui.team import TeamStrip
from console.tui.text import plain, toast
from console.tui.theming import TIER_DEFAULTS, to_textual_theme
from console.tui.widgets import PlanPane, StatusBar

if TYPE_CHECKING:
    from textual.command import Provider

    from console.core.agent.base import Agent, AgentEvent, Report
    from console.core.outcome import Outcome
    from console.core.runtime import Runtime
    from console.tui.approver_socket import McpApprovals
    from console.tui.screens.timeline import TimelineScreen

FALLBACK_THEME = "hitl-dark"
LONG_COMMAND_SECONDS = 2.0
"""A command that ran at least this long gets a notification when it ends while the operator looks elsewhere."""
STORE_RETRY_FIRST, STORE_RETRY_MAX = 2.0, 30.0
"""Seconds between attempts to reach an unreachable team store at start-up (doubling)."""
PROBE_GRACE_SECONDS = 5.0
"""How long closing the console waits for a host's confinement probe to finish."""
HEAVY_MODULES = ("console.core.runtime", "console.core.session_tools", "console.core.agent.factory")


def _hitl_commands() -> type[Provider]:
    """The palette provider, imported when the palette first opens (it pulls in the session core)."""
    from console.tui.palette import HitlCommands

    return HitlCommands


class HitlApp(App[None]):
    """Full-screen console: chat on the left, plan and host output on the right."""

    TITLE = "hitl"
    CSS_PATH = "hitl.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+q", "quit", "Quit", priority=True, id="quit"),
        Binding("escape", "stop_turn", "Stop", id="stop"),
        Binding("f1", "help", "Help", id="help"),
        Binding("question_mark", "help", "Help", show=False, id="help.question_mark"),
        Binding("slash", "search", "Search", show=False, id="search"),
        Binding("f3", "search", "Search", id="search.f3"),
        Binding("f2", "toggle_read_only", "Read-only", id="read_only"),
        Binding("f4", "abort_plan", "Abort plan", id="abort_plan"),
        Binding("ctrl+t", "timeline", "Rollbacks", id="timeline"),
        Binding("ctrl+o", "hosts", "Hosts", id="hosts"),
        Binding("ctrl+g", "rerun_as_write", "Run as WRITE", id="rerun_as_write"),
        Binding("ctrl+n", "pending_approvals", "Team approvals", id="pending_approvals", show=False),
    ]
    COMMANDS = App.COMMANDS | {_hitl_commands}

    def __init__(
        self,
        settings: Settings,
        catalog: ThemeCatalog,
        *,
        host: str = "local",
        mode: str | None = None,
        paths: Paths | None = None,
        resume: bool = False,
        connect: bool = True,
        environ: Mapping[str, str] | None = None,
        theme: str | None = None,
    ) -> None:
        """`mode` is what the status bar calls the agent until it is open (default: the core's choice for this
        environment). `connect=False` shows the screen without opening a session (only tests of the chrome).
        `theme` is this run's theme (`--theme`); otherwise the one last chosen in the console, else the
        configuration's."""
        super().__init__()
        self.settings = settings
        self._catalog = catalog
        self._theme_problems = list(catalog.errors)
        self._host = host
        self._mode = mode or agent_mode(settings, environ)
        self._paths = paths
        self._resume = resume
        self._connect = connect
        self._environ = environ
        self._runtime: Runtime | None = None
        self._opened: Runtime | None = None
        self.agent: Agent | None = None
        self.ready = asyncio.Event()
        """Set once the session and the agent are open (or failed to open)."""
        self.approver = TuiApprover(self)
        self.mcp_approvals: McpApprovals | None = None
        """Answers `hitl mcp` servers' requests in this console's dialogs (started with the session)."""
        self.session_events: SessionEvents | None = None
        """The session's event sink (made when the session opens)."""
        self._turn: Worker[None] | None = None
        self.turns_started = 0
        self.read_confinement: dict[str, tuple[bool, str]] = {}
        """What the session said about each host's READs: (confined, mode or why not)."""
        self._offer: Outcome | None = None
        """The last caught classifier miss, offered to run again as WRITE (once)."""
        for spec in catalog.themes.values():
            try:
                self.register_theme(to_textual_theme(spec))
            except ValueError as error:
                self._theme_problems.append(str(error))
        self.theme = self._initial_theme(theme)
        if settings.keymap:
            self.set_keymap(dict(settings.keymap))

    def _initial_theme(self, explicit: str | None) -> str:
        wanted = explicit
        if wanted is None and self._connect:
            from console.core.preferences import chosen_theme

            wanted = chosen_theme(self._paths or resolve_paths())
        wanted = wanted or self.settings.theme
        if wanted in self.available_themes:
            return wanted
        self._theme_problems.append(f"theme '{wanted}' is not available; using {FALLBACK_THEME}")
        return FALLBACK_THEME

    @property
    def runtime(self) -> Runtime | None:
        """The open session; the timeline, hosts screen and palette use it too."""
        return self._runtime

    @runtime.setter
    def runtime(self, runtime: Runtime) -> None:
        """Follow `runtime`'s session: its events reach the screen through `SessionEvents` from now on (one
        opened here, or one handed in from outside)."""
        self._runtime = runtime
        self.session_events = SessionEvents(self)
        runtime.session.events.subscribe(self.session_events)

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return dict(TIER_DEFAULTS)

    async def on_event(self, event: events.Event) -> None:
        """Discard keys typed before an approval dialog appeared: they were meant for something else."""
        if isinstance(event, events.Key) and not event.is_forwarded:
            accepts_key = getattr(self.screen, "accepts_key", None)  # approval dialogs (imported lazily)
            if accepts_key is not None and not accepts_key(event):
                return
        await super().on_event(event)

    def compose(self) -> ComposeResult:
        with Horizontal(id="main"):
            yield ChatPane()
            with Vertical(id="side"):
                yield PlanPane(id="plan-pane")
                yield HostPane(id="host-pane")
        yield SearchBar(id="search-bar", classes="hidden")
        status = StatusBar(id="status-bar")
        status.host = self._host
        status.mode = self._mode
        status.read_only = self.settings.read_only
        yield status
        yield TeamStrip(id="team-strip")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#chat-input", Input).focus()
        for problem in self._theme_problems:
            toast(self, shown_line(problem), title=shown("Theme"), severity="warning", timeout=8)
        self.theme_changed_signal.subscribe(self, self._theme_changed)
        if self._connect:
            self.call_after_refresh(self._open_session)
            self.call_after_refresh(self._preload_redaction)

    def _theme_changed(self, theme: Theme) -> None:
        """Draw what carries the theme's colours again, and keep the choice for the next start."""
        if self.screen_stack:
            self.plan_pane.refresh_rows()
        if self._connect:
            from console.core.preferences import choose_theme

            try:
                choose_theme(self._paths or resolve_paths(), theme.name)
            except OSError as error:
                toast(self, shown_line(f"could not keep the theme: {error}"), severity="warning")

    # --- panes ---------------------------------------------------------------------------------------------
    # Looked up on the main screen, not the active one: session events keep arriving while a dialog, the
    # timeline or the hosts screen is on top.

    @property
    def main_screen(self) -> Screen[object]:
        return self.screen_stack[0]

    @property
    def chat(self) -> ChatPane:
        return self.main_screen.query_one(ChatPane)

    @property
    def host_pane(self) -> HostPane:
        return self.main_screen.query_one(HostPane)

    @property
    def plan_pane(self) -> PlanPane:
        return self.main_screen.query_one(PlanPane)

    @property
    def status_bar(self) -> StatusBar:
        return self.main_screen.query_one(StatusBar)

    # --- opening the session -------------------------------------------------------------------------------

    @work(group="preload", thread=True, exit_on_error=False)
    def _preload_redaction(self) -> None:
        """Import the secret detector library (about 0.2 s) in a thread after the first frame, so the first
        message or output redacted does not pay for it."""
        from console.core import runtime

        runtime.preload_redaction()

    @work(group="startup", exit_on_error=False)
    async def _open_session(self) -> None:
        from console.core.memory.records import StoreUnreachable

        pause = STORE_RETRY_FIRST
        try:
            while True:
                try:
                    await self._start()
                    return
                except StoreUnreachable as error:  # a team store: nothing may run unrecorded, so wait for it
                    await self.chat.add_notice(
                        f"{error}. Nothing runs until it answers; trying again in {pause:.0f}s.", "warning"
                    )
                    await asyncio.sleep(pause)
                    pause = min(pause * 2, STORE_RETRY_MAX)
        except Exception as error:  # shown in the chat; the console stays open to read it
            await self.chat.add_notice(f"hitl could not open the session: {error}", "error")
        finally:
            self.ready.set()

    async def _start(self) -> None:
        for module in HEAVY_MODULES:
            await asyncio.to_thread(importlib.import_module, module)
        from console.core.runtime import last_conversation, open_runtime

        paths = self._paths or resolve_paths()
        history = None
        if self._resume:
            stored = last_conversation(paths, self.settings)
            if stored is None or not stored.messages:
                await self.chat.add_notice("Nothing to resume: no earlier conversation is stored.", "warning")
            else:
                history = stored.messages
                await self.chat.add_notice(
                    f"Resumed the conversation of session {stored.id} ({len(history)} messages):"
                )
                await show_history(self.chat, history)
        from console.tui.screens.trust import tui_trust_prompt

        runtime = open_runtime(
            paths, self.settings, self.approver, trust_prompt=tui_trust_prompt(self), mode=self._mode
        )
        self.runtime = self._opened = runtime
        if runtime.permissions_notice:  # said once, out of the conversation's way
            toast(self, shown(runtime.permissions_notice), title=shown("Files made private"), severity="warning")
        runtime.session.set_host(self._host)
        from console.tui.approver_socket import McpApprovals

        self.mcp_approvals = McpApprovals(self, paths.state_dir)
        await self.mcp_approvals.start()
        if runtime.memory.dialect == "postgresql":
            self._follow_team(runtime)
        selection = runtime.start_agent(history=history, environ=self._environ)
        self.agent = selection.agent
        self._mode = self.status_bar.mode = selection.agent.label
        if selection.notice:
            await self.chat.add_notice(selection.notice)

    async def on_unmount(self) -> None:
        """Close the runtime this app opened (one handed in from outside belongs to whoever opened it), after
        letting a confinement probe still running finish: cancelled, its process would outlive the loop."""
        probes = [w for w in self.workers if w.group == "confinement" and not w.is_finished]
        if probes:
            waiting = asyncio.gather(*(w.wait() for w in probes), return_exceptions=True)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(waiting, PROBE_GRACE_SECONDS)
        if self.mcp_approvals is not None:
            await self.mcp_approvals.close()
        if self._opened is not None:
            runtime, self._opened = self._opened, None
            await runtime.close()

    # --- chat ----------------------------------------------------------------------------------------------

    @on(Input.Submitted, "#chat-input")
    async def _chat_submitted(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        if not text:
            return
        if self.turn_running:
            toast(self, shown("hitl is still answering; Esc stops it."), severity="warning")
            return
        chat_input = event.input
        if isinstance(chat_input, ChatInput):
            chat_input.remember(text)
        chat_input.clear()
        head, _, rest = text.partition(" ")
        if head == "/plan" and self._mode == MANUAL:
            from console.tui.screens.plan_editor import PlanEditorScreen

            self.push_screen(PlanEditorScreen(rest), self._plan_written)
            return
        if head == "/help" and self._mode != MANUAL:
            await self.chat.add_user(text)
            await self.chat.add_report(("Type", "What it does"), MODEL_TYPED, "What can be typed")
            return
        await self.send(text)

    def _plan_written(self, message: str | None) -> None:
        if message is not None:
            self.call_later(self.send, message)

    @property
    def turn_running(self) -> bool:
        return self._turn is not None and not self._turn.is_finished

    async def send(self, text: str) -> None:
        """Show the operator's message and answer it in a worker (where approval dialogs can be awaited)."""
        await self.chat.add_user(text)
        self._turn = self.run_worker(self._run_turn(text), group="turn", exclusive=True, exit_on_error=False)
        self.turns_started += 1
        self.refresh_bindings()

    async def _run_turn(self, text: str) -> None:
        await self.ready.wait()
        agent = self.agent
        if agent is None:
            await self.chat.add_notice("There is no session to answer: see the error above.", "error")
            return
        thinking = self.chat.thinking
        thinking.words = "working" if self._mode == MANUAL else "thinking"
        thinking.active = True
        try:
            await self.chat.begin_answer()
            async with contextlib.aclosing(agent.run_turn(text)) as stream:
                async for event in stream:
                    await self._render(event)
        except asyncio.CancelledError:
            await self.chat.end_answer()
            await self.chat.add_notice("Stopped. The conversation is kept; send another message to go on.")
            raise
        finally:
            thinking.active = False
            self._save_conversation(agent)

    def _save_conversation(self, agent: Agent) -> None:
        if self.runtime is not None:
            self.runtime.memory.save_conversation(self.runtime.session.session_id, agent.history)

    async def _render(self, event: AgentEvent) -> None:
        from console.core.agent import base

        chat = self.chat
        thinking = chat.thinking
        match event:
            case base.TextDelta(text=text):
                thinking.active = False
                await chat.stream_text(text)
            case base.ToolCall(name=name, input=arguments):
                thinking.active = False
                if self._mode != MANUAL:  # in manual mode the operator's own message says what was asked
                    await chat.add_line(plain(shown_line(tool_call_line(name, arguments))), "tool-line")
            case base.ToolOutcome(summary=summary, is_error=is_error, report=report):
                await chat.add_line(plain(shown_line(tool_outcome_line(summary, is_error))), "tool-line")
                if report is not None:
                    await self._show_report(report)
                thinking.active = self._mode != MANUAL
            case base.AgentStatus(message=message):
                await chat.add_notice(message)
            case base.StreamRestarted(message=message):
                await chat.drop_answer()
                await chat.add_notice(message, "warning")
            case base.AgentError(message=message):
                await chat.add_line(plain(shown_line(f"✗ {message}")), "agent-error")
            case base.HostChanged(host=host):
                self._host_changed(host)
            case base.TurnEnded(stop_reason=reason):
                thinking.active = False
                await chat.end_answer()
                if reason == "max_tokens":
                    await chat.add_notice("The answer was cut off at the token limit.", "warning")

    async def _show_report(self, report: Report) -> None:
        await self.chat.add_report(report.columns, report.rows)

    def _host_changed(self, host: str) -> None:
        if self.runtime is not None:
            self.runtime.session.set_host(host)

    # --- session events ------------------------------------------------------------------------------------

    def on_session_update(self, message: SessionUpdate) -> None:
        """The one place the session's state reaches the screen (see `console.tui.messages`)."""
        from console.core import events as core

        # Shutting down: the screens, or the panes on the main one, are gone while the session still closes (a
        # confinement probe finishing says so as the widgets are removed).
        if not self.screen_stack or not self.main_screen.query(StatusBar):
            return
        status = self.status_bar
        match message.event:
            case core.OutputLines(stream=stream, lines=lines):
                self.host_pane.add_lines(stream, lines)
            case core.StepStarted(host=host, command=command, tier=tier, confinement=confinement):
                self.host_pane.begin(host, command, tier.name, confinement)
            case core.ActionFinished(outcome=outcome):
                self._action_finished(outcome)
            case core.PlanChanged(plan=plan):
                self.plan_pane.show_plan(plan)
                self.refresh_bindings()
            case core.CurrentHostChanged(host=host):
                status.host, status.labels = host.name, host.labels
                known = self.read_confinement.get(host.name)
                status.unconfined = known is not None and not known[0]
                if known is None:
                    self._learn_confinement(host.name)
            case core.ReadConfinementChanged(host=host, confined=confined, label=label):
                self.read_confinement[host] = (confined, label)
                if host == status.host:
                    status.unconfined = not confined
            case core.ClassifierMiss(outcome=outcome):
                self._offer_write(outcome)
            case core.ReadOnlyChanged(read_only=read_only):
                status.read_only = read_only
            case core.StatsChanged(summary=summary):
                status.approvals = summary
            case core.PendingApprovals(count=count):
                status.pending = count
            case core.Notice(message=text, severity=severity):
                self.call_later(self.chat.add_notice, text, severity)
                toast(self, shown(text), severity=severity)
            case core.AwaitingSecondOperator() | core.TeamActivity():
                self._team_event(message.event)

    # --- team mode (console.tui.team) ----------------------------------------------------------------------

    def _follow_team(self, runtime: Runtime) -> None:
        """Show the team strip and follow other operators' actions (LISTEN/NOTIFY) while the app runs."""
        strip = self.main_screen.query_one(TeamStrip)
        strip.pending_key = dict(self.settings.keymap).get("pending_approvals", "ctrl+n")
        strip.display = True
        self.run_worker(runtime.session.follow_team(), group="team", exit_on_error=False)

    def _team_event(self, event: object) -> None:
        from console.tui.team import show_team_event

        show_team_event(self, event)

    def action_pending_approvals(self) -> None:
        from console.tui.team import open_pending_approvals

        open_pending_approvals(self)

    @work(group="confinement", exit_on_error=False)
    async def _learn_confinement(self, host: str) -> None:
        """Ask the session how `host`'s READs run, if that needs no new connection (a host not connected yet is
        learnt at its first command, so picking it brings up no trust dialog); the answer arrives as
        `ReadConfinementChanged`."""
        from console.core.errors import HitlError

        if self.runtime is not None:
            with contextlib.suppress(HitlError):
                await self.runtime.session.read_confinement(host, connect=False)

    def _offer_write(self, miss: Outcome) -> None:
        """A caught classifier miss: say what it tried in the host pane, and offer to run it again as WRITE."""
        key = dict(self.settings.keymap).get("rerun_as_write", "ctrl+g")
        self.host_pane.add_notes(
            [
                "⚠ classifier miss: this READ tried to change something; nothing of it persisted:",
                *(f"  {line}" for line in miss.attempted),
                f"  {key} runs it again as WRITE (the approval dialog comes first)",
            ]
        )
        self._offer = miss
        self.refresh_bindings()

    def _action_finished(self, outcome: Outcome) -> None:
        """A command that ran (or was stopped while running) ends its block in the output pane."""
        from console.core.outcome import Status
        from console.tui.review import result_summary

        if outcome.status not in (Status.DONE, Status.FAILED, Status.INTERRUPTED):
            return
        result = outcome.result
        if outcome.status is Status.INTERRUPTED:
            summary = "stopped by the operator (Esc)"
        else:
            summary = result_summary(result) if result else outcome.reason or outcome.status.value
        if outcome.rollback_key:
            summary += f", rollback key {outcome.rollback_key}"
        took = self.host_pane.finish(outcome.status.value, summary)
        if took >= LONG_COMMAND_SECONDS and self.looking_elsewhere:
            toast(
                self,
                shown_line(f"{outcome.command} on {outcome.host}: {summary}"),
                title=shown(f"Command {outcome.status.value}"),
                severity="information" if outcome.ok else "error",
            )

    @property
    def looking_elsewhere(self) -> bool:
        """The terminal is not focused, or the output pane is scrolled away from its end."""
        return not self.app_focus or self.host_pane.scrolled_away

    def on_timeline_screen_rolled_back(self, message: TimelineScreen.RolledBack) -> None:
        """A rollback done from the timeline is said in the chat too, where the conversation's record is."""
        self.call_later(self.chat.add_notice, message.words, message.severity)

    # --- actions -------------------------------------------------------------------------------------------

    def action_search(self) -> None:
        if self.screen is self.main_screen:
            self.main_screen.query_one(SearchBar).open()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Keys that cannot act now are shown greyed (None), not hidden: the footer and F1 keep telling the truth
        about what exists."""
        if action == "stop_turn":
            return True if self.turn_running else None
        if action == "toggle_read_only":
            return True if self.runtime is not None else None
        if action == "abort_plan":
            return True if self.runtime is not None and self.runtime.session.plan_running else None
        if action == "rerun_as_write":  # shown only while there is a caught miss to offer (main's behaviour)
            return self._offer is not None and not self.turn_running
        return True

    def action_help(self) -> None:
        from console.tui.screens.help import HelpScreen

        if isinstance(self.screen, HelpScreen):
            return
        if self.screen is self.main_screen:
            typed = MANUAL_TYPED if self._mode == MANUAL else MODEL_TYPED
            sections = [
                ("What can be typed", "Type", typed),
                ("In the input line", "Key", INPUT_KEYS),
                ("In the output (Tab moves there)", "Key", OUTPUT_KEYS),
            ]
            self.push_screen(HelpScreen.for_screen(self.screen, "the main screen", sections))
        else:
            self.push_screen(HelpScreen.for_screen(self.screen, getattr(self.screen, "HELP_TITLE", "this screen")))

    def action_rerun_as_write(self) -> None:
        """Run the last caught classifier miss again as WRITE, through the approval dialog (in the turn's worker
        group, so Esc stops it and the dialog can be awaited)."""
        offer, self._offer = self._offer, None
        if offer is None or self.runtime is None or self.turn_running:
            return
        self._turn = self.run_worker(self._rerun(offer), group="turn", exclusive=True, exit_on_error=False)
        self.refresh_bindings()

    async def _rerun(self, miss: Outcome) -> None:
        from console.core.errors import HitlError

        assert self.runtime is not None
        try:
            outcome = await self.runtime.session.rerun_as_write(miss)
        except HitlError as error:
            await self.chat.add_notice(f"Not run again: {error}", "error")
            return
        why = f": {outcome.reason}" if outcome.reason else ""
        await self.chat.add_line(plain(shown_line(f"◂ run again as WRITE: {outcome.status.value}{why}")), "tool-line")

    def action_abort_plan(self) -> None:
        """Stop the running plan before its next step (the step that is running finishes)."""
        if self.runtime is not None and self.runtime.session.plan_running:
            self.runtime.session.abort_plan()
            toast(self, shown("The plan stops before its next step."), title=shown("Abort plan"), severity="warning")

    def action_stop_turn(self) -> None:
        if self._turn is not None:
            self._turn.cancel()

    def action_toggle_read_only(self) -> None:
        if self.runtime is None:
            return
        session = self.runtime.session
        session.set_read_only(not session.read_only)
        words = "Read-only: WRITE and DESTRUCTIVE commands are refused." if session.read_only else "Read-write."
        toast(self, shown(words))

    def action_switch_host(self, name: str) -> None:
        from console.core.errors import HitlError

        if self.runtime is None:
            return
        try:
            info = self.runtime.session.set_host(name)
        except HitlError as error:
            toast(self, shown_line(str(error)), title=shown("Host not changed"), severity="error")
            return
        toast(self, shown_line(f"Current host: {info.name}"), title=shown("Host"))

    def action_timeline(self) -> None:
        if self.runtime is None:
            toast(self, shown("No session is open yet."), title=shown("Rollback timeline"), severity="warning")
            return
        from console.tui.screens.timeline import TimelineScreen

        self.push_screen(TimelineScreen.for_runtime(self.runtime))

    def action_hosts(self) -> None:
        if self.runtime is None:
            toast(self, shown("No session is open yet."), title=shown("Hosts"), severity="warning")
            return
        from console.tui.screens.hosts import HostsScreen

        self.push_screen(HostsScreen.for_runtime(self.runtime))

    def action_fleet(self) -> None:
        if self.runtime is None:
            toast(self, shown("No session is open yet."), title=shown("Rollouts"), severity="warning")
            return
        from console.tui.screens.fleet import FleetScreen

        self.push_screen(FleetScreen.for_runtime(self.runtime))

    def action_export_audit(self) -> None:
        from console.core.errors import HitlError

        if self.runtime is None:
            return
        try:
            path = self.runtime.export_audit()
        except HitlError as error:
            toast(self, shown_line(str(error)), title=shown("Audit log"), severity="error")
            return
        toast(self, shown_line(f"Exported to {path}"), title=shown("Audit log"), timeout=15)

    def action_show_stats(self) -> None:
        if self.runtime is not None:
            summary = shown_line(self.runtime.session.stats.summary())
            toast(self, summary, title=shown("Approval statistics"), timeout=10)

    def action_set_theme(self, name: str) -> None:
        from textual.app import InvalidThemeError

        try:
            self.theme = name
        except InvalidThemeError:
            toast(self, shown_line(f"theme {name!r} is not available"), title=shown("Theme"), severity="error")

    @on(Worker.StateChanged)
    def _worker_changed(self, event: Worker.StateChanged) -> None:
        if event.worker is self._turn:
            if not self.screen_stack:  # the app is shutting down; there is no footer left to refresh
                return
            self.refresh_bindings()
            if event.state is WorkerState.ERROR:
                self.call_later(self.chat.add_notice, f"hitl failed answering: {event.worker.error}", "error")
