"""Rules are data: TOML files describing each command, its sub-commands, the flags and option values that
change its tier, and examples that must (and must not) select each case.

Shipped rules live in `console/core/classify/rules/*.toml`; the operator's files in
`<config dir>/rules/*.toml` are loaded after them, and a rule for the same command replaces the shipped one.
Every example is checked when the files load: a file whose rules contradict their own examples is refused
with an error naming the file, the rule and the example (see docs/CLASSIFIER.md for the schema).

A little over 400 lines: it is the one place that turns the TOML schema (rules, cases, grammars, analyzer
parameters, policy tables, the verb lexicon) into objects, so every schema error is worded in one style.
"""

from __future__ import annotations

import fnmatch
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Any, cast, get_args

from console.core.classify import analyzers
from console.core.classify.grammar import Grammar, GrammarError, parse_grammar
from console.core.classify.lexicon import LEXICON_KEYS, LOWERING_KEYS, Lexicon
from console.core.classify.model import CaptureStrategy, TargetKind
from console.core.classify.policy import Policy
from console.core.classify.rules import Clause, Effect, Rule, RuleSet
from console.core.config import ConfigError
from console.core.tiers import Tier

BUILTIN_RULES_DIR = Path(__file__).parent / "rules"
TARGET_SELECTORS = ("operands", "first", "last", "rest", "init", "into", "none", "value")
_CAPTURES = frozenset(get_args(CaptureStrategy))
_KINDS = frozenset(get_args(TargetKind))


class RuleError(ConfigError):
    """A rule file that cannot be used: bad schema, or a rule that contradicts its own examples."""


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
    if not isinstance(targets, str) or not (targets in TARGET_SELECTORS or targets.startswith(("option:", "assign:"))):
        raise RuleError(
            source, where, f"targets must be one of {', '.join(TARGET_SELECTORS)}, option:NAME or assign:KEY"
        )
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
    "grammar",
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
_RULE_KEYS = _CLAUSE_KEYS - _CONDITIONS - {"value", "value_not"} | {
    "command",
    "when",
    "value_options",
    "posix",
    "lower",
    "final_options",
    "shared_options",
    "grammar",
    "analyzer",
    "params",
}


def _int(value: Any, where: str, source: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise RuleError(source, where, f"expected a whole number, not {value!r}")


def _grammar(table: Mapping[str, Any], sets: Mapping[str, str], where: str, source: str) -> Grammar | None:
    spec = table.get("grammar")
    if spec is None:
        return None
    if not isinstance(spec, dict):
        raise RuleError(source, where, "`grammar` must be a table ([rule.grammar])")
    try:
        return parse_grammar(spec, sets)
    except GrammarError as error:
        raise RuleError(source, f"{where} grammar", str(error)) from None


def _clause(table: Mapping[str, Any], base: Effect, where: str, source: str, sets: Mapping[str, str]) -> Clause:
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
        grammar=_grammar(table, sets, where, source),
    )


def _rules_from(table: Mapping[str, Any], source: str, sets: Mapping[str, str], *, builtin: bool) -> list[Rule]:
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
    clauses = tuple(_clause(w, default, f"{where} when #{i + 1}", source, sets) for i, w in enumerate(whens))
    grammar = _grammar(table, sets, where, source)
    lower = table.get("lower", False)
    if not isinstance(lower, bool):
        raise RuleError(source, where, "`lower` must be true or false")
    # The parser must know every option that takes a value, or the value would be read as an operand.
    value_options = set(_strings(table.get("value_options"), where, source))
    flag_names: set[str] = set()
    for found in (grammar, *(c.grammar for c in clauses)):
        if found is not None:
            value_options |= found.value_options
            flag_names |= found.flags | found.optional
    for clause in clauses:
        flag_names |= clause.flags | clause.all_flags | clause.no_flags
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
            value_options=frozenset(value_options),
            posix=bool(table.get("posix", False)),
            final_options=frozenset(_strings(table.get("final_options"), where, source)),
            shared_options=bool(table.get("shared_options", False)),
            analyzer=analyzer,
            params=params,
            examples=_strings(table.get("examples"), where, source),
            counter_examples=_strings(table.get("counter_examples"), where, source),
            group=tuple(" ".join(c.split()) for c in commands),
            grammar=grammar,
            builtin=builtin,
            lower=lower,
            flag_names=frozenset(f for f in flag_names - value_options if f.startswith("--")),
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
    untrusted: list[str] = []
    secret: list[str] = []
    command_env: list[str] = []
    prefix_env: list[str] = []
    packages: list[str] = []
    harmless: list[str] = []
    selectors: list[str] = []
    readers: list[str] = []
    for source, table in tables:
        packages += _strings(table.get("packages", {}).get("vital"), "packages.vital", source)
        paths = table.get("paths", {})
        critical += _strings(paths.get("critical"), "paths.critical", source)
        vital += _strings(paths.get("vital"), "paths.vital", source)
        neutral += _strings(paths.get("neutral"), "paths.neutral", source)
        untrusted += _strings(paths.get("untrusted"), "paths.untrusted", source)
        secret += _strings(paths.get("secret"), "paths.secret", source)
        environment = table.get("environment", {})
        env += _strings(environment.get("dangerous"), "environment.dangerous", source)
        command_env += _strings(environment.get("commands"), "environment.commands", source)
        prefix_env += _strings(environment.get("prefix_only"), "environment.prefix_only", source)
        harmless += _strings(environment.get("harmless"), "environment.harmless", source)
        selectors += _strings(environment.get("selectors"), "environment.selectors", source)
        readers += _strings(environment.get("readers"), "environment.readers", source)
    lexicon = Lexicon()
    for source, table in tables:
        verbs = table.get("verbs", {})
        if not isinstance(verbs, dict):
            raise RuleError(source, "verbs", "[verbs] is a table of word lists")
        unknown = set(verbs) - set(LEXICON_KEYS) - {"lower"}
        if unknown:
            raise RuleError(source, "verbs", f"unknown keys {', '.join(sorted(unknown))}")
        lists = {
            key: frozenset(w.lower() for w in _strings(verbs.get(key), f"verbs.{key}", source)) for key in LEXICON_KEYS
        }
        lexicon = lexicon.merged(Lexicon(**lists))
    return Policy(
        tuple(critical),
        tuple(vital),
        frozenset(neutral),
        tuple(env),
        lexicon,
        frozenset(command_env),
        frozenset(prefix_env),
        tuple(untrusted),
        tuple(secret),
        tuple(packages),
        tuple(harmless),
        tuple(selectors),
        frozenset(readers),
    )


@dataclass
class _Files:
    """What a list of rule files holds: rules in order, each file's policy tables, named option sets."""

    rules: list[Rule] = field(default_factory=list)
    policies: list[tuple[str, Mapping[str, Any]]] = field(default_factory=list)
    sets: dict[str, str] = field(default_factory=dict)


def _read_files(files: Iterable[Path], *, builtin: bool, sets: Mapping[str, str] | None = None) -> _Files:
    """Read `files`: first every `[options]` set (so any file may use any set), then the rules. Raises
    RuleError on a bad file."""
    found = _Files(sets=dict(sets or {}))
    tables: list[tuple[str, dict[str, Any]]] = []
    for path in files:
        data = _read_toml(path)
        source = str(path)
        unknown = set(data) - {"rule", "paths", "environment", "options", "verbs", "packages"}
        if unknown:
            raise RuleError(source, "file", f"unknown top-level keys {', '.join(sorted(unknown))}")
        options = data.get("options", {})
        if not isinstance(options, dict) or not all(isinstance(v, str) for v in options.values()):
            raise RuleError(source, "options", "[options] maps a set name to a string of option names")
        found.sets.update(options)
        tables.append((source, data))
    for source, data in tables:
        found.policies.append((source, data))
        entries = data.get("rule", [])
        if not isinstance(entries, list):
            raise RuleError(source, "rule", "rules are written as [[rule]] tables")
        for entry in entries:
            found.rules += _rules_from(entry, source, found.sets, builtin=builtin)
    return found


@cache
def _builtin_files() -> _Files:
    return _read_files(sorted(BUILTIN_RULES_DIR.glob("*.toml")), builtin=True)


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
    checked against the combined set every time it is loaded. A user rule that replaces a shipped one
    keeps a link to it: the engine never lets it give a lower tier unless it says `lower = true`."""
    if not include_builtin:
        files = _read_files(paths, builtin=False)
        ruleset = _assemble(files.rules, files.policies)
        check_examples(ruleset)
        return ruleset
    base = default_rules()
    shipped = _builtin_files()
    user = _read_files(paths, builtin=False, sets=shipped.sets)
    if not user.rules and not user.policies:
        return base
    _check_user_policy(user.policies)
    linked = [replace(rule, replaces=base.lookup(rule.command)) for rule in user.rules]
    ruleset = _assemble([*shipped.rules, *linked], [*shipped.policies, *user.policies])
    ruleset.base = base
    check_examples(ruleset, [rule for rule in linked if ruleset.rules.get(rule.command) is rule])
    return ruleset


_ENV_LOWERING = ("commands", "prefix_only", "harmless", "selectors", "readers")


def _check_user_policy(policies: list[tuple[str, Mapping[str, Any]]]) -> None:
    """A user file may add critical paths and dangerous variables freely; declaring a path neutral (writes
    to it are thrown away) lowers tiers, so it needs `lower = true` in the same `[paths]` table."""
    for source, data in policies:
        paths = data.get("paths", {})
        if isinstance(paths, dict) and paths.get("neutral") and paths.get("lower") is not True:
            raise RuleError(source, "paths.neutral", "a neutral path lowers tiers; add `lower = true` to [paths]")
        environment = data.get("environment", {})
        if isinstance(environment, dict) and any(environment.get(key) for key in _ENV_LOWERING):
            raise RuleError(
                source, "environment", "only `dangerous` may be added by a user file (the rest lowers tiers)"
            )
        verbs = data.get("verbs", {})
        lowering = sorted(LOWERING_KEYS & set(verbs)) if isinstance(verbs, dict) else []
        if lowering and verbs.get("lower") is not True:
            raise RuleError(source, "verbs", f"{', '.join(lowering)} lower tiers; add `lower = true` to [verbs]")


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
                    s.rule is rule and s.clause is clause and (s.final or s.clause is not None)
                    for s in ruleset.resolve(argv[0].text.rsplit("/", 1)[-1], argv[1:])
                )
                if hit != wanted:
                    verb = "does not select" if wanted else "selects"
                    what = "the rule's default" if clause is None else "this case"
                    kind = "example" if wanted else "counter-example"
                    raise RuleError(rule.source, label, f"{kind} {example!r} {verb} {what}")


def _belongs_to_sibling(rule: Rule, words: list[str]) -> bool:
    words = [w for w in words if not w.startswith("-")]  # `systemctl --dry-run stop x`
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
    shipped = _builtin_files()
    ruleset = _assemble(shipped.rules, shipped.policies)
    check_examples(ruleset)
    return ruleset


def user_rule_files(config_dir: Path) -> list[Path]:
    """The operator's rule files: `<config dir>/rules/*.toml`, in name order."""
    return sorted((config_dir / "rules").glob("*.toml"))


def effective_rules(config_dir: Path) -> RuleSet:
    """Shipped rules plus the operator's; the shipped set alone when there are no user files."""
    files = user_rule_files(config_dir)
    return load_rules(files) if files else default_rules()
