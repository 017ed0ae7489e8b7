"""Configuration management run ad hoc on many machines (`ansible HOSTS -m MODULE -a ARGS`, `salt TARGET
FUNCTION ARGS`): a shell-like module's arguments are shell code run there and are classified; read-only
modules only gather facts; removals (`state=absent`, `*.remove`) are DESTRUCTIVE; any other module changes
the machines (WRITE)."""

from __future__ import annotations

import re

from console.core.classify.analyzers.context import Context
from console.core.classify.analyzers.registry import analyzer
from console.core.classify.lexicon import words
from console.core.tiers import Tier

_ABSENT = re.compile(r"\bstate\s*=\s*(absent|purged|removed)\b|\bpurge\s*=\s*(yes|true)\b", re.IGNORECASE)


@analyzer(
    "remote-modules",
    module_option="strings",
    args_option="strings",
    function_operand="int",
    shell_modules="strings",
    read_modules="strings",
    default_module="str",
)
def remote_modules(ctx: Context) -> bool:
    """`module_option` names the module (`-m`); `function_operand` is the operand that names it instead
    (salt: 2); `args_option` carries its arguments (`-a`), else the operands after the function are."""
    if ctx.selection.clause is not None:
        return False
    params = ctx.params
    parsed = ctx.parsed
    module = next((v for o, v in parsed.options if o in params.get("module_option", ())), None)
    args = [v for o, v in parsed.options if o in params.get("args_option", ())]
    index = params.get("function_operand", 0)
    if module is None and index > 0:
        operands = parsed.operands
        if len(operands) < index:
            return False
        module = operands[index - 1].text
        args += [w.text for w in operands[index:]]
    if module is None:
        module = params.get("default_module", "")
    where = f" on the machines `{ctx.name}` reaches{ctx.where}"
    if module in params.get("shell_modules", ()):
        for text in args:
            ctx.nested(text, where)
        ctx.prove(ctx.args)
        return True
    if module in params.get("read_modules", ()):
        ctx.add(Tier.READ, f"`{ctx.name} {module}` only gathers information{ctx.where}")
        ctx.prove(ctx.args)
        return True
    verb = ctx.policy.verbs.verb(module)
    if any(_ABSENT.search(text) for text in args) or (verb is not None and verb.tier == Tier.DESTRUCTIVE):
        ctx.add(
            Tier.DESTRUCTIVE,
            f"`{ctx.name} {module}` removes something{where}",
            consequence="Removes packages, files, services or accounts on every machine targeted.",
        )
    elif any(w in ctx.policy.verbs.read for w in words(module)[-1:]):
        ctx.add(Tier.READ, f"`{ctx.name} {module}` only reads{ctx.where}")
        ctx.prove(ctx.args)
        return True
    else:
        ctx.add(Tier.WRITE, f"`{ctx.name} {module or 'command'}` changes state{where}")
    ctx.proved = True
    return True
