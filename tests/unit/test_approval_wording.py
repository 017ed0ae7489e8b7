"""The words both approval UIs show (the console's dialogs and the CLI's prompts) come from the core."""

from __future__ import annotations

from console.core.approval import CONSEQUENCE_FALLBACK, NOTHING_CAPTURED, ApprovalRequest, StepReview
from console.core.classify.model import Classification
from console.core.tiers import Tier


def review(capture: tuple[str, ...] = (), no_rollback: str | None = None, consequence: str | None = None) -> StepReview:
    classification = Classification("rm -rf /srv/x", Tier.DESTRUCTIVE, ("rm -rf",), (), consequence, ())
    return StepReview(1, "rm -rf /srv/x", "", classification, capture, no_rollback, "digest")


def test_no_rollback_is_said_when_nothing_is_captured_or_the_capture_says_why() -> None:
    assert review().no_rollback_words == NOTHING_CAPTURED
    assert review(capture=("directory /srv/x (4 KiB)",)).no_rollback_words is None
    assert (
        review(capture=("x",), no_rollback="the tree is over the cap").no_rollback_words == "the tree is over the cap"
    )


def test_a_destructive_step_always_has_a_consequence() -> None:
    assert review(consequence="Deletes /srv/x.").consequence == "Deletes /srv/x."
    assert review().consequence == CONSEQUENCE_FALLBACK


def test_production_is_decided_by_the_labels() -> None:
    def request(labels: tuple[str, ...]) -> ApprovalRequest:
        return ApprovalRequest("command", "web-1", labels, "t", (review(),), 0.0, 0.0)

    assert request(("web", "PROD")).production and request(("production",)).production
    assert not request(("staging", "products")).production
