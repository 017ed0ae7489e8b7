"""Rules over the IR: every simple command, substitution, redirect and nested script gives findings; the
tier of the whole is the highest finding. The classifier never runs anything.

Longer than most modules on purpose: `_Analysis` is one recursion (script -> command -> selection -> nested
script) whose steps share its findings, policy and working directory; the analyzers (analyzers/), grammars
(grammar.py), rule loading (loader.py) and the verb lexicon (lexicon.py) live outside it.
"""

from __future__ import annotations

import logging
import posixpath
from collections.abc import Iterable
from dataclasses import dataclass, replace

from console.core.classify import analyzers
from console.core.classify.analyzers import Context
from console.core.classify.args import ParsedArgs, parse_args
from console.core.classify.grammar import prove
from console.core.classify.guards import MAX_INPUT_BYTES, ascii_reading, foreign_characters, suspicious_characters
from console.core.classify.ir import Redirect, Script, SimpleCommand, Word
from console.core.classify.loader import default_rules
from console.core.classify.model import CaptureStrategy, Classification, Target, TargetKind, shown
from console.core.classify.parse import parse_script
from console.core.classify.policy import Policy as PathPolicy
from console.core.classify.rules import Effect, RuleSet, Selection
from console.core.classify.unknown import unknown_program
from console.core.classify.workdir import join
from console.core.tiers import Tier

# `bash -c "eval 'sh -c ...'"`: past this many nested scripts we stop reading and fail closed.
MAX_SCRIPT_DEPTH = 6

_CONTEXT_WORDS = {
    "substitution": "inside `$(...)`",
    "process substitution": "inside `<(...)`",
    "output process substitution": "inside `>(...)`",
    "subshell": "in a subshell",
    "function body": "in a function body",
    "loop": "in a loop",
    "heredoc": "in a heredoc",
}
_EMPTY_PRODUCERS = frozenset({":", "true", "false"})
_log = logging.getLogger(__name__)
_TARGET_DIRECTORY = frozenset({"-t", "--target-directory"})

# A working directory: the path as the line sets it ("" = where the line started) and whether it is known.
Place = tuple[str, bool]


@dataclass(frozen=True, slots=True)
class Finding:
    tier: Tier
    reason: str
    targets: tuple[Target, ...] = ()
    capture: tuple[CaptureStrategy, ...] = ()
    consequence: str | None = None


def classify(
    command: str,
    *,
    rules: RuleSet | None = None,
    unknown_tier: Tier = Tier.WRITE,
    critical_paths: Iterable[str] = (),
) -> Classification:
    """Classify one command line into READ / WRITE / DESTRUCTIVE, with reasons, targets and a capture plan.

    `critical_paths`: more paths that no command may write without a typed confirmation, each with
    everything below it (the session passes hitl's own config, rules, hosts, known_hosts and data
    directories; the default locations and `$HITL_HOME` spellings are in the shipped policy already).

    Never raises: a command that makes the classifier itself fail is DESTRUCTIVE ("could not read"), the
    same verdict as text it cannot parse.
    """
    if unknown_tier == Tier.READ:
        unknown_tier = Tier.WRITE  # an unknown program is never run without a look
    try:
        analysis = _Analysis(rules or default_rules(), unknown_tier, tuple(str(p) for p in critical_paths))
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


def critical_reason(path: str, *, rules: RuleSet | None = None, critical_paths: Iterable[str] = ()) -> str | None:
    """Why writing `path` is DESTRUCTIVE whatever writes it ("a critical system file", "a whole system tree"),
    or None: the predicate `classify` applies to paths as written, for callers that know the path as the host
    resolves it (the capture plan checks every target after following symlinks and `..` on the host)."""
    policy = (rules or default_rules()).policy
    extra = tuple(str(p) for p in critical_paths)
    return _critical(policy.with_critical(extra) if extra else policy, path)


def _critical(policy: PathPolicy, path: str) -> str | None:
    if path in policy.neutral_paths:
        return None
    if policy.is_critical(path) or path.startswith("/dev/"):
        return "a critical system file"
    if policy.is_vital(path):
        return "a whole system tree"
    return None


def _join(parts: list[str]) -> str:
    return ", ".join(parts[:4]) + (f" and {len(parts) - 4} more" if len(parts) > 4 else "")


class _Analysis:
    def __init__(self, rules: RuleSet, unknown_tier: Tier, critical_paths: tuple[str, ...] = ()) -> None:
        self.rules = rules
        self.policy = rules.policy.with_critical(critical_paths) if critical_paths else rules.policy
        self.unknown_tier = unknown_tier
        self.findings: list[Finding] = []
        self.lowered: list[str] = []  # user rules that lowered a shipped tier (`lower = true`)
        # Whose `~` the shell being read expands (None: the login user's), and the user (and whether as a login
        # shell) a wrapper like `sudo -u bob` runs the next nested shell as.
        self.user: str | None = None
        self.pending: tuple[str, bool] | None = None
        # Above zero while reading what runs on another machine or file system (`ssh host ...`, `docker exec`,
        # `chroot DIR`): its paths are not this host's, so nothing is captured for it here.
        self.away = 0

    # Entry and result -----------------------------------------------------------------------------

    def run(self, command: str) -> None:
        if len(command) * 4 > MAX_INPUT_BYTES and len(command.encode("utf-8", "surrogatepass")) > MAX_INPUT_BYTES:
            self.add(Tier.DESTRUCTIVE, f"the command is larger than {MAX_INPUT_BYTES // 1024} KiB and was not analysed")
            return
        if not command.strip():
            self.add(Tier.READ, "an empty command does nothing")
            return
        for problem in suspicious_characters(command):
            self.add(Tier.WRITE, f"contains {problem}: the shell may not run what is shown")
        foreign = foreign_characters(command)
        if foreign:
            self.add(Tier.WRITE, f"contains {_join(foreign)} outside quotes: hitl cannot show what it is to the shell")
        self.script(command, 0, "")
        reading = ascii_reading(command)
        if reading is not None:
            # Fail closed on look-alikes: never READ, and as bad as the line it imitates.
            alternative, characters = reading
            self.add(Tier.WRITE, f"contains {_join(characters)}: what runs may not be what is shown")
            mark = len(self.findings)
            self.script(alternative, 0, " (reading the look-alike characters as the ASCII they imitate)")
            self.findings[mark:] = [f for f in self.findings[mark:] if f.tier > Tier.READ]

    def add(
        self,
        tier: Tier,
        reason: str,
        targets: tuple[Target, ...] = (),
        capture: tuple[CaptureStrategy, ...] = (),
        consequence: str | None = None,
    ) -> None:
        self.findings.append(Finding(tier, reason, targets, () if self.away else capture, consequence))

    def result(self, command: str) -> Classification:
        findings = self.findings = [self._raised(f) for f in self.findings]
        if not findings:
            return Classification(command=command, tier=Tier.READ, reasons=("only reads",))
        tier = max([f.tier for f in findings])
        if tier == Tier.READ:
            reasons = tuple(dict.fromkeys([shown(f.reason) for f in findings if f.reason]))
            return Classification(command, tier, reasons or ("only reads",), lowered_by=tuple(self.lowered))
        top = [f for f in findings if f.tier == tier]
        reasons = tuple(dict.fromkeys([shown(f.reason) for f in top if f.reason]))
        changing = [f for f in findings if f.tier > Tier.READ]
        targets = tuple(dict.fromkeys(t for f in changing for t in f.targets))
        capture = tuple(dict.fromkeys(c for f in changing for c in f.capture))
        footprint = tuple(
            dict.fromkeys(
                t
                for f in changing
                if "files" in f.capture or "sqlite" in f.capture
                for t in f.targets
                if t.kind in ("path", "sqlite")
            )
        )
        uncaptured = tuple(dict.fromkeys(shown(f.reason) for f in changing if not f.capture and f.reason))
        if any(t.kind == "path" and ("$" in t.value or "`" in t.value or not t.cwd_known) for t in targets):
            capture = tuple(c for c in capture if c != "files")  # `files` needs every path known
        consequence = None
        if tier == Tier.DESTRUCTIVE:
            first = top[0]
            consequence = first.consequence
            if consequence is None:
                consequence = (first.reason[:1].upper() + first.reason[1:]).rstrip(".") + "."
                if not capture:
                    consequence += " Nothing can be captured first, so there is no rollback."
            consequence = shown(consequence)
        return Classification(
            command,
            tier,
            reasons or ("only reads",),
            targets,
            consequence,
            capture,
            tuple(self.lowered),
            footprint,
            uncaptured,
        )

    def _raised(self, finding: Finding) -> Finding:
        """A change to a critical path is DESTRUCTIVE whichever tool or analyzer makes it (a sqlite client on
        hitl's store, a copy into cron.d): the last word on every finding that names its targets."""
        if finding.tier != Tier.WRITE or not finding.targets:
            return finding
        bad = next(
            (t.value for t in finding.targets if t.kind in ("path", "sqlite") and self.critical(t) is not None), None
        )
        if bad is None:
            return finding
        return replace(finding, tier=Tier.DESTRUCTIVE, reason=f"{finding.reason} ({bad}: critical to the system)")

    # Scripts --------------------------------------------------------------------------------------

    def switch_user(self, switch: tuple[str, bool] | None) -> tuple[str, bool] | None:
        before, self.pending = self.pending, switch
        return before

    def script(self, text: str, depth: int, where: str, cwd: str = "", cwd_known: bool = True) -> None:
        switch, self.pending = self.pending, None
        user = self.user
        if switch is not None:
            self.user = switch[0]
        try:
            self._script(text, depth, where, cwd, cwd_known)
        finally:
            self.user, self.pending = user, switch

    def _script(self, text: str, depth: int, where: str, cwd: str, cwd_known: bool) -> None:
        if depth > MAX_SCRIPT_DEPTH:
            self.add(Tier.DESTRUCTIVE, f"scripts nested more than {MAX_SCRIPT_DEPTH} deep{where} were not analysed")
            return
        parsed = parse_script(text, cwd=cwd, cwd_known=cwd_known)
        for reason in parsed.hidden:
            self.add(
                Tier.DESTRUCTIVE,
                f"{reason}{where}",
                consequence="Runs code hitl cannot see: a value from outside the command line is evaluated by "
                "the shell, so nobody has reviewed what it does.",
            )
        for nested, inside in parsed.nested:
            self.script(nested, depth + 1, f"{inside}{where}", cwd, cwd_known)
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

    def assignment(
        self,
        name: str,
        value: Word,
        cmd: SimpleCommand | None,
        where: str,
        depth: int = 0,
        *,
        exported: bool = False,
    ) -> None:
        """A variable assigned before a command (`VAR=x cmd`), given by `env`/`sudo` (`exported`), exported
        (`export VAR=x`, also `exported`) or set on its own. Known-harmless variables (locale, terminal) change
        nothing; a dangerous one changes what runs; any other one given to a program may make it load code
        or configuration, so it is never READ (see rules/policy.toml, [environment])."""
        policy = self.policy
        if policy.is_harmless_env(name):
            return
        if not policy.is_dangerous_env(name):
            if exported or (cmd is not None and cmd.argv):
                self.unknown_variable(name, value, cmd, where, selects=policy.is_selector_env(name))
            return
        if cmd is not None and cmd.argv and name in policy.prefix_env:
            return  # `IFS=: read -ra dirs`: only how that one command splits words
        runs = f"`{cmd.argv[0].text}`" if cmd is not None and cmd.argv else "later commands"
        if name in policy.command_env and not value.dynamic:
            # `PAGER=cat git log`: the value is a command line; it is as safe as what it runs.
            if value.text.strip() in policy.reader_commands:
                return
            mark = len(self.findings)
            self.script(value.text, depth + 1, f" as `{name}` for {runs}{where}")
            if any(f.tier > Tier.READ for f in self.findings[mark:]):
                self.add(
                    Tier.DESTRUCTIVE, f"`{name}={value.text}` makes {runs} run a command that is not a read{where}"
                )
            else:
                self.add(
                    Tier.WRITE,
                    f"`{name}={value.text}` makes {runs} run `{value.text}` on its output, and hitl knows only "
                    f"pagers that show text there{where}",
                )
            return
        self.add(Tier.DESTRUCTIVE, f"`{name}={value.text}` changes what {runs} actually runs{where}")

    def unknown_variable(
        self, name: str, value: Word, cmd: SimpleCommand | None, where: str, *, selects: bool = False
    ) -> None:
        """A variable hitl does not know as harmless, given to a program: it may name code or configuration
        the program loads (`PHPRC`, `LUA_INIT`, `FOO_CONFIG_FILE`). One naming a file in a place anyone can
        write to is DESTRUCTIVE, like running that file. `selects`: the variable picks the operator's own
        profile or configuration (`KUBECONFIG`), and only an untrusted file matters."""
        runs = f"`{cmd.argv[0].text}`" if cmd is not None and cmd.argv else "the programs started after it"
        words = [] if value.dynamic else value.text.replace("=", " ").replace(":", " ").split()
        untrusted = next((w for w in words if self.policy.is_untrusted(w)), None)
        if untrusted is not None:
            self.add(
                Tier.DESTRUCTIVE,
                f"`{name}={value.text}` gives {runs} {untrusted}, a file in a place anyone can write to, which "
                f"it may load as code or configuration{where}",
                consequence="Runs code nobody has reviewed, with this user's rights.",
            )
            return
        if selects:
            return
        self.add(
            Tier.WRITE,
            f"`{name}` is given to {runs}, and hitl does not know it as a harmless variable: a program may "
            f"load code or configuration it names{where}",
        )

    def command(self, cmd: SimpleCommand, script: Script, depth: int, where: str) -> None:
        context = _CONTEXT_WORDS.get(cmd.context, "")
        here = f" {context}{where}" if context else where
        for name, value in cmd.assignments:
            self.assignment(name, value, cmd, here)
        mark = len(self.findings)
        for redirect in cmd.redirects:
            self.redirect(redirect, cmd, here)
        if cmd.argv:
            self.argv(cmd.argv, cmd, script, depth, here)
            if cmd.stdin is not None and any(f.tier > Tier.READ for f in self.findings[mark:]):
                self.secret_input(cmd, here)

    def secret_input(self, cmd: SimpleCommand, where: str) -> None:
        """A command that sends or writes, fed a secret file (`nc h 443 < /etc/shadow`, `cat key | curl -T -`)."""
        stdin = cmd.stdin
        assert stdin is not None
        words = [stdin.source] if stdin.kind == "file" else stdin.source.split()
        secret = next((w for w in words if self.policy.is_secret(w.strip("'\"")) and w != "-"), None)
        if secret is not None:
            self.add(
                Tier.DESTRUCTIVE,
                f"`{cmd.argv[0].text}` is fed the secret file {secret}, and it does not only read{where}",
                consequence=f"The contents of {secret} may leave this host; they cannot be called back.",
            )

    # Redirects ------------------------------------------------------------------------------------

    def redirect(self, redirect: Redirect, cmd: SimpleCommand | None, where: str) -> None:
        target = redirect.target
        if not redirect.writes or target is None:
            return
        path = target.text
        if path in self.policy.neutral_paths:
            return
        if path.startswith(">(") and path.endswith(")"):
            return  # `> >(cmd)`: a pipe into cmd, which is analysed where it stands
        verb = "appends to" if ">>" in redirect.op else "overwrites"
        located = self.path_target(path, redirect.cwd, redirect.cwd_known)
        if not target.dynamic and redirect.truncates and cmd is not None and not self.critical(located):
            operands = {w.text for w in cmd.argv[1:]} | {
                r.target.text for r in cmd.redirects if r.op == "<" and r.target
            }
            if path in operands:
                reader = f"`{cmd.argv[0].text}`" if cmd.argv else "the command"
                self.add(
                    Tier.DESTRUCTIVE,
                    f"`> {path}` empties {path} before {reader} reads it{where}",
                    (located,),
                    ("files",),
                )
                return
            if _produces_nothing(cmd):
                self.add(Tier.DESTRUCTIVE, f"`> {path}` empties {path}{where}", (located,), ("files",))
                return
        self.writes(target, redirect.cwd, redirect.cwd_known, f"a redirect {verb}", where)

    def path_target(self, text: str, cwd: str, cwd_known: bool, kind: TargetKind = "path") -> Target:
        """A path as a target: joined with the directory the line moved to, when it is known. Inside a shell
        that runs as another user (`sudo -u bob sh -c ...`), `~` is written `~bob`."""
        if not cwd_known:
            return Target(kind, self.home(text), self.home(cwd), False)
        return Target(kind, self.home(join(cwd, text)), self.home(cwd))

    def unknown_sql(self, name: str, text: str, where: str) -> None:
        """SQL given to a program hitl has no rule for (`cqlsh -e 'TRUNCATE t'`), tiered like any SQL."""
        from console.core.classify.analyzers.sql.statements import tier_sql

        for verdict in tier_sql(text, "postgres"):
            self.add(verdict.tier, f"`{name}` is given SQL: {verdict.reason or text[:60]}{where}")

    def home(self, path: str) -> str:
        if self.user is not None and (path == "~" or path.startswith("~/")):
            return f"~{self.user}{path[1:]}"
        return path

    def critical(self, target: Target) -> str | None:
        """Why writing `target` is DESTRUCTIVE whatever writes it (a critical file, a whole system tree, a
        device), or None. A path in an unknown directory is checked as written."""
        return _critical(self.policy, target.value)

    def writes(self, word: Word, cwd: str, cwd_known: bool, how: str, where: str) -> None:
        """Any writer (a redirect, `tee`, `find -fprint`, sed `w`, awk `print >`, an output option): onto a
        critical path it is DESTRUCTIVE whatever the tool; a thrown-away output is nothing."""
        path = word.text
        if path in self.policy.neutral_paths:
            return
        target = self.path_target(path, cwd, cwd_known)
        shown = target.value
        danger = self.critical(target)
        if word.dynamic and danger is None:
            self.add(Tier.WRITE, f"{how} `{path}`, a path only known at run time{where}", (target,))
            return
        if danger is not None:
            self.add(Tier.DESTRUCTIVE, f"{how} {shown}, {danger}{where}", (target,), ("files",))
            return
        self.add(Tier.WRITE, f"{how} {shown}{where}", (target,), ("files",))

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
        if (head.quoted or (cmd.argv and cmd.argv[0] is head)) and any(
            c.isspace() for c in name
        ):  # `"git status"` is one word: a program of that name, not git
            self.add(self.unknown_tier, f"`{name}` (one word with a space in it) is not a program hitl knows{where}")
            return
        base = name.rsplit("/", 1)[-1] if "/" in name else name
        rule = self.rules.lookup(base)
        if rule is None and " -m " in base:  # `python -m pip`: a module with a program of its name is that program
            module = base.rsplit(" ", 1)[-1]
            rule = self.rules.lookup(module)
            base = module if rule is not None else base
        if rule is None:
            if "/" in name and self.policy.is_untrusted(join(cmd.cwd, name)):
                self.add(
                    Tier.DESTRUCTIVE,
                    f"runs `{name}` from a place anyone can write to, code nobody has reviewed{where}",
                    consequence=f"Runs {name}, which nobody has reviewed; it can do anything this user can.",
                )
            elif "/" in name and not name.startswith(("/bin/", "/usr/", "/sbin/")):
                self.add(self.unknown_tier, f"runs `{name}`, a program or script hitl cannot see{where}")
            else:
                self.add(self.unknown_tier, f"`{base}` has no rule, so hitl cannot say it only reads{where}")
            unknown_program(self, argv, cmd=cmd, script=script, depth=depth, where=where)
            return
        args = argv[1:]
        if len(args) == 1 and args[0].text in ("--help", "--version"):
            return
        selections = self.rules.resolve(base, args, rule)
        shipped = self.rules.base
        users = [s.rule for s in selections if not s.rule.builtin]
        if not users or shipped is None or shipped.lookup(base) is None:
            self.apply(selections, cmd, script, depth, where)
            return
        # A user rule touched a command the shipped rules know: it may raise the tier, and lower it only
        # when it says `lower = true`.
        mark = len(self.findings)
        self.apply(selections, cmd, script, depth, where)
        mine = self.findings[mark:]
        del self.findings[mark:]
        own_rules, self.rules = self.rules, shipped
        try:
            self.apply(shipped.resolve(base, args), cmd, script, depth, where)
        finally:
            self.rules = own_rules
        theirs = self.findings[mark:]
        del self.findings[mark:]
        mine_tier = max((f.tier for f in mine), default=Tier.READ)
        theirs_tier = max((f.tier for f in theirs), default=Tier.READ)
        self.findings += mine
        if mine_tier >= theirs_tier:
            return
        rule = users[-1]
        said = f"the user rule '{rule.command}' ({rule.source})"
        shown = cmd.display(40) if cmd.argv and cmd.argv[0] is head else " ".join(w.text for w in argv)[:40]
        if any(r.lower for r in users):
            self.lowered.append(f"{said} lowered `{shown}` from {theirs_tier.name} to {mine_tier.name}")
            return
        self.findings += theirs
        self.add(
            theirs_tier,
            f"{said} would make `{shown}` {mine_tier.name}, lower than hitl's own rule; lowering needs "
            f"`lower = true` in the rule{where}",
        )

    def apply(self, selections: list[Selection], cmd: SimpleCommand, script: Script, depth: int, where: str) -> None:
        """Each part of a command line in turn (`git -C x` then `log ...`): its effect and analyzer, and,
        where it would be READ, the proof that every argument only reads."""
        if not selections:
            return
        reading = selections[-1].effect.tier == Tier.READ
        cwd: Place = (cmd.cwd, cmd.cwd_known)
        for sel in selections:
            cwd = _moved(sel, cwd)
            if not sel.final and sel.clause is None:
                if reading:
                    self.prove(sel, sel.args, where, cwd)  # the options before the sub-command
                continue
            self.selection(sel, cmd, script, depth, where, cwd=cwd)

    def prove(self, sel: Selection, args: list[Word], where: str, cwd: Place, *, strict: bool = True) -> None:
        """Check `args` (some or all of the selection's words) against the rule's argument grammar. Not
        `strict`: only report what writes or runs (for a selection that is not READ anyway)."""
        grammar = sel.grammar
        shown = sel.written or sel.rule.command
        if grammar is None:
            if strict and sel.rule.builtin and args:
                self.add(
                    Tier.WRITE,
                    f"hitl has no argument grammar for `{shown}`, so it cannot show that "
                    f"`{shown} {' '.join(w.text for w in args)[:40]}` only reads{where}",
                )
            return
        parsed = sel.parsed if args is sel.args else self.parse(sel, args)
        proof = prove(grammar, parsed)
        if strict:
            for option in proof.unknown:
                self.add(
                    Tier.WRITE,
                    f"`{shown} {option}` is an option hitl does not know for `{shown}`, so it cannot show the "
                    f"command only reads{where}",
                )
            for option, value in proof.refused:
                self.add(Tier.WRITE, f"`{shown} {option} {value}` is not a use of {option} known to only read{where}")
            if proof.extra_operands:
                self.add(
                    Tier.WRITE,
                    f"`{shown}` is given operands where hitl does not know it only reads "
                    f"({_join(proof.extra_operands)}){where}",
                )
        for option, path in proof.written:
            if path == "-":
                continue  # `--trace-ascii -`, `-o -`: standard output
            word = next((w for w in args if w.text == path or w.text.endswith("=" + path)), Word(path))
            how = f"`{shown}` writes to its {option}" if option.startswith("operand") else f"`{shown} {option}` writes"
            self.writes(Word(path, word.dynamic), *cwd, how, where)
        for option, path in proof.loaded:
            what = f"`{shown} {option}` loads" if option else f"`{shown}` runs or loads"
            if self.policy.is_untrusted(join(cwd[0], path)):
                self.add(
                    Tier.DESTRUCTIVE,
                    f"{what} {path}, from a place anyone can write to: code nobody has reviewed{where}",
                    consequence=f"Runs or trusts {path}, which nobody has reviewed.",
                )
            elif strict:
                self.add(Tier.WRITE, f"{what} {path}, code or configuration hitl cannot see{where}")
        for option, path in proof.trusted:
            if self.policy.is_untrusted(join(cwd[0], path)):
                self.add(
                    Tier.DESTRUCTIVE,
                    f"`{shown} {option}` trusts {path}, from a place anyone can write to: it can name programs to "
                    f"run{where}",
                    consequence=f"Runs whatever {path} tells it to; nobody has reviewed it.",
                )
        for path in proof.started:
            if self.policy.is_untrusted(join(cwd[0], path)):
                self.add(
                    Tier.DESTRUCTIVE,
                    f"`{shown}` may start {path}, from a place anyone can write to: code nobody has reviewed{where}",
                    consequence=f"Runs {path}, which nobody has reviewed.",
                )
        for option, value in proof.run:
            self.add(
                Tier.DESTRUCTIVE,
                f"`{shown} {option}` runs {value or 'a program'}, which hitl cannot check{where}",
                consequence=f"Runs {value or 'a program'} through `{shown} {option}`; nobody has reviewed it.",
            )

    def parse(self, sel: Selection, args: list[Word]) -> ParsedArgs:
        rule = sel.rule
        return parse_args(
            args, rule.value_options, flags=rule.flag_names, words=rule.words, stop_after=rule.final_options
        )

    def selection(
        self, sel: Selection, cmd: SimpleCommand, script: Script, depth: int, where: str, *, cwd: Place
    ) -> None:
        """The rule's effect, and what its analyzer finds. An analyzer that accounts for the command itself
        (a wrapper that found the command it runs) replaces the effect."""
        name = sel.rule.analyzer
        spec = analyzers.get(name) if name is not None else None
        if spec is None:
            finding = self.effect(sel, sel.effect, where, cwd)
            self.findings.append(finding)
            # strict when the finding is READ, also one lowered to READ (`curl -o /dev/null -w FMT`)
            self.prove(sel, sel.args, where, cwd, strict=finding.tier == Tier.READ)
            return
        position = len(self.findings)
        if cwd != (cmd.cwd, cmd.cwd_known):
            cmd = replace(cmd, cwd=cwd[0], cwd_known=cwd[1])
        context = Context(sel, cmd, script, depth, where, self)
        if not spec.run(context):
            finding = self.effect(sel, sel.effect, where, cwd)
            self.findings.insert(position, finding)
            if not context.proved:
                self.prove(sel, sel.args, where, cwd, strict=finding.tier == Tier.READ)

    def effect(self, sel: Selection, effect: Effect, where: str, cwd: Place) -> Finding:
        shown = sel.written or sel.rule.command
        if sel.shown:
            shown = f"{shown} {sel.shown}"
        if effect.targets == "none" and effect.tier == Tier.READ:
            # The common case (a read with nothing to name): no targets, no capture, no consequence.
            return Finding(Tier.READ, f"`{shown}` {effect.plain}{where}")
        words = self.target_words(sel, effect)
        targets = self.targets(sel, effect, words, cwd)
        tier = effect.tier
        texts = [t.value or ("the current user" if t.kind == "crontab" else "") for t in targets]
        does = effect.does
        extra = ""
        if tier > Tier.READ and effect.kind == "path":
            candidates = list(targets)
            if effect.targets == "into" and len(words) == 1 and len(sel.parsed.operands) == 2:
                # `cp x /etc/ssh`: a directory destination receives /etc/ssh/x
                into = join(words[0].text, posixpath.basename(sel.parsed.operands[0].text.rstrip("/")))
                candidates.append(self.path_target(into, *cwd))
            bad = list(dict.fromkeys(t.value for t in candidates if self.critical(t) is not None))
            if bad:
                tier = Tier.DESTRUCTIVE
                extra = f" ({_join(bad)}: critical to the system)"
        if tier == Tier.WRITE and sel.clause is None and sel.rule.analyzer is None and effect.kind != "package":
            # a sub-command the rule has no case for (`helm repo remove x`): a deleting verb still deletes
            verb = next((w.text for w in sel.parsed.operands[:2] if w.text in _DELETING_VERBS), None)
            if verb is not None:
                tier = Tier.DESTRUCTIVE
                extra = f" (`{verb}` removes or stops something)"
        if tier == Tier.WRITE and effect.kind == "package" and _removes_packages(sel.parsed):
            vital = [w.text for w in sel.parsed.operands if self.policy.is_vital_package(w.text)]
            tier = Tier.DESTRUCTIVE  # what depends on a removed package stops working; nothing captures it
            if vital:
                extra = f" ({_join(vital)}: the host needs it to boot or to be reached)"
            else:
                extra = " (removing packages: whatever depends on them stops working, and no capture restores them)"
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
        if "files" in capture and (any(w.dynamic for w in words) or not targets):
            capture = tuple(c for c in capture if c != "files")
        consequence = effect.consequence.replace("{targets}", named) if effect.consequence else None
        if tier == Tier.READ or self.away:
            capture = ()
        return Finding(tier, reason, targets if tier > Tier.READ else (), capture, consequence)

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
        if how == "into":
            directory = next((v for n, v in sel.parsed.options if n in _TARGET_DIRECTORY), None)
            if directory is not None:  # `cp -t DIR a b` writes DIR/a and DIR/b
                return [Word(join(directory, posixpath.basename(w.text.rstrip("/"))), w.dynamic) for w in operands]
            if len(operands) > 2 or (len(operands) == 2 and operands[-1].text.endswith("/")):
                last = operands[-1]
                return [
                    Word(join(last.text, posixpath.basename(w.text.rstrip("/"))), w.dynamic or last.dynamic)
                    for w in operands[:-1]
                ]
            return operands[-1:]
        if how.startswith("option:"):
            names = set(how[len("option:") :].split(","))
            return [Word(value) for name, value in sel.parsed.options if name in names]
        if how.startswith("assign:"):  # `dd of=PATH`: operands written KEY=VALUE
            key = how[len("assign:") :] + "="
            return [Word(w.text[len(key) :], w.dynamic) for w in operands if w.text.startswith(key)]
        return []

    def targets(self, sel: Selection, effect: Effect, words: list[Word], cwd: Place) -> tuple[Target, ...]:
        if effect.targets == "none":
            return ()
        if effect.targets == "value":
            if effect.kind == "path":
                return (self.path_target(effect.target_value, *cwd),)
            return (Target(effect.kind, effect.target_value),)
        if not words and effect.targets.startswith("option:"):
            if effect.kind != "path":
                return (Target(effect.kind, effect.target_value),)
            if effect.target_value:  # `7z x a.7z` without -o extracts into the working directory
                return (self.path_target(effect.target_value, *cwd),)
        if effect.kind in ("path", "sqlite"):
            words = [w for w in words if w.text != "-"]  # `-O -`, `-o -`: standard output, not a file
            return tuple(self.path_target(w.text, *cwd, kind=effect.kind) for w in words)
        return tuple(Target(effect.kind, w.text) for w in words)


# Sub-command words that delete whatever the tool (a subset of the lexicon's destructive verbs: `clean`,
# `reset`, `del` of a queueing discipline and package removal stay the rule's own business).
_DELETING_VERBS = frozenset({"delete", "remove", "uninstall", "purge", "destroy", "terminate", "prune", "wipe", "drop",
  "erase", "revoke", "forget", "unregister", "deregister", "rm", "rmi", "rb"})  # fmt: skip
_REMOVING_VERBS = frozenset(
    {"remove", "erase", "del", "rm", "uninstall", "autoremove", "purge", "autopurge", "undo", "rollback"}
)
_INSTALLING_VERBS = frozenset({"install", "add", "update", "upgrade", "download", "wheel", "sync", "i", "lock"})
_REMOVING_FLAGS = frozenset({"-r", "--remove", "-e", "--erase", "-R", "-P", "--purge"})


def _removes_packages(parsed: ParsedArgs) -> bool:
    """A package manager's command line removes packages (`apt remove`, `dnf erase`, `dpkg -r`, `pacman -R`)."""
    operands = parsed.operands
    if operands and operands[0].text in _REMOVING_VERBS:
        return True
    # `dpkg -r x`, `pacman -R x`; not `pip install -r requirements.txt`, where the flag means something else
    return bool(parsed.names & _REMOVING_FLAGS) and not (operands and operands[0].text in _INSTALLING_VERBS)


def _moved(sel: Selection, cwd: Place) -> Place:
    """The working directory after this part of the command's own directory options (`git -C DIR`,
    `make -C DIR`, `tar -C DIR`): each is relative to the one before."""
    names = sel.rule.params.get("chdir")
    if not names:
        return cwd
    path, known = cwd
    for name, value in sel.parsed.options:
        if name in names:
            if "$" in value or "`" in value:
                return value, False
            path = join(path, value)
    return path, known


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
