"""Reading a line before (or instead of) the parser: lines of plain words need no parser at all, heredoc
bodies the parser would end too early are masked, and fixed text a producer writes into a pipe is known."""

from __future__ import annotations

import re

from console.core.classify.ir import Script, SimpleCommand, Word
from console.core.classify.words import ansi_c

# A line of plain words (`ls -la /tmp`, `git log -n 5`): no quoting, expansion, glob, redirect, operator or
# comment, and not a shell builtin or keyword. Bash runs it as exactly those words, so it needs no parser.
_PLAIN_LINE = re.compile(r"[A-Za-z0-9_./:,@%+=^-]+(?: +[A-Za-z0-9_./:,@%+=^-]+)*")
_SHELL_WORDS = frozenset(
    re.split(
        r"\s+",
        """. : [ alias bg bind break builtin caller cd command compgen complete compopt continue declare dirs disown
        echo enable eval exec exit export false fc fg getopts hash help history jobs kill let local logout mapfile
        popd printf pushd pwd read readarray readonly return set shift shopt source suspend test times trap true type
        typeset ulimit umask unalias unset wait if then else elif fi case esac for select while until do done in
        function time coproc""",
    )
)


def plain_command(text: str, cwd: str, cwd_known: bool) -> Script | None:
    """The IR of a line of plain words, without the parser (the same IR the parser path builds; a test
    checks that on every line of the corpora)."""
    if not _PLAIN_LINE.fullmatch(text):
        return None
    words = text.split(" ")
    if words[0] in _SHELL_WORDS or "=" in words[0]:
        return None
    argv = [Word(word) for word in words if word]
    return Script(commands=[SimpleCommand(argv=argv, cwd=cwd, cwd_known=cwd_known)])


_HEREDOC_START = re.compile(r"<<(-?)\s*([\"']?)([A-Za-z_][A-Za-z0-9_]*)\2")


def false_heredoc_ends(text: str) -> str:
    """Bash ends a heredoc only at a line that is exactly its delimiter; the parser also ends it at a line
    that merely starts with it (`EOF;dropdb app`). Such body lines get their first letter masked in the text
    the parser sees (same length, so every position still points into the real text)."""
    lines = text.split("\n")
    pending: list[tuple[str, bool]] = []
    changed = False
    for index, line in enumerate(lines):
        if pending:
            delimiter, tabs = pending[0]
            candidate = line.lstrip("\t") if tabs else line
            if candidate == delimiter:
                pending.pop(0)
            elif candidate.startswith(delimiter) and candidate:
                cut = len(line) - len(candidate)
                lines[index] = line[:cut] + "_" + line[cut + 1 :]
                changed = True
            continue
        pending = [(m.group(3), m.group(1) == "-") for m in _HEREDOC_START.finditer(line)]
    return "\n".join(lines) if changed else text


def literal_output(command: SimpleCommand) -> str | None:
    """What a producer writes to a pipe, when it is fixed text: `echo 'ls'`, `printf 'ls\\n'`, `cat <<< x`."""
    if not command.argv or any(word.dynamic for word in command.argv):
        return None
    name = command.argv[0].text
    args = [word.text for word in command.argv[1:]]
    if name == "echo":
        while args and args[0] in ("-n", "-e", "-E", "-ne", "-en"):
            if "e" in args[0] and any("\\" in arg for arg in args[1:]):
                return None
            args = args[1:]
        return " ".join(args) + "\n"
    if name == "printf" and len(args) == 1 and "%" not in args[0]:
        return ansi_c(args[0])
    if name == "cat" and not args and command.stdin is not None and command.stdin.kind != "pipe":
        return command.stdin.text
    return None
