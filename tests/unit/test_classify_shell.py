"""Shell semantics the parser must follow as bash does: line continuations, words after a redirect, and text
bash evaluates although it is not a command (arithmetic, subscripts, prompt expansion, indirection)."""

from __future__ import annotations

import pytest

from console.core.classify import classify
from console.core.classify.continuations import join_continuations
from console.core.classify.parse import parse_script
from console.core.tiers import Tier


@pytest.mark.parametrize(
    ("text", "argv"),
    [
        ("r\\\nm -rf x", ["rm", "-rf", "x"]),
        ("git re\\\nset --hard", ["git", "reset", "--hard"]),
        ('echo "a\\\nb"', ["echo", "ab"]),
        ("echo 'a\\\nb'", ["echo", "a\\\nb"]),
    ],
)
def test_backslash_newline_joins_words_like_bash(text: str, argv: list[str]) -> None:
    assert [w.text for w in parse_script(text).commands[0].argv] == argv


def test_continuations_are_kept_in_comments_and_quoted_heredocs() -> None:
    assert join_continuations("echo a # c \\\nrm x") == "echo a # c \\\nrm x"
    quoted = "cat <<'E'\na\\\nb\nE\nl\\\ns"
    assert join_continuations(quoted) == "cat <<'E'\na\\\nb\nE\nls"
    assert join_continuations("cat <<E\na\\\nb\nE\n") == "cat <<E\nab\nE\n"


@pytest.mark.parametrize(
    "command",
    ["r\\\nm -rf /srv/app", "git >/dev/null reset --hard", "git 2>&1 reset --hard", "sudo >/tmp/log rm -rf x"],
)
def test_mis_split_lines_are_seen_as_bash_runs_them(command: str) -> None:
    assert classify(command).tier == Tier.DESTRUCTIVE, classify(command).reasons


@pytest.mark.parametrize(
    "command",
    [
        "[[ $v -eq 1 ]]",
        "[[ $(cat /etc/hostname) -gt 2 ]]",
        "echo $(( v + 1 ))",
        "(( count > 3 ))",
        "let n=m+1",
        "echo ${a[$i]}",
        "echo ${s:$off:2}",
        "echo ${x@P}",
        "echo ${!name}",
        'printf -v "$name" %s 1',
        'read "$name" < /dev/null',
        'test -v "$name"',
        "declare -i n=$m",
        'compgen -W "$words"',
    ],
)
def test_evaluating_a_value_hitl_cannot_see_is_never_read(command: str) -> None:
    result = classify(command)
    assert result.tier == Tier.DESTRUCTIVE, result.reasons
    assert result.consequence


@pytest.mark.parametrize(
    "command",
    [
        "test -v 'a[$(rm -rf /srv)]'",
        "[ -v 'a[$(rm -rf /srv)]' ]",
        "printf -v 'a[$(rm -rf /srv)]' %s 1",
        "read 'a[$(rm -rf /srv)]' < /dev/null",
        "declare 'a[$(rm -rf /srv)]=1'",
        "unset 'a[`rm -rf /srv`]'",
        "let 'x = a[$(rm -rf /srv)]'",
        "compgen -W '$(rm -rf /srv)'",
        "x='$(rm -rf /srv)'; echo ${x@P}",
        "x='a[$(rm -rf /srv)]'; echo $((x))",
        "x='a[$(rm -rf /srv)]'; [[ $x -eq 1 ]]",
        "x='a[$(rm -rf /srv)]'; echo ${!x}",
    ],
)
def test_code_in_a_quoted_subscript_or_value_is_analysed(command: str) -> None:
    result = classify(command)
    assert result.tier == Tier.DESTRUCTIVE, result.reasons
    assert any("rm -rf" in reason for reason in result.reasons), result.reasons


@pytest.mark.parametrize(
    "command",
    [
        "x=5; echo $((x + 1))",
        "for ((i = 0; i < 3; i++)); do echo $i; done",
        "n=2; [[ $n -eq 2 ]] && echo two",
        "echo $(( 16#ff + 0x10 ))",
        "echo ${#a[@]} ${!a[@]} ${a[0]}",
        "echo $(( $# + $? ))",
        "for i in 1 2 3; do echo $(( i * 2 )); done",
    ],
)
def test_arithmetic_on_values_the_line_fixes_stays_read(command: str) -> None:
    assert classify(command).tier == Tier.READ, classify(command).reasons
