"""Command-line option parsing the way getopt_long does it, so rules see `-rf`, `x -rf` and `--recursive`
the same way the program will.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from console.core.classify.ir import Word


@dataclass(slots=True)
class ParsedArgs:
    """`names` holds every flag and option name present (`-r`, `--force`); `options` the ones with values;
    `tokens` maps a name to the word it was written in (`-r` -> `-rf`), for reasons."""

    names: set[str] = field(default_factory=set)
    options: list[tuple[str, str]] = field(default_factory=list)
    operands: list[Word] = field(default_factory=list)
    tokens: dict[str, str] = field(default_factory=dict)
    # With `stop_at_operand`: the index in the argument list of the first operand (the sub-command).
    first_operand_index: int | None = None
    args: list[Word] = field(default_factory=list)

    @property
    def words(self) -> list[str]:
        """Every argument as written (options, values and operands)."""
        return [word.text for word in self.args]

    def values(self, name: str) -> list[str]:
        return [value for option, value in self.options if option == name]


def parse_args(
    args: list[Word],
    value_options: frozenset[str],
    *,
    stop_at_operand: bool = False,
    words: bool = False,
    stop_after: frozenset[str] = frozenset(),
) -> ParsedArgs:
    """Split `args` into flags, options with values and operands.

    Short groups are split (`-rf` -> `-r -f`); a short option that takes a value takes the rest of its
    group or the next word (`-n5`, `-n 5`); `--opt=value` and `--opt value` both work; GNU permutation
    lets options follow operands unless `stop_at_operand` (POSIX style, and for finding sub-commands).
    With `words`, an option after one dash is a whole word (`find -name`, `openssl x509 -noout`). After an
    option of `stop_after` and its value, every word is an operand (`python -c CODE ARGS`, `python -m MOD`).
    """
    parsed = ParsedArgs(args=args)
    i = 0
    count = len(args)
    while i < count:
        word = args[i]
        text = word.text
        if text == "--" and not word.quoted:
            parsed.operands.extend(args[i + 1 :])
            if stop_at_operand and i + 1 < count:
                parsed.first_operand_index = i + 1
            break
        if len(text) < 2 or text[0] != "-":
            if stop_at_operand:
                parsed.first_operand_index = i
                parsed.operands.extend(args[i:])
                break
            parsed.operands.append(word)
            i += 1
            continue
        if text.startswith("--") or words or (len(text) > 2 and text in value_options):  # zip -TT CMD
            name, eq, value = text.partition("=")
            parsed.names.add(name)
            parsed.tokens.setdefault(name, text)
            if eq:
                parsed.options.append((name, value))
            elif name in value_options and i + 1 < count:
                parsed.options.append((name, args[i + 1].text))
                i += 1
            i += 1
            if name in stop_after:
                parsed.operands.extend(args[i:])
                break
            continue
        # A short group: -abc, or -n5 where -n takes a value.
        for pos in range(1, len(text)):
            name = "-" + text[pos]
            parsed.names.add(name)
            parsed.tokens.setdefault(name, text)
            if name in value_options:
                rest = text[pos + 1 :]
                if rest:
                    parsed.options.append((name, rest))
                elif i + 1 < count:
                    parsed.options.append((name, args[i + 1].text))
                    i += 1
                break
        i += 1
        if stop_after and name in stop_after:
            parsed.operands.extend(args[i:])
            break
    return parsed
