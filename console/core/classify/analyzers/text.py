"""Text tools with small languages of their own: sed scripts, awk programs and find expressions, which can
write files or run commands although the tools are mostly used to read."""

from __future__ import annotations

from console.core.classify import snippets
from console.core.classify.analyzers.context import Context
from console.core.classify.analyzers.registry import analyzer
from console.core.classify.model import Target
from console.core.tiers import Tier


@analyzer("sed")
def sed(ctx: Context) -> bool:
    scripts = ctx.parsed.values("-e") + ctx.parsed.values("--expression")
    if not scripts and ctx.parsed.operands and not ctx.parsed.values("-f"):
        scripts = [ctx.parsed.operands[0].text]
    for text in scripts:
        verdict = snippets.sed_script(text)
        if verdict.tier > Tier.READ:
            ctx.add(verdict.tier, f"{verdict.reason}{ctx.where}")
    return False


@analyzer("awk")
def awk(ctx: Context) -> bool:
    if ctx.parsed.values("-f") or ctx.parsed.values("--file"):
        return False
    if ctx.parsed.operands:
        verdict = snippets.awk_program(ctx.parsed.operands[0].text)
        if verdict.tier > Tier.READ:
            ctx.add(verdict.tier, f"{verdict.reason}{ctx.where}")
    return False


def _join(parts: list[str]) -> str:
    return ", ".join(parts[:4]) + (f" and {len(parts) - 4} more" if len(parts) > 4 else "")


@analyzer("find")
def find(ctx: Context) -> bool:
    args = ctx.args
    first_expression = next((i for i, w in enumerate(args) if w.text[:1] in "-(!"), len(args))
    starts = [w.text for w in args[:first_expression]]
    i = 0
    while i < len(args):
        word = args[i].text
        if word in ("-exec", "-execdir", "-ok", "-okdir"):
            end = next((j for j in range(i + 1, len(args)) if args[j].text in (";", "+")), len(args))
            inner = args[i + 1 : end]
            if inner:
                ctx.runs(inner, f" run by `find {word}`{ctx.where}")
            i = end + 1
            continue
        if word == "-delete":
            ctx.add(
                Tier.DESTRUCTIVE,
                f"`find -delete` deletes every match under {_join(starts or ['.'])}{ctx.where}",
                tuple(Target("path", s) for s in starts or ["."]),
            )
        elif word in ("-fprint", "-fprint0", "-fprintf", "-fls") and i + 1 < len(args):
            path = args[i + 1].text
            ctx.add(Tier.WRITE, f"`find {word}` writes {path}{ctx.where}", (Target("path", path),), ("files",))
        i += 1
    return False
