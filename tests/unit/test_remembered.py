from __future__ import annotations

import re
from pathlib import Path

import pytest

from console.core.remembered import Lifetime, RememberedApprovals, RememberError, Scope, prefix_words
from console.core.tiers import Tier


@pytest.fixture
def book(tmp_path: Path) -> RememberedApprovals:
    return RememberedApprovals(tmp_path / "state" / "remembered.json")


def test_exact_rule_covers_only_that_command(book: RememberedApprovals) -> None:
    book.add("systemctl restart nginx", Tier.WRITE, scope=Scope.EXACT, lifetime=Lifetime.SESSION, now=0, host="web1")
    assert book.covering("systemctl restart nginx", Tier.WRITE, host="web1", labels=(), now=1)
    assert not book.covering("systemctl restart sshd", Tier.WRITE, host="web1", labels=(), now=1)
    assert not book.covering("systemctl restart nginx", Tier.WRITE, host="web2", labels=(), now=1)


def test_prefix_rule_is_command_and_subcommand(book: RememberedApprovals) -> None:
    rule = book.add(
        "systemctl restart nginx", Tier.WRITE, scope=Scope.PREFIX, lifetime=Lifetime.SESSION, now=0, label="web"
    )
    assert rule.words == ("systemctl", "restart")
    assert book.covering("systemctl restart php-fpm", Tier.WRITE, host="web9", labels=("web",), now=1)
    assert not book.covering("systemctl stop nginx", Tier.WRITE, host="web9", labels=("web",), now=1)
    assert not book.covering("systemctl restart nginx", Tier.WRITE, host="db1", labels=("db",), now=1)


def test_never_destructive_and_never_through_shell_syntax_or_new_wrappers(book: RememberedApprovals) -> None:
    with pytest.raises(RememberError, match="WRITE"):
        book.add("rm -rf /srv", Tier.DESTRUCTIVE, scope=Scope.EXACT, lifetime=Lifetime.SESSION, now=0, host="h")
    book.add("systemctl restart nginx", Tier.WRITE, scope=Scope.PREFIX, lifetime=Lifetime.SESSION, now=0, host="h")
    assert not book.covering("systemctl restart nginx", Tier.DESTRUCTIVE, host="h", labels=(), now=1)
    assert not book.covering("systemctl restart nginx; rm -rf /", Tier.WRITE, host="h", labels=(), now=1)
    assert not book.covering("systemctl restart $(id -u)", Tier.WRITE, host="h", labels=(), now=1)
    assert not book.covering("sudo systemctl restart nginx", Tier.WRITE, host="h", labels=(), now=1)
    assert not book.covering("env X=1 systemctl restart nginx", Tier.WRITE, host="h", labels=(), now=1)


def test_wrapper_is_part_of_an_approved_prefix() -> None:
    assert prefix_words(["sudo", "-n", "systemctl", "restart", "nginx"]) == ("sudo", "-n", "systemctl", "restart")
    assert prefix_words(["timeout", "5", "apt-get", "install", "x"]) == ("timeout", "5", "apt-get", "install")
    assert prefix_words(["env", "A=1", "make", "install"]) == ("env", "A=1", "make", "install")
    assert prefix_words(["ls", "-la"]) == ("ls",)
    assert prefix_words(["touch", "/etc/x"]) == ("touch",)
    assert prefix_words(["git", "pull"]) == ("git", "pull")


def test_lifetimes_persist_expire_and_revoke(tmp_path: Path) -> None:
    store = tmp_path / "remembered.json"
    book = RememberedApprovals(store)
    day = book.add("nginx -s reload", Tier.WRITE, scope=Scope.EXACT, lifetime=Lifetime.DAY, now=0, host="h")
    forever = book.add(
        "apt-get update", Tier.WRITE, scope=Scope.EXACT, lifetime=Lifetime.UNTIL_REVOKED, now=0, host="h"
    )
    book.add("make", Tier.WRITE, scope=Scope.EXACT, lifetime=Lifetime.SESSION, now=0, host="h")

    reopened = RememberedApprovals(store)
    ids = {r.id for r in reopened.active(now=10)}
    assert ids == {day.id, forever.id}
    assert {r.id for r in reopened.active(now=24 * 3600 + 1)} == {forever.id}
    assert reopened.revoke(forever.id)
    assert not reopened.revoke("ra-nothere")
    assert RememberedApprovals(store).active(now=10) == [RememberedApprovals(store).active(now=10)[0]]
    assert {r.id for r in RememberedApprovals(store).active(now=10)} == {day.id}


def test_corrupt_store_is_a_clear_error(tmp_path: Path) -> None:
    store = tmp_path / "remembered.json"
    store.write_text("{nope")
    with pytest.raises(RememberError, match=re.escape(str(store))):
        RememberedApprovals(store)
    assert store.read_text() == "{nope"
