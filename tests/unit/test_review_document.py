"""The review a second operator is shown is the one its requester approved: a request survives the round trip
through its stored document, secrets do not, and a document altered in the store is refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from console.core.approval import ApprovalRequest, Decision, StepReview
from console.core.classify import classify
from console.core.errors import ApprovalRefused
from console.core.memory import MemoryStore
from console.core.review_document import digest, document, request_from
from console.core.team import TeamApprovals


def _request() -> ApprovalRequest:
    step = StepReview(
        index=1,
        command="rm -rf /srv/cache",
        purpose="free space",
        classification=classify("rm -rf /srv/cache"),
        capture_lines=("/srv/cache (tree, 4 files)",),
        no_rollback=None,
        digest="ab" * 32,
        challenge="pay-1-abab",
        preview="--- a\n+++ b\n+password=hunter2\n",
    )
    return ApprovalRequest(
        kind="command",
        host="pay-1",
        host_labels=("prod",),
        title="free space",
        steps=(step,),
        write_key_delay=0.5,
        destructive_dwell=2.0,
        warnings=("Asked again: /srv/cache changed",),
        second_operator=True,
    )


def test_the_request_survives_its_document_without_its_secrets() -> None:
    original = _request()
    text = document(original)
    assert "hunter2" not in text
    shown = request_from(text, requested_by="alice")
    assert shown.requested_by == "alice" and shown.host == "pay-1" and shown.production
    assert shown.tier is original.tier and shown.challenges == ("pay-1-abab",)
    assert shown.steps[0].command == "rm -rf /srv/cache" and shown.steps[0].consequence == original.steps[0].consequence
    assert shown.warnings == original.warnings and shown.steps[0].capture_lines == original.steps[0].capture_lines
    assert document(shown) == text  # what the second operator approves hashes to what was requested


def test_a_review_altered_in_the_store_is_refused(tmp_path: Path) -> None:
    text = document(_request())
    with MemoryStore.open(tmp_path / "a.sqlite3", operator="alice") as alice:
        request_id = alice.request_second_approval(
            host="pay-1", kind="command", tier="DESTRUCTIVE", title="t", actions=[1], review=text,
            digest=digest(text), expires_at=9e9,
        )  # fmt: skip
        import sqlite3

        raw = sqlite3.connect(alice.path)
        raw.execute("UPDATE approval_requests SET review = replace(review, 'rm -rf', 'ls')")
        raw.commit()
        raw.close()
    with MemoryStore.open(tmp_path / "a.sqlite3", operator="bob") as bob:
        team = TeamApprovals(bob)
        with pytest.raises(ApprovalRefused, match="altered"):
            team.review(request_id)
        with pytest.raises(ApprovalRefused, match="altered"):
            team.approve(request_id, Decision(approved=True, typed_challenges=("pay-1-abab",)), latency=9.0)
        assert not bob.verify_audit().ok  # and the chain names it too
