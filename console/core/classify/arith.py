"""Text that bash evaluates although it is not a command: arithmetic, array subscripts, prompt strings.

bash evaluates `$((...))`, `((...))`, `let`, `[[ x -eq y ]]`, `declare -i`, substring offsets and every array
subscript as arithmetic, and arithmetic evaluates the *value* of each variable it names as arithmetic again:
a value such as `a[$(cmd)]` runs `cmd`. So a variable whose value hitl cannot see, used in any of those
places, can run code hitl never saw (`[[ $v -eq 1 ]]` with `v` read from a host file). The same holds for a
variable name given as text (`printf -v 'a[$(cmd)]'`, `test -v`, `read`, `declare`, `unset`) and for prompt
expansion (`${v@P}`). These helpers read such text; the parser and the engine decide what it means.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

# Variables bash itself sets to integers; positional parameters and everything else may come from outside.
SAFE_SPECIALS = frozenset(
    {"#", "?", "$", "!", "-", "RANDOM", "SRANDOM", "SECONDS", "LINENO", "BASHPID", "PPID", "UID", "EUID"}
    | {"EPOCHSECONDS", "EPOCHREALTIME"}
)
_BASE_NUMBER = re.compile(r"\b\d+#[0-9A-Za-z@_]+")
_HEX_NUMBER = re.compile(r"\b0[xX][0-9A-Fa-f]+\b")
_REFERENCE = re.compile(r"\$\{?([A-Za-z_][A-Za-z0-9_]*|[0-9#?$!@*-])|(?<![\w$])([A-Za-z_][A-Za-z0-9_]*)")
_INTEGER = re.compile(r"^[+-]?[0-9]+$")


def substitutions(text: str) -> tuple[list[str], str] | None:
    """The command substitutions in `text` (`$(...)`, backticks, `<(...)`, `>(...)`) and the text with each
    replaced by `0`; None when one is not closed (then nobody can tell what runs)."""
    found: list[str] = []
    out: list[str] = []
    i = 0
    n = len(text)
    while i < n:
        char = text[i]
        if char == "`":
            end = text.find("`", i + 1)
            if end < 0:
                return None
            found.append(text[i + 1 : end])
            out.append("0")
            i = end + 1
            continue
        if char in "$<>" and text.startswith("(", i + 1) and not text.startswith("((", i + 1):
            end = _closing(text, i + 2)
            if end < 0:
                return None
            found.append(text[i + 2 : end])
            out.append("0")
            i = end + 1
            continue
        out.append(char)
        i += 1
    return found, "".join(out)


def _closing(text: str, start: int) -> int:
    """Index of the `)` closing a `(` opened just before `start`, skipping quoted text; -1 if none."""
    depth = 1
    i = start
    quote = ""
    while i < len(text):
        char = text[i]
        if quote:
            if char == "\\" and quote == '"':
                i += 2
                continue
            if char == quote:
                quote = ""
        elif char in "'\"":
            quote = char
        elif char == "\\":
            i += 2
            continue
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return -1


def references(text: str) -> list[str]:
    """The variables an arithmetic expression names (`x`, `$x`, `${x}`, `$1`), without numbers written in
    another base (`16#ff`, `0x1f`) and without the ones bash sets itself."""
    text = _HEX_NUMBER.sub("0", _BASE_NUMBER.sub("0", text))
    names: list[str] = []
    for match in _REFERENCE.finditer(text):
        name = match.group(1) or match.group(2)
        if name not in SAFE_SPECIALS and name not in names:
            names.append(name)
    return names


def subscript(word: str) -> str | None:
    """`a[i+1]=x` -> `i+1`: the subscript of a variable name given as text, if it has one."""
    start = word.find("[")
    if start <= 0:
        return None
    end = word.rfind("]")
    return word[start + 1 : end] if end > start else word[start + 1 :]


def is_integer(text: str) -> bool:
    return _INTEGER.match(text.strip()) is not None


_ASSIGNED = re.compile(
    r"([A-Za-z_][A-Za-z0-9_]*)\s*((?:[-+*/%&|^]|<<|>>)?)=(?!=)|([A-Za-z_][A-Za-z0-9_]*)\s*(?:\+\+|--)"
)
_MAX_DEPTH = 4


def assigned_names(text: str, *, plain_only: bool = False) -> list[str]:
    """Variables an arithmetic expression assigns (`i = 0`, `n += 2`, `i++`): their value is an integer
    after it. With `plain_only`, only `name = ...`, where the old value is not read."""
    names = []
    for match in _ASSIGNED.finditer(text):
        if match.group(1) and (not plain_only or not match.group(2)):
            names.append(match.group(1))
        elif match.group(3) and not plain_only:
            names.append(match.group(3))
    return names


@dataclass(slots=True)
class Values:
    """What the line assigns to each variable, in source order: the literal text, or None when the value is
    only known at run time (`x=$(cat f)`, `read x`, `for x in *`)."""

    seen: dict[str, list[tuple[int, str | None]]] = field(default_factory=dict)

    def assign(self, name: str, offset: int, value: str | None) -> None:
        self.seen.setdefault(name, []).append((offset, value))

    def judge(self, name: str, offset: int, kind: str, shown: str, out: Verdicts, *, depth: int = 0) -> None:
        """Record what bash would run when it evaluates variable `name` at `offset` as `kind` ("arith":
        its value is arithmetic; "prompt": `${name@P}`; "indirect": `${!name}`)."""
        if name in SAFE_SPECIALS:
            return
        values = self.seen.get(name, [])
        if depth > _MAX_DEPTH or not any(at < offset for at, _ in values) or any(v is None for _, v in values):
            out.hidden.append(_HIDDEN[kind].format(shown=shown, name=name))
            return
        for value in dict.fromkeys(v for _, v in values if v is not None):
            if kind == "arith" and is_integer(value):
                continue
            text = (subscript(value) or "") if kind == "indirect" else value
            where = f" in the value of `{name}`, which `{shown}` {_RUNS[kind]}"
            self.evaluate(text, offset, shown, out, where=where, prompt=kind == "prompt", depth=depth + 1)

    def evaluate(
        self,
        text: str,
        offset: int,
        shown: str,
        out: Verdicts,
        *,
        where: str,
        prompt: bool = False,
        depth: int = 0,
        parsed: bool = False,
        numeric: Callable[[str], bool] | None = None,
    ) -> None:
        """`text` is evaluated by bash (as arithmetic, or as a prompt string): its substitutions run, and in
        arithmetic every variable it names is evaluated in turn. `parsed`: the text is part of the line the
        parser walked, so its substitutions were already found there."""
        found = substitutions(text)
        if found is None:
            out.hidden.append(f"`{shown}` evaluates text with an unclosed substitution{where}")
            return
        scripts, rest = found
        if not parsed:
            out.nested.extend((script, where) for script in scripts)
        if prompt:
            return
        if any(numeric is None or not numeric(script) for script in scripts):
            out.hidden.append(f"`{shown}` evaluates the output of a command substitution as arithmetic{where}")
        assigned = set(assigned_names(rest, plain_only=True))
        for ref in references(rest):
            if ref not in assigned:
                self.judge(ref, offset, "arith", shown, out, depth=depth)


@dataclass(slots=True)
class Verdicts:
    nested: list[tuple[str, str]] = field(default_factory=list)
    hidden: list[str] = field(default_factory=list)


_RUNS = {"arith": "evaluates as arithmetic", "prompt": "expands as a prompt", "indirect": "looks up"}
_HIDDEN = {
    "arith": "`{shown}` makes bash evaluate the value of `{name}` as arithmetic, and hitl cannot see that value "
    "(a value such as `a[$(cmd)]` runs cmd)",
    "prompt": "`{shown}` runs the command substitutions in the value of `{name}`, which hitl cannot see",
    "indirect": "`{shown}` looks up the variable named by the value of `{name}`, which hitl cannot see "
    "(a name such as `a[$(cmd)]` runs cmd)",
}
