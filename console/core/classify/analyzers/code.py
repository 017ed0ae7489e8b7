"""Code for another language given inline (`python3 -c`, `perl -e`, `node -e`, `mongosh --eval`), as a
script file, or on standard input."""

from __future__ import annotations

from console.core.classify import snippets
from console.core.classify.analyzers.context import Context
from console.core.classify.analyzers.registry import analyzer
from console.core.classify.analyzers.shells import stdin_code
from console.core.classify.ir import Word
from console.core.tiers import Tier


@analyzer(
    "inline-code",
    language="str",
    code_options="strings",
    module_option="str",
    code_operands="bool",
    check_options="strings",
    subcommands="bool",
)
def inline_code(ctx: Context) -> bool:
    """`code_options` carry code (`-c`, `-e`); with `code_operands` every operand is code too (`python -m
    timeit STMT`). `module_option` (`-m`): `python -m MOD ARGS` is judged as the command `python -m MOD`."""
    language = ctx.params.get("language", "")
    options = ctx.params.get("code_options", ())
    codes = [value for name, value in ctx.parsed.options if name in options]
    if ctx.parsed.operands and any(_grouped(code, options) for code in codes):
        # `node -pe CODE` is `-p -e CODE`: what getopt took as -p's value is another code option, and the code
        # is the next word
        codes = [code for code in codes if not _grouped(code, options)] + [ctx.parsed.operands[0].text]
    if ctx.params.get("code_operands"):
        codes += [w.text for w in ctx.parsed.operands]
    name = ctx.name

    def analyse(code: str, where: str) -> None:
        verdict = snippets.inline_code(language, code)
        if verdict.tier == Tier.WRITE:
            # code that can change files and names a critical one (`os.chmod("/etc/shadow", 0o644)`)
            critical = next((p for p in snippets.literal_paths(code) if ctx.policy.is_critical(p)), None)
            if critical is not None:
                ctx.add(
                    Tier.DESTRUCTIVE,
                    f"{verdict.reason}, and names {critical} (critical to the system){where}",
                    consequence=f"The code can change {critical}; hitl cannot see what it does to it.",
                )
                return
        if verdict.tier > Tier.READ:
            ctx.add(verdict.tier, f"{verdict.reason}{where}")

    if codes:
        for code in codes:
            analyse(code, ctx.where)
        return False
    if ctx.selection.clause is not None and ctx.selection.clause.effect.tier == Tier.READ:
        return False  # `php -m`, `php -v`: a case that only prints information, no code to read
    module_option = ctx.params.get("module_option")
    modules = ctx.parsed.values(module_option) if module_option is not None else []
    if modules:
        before = ctx.args[: len(ctx.args) - len(ctx.parsed.operands)]
        ctx.prove([w for w in before if w.text not in (module_option, modules[0])])
        module = Word(f"{language} {module_option} {modules[0]}")
        ctx.runs([module, *ctx.parsed.operands], ctx.where, same_command=True)
        return True
    if ctx.params.get("subcommands"):
        return False  # `bun install`: without code, the rule's cases decide
    if ctx.parsed.operands:
        script_name = ctx.parsed.operands[0].text
        if script_name != "-":
            if not ctx.parsed.names & set(ctx.params.get("check_options", ())):
                ctx.runs_file(script_name, f"`{name}` runs")  # `node --check FILE`, `php -l FILE` only check it
            return False
    stdin_code(ctx, name, analyse)
    return False


def _grouped(value: str, options: tuple[str, ...]) -> bool:
    """`e` of `-pe`: a value made only of letters that are themselves code options of this program."""
    return bool(value) and value.isalpha() and all(f"-{letter}" in options for letter in value)
