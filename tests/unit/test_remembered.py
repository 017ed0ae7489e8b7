from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from console.core.remembered import (
    Lifetime,
    RememberedApprovals,
    RememberError,
    Scope,
    pattern_text,
    prefix_words,
)
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


# (command remembered, scope, command that must NOT be covered)
WIDENINGS = [
    ("cp /tmp/a /tmp/b", Scope.EXACT, "cp /tmp/evil /usr/local/bin/backup"),
    ("cp /tmp/a /tmp/b", Scope.EXACT, "cp /tmp/a /tmp/b /etc/cron.d/"),
    ("chmod 644 /srv/app/config.yml", Scope.EXACT, "chmod 4755 /srv/app/config.yml"),
    ("chmod 644 /srv/app/config.yml", Scope.EXACT, "chmod -R 777 /var/www"),
    ("chown www-data /srv/app", Scope.EXACT, "chown www-data /etc/shadow"),
    ("sed -i s/a/b/ /etc/app.conf", Scope.EXACT, "sed -i s/a/b/ /etc/sudoers"),
    ("apt-get install nginx", Scope.PREFIX, "apt-get install -o Dpkg::Pre-Invoke::=/tmp/evil.sh nginx"),
    ("apt-get install nginx", Scope.PREFIX, "apt-get install --option=Dpkg::Post-Invoke::=/tmp/x nginx"),
    ("apt-get install nginx", Scope.PREFIX, "apt-get install -c /tmp/apt.conf nginx"),
    ("apt-get install nginx", Scope.PREFIX, "apt-get install ./evil.deb"),
    ("apt-get install nginx", Scope.PREFIX, "apt-get install /tmp/evil.deb"),
    ("apt-get install nginx", Scope.PREFIX, "apt-get install --allow-unauthenticated nginx"),
    ("apt-get install nginx", Scope.PREFIX, "apt-get remove nginx"),
    ("yum install httpd", Scope.PREFIX, "yum install --setopt=tsflags=noscripts httpd"),
    ("yum install httpd", Scope.PREFIX, "yum install --installroot=/ httpd"),
    ("systemctl restart nginx", Scope.PREFIX, "systemctl restart --root=/tmp/fake nginx"),
    ("systemctl restart nginx", Scope.PREFIX, "systemctl restart -H prod-db nginx"),
    ("systemctl restart nginx", Scope.PREFIX, "systemctl restart --host=prod-db nginx"),
    ("systemctl restart nginx", Scope.PREFIX, "systemctl restart /etc/systemd/system/evil.service"),
    ("systemctl restart nginx", Scope.PREFIX, "systemctl disable nginx"),
    ("git pull", Scope.PREFIX, "git pull --upload-pack=/tmp/evil origin main"),
    ("git pull", Scope.PREFIX, "git pull -c core.hooksPath=/tmp/hooks"),
    ("git pull", Scope.PREFIX, "git -c core.hooksPath=/tmp/hooks pull"),
    ("docker restart web", Scope.PREFIX, "docker restart -H tcp://prod:2375 web"),
    ("docker restart web", Scope.PREFIX, "docker --config /tmp/evil restart web"),
    ("docker restart web", Scope.PREFIX, "docker run --privileged alpine"),
]


@pytest.mark.parametrize(("remembered", "scope", "other"), WIDENINGS)
def test_a_remembered_approval_never_covers_a_wider_command(
    book: RememberedApprovals, remembered: str, scope: Scope, other: str
) -> None:
    book.add(remembered, Tier.WRITE, scope=scope, lifetime=Lifetime.SESSION, now=0, host="h")
    assert book.covering(remembered, Tier.WRITE, host="h", labels=(), now=1)
    assert book.covering(other, Tier.WRITE, host="h", labels=(), now=1) is None


@pytest.mark.parametrize(
    "command", ["cp /tmp/a /tmp/b", "chmod 644 x", "touch /etc/x", "nginx -s reload", "sed -i s/a/b/ f"]
)
def test_programs_without_real_subcommands_are_remembered_exactly_or_not_at_all(
    book: RememberedApprovals, command: str
) -> None:
    assert pattern_text(command, Scope.PREFIX) is None
    with pytest.raises(RememberError, match="exact"):
        book.add(command, Tier.WRITE, scope=Scope.PREFIX, lifetime=Lifetime.SESSION, now=0, host="h")


def test_a_subcommand_rule_still_covers_plain_names_and_harmless_options(book: RememberedApprovals) -> None:
    book.add("apt-get install -y nginx", Tier.WRITE, scope=Scope.PREFIX, lifetime=Lifetime.SESSION, now=0, host="h")
    for command in ("apt-get install nginx-extras", "apt-get install -y redis-server=5:7.0.15-1", "apt-get install"):
        assert book.covering(command, Tier.WRITE, host="h", labels=(), now=1), command


def test_the_pattern_text_is_what_the_rule_allows(book: RememberedApprovals) -> None:
    assert pattern_text("cp '/tmp/a b' /tmp/c", Scope.EXACT) == "exactly: cp '/tmp/a b' /tmp/c"
    text = pattern_text("sudo systemctl restart nginx", Scope.PREFIX)
    assert text == "sudo systemctl restart NAME...  (plain names; options --no-block --quiet -q only; no paths)"
    rule = book.add(
        "sudo systemctl restart nginx", Tier.WRITE, scope=Scope.PREFIX, lifetime=Lifetime.SESSION, now=0, host="h"
    )
    assert text in rule.describe()
    assert pattern_text("systemctl restart nginx; rm -rf /", Scope.EXACT) is None


def test_an_old_stored_prefix_rule_for_a_program_without_subcommands_covers_nothing(tmp_path: Path) -> None:
    store = tmp_path / "remembered.json"
    old = [{"id": "ra-abc123", "words": ["cp"], "scope": "prefix", "host": "h", "label": None, "tier": "WRITE",
            "created": 0, "lifetime": "until revoked"}]  # fmt: skip
    store.write_text(json.dumps(old))
    book = RememberedApprovals(store)
    assert book.covering("cp /tmp/evil /usr/local/bin/backup", Tier.WRITE, host="h", labels=(), now=1) is None
