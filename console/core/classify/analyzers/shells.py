"""Shell code given as text: `bash -c`, scripts fed to a shell, `eval`/`trap`/`alias`, and jobs handed to
`at`, `batch` or `crontab -`. The text is parsed again (one level deeper) and classified like any line."""

from __future__ import annotations

import re
from collections.abc import Callable

from console.core.classify.analyzers.context import Context
from console.core.classify.analyzers.registry import analyzer
from console.core.classify.ir import Word
from console.core.classify.model import Target
from console.core.tiers import Tier

_CRON_SETTING = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*\s*=")


@analyzer("shell")
def shell(ctx: Context) -> bool:
    name = ctx.name
    codes = ctx.parsed.values("-c")
    if codes:
        code = codes[0]
        if any(w.dynamic and w.text == code for w in ctx.args):
            ctx.add(Tier.DESTRUCTIVE, f"`{name} -c` runs code only known at run time{ctx.where}")
        else:
            ctx.nested(code, f" inside `{name} -c`{ctx.where}")
        return False
    operands = ctx.parsed.operands
    if operands and "-s" not in ctx.parsed.names:
        if operands[0].dynamic:
            ctx.add(
                Tier.DESTRUCTIVE,
                f"`{name}` runs {operands[0].text}, code only known at run time{ctx.where}",
                consequence="Runs code that is produced when the command runs; nobody has reviewed it.",
            )
        elif "-n" not in ctx.parsed.names:  # `bash -n FILE` only checks the syntax
            ctx.runs_file(operands[0].text, f"`{name}` runs the script")
        return False
    stdin_code(ctx, name, ctx.nested)
    return False


def stdin_code(ctx: Context, name: str, analyse: Callable[[str, str], None]) -> None:
    """Code a shell or interpreter reads from standard input: analysed when it is literal text, an
    interactive session when there is none, and DESTRUCTIVE when it is produced at run time."""
    stdin = ctx.command.stdin
    if stdin is None:
        ctx.add(Tier.WRITE, f"`{name}` opens an interactive session where anything can be typed{ctx.where}")
    elif stdin.text is not None:
        analyse(stdin.text, f" fed to `{name}` from {stdin.source}{ctx.where}")
    else:
        ctx.add(
            Tier.DESTRUCTIVE,
            f"`{name}` runs what `{stdin.source}` produces, which hitl cannot see{ctx.where}",
            consequence=f"Runs code from `{stdin.source}` that nobody has reviewed.",
        )


@analyzer("eval", code="str")
def eval_(ctx: Context) -> bool:
    """`eval WORDS`, `trap 'code' SIG` (code = first-operand), `alias n='code'` (code = after-equals)."""
    mode = ctx.params.get("code")
    if mode == "first-operand":
        words = ctx.parsed.operands[:1]
    elif mode == "after-equals":
        words = [Word(w.text.partition("=")[2], w.dynamic) for w in ctx.args if "=" in w.text]
    else:
        words = ctx.args
    if not words:
        return False
    if mode is not None:
        for word in words:
            if word.dynamic:
                ctx.add(Tier.DESTRUCTIVE, f"`{ctx.name}` stores code only known at run time{ctx.where}")
            else:
                ctx.nested(word.text, f" inside `{ctx.name}`{ctx.where}")
        return False
    if any(w.dynamic for w in ctx.args):
        ctx.add(
            Tier.DESTRUCTIVE,
            f"`{ctx.name}` runs code only known at run time{ctx.where}",
            consequence="Runs code that is only put together when the command runs; nobody has reviewed it.",
        )
        return False
    ctx.nested(" ".join(w.text for w in ctx.args), f" inside `{ctx.name}`{ctx.where}")
    return False


@analyzer("schedule", format="str")
def schedule(ctx: Context) -> bool:
    """`at`/`batch` and `crontab -`: the job text they read is code that runs later, so it is classified;
    a crontab replaced by nothing (`crontab /dev/null`, an empty pipe) deletes every job."""
    if ctx.selection.clause is not None:
        return False  # listing, removing or editing: the rule's case says it all
    name = ctx.name
    cron = ctx.params.get("format") == "cron"
    operands = [w.text for w in ctx.parsed.operands]
    user = next((v for o, v in ctx.parsed.options if o == "-u"), "")

    def emptied() -> None:
        ctx.add(
            Tier.DESTRUCTIVE,
            f"`{name}` replaces the crontab of {user or 'the current user'} with an empty one{ctx.where}",
            (Target("crontab", user),),
            ("crontab",),
            "Deletes every scheduled job in the crontab.",
        )

    if cron and operands and operands[0] != "-":
        if operands[0] in ctx.policy.neutral_paths:
            emptied()
        return False  # a file hitl cannot see: the rule's WRITE (crontab captured) stands
    if not cron and ctx.parsed.values("-f"):
        return False
    stdin = ctx.command.stdin
    if stdin is None or stdin.text is None:
        return False
    jobs = cron_jobs(stdin.text) if cron else ([stdin.text] if stdin.text.strip() else [])
    if cron and not jobs:
        emptied()
    for job in jobs:
        ctx.nested(job, f" in a job scheduled by `{name}`{ctx.where}")
    return False


def cron_jobs(text: str) -> list[str]:
    """The commands of a crontab: each line's text after its five time fields (or `@reboot`-style word);
    blank lines, comments and `NAME=value` settings are skipped."""
    jobs = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or _CRON_SETTING.match(line):
            continue
        fields = line.split(None, 1 if line.startswith("@") else 5)
        if len(fields) == (2 if line.startswith("@") else 6):
            jobs.append(fields[-1])
    return jobs
