"""Rendering what the operator reviews: tier badges and one step of an approval request.

Shell text (commands, output, diffs, reasons naming paths) is never parsed as markup: it is put into
`rich.text.Text` objects or widgets built with `markup=False`, so `[red]` in a command is shown as typed.
A tier is always shown as a word as well as a colour.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Label, Static

from console.core.approval import NO_ROLLBACK, StepReview
from console.core.classify.model import Target
from console.core.outcome import RunResult
from console.core.tiers import Tier

RESULT_TAIL_LINES = 12
"""How many output lines of a READ step that already ran are shown in the plan dialog."""


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


def labelled(label: str, value: str, style: str = "bold") -> Text:
    """`label` in `style` followed by `value` verbatim (no markup in `value` is interpreted)."""
    return Text.assemble((label, style), value)


def describe_target(target: Target) -> str:
    if target.kind == "crontab":
        return f"crontab of {target.value or 'the current user'}"
    return str(target)


def result_summary(result: RunResult) -> str:
    if result.error:
        return f"{result.ended.value}: {result.error}"
    return f"exit status {result.exit_status} in {result.duration:.1f}s"


def result_tail(result: RunResult, lines: int = RESULT_TAIL_LINES) -> str:
    """The last lines of a result's output, stderr marked, with a note of what was left out."""
    out = result.stdout.splitlines()
    err = [f"stderr: {line}" for line in result.stderr.splitlines()]
    combined = out + err
    if len(combined) <= lines:
        return "\n".join(combined) or "(no output)"
    return f"[{len(combined) - lines} earlier lines not shown]\n" + "\n".join(combined[-lines:])


def capture_text(step: StepReview) -> Text:
    """What is captured first, and plainly whether a rollback will exist (the words are the core's)."""
    text = Text()
    if step.capture_lines:
        text.append("Captured first: ", "bold")
        text.append("; ".join(step.capture_lines))
    words = step.no_rollback_words
    if words:
        if text:
            text.append("\n")
        text.append(f"{NO_ROLLBACK}: ", "bold reverse")
        text.append(words)
    else:
        text.append("\nA rollback key is issued when it has run.")
    return text


class StepDetails(Vertical):
    """One step as the operator must see it before deciding."""

    DEFAULT_CSS = """
    StepDetails { height: auto; margin: 0 0 1 0; }
    StepDetails.-numbered { border-left: thick $tier-write; padding-left: 1; }
    StepDetails.-numbered.-read { border-left: thick $tier-read; }
    StepDetails.-numbered.-destructive { border-left: thick $tier-destructive; }
    StepDetails .step-head { height: auto; }
    StepDetails .command { border: round $foreground 40%; padding: 0 1; height: auto; }
    StepDetails .consequence { color: $tier-destructive; text-style: bold; }
    StepDetails .preview, StepDetails .output { border: round $secondary 50%; padding: 0 1; height: auto;
        max-height: 16; overflow-y: auto; color: $text-muted; }
    StepDetails .capture { height: auto; }
    """

    def __init__(self, step: StepReview, *, numbered: bool, show_capture: bool = True) -> None:
        super().__init__(classes=tier_class(step.tier) + (" -numbered" if numbered else ""))
        self.step = step
        self.numbered = numbered
        self.show_capture = show_capture

    def compose(self) -> ComposeResult:
        step = self.step
        if self.numbered:
            with Horizontal(classes="step-head"):
                yield TierBadge(step.tier)
                yield Static(Text.assemble((f" Step {step.index}  ", "bold"), step.purpose))
        elif step.purpose:
            yield Static(labelled("Purpose: ", step.purpose))
        yield Static(step.command, markup=False, classes="command")
        if step.classification.reasons:
            yield Static(labelled(f"Why {step.tier.name}: ", "; ".join(step.classification.reasons)))
        if step.classification.targets:
            yield Static(labelled("Targets: ", ", ".join(describe_target(t) for t in step.classification.targets)))
        if step.result is not None:
            yield Static(labelled("Already ran (READ): ", result_summary(step.result)))
            yield Static(result_tail(step.result), markup=False, classes="output")
            return
        if step.tier is Tier.DESTRUCTIVE:
            yield Static(labelled("Consequence: ", step.consequence), classes="consequence")
        if step.tier is not Tier.READ and self.show_capture:
            yield Static(capture_text(step), classes="capture")
        if step.preview:
            yield Label("Preview of the change:", classes="preview-title")
            yield Static(step.preview, markup=False, classes="preview")
