from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from console.core.gate import (
    ABSENT,
    ApprovalRefused,
    ApprovalStats,
    Gate,
    ReviewSubject,
    challenge_for,
    drift,
    verify_challenges,
)
from console.core.tiers import Tier


def subject(**changes: object) -> ReviewSubject:
    base: dict[str, object] = {
        "host": "web1",
        "user": "root",
        "command": "sed -i s/a/b/ /etc/app.conf",
        "cwd": "/root",
        "target_checksums": {"/etc/app.conf": "a" * 64},
    }
    base.update(changes)
    return ReviewSubject(**base)  # type: ignore[arg-type]


def test_digest_binds_every_reviewed_field() -> None:
    digests = {
        subject().digest,
        subject(host="web2").digest,
        subject(user="deploy").digest,
        subject(command="sed -i s/a/c/ /etc/app.conf").digest,
        subject(cwd="/tmp").digest,
        subject(target_checksums={"/etc/app.conf": "b" * 64}).digest,
        subject(target_checksums={}).digest,
    }
    assert len(digests) == 7
    assert subject().digest == subject().digest


def test_challenge_is_host_plus_four_digest_characters() -> None:
    digest = subject().digest
    assert challenge_for("web1", digest) == f"web1-{digest[:4]}"
    assert challenge_for("web1", digest) != challenge_for("web1", subject(cwd="/srv").digest)


def test_approval_is_single_use() -> None:
    gate = Gate(approval_ttl=600)
    approval = gate.grant(subject(), Tier.WRITE, now=0, decided_by="operator")
    gate.consume(approval, subject(), now=1)
    with pytest.raises(ApprovalRefused, match="single use"):
        gate.consume(approval, subject(), now=2)


def test_approval_expires() -> None:
    gate = Gate(approval_ttl=600)
    approval = gate.grant(subject(), Tier.WRITE, now=0, decided_by="operator")
    with pytest.raises(ApprovalRefused, match="expired"):
        gate.consume(approval, subject(), now=601)
    assert not approval.used


def test_drifted_target_is_refused_and_named() -> None:
    gate = Gate(approval_ttl=600)
    approval = gate.grant(subject(), Tier.WRITE, now=0, decided_by="operator")
    current = subject(target_checksums={"/etc/app.conf": "c" * 64})
    with pytest.raises(ApprovalRefused, match=r"/etc/app\.conf changed"):
        gate.consume(approval, current, now=1)


def test_drift_reports_appeared_and_disappeared() -> None:
    before = subject(target_checksums={"/a": ABSENT, "/b": "1" * 64})
    after = subject(target_checksums={"/a": "2" * 64, "/b": ABSENT})
    changes = drift(before, after)
    assert "/a appeared since it was reviewed" in changes
    assert "/b disappeared since it was reviewed" in changes


def test_a_different_set_of_targets_is_drift_even_when_none_exists() -> None:
    # A glob that matched nothing (its literal name, absent) and now matches an absent-then-created file, or a
    # path that now resolves elsewhere: the set of paths changed. Before, {"/c": absent} -> {} was no drift.
    before = subject(target_checksums={"/c": ABSENT})
    after = subject(target_checksums={"/d": ABSENT})
    changes = drift(before, after)
    assert "/c is no longer part of what the command would touch (it was reviewed)" in changes
    assert "/d is now part of what the command would touch (it was not reviewed)" in changes


def test_challenges_are_checked_in_core() -> None:
    verify_challenges(["web1-abcd"], ["web1-abcd"])
    with pytest.raises(ApprovalRefused):
        verify_challenges(["web1-abcd"], ["web1-abce"])
    with pytest.raises(ApprovalRefused):
        verify_challenges(["web1-abcd", "web1-1234"], ["web1-abcd"])


def test_stats_rate_median_and_fast_approvals() -> None:
    stats = ApprovalStats(fast_floor=1.0)
    assert stats.summary() == "no approvals yet"
    stats.record(approved=True, latency=0.4)
    stats.record(approved=True, latency=3.0)
    stats.record(approved=False, latency=5.0)
    assert stats.approval_rate == pytest.approx(2 / 3)
    assert stats.median_latency == 3.0
    assert stats.fast_approvals == 1
    assert "2/3 approved" in stats.summary()
    assert "1 under 1s" in stats.summary()


@given(st.text(), st.text())
def test_any_command_change_changes_the_digest(a: str, b: str) -> None:
    if a != b:
        assert subject(command=a).digest != subject(command=b).digest
