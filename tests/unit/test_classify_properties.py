"""Property tests: the classifier never raises, hiding a destructive command never lowers the tier, an option
hitl does not know never leaves a command READ, and neither does an expansion that executes."""

from __future__ import annotations

import string

from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from console.core.classify import classify, default_rules
from console.core.classify.parse import parse_script
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


# Proven READ (issue 12) ------------------------------------------------------------------------------

# Daily READ commands whose programs have explicit argument grammars (no `options = "*"`).
READ_BASES = [
    "ls -la src",
    "cat README.md",
    "grep -rn TODO src",
    "git log --oneline -n 5",
    "git status --short",
    "kubectl get pods -n prod",
    "df -h /",
    "head -n 5 app.log",
    "tail -n 20 app.log",
    "du -sh /var/log",
    "stat setup.cfg",
    "sort -u names.txt",
    "jq .name package.json",
    "curl -s https://example.com/health",
    "ss -tlnp",
    "journalctl -u nginx --since today",
    "systemctl status nginx",
    "docker ps -a",
    "aws ec2 describe-instances --region eu-west-1",
    "wc -l app.log",
    "sha256sum dist/app.tgz",
    "uniq -c sorted.txt",
    "diff -u a b",
    "tar -tzf backup.tgz",
    "rg -n main src",
    "helm list -A",
    "gh pr list",
]

OPTION_NAMES = st.one_of(
    st.builds(lambda s: "--" + s, st.from_regex(r"[a-z][a-z0-9-]{1,14}[a-z0-9]", fullmatch=True)),
    st.builds(lambda c: "-" + c, st.sampled_from(list(string.ascii_letters + string.digits))),
)
OPTIONS = st.builds(lambda name, value: name + value, OPTION_NAMES, st.sampled_from(["", "=1", "=out.txt"]))


def _known(command: str, option: str) -> bool:
    """Whether the rules know `option` for `command`: listed by its grammar (as reading, writing or running),
    or, for a tool judged by its verbs, made of reading words or a dry-run option of the lexicon."""
    rules = default_rules()
    argv = parse_script(command).commands[0].argv
    name = option.split("=", 1)[0]
    for selection in rules.resolve(argv[0].text, argv[1:]):
        grammar = selection.grammar
        if grammar is not None:
            every = grammar.flags | grammar.valued | grammar.optional | grammar.writes | grammar.runs | grammar.loads
            if grammar.every_option or name in every:
                return True
        lexicon = rules.policy.verbs
        if selection.rule.analyzer == "verbs" and (lexicon.option_reads(name) or name in lexicon.dry_run):
            return True
    return False


def test_read_bases_are_read_and_have_grammars() -> None:
    for base in READ_BASES:
        assert classify(base).tier == Tier.READ, (base, classify(base).reasons)
        argv = parse_script(base).commands[0].argv
        selections = default_rules().resolve(argv[0].text, argv[1:])
        assert all(s.grammar is not None and not s.grammar.every_option for s in selections if s.final), base


@SETTINGS
@given(st.sampled_from(READ_BASES), OPTIONS)
def test_an_option_hitl_does_not_know_never_stays_read(base: str, option: str) -> None:
    """Issue 12: READ only when every option is known read-only for that program."""
    assume(not _known(base, option))
    name, _, rest = base.partition(" ")
    for command in (f"{base} {option}", f"{name} {option} {rest}"):
        result = classify(command)
        assert result.tier > Tier.READ, (command, result.reasons)


EXECUTING = [
    "$(rm -rf x)",
    "`rm -rf x`",
    "<(rm -rf x)",
    ">(rm -rf x)",
    "${x@P}",
    "$((v))",
    "$((a[$(rm -rf x)]))",
    "${!name}",
    "${a[$(rm -rf x)]}",
    "${s:$(rm -rf x):1}",
]


@SETTINGS
@given(
    st.sampled_from(READ_BASES),
    st.sampled_from(EXECUTING),
    st.integers(min_value=0, max_value=20),
    st.sampled_from(["word", "glued", "quoted"]),
)
def test_an_expansion_that_executes_never_stays_read(base: str, expansion: str, at: int, how: str) -> None:
    """Issue 12: text that runs a command, or evaluates a value from outside the line (prompt expansion,
    arithmetic, indirection), placed anywhere in a READ command, never leaves it READ."""
    words = base.split(" ")
    index = 1 + at % len(words)  # anywhere after the program name
    if how == "glued":
        words[index - 1 if index == len(words) else index] += expansion
    elif how == "quoted" and not expansion.startswith(("<(", ">(")):  # (not expanded inside quotes)
        words.insert(index, f'"{expansion}"')
    else:
        words.insert(index, expansion)
    command = " ".join(words)
    result = classify(command)
    assert result.tier > Tier.READ, (command, result.reasons)
