"""Builtins that take variable names, arithmetic or word lists as text: `test -v`, `printf -v`, `read`,
`declare`/`local`/`export`/`readonly`/`unset`, `let`, `mapfile`, `getopts`, `wait -p`, `compgen -W`.

bash evaluates the subscript of a variable name given as text (`printf -v 'a[$(cmd)]'` runs cmd), evaluates
every `let` argument as arithmetic, and expands `compgen -W` word lists again: the substitutions in that text
are analysed like any command, and a name or word list only known at run time is code hitl cannot see.
"""

from __future__ import annotations

import sys

from console.core.classify.analyzers.context import Context
from console.core.classify.analyzers.registry import analyzer
from console.core.classify.arith import Verdicts, subscript, substitutions
from console.core.classify.ir import Word
from console.core.tiers import Tier

_UNSEEN = "Runs code hitl cannot see: text only known at run time is evaluated by the shell."


@analyzer(
    "variables",
    name_options="strings",
    operands="str",
    arithmetic="bool",
    expands="strings",
    runs="strings",
    exports="bool",
    export_flags="strings",
)
def names(ctx: Context) -> bool:
    """`operands`: which operands are variable names: "all", "last" (`mapfile`), "second" (`getopts`),
    "assignments" (`declare a[1]=x`: the part before `=`), or "none" (the default). `exports` (or one of
    `export_flags`, `declare -x`): the assignments are given to every program started later."""
    out = Verdicts()
    params = ctx.params
    if params.get("exports") or any(flag in ctx.parsed.names for flag in params.get("export_flags", ())):
        for word in ctx.parsed.operands:
            key, equals, value = word.text.partition("=")
            if equals and not ctx.policy.is_dangerous_env(key.partition("[")[0]):
                ctx.analysis.assignment(key, Word(value, word.dynamic), None, ctx.where, exported=True)
    shown = ctx.command.display(40)
    for option, value in ctx.parsed.options:
        word = _word(ctx, value)
        if option in params.get("name_options", ()):
            _name(ctx, word, shown, out)
        elif option in params.get("expands", ()):
            _expanded(ctx, word, shown, out)
        elif option in params.get("runs", ()):
            if word.dynamic:
                out.hidden.append(f"`{shown}` runs a command only known at run time")
            else:
                ctx.nested(value, f" run by `{ctx.name} {option}`{ctx.where}")
    operands = ctx.parsed.operands
    if params.get("arithmetic"):
        for word in operands:
            if word.dynamic:
                out.hidden.append(f"`{shown}` evaluates arithmetic only known at run time")
            else:
                ctx.script.values.evaluate(word.text, sys.maxsize, shown, out, where=f" in `{shown}`")
    which = params.get("operands", "none")
    chosen = {"all": operands, "last": operands[-1:], "second": operands[1:2]}.get(which, [])
    if which == "assignments":
        chosen = [Word(w.text.partition("=")[0], w.dynamic and "$" in w.text.partition("=")[0]) for w in operands]
        if "-n" in ctx.parsed.names:  # `declare -n r='a[$(cmd)]'`: the value is a name, evaluated at each use
            chosen += [Word(w.text.partition("=")[2], w.dynamic) for w in operands if "=" in w.text]
    for word in chosen:
        _name(ctx, word, shown, out)
    for text, where in out.nested:
        ctx.nested(text, f"{where}{ctx.where}")
    for reason in dict.fromkeys(out.hidden):
        ctx.add(Tier.DESTRUCTIVE, f"{reason}{ctx.where}", consequence=_UNSEEN)
    return False


def _word(ctx: Context, value: str) -> Word:
    """The argument word an option value came from, to know whether it is dynamic."""
    for word in ctx.args:
        if word.text == value or word.text.endswith(value):
            return word
    return Word(value)


def _name(ctx: Context, word: Word, shown: str, out: Verdicts) -> None:
    if word.dynamic:
        out.hidden.append(
            f"`{shown}` is given a variable name only known at run time (a name such as `a[$(cmd)]` runs cmd)"
        )
        return
    index = subscript(word.text)
    if index is not None and index not in ("@", "*"):
        ctx.script.values.evaluate(index, sys.maxsize, shown, out, where=f" in the subscript of `{word.text}`")


def _expanded(ctx: Context, word: Word, shown: str, out: Verdicts) -> None:
    if word.dynamic:
        out.hidden.append(f"`{shown}` expands a word list only known at run time")
        return
    found = substitutions(word.text)
    if found is None:
        out.hidden.append(f"`{shown}` expands a word list with an unclosed substitution")
        return
    out.nested.extend((text, f" in the word list of `{shown}`") for text in found[0])
