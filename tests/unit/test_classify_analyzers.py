"""The analyzer registry: rule files may only name analyzers that exist, with parameters of the right type,
and no input and no valid user rule makes `classify` raise (an internal error fails closed)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from console.core.classify import RuleError, classify, load_rules
from console.core.classify.analyzers import registry
from console.core.tiers import Tier


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_an_unknown_analyzer_is_a_load_error_naming_the_file(tmp_path: Path) -> None:
    """`analyzer = "tar"` used to load, then `classify("mytar x")` raised AttributeError."""
    user = write(tmp_path / "mytar.toml", '[[rule]]\ncommand = "mytar"\ntier = "WRITE"\ndoes = "x"\nanalyzer = "tar"\n')
    with pytest.raises(RuleError, match="unknown analyzer 'tar'") as caught:
        load_rules([user])
    assert str(user) in str(caught.value)


@pytest.mark.parametrize(
    ("params", "problem"),
    [
        ('{ skip_operands = "two" }', "skip_operands must be a whole number"),
        ("{ colour = 1 }", "unknown parameter colour"),
        ("{ script_option = 3 }", "script_option must be a string or a list of strings"),
        ("{ assignments = 1 }", "assignments must be true or false"),
    ],
)
def test_analyzer_parameters_are_checked_when_the_file_loads(tmp_path: Path, params: str, problem: str) -> None:
    user = write(
        tmp_path / "wrap.toml",
        f'[[rule]]\ncommand = "mywrap"\ntier = "WRITE"\ndoes = "x"\nanalyzer = "wrapper"\nparams = {params}\n',
    )
    with pytest.raises(RuleError, match=problem) as caught:
        load_rules([user])
    assert str(user) in str(caught.value)


def test_every_registered_analyzer_takes_one_context() -> None:
    assert registry.names() >= {"wrapper", "shell", "eval", "sed", "awk", "find", "sql", "ssh", "schedule"}
    for name in registry.names():
        spec = registry.get(name)
        assert spec is not None and spec.name == name
        assert spec.run.__code__.co_argcount == 1, name


def test_an_internal_error_fails_closed(monkeypatch: pytest.MonkeyPatch) -> None:
    spec = registry.get("sed")
    assert spec is not None

    def broken(ctx: object) -> bool:
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(spec, "run", broken)
    result = classify("sed -n p file")
    assert result.tier == Tier.DESTRUCTIVE
    assert any("could not read" in reason and "ZeroDivisionError" in reason for reason in result.reasons)
    assert result.consequence and "no rollback" in result.consequence.lower()


# Property: a valid user rule for any analyzer, with any parameters its schema allows, never makes
# `classify` raise or fall back to the internal-error verdict.

WORDS = st.sampled_from(["-", "--", "-c", "-e", "-u", "x", "ls", "rm -rf y", "'a b'", "$V", "=", "a=b", "-s", "..."])
PARAM_VALUES = {
    "int": st.integers(min_value=-3, max_value=5),
    "bool": st.booleans(),
    "str": st.sampled_from(["", "-c", "--", "x", "cron", "postgres", "sqlite", "mysql", "python", "first-operand"]),
    "strings": st.lists(st.sampled_from(["-c", "-e", "--exec", "-", "x", "-u"]), max_size=3),
}


@st.composite
def user_rules(draw: st.DrawFn) -> tuple[str, str]:
    name = registry.get(draw(st.sampled_from(sorted(registry.names()))))
    assert name is not None
    params: dict[str, object] = {}
    for key, kind in name.params.items():
        if draw(st.booleans()):
            params[key] = draw(PARAM_VALUES[kind])
    tier = draw(st.sampled_from(["READ", "WRITE", "DESTRUCTIVE"]))
    targets = draw(st.sampled_from(["operands", "first", "last", "rest", "init", "none", "option:-e"]))
    value_options = draw(st.lists(st.sampled_from(["-c", "-e", "-u", "-s"]), max_size=3))
    rendered = ", ".join(f"{key} = {_toml(value)}" for key, value in params.items())
    text = (
        f'[[rule]]\ncommand = "frob"\ntier = "{tier}"\ndoes = "frobs {{targets}}"\ntargets = "{targets}"\n'
        f'analyzer = "{name.name}"\nposix = {_toml(draw(st.booleans()))}\nvalue_options = {_toml(value_options)}\n'
        f"params = {{ {rendered} }}\n"
    )
    command = " ".join(["frob", *draw(st.lists(WORDS, max_size=6))])
    prefix = draw(st.sampled_from(["", "echo 'ls' | ", "cat <<'E'\nrm -rf x\nE\n", "sudo "]))
    return text, prefix + command


def _toml(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return str(value)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(user_rules())
def test_no_valid_user_rule_makes_classify_raise(
    tmp_path_factory: pytest.TempPathFactory, case: tuple[str, str]
) -> None:
    text, command = case
    path = tmp_path_factory.mktemp("rules") / "frob.toml"
    path.write_text(text, encoding="utf-8")
    rules = load_rules([path])
    result = classify(command, rules=rules)
    assert result.reasons
    assert not any("could not read" in reason for reason in result.reasons), (text, command, result.reasons)
