"""The approval dialogs: one modal screen per `ApprovalRequest`, built so it cannot be approved by accident and
works exactly as it reads, down to 80x24.

- WRITE: Cancel has focus and Enter never approves; `y` approves once `request.write_key_delay` has passed.
- DESTRUCTIVE (and plans holding a DESTRUCTIVE step): the challenge field has focus from the start, so every
  printable key goes into it and no letter of the challenge can fire a dialog key; Enter there confirms when
  every challenge is typed exactly and `request.destructive_dwell` has passed, and otherwise says why, inline,
  keeping the dialog. Esc leaves the field (then `n`, `r`, `e` work); `y` never confirms. The field has no
  placeholder: an empty field looks empty.
- What is approved is on the screen before the approve key works: the command, its targets and the first lines of
  its diff ("N more lines: d to view" for the rest, `d` shows everything); when the request is taller than the
  terminal, approving waits until the end of it was scrolled into view (PgDn, arrows).
- Every decision key is written in the dialog's own key line, so it is visible at any size; Tab visits only the
  challenge fields and Cancel (the body scrolls with the keys, it is not a focus stop).
- Keys typed before the dialog was on screen are discarded (`accepts_key`, applied by the app to every key).
- `n`/Esc reject, `r` rejects with a reason for the model, `e` edits the command (classified and asked again; the
  field shows the command as rendered, so what you see is what runs), `m` cycles through "remember this approval"
  choices for a WRITE command, `f` chooses to overwrite targets changed since a rollback's capture.

The dialog only collects the operator's answer; the session checks the challenge, the dwell and the force flag
again itself.

Over 400 lines because the base dialog's state machine (what blocks approving, which key acts when, what the
foot says) reads best in one place; the three request kinds at the end are short.
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
from textual.widgets import Button, Input, Label, Static

from console.core.approval import ApprovalRequest, Decision, Lifetime, RememberChoice, Scope, StepReview
from console.core.textsafe import shown, shown_line
from console.core.tiers import Tier
from console.tui.review import StepDetails, TierBadge, block_text, diff_text, more_lines, tier_class
from console.tui.text import labelled, line, lines, plain

REMEMBER_CHOICES: tuple[RememberChoice | None, ...] = (
    None,
    RememberChoice(Scope.EXACT, Lifetime.SESSION),
    RememberChoice(Scope.EXACT, Lifetime.DAY),
    RememberChoice(Scope.PREFIX, Lifetime.SESSION),
    RememberChoice(Scope.PREFIX, Lifetime.DAY),
    RememberChoice(Scope.EXACT, Lifetime.UNTIL_REVOKED),
    RememberChoice(Scope.PREFIX, Lifetime.UNTIL_REVOKED),
)
LETTER_ACTIONS = frozenset({"approve", "reject", "reject_with_reason", "edit", "remember", "force", "view"})
"""Actions bound to printable keys: never run while a text field has focus (the key is text there)."""

Mode = Literal["decide", "reason", "edit"]


def describe_remember(choice: RememberChoice | None, request: ApprovalRequest) -> str:
    """The choice with the exact pattern it would remember (`ApprovalRequest.remember_pattern`)."""
    if choice is None:
        return "no — ask every time"
    when = {Lifetime.SESSION: "for this session", Lifetime.DAY: "for 24 hours"}.get(choice.lifetime, "until revoked")
    return f"{request.remember_pattern(choice.scope)} on {request.host}, {when}"


class DialogBody(VerticalScroll):
    """The part of a dialog that scrolls: it remembers which of its rows have been on the screen, so approving
    can wait until every row of the request was (`seen_everything`). Not a focus stop: it scrolls with the
    dialog's PgUp/PgDn and arrow keys."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.can_focus = False
        self._seen: list[tuple[int, int]] = []

    def record(self) -> None:
        """Note the rows in view now (called on every scroll and resize, and before deciding)."""
        height = self.scrollable_content_region.height
        if height <= 0:
            return
        top = round(self.scroll_y)
        merged: list[tuple[int, int]] = []
        for start, end in sorted([*self._seen, (top, top + height)]):
            if merged and start <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(merged[-1][1], end))
            else:
                merged.append((start, end))
        self._seen = merged

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        self.record()

    def on_resize(self) -> None:
        self.record()

    @property
    def unseen_rows(self) -> int:
        """How many rows of the content have never been on the screen."""
        self.record()
        total = self.virtual_size.height
        seen = sum(max(0, min(total, end) - max(0, start)) for start, end in self._seen)
        return max(0, total - seen)


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
        Binding("d", "view", "View all", id="approval.view"),
        Binding("pagedown", "scroll_body('page_down')", "Scroll", show=False, id="approval.page_down"),
        Binding("pageup", "scroll_body('page_up')", "Scroll", show=False, id="approval.page_up"),
        Binding("down", "scroll_body('scroll_down')", "Scroll", show=False, id="approval.down"),
        Binding("up", "scroll_body('scroll_up')", "Scroll", show=False, id="approval.up"),
        Binding("end", "scroll_body('scroll_end')", "Scroll", show=False, id="approval.end"),
        Binding("home", "scroll_body('scroll_home')", "Scroll", show=False, id="approval.home"),
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
    ApprovalScreen #dialog-body { height: auto; max-height: 1fr; scrollbar-size-vertical: 1; }
    ApprovalScreen .warning { color: $warning; text-style: bold; }
    ApprovalScreen .challenge-row { height: 1; margin: 1 0 0 0; }
    ApprovalScreen .challenge-label { text-style: bold; color: $tier-destructive; width: auto; padding: 0 1 0 0; }
    ApprovalScreen .challenge { width: 1fr; background: $boost; }
    ApprovalScreen .challenge:focus { background: $tier-destructive 30%; }
    ApprovalScreen .challenge-error { color: $error; text-style: bold; height: auto; }
    ApprovalScreen .hidden { display: none; }
    ApprovalScreen #rollback-diff { padding: 0 1; height: auto; background: $boost; }
    ApprovalScreen .more-lines { height: auto; margin: 0 0 0 1; }
    ApprovalScreen #buttons { height: auto; align-horizontal: right; }
    ApprovalScreen #buttons Button { margin: 0 0 0 2; }
    ApprovalScreen #approve.-destructive { background: $tier-destructive; }
    ApprovalScreen #hint { color: $text-muted; height: auto; }
    ApprovalScreen #keys { height: auto; }
    ApprovalScreen .toggle { height: auto; color: $text-muted; }
    ApprovalScreen .toggle.-on { color: $warning; text-style: bold; }
    """

    def __init__(self, request: ApprovalRequest, *, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(classes=tier_class(request.tier))
        self.request = request
        self._clock = clock
        self._shown_at: float | None = None
        """When the dialog was mounted (the injected clock): delays count from here, not from construction."""
        self.opened_at = float("inf")
        """Textual's time of this screen's Mount: key events older than it were typed ahead."""
        self._mode: Mode = "decide"
        self._remember_index = 0
        self._force = False
        self._hint_override: str | None = None
        self._override_for: str | None = None
        """The blocker a "Not approved" hint answered: the hint goes once nothing blocks any more."""

    # --- what the subclasses provide -----------------------------------------------------------------------

    @property
    def challenged_steps(self) -> tuple[StepReview, ...]:
        return tuple(step for step in self.request.steps if step.challenge)

    def title_text(self) -> Text:
        raise NotImplementedError

    def compose_body(self) -> ComposeResult:
        raise NotImplementedError

    def full_text(self) -> tuple[str, Text] | None:
        """What `d` shows: (title, every long block in full), or None when nothing was cut."""
        blocks = [
            (title, diff_text(body) if details.step.preview and details.step.result is None else plain(shown(body)))
            for details in self.query(StepDetails)
            if (full := details.full_text) is not None
            for title, body in [full]
        ]
        if not blocks:
            return None
        if len(blocks) == 1:
            return blocks[0]
        parts: list[Text] = []
        for title, body in blocks:
            parts += [plain(shown_line(title), "bold underline"), body, plain(shown(""))]
        return f"{self.request.title} — everything", lines(parts)

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
            with DialogBody(id="dialog-body"):
                host = labelled(shown("Host: "), shown_line(request.host))
                if request.host_labels:
                    host = line(host, shown_line("  labels: " + ", ".join(request.host_labels)))
                yield Static(host)
                for detail in request.details:  # a rollout's hosts and waves, or a wave's results
                    yield Static(plain(shown_line(detail)), classes="detail")
                if request.requested_by:
                    who = request.requested_by
                    kind = "an agent over MCP" if who.startswith("mcp:") else "another operator, who approved it"
                    yield Static(labelled(shown("Requested by: "), shown_line(f"{who} ({kind})")), id="requester")
                for warning in request.warnings:
                    yield Static(plain(shown_line("⚠ " + warning)), classes="warning")
                yield from self.compose_body()
            with Vertical(id="dialog-foot"):
                for step in self.challenged_steps:
                    yield from self.compose_challenge(step)
                if self.can_remember:
                    yield Static(id="remember", classes="toggle")
                if request.requires_force:
                    yield Static(id="force", classes="toggle")
                yield Input(placeholder="Why not? (goes back to the model)", id="reason-input", classes="hidden")
                yield Input(id="edit-input", classes="hidden")
                yield Static(id="hint")
                yield Static(id="keys")
                with Horizontal(id="buttons"):
                    yield Button("Cancel (n)", id="cancel", variant="default", compact=True)
                    approve = Button(self.approve_label(), id="approve", variant="warning", compact=True)
                    approve.can_focus = False
                    if self.challenged_steps:
                        approve.add_class("-destructive")
                    yield approve

    def compose_challenge(self, step: StepReview) -> ComposeResult:
        """In the dialog's foot, always in view: the words to type, the field (no placeholder: an empty field
        looks empty), and the reason a confirmation failed."""
        assert step.challenge is not None
        label = line(
            shown("Type "),
            (shown_line(f'"{step.challenge}"'), "bold reverse"),
            shown(" to confirm" + (f" step {step.index}" if self.request.kind == "plan" else "") + ":"),
        )
        with Horizontal(classes="challenge-row"):
            yield Static(label, classes="challenge-label")
            yield Input(id=f"challenge-{step.index}", classes="challenge", compact=True)
        yield Static(id=f"challenge-error-{step.index}", classes="challenge-error")

    def approve_label(self) -> str:
        return "Confirm (Enter in the field)" if self.challenged_steps else "Approve (y)"

    def on_mount(self, event: events.Mount) -> None:
        self.opened_at = event.time
        self._shown_at = self._clock()
        if self.challenged_steps:
            self.query_one(f"#challenge-{self.challenged_steps[0].index}", Input).focus()
        self._refresh_controls()
        self.set_interval(0.1, self._refresh_controls)

    @property
    def shown_at(self) -> float | None:
        """When the dialog was mounted, on its clock (None before)."""
        return self._shown_at

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
        if self._shown_at is None or not self.is_mounted:
            return "the dialog is not on the screen yet"
        elapsed = self._clock() - self._shown_at
        if self._mode != "decide":
            return "finish the reason or the edit first (Esc goes back)"
        unseen = self.query_one(DialogBody).unseen_rows
        if unseen:
            return f"{unseen} rows of the request were not on the screen yet: scroll them into view (PgDn, PgUp)"
        dwell_left = request.destructive_dwell - elapsed if self.challenged_steps else 0.0
        for step, typed in zip(self.challenged_steps, self.typed_challenges(), strict=True):
            if typed != step.challenge:
                later = f" (Enter works in {dwell_left:.1f}s)" if dwell_left > 0 else ""
                return f'type "{step.challenge}" exactly, then Enter, to confirm{later}'
        if dwell_left > 0:
            return f"confirm works in {dwell_left:.1f}s — read the consequence"
        if elapsed < request.write_key_delay:
            return f"y works in {request.write_key_delay - elapsed:.1f}s — read the command first"
        if request.requires_force and not self._force:
            return "the targets changed since the capture: press f to choose to overwrite them"
        return None

    def key_line(self) -> str:
        if isinstance(self.focused, Input) and self.focused.has_class("challenge"):
            return "Enter confirms · Esc leaves the field (then n reject, r reason" + (
                ", e edit)" if self.can_edit else ")"
            )
        keys = ["Tab to the field, Enter confirms"] if self.challenged_steps else ["y approve"]
        keys += ["n reject", "r reason"]
        if self.can_edit:
            keys.append("e edit")
        if self.can_remember:
            keys.append("m remember")
        if self.request.requires_force:
            keys.append("f overwrite")
        if any(isinstance(w, Static) and w.has_class("more-lines") for w in self.query(".more-lines")):
            keys.append("d view all")
        return " · ".join(keys)

    def _refresh_controls(self) -> None:
        blocker = self.blocker()
        approve = self.query_one("#approve", Button)
        approve.disabled = blocker is not None
        if self._hint_override and self._override_for is not None and blocker is None:
            self._hint_override = self._override_for = None  # "Not approved: …" is over once nothing blocks
        if self._hint_override:
            hint = self._hint_override
        elif blocker:
            hint = blocker
        elif self.challenged_steps:
            hint = "Enter confirms."
        else:
            hint = "y approves."
        self.query_one("#hint", Static).update(plain(shown_line(hint)))
        self.query_one("#keys", Static).update(plain(shown_line(self.key_line()), "bold"))
        if self.can_remember:
            remember = self.query_one("#remember", Static)
            words = "Remember this approval (m): " + describe_remember(self.remember_choice, self.request)
            remember.update(plain(shown_line(words)))
            remember.set_class(self.remember_choice is not None, "-on")
        if self.request.requires_force:
            force = self.query_one("#force", Static)
            choice = "YES" if self._force else "no"
            force.update(plain(shown(f"Overwrite targets changed since the capture (f): {choice}")))
            force.set_class(self._force, "-on")

    def _say(self, hint: str, *, until_unblocked: bool = False) -> None:
        self._hint_override = hint
        self._override_for = self.blocker() if until_unblocked else None
        self._refresh_controls()

    # --- actions -------------------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in LETTER_ACTIONS and isinstance(self.focused, Input):
            return False  # the key is text in the field
        if action == "edit":
            return self.can_edit
        if action == "remember":
            return self.can_remember
        if action == "force":
            return self.request.requires_force
        if action == "approve":
            return not self.challenged_steps
        if action == "view":
            return bool(self.query(".more-lines"))
        return True

    def action_scroll_body(self, how: str) -> None:
        getattr(self.query_one(DialogBody), f"action_{how}")()

    def action_approve(self) -> None:
        """`y`: approves once the delay has passed. Disabled (`check_action`) when a challenge must be typed."""
        self._approve()

    def _approve(self) -> None:
        blocker = self.blocker()
        if blocker is not None:
            self._say("Not approved: " + blocker, until_unblocked=True)
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
        if isinstance(self.focused, Input):  # a challenge field: Esc leaves it, the dialog keys work again
            self.query_one("#cancel", Button).focus()
            self._say("Esc again rejects; Tab goes back to the field.")
            return
        self.action_reject()

    def action_reject_with_reason(self) -> None:
        self._enter_mode("reason", self.query_one("#reason-input", Input))

    def action_edit(self) -> None:
        if not self.can_edit:
            return
        edit = self.query_one("#edit-input", Input)
        edit.value = shown_line(self.request.steps[0].command)
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

    def action_view(self) -> None:
        full = self.full_text()
        if full is not None:
            from console.tui.screens.viewer import TextViewer

            self.app.push_screen(TextViewer(*full))

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
        if not edited or edited == shown_line(self.request.steps[0].command):
            self._leave_mode()
            self._say("The command was not changed.")
            return
        self.dismiss(Decision(approved=False, edited_command=edited, reason="edited by the operator"))

    @on(Input.Submitted, ".challenge")
    def _challenge_submitted(self, event: Input.Submitted) -> None:
        """Enter in a challenge field: confirm when everything is in order; otherwise say what is wrong next to
        the field and stay (a wrong challenge never rejects silently)."""
        event.stop()
        for step, typed in zip(self.challenged_steps, self.typed_challenges(), strict=True):
            if typed != step.challenge:
                error = self.query_one(f"#challenge-error-{step.index}", Static)
                words = f'✗ "{typed}" does not match "{step.challenge}": type it exactly as shown'
                error.update(plain(shown_line(words if typed else f'✗ type "{step.challenge}" first')))
                self.query_one(f"#challenge-{step.index}", Input).focus()
                return
        self._approve()

    @on(Input.Changed, ".challenge")
    def _challenge_changed(self, event: Input.Changed) -> None:
        self._hint_override = None
        for error in self.query(".challenge-error"):
            if isinstance(error, Static):
                error.update("")
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
        host = shown_line(self.request.host)
        if self.step.tier is Tier.DESTRUCTIVE:
            return line(shown("command on "), host, shown(": it approaches irreversibility"))
        return line(shown("command on "), host, shown(" — approve?"))

    def compose_body(self) -> ComposeResult:
        yield StepDetails(self.step, numbered=False, login_user=self.request.login_user)


class PlanApprovalScreen(ApprovalScreen):
    """A whole plan, approved once: every step with its tier, the output of the READ steps that ran."""

    def title_text(self) -> Text:
        request = self.request
        pending = len(request.pending_steps)
        return line(
            shown("Plan: "),
            shown_line(request.title),
            shown(f" — {len(request.steps)} steps on "),
            shown_line(request.host),
            shown(f", {pending} to approve"),
        )

    def compose_body(self) -> ComposeResult:
        for step in self.request.steps:
            yield StepDetails(step, numbered=True, login_user=self.request.login_user)
        yield Static(plain(shown("Approved steps run in order and stop at the first failure."), "italic"))


class RollbackApprovalScreen(ApprovalScreen):
    """A rollback: what will be restored, shown as a diff first."""

    def title_text(self) -> Text:
        return line(shown_line(self.request.title), shown(" on "), shown_line(self.request.host), shown("?"))

    def compose_body(self) -> ComposeResult:
        step = self.request.steps[0]
        yield StepDetails(step, numbered=False, login_user=self.request.login_user)
        yield Label("What the rollback changes (now → captured):")
        diff = self.request.diff
        if not diff:
            yield Static(plain(shown("(no difference: the targets are as captured)")), id="rollback-diff")
            return
        head, hidden = block_text(diff, diff=True)
        yield Static(head, id="rollback-diff")
        if hidden:
            yield Static(more_lines(hidden), classes="more-lines")

    def full_text(self) -> tuple[str, Text] | None:
        diff = self.request.diff
        return (f"{self.request.title}: the difference", diff_text(diff)) if diff else None


def screen_for(request: ApprovalRequest, *, clock: Callable[[], float] = time.monotonic) -> ApprovalScreen:
    if request.kind == "plan":
        return PlanApprovalScreen(request, clock=clock)
    if request.kind == "rollback":
        return RollbackApprovalScreen(request, clock=clock)
    return CommandApprovalScreen(request, clock=clock)
