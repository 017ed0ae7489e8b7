"""Reading a line before (or instead of) the parser: lines of plain words need no parser at all, heredoc
bodies the parser would end too early are masked, and fixed text a producer writes into a pipe is known."""

from __future__ import annotations

import re

from console.core.classify.ir import Script, SimpleCommand, Stdin, Word
from console.core.classify.words import ansi_c

# A line of plain commands (`ls -la /tmp`, `grep -rn 'fn main' src | head`, `git status && git diff`): words of
# letters, digits and `./:,@%+=^-`, single-quoted text and double-quoted text without `$`, backquote,
# backslash or `!`, commands joined by ` | `, ` && `, ` || ` or ` ; `, none a shell builtin or keyword and none
# starting with an assignment. Bash runs exactly those words, so the line needs no parser.
_PART = r"""(?:[A-Za-z0-9_./:,@%+=^-]|'[^']*'|"[^"$`\\!]*")"""
_WORD = _PART + "+"
_COMMAND = _WORD + "(?: +" + _WORD + ")*"
_PLAIN_LINE = re.compile(_COMMAND + r"(?: +(?:\||&&|\|\||;) +" + _COMMAND + ")*")
_TOKEN = re.compile(_WORD + r"|\|\||&&|\||;")
_QUOTED_PART = re.compile(r"'([^']*)'|\"([^\"]*)\"")
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
_OPERATORS = frozenset({"|", "||", "&&", ";"})


def plain_command(text: str, cwd: str, cwd_known: bool) -> Script | None:
    """The IR of a line of plain commands, without the parser: the same IR the parser path builds (tests
    check that on every line of the corpora and on generated lines)."""
    if not _PLAIN_LINE.fullmatch(text):
        return None
    commands: list[SimpleCommand] = []
    argv: list[Word] = []
    piped = False
    for part in _TOKEN.findall(text):
        if part in _OPERATORS:
            if not _plain_start(argv):
                return None
            commands.append(_command(argv, cwd, cwd_known, commands[-1] if piped else None))
            piped = part == "|"
            argv = []
        else:
            argv.append(_word(part))
    if not _plain_start(argv):
        return None
    commands.append(_command(argv, cwd, cwd_known, commands[-1] if piped else None))
    return Script(commands=commands)


def _plain_start(argv: list[Word]) -> bool:
    first = argv[0] if argv else None
    return first is not None and not first.quoted and first.text not in _SHELL_WORDS and "=" not in first.text


def _word(token: str) -> Word:
    if "'" not in token and '"' not in token:
        return Word(token)
    return Word(_QUOTED_PART.sub(lambda m: m.group(1) if m.group(1) is not None else m.group(2), token), quoted=True)


def _command(argv: list[Word], cwd: str, cwd_known: bool, producer: SimpleCommand | None) -> SimpleCommand:
    command = SimpleCommand(argv=argv, cwd=cwd, cwd_known=cwd_known)
    if producer is not None:
        command.stdin = Stdin("pipe", literal_output(producer), producer.display(40))
    return command


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
