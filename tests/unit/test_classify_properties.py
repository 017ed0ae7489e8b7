"""Property tests: the classifier never raises, and hiding a destructive command never lowers the tier."""

from __future__ import annotations

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from console.core.classify import classify
from console.core.tiers import Tier

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

SHELLISH = st.text(
    alphabet=st.sampled_from([*list("abcrmls -;|&$(){}[]<>'\"`\\\n\t=*~/.,!#0123456789"), "\xa0", "\u200b", "é"]),
    max_size=60,
)
BASES = st.sampled_from(
    ["ls -la", "git status", "cat f", "echo hi", "grep -r x .", "ps aux", "df -h", "true", "psql -c 'SELECT 1'"]
)
WRAPPERS = st.sampled_from(
    [
        "sudo",
        "sudo -u root",
        "env",
        "env -i A=1",
        "nohup",
        "timeout 5",
        "time",
        "nice -n 5",
        "stdbuf -oL",
        "setsid",
        "flock /tmp/l",
        "command",
        "exec",
        "busybox",
        "xargs",
        "doas",
        "ionice -c3",
        "strace -f",
    ]
)


@SETTINGS
@given(st.text(max_size=200))
def test_never_raises_on_any_text(text: str) -> None:
    result = classify(text)
    assert result.tier in Tier
    assert result.reasons


@SETTINGS
@given(SHELLISH)
@example("<0>0")  # a command made of redirects only, same file in and out: once raised IndexError
def test_never_raises_on_shell_like_text(text: str) -> None:
    assert classify(text).reasons


@SETTINGS
@given(st.one_of(BASES, SHELLISH))
def test_appending_rm_rf_is_destructive(prefix: str) -> None:
    result = classify(prefix + "\n; rm -rf x")
    assert result.tier == Tier.DESTRUCTIVE


@SETTINGS
@given(WRAPPERS)
def test_wrapped_rm_rf_is_destructive(wrapper: str) -> None:
    assert classify(f"{wrapper} rm -rf x").tier == Tier.DESTRUCTIVE


@SETTINGS
@given(
    BASES,
    st.sampled_from(
        [
            "echo $({})",
            "echo `{}`",
            "bash -c '{}'",
            'sh -c "{}"',
            "x=$({})",
            'ls "$({})"',
            "cat <(/bin/{})",
            "eval '{}'",
            "ssh host '{}'",
        ]
    ),
)
def test_hidden_rm_rf_is_destructive(base: str, template: str) -> None:
    hidden = template.format("rm -rf x")
    assert classify(f"{base} && {hidden}").tier == Tier.DESTRUCTIVE
    assert classify(hidden).tier == Tier.DESTRUCTIVE
