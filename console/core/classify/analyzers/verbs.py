"""Multi-level command-line tools judged by their verbs (`lexicon.py`): `aws ec2 terminate-instances`,
`gcloud compute instances list`, `restic forget --prune`, `kafka-topics --delete`, `doppler run -- cmd`.

The first word of the command path that carries a verb decides; an option whose name is a delete-like verb
(`--delete`, `--purge`) makes it DESTRUCTIVE whatever the path says; a dry-run option makes it only show what it
would do. A read verb stays READ only when every option is one the rule's grammar lists or is made of words
that only choose what to read or how to show it. Copy-like verbs write their last local operand.
"""

from __future__ import annotations

from console.core.classify.analyzers.context import Context
from console.core.classify.analyzers.registry import analyzer
from console.core.classify.ir import Word
from console.core.classify.lexicon import Verb
from console.core.classify.model import Target
from console.core.tiers import Tier

_REMOTE = ("://", "s3:", "gs:", "az:", "r2:", "b2:")


@analyzer(
    "verbs",
    read="strings",
    write="strings",
    destructive="strings",
    depth="int",
    runs="strings",
    copies="strings",
    nouns="strings",
    kind="str",
)
def verbs(ctx: Context) -> bool:
    """`depth`: how many command-path words to look at (default 4); `runs`: verbs that run the command
    after `--` (`doppler run -- cmd`); `copies`: verbs whose last operand is a local destination; `nouns`:
    words that name a kind of thing for this tool although they are verbs elsewhere (`velero backup get`)."""
    if ctx.selection.clause is not None:
        return False  # a case of the rule decides
    params = ctx.params
    lexicon = ctx.policy.verbs
    extra = {key: params.get(key, ()) for key in ("read", "write", "destructive")}
    path, options, flags, after_dashes = _split(ctx)
    name = ctx.selection.written or ctx.name
    verb: Verb | None = None
    verb_word = ""
    at = -1
    for index, word in enumerate(path[: max(1, params.get("depth", 4))]):
        if word.dynamic:
            ctx.add(
                Tier.DESTRUCTIVE,
                f"`{name}` is given a sub-command only known at run time ({word.text}){ctx.where}",
                consequence="Runs a sub-command nobody has reviewed; it may delete as easily as list.",
            )
            return True
        if word.text in params.get("nouns", ()):
            continue
        verb = lexicon.verb(word.text, **extra)
        if verb is not None:
            verb_word, at = word.text, index
            break
    shown = " ".join([name, *(w.text for w in path[: at + 1])])
    # An option without a value may be a verb (`kafka-topics --delete`, `aws s3 sync --delete`).
    option_verbs = [(option, lexicon.verb(option.lstrip("-"), **extra)) for option in flags]
    destroying = next(((o, v) for o, v in option_verbs if v is not None and v.tier == Tier.DESTRUCTIVE), None)
    if verb is None:
        verb = next((v for _, v in option_verbs if v is not None), None)
        if verb is not None:
            shown = f"{name} {next(o for o, v in option_verbs if v is verb)}"
    if verb_word in params.get("runs", ()) and after_dashes:
        ctx.runs(after_dashes, f" via `{shown}`{ctx.where}", same_command=True)
        return True
    if any(option in lexicon.dry_run for option in options):
        ctx.prove([])
        return True  # `--dry-run`: only shows what it would do
    if destroying is not None and (verb is None or verb.tier < Tier.DESTRUCTIVE):
        option, found = destroying
        verb, shown = found, f"{shown} {option}"
    kind = params.get("kind", "other")
    if verb is None:
        ctx.add(Tier.WRITE, f"`{shown}`: hitl knows no verb here, so it cannot say it only reads{ctx.where}")
    elif verb.tier == Tier.DESTRUCTIVE:
        what = "grants privileges" if verb.grant else f"{verb.word}s"
        ctx.add(
            Tier.DESTRUCTIVE,
            f"`{shown}` {what} ({verb.word}){ctx.where}",
            tuple(Target(kind, w.text) for w in path[at + 1 : at + 5]),
            consequence=f"`{shown}` {'changes who may do what' if verb.grant else 'removes or stops something'} "
            "on a service outside this host; nothing hitl captures can bring it back.",
        )
    elif verb.tier == Tier.WRITE:
        ctx.add(Tier.WRITE, f"`{shown}` changes state ({verb.word}){ctx.where}")
    else:
        ctx.add(Tier.READ, f"`{shown}` only reads ({verb.word}){ctx.where}")
        _prove_read(ctx, options, shown)
        return True
    if verb_word in params.get("copies", ()) and len(path) > 1:
        destination = path[-1]
        if not destination.text.startswith(_REMOTE) and "://" not in destination.text:
            ctx.analysis.writes(destination, ctx.command.cwd, ctx.command.cwd_known, f"`{shown}` writes", ctx.where)
    ctx.proved = True
    return True


def _split(ctx: Context) -> tuple[list[Word], list[str], list[str], list[Word]]:
    """The command-path words (operands), the option names, those given without a value, and the words
    after `--`."""
    path: list[Word] = []
    options: list[str] = []
    flags: list[str] = []
    args = ctx.args
    value_options = ctx.selection.rule.value_options
    i = 0
    while i < len(args):
        text = args[i].text
        if text == "--":
            return path, options, flags, args[i + 1 :]
        if text.startswith("-") and len(text) > 1:
            name, eq, _ = text.partition("=")
            options.append(name)
            if not eq and name in value_options:
                i += 1
            elif not eq:
                flags.append(name)
        else:
            path.append(args[i])
        i += 1
    return path, options, flags, []


def _prove_read(ctx: Context, options: list[str], shown: str) -> None:
    """A read verb: every option must be in the rule's grammar or made of reading words."""
    ctx.proved = True
    grammar = ctx.selection.grammar
    lexicon = ctx.policy.verbs
    for option in dict.fromkeys(options):
        if grammar is not None and (
            option in grammar.flags or option in grammar.valued or option in grammar.optional or grammar.every_option
        ):
            continue
        if grammar is not None and (option in grammar.writes or option in grammar.runs):
            ctx.prove([w for w in ctx.args if w.text.split("=", 1)[0] == option] + _value_after(ctx, option))
            continue
        if lexicon.option_reads(option):
            continue
        ctx.add(
            Tier.WRITE,
            f"`{shown} {option}` is an option hitl does not know to only read, so it cannot show the command "
            f"only reads{ctx.where}",
        )


def _value_after(ctx: Context, option: str) -> list[Word]:
    for i, word in enumerate(ctx.args):
        if word.text == option and i + 1 < len(ctx.args):
            return [ctx.args[i + 1]]
    return []
