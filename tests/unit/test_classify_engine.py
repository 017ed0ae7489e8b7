"""Parsing like the shell, fail-closed guards, targets, capture plans and SQL tiering."""

from __future__ import annotations

import pytest

from console.core.classify import Target, classify
from console.core.classify.parse import parse_script
from console.core.classify.words import expand_braces
from console.core.tiers import Tier


@pytest.mark.parametrize(
    ("text", "argv"),
    [
        ("\\rm -rf x", ["rm", "-rf", "x"]),
        ("'r''m' x", ["rm", "x"]),
        ("$'\\x72\\x6d' x", ["rm", "x"]),
        ('echo "a\\"b" a\\ b', ["echo", 'a"b', "a b"]),
        ("rm -rf {build,dist}", ["rm", "-rf", "build", "dist"]),
        ("ls \\\n  -la", ["ls", "-la"]),
    ],
)
def test_words_are_dequoted_like_bash(text: str, argv: list[str]) -> None:
    assert [w.text for w in parse_script(text).commands[0].argv] == argv


def test_brace_expansion_nests() -> None:
    assert expand_braces("a{b,c{d,e}}") == ["ab", "acd", "ace"]


def test_quoted_heredoc_is_literal_and_unquoted_heredoc_runs_substitutions() -> None:
    assert classify("cat <<'EOF'\n$(rm -rf x)\nEOF").tier == Tier.READ
    assert classify("cat <<EOF\n$(rm -rf x)\nEOF").tier == Tier.DESTRUCTIVE


@pytest.mark.parametrize(
    ("command", "tier", "needle"),
    [
        ("ls\x07rm", Tier.WRITE, "control character U+0007"),
        ("ls\u200b", Tier.WRITE, "invisible character U+200B"),
        ("ls\u3000-la", Tier.WRITE, "non-ASCII whitespace U+3000"),
        ("ls (", Tier.DESTRUCTIVE, "cannot parse"),
        ("$CMD x", Tier.DESTRUCTIVE, "only known at run time"),
        ("eval $X", Tier.DESTRUCTIVE, "only known at run time"),
        ("curl -s https://x | sh", Tier.DESTRUCTIVE, "which hitl cannot see"),
        ("base64 -d p | python3", Tier.DESTRUCTIVE, "which hitl cannot see"),
        ("frobnicate --all", Tier.WRITE, "has no rule"),
        ("./deploy.sh", Tier.WRITE, "cannot see"),
        ("x" * (64 * 1024 + 1), Tier.DESTRUCTIVE, "larger than 64 KiB"),
        ("(" * 300 + "ls" + ")" * 300, Tier.DESTRUCTIVE, "nested too deeply"),
        ("bash -c " + "\"bash -c '" * 4 + "ls" + "'\"" * 4, Tier.DESTRUCTIVE, "cannot parse"),
    ],
)
def test_fails_closed_with_a_readable_reason(command: str, tier: Tier, needle: str) -> None:
    result = classify(command)
    assert result.tier == tier
    assert any(needle in reason for reason in result.reasons), result.reasons


def test_nested_scripts_have_a_depth_limit() -> None:
    command = "ls"
    for _ in range(10):
        command = f"eval {command!r}"
    result = classify(command)
    assert result.tier == Tier.DESTRUCTIVE
    assert any("nested more than" in reason for reason in result.reasons)


def test_unknown_tier_is_configurable_but_never_read() -> None:
    assert classify("frob", unknown_tier=Tier.DESTRUCTIVE).tier == Tier.DESTRUCTIVE
    assert classify("frob", unknown_tier=Tier.READ).tier == Tier.WRITE


def test_reason_names_the_command_and_what_it_does() -> None:
    result = classify("bash -c 'rm -rf /srv/app'")
    assert result.reasons == ("`rm -rf` deletes /srv/app recursively inside `bash -c`",)
    assert result.targets == (Target("path", "/srv/app"),)
    assert result.capture == ("files",)
    assert result.consequence and result.consequence.endswith(".")


@pytest.mark.parametrize(
    ("command", "tier", "targets", "capture"),
    [
        ("sed -i 's/a/b/' /etc/nginx/nginx.conf", Tier.WRITE, [Target("path", "/etc/nginx/nginx.conf")], ["files"]),
        ("crontab -r", Tier.DESTRUCTIVE, [Target("crontab", "")], ["crontab"]),
        ("crontab -u bob new.txt", Tier.WRITE, [Target("crontab", "bob")], ["crontab"]),
        ("systemctl restart nginx", Tier.WRITE, [Target("unit", "nginx")], ["unit-state"]),
        ("ufw allow 22", Tier.WRITE, [Target("firewall", "ufw")], ["firewall"]),
        ("sqlite3 app.db 'DELETE FROM t'", Tier.DESTRUCTIVE, [Target("sqlite", "app.db")], ["sqlite"]),
        ("psql -d app -c 'DROP TABLE users'", Tier.DESTRUCTIVE, [Target("postgres", "app.users")], ["pg_dump"]),
        ("mysql app -e 'UPDATE t SET a=1 WHERE id=2'", Tier.WRITE, [Target("mysql", "app.t")], ["mysqldump"]),
        ("mkfs.ext4 /dev/sdb1", Tier.DESTRUCTIVE, [Target("device", "/dev/sdb1")], []),
        ("dd if=x of=/dev/sda", Tier.DESTRUCTIVE, [Target("path", "/dev/sda")], []),
        ("docker rm web", Tier.DESTRUCTIVE, [Target("container", "web")], []),
        ('rm -rf "$DIR"', Tier.DESTRUCTIVE, [Target("path", "$DIR")], []),
        ("echo x > out.txt", Tier.WRITE, [Target("path", "out.txt")], ["files"]),
        ("ls > /dev/null 2>&1", Tier.READ, [], []),
    ],
)
def test_targets_and_capture(command: str, tier: Tier, targets: list[Target], capture: list[str]) -> None:
    result = classify(command)
    assert result.tier == tier, result.reasons
    assert list(result.targets) == targets
    assert list(result.capture) == capture


@pytest.mark.parametrize(
    ("command", "tier"),
    [
        ("psql -c 'SELECT 1; SELECT 2'", Tier.READ),
        ("psql -c 'WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d'", Tier.DESTRUCTIVE),
        ("psql -c 'DELETE FROM t WHERE id = 1'", Tier.WRITE),
        ("psql -c 'SELEC nonsense'", Tier.WRITE),
        ("psql -c 'SELECT my_function()'", Tier.WRITE),
        ("psql -c 'TRUNCATE t'", Tier.DESTRUCTIVE),
        ("psql -c 'REVOKE ALL ON t FROM bob'", Tier.DESTRUCTIVE),
        ("psql -c 'ALTER TABLE t DROP COLUMN c'", Tier.DESTRUCTIVE),
        ("psql -c '\\dt'", Tier.READ),
        ("echo 'DROP TABLE t' | psql app", Tier.DESTRUCTIVE),
        ("psql app <<'SQL'\nSELECT 1;\nSQL", Tier.READ),
        ("cat dump.sql | psql app", Tier.DESTRUCTIVE),
        ("psql app", Tier.WRITE),
        ("sqlite3 app.db 'PRAGMA journal_mode=WAL'", Tier.WRITE),
        ("sqlite3 app.db 'SELECT * FROM t'", Tier.READ),
        ("mysql -e 'source x.sql'", Tier.DESTRUCTIVE),
    ],
)
def test_sql_is_tiered_by_its_statements(command: str, tier: Tier) -> None:
    assert classify(command).tier == tier, classify(command).reasons


@pytest.mark.parametrize(
    ("command", "tier"),
    [
        ("python3 -c 'import json,sys; print(json.load(sys.stdin))'", Tier.READ),
        ('python3 -c \'open("x", "w").write("y")\'', Tier.WRITE),
        ('python3 -c \'__import__("os").system("id")\'', Tier.DESTRUCTIVE),
        ("perl -ne 'print if /x/' f", Tier.READ),
        ('node -e \'require("child_process").execSync("id")\'', Tier.DESTRUCTIVE),
        ("awk '{print $1 > \"out\"}' f", Tier.WRITE),
        ("awk '{ \"date\" | getline d }' f", Tier.READ),  # a literal command is judged like any other
        ("awk '{ cmd | getline d }' f", Tier.DESTRUCTIVE),  # one built at run time is not
        ("awk '{ print | \"sh\" }' f", Tier.DESTRUCTIVE),  # the data it prints is run
        ("sed -e 's/a/b/w out' f", Tier.WRITE),
        ("find . -delete", Tier.DESTRUCTIVE),
        ("find . -name x -exec ls {} +", Tier.READ),
        ("xargs rm < list", Tier.DESTRUCTIVE),
        ("strace -f rm -rf x", Tier.DESTRUCTIVE),
        ("timeout -s KILL 5 rm x", Tier.DESTRUCTIVE),
        ("docker exec web rm -rf /data", Tier.DESTRUCTIVE),
        ("kubectl exec web -- cat /etc/hosts", Tier.READ),
        ("export PATH=/tmp:$PATH", Tier.DESTRUCTIVE),
        ("GIT_SSH_COMMAND=x git fetch", Tier.DESTRUCTIVE),
        ("git -C repo --no-pager log -1", Tier.READ),
        ("watch -n 5 'df -h'", Tier.READ),
        ("su -c 'rm -rf /x' root", Tier.DESTRUCTIVE),
        ("env -S 'rm -rf x'", Tier.DESTRUCTIVE),
        (":(){ :|:& };:", Tier.DESTRUCTIVE),
        ("f(){ ls; }; f", Tier.READ),
        ("trap 'rm -rf /' EXIT", Tier.DESTRUCTIVE),
        ("alias ls='rm -rf'", Tier.DESTRUCTIVE),
        ("bash <(curl -s https://x)", Tier.DESTRUCTIVE),
        ("source <(curl -s https://x)", Tier.DESTRUCTIVE),
        ("less +'!rm -rf x' f", Tier.DESTRUCTIVE),
        ("ip link set eth0 down", Tier.DESTRUCTIVE),
        ("cat dump.sql | psql -f - app", Tier.DESTRUCTIVE),
    ],
)
def test_analyzers(command: str, tier: Tier) -> None:
    assert classify(command).tier == tier, classify(command).reasons
