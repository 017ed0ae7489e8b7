"""Rule files: schema errors and contradicted examples are refused with the file, rule and example named;
user files extend and override the shipped rules."""

from __future__ import annotations

from pathlib import Path

import pytest

from console.core.classify import RuleError, classify, effective_rules, load_rules
from console.core.tiers import Tier


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_rules_load_and_check_their_examples() -> None:
    rules = load_rules()
    assert "git push" in rules.rules
    assert rules.lookup("mkfs.ext4") is not None


def test_user_rule_adds_a_command(tmp_path: Path) -> None:
    user = write(
        tmp_path / "deployctl.toml",
        """
[[rule]]
command = "deployctl"
tier = "READ"
does = "shows deployments"
examples = ["deployctl list"]
  [[rule.when]]
  first_operand = "^rollout$"
  tier = "DESTRUCTIVE"
  does = "rolls out {targets} to production"
  targets = "rest"
  kind = "other"
  examples = ["deployctl rollout web"]
  counter_examples = ["deployctl list"]
""",
    )
    rules = load_rules([user])
    assert classify("deployctl list", rules=rules).tier == Tier.READ
    result = classify("sudo deployctl rollout web", rules=rules)
    assert result.tier == Tier.DESTRUCTIVE
    assert result.reasons == ("`deployctl rollout` rolls out web to production via `sudo`",)
    assert classify("deployctl list").tier == Tier.WRITE  # unknown without the user file


def test_user_rule_overrides_a_shipped_one(tmp_path: Path) -> None:
    user = write(tmp_path / "make.toml", '[[rule]]\ncommand = "make"\ntier = "READ"\ndoes = "only builds here"\n')
    assert classify("make", rules=load_rules([user])).tier == Tier.READ
    assert classify("make").tier == Tier.WRITE


def test_contradicted_example_is_refused_with_file_rule_and_example(tmp_path: Path) -> None:
    user = write(
        tmp_path / "bad.toml",
        """
[[rule]]
command = "frob"
tier = "WRITE"
does = "frobs"
  [[rule.when]]
  flags = ["-n"]
  tier = "READ"
  does = "only pretends"
  examples = ["frob --dry-run"]
""",
    )
    with pytest.raises(RuleError) as caught:
        load_rules([user])
    message = str(caught.value)
    assert str(user) in message
    assert "rule 'frob' when #1" in message
    assert "'frob --dry-run' does not select this case" in message


def test_counter_example_that_matches_is_refused(tmp_path: Path) -> None:
    user = write(
        tmp_path / "bad.toml",
        '[[rule]]\ncommand = "frob"\ntier = "WRITE"\ndoes = "frobs"\ncounter_examples = ["frob x"]\n',
    )
    with pytest.raises(RuleError, match="counter-example 'frob x' selects the rule's default"):
        load_rules([user])


HEAD = '[[rule]]\ncommand = "x"\ntier = "READ"\ndoes = "x"\n'


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('[[rule]]\ncommand = "x"\ntier = "SAFE"\ndoes = "x"\n', "tier must be READ, WRITE or DESTRUCTIVE"),
        ('[[rule]]\ntier = "READ"\ndoes = "x"\n', "needs `command`"),
        ('[[rule]]\ncommand = "x"\ntier = "READ"\n', "needs `does`"),
        (HEAD + "colour = 1\n", "unknown keys colour"),
        (HEAD + 'capture = ["magic"]\n', "unknown capture strategy"),
        (HEAD + '[[rule.when]]\ntier = "WRITE"\n', "at least one condition"),
        (HEAD + '[[rule.when]]\noperand = "("\n', "bad regular expression"),
        ("[[rule]\n", "not valid TOML"),
    ],
)
def test_schema_errors_are_clear(tmp_path: Path, text: str, problem: str) -> None:
    user = write(tmp_path / "bad.toml", text)
    with pytest.raises(RuleError, match=problem) as caught:
        load_rules([user])
    assert str(user) in str(caught.value)


def test_effective_rules_reads_the_config_rules_directory(hitl_home: Path) -> None:
    write(hitl_home / "rules" / "local.toml", '[[rule]]\ncommand = "frob"\ntier = "READ"\ndoes = "frobs"\n')
    assert classify("frob", rules=effective_rules(hitl_home)).tier == Tier.READ
