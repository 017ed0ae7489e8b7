"""The approval dialogs: one modal screen per `ApprovalRequest`, built so it cannot be approved by accident.

- Cancel has focus and Enter never approves: the approve button cannot take focus, WRITE is approved with `y`
  only, after `request.write_key_delay`.
- DESTRUCTIVE (and plans holding a DESTRUCTIVE step) is confirmed only by typing each challenge shown and
  pressing Enter (or clicking Confirm), and only once `request.destructive_dwell` has passed; `y` does nothing.
- Keys typed before the dialog appeared are discarded (`accepts_key`, applied by the app to every key event).
- `n`/Esc reject, `r` rejects with a reason for the model, `e` edits the command (classified and asked again),
  `m` cycles through "remember this approval" choices for a WRITE command (off unless chosen), `f` chooses to
  overwrite targets changed since a rollback's capture.

The dialog only collects the operator's answer; the session checks the challenge, the dwell and the force
flag again itself.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import ClassVar, Literal

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Footer, Input, Label, Static

from console.core.approval import ApprovalRequest, Decision, Lifetime, RememberChoice, Scope, StepReview
from console.core.tiers import Tier
from console.tui.review import StepDetails, TierBadge, labelled, tier_class

REMEMBER_CHOICES: tuple[RememberChoice | None, ...] = (
    None,
    RememberChoice(Scope.EXACT, Lifetime.SESSION),
    RememberChoice(Scope.EXACT, Lifetime.DAY),
    RememberChoice(Scope.PREFIX, Lifetime.SESSION),
    RememberChoice(Scope.PREFIX, Lifetime.DAY),
    RememberChoice(Scope.EXACT, Lifetime.UNTIL_REVOKED),
    RememberChoice(Scope.PREFIX, Lifetime.UNTIL_REVOKED),
)

Mode = Literal["decide", "reason", "edit"]


def describe_remember(choice: RememberChoice | None, request: ApprovalRequest) -> str:
    """The choice with the exact pattern it would remember (`ApprovalRequest.remember_pattern`)."""
    if choice is None:
        return "no — ask every time"
    when = {Lifetime.SESSION: "for this session", Lifetime.DAY: "for 24 hours"}.get(choice.lifetime, "until revoked")
    return f"{request.remember_pattern(choice.scope)} on {request.host}, {when}"


class ApprovalScreen(ModalScreen[Decision | None]):
    """Shows one request and returns the operator's `Decision` (None: taken away unanswered)."""

    AUTO_FOCUS = "#cancel"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "approve", "Approve", id="approval.approve"),
        Binding("n", "reject", "Reject", id="approval.reject"),
        Binding("escape", "escape", "Reject / back", id="approval.escape"),
        Binding("r", "reject_with_reason", "Reject with reason", id="approval.reason"),
        Binding("e", "edit", "Edit command", id="approval.edit"),
        Binding("m", "remember", "Remember…", id="approval.remember"),
        Binding("f", "force", "Overwrite", id="approval.force"),
    ]
    DEFAULT_CSS = """
    ApprovalScreen { align: center middle; }
    ApprovalScreen #dialog { width: 94%; max-width: 124; height: auto; max-height: 100%;
        border: thick $tier-write; background: $surface; padding: 0 1; }
    ApprovalScreen.-destructive #dialog { border: thick $tier-destructive; }
    ApprovalScreen.-read #dialog { border: thick $tier-read; }
    ApprovalScreen #dialog-title { height: auto; width: 1fr; text-style: bold; padding: 0 1; }
    ApprovalScreen #dialog-foot { dock: bottom; height: auto; }
    ApprovalScreen #title-row { height: auto; }
    ApprovalScreen .prod-badge { background: $error; color: $background; text-style: bold; padding: 0 1; }
    ApprovalScreen #dialog-body { height: auto; max-height: 1fr; }
    ApprovalScreen .warning { color: $warning; text-style: bold; }
    ApprovalScreen .challenge-label { text-style: bold; color: $tier-destructive; margin: 1 0 0 0; }
    ApprovalScreen .hidden { display: none; }
    ApprovalScreen #rollback-diff { border: round $secondary 50%; padding: 0 1; height: auto; max-height: 16;
        overflow-y: auto; }
    ApprovalScreen #buttons { height: auto; align-horizontal: right; }
    ApprovalScreen #buttons Button { margin: 0 0 0 2; }
    ApprovalScreen #approve.-destructive { background: $tier-destructive; }
    ApprovalScreen #hint { color: $text-muted; height: auto; }
    ApprovalScreen .toggle { height: auto; color: $text-muted; }
    ApprovalScreen .toggle.-on { color: $warning; text-style: bold; }
    """

    def __init__(self, request: ApprovalRequest, *, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(classes=tier_class(request.tier))
        self.request = request
        self._clock = clock
        self._shown_at = clock()
        self.opened_at = float("inf")
        """Textual's time of this screen's Mount: key events older than it were typed ahead."""
        self._mode: Mode = "decide"
        self._remember_index = 0
        self._force = False
        self._hint_override: str | None = None

    # --- what the subclasses provide -----------------------------------------------------------------------

    @property
    def challenged_steps(self) -> tuple[StepReview, ...]:
        return tuple(step for step in self.request.steps if step.challenge)

    def title_text(self) -> Text:
        raise NotImplementedError

    def compose_body(self) -> ComposeResult:
        raise NotImplementedError

    @property
    def can_edit(self) -> bool:
        return False

    @property
    def can_remember(self) -> bool:
        return False

    # --- layout --------------------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        request = self.request
        with Vertical(id="dialog"):
            with Horizontal(id="title-row"):
                yield TierBadge(request.tier)
                yield Static(self.title_text(), id="dialog-title")
                if request.production:
                    yield Label("PROD", classes="prod-badge")
            with VerticalScroll(id="dialog-body"):
                host = labelled("Host: ", request.host)
                if request.host_labels:
                    host.append("  labels: " + ", ".join(request.host_labels))
                yield Static(host)
                if request.requested_by:
                    who = request.requested_by
                    kind = "an agent over MCP" if who.startswith("mcp:") else "another operator, who approved it"
                    yield Static(labelled("Requested by: ", f"{who} ({kind})"), id="requester")
                for warning in request.warnings:
                    yield Static(Text("⚠ " + warning), classes="warning")
                yield from self.compose_body()
            if self.can_remember:
                yield Static(id="remember", classes="toggle")
            if request.requires_force:
                yield Static(id="force", classes="toggle")
            yield Input(
                placeholder="Why not? (goes back to the model) — Enter sends, Esc goes back",
                id="reason-input",
                classes="hidden",
            )
            yield Input(id="edit-input", classes="hidden")
            with Vertical(id="dialog-foot"):
                yield Static(id="hint")
                with Horizontal(id="buttons"):
                    yield Button("Cancel (n)", id="cancel", variant="default")
                    approve = Button(self.approve_label(), id="approve", variant="warning")
                    approve.can_focus = False
                    if self.challenged_steps:
                        approve.add_class("-destructive")
                    yield approve
        yield Footer()

    def compose_challenge(self, step: StepReview) -> ComposeResult:
        assert step.challenge is not None
        label = Text("Type ")
        label.append(f'"{step.challenge}"', "bold reverse")
        label.append(" to confirm" + (f" step {step.index}" if self.request.kind == "plan" else ""))
        yield Static(label, classes="challenge-label")
        yield Input(placeholder=step.challenge, id=f"challenge-{step.index}", classes="challenge")

    def approve_label(self) -> str:
        return "Confirm (type, then Enter)" if self.challenged_steps else "Approve (y)"

    def on_mount(self, event: events.Mount) -> None:
        self.opened_at = event.time
        self._shown_at = self._clock()
        self._refresh_controls()
        self.set_interval(0.1, self._refresh_controls)

    def accepts_key(self, event: events.Key) -> bool:
        """False for a key pressed before this dialog was on screen (typed ahead, meant for something else)."""
        return event.time >= self.opened_at

    # --- state ---------------------------------------------------------------------------------------------

    @property
    def remember_choice(self) -> RememberChoice | None:
        return REMEMBER_CHOICES[self._remember_index] if self.can_remember else None

    def typed_challenges(self) -> tuple[str, ...]:
        return tuple(self.query_one(f"#challenge-{step.index}", Input).value for step in self.challenged_steps)

    def blocker(self) -> str | None:
        """Why the request cannot be approved right now, or None."""
        request = self.request
        elapsed = self._clock() - self._shown_at
        if self._mode != "decide":
            return "finish the reason or the edit first (Esc goes back)"
        for step, typed in zip(self.challenged_steps, self.typed_challenges(), strict=True):
            if typed != step.challenge:
                return f'type "{step.challenge}" exactly, then Enter, to confirm'
        if self.challenged_steps and elapsed < request.destructive_dwell:
            return f"confirm works in {request.destructive_dwell - elapsed:.1f}s — read the consequence"
        if elapsed < request.write_key_delay:
            return f"y works in {request.write_key_delay - elapsed:.1f}s — read the command first"
        if request.requires_force and not self._force:
            return "the targets changed since the capture: press f to choose to overwrite them"
        return None

    def _refresh_controls(self) -> None:
        blocker = self.blocker()
        approve = self.query_one("#approve", Button)
        approve.disabled = blocker is not None
        if self._hint_override:
            hint = self._hint_override
        elif blocker:
            hint = blocker
        elif self.challenged_steps:
            hint = "Enter confirms; n/Esc rejects."
        else:
            hint = "y approves; n/Esc rejects; r rejects with a reason."
        self.query_one("#hint", Static).update(Text(hint))
        if self.can_remember:
            remember = self.query_one("#remember", Static)
            remember.update(
                Text("Remember this approval (m): " + describe_remember(self.remember_choice, self.request))
            )
            remember.set_class(self.remember_choice is not None, "-on")
        if self.request.requires_force:
            force = self.query_one("#force", Static)
            force.update(Text("Overwrite targets changed since the capture (f): " + ("YES" if self._force else "no")))
            force.set_class(self._force, "-on")

    def _say(self, hint: str) -> None:
        self._hint_override = hint
        self._refresh_controls()

    # --- actions -------------------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "edit":
            return self.can_edit
        if action == "remember":
            return self.can_remember
        if action == "force":
            return self.request.requires_force
        if action == "approve":
            return not self.challenged_steps
        return True

    def action_approve(self) -> None:
        """`y`: approves once the delay has passed. Disabled (`check_action`) when a challenge must be typed."""
        self._approve()

    def _approve(self) -> None:
        blocker = self.blocker()
        if blocker is not None:
            self._say("Not approved: " + blocker)
            return
        self.dismiss(
            Decision(
                approved=True,
                typed_challenges=self.typed_challenges(),
                remember=self.remember_choice,
                force=self._force,
            )
        )

    def action_reject(self) -> None:
        self.dismiss(Decision.reject())

    def action_escape(self) -> None:
        if self._mode != "decide":
            self._leave_mode()
            return
        self.action_reject()

    def action_reject_with_reason(self) -> None:
        self._enter_mode("reason", self.query_one("#reason-input", Input))

    def action_edit(self) -> None:
        if not self.can_edit:
            return
        edit = self.query_one("#edit-input", Input)
        edit.value = self.request.steps[0].command
        self._enter_mode("edit", edit)

    def action_remember(self) -> None:
        if self.can_remember:
            self._remember_index = (self._remember_index + 1) % len(REMEMBER_CHOICES)
            while (choice := REMEMBER_CHOICES[self._remember_index]) and not self.request.remember_pattern(
                choice.scope
            ):  # no "command and subcommand" for a program without real subcommands
                self._remember_index = (self._remember_index + 1) % len(REMEMBER_CHOICES)
            self._refresh_controls()

    def action_force(self) -> None:
        if self.request.requires_force:
            self._force = not self._force
            self._refresh_controls()

    def _enter_mode(self, mode: Mode, field: Input) -> None:
        self._leave_mode()
        self._mode = mode
        field.remove_class("hidden")
        field.focus()
        self._say("Enter sends; Esc goes back to the decision.")

    def _leave_mode(self) -> None:
        self._mode = "decide"
        self._hint_override = None
        for selector in ("#reason-input", "#edit-input"):
            self.query_one(selector, Input).add_class("hidden")
        self.query_one("#cancel", Button).focus()
        self._refresh_controls()

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self) -> None:
        self.action_reject()

    @on(Button.Pressed, "#approve")
    def _approve_pressed(self) -> None:
        self._approve()

    @on(Input.Submitted, "#reason-input")
    def _reason_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(Decision.reject(event.value.strip() or None))

    @on(Input.Submitted, "#edit-input")
    def _edit_submitted(self, event: Input.Submitted) -> None:
        edited = event.value.strip()
        if not edited or edited == self.request.steps[0].command:
            self._leave_mode()
            self._say("The command was not changed.")
            return
        self.dismiss(Decision(approved=False, edited_command=edited, reason="edited by the operator"))

    @on(Input.Submitted, ".challenge")
    def _challenge_submitted(self, event: Input.Submitted) -> None:
        """Enter in a challenge input: confirm when everything is in order, else go to the next one to type."""
        event.stop()
        for step, typed in zip(self.challenged_steps, self.typed_challenges(), strict=True):
            if typed != step.challenge:
                field = self.query_one(f"#challenge-{step.index}", Input)
                if field is not event.input:
                    field.focus()
                break
        self._approve()

    @on(Input.Changed, ".challenge")
    def _challenge_changed(self) -> None:
        self._hint_override = None
        self._refresh_controls()


class CommandApprovalScreen(ApprovalScreen):
    """One WRITE or DESTRUCTIVE command."""

    @property
    def step(self) -> StepReview:
        return self.request.steps[0]

    @property
    def can_edit(self) -> bool:
        return True

    @property
    def can_remember(self) -> bool:
        return self.step.tier is Tier.WRITE and self.request.remember_pattern(Scope.EXACT) is not None

    def title_text(self) -> Text:
        if self.step.tier is Tier.DESTRUCTIVE:
            return Text(f"DESTRUCTIVE command on {self.request.host}: it approaches irreversibility")
        return Text(f"{self.step.tier.name} command on {self.request.host}: approve?")

    def compose_body(self) -> ComposeResult:
        yield StepDetails(self.step, numbered=False)
        if self.step.challenge:
            yield from self.compose_challenge(self.step)


class PlanApprovalScreen(ApprovalScreen):
    """A whole plan, approved once: every step with its tier, the output of the READ steps that ran."""

    def title_text(self) -> Text:
        request = self.request
        pending = len(request.pending_steps)
        return Text(f"Plan: {request.title} — {len(request.steps)} steps on {request.host}, {pending} to approve")

    def compose_body(self) -> ComposeResult:
        for step in self.request.steps:
            yield StepDetails(step, numbered=True)
            if step.challenge:
                yield from self.compose_challenge(step)
        yield Static(Text("Approved steps run in order and stop at the first failure.", "italic"))


class RollbackApprovalScreen(ApprovalScreen):
    """A rollback: what will be restored, shown as a diff first."""

    def title_text(self) -> Text:
        return Text(f"{self.request.title} on {self.request.host}?")

    def compose_body(self) -> ComposeResult:
        step = self.request.steps[0]
        yield StepDetails(step, numbered=False)
        yield Label("What the rollback changes (now → captured):")
        yield Static(
            self.request.diff or "(no difference: the targets are as captured)",
            markup=False,
            classes="preview",
            id="rollback-diff",
        )


def screen_for(request: ApprovalRequest, *, clock: Callable[[], float] = time.monotonic) -> ApprovalScreen:
    if request.kind == "plan":
        return PlanApprovalScreen(request, clock=clock)
    if request.kind == "rollback":
        return RollbackApprovalScreen(request, clock=clock)
    return CommandApprovalScreen(request, clock=clock)
