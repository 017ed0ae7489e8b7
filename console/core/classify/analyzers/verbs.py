"""Multi-level command-line tools judged by their verbs (`lexicon.py`): `aws ec2 terminate-instances`,
`gcloud compute instances list`, `restic forget --prune`, `kafka-topics --delete`, `doppler run -- cmd`.

The first word of the command path that carries a verb decides; an option whose name is a delete-like verb
(`--delete`, `--purge`) makes it DESTRUCTIVE whatever the path says; a dry-run option makes it only show what it
would do. A read verb stays READ only when every option is one the rule's grammar lists or is made of words
that only choose what to read or how to show it. Copy-like verbs write their last local operand.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from console.core.classify.analyzers.context import Context
from console.core.classify.analyzers.registry import analyzer
from console.core.classify.ir import Word
from console.core.classify.lexicon import Verb, words
from console.core.classify.model import Target
from console.core.tiers import Tier

_VERB_LIKE = re.compile(r"[A-Za-z][A-Za-z0-9_-]*$")  # a word that can be a verb: not a path, URL or key=value
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
    confirm_options="strings",
    confirm_verbs="strings",
    script_options="strings",
    kind="str",
)
def verbs(ctx: Context) -> bool:
    """`depth`: how many command-path words to look at (default 4); `runs`: verbs that run the command
    after `--` (`doppler run -- cmd`); `copies`: verbs whose last operand is a local destination; `nouns`:
    words that name a kind of thing for this tool although they are verbs elsewhere (`velero backup get`);
    `confirm_options`: without one of these, a changing verb only shows what it would do (`duplicity
    --force`, `kafka-consumer-groups --reset-offsets --execute`), limited to `confirm_verbs` when given (the
    others act at once: `kafka-consumer-groups --delete`); `script_options`: options whose value is shell code run on
    remote machines (`aws ssm send-command --parameters commands=[...]`, `gcloud compute ssh --command`)."""
    if ctx.selection.clause is not None:
        return False  # a case of the rule decides
    params = ctx.params
    lexicon = ctx.policy.verbs
    extra = {key: params.get(key, ()) for key in ("read", "write", "destructive")}
    line = _split(ctx)
    path, options, flags, valued, after_dashes = line.path, line.options, line.flags, line.valued, line.after
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
        if word.text in params.get("nouns", ()) or not _VERB_LIKE.match(word.text):
            continue  # a noun of this tool, or a path, URL, address or assignment (`/mnt/backup/repo`)
        verb = lexicon.verb(word.text, **extra)
        if verb is not None:
            verb_word, at = word.text, index
            # a reading word that names a kind of thing (`ctr images rm x`): the verb after it decides
            following = path[index + 1].text if verb.tier == Tier.READ and index + 1 < len(path) else ""
            then = lexicon.verb(following, **extra) if _VERB_LIKE.match(following) else None
            if then is not None and then.tier > Tier.READ:
                verb, verb_word, at = then, following, index + 1
            break
    if verb is not None and verb.tier < Tier.DESTRUCTIVE:
        # a product or group named by a verb (`gcloud run services delete`, `az webapp deployment slot delete`):
        # a later command-path word that is itself a delete-like verb decides
        for index in range(at + 1, min(len(path), max(1, params.get("depth", 4)))):
            text = path[index].text
            later = lexicon.verb(text, **extra) if _VERB_LIKE.match(text) else None
            if later is not None and later.tier == Tier.DESTRUCTIVE and words(text)[0] == later.word:
                verb, verb_word, at = later, text, index
                break
    shown = " ".join([name, *(w.text for w in path[: at + 1])])
    # An option without a value may be a verb (`kafka-topics --delete`, `aws s3 sync --delete`).
    option_verbs = [(option, lexicon.verb(option.lstrip("-"), **extra)) for option in flags]
    destroying = next(((o, v) for o, v in option_verbs if v is not None and v.tier == Tier.DESTRUCTIVE), None)
    if verb is None:
        verb = next((v for _, v in option_verbs if v is not None), None)
        if verb is not None:
            shown = f"{name} {next(o for o, v in option_verbs if v is verb)}"
    if verb is None:  # the program's own name may say it (`kafka-delete-records.sh`, `pg_dropcluster`)
        verb = lexicon.verb(ctx.name.rsplit(".", 1)[0], **extra)
    if verb_word in params.get("runs", ()) and after_dashes:
        ctx.runs(after_dashes, f" via `{shown}`{ctx.where}", same_command=True)
        return True
    for option, value in valued:
        if option in params.get("script_options", ()):
            for script in _scripts(value):
                ctx.nested(script, f" on the machines `{shown}` reaches{ctx.where}")
    if any(option in lexicon.dry_run for option in options):
        ctx.add(
            Tier.READ, f"`{shown}` only shows what it would do ({next(o for o in options if o in lexicon.dry_run)})"
        )
        ctx.prove([])
        return True
    if destroying is not None and (verb is None or verb.tier < Tier.DESTRUCTIVE):
        option, found = destroying
        verb, shown = found, f"{shown} {option}"
    confirm = params.get("confirm_options", ())
    confirm_verbs = params.get("confirm_verbs", ())
    if (
        confirm
        and verb is not None
        and verb.tier > Tier.READ
        and (not confirm_verbs or verb.word in confirm_verbs)
        and not any(o in confirm for o in options)
    ):
        ctx.add(Tier.READ, f"`{shown}` only shows what it would do without {' or '.join(confirm)}{ctx.where}")
        ctx.prove([])
        return True
    if verb is not None and verb.tier > Tier.READ:
        verb = _grant(ctx, verb, line, at) or _exposure(ctx, line) or verb
    kind = params.get("kind", "other")
    if verb is None:
        ctx.add(Tier.WRITE, f"`{shown}`: hitl knows no verb here, so it cannot say it only reads{ctx.where}")
    elif verb.tier == Tier.DESTRUCTIVE:
        what = {"grant": "grants privileges", "public": "opens it to everyone"}.get(verb.why)
        ctx.add(
            Tier.DESTRUCTIVE,
            f"`{shown}` {what} ({verb.word}){ctx.where}"
            if what
            else f"`{shown}` removes or stops something ({verb.word}){ctx.where}",
            tuple(Target(kind, w.text) for w in path[at + 1 : at + 5]),
            consequence=f"`{shown}` {_CONSEQUENCE.get(verb.why, 'removes or stops something')} on a service "
            "outside this host; nothing hitl captures can bring it back.",
        )
    elif verb.tier == Tier.WRITE:
        zero = next((o for o, v in valued if v.strip() == "0" and lexicon.is_capacity(o)), None)
        zero = zero or next((w.text for w in path[at + 1 :] if w.text.endswith("=0")), None)
        if zero is not None and verb.word in lexicon.scaling:
            ctx.add(
                Tier.DESTRUCTIVE,
                f"`{shown}` scales to zero ({zero}){ctx.where}",
                consequence="Stops every instance of the service; it is down until scaled up again.",
            )
        else:
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


_CONSEQUENCE = {"grant": "changes who may do what", "public": "makes something reachable by everyone"}


def _grant(ctx: Context, verb: Verb, line: _Line, at: int) -> Verb | None:
    """A write verb (`add`, `attach`, `set`, `create`) on something about privileges, anywhere in the
    command: `az role assignment create --role Owner`, `vault write .../users/eve policies=admin`,
    `rabbitmqctl set_user_tags ops administrator`, `kafka-acls --add --allow-principal`."""
    lexicon = ctx.policy.verbs
    if not verb.grant and not any(w in lexicon.grant_verbs for w in words(verb.word)):
        return None
    path, options, valued = line.path, line.options, line.valued
    context = words(ctx.name) + [w for word in path[: at + 1] for w in words(word.text)]
    context += [w for option in options for w in words(option)]
    context += [w for word in path[at + 1 :] if "=" in word.text for w in words(word.text)]
    context += [
        w for option, value in valued if any(p in lexicon.privileges for p in words(option)) for w in words(value)
    ]
    context += [w for word in path[at + 1 :] for w in words(word.text) if w in lexicon.powerful]
    if verb.grant or any(w in lexicon.privileges or w in lexicon.powerful for w in context):
        return Verb(Tier.DESTRUCTIVE, verb.word, why="grant")
    return None


def _exposure(ctx: Context, line: _Line) -> Verb | None:
    """`--public`, `--visibility public`, `allUsers:objectViewer`, `--cidr 0.0.0.0/0`: opened to everyone."""
    exposure = ctx.policy.verbs.exposure
    texts = [f.lstrip("-") for f in line.flags] + [v for _, v in line.valued] + [w.text for w in line.path]
    for text in texts:
        lowered = text.lower()
        if lowered in exposure or any(part in exposure for part in lowered.replace(":", " ").split()):
            return Verb(Tier.DESTRUCTIVE, text, why="public")
    return None


def _scripts(value: str) -> list[str]:
    """Shell code in an option value: `commands=["a","b"]` (AWS SSM) gives each string; else the value."""
    if value.startswith("commands="):
        return re.findall(r'"((?:\\.|[^"\\])*)"', value) or [value.partition("=")[2]]
    return [value]


@dataclass(slots=True)
class _Line:
    """The command-path words (operands), the option names, those given without a value, the options
    given with one, and the words after `--`."""

    path: list[Word] = field(default_factory=list)
    options: list[str] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    valued: list[tuple[str, str]] = field(default_factory=list)
    after: list[Word] = field(default_factory=list)


def _split(ctx: Context) -> _Line:
    line = _Line()
    path, options, flags, valued = line.path, line.options, line.flags, line.valued
    args = ctx.args
    value_options = ctx.selection.rule.value_options
    i = 0
    while i < len(args):
        text = args[i].text
        if text == "--":
            line.after = args[i + 1 :]
            return line
        if text.startswith("-") and len(text) > 1:
            name, eq, value = text.partition("=")
            options.append(name)
            if eq:
                valued.append((name, value))
            elif (name in value_options and i + 1 < len(args)) or (
                i + 1 < len(args)
                and not args[i + 1].text.startswith("-")
                and name.startswith("--")
                and _looks_valued(name)
            ):
                valued.append((name, args[i + 1].text))
                i += 1
            else:
                flags.append(name)
        else:
            path.append(args[i])
        i += 1
    return line


def _looks_valued(name: str) -> bool:
    """`--role Owner`, `--cidr 0.0.0.0/0`, `--visibility public`: long options whose name says they take a
    value (an id, a name, a count...); a word after them is their value, not a command-path word."""
    return any(
        w
        in (
            "role",
            "cidr",
            "visibility",
            "acl",
            "id",
            "ids",
            "name",
            "count",
            "capacity",
            "size",
            "replicas",
            "region",
            "zone",
            "project",
            "profile",
            "group",
            "file",
            "scope",
            "assignee",
            "principal",
            "permission",
            "permissions",
            "level",
            "type",
            "parameters",
            "command",
            "scripts",
            "policy",
            "arn",
            "bucket",
            "key",
            "user",
            "document",
            "targets",
            "subscription",
            "namespace",
            "instance",
            "image",
            "cluster",
            "output",
            "format",
            "query",
            "template",
            "tag",
            "tags",
            "value",
            "stack",
            "config",
        )
        for w in words(name)
    )


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
        if (
            grammar is not None
            and len(option) > 2
            and option[1] != "-"
            and all(f"-{c}" in grammar.flags for c in option[1:])
        ):
            continue  # `du -sh`: a cluster of flags the grammar lists one by one
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
