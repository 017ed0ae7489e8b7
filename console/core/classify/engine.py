"""Rules over the IR: every simple command, substitution, redirect and nested script gives findings; the
tier of the whole is the highest finding. The classifier never runs anything.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from console.core.classify import analyzers
from console.core.classify.analyzers import Context
from console.core.classify.guards import MAX_INPUT_BYTES, suspicious_characters
from console.core.classify.ir import Redirect, Script, SimpleCommand, Word
from console.core.classify.model import CaptureStrategy, Classification, Target
from console.core.classify.parse import parse_script
from console.core.classify.rules import Effect, RuleSet, Selection, default_rules
from console.core.tiers import Tier

# `bash -c "eval 'sh -c ...'"`: past this many nested scripts we stop reading and fail closed.
MAX_SCRIPT_DEPTH = 6

_CONTEXT_WORDS = {
    "substitution": "inside `$(...)`",
    "process substitution": "inside `<(...)`",
    "subshell": "in a subshell",
    "function body": "in a function body",
    "loop": "in a loop",
    "heredoc": "in a heredoc",
}
_EMPTY_PRODUCERS = frozenset({":", "true", "false"})
_log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Finding:
    tier: Tier
    reason: str
    targets: tuple[Target, ...] = ()
    capture: tuple[CaptureStrategy, ...] = ()
    consequence: str | None = None


def classify(command: str, *, rules: RuleSet | None = None, unknown_tier: Tier = Tier.WRITE) -> Classification:
    """Classify one command line into READ / WRITE / DESTRUCTIVE, with reasons, targets and a capture plan.

    Never raises: a command that makes the classifier itself fail is DESTRUCTIVE ("could not read"), the
    same verdict as text it cannot parse.
    """
    if unknown_tier == Tier.READ:
        unknown_tier = Tier.WRITE  # an unknown program is never run without a look
    try:
        analysis = _Analysis(rules or default_rules(), unknown_tier)
        analysis.run(command)
        return analysis.result(command)
    except Exception as error:  # fail closed: any internal error is a verdict, never a traceback
        _log.debug("classifier failed on %r", command, exc_info=True)
        return Classification(
            command=command,
            tier=Tier.DESTRUCTIVE,
            reasons=(f"hitl could not read this command (internal error: {type(error).__name__}: {error})",),
            consequence="hitl could not analyse this command, so nothing is known about what it changes; "
            "there is no rollback.",
        )


def _join(parts: list[str]) -> str:
    return ", ".join(parts[:4]) + (f" and {len(parts) - 4} more" if len(parts) > 4 else "")


class _Analysis:
    def __init__(self, rules: RuleSet, unknown_tier: Tier) -> None:
        self.rules = rules
        self.policy = rules.policy
        self.unknown_tier = unknown_tier
        self.findings: list[Finding] = []

    # Entry and result -----------------------------------------------------------------------------

    def run(self, command: str) -> None:
        if len(command.encode("utf-8", "surrogatepass")) > MAX_INPUT_BYTES:
            self.add(Tier.DESTRUCTIVE, f"the command is larger than {MAX_INPUT_BYTES // 1024} KiB and was not analysed")
            return
        if not command.strip():
            self.add(Tier.READ, "an empty command does nothing")
            return
        for problem in suspicious_characters(command):
            self.add(Tier.WRITE, f"contains {problem}: the shell may not run what is shown")
        self.script(command, 0, "")

    def add(
        self,
        tier: Tier,
        reason: str,
        targets: tuple[Target, ...] = (),
        capture: tuple[CaptureStrategy, ...] = (),
        consequence: str | None = None,
    ) -> None:
        self.findings.append(Finding(tier, reason, targets, capture, consequence))

    def result(self, command: str) -> Classification:
        if not self.findings:
            return Classification(command=command, tier=Tier.READ, reasons=("only reads",))
        tier = max(f.tier for f in self.findings)
        top = [f for f in self.findings if f.tier == tier]
        reasons = tuple(dict.fromkeys(f.reason for f in top if f.reason))
        changing = [f for f in self.findings if f.tier > Tier.READ]
        targets = tuple(dict.fromkeys(t for f in changing for t in f.targets))
        capture = tuple(dict.fromkeys(c for f in changing for c in f.capture))
        if any(t.kind == "path" and ("$" in t.value or "`" in t.value) for t in targets):
            capture = tuple(c for c in capture if c != "files")  # `files` needs every path known
        consequence = None
        if tier == Tier.DESTRUCTIVE:
            first = top[0]
            consequence = first.consequence
            if consequence is None:
                consequence = (first.reason[:1].upper() + first.reason[1:]).rstrip(".") + "."
                if not capture:
                    consequence += " Nothing can be captured first, so there is no rollback."
        return Classification(command, tier, reasons or ("only reads",), targets, consequence, capture)

    # Scripts --------------------------------------------------------------------------------------

    def script(self, text: str, depth: int, where: str) -> None:
        if depth > MAX_SCRIPT_DEPTH:
            self.add(Tier.DESTRUCTIVE, f"scripts nested more than {MAX_SCRIPT_DEPTH} deep{where} were not analysed")
            return
        parsed = parse_script(text)
        if parsed.errors:
            self.add(
                Tier.DESTRUCTIVE,
                f"hitl cannot parse this shell{where} ({parsed.errors[0]}), so it cannot tell what runs",
            )
        if parsed.too_deep:
            self.add(Tier.DESTRUCTIVE, f"the shell{where} is nested too deeply to analyse")
        for name, value in parsed.assignments:
            self.assignment(name, value, None, where)
        for redirect in parsed.loose_redirects:
            self.redirect(redirect, None, where)
        for cmd in parsed.commands:
            self.command(cmd, parsed, depth, where)

    def assignment(self, name: str, value: Word, cmd: SimpleCommand | None, where: str) -> None:
        if self.policy.is_dangerous_env(name):
            runs = f"`{cmd.argv[0].text}`" if cmd is not None and cmd.argv else "later commands"
            self.add(Tier.DESTRUCTIVE, f"`{name}={value.text}` changes what {runs} actually runs{where}")

    def command(self, cmd: SimpleCommand, script: Script, depth: int, where: str) -> None:
        context = _CONTEXT_WORDS.get(cmd.context, "")
        here = f" {context}{where}" if context else where
        for name, value in cmd.assignments:
            self.assignment(name, value, cmd, here)
        for redirect in cmd.redirects:
            self.redirect(redirect, cmd, here)
        if cmd.argv:
            self.argv(cmd.argv, cmd, script, depth, here)

    # Redirects ------------------------------------------------------------------------------------

    def redirect(self, redirect: Redirect, cmd: SimpleCommand | None, where: str) -> None:
        target = redirect.target
        if not redirect.writes or target is None:
            return
        path = target.text
        if path in self.policy.neutral_paths:
            return
        verb = "appends to" if ">>" in redirect.op else "overwrites"
        if target.dynamic:
            self.add(
                Tier.WRITE, f"a redirect {verb} `{path}`, a path only known at run time{where}", (Target("path", path),)
            )
            return
        targets = (Target("path", path),)
        if self.policy.is_critical(path) or path.startswith("/dev/"):
            self.add(Tier.DESTRUCTIVE, f"a redirect {verb} {path}, a critical system file{where}", targets, ("files",))
            return
        if redirect.truncates and cmd is not None:
            operands = {w.text for w in cmd.argv[1:]} | {
                r.target.text for r in cmd.redirects if r.op == "<" and r.target
            }
            if path in operands:
                reader = f"`{cmd.argv[0].text}`" if cmd.argv else "the command"
                self.add(
                    Tier.DESTRUCTIVE,
                    f"`> {path}` empties {path} before {reader} reads it{where}",
                    targets,
                    ("files",),
                )
                return
            if _produces_nothing(cmd):
                self.add(Tier.DESTRUCTIVE, f"`> {path}` empties {path}{where}", targets, ("files",))
                return
        self.add(Tier.WRITE, f"a redirect {verb} {path}{where}", targets, ("files",))

    # Simple commands ------------------------------------------------------------------------------

    def argv(self, argv: list[Word], cmd: SimpleCommand, script: Script, depth: int, where: str) -> None:
        head = argv[0]
        if head.dynamic:
            self.add(
                Tier.DESTRUCTIVE,
                f"the command name `{head.text}` is only known at run time{where}, so hitl cannot tell what runs",
            )
            return
        name = head.text
        if name in script.functions:
            if cmd.function == name:
                self.add(
                    Tier.DESTRUCTIVE,
                    f"the function `{name}` calls itself (a fork bomb or endless recursion){where}",
                    consequence="Calls itself without end; a fork bomb can make the machine unusable.",
                )
            return  # a function defined in the same line: its body was analysed where it was defined
        if not name or not name.isascii() or not name.isprintable():
            self.add(
                self.unknown_tier,
                f"`{name}` is not a program hitl knows (it has non-ASCII or invisible characters){where}",
            )
            return
        base = name.rsplit("/", 1)[-1] if "/" in name else name
        rule = self.rules.lookup(base)
        if rule is None:
            if "/" in name and not name.startswith(("/bin/", "/usr/", "/sbin/")):
                self.add(self.unknown_tier, f"runs `{name}`, a program or script hitl cannot see{where}")
            else:
                self.add(self.unknown_tier, f"`{base}` has no rule, so hitl cannot say it only reads{where}")
            return
        args = argv[1:]
        if len(args) == 1 and args[0].text in ("--help", "--version"):
            return
        for selection in self.rules.resolve(base, args):
            self.selection(selection, cmd, script, depth, where)

    def selection(self, sel: Selection, cmd: SimpleCommand, script: Script, depth: int, where: str) -> None:
        """The rule's effect, and what its analyzer finds. An analyzer that accounts for the command itself
        (a wrapper that found the command it runs) replaces the effect."""
        name = sel.rule.analyzer
        spec = analyzers.get(name) if name is not None else None
        if spec is None:
            self.findings.append(self.effect(sel, sel.effect, where))
            return
        position = len(self.findings)
        if not spec.run(Context(sel, cmd, script, depth, where, self)):
            self.findings.insert(position, self.effect(sel, sel.effect, where))

    def effect(self, sel: Selection, effect: Effect, where: str) -> Finding:
        shown = f"{sel.written or sel.rule.command} {sel.shown}".strip()
        targets = self.targets(sel, effect)
        tier = effect.tier
        texts = [t.value or ("the current user" if t.kind == "crontab" else "") for t in targets]
        does = effect.does
        extra = ""
        if tier > Tier.READ and effect.kind == "path":
            bad = [t for t in texts if self.policy.is_critical(t) or self.policy.is_vital(t)]
            if bad and tier < Tier.DESTRUCTIVE:
                tier = Tier.DESTRUCTIVE
                extra = f" ({_join(bad)}: critical to the system)"
            elif bad:
                extra = f" ({_join(bad)}: critical to the system)"
        named = _join(texts) if texts else ""
        if "{targets}" in does:
            phrase = does.replace("{targets}", named)
        else:
            phrase = f"{does} {named}" if named and effect.targets != "value" else does
        phrase = " ".join(phrase.replace("()", "").split())
        reason = f"`{shown}` {phrase}{extra}{where}"
        if (
            tier == Tier.WRITE
            and sel.rule.params.get("output_only")
            and targets
            and all(t.value in self.policy.neutral_paths for t in targets)
        ):
            tier = Tier.READ  # `tee /dev/null`, `curl -o /dev/null`: the output is thrown away
        capture = effect.capture
        dynamic = any(w.dynamic for w in self.target_words(sel, effect))
        if "files" in capture and (dynamic or not targets):
            capture = tuple(c for c in capture if c != "files")
        consequence = effect.consequence.replace("{targets}", named) if effect.consequence else None
        return Finding(
            tier, reason, targets if tier > Tier.READ else (), capture if tier > Tier.READ else (), consequence
        )

    def target_words(self, sel: Selection, effect: Effect) -> list[Word]:
        how = effect.targets
        operands = sel.parsed.operands
        if how == "operands":
            return list(operands)
        if how == "first":
            return operands[:1]
        if how == "last":
            return operands[-1:]
        if how == "rest":
            return operands[1:]
        if how == "init":
            return operands[:-1]
        if how.startswith("option:"):
            names = set(how[len("option:") :].split(","))
            return [Word(value) for name, value in sel.parsed.options if name in names]
        return []

    def targets(self, sel: Selection, effect: Effect) -> tuple[Target, ...]:
        if effect.targets == "none":
            return ()
        if effect.targets == "value":
            return (Target(effect.kind, effect.target_value),)
        words = self.target_words(sel, effect)
        if not words and effect.targets.startswith("option:") and effect.kind != "path":
            return (Target(effect.kind, effect.target_value),)
        return tuple(Target(effect.kind, w.text) for w in words)


def _produces_nothing(cmd: SimpleCommand) -> bool:
    """`: > f`, `cat /dev/null > f`, `true > f`, `echo -n > f`: the redirect only empties the file."""
    argv = [w.text for w in cmd.argv]
    if not argv:
        return True
    if argv[0] in _EMPTY_PRODUCERS:
        return True
    if argv[0] == "cat" and argv[1:] == ["/dev/null"]:
        return True
    return (
        argv[0] in ("echo", "printf")
        and all(a in ("-n", "") for a in argv[1:])
        and ("-n" in argv or argv[0] == "printf")
    )
