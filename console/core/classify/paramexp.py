"""The parts of a parameter expansion `${...}` that decide whether bash evaluates text in it.

`${v:OFF:LEN}`, `${arr[*]:OFF:LEN}`, `${@:OFF:LEN}` and `${1:OFF}` evaluate OFF and LEN as arithmetic, an
indexed subscript `${a[IDX]}` is arithmetic, `${!x}` looks a variable up by name and `${x@P}` expands a prompt
string. Each of those runs the command substitutions of a value hitl cannot see, so the parser must find them
whatever the parameter is: a name, a positional parameter (`${1}`, `${10}`) or a special one (`${@}`, `${*}`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*|[0-9]+|[@*#?$!-]")
_DEFAULTS = ("-", "=", "+", "?")  # `${v:-x}`, `${v:=x}`, `${v:+x}`, `${v:?x}` are not slices


@dataclass(frozen=True, slots=True)
class ParamExpansion:
    prefix: str  # "", "!" (indirect, or keys/names) or "#" (length)
    name: str  # `v`, `1`, `@`, ...
    index: str | None  # the subscript text of `${a[IDX]...}`, None without one
    rest: str  # the operator and its words, `:1:2`, `@P`, `/a/b`, ...

    @property
    def slice(self) -> str | None:
        """`OFF:LEN` of a substring or slice expansion (both arithmetic), None when there is none."""
        if self.prefix or not self.rest.startswith(":") or self.rest[1:2] in _DEFAULTS:
            return None
        return self.rest[1:]

    @property
    def prompt(self) -> bool:
        return self.rest.endswith("@P")

    @property
    def indirect(self) -> bool:
        """`${!x}` reads the variable named by x's value; `${!a[@]}` and `${!pre*}` only list names."""
        return self.prefix == "!" and self.index not in ("@", "*") and self.rest not in ("@", "*")


def split_expansion(inner: str) -> ParamExpansion | None:
    """`inner` is the text between `${` and its `}`; None when it does not start with a parameter."""
    prefix = ""
    if inner[:1] in ("!", "#") and len(inner) > 1 and _NAME.match(inner, 1) and inner[1] != "}":
        prefix, inner = inner[0], inner[1:]
    match = _NAME.match(inner)
    if match is None:
        return None
    name = match.group()
    rest = inner[match.end() :]
    index = None
    if rest.startswith("[") and (name[0].isalpha() or name[0] == "_"):
        end = _closing_bracket(rest)
        if end < 0:
            index, rest = rest[1:], ""
        else:
            index, rest = rest[1:end], rest[end + 1 :]
    return ParamExpansion(prefix, name, index, rest)


def _closing_bracket(text: str) -> int:
    """Index of the `]` closing the `[` at text[0], skipping nested brackets and quotes; -1 if none."""
    depth = 0
    quote = ""
    i = 0
    while i < len(text):
        char = text[i]
        if quote:
            if char == quote:
                quote = ""
        elif char == "\\":
            i += 1
        elif char in "'\"":
            quote = char
        elif char == "[":
            depth += 1
        elif char == "]":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return -1
