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


def test_user_rule_may_raise_a_shipped_tier(tmp_path: Path) -> None:
    user = write(tmp_path / "ls.toml", '[[rule]]\ncommand = "ls"\ntier = "DESTRUCTIVE"\ndoes = "lists secrets"\n')
    result = classify("ls -la", rules=load_rules([user]))
    assert result.tier == Tier.DESTRUCTIVE
    assert result.lowered_by == ()


def test_lowering_a_shipped_tier_needs_lower_true(tmp_path: Path) -> None:
    """A dropped-in rule file must not be able to make `rm` READ: without `lower = true` the shipped tier
    stands (and the reason says why); with it, the lowering is named in the verdict."""
    quiet = write(tmp_path / "a.toml", '[[rule]]\ncommand = "rm"\ntier = "READ"\ndoes = "only cleans up"\n')
    result = classify("rm -rf build", rules=load_rules([quiet]))
    assert result.tier == Tier.DESTRUCTIVE
    assert any("lowering needs `lower = true`" in reason for reason in result.reasons), result.reasons
    assert result.lowered_by == ()
    loud = write(
        tmp_path / "b.toml", '[[rule]]\ncommand = "make"\ntier = "READ"\ndoes = "only builds here"\nlower = true\n'
    )
    lowered = classify("make", rules=load_rules([loud]))
    assert lowered.tier == Tier.READ
    assert len(lowered.lowered_by) == 1
    assert "user rule 'make'" in lowered.lowered_by[0] and "b.toml" in lowered.lowered_by[0]
    assert "from WRITE to READ" in lowered.lowered_by[0]
    assert classify("make").tier == Tier.WRITE


def test_user_rule_may_declare_an_unknown_command_read(tmp_path: Path) -> None:
    user = write(tmp_path / "tool.toml", '[[rule]]\ncommand = "inhouse-report"\ntier = "READ"\ndoes = "prints"\n')
    assert classify("inhouse-report --since 1d", rules=load_rules([user])).tier == Tier.READ
    assert classify("inhouse-report --since 1d").tier == Tier.WRITE


def test_user_files_cannot_quietly_lower_policy_or_verbs(tmp_path: Path) -> None:
    neutral = write(tmp_path / "n.toml", '[paths]\nneutral = ["/etc/passwd"]\n')
    with pytest.raises(RuleError, match="lower = true"):
        load_rules([neutral])
    verbs = write(tmp_path / "v.toml", '[verbs]\nread = ["delete"]\n')
    with pytest.raises(RuleError, match="lower = true"):
        load_rules([verbs])
    raised = write(tmp_path / "c.toml", '[paths]\ncritical = ["/srv/app/secrets/*"]\n')
    assert classify("echo x > /srv/app/secrets/k", rules=load_rules([raised])).tier == Tier.DESTRUCTIVE


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
