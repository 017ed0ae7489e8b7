"""Commands that run another command: wrappers (`sudo`, `env`, `timeout 5`, `xargs`), options that take the
rest of the line as a command (`fd -x`), containers and clusters (`docker exec`, `kubectl exec --`) and ssh."""

from __future__ import annotations

import contextlib

from console.core.classify.analyzers.context import Context
from console.core.classify.analyzers.registry import analyzer
from console.core.classify.analyzers.shells import stdin_code
from console.core.classify.args import ParsedArgs, parse_args
from console.core.classify.ir import Word
from console.core.tiers import Tier


@analyzer(
    "wrapper",
    script_option="strings",
    assignments="bool",
    ignore_operands="strings",
    skip_operands="int",
    no_skip_with="strings",
    stop_at="str",
    joins_script="bool",
    switches_user="bool",
    user_options="strings",
    login_options="strings",
    elsewhere="bool",
    replace_options="strings",
    own_effect="bool",
)
def wrapper(ctx: Context) -> bool:
    """Classify the command a wrapper runs. False when it runs none (or a case of the rule matched), so the
    rule's own effect applies. A wrapper that runs its command as another user (`sudo -u bob`, `su - bob`)
    says so to the analysis: `~` in a shell it starts is that user's home, and a login shell starts there."""
    if ctx.selection.clause is not None:
        return False
    parsed = parse_args(
        ctx.args, ctx.selection.rule.value_options, flags=ctx.selection.rule.flag_names, stop_at_operand=True
    )
    with contextlib.ExitStack() as stack:
        if ctx.params.get("switches_user"):
            stack.enter_context(ctx.as_user(*_switched_to(ctx, parsed)))
        if ctx.params.get("elsewhere"):  # `chroot DIR cmd`: its paths are below DIR, not where they say
            stack.enter_context(ctx.elsewhere())
        return _wrapped(ctx, parsed)


def _switched_to(ctx: Context, parsed: ParsedArgs) -> tuple[str, bool]:
    """The user a wrapper runs its command as (root unless named) and whether it starts a login shell."""
    params = ctx.params
    index = parsed.first_operand_index
    rest = ctx.args[index:] if index is not None else []
    login = any(name in parsed.names for name in params.get("login_options", ()))
    while rest and rest[0].text in params.get("ignore_operands", ()):
        login = login or rest[0].text == "-"
        rest = rest[1:]
    user = next((value for name, value in parsed.options if name in params.get("user_options", ())), None)
    if user is None and params.get("skip_operands", 0) and rest and not rest[0].dynamic:
        user = rest[0].text  # `su bob -c CMD`
    return user or "root", login


def _wrapped(ctx: Context, parsed: ParsedArgs) -> bool:
    params = ctx.params
    args = ctx.args
    rule = ctx.selection.rule
    index = parsed.first_operand_index
    rest = args[index:] if index is not None else []
    script_options = params.get("script_option", ())
    for name, value in parsed.options:
        if name in script_options:
            ctx.prove(args, strict=True)
            ctx.nested(value, f" inside `{rule.command} {name}`{ctx.where}")
            return not params.get("own_effect")  # `script -c CMD FILE` also writes FILE
    if params.get("assignments"):
        while rest and "=" in rest[0].text and not rest[0].text.startswith("="):
            key, _, value = rest[0].text.partition("=")
            ctx.analysis.assignment(key, Word(value, rest[0].dynamic), None, ctx.where, exported=True)
            rest = rest[1:]
    ignored = params.get("ignore_operands", ())
    while rest and rest[0].text in ignored:  # `su - root`: the lone `-` means "login shell", not a user
        rest = rest[1:]
    skip = max(0, params.get("skip_operands", 0))
    no_skip_with = params.get("no_skip_with", ())
    if any(name in no_skip_with for name, _ in parsed.options):
        skip = 0  # `runuser -u app -- cmd`: the user came as an option, so the first operand is the command
    rest = rest[skip:]
    if script_options and rest and rest[0].text.startswith("-"):
        # GNU option order: `flock FILE -c CMD`, `su - USER -s /bin/bash -c CMD`: options after the operands
        again = parse_args(rest, rule.value_options, flags=rule.flag_names)
        for name, value in again.options:
            if name in script_options:
                ctx.prove(args, strict=True)
                ctx.nested(value, f" inside `{rule.command} {name}`{ctx.where}")
                return not params.get("own_effect")
    stop_at = params.get("stop_at")
    if stop_at is not None:
        rest = rest[: next((i for i, w in enumerate(rest) if w.text == stop_at), len(rest))]
    if not rest:
        return False
    replaced = [v for n, v in parsed.options if n in params.get("replace_options", ())]
    if replaced:  # `xargs -I {} rm {}`: the words holding the replace string are known only at run time
        rest = [Word(w.text, True, w.quoted) if any(r and r in w.text for r in replaced) else w for w in rest]
    # The wrapper's own options, strictly whatever the wrapper's tier: the command is judged on its own, and
    # READ stands only when nothing the wrapper itself is given writes (`valgrind --log-file=F ls`).
    ctx.prove(args[: len(args) - len(rest)], strict=True)
    inner_where = f" via `{rule.command}`{ctx.where}"
    if params.get("joins_script"):
        ctx.nested(" ".join(w.text for w in rest), inner_where)
    else:
        ctx.runs(rest, inner_where, same_command=True)
    return not params.get("own_effect")  # `perf record CMD` also writes perf.data


@analyzer("exec-option", rest_options="strings")
def exec_option(ctx: Context) -> bool:
    """`fd -x CMD...`: the words after the option are a command."""
    options = ctx.params.get("rest_options", ())
    for i, word in enumerate(ctx.args):
        if word.text in options:
            ctx.prove(ctx.args[:i])
            inner = [w for w in ctx.args[i + 1 :] if w.text != ";"]
            if inner:
                ctx.runs(inner, f" run by `{ctx.name} {word.text}`{ctx.where}")
            break
    return False


@analyzer("remote-argv", after_dashes="bool", skip_operands="int")
def remote_argv(ctx: Context) -> bool:
    """`docker exec CTR cmd...`, `kubectl exec POD -- cmd...`, `docker run IMAGE cmd...`."""
    args = ctx.args
    if ctx.params.get("after_dashes"):
        split = next((i for i, w in enumerate(args) if w.text == "--"), None)
        rest = args[split + 1 :] if split is not None else []
    else:
        parsed = parse_args(
            args, ctx.selection.rule.value_options, flags=ctx.selection.rule.flag_names, stop_at_operand=True
        )
        index = parsed.first_operand_index
        rest = args[index + max(0, ctx.params.get("skip_operands", 1)) :] if index is not None else []
    if rest:
        ctx.prove(args[: len(args) - len(rest)])
        with ctx.elsewhere():
            ctx.runs(rest, f" inside a container via `{ctx.name}`{ctx.where}")
    return False


@analyzer("ssh")
def ssh(ctx: Context) -> bool:
    """`ssh HOST 'cmd'`: the remote words are joined and read as shell code, as sshd's shell does."""
    parsed = parse_args(
        ctx.args, ctx.selection.rule.value_options, flags=ctx.selection.rule.flag_names, stop_at_operand=True
    )
    index = parsed.first_operand_index
    if index is None:
        return False
    host = ctx.args[index].text
    remote = ctx.args[index + 1 :]
    if remote and remote[0].text == "--" and not remote[0].quoted:
        remote = remote[1:]  # `ssh host -- cmd`: ssh's own end of options, not part of the remote command
    ctx.prove(ctx.args[: index + 1])
    if "-G" in parsed.names:
        ctx.add(Tier.READ, f"`ssh -G {host}` only prints the configuration it would use{ctx.where}")
        return True
    if not remote and ctx.command.stdin is not None and "-N" not in parsed.names:
        with ctx.elsewhere():  # `ssh host <<EOF ... EOF`, `echo 'cmd' | ssh host`: the remote shell runs it
            stdin_code(ctx, f"ssh {host}", ctx.nested)
    elif not remote:
        ctx.add(Tier.WRITE, f"`ssh {host}` opens an interactive session where anything can be typed{ctx.where}")
    elif any(w.dynamic for w in remote):
        ctx.add(Tier.DESTRUCTIVE, f"`ssh {host}` runs a remote command only known at run time{ctx.where}")
    else:
        with ctx.elsewhere():
            ctx.nested(" ".join(w.text for w in remote), f" on {host} via ssh{ctx.where}")
    return False
