"""Rendering what the operator reviews: tier badges, coloured diffs, and one step of an approval request.

Every word that came from a host, the model, a file or the configuration passes `shown` / `shown_line`
(`console.core.textsafe`) and reaches a widget as plain `Text` (`console.tui.text`), so escape sequences are
visible and `[red]` in a command is shown as typed. A tier is always a word as well as a colour. Long blocks (a
diff, the output of a step that already ran) are cut to `BLOCK_LINES` with "N more lines: d to view", so the
dialog fits a small terminal and the operator still knows there is more, and where.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Label, Static

from console.core.approval import NO_ROLLBACK, StepReview, describe_target
from console.core.outcome import RunResult
from console.core.textsafe import shown, shown_line
from console.core.tiers import Tier
from console.tui.text import labelled, line, lines, plain

BLOCK_LINES = 6
"""Lines of a diff or an output shown inside a dialog before "N more lines: d to view"."""
RESULT_TAIL_LINES = 12
"""How many output lines of a READ step that already ran are kept for the plan dialog."""
DIFF_STYLES = (("+++", "bold"), ("---", "bold"), ("@@", "cyan"), ("+", "green"), ("-", "red"))


def tier_class(tier: Tier) -> str:
    return f"-{tier.name.lower()}"


class TierBadge(Label):
    """The tier as a word on the tier's colour: `WRITE`, never a colour alone."""

    DEFAULT_CSS = """
    TierBadge { padding: 0 1; text-style: bold; color: $background; width: auto; }
    TierBadge.-read { background: $tier-read; }
    TierBadge.-write { background: $tier-write; }
    TierBadge.-destructive { background: $tier-destructive; }
    """

    def __init__(self, tier: Tier, *, id: str | None = None) -> None:
        super().__init__(tier.name, markup=False, classes=tier_class(tier), id=id)


def diff_text(diff: str) -> Text:
    """A unified diff, rendered, with removed lines red, added lines green and hunk headers set apart."""
    rows = []
    for row in diff.splitlines():
        style = next((style for prefix, style in DIFF_STYLES if row.startswith(prefix)), "")
        rows.append(plain(shown_line(row), style))
    return lines(rows)


def block_text(text: str, *, diff: bool, limit: int = BLOCK_LINES) -> tuple[Text, int]:
    """The first `limit` lines of `text` (coloured when it is a diff) and how many lines were left out."""
    rows = text.splitlines()
    hidden = max(0, len(rows) - limit)
    head = "\n".join(rows[:limit])
    return (diff_text(head) if diff else plain(shown(head))), hidden


def more_lines(hidden: int) -> Text:
    return plain(shown(f"{hidden} more lines: d to view"), "bold reverse")


def result_summary(result: RunResult) -> str:
    if result.error:
        return f"{result.ended.value}: {result.error}"
    return f"exit status {result.exit_status} in {result.duration:.1f}s"


def result_output(result: RunResult) -> str:
    """The output of a step that ran, stderr marked."""
    out = result.stdout.splitlines()
    err = [f"stderr: {row}" for row in result.stderr.splitlines()]
    return "\n".join(out + err) or "(no output)"


def capture_text(step: StepReview) -> Text:
    """What is captured first, and plainly whether a rollback will exist (the words are the core's)."""
    parts: list[Text] = []
    if step.capture_lines:
        parts.append(labelled(shown("Captured first: "), shown_line("; ".join(step.capture_lines))))
    words = step.no_rollback_words
    if words:
        parts.append(line((shown(f"{NO_ROLLBACK}:"), "bold reverse"), shown(" "), shown_line(words)))
    else:
        parts.append(plain(shown("A rollback key is issued when it has run.")))
    return lines(parts)


class StepDetails(Vertical):
    """One step as the operator must see it before deciding; `full_text` is what `d` shows in full."""

    DEFAULT_CSS = """
    StepDetails { height: auto; margin: 0 0 1 0; }
    StepDetails.-numbered { border-left: thick $tier-write; padding-left: 1; }
    StepDetails.-numbered.-read { border-left: thick $tier-read; }
    StepDetails.-numbered.-destructive { border-left: thick $tier-destructive; }
    StepDetails .step-head { height: auto; }
    StepDetails .command { background: $boost; border-left: outer $foreground 50%; padding: 0 1; height: auto;
        text-style: bold; }
    StepDetails .consequence { color: $tier-destructive; text-style: bold; }
    StepDetails .preview, StepDetails .output { padding: 0 1; height: auto; background: $boost; }
    StepDetails .capture { height: auto; }
    """

    def __init__(self, step: StepReview, *, numbered: bool, login_user: str = "") -> None:
        super().__init__(classes=tier_class(step.tier) + (" -numbered" if numbered else ""))
        self.step = step
        self.numbered = numbered
        self.login_user = login_user

    @property
    def full_text(self) -> tuple[str, str] | None:
        """(title, text) of the long block this step holds (diff or output), or None."""
        step = self.step
        if step.result is not None:
            return f"Output of step {step.index}: {step.command}", result_output(step.result)
        if step.preview:
            return f"Preview of the change: {step.command}", step.preview
        return None

    def compose(self) -> ComposeResult:
        step = self.step
        if self.numbered:
            with Horizontal(classes="step-head"):
                yield TierBadge(step.tier)
                yield Static(line((shown(f" Step {step.index}  "), "bold"), shown_line(step.purpose)))
        elif step.purpose:
            yield Static(labelled(shown("Purpose: "), shown_line(step.purpose)))
        yield Static(plain(shown(step.command)), classes="command")
        if step.classification.reasons:
            reasons = shown_line("; ".join(step.classification.reasons))
            yield Static(labelled(shown(f"Why {step.tier.name}: "), reasons))
        if step.classification.targets:
            targets = ", ".join(describe_target(t, self.login_user) for t in step.classification.targets)
            yield Static(labelled(shown("Targets: "), shown_line(targets)))
        if step.result is not None:
            yield Static(labelled(shown("Already ran (READ): "), shown_line(result_summary(step.result))))
            yield from self._block(result_output(step.result), diff=False, classes="output")
            return
        if step.tier is Tier.DESTRUCTIVE:
            yield Static(labelled(shown("Consequence: "), shown_line(step.consequence)), classes="consequence")
        if step.tier is not Tier.READ:
            yield Static(capture_text(step), classes="capture")
        if step.preview:
            yield Label("Preview of the change:", classes="preview-title")
            yield from self._block(step.preview, diff=True, classes="preview")

    def _block(self, text: str, *, diff: bool, classes: str) -> ComposeResult:
        head, hidden = block_text(text, diff=diff)
        yield Static(head, classes=classes)
        if hidden:
            yield Static(more_lines(hidden), classes="more-lines")
