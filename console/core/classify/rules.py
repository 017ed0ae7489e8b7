"""Rules as the engine uses them: what a command (or one case of it) does, and how a command line selects
the rules for its program and sub-commands (`git stash drop`). Loading and checking rule files is `loader.py`.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from console.core.classify.args import ParsedArgs, parse_args
from console.core.classify.grammar import Grammar
from console.core.classify.ir import Word
from console.core.classify.model import CaptureStrategy, TargetKind
from console.core.classify.policy import Policy
from console.core.tiers import Tier


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
    # `does` with no targets to name (`{targets}` and the brackets around it removed), made once.
    plain: str = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "plain", " ".join(self.does.replace("{targets}", "").replace("()", "").split()))


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
    grammar: Grammar | None = None  # proves READ for this case when it differs from the rule's

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
    grammar: Grammar | None = None  # what its arguments may be while it only reads (grammar.py)
    final_options: frozenset[str] = frozenset()  # after one of these and its value, only operands
    shared_options: bool = False  # its options before a sub-command count for the sub-command too
    builtin: bool = True  # shipped with hitl (its READ must be proven by a grammar)
    lower: bool = False  # a user rule allowed to give a lower tier than the shipped rule it replaces
    replaces: Rule | None = None  # the shipped rule a user rule replaces

    @property
    def words(self) -> bool:
        """Options are whole words after one dash (`find -name`)."""
        return self.grammar is not None and self.grammar.words

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
    final: bool = True  # False for the options before a sub-command (`git -C x` of `git -C x log`)

    @property
    def effect(self) -> Effect:
        return self.clause.effect if self.clause is not None else self.rule.default

    @property
    def grammar(self) -> Grammar | None:
        if self.clause is not None and self.clause.grammar is not None:
            return self.clause.grammar
        return self.rule.grammar


@dataclass
class RuleSet:
    rules: dict[str, Rule] = field(default_factory=dict)
    patterns: list[tuple[str, str]] = field(default_factory=list)  # (glob, rule key)
    parents: set[str] = field(default_factory=set)
    policy: Policy = field(default_factory=Policy)
    base: RuleSet | None = None  # the shipped rules, when this set layers user files over them

    def lookup(self, name: str) -> Rule | None:
        rule = self.rules.get(name)
        if rule is not None:
            return rule
        for pattern, key in self.patterns:
            if fnmatch.fnmatchcase(name, pattern):
                return self.rules[key]
        return None

    def resolve(self, name: str, args: list[Word], rule: Rule | None = None) -> list[Selection]:
        """Apply the rule for `name` (or `rule`, when the caller looked it up already) and, through
        sub-commands (`git stash drop`), the most specific ones."""
        rule = rule or self.lookup(name)
        if rule is None:
            return []
        if rule.params.get("old_style") and args and args[0].text.isalpha():
            args = [Word("-" + args[0].text), *args[1:]]  # `tar czf x` is `tar -czf x`
        selections: list[Selection] = []
        key = rule.command
        written = name
        inherited: set[str] = set()  # option names of a parent whose options count for its sub-commands
        while True:
            has_children = key in self.parents
            words = rule.words
            stops = rule.final_options
            parsed = parse_args(
                args, rule.value_options, stop_at_operand=has_children or rule.posix, words=words, stop_after=stops
            )
            index = parsed.first_operand_index
            child = None
            if has_children and index is not None:
                verb = args[index]
                # a quoted word with a space (`git 'stash drop'`) is one argument, never a sub-command path
                if not verb.dynamic and " " not in verb.text:
                    child = self.rules.get(f"{key} {verb.text}")
            if child is None or index is None:
                if has_children and not rule.posix:
                    parsed = parse_args(args, rule.value_options, words=words, stop_after=stops)
                if inherited:  # `systemctl --dry-run reboot` is `systemctl reboot --dry-run`
                    parsed.names |= inherited - parsed.names
                clause, shown = rule.select(parsed)
                selections.append(Selection(rule, clause, shown, args, parsed, written))
                return selections
            global_parsed = parse_args(args[:index], rule.value_options, words=words, stop_after=stops)
            clause, shown = rule.select(global_parsed)
            selections.append(Selection(rule, clause, shown, args[:index], global_parsed, written, final=False))
            if rule.shared_options:
                inherited |= global_parsed.names
            written = f"{written} {args[index].text}"
            rule, key, args = child, child.command, args[index + 1 :]


# Loading -------------------------------------------------------------------------------------------
