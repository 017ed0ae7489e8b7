"""Argument grammars: what a program accepts while it only reads, so READ is proven, not assumed.

A shipped rule may say READ only together with a grammar for the arguments it was given: every option must
be one the grammar lists as read-only (with a value where it takes one, matching the grammar's pattern when it
has one), and every operand must sit in a position the grammar calls harmless. An option the grammar does not
list, an output-file option, an operand in an output position or a program given to run takes the command
out of READ. Grammars are data, written in the rule files:

    [rule.grammar]
    options = "-a --all -w= --width= --color=?"   # NAME: a flag; NAME=: takes a value; NAME=?: value only as NAME=V
    writes = "-o= --output="                       # the value is a file the program writes
    runs = "--pre="                                # the value is a program or code the program runs
    loads = "-F= -r="                              # the value is a file of code or configuration it trusts
    values = { "-X" = "(?i)^(GET|HEAD)$" }         # read-only only with a value matching the pattern
    operands = "any any? out?"                     # positions: any (read, pattern, name), out (written),
                                                   # code (a file it runs or loads), exe (a program it
                                                   # may start, harmless unless from an untrusted place);
                                                   # ? optional, ... repeats; "" = no operands
    words = false                                  # true: `-name` is one option, not -n -a -m -e (find, openssl)
    include = ["git-diff"]                         # option sets from a file's [options] table

`options = "*"` accepts every option (for programs whose options can only change what is printed: `echo`,
`test`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from console.core.classify.args import ParsedArgs

OPERAND_KINDS = ("any", "out", "code", "exe")
_KEYS = frozenset({"options", "writes", "runs", "loads", "values", "operands", "words", "include", "lower"})


class GrammarError(ValueError):
    """A grammar table that cannot be used; the message says what is wrong."""


@dataclass(frozen=True, slots=True)
class Grammar:
    flags: frozenset[str] = frozenset()
    valued: frozenset[str] = frozenset()  # read-only options that take a value
    optional: frozenset[str] = frozenset()  # read-only options with an optional attached value
    every_option: bool = False
    writes: frozenset[str] = frozenset()
    runs: frozenset[str] = frozenset()
    loads: frozenset[str] = frozenset()
    patterns: Mapping[str, re.Pattern[str]] = field(default_factory=dict)
    positions: tuple[str, ...] = ("any",)  # a missing operand is the program's business, never a write
    repeats: bool = True  # the last position repeats
    words: bool = False

    @property
    def value_options(self) -> frozenset[str]:
        """Options that take the next word as their value (for the argument parser)."""
        return self.valued | self.writes | self.runs | self.loads


@dataclass(slots=True)
class Proof:
    """What a grammar found in one command's arguments. Empty lists: the arguments only read."""

    unknown: list[str] = field(default_factory=list)  # options (as written) the grammar does not list
    refused: list[tuple[str, str]] = field(default_factory=list)  # (option, value) outside its pattern
    written: list[tuple[str, str]] = field(default_factory=list)  # (option or "operand N", path)
    run: list[tuple[str, str]] = field(default_factory=list)  # (option, program or code)
    loaded: list[tuple[str, str]] = field(default_factory=list)  # (option or "operand", file of code)
    started: list[str] = field(default_factory=list)  # programs it may start (`ldd` runs a binary's loader)
    extra_operands: list[str] = field(default_factory=list)  # operands past the last position

    @property
    def proven(self) -> bool:
        return not (self.unknown or self.refused or self.written or self.run or self.loaded or self.extra_operands)


def prove(grammar: Grammar, parsed: ParsedArgs) -> Proof:
    proof = Proof()
    valued = dict(parsed.options)
    for name in parsed.names:
        shown = parsed.tokens.get(name, name)
        if name in grammar.writes:
            proof.written += [(shown, value) for option, value in parsed.options if option == name]
        elif name in grammar.runs:
            proof.run += [(shown, value) for option, value in parsed.options if option == name] or [(shown, "")]
        elif name in grammar.loads:
            proof.loaded += [(shown, value) for option, value in parsed.options if option == name]
        elif name in grammar.valued or name in grammar.optional:
            pattern = grammar.patterns.get(name)
            if pattern is not None:
                proof.refused += [
                    (shown, value) for option, value in parsed.options if option == name and not pattern.search(value)
                ]
        elif name in grammar.flags:
            if name in valued:
                proof.unknown.append(shown)  # `--all=x`: a flag given a value is not a use we know
        elif not grammar.every_option:
            proof.unknown.append(shown)
    positions = grammar.positions
    for index, word in enumerate(parsed.operands):
        if index < len(positions):
            kind = positions[index]
        elif grammar.repeats and positions:
            kind = positions[-1]
        else:
            proof.extra_operands.append(word.text)
            continue
        if kind == "out":
            proof.written.append(("output operand", word.text))
        elif kind == "code":
            proof.loaded.append(("", word.text))
        elif kind == "exe":
            proof.started.append(word.text)
    return proof


def _names(spec: Any, key: str) -> list[str]:
    if spec is None:
        return []
    if not isinstance(spec, str):
        raise GrammarError(f"`{key}` must be a string of option names separated by spaces")
    return spec.split()


def parse_grammar(table: Mapping[str, Any], sets: Mapping[str, str]) -> Grammar:
    """A grammar from its TOML table; `sets` are the named option strings it may `include`."""
    unknown = set(table) - _KEYS
    if unknown:
        raise GrammarError(f"unknown grammar keys {', '.join(sorted(unknown))}")
    tokens = _names(table.get("options"), "options")
    includes = table.get("include", [])
    if isinstance(includes, str):
        includes = [includes]
    if not isinstance(includes, list):
        raise GrammarError("`include` must be a list of option set names")
    for name in includes:
        if name not in sets:
            raise GrammarError(f"unknown option set {name!r} in `include`")
        tokens += sets[name].split()
    flags: set[str] = set()
    valued: set[str] = set()
    optional: set[str] = set()
    every = False
    for spec in tokens:
        if spec == "*":
            every = True
        elif spec.endswith("=?"):
            optional.add(_option(spec[:-2]))
        elif spec.endswith("="):
            valued.add(_option(spec[:-1]))
        else:
            flags.add(_option(spec))
    writes = {_option(t.rstrip("=")) for t in _names(table.get("writes"), "writes")}
    runs = {_option(t.rstrip("=")) for t in _names(table.get("runs"), "runs")}
    loads = {_option(t.rstrip("=")) for t in _names(table.get("loads"), "loads")}
    patterns_table = table.get("values", {})
    if not isinstance(patterns_table, dict):
        raise GrammarError("`values` must be a table of option = pattern")
    patterns: dict[str, re.Pattern[str]] = {}
    for name, pattern in patterns_table.items():
        if name not in valued and name not in optional:
            raise GrammarError(f"`values` names {name!r}, which is not a read-only option taking a value")
        try:
            patterns[name] = re.compile(str(pattern))
        except re.error as error:
            raise GrammarError(f"bad pattern for {name!r}: {error}") from None
    positions, repeats = _operands(table.get("operands", "any..."))
    words = table.get("words", False)
    if not isinstance(words, bool):
        raise GrammarError("`words` must be true or false")
    return Grammar(
        frozenset(flags),
        frozenset(valued),
        frozenset(optional),
        every,
        frozenset(writes),
        frozenset(runs),
        frozenset(loads),
        patterns,
        positions,
        repeats,
        words,
    )


def _option(token: str) -> str:
    if not token.startswith(("-", "+")) or len(token) < 2:
        raise GrammarError(f"{token!r} is not an option name (options start with - or +)")
    return token


def _operands(spec: Any) -> tuple[tuple[str, ...], bool]:
    """`any? out?` -> (("any", "out"), False); `any...` -> (("any",), True). A `?` is documentation: a
    missing operand never makes a write."""
    if not isinstance(spec, str):
        raise GrammarError("`operands` must be a string such as 'any...' or 'any? out?'")
    positions: list[str] = []
    repeats = False
    parts = spec.split()
    for index, part in enumerate(parts):
        kind = part.rstrip("?.")
        if kind not in OPERAND_KINDS:
            raise GrammarError(f"operand kind {kind!r} is not one of {', '.join(OPERAND_KINDS)}")
        if part.endswith("..."):
            if index != len(parts) - 1:
                raise GrammarError("only the last operand position may repeat (`...`)")
            repeats = True
        positions.append(kind)
    return tuple(positions), repeats
