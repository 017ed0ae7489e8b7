"""Rules over the IR: every simple command, substitution, redirect and nested script gives findings; the
tier of the whole is the highest finding. The classifier never runs anything.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from console.core.classify import snippets
from console.core.classify.args import parse_args
from console.core.classify.guards import MAX_INPUT_BYTES, suspicious_characters
from console.core.classify.ir import Redirect, Script, SimpleCommand, Word
from console.core.classify.model import CaptureStrategy, Classification, Target, TargetKind
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
_CRON_SETTING = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*\s*=")
_SHELL_LANG = {"psql": "postgres", "mysql": "mysql", "mariadb": "mysql", "sqlite3": "sqlite"}
_DB_CAPTURE: dict[str, CaptureStrategy] = {"postgres": "pg_dump", "mysql": "mysqldump", "sqlite": "sqlite"}


@dataclass(frozen=True, slots=True)
class Finding:
    tier: Tier
    reason: str
    targets: tuple[Target, ...] = ()
    capture: tuple[CaptureStrategy, ...] = ()
    consequence: str | None = None


def classify(command: str, *, rules: RuleSet | None = None, unknown_tier: Tier = Tier.WRITE) -> Classification:
    """Classify one command line into READ / WRITE / DESTRUCTIVE, with reasons, targets and a capture plan."""
    if unknown_tier == Tier.READ:
        unknown_tier = Tier.WRITE  # an unknown program is never run without a look
    analysis = _Analysis(rules or default_rules(), unknown_tier)
    analysis.run(command)
    return analysis.result(command)


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
        analyzer = sel.rule.analyzer
        if analyzer == "wrapper" and sel.clause is None and self.unwrap(sel, cmd, script, depth, where):
            return
        self.effect(sel, sel.effect, where)
        if analyzer is not None and analyzer != "wrapper":
            getattr(self, "an_" + analyzer.replace("-", "_"))(sel, cmd, script, depth, where)

    def effect(self, sel: Selection, effect: Effect, where: str) -> None:
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
        self.findings.append(
            Finding(tier, reason, targets if tier > Tier.READ else (), capture if tier > Tier.READ else (), consequence)
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

    # Analyzers ------------------------------------------------------------------------------------

    def unwrap(self, sel: Selection, cmd: SimpleCommand, script: Script, depth: int, where: str) -> bool:
        """`sudo`, `env`, `timeout 5`, `xargs -0`...: classify the command they run. False when they run none."""
        params = sel.rule.params
        parsed = parse_args(sel.args, sel.rule.value_options, stop_at_operand=True)
        index = parsed.first_operand_index
        rest = sel.args[index:] if index is not None else []
        script_option = params.get("script_option")
        for name, value in parsed.options:
            if _is_option(name, script_option):
                self.script(value, depth + 1, f" inside `{sel.rule.command} {name}`{where}")
                return True
        if params.get("assignments"):
            while rest and "=" in rest[0].text and not rest[0].text.startswith("="):
                key, _, value = rest[0].text.partition("=")
                self.assignment(key, Word(value, rest[0].dynamic), None, where)
                rest = rest[1:]
        ignored = params.get("ignore_operands", [])
        while rest and rest[0].text in ignored:  # `su - root`: the lone `-` means "login shell", not a user
            rest = rest[1:]
        skip = int(params.get("skip_operands", 0))
        if any(name in params.get("no_skip_with", []) for name, _ in parsed.options):
            skip = 0  # `runuser -u app -- cmd`: the user came as an option, so the first operand is the command
        rest = rest[skip:]
        if len(rest) > 1 and _is_option(rest[0].text, script_option):
            # GNU option order: `flock FILE -c CMD`, `su USER -c CMD`
            self.script(rest[1].text, depth + 1, f" inside `{sel.rule.command} {rest[0].text}`{where}")
            return True
        stop_at = params.get("stop_at")
        if isinstance(stop_at, str):
            rest = [w for w in rest[: next((i for i, w in enumerate(rest) if w.text == stop_at), len(rest))]]
        if not rest:
            return False
        inner_where = f" via `{sel.rule.command}`{where}"
        if params.get("joins_script"):
            self.script(" ".join(w.text for w in rest), depth + 1, inner_where)
        else:
            self.argv(rest, cmd, script, depth, inner_where)
        return True

    def an_shell(self, sel: Selection, cmd: SimpleCommand, script: Script, depth: int, where: str) -> None:
        name = sel.rule.command
        codes = sel.parsed.values("-c")
        if codes:
            code = codes[0]
            if any(w.dynamic and w.text == code for w in sel.args):
                self.add(Tier.DESTRUCTIVE, f"`{name} -c` runs code only known at run time{where}")
                return
            self.script(code, depth + 1, f" inside `{name} -c`{where}")
            return
        if sel.parsed.operands and sel.parsed.operands[0].dynamic and "-s" not in sel.parsed.names:
            self.add(
                Tier.DESTRUCTIVE,
                f"`{name}` runs {sel.parsed.operands[0].text}, code only known at run time{where}",
                consequence="Runs code that is produced when the command runs; nobody has reviewed it.",
            )
            return
        if sel.parsed.operands and "-s" not in sel.parsed.names:
            self.add(
                Tier.WRITE,
                f"`{name}` runs the script {sel.parsed.operands[0].text}, which hitl cannot see{where}",
                (Target("path", sel.parsed.operands[0].text),),
            )
            return
        self.stdin_code(cmd, depth, where, name, lambda text, w: self.script(text, depth + 1, w))

    def stdin_code(
        self, cmd: SimpleCommand, depth: int, where: str, name: str, analyse: Callable[[str, str], None]
    ) -> None:
        stdin = cmd.stdin
        if stdin is None:
            self.add(Tier.WRITE, f"`{name}` opens an interactive session where anything can be typed{where}")
        elif stdin.text is not None:
            analyse(stdin.text, f" fed to `{name}` from {stdin.source}{where}")
        else:
            self.add(
                Tier.DESTRUCTIVE,
                f"`{name}` runs what `{stdin.source}` produces, which hitl cannot see{where}",
                consequence=f"Runs code from `{stdin.source}` that nobody has reviewed.",
            )

    def an_eval(self, sel: Selection, cmd: SimpleCommand, script: Script, depth: int, where: str) -> None:
        mode = sel.rule.params.get("code")
        if mode == "first-operand":  # trap 'code' SIGNAL...
            words = sel.parsed.operands[:1]
        elif mode == "after-equals":  # alias name='code'
            words = [Word(w.text.partition("=")[2], w.dynamic) for w in sel.args if "=" in w.text]
        else:
            words = sel.args
        if not words:
            return
        if mode is not None:
            for word in words:
                if word.dynamic:
                    self.add(Tier.DESTRUCTIVE, f"`{sel.rule.command}` stores code only known at run time{where}")
                else:
                    self.script(word.text, depth + 1, f" inside `{sel.rule.command}`{where}")
            return
        if any(w.dynamic for w in sel.args):
            self.add(
                Tier.DESTRUCTIVE,
                f"`{sel.rule.command}` runs code only known at run time{where}",
                consequence="Runs code that is only put together when the command runs; nobody has reviewed it.",
            )
            return
        self.script(" ".join(w.text for w in sel.args), depth + 1, f" inside `{sel.rule.command}`{where}")

    def an_sed(self, sel: Selection, cmd: SimpleCommand, script: Script, depth: int, where: str) -> None:
        scripts = sel.parsed.values("-e") + sel.parsed.values("--expression")
        if not scripts and sel.parsed.operands and not sel.parsed.values("-f"):
            scripts = [sel.parsed.operands[0].text]
        for text in scripts:
            verdict = snippets.sed_script(text)
            if verdict.tier > Tier.READ:
                self.add(verdict.tier, f"{verdict.reason}{where}")

    def an_awk(self, sel: Selection, cmd: SimpleCommand, script: Script, depth: int, where: str) -> None:
        if sel.parsed.values("-f") or sel.parsed.values("--file"):
            return
        if sel.parsed.operands:
            verdict = snippets.awk_program(sel.parsed.operands[0].text)
            if verdict.tier > Tier.READ:
                self.add(verdict.tier, f"{verdict.reason}{where}")

    def an_find(self, sel: Selection, cmd: SimpleCommand, script: Script, depth: int, where: str) -> None:
        args = sel.args
        starts = [w.text for w in args[: next((i for i, w in enumerate(args) if w.text[:1] in "-(!"), len(args))]]
        i = 0
        while i < len(args):
            word = args[i].text
            if word in ("-exec", "-execdir", "-ok", "-okdir"):
                end = next((j for j in range(i + 1, len(args)) if args[j].text in (";", "+")), len(args))
                inner = [w for w in args[i + 1 : end]]
                if inner:
                    self.argv(inner, SimpleCommand(argv=inner), Script(), depth, f" run by `find {word}`{where}")
                i = end + 1
                continue
            if word == "-delete":
                targets = tuple(Target("path", s) for s in starts or ["."])
                self.add(
                    Tier.DESTRUCTIVE,
                    f"`find -delete` deletes every match under {_join(starts or ['.'])}{where}",
                    targets,
                )
            elif word in ("-fprint", "-fprint0", "-fprintf", "-fls") and i + 1 < len(args):
                path = args[i + 1].text
                self.add(Tier.WRITE, f"`find {word}` writes {path}{where}", (Target("path", path),), ("files",))
            i += 1

    def an_exec_option(self, sel: Selection, cmd: SimpleCommand, script: Script, depth: int, where: str) -> None:
        options = set(sel.rule.params.get("rest_options", []))
        for i, word in enumerate(sel.args):
            if word.text in options:
                inner = [w for w in sel.args[i + 1 :] if w.text != ";"]
                if inner:
                    self.argv(
                        inner,
                        SimpleCommand(argv=inner),
                        Script(),
                        depth,
                        f" run by `{sel.rule.command} {word.text}`{where}",
                    )
                return

    def an_inline_code(self, sel: Selection, cmd: SimpleCommand, script: Script, depth: int, where: str) -> None:
        language = str(sel.rule.params.get("language", ""))
        options = sel.rule.params.get("code_options", [])
        codes = [value for name, value in sel.parsed.options if name in options]
        name = sel.rule.command

        def analyse(code: str, place: str) -> None:
            verdict = snippets.inline_code(language, code)
            if verdict.tier > Tier.READ:
                self.add(verdict.tier, f"{verdict.reason}{place}")

        if codes:
            for code in codes:
                analyse(code, where)
            return
        if sel.rule.params.get("module_option") in sel.parsed.names:
            return  # `python -m module`: the rule's cases decide
        if sel.parsed.operands:
            script_name = sel.parsed.operands[0].text
            if script_name != "-":
                self.add(
                    Tier.WRITE,
                    f"`{name}` runs {script_name}, code hitl cannot see{where}",
                    (Target("path", script_name),),
                )
                return
        self.stdin_code(cmd, depth, where, name, analyse)

    def an_sql(self, sel: Selection, cmd: SimpleCommand, script: Script, depth: int, where: str) -> None:
        from console.core.classify.sql import tier_sql

        client = sel.rule.command
        dialect = str(sel.rule.params.get("dialect", "postgres"))
        params = sel.rule.params
        sql_parts = [value for option, value in sel.parsed.options if option in params.get("sql_options", [])]
        all_files = [value for option, value in sel.parsed.options if option in params.get("file_options", [])]
        files = [path for path in all_files if path != "-"]
        operands = [w.text for w in sel.parsed.operands]
        database = next((v for o, v in sel.parsed.options if o in params.get("db_options", [])), "")
        if dialect == "sqlite":
            database = operands[0] if operands else ""
            sql_parts += operands[1:]
        elif not database and operands:
            database = operands[0]
        kind: TargetKind = "sqlite" if dialect == "sqlite" else ("mysql" if dialect == "mysql" else "postgres")
        capture = (_DB_CAPTURE[kind],)
        place = f"`{client}`" + (f" on {database}" if database else "")
        for path in files:
            if path:
                self.add(
                    Tier.DESTRUCTIVE,
                    f"{place} runs the SQL file {path}, which hitl cannot check{where}",
                    (Target(kind, database),),
                    capture,
                    consequence=f"Runs every statement in {path} against {database or 'the database'}.",
                )
        if not sql_parts and not files:
            stdin = cmd.stdin
            if stdin is None:
                if "-l" in sel.parsed.names or "--list" in sel.parsed.names:
                    return
                self.add(
                    Tier.WRITE,
                    f"{place} opens an interactive session where anything can be typed{where}",
                    (Target(kind, database),),
                    capture,
                )
                return
            if stdin.text is None:
                self.add(
                    Tier.DESTRUCTIVE,
                    f"{place} runs SQL from {stdin.source}, which hitl cannot check{where}",
                    (Target(kind, database),),
                    capture,
                    consequence=f"Runs whatever SQL {stdin.source} produces.",
                )
                return
            sql_parts = [stdin.text]
        for text in sql_parts:
            sql, meta = _split_meta(text, dialect)
            for tier, reason in meta:
                self.add(
                    tier,
                    f"{place}: {reason}{where}",
                    (Target(kind, database),) if tier > Tier.READ else (),
                    capture if tier > Tier.READ and "shell" not in reason else (),
                )
            for verdict in tier_sql(sql, dialect):
                if verdict.tier == Tier.READ:
                    continue
                tables = verdict.tables or ("",)
                targets = tuple(
                    Target(kind, database if kind == "sqlite" else ".".join(p for p in (database, t) if p))
                    for t in tables
                )
                self.add(verdict.tier, f"{place}: {verdict.reason}{where}", targets, capture)

    def an_schedule(self, sel: Selection, cmd: SimpleCommand, script: Script, depth: int, where: str) -> None:
        """`at`/`batch` and `crontab -`: the job text they read is code that runs later, so it is classified;
        a crontab replaced by nothing (`crontab /dev/null`, an empty pipe) deletes every job."""
        if sel.clause is not None:
            return  # listing, removing or editing: the rule's case says it all
        name = sel.rule.command
        cron = sel.rule.params.get("format") == "cron"
        operands = [w.text for w in sel.parsed.operands]
        user = next((v for o, v in sel.parsed.options if o == "-u"), "")

        def emptied() -> None:
            self.add(
                Tier.DESTRUCTIVE,
                f"`{name}` replaces the crontab of {user or 'the current user'} with an empty one{where}",
                (Target("crontab", user),),
                ("crontab",),
                "Deletes every scheduled job in the crontab.",
            )

        if cron and operands and operands[0] != "-":
            if operands[0] in self.policy.neutral_paths:
                emptied()
            return  # a file hitl cannot see: the rule's WRITE (crontab captured) stands
        if not cron and sel.parsed.values("-f"):
            return
        stdin = cmd.stdin
        if stdin is None or stdin.text is None:
            return
        jobs = _cron_jobs(stdin.text) if cron else ([stdin.text] if stdin.text.strip() else [])
        if cron and not jobs:
            emptied()
        for job in jobs:
            self.script(job, depth + 1, f" in a job scheduled by `{name}`{where}")

    def an_ssh(self, sel: Selection, cmd: SimpleCommand, script: Script, depth: int, where: str) -> None:
        parsed = parse_args(sel.args, sel.rule.value_options, stop_at_operand=True)
        index = parsed.first_operand_index
        if index is None:
            return
        host = sel.args[index].text
        remote = sel.args[index + 1 :]
        if not remote:
            self.add(Tier.WRITE, f"`ssh {host}` opens an interactive session where anything can be typed{where}")
            return
        if any(w.dynamic for w in remote):
            self.add(Tier.DESTRUCTIVE, f"`ssh {host}` runs a remote command only known at run time{where}")
            return
        self.script(" ".join(w.text for w in remote), depth + 1, f" on {host} via ssh{where}")

    def an_remote_argv(self, sel: Selection, cmd: SimpleCommand, script: Script, depth: int, where: str) -> None:
        """`docker exec CTR cmd...`, `kubectl exec POD -- cmd...`, `docker run IMAGE cmd...`."""
        args = sel.args
        params = sel.rule.params
        if params.get("after_dashes"):
            split = next((i for i, w in enumerate(args) if w.text == "--"), None)
            rest = args[split + 1 :] if split is not None else []
        else:
            parsed = parse_args(args, sel.rule.value_options, stop_at_operand=True)
            index = parsed.first_operand_index
            rest = args[index + int(params.get("skip_operands", 1)) :] if index is not None else []
        if rest:
            self.argv(
                rest, SimpleCommand(argv=rest), Script(), depth, f" inside a container via `{sel.rule.command}`{where}"
            )


def _is_option(name: str, wanted: object) -> bool:
    return name == wanted or (isinstance(wanted, list) and name in wanted)


def _cron_jobs(text: str) -> list[str]:
    """The commands of a crontab: each line's text after its five time fields (or `@reboot`-style word);
    blank lines, comments and `NAME=value` settings are skipped."""
    jobs = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or _CRON_SETTING.match(line):
            continue
        fields = line.split(None, 1 if line.startswith("@") else 5)
        if len(fields) == (2 if line.startswith("@") else 6):
            jobs.append(fields[-1])
    return jobs


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


def _split_meta(text: str, dialect: str) -> tuple[str, list[tuple[Tier, str]]]:
    """Separate client meta-commands (psql `\\x`, sqlite3 `.x`, mysql `system`) from SQL."""
    sql_lines: list[str] = []
    verdicts: list[tuple[Tier, str]] = []
    for line in text.split("\n"):
        stripped = line.strip()
        if dialect == "postgres" and "\\" in stripped:
            head, _, meta = stripped.partition("\\")
            if "'" not in head:
                sql_lines.append(head)
                verdicts.append(_psql_meta(meta))
                continue
        if dialect == "sqlite" and stripped.startswith("."):
            verdicts.append(_sqlite_dot(stripped[1:]))
            continue
        if dialect == "mysql":
            word = stripped.split(" ", 1)[0].lower().rstrip(";")
            if word in ("system", "\\!", "source", "\\.", "tee", "\\t"):
                tier = Tier.WRITE if word in ("tee", "\\t") else Tier.DESTRUCTIVE
                what = {
                    "system": "runs a shell command",
                    "\\!": "runs a shell command",
                    "tee": "writes a file",
                    "\\t": "writes a file",
                }.get(word, "runs an SQL file hitl cannot check")
                verdicts.append((tier, f"the client command `{word}` {what}"))
                continue
        sql_lines.append(line)
    return "\n".join(sql_lines), verdicts


_PSQL_READ = ("d", "l", "dt", "x", "timing", "conninfo", "q", "?", "h", "list", "echo", "pset", "a", "t", "encoding")


def _psql_meta(meta: str) -> tuple[Tier, str]:
    word = meta.split(None, 1)[0] if meta.split() else ""
    if word.startswith("!"):
        return Tier.DESTRUCTIVE, "`\\!` runs a shell command"
    if word in ("i", "ir", "include", "include_relative"):
        return Tier.DESTRUCTIVE, f"`\\{word}` runs an SQL file hitl cannot check"
    if word.startswith(("d", "l")) or word in _PSQL_READ:
        return Tier.READ, ""
    if word in ("copy", "o", "out", "w", "write", "g", "gx", "s"):
        return Tier.WRITE, f"`\\{word}` reads or writes a file"
    return Tier.WRITE, f"`\\{word}` is a psql command hitl cannot show to be read-only"


_SQLITE_READ = frozenset(
    {
        "tables",
        "schema",
        "indexes",
        "indices",
        "headers",
        "mode",
        "width",
        "databases",
        "show",
        "help",
        "timer",
        "dump",
        "fullschema",
        "stats",
        "eqp",
        "explain",
        "changes",
        "echo",
        "nullvalue",
        "separator",
        "quit",
        "exit",
        "print",
        "dbinfo",
        "lint",
        "columns",
        "box",
        "table",
    }
)


def _sqlite_dot(command: str) -> tuple[Tier, str]:
    word = command.split(None, 1)[0] if command.split() else ""
    if word in ("shell", "system"):
        return Tier.DESTRUCTIVE, f"`.{word}` runs a shell command"
    if word in ("read", "restore", "load"):
        return Tier.DESTRUCTIVE, f"`.{word}` loads content hitl cannot check"
    if word in _SQLITE_READ:
        return Tier.READ, ""
    return Tier.WRITE, f"`.{word}` is an sqlite3 command that may write"
