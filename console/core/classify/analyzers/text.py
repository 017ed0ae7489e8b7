"""Text tools with small languages of their own: sed scripts, awk programs and find expressions, which can
write files or run commands although the tools are mostly used to read."""

from __future__ import annotations

from console.core.classify import snippets
from console.core.classify.analyzers.context import Context
from console.core.classify.analyzers.registry import analyzer
from console.core.classify.ir import Word
from console.core.tiers import Tier


@analyzer("sed")
def sed(ctx: Context) -> bool:
    files = ctx.parsed.values("-f") + ctx.parsed.values("--file")
    for path in files:
        ctx.add(Tier.WRITE, f"`sed -f {path}` runs a sed script hitl cannot see (it may write or run){ctx.where}")
    scripts = ctx.parsed.values("-e") + ctx.parsed.values("--expression")
    if not scripts and ctx.parsed.operands and not files:
        scripts = [ctx.parsed.operands[0].text]
    for text in scripts:
        _judge(ctx, "sed", snippets.sed_script(text))
    return False


def _judge(ctx: Context, language: str, verdict: snippets.CodeVerdict) -> None:
    """A sed or awk verdict: what it could not read, then each literal file it writes (critical paths are
    DESTRUCTIVE whatever writes them) and each literal command it runs (classified like any command)."""
    if verdict.tier > Tier.READ:
        ctx.add(verdict.tier, f"{verdict.reason}{ctx.where}")
    cwd, known = ctx.command.cwd, ctx.command.cwd_known
    for path in verdict.writes:
        if path in ("/dev/stdout", "/dev/stderr", "-"):
            continue
        ctx.analysis.writes(Word(path), cwd, known, f"the {language} program writes", ctx.where)
    for command in verdict.runs:
        ctx.nested(command, f" run by the {language} program{ctx.where}")
    for path in verdict.loads:
        if ctx.policy.is_untrusted(path if path.startswith(("/", "~", "$")) else f"{cwd}/{path}"):
            ctx.runs_file(path, f"the {language} program includes")
    for command in verdict.feeds:
        # `print | "sh"`: the command reads the program's output, which hitl cannot see.
        ctx.nested(f"cat - | {command}", f" fed by the {language} program{ctx.where}")


@analyzer("awk")
def awk(ctx: Context) -> bool:
    parsed = ctx.parsed
    files = [v for o, v in parsed.options if o in ("-f", "--file", "-E", "--exec", "-i", "--include")]
    for path in files:
        ctx.runs_file(path, f"`{ctx.name}` runs the awk program")
    for name in ("-l", "--load"):
        for value in parsed.values(name):
            ctx.add(
                Tier.DESTRUCTIVE,
                f"`{ctx.name} {name} {value}` loads a compiled extension, which runs any code{ctx.where}",
                consequence=f"Loads and runs the compiled extension {value}; nobody has reviewed it.",
            )
    programs = parsed.values("-e") + parsed.values("--source")
    if not programs and not files and parsed.operands:
        programs = [parsed.operands[0].text]
    for program in programs:
        _judge(ctx, "awk", snippets.awk_program(program))
    return False


def _join(parts: list[str]) -> str:
    return ", ".join(parts[:4]) + (f" and {len(parts) - 4} more" if len(parts) > 4 else "")


@analyzer("find")
def find(ctx: Context) -> bool:
    """`-exec CMD ;` and friends run CMD (classified on its own); `-delete` deletes every match. The rest
    of the expression is checked against the grammar (`-fprint FILE` writes FILE)."""
    args = ctx.args
    first_expression = next((i for i, w in enumerate(args) if w.text[:1] in "-(!"), len(args))
    starts = [w.text for w in args[:first_expression]]
    own = []
    i = 0
    while i < len(args):
        word = args[i].text
        if word in ("-exec", "-execdir", "-ok", "-okdir"):
            end = next((j for j in range(i + 1, len(args)) if args[j].text in (";", "+")), len(args))
            # `{}` is each match, known only at run time; `-execdir` runs in each match's directory.
            inner = [Word(w.text, True, w.quoted) if "{}" in w.text else w for w in args[i + 1 : end]]
            if inner:
                place = ("", False) if word.endswith("dir") else None
                ctx.runs(inner, f" run by `find {word}`{ctx.where}", cwd=place)
            own.append(args[i])
            i = end + 1
            continue
        if word == "-delete":
            ctx.add(
                Tier.DESTRUCTIVE,
                f"`find -delete` deletes every match under {_join(starts or ['.'])}{ctx.where}",
                tuple(ctx.analysis.path_target(s, ctx.command.cwd, ctx.command.cwd_known) for s in starts or ["."]),
            )
        own.append(args[i])
        i += 1
    ctx.prove(own)
    return False
