"""Policy: what is refused without asking anybody, decided from its arguments alone."""

from __future__ import annotations

import pytest

from console.core.config import Settings
from console.core.session.policy import Policy
from console.core.tiers import Tier
from console.core.views import HostInfo

WEB = HostInfo("web-1", ("prod",))
REPLICA = HostInfo("db-2", policy="read-only")


def test_nothing_is_refused_by_default() -> None:
    policy = Policy.from_settings(Settings())
    for tier in Tier:
        assert policy.refusal(WEB, "systemctl restart nginx", tier, read_only=False) is None


@pytest.mark.parametrize("tier", list(Tier))
def test_a_deny_rule_refuses_every_tier_and_names_itself(tier: Tier) -> None:
    policy = Policy.from_settings(Settings(deny=(r"\bshadow\b",)))
    why = policy.refusal(WEB, "cat /etc/shadow", tier, read_only=False)
    assert why is not None and "deny rule" in why and "shadow" in why
    assert policy.refusal(WEB, "cat /etc/passwd", tier, read_only=False) is None


@pytest.mark.parametrize("tier", [Tier.WRITE, Tier.DESTRUCTIVE])
def test_read_only_mode_refuses_changes_but_never_reads(tier: Tier) -> None:
    policy = Policy()
    why = policy.refusal(WEB, "touch /tmp/x", tier, read_only=True)
    assert why is not None and "read-only mode" in why and tier.name in why
    assert policy.refusal(WEB, "ls /", Tier.READ, read_only=True) is None


def test_a_read_only_host_refuses_changes_whatever_the_mode() -> None:
    policy = Policy()
    why = policy.refusal(REPLICA, "psql -c 'DELETE FROM t'", Tier.DESTRUCTIVE, read_only=False)
    assert why is not None and "db-2" in why and "policy read-only" in why
    assert policy.refusal(REPLICA, "psql -c 'SELECT 1'", Tier.READ, read_only=False) is None


def test_the_deny_rule_is_named_before_the_mode() -> None:
    policy = Policy.from_settings(Settings(deny=("rm -rf /",)))
    why = policy.refusal(REPLICA, "rm -rf /", Tier.DESTRUCTIVE, read_only=True)
    assert why is not None and "deny rule" in why


FOUR_EYES_HOST = HostInfo("pay-1", policy="four-eyes")
LABELLED = HostInfo("pay-2", ("payments", "prod"))


def test_four_eyes_comes_from_the_host_policy_or_a_configured_label() -> None:
    policy = Policy.from_settings(Settings(four_eyes_labels=("payments",)), team=True)
    assert policy.needs_second_operator(FOUR_EYES_HOST)
    assert policy.needs_second_operator(LABELLED)
    assert not policy.needs_second_operator(WEB)
    for host in (FOUR_EYES_HOST, LABELLED):  # with a team store, asked (not refused)
        assert policy.refusal(host, "touch /x", Tier.WRITE, read_only=False) is None


@pytest.mark.parametrize("tier", [Tier.WRITE, Tier.DESTRUCTIVE])
def test_without_a_team_store_a_four_eyes_host_refuses_changes_but_not_reads(tier: Tier) -> None:
    policy = Policy.from_settings(Settings(four_eyes_labels=("payments",)), team=False)
    for host in (FOUR_EYES_HOST, LABELLED):
        why = policy.refusal(host, "touch /x", tier, read_only=False)
        assert why is not None and "second operator" in why and "team store" in why
        assert policy.refusal(host, "ls /", Tier.READ, read_only=False) is None
