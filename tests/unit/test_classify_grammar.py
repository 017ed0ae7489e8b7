"""Proven READ (issue 12): a shipped rule says READ only together with an argument grammar, and the command
stays READ only when every option and operand is one the grammar calls read-only for that program."""

from __future__ import annotations

from pathlib import Path

import pytest

from console.core.classify import classify, load_rules
from console.core.classify.args import parse_args
from console.core.classify.grammar import GrammarError, parse_grammar, prove
from console.core.classify.ir import Word
from console.core.tiers import Tier


def _words(text: str) -> list[Word]:
    return [Word(w) for w in text.split()]


def test_the_grammar_format() -> None:
    grammar = parse_grammar(
        {
            "options": "-a --all -w= --width= --color=? --sort=",
            "writes": "-o= --output=",
            "runs": "--pre=",
            "loads": "-F=",
            "values": {"--sort": "^(name|size)$"},
            "operands": "any any? out?",
        },
        {},
    )
    assert grammar.flags == {"-a", "--all"}
    assert grammar.valued == {"-w", "--width", "--sort"}
    assert grammar.optional == {"--color"}
    assert grammar.value_options == {"-w", "--width", "--sort", "-o", "--output", "--pre", "-F"}
    assert grammar.positions == ("any", "any", "out") and not grammar.repeats

    def check(text: str):
        return prove(grammar, parse_args(_words(text), grammar.value_options))

    assert check("-a --width 3 --color=auto --sort name x").proven
    assert check("--zap x").unknown == ["--zap"]
    assert check("--all=yes x").unknown == ["--all=yes"]  # a flag given a value is no use we know
    assert check("--sort date x").refused == [("--sort", "date")]
    assert check("-o out.txt x").written == [("-o", "out.txt")]
    assert check("--pre=gzip x").run == [("--pre=gzip", "gzip")]
    assert check("-F /tmp/cfg x").loaded == [("-F", "/tmp/cfg")]
    assert check("a b c").written == [("output operand", "c")]
    assert check("a b c d").extra_operands == ["d"]
    assert prove(parse_grammar({"operands": "exe..."}, {}), parse_args(_words("/tmp/x"), frozenset())).started == [
        "/tmp/x"
    ]


@pytest.mark.parametrize(
    ("table", "problem"),
    [
        ({"options": "-a", "colour": "x"}, "unknown grammar keys"),
        ({"operands": "any maybe"}, "operand kind"),
        ({"operands": "any... any"}, "only the last"),
        ({"options": "-a", "values": {"-a": "x"}}, "not a read-only option taking a value"),
        ({"include": ["nope"]}, "unknown option set"),
        ({"options": "a"}, "not an option name"),
    ],
)
def test_grammar_errors_say_what_is_wrong(table: dict[str, object], problem: str) -> None:
    with pytest.raises(GrammarError, match=problem):
        parse_grammar(table, {})


@pytest.mark.parametrize(
    ("command", "tier", "needle"),
    [
        ("ls --zap src", Tier.WRITE, "`ls --zap` is an option hitl does not know"),
        ("sort -o sorted.txt names.txt", Tier.WRITE, "sorted.txt"),
        ("sort -o /etc/passwd names.txt", Tier.DESTRUCTIVE, "/etc/passwd"),
        ("git log --output=/etc/cron.d/x", Tier.DESTRUCTIVE, "/etc/cron.d/x"),
        ("tee -a ~/.bashrc", Tier.DESTRUCTIVE, ".bashrc"),
        ("find . -fprint /etc/profile.d/x.sh", Tier.DESTRUCTIVE, "/etc/profile.d/x.sh"),
        ("less --lesskey-src=/tmp/k f", Tier.DESTRUCTIVE, "/tmp/k"),
        ("ldd /tmp/upload/agent", Tier.DESTRUCTIVE, "anyone can write"),
        ("ldd /usr/bin/ssh", Tier.READ, "libraries"),
        ("curl --trace-ascii - https://example.com/", Tier.READ, "standard output"),
        ("systemctl --dry-run reboot", Tier.READ, "dry run"),
        ("systemctl --dry-run stop nginx", Tier.DESTRUCTIVE, "stop"),  # --dry-run only for the power verbs
        ("ionice -c 3 -p 2345", Tier.WRITE, "ionice"),
        ("chrt -f -p 50 2345", Tier.WRITE, "chrt"),
        ("hostnamectl hostname web-07", Tier.WRITE, "hostnamectl"),
        ("gzip -t /var/backups/db.gz", Tier.READ, "tests"),
        ("du -sh /var/log", Tier.READ, "du"),
    ],
)
def test_grammar_decides_read(command: str, tier: Tier, needle: str) -> None:
    result = classify(command)
    assert result.tier == tier, result.reasons
    assert any(needle in reason for reason in result.reasons) or any(needle in t.value for t in result.targets), (
        result.reasons
    )


def test_a_user_rule_may_say_read_without_a_grammar(tmp_path: Path) -> None:
    user = tmp_path / "r.toml"
    user.write_text('[[rule]]\ncommand = "inhouse-stats"\ntier = "READ"\ndoes = "prints stats"\n')
    assert classify("inhouse-stats --anything --goes x", rules=load_rules([user])).tier == Tier.READ
