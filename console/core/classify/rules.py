"""Rules are data: TOML files describing each command, its sub-commands, the flags and option values that
change its tier, and examples that must (and must not) select each case.

Shipped rules live in `console/core/classify/rules/*.toml`; the operator's files in
`<config dir>/rules/*.toml` are loaded after them, and a rule for the same command replaces the shipped one.
Every example is checked when the files load: a file whose rules contradict their own examples is refused
with an error naming the file, the rule and the example (see docs/CLASSIFIER.md for the schema).
"""

from __future__ import annotations

import fnmatch
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, cast, get_args

from console.core.classify import analyzers
from console.core.classify.args import ParsedArgs, parse_args
from console.core.classify.ir import Word
from console.core.classify.model import CaptureStrategy, TargetKind
from console.core.config import ConfigError
from console.core.tiers import Tier

BUILTIN_RULES_DIR = Path(__file__).parent / "rules"
TARGET_SELECTORS = ("operands", "first", "last", "rest", "init", "none", "value")
_CAPTURES = frozenset(get_args(CaptureStrategy))
_KINDS = frozenset(get_args(TargetKind))


_REMOTE_PATH = re.compile(r"^(?:[\w.-]+@)?[\w.-]+:(?!//)")


class RuleError(ConfigError):
    """A rule file that cannot be used: bad schema, or a rule that contradicts its own examples."""


@dataclass(frozen=True, slots=True)
class Effect:
    """What a rule (or one of its cases) says about a command."""

    tier: Tier
    does: str
    targets: str = "none"
    kind: TargetKind = "path"
    target_value: str = ""
    capture: tuple[CaptureStrategy, ...] = ()
    consequence: str | None = None


@dataclass(frozen=True, slots=True)
class Clause:
    """One `[[rule.when]]` case: all of its conditions must hold. The first matching case wins."""

    label: str
    effect: Effect
    flags: frozenset[str] = frozenset()
    all_flags: frozenset[str] = frozenset()
    no_flags: frozenset[str] = frozenset()
    option: tuple[str, ...] = ()
    value: re.Pattern[str] | None = None
    value_not: re.Pattern[str] | None = None
    operand: re.Pattern[str] | None = None
    first_operand: re.Pattern[str] | None = None
    arg: re.Pattern[str] | None = None
    min_operands: int | None = None
    max_operands: int | None = None
    examples: tuple[str, ...] = ()
    counter_examples: tuple[str, ...] = ()

    def matches(self, parsed: ParsedArgs) -> str | None:
        """The flag or word that made this case match ("" when it has no flag condition), or None."""
        shown = ""
        if self.flags:
            hit = _find_flag(self.flags, parsed)
            if hit is None:
                return None
            shown = parsed.tokens.get(hit, hit)
        if self.all_flags and any(_find_flag(frozenset({flag}), parsed) is None for flag in self.all_flags):
            return None
        if self.no_flags and _find_flag(self.no_flags, parsed) is not None:
            return None
        if self.option:
            values = [value for name, value in parsed.options if name in self.option]
            if self.value is not None:
                values = [v for v in values if self.value.search(v)]
            if self.value_not is not None:
                values = [v for v in values if not self.value_not.search(v)]
            if not values:
                return None
        if self.operand is not None and not any(self.operand.search(w.text) for w in parsed.operands):
            return None
        if self.first_operand is not None:
            if not (parsed.operands and self.first_operand.search(parsed.operands[0].text)):
                return None
            shown = shown or parsed.operands[0].text
        if self.arg is not None and not any(self.arg.search(word) for word in parsed.words):
            return None
        count = len(parsed.operands)
        if self.min_operands is not None and count < self.min_operands:
            return None
        if self.max_operands is not None and count > self.max_operands:
            return None
        return shown


def _find_flag(wanted: frozenset[str], parsed: ParsedArgs) -> str | None:
    """A present name among `wanted`; long options also match an unambiguous GNU abbreviation
    (`--rec` for `--recursive`), erring on the side of matching."""
    for name in parsed.names:
        if name in wanted:
            return name
        if name.startswith("--") and len(name) >= 4:
            for flag in wanted:
                if flag.startswith(name):
                    return name
    return None


@dataclass(frozen=True, slots=True)
class Rule:
    command: str
    source: str
    default: Effect
    clauses: tuple[Clause, ...] = ()
    value_options: frozenset[str] = frozenset()
    posix: bool = False
    analyzer: str | None = None
    params: Mapping[str, Any] = field(default_factory=dict)
    examples: tuple[str, ...] = ()
    counter_examples: tuple[str, ...] = ()
    group: tuple[str, ...] = ()  # every command of the [[rule]] table this rule came from

    def select(self, parsed: ParsedArgs) -> tuple[Clause | None, str]:
        for clause in self.clauses:
            shown = clause.matches(parsed)
            if shown is not None:
                return clause, shown
        return None, ""


@dataclass(frozen=True, slots=True)
class Selection:
    """One rule applied to part of a command line: `args` are the words after the rule's command words."""

    rule: Rule
    clause: Clause | None
    shown: str
    args: list[Word]
    parsed: ParsedArgs
    written: str = ""  # the command words as written: `mkfs.ext4`, `git stash drop`

    @property
    def effect(self) -> Effect:
        return self.clause.effect if self.clause is not None else self.rule.default


@dataclass(frozen=True)
class Policy:
    """Paths and environment variables that change a tier wherever they appear."""

    critical_paths: tuple[str, ...] = ()
    vital_paths: tuple[str, ...] = ()
    neutral_paths: frozenset[str] = frozenset()
    dangerous_env: tuple[str, ...] = ()
    _critical: re.Pattern[str] = field(init=False, repr=False, compare=False)
    _env: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # One compiled regular expression per pattern list: these run for every path and assignment.
        object.__setattr__(self, "_critical", _globs(self.critical_paths))
        object.__setattr__(self, "_env", _globs(self.dangerous_env))

    def is_critical(self, path: str) -> bool:
        if self._critical.match(path) is not None:
            return True
        # `host:path` (scp, rsync): a relative remote path starts in the remote home; `.ssh/x` locally
        # is usually run from the home directory too.
        remote = _REMOTE_PATH.match(path)
        rest = path[remote.end() :] if remote else path
        if rest and rest[0] not in "/~$":
            rest = "~/" + rest
        return rest != path and self._critical.match(rest) is not None

    def is_vital(self, path: str) -> bool:
        stripped = path.rstrip("/") or "/"
        return stripped in self.vital_paths or path in self.vital_paths

    def is_dangerous_env(self, name: str) -> bool:
        return self._env.match(name) is not None


def _globs(patterns: Iterable[str]) -> re.Pattern[str]:
    """Shell glob patterns as one anchored regular expression (never matches when there are none)."""
    parts = [fnmatch.translate(pattern) for pattern in patterns]
    return re.compile("|".join(f"(?:{part})" for part in parts) if parts else "(?!)")


@dataclass
class RuleSet:
    rules: dict[str, Rule] = field(default_factory=dict)
    patterns: list[tuple[str, str]] = field(default_factory=list)  # (glob, rule key)
    parents: set[str] = field(default_factory=set)
    policy: Policy = field(default_factory=Policy)

    def lookup(self, name: str) -> Rule | None:
        rule = self.rules.get(name)
        if rule is not None:
            return rule
        for pattern, key in self.patterns:
            if fnmatch.fnmatchcase(name, pattern):
                return self.rules[key]
        return None

    def resolve(self, name: str, args: list[Word]) -> list[Selection]:
        """Apply the rule for `name` and, through sub-commands (`git stash drop`), the most specific ones."""
        rule = self.lookup(name)
        if rule is None:
            return []
        if rule.params.get("old_style") and args and args[0].text.isalpha():
            args = [Word("-" + args[0].text), *args[1:]]  # `tar czf x` is `tar -czf x`
        selections: list[Selection] = []
        key = rule.command
        written = name
        while True:
            has_children = key in self.parents
            parsed = parse_args(args, rule.value_options, stop_at_operand=has_children or rule.posix)
            index = parsed.first_operand_index
            child = self.rules.get(f"{key} {args[index].text}") if has_children and index is not None else None
            if child is None or index is None:
                if has_children and not rule.posix:
                    parsed = parse_args(args, rule.value_options)
                clause, shown = rule.select(parsed)
                selections.append(Selection(rule, clause, shown, args, parsed, written))
                return selections
            global_parsed = parse_args(args[:index], rule.value_options)
            clause, shown = rule.select(global_parsed)
            if clause is not None:
                selections.append(Selection(rule, clause, shown, args[:index], global_parsed, written))
            written = f"{written} {args[index].text}"
            rule, key, args = child, child.command, args[index + 1 :]


# Loading -------------------------------------------------------------------------------------------


def _tier(value: Any, where: str, source: str) -> Tier:
    if isinstance(value, str) and value.upper() in Tier.__members__:
        return Tier[value.upper()]
    raise RuleError(source, where, f"tier must be READ, WRITE or DESTRUCTIVE, not {value!r}")


def _strings(value: Any, where: str, source: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise RuleError(source, where, f"expected a string or a list of strings, not {value!r}")


def _regex(value: Any, where: str, source: str) -> re.Pattern[str] | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise RuleError(source, where, f"expected a regular expression string, not {value!r}")
    try:
        return re.compile(value)
    except re.error as error:
        raise RuleError(source, where, f"bad regular expression {value!r}: {error}") from None


def _effect(table: Mapping[str, Any], base: Effect | None, where: str, source: str) -> Effect:
    tier = _tier(table["tier"], where, source) if "tier" in table else (base.tier if base else None)
    if tier is None:
        raise RuleError(source, where, "needs a `tier`")
    does = table.get("does", base.does if base else "")
    if not isinstance(does, str) or not does:
        raise RuleError(source, where, "needs `does`, a short phrase such as 'deletes {targets}'")
    targets = table.get("targets", base.targets if base else "none")
    if not isinstance(targets, str) or not (targets in TARGET_SELECTORS or targets.startswith("option:")):
        raise RuleError(source, where, f"targets must be one of {', '.join(TARGET_SELECTORS)} or option:NAME")
    kind = table.get("kind", base.kind if base else "path")
    if kind not in _KINDS:
        raise RuleError(source, where, f"kind must be one of {', '.join(sorted(_KINDS))}, not {kind!r}")
    capture = _strings(table["capture"], where, source) if "capture" in table else (base.capture if base else ())
    for strategy in capture:
        if strategy not in _CAPTURES:
            raise RuleError(source, where, f"unknown capture strategy {strategy!r}")
    consequence = table.get("consequence", base.consequence if base else None)
    return Effect(
        tier=tier,
        does=does,
        targets=targets,
        kind=cast(TargetKind, kind),
        target_value=str(table.get("target_value", base.target_value if base else "")),
        capture=cast(tuple[CaptureStrategy, ...], capture),
        consequence=consequence if isinstance(consequence, str) else None,
    )


_CLAUSE_KEYS = {
    "flags",
    "all_flags",
    "no_flags",
    "option",
    "value",
    "value_not",
    "operand",
    "first_operand",
    "arg",
    "min_operands",
    "max_operands",
    "examples",
    "counter_examples",
    "tier",
    "does",
    "targets",
    "kind",
    "target_value",
    "capture",
    "consequence",
}
_CONDITIONS = {
    "flags",
    "all_flags",
    "no_flags",
    "option",
    "operand",
    "first_operand",
    "arg",
    "min_operands",
    "max_operands",
}
_RULE_KEYS = _CLAUSE_KEYS - {
    "flags",
    "all_flags",
    "no_flags",
    "option",
    "value",
    "value_not",
    "operand",
    "first_operand",
    "arg",
} | {
    "command",
    "when",
    "value_options",
    "posix",
    "analyzer",
    "params",
}


def _int(value: Any, where: str, source: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise RuleError(source, where, f"expected a whole number, not {value!r}")


def _clause(table: Mapping[str, Any], base: Effect, where: str, source: str) -> Clause:
    unknown = set(table) - _CLAUSE_KEYS
    if unknown:
        raise RuleError(source, where, f"unknown keys {', '.join(sorted(unknown))}")
    if not set(table) & _CONDITIONS:
        raise RuleError(source, where, "a `when` case needs at least one condition")
    return Clause(
        label=where,
        effect=_effect(table, base, where, source),
        flags=frozenset(_strings(table.get("flags"), where, source)),
        all_flags=frozenset(_strings(table.get("all_flags"), where, source)),
        no_flags=frozenset(_strings(table.get("no_flags"), where, source)),
        option=_strings(table.get("option"), where, source),
        value=_regex(table.get("value"), where, source),
        value_not=_regex(table.get("value_not"), where, source),
        operand=_regex(table.get("operand"), where, source),
        first_operand=_regex(table.get("first_operand"), where, source),
        arg=_regex(table.get("arg"), where, source),
        min_operands=_int(table.get("min_operands"), where, source),
        max_operands=_int(table.get("max_operands"), where, source),
        examples=_strings(table.get("examples"), where, source),
        counter_examples=_strings(table.get("counter_examples"), where, source),
    )


def _rules_from(table: Mapping[str, Any], source: str) -> list[Rule]:
    commands = _strings(table.get("command"), "rule", source)
    if not commands:
        raise RuleError(source, "rule", "every [[rule]] needs `command`")
    where = f"rule '{commands[0]}'"
    unknown = set(table) - _RULE_KEYS
    if unknown:
        raise RuleError(source, where, f"unknown keys {', '.join(sorted(unknown))}")
    analyzer = table.get("analyzer")
    if analyzer is not None and (not isinstance(analyzer, str) or analyzers.get(analyzer) is None):
        known = ", ".join(sorted(analyzers.names()))
        raise RuleError(source, where, f"unknown analyzer {analyzer!r}; known: {known}")
    default = _effect(table, None, where, source)
    whens = table.get("when", [])
    if not isinstance(whens, list):
        raise RuleError(source, where, "`when` must be a list of tables ([[rule.when]])")
    clauses = tuple(_clause(w, default, f"{where} when #{i + 1}", source) for i, w in enumerate(whens))
    raw_params = table.get("params", {})
    if not isinstance(raw_params, dict):
        raise RuleError(source, where, "`params` must be a table")
    try:
        params = analyzers.check_params(analyzer or "", raw_params)
    except analyzers.ParamError as error:
        raise RuleError(source, where, str(error)) from None
    return [
        Rule(
            command=" ".join(command.split()),
            source=source,
            default=default,
            clauses=clauses,
            value_options=frozenset(_strings(table.get("value_options"), where, source)),
            posix=bool(table.get("posix", False)),
            analyzer=analyzer,
            params=params,
            examples=_strings(table.get("examples"), where, source),
            counter_examples=_strings(table.get("counter_examples"), where, source),
            group=tuple(" ".join(c.split()) for c in commands),
        )
        for command in commands
    ]


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except OSError as error:
        raise RuleError(str(path), "file", f"cannot read: {error.strerror}") from None
    except tomllib.TOMLDecodeError as error:
        raise RuleError(str(path), "file", f"not valid TOML: {error}") from None


def _policy_from(tables: list[tuple[str, Mapping[str, Any]]]) -> Policy:
    critical: list[str] = []
    vital: list[str] = []
    neutral: list[str] = []
    env: list[str] = []
    for source, table in tables:
        paths = table.get("paths", {})
        critical += _strings(paths.get("critical"), "paths.critical", source)
        vital += _strings(paths.get("vital"), "paths.vital", source)
        neutral += _strings(paths.get("neutral"), "paths.neutral", source)
        env += _strings(table.get("environment", {}).get("dangerous"), "environment.dangerous", source)
    return Policy(tuple(critical), tuple(vital), frozenset(neutral), tuple(env))


def _read_files(files: Iterable[Path]) -> tuple[list[Rule], list[tuple[str, Mapping[str, Any]]]]:
    """The rules of `files` in order, and each file's policy tables. Raises RuleError on a bad file."""
    rules: list[Rule] = []
    policies: list[tuple[str, Mapping[str, Any]]] = []
    for path in files:
        data = _read_toml(path)
        source = str(path)
        unknown = set(data) - {"rule", "paths", "environment"}
        if unknown:
            raise RuleError(source, "file", f"unknown top-level keys {', '.join(sorted(unknown))}")
        policies.append((source, data))
        entries = data.get("rule", [])
        if not isinstance(entries, list):
            raise RuleError(source, "rule", "rules are written as [[rule]] tables")
        for entry in entries:
            rules += _rules_from(entry, source)
    return rules, policies


@cache
def _builtin_files() -> tuple[tuple[Rule, ...], tuple[tuple[str, Mapping[str, Any]], ...]]:
    rules, policies = _read_files(sorted(BUILTIN_RULES_DIR.glob("*.toml")))
    return tuple(rules), tuple(policies)


def _assemble(rules: Iterable[Rule], policies: list[tuple[str, Mapping[str, Any]]]) -> RuleSet:
    ruleset = RuleSet()
    for rule in rules:
        ruleset.rules[rule.command] = rule
    ruleset.policy = _policy_from(policies)
    for key in ruleset.rules:
        words = key.split(" ")
        for n in range(1, len(words)):
            ruleset.parents.add(" ".join(words[:n]))
        if any(c in key for c in "*?["):
            ruleset.patterns.append((key, key))
    return ruleset


def load_rules(paths: Iterable[Path] = (), *, include_builtin: bool = True) -> RuleSet:
    """The shipped rules (unless `include_builtin` is false) then each file of `paths`, later files
    replacing earlier rules for the same command. Raises RuleError on a bad file or a contradicted example.

    The shipped files are read and their examples checked once per process; a user file's examples are
    checked against the combined set every time it is loaded."""
    user_rules, user_policies = _read_files(paths)
    if not include_builtin:
        ruleset = _assemble(user_rules, user_policies)
        check_examples(ruleset)
        return ruleset
    base = default_rules()
    builtin_rules, builtin_policies = _builtin_files()
    if not user_rules and not user_policies:
        return base
    ruleset = _assemble([*builtin_rules, *user_rules], [*builtin_policies, *user_policies])
    check_examples(ruleset, [rule for rule in user_rules if ruleset.rules.get(rule.command) is rule])
    return ruleset


def check_examples(ruleset: RuleSet, rules: Iterable[Rule] | None = None) -> None:
    """Refuse rules that contradict their examples: each example must select its case, and no
    counter-example may. `rules` limits the check to those rules (default: every rule of the set)."""
    from console.core.classify.parse import parse_script

    for rule in ruleset.rules.values() if rules is None else rules:
        cases: list[tuple[str, Clause | None, tuple[str, ...], tuple[str, ...]]] = [
            (f"rule '{rule.command}'", None, rule.examples, rule.counter_examples)
        ]
        cases += [(c.label, c, c.examples, c.counter_examples) for c in rule.clauses]
        for label, clause, examples, counters in cases:
            for example, wanted in [(e, True) for e in examples] + [(c, False) for c in counters]:
                script = parse_script(example)
                argv = script.commands[0].argv if script.commands else []
                if _belongs_to_sibling(rule, [w.text for w in argv]):
                    continue  # an example written for another command of the same [[rule]] table
                hit = bool(argv) and any(
                    s.rule is rule and s.clause is clause
                    for s in ruleset.resolve(argv[0].text.rsplit("/", 1)[-1], argv[1:])
                )
                if hit != wanted:
                    verb = "does not select" if wanted else "selects"
                    what = "the rule's default" if clause is None else "this case"
                    kind = "example" if wanted else "counter-example"
                    raise RuleError(rule.source, label, f"{kind} {example!r} {verb} {what}")


def _belongs_to_sibling(rule: Rule, words: list[str]) -> bool:
    for sibling in rule.group:
        if sibling == rule.command:
            continue
        parts = sibling.split(" ")
        if len(words) >= len(parts) and all(fnmatch.fnmatchcase(w, p) for w, p in zip(words, parts, strict=False)):
            return True
    return False


@cache
def default_rules() -> RuleSet:
    """The shipped rules, loaded and checked once per process."""
    rules, policies = _builtin_files()
    ruleset = _assemble(rules, list(policies))
    check_examples(ruleset)
    return ruleset


def user_rule_files(config_dir: Path) -> list[Path]:
    """The operator's rule files: `<config dir>/rules/*.toml`, in name order."""
    return sorted((config_dir / "rules").glob("*.toml"))


def effective_rules(config_dir: Path) -> RuleSet:
    """Shipped rules plus the operator's; the shipped set alone when there are no user files."""
    files = user_rule_files(config_dir)
    return load_rules(files) if files else default_rules()
