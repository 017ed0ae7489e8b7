"""The small typed IR the rules look at: what bash would run, with words already dequoted.

A `Script` is everything found in one piece of shell text: every simple command (wherever it sits —
pipeline, list, substitution, subshell, function body, loop, heredoc), every redirect, every assignment,
and the problems that stop us from reading it (parse errors). Nested scripts (`bash -c '...'`, `eval`,
`ssh host '...'`) are parsed again by the engine, with a depth limit.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from console.core.classify.arith import Values


@dataclass(frozen=True, slots=True)
class Word:
    """One shell word after quote removal. `dynamic` when part of it is only known at run time
    (`$VAR`, `$(...)`, arithmetic); `text` then keeps the expansion as written, for reasons."""

    text: str
    dynamic: bool = False
    quoted: bool = False


@dataclass(frozen=True, slots=True)
class Redirect:
    """`op` as written (`>`, `>>`, `&>`, `<`, `<<`, `<<<`, `>&`...), `fd` the descriptor if given."""

    op: str
    target: Word | None
    fd: str | None = None
    cwd: str = ""  # the directory a relative target is opened in ("" = where the line started)
    cwd_known: bool = True

    @property
    def writes(self) -> bool:
        return self.op in (">", ">>", "&>", "&>>", ">|", "<>") and self.target is not None

    @property
    def truncates(self) -> bool:
        return self.op in (">", "&>", ">|")


@dataclass(slots=True)
class Stdin:
    """Where a command's standard input comes from, when that matters (shells, interpreters, SQL clients).

    `text` is the literal content when we can know it (a quoted heredoc, a here-string, `echo 'ls' |`);
    `None` means it is only known at run time, and `source` says from what (`curl`, `base64 -d`, a file).
    """

    kind: str  # "pipe", "heredoc", "herestring", "file"
    text: str | None
    source: str


@dataclass(slots=True)
class SimpleCommand:
    argv: list[Word]
    assignments: list[tuple[str, Word]] = field(default_factory=list)
    redirects: list[Redirect] = field(default_factory=list)
    stdin: Stdin | None = None
    context: str = ""  # "", "substitution", "subshell", "function body", "loop", "heredoc", ...
    function: str | None = None  # the function whose body this command is in, if any
    cwd: str = ""  # the directory it runs in, as the line sets it ("" = where the line started)
    cwd_known: bool = True  # False when the line changed directory to a place only known at run time

    @property
    def name(self) -> Word | None:
        return self.argv[0] if self.argv else None

    def display(self, limit: int = 60) -> str:
        text = " ".join(w.text for w in self.argv)
        return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(slots=True)
class Script:
    commands: list[SimpleCommand] = field(default_factory=list)
    # Redirects not bound to a simple command we model (`{ ...; } > f`, `(...) > f`).
    loose_redirects: list[Redirect] = field(default_factory=list)
    # Bare assignments and `export X=...`: they change what later commands run.
    assignments: list[tuple[str, Word]] = field(default_factory=list)
    functions: set[str] = field(default_factory=set)
    errors: list[str] = field(default_factory=list)
    too_deep: bool = False
    # Text bash runs although it is not written as a command (a `$(...)` inside a quoted array subscript or
    # in a variable's value that arithmetic evaluates), with the words that end the reason.
    nested: list[tuple[str, str]] = field(default_factory=list)
    # Reasons why the line may run text hitl cannot see at all (arithmetic on a value from outside).
    hidden: list[str] = field(default_factory=list)
    # What the line assigns to variables, for judging names and arithmetic given to builtins as text.
    values: Values = field(default_factory=Values)
