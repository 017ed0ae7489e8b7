"""Small programs written inline for another language: sed scripts, awk programs, and `-c`/`-e` code for
Python, Perl, Ruby, Node, PHP and mongosh.

These checks read the code, not run it. A sed or awk script is parsed far enough to find the commands that
execute or write (`e`, `s///e`, `w`, `system()`, `print > file`, `| getline`). General-purpose code is
READ only when it uses none of the ways that language has to touch files, processes or the network;
otherwise it is WRITE, and DESTRUCTIVE when it deletes or runs other programs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from console.core.tiers import Tier


@dataclass(frozen=True, slots=True)
class CodeVerdict:
    """`tier`/`reason` for what cannot be read further; `writes` are literal file names the code writes and
    `runs` literal shell commands it runs, for the caller to judge like any other write or command."""

    tier: Tier
    reason: str
    writes: tuple[str, ...] = ()
    runs: tuple[str, ...] = ()
    feeds: tuple[str, ...] = ()  # literal commands that read the program's output as their input


# sed ------------------------------------------------------------------------------------------------

_SED_ADDRESS = re.compile(
    r"\s*(?:(?:\d+|\$|/(?:\\.|[^/])*/)[IM]*(?:~\d+)?\s*(?:,\s*(?:\d+|\$|/(?:\\.|[^/])*/|[+~]\d+)[IM]*)?\s*!?\s*)?"
)


def sed_script(script: str) -> CodeVerdict:
    """Tier of a sed script: `e` executes, `w`/`W` and the `w` flag write files, the rest only prints. A
    literal `w FILE` and `e COMMAND` are returned for the caller to judge."""
    i = 0
    text = script
    tier, reason = Tier.READ, ""
    writes: list[str] = []
    runs: list[str] = []
    while i < len(text):
        match = _SED_ADDRESS.match(text, i)
        i = match.end() if match else i
        if i >= len(text):
            break
        command = text[i]
        if command in ";\n{} \t":
            i += 1
            continue
        if command == "e":
            end = _line_end(text, i)
            argument = text[i + 1 : end].strip()
            if not argument:
                return CodeVerdict(Tier.DESTRUCTIVE, "the sed `e` command runs the pattern space as a shell command")
            runs.append(argument)
            i = end
            continue
        if command in "wW":
            end = _line_end(text, i)
            writes.append(text[i + 1 : end].strip())
            i = end
            continue
        if command in "rRaic:btTqQlL=":
            i = _line_end(text, i) if command in "rRaic:btT" else i + 1
            continue
        if command in "sy":
            end, flags = _substitution(text, i)
            if end < 0:
                return CodeVerdict(Tier.WRITE, "a sed script hitl cannot read")
            if command == "s" and "e" in flags:
                return CodeVerdict(Tier.DESTRUCTIVE, "the sed `s///e` flag runs the result as a shell command")
            if command == "s" and "w" in flags:
                line_end = _line_end(text, end)
                writes.append((flags.partition("w")[2] + text[end:line_end]).strip())
                i = line_end
                continue
            i = end
            continue
        if command in "pPdDnNgGhHxzF":
            i += 1
            continue
        return CodeVerdict(Tier.WRITE, f"a sed script with a command hitl does not know (`{command}`)")
    return CodeVerdict(tier, reason, tuple(writes), tuple(runs))


def _line_end(text: str, i: int) -> int:
    end = text.find("\n", i)
    return len(text) if end < 0 else end + 1


def _substitution(text: str, i: int) -> tuple[int, str]:
    """Skip `s/a/b/flags` (any delimiter); return the index after the flags and the flags."""
    if i + 1 >= len(text):
        return -1, ""
    delimiter = text[i + 1]
    pos = i + 2
    for _ in range(2):
        while pos < len(text) and text[pos] != delimiter:
            pos += 2 if text[pos] == "\\" else 1
        if pos >= len(text):
            return -1, ""
        pos += 1
    start = pos
    while pos < len(text) and text[pos] not in ";\n}":
        pos += 1
    return pos, text[start:pos]


# awk ------------------------------------------------------------------------------------------------

_AWK_STRINGS = re.compile(r'"(?:\\.|[^"\\])*"')
_AWK_SYSTEM = re.compile(r"\bsystem\s*\(")
_AWK_PIPE = re.compile(r"(?<!\|)\|(?!\|)")
_AWK_REDIRECT = re.compile(r"\bprintf?\b[^;}\n]*>")
_AWK_INCLUDE = re.compile(r"@(include|load|namespace)\b")
_AWK_INDIRECT = re.compile(r"@[A-Za-z_][A-Za-z0-9_]*\s*\(")
# The same constructs with a literal string: a command or a file name hitl can judge.
_AWK_LITERAL_SYSTEM = re.compile(r'\bsystem\s*\(\s*("(?:\\.|[^"\\])*")\s*\)')
_AWK_LITERAL_GETLINE = re.compile(r'("(?:\\.|[^"\\])*")\s*\|\s*getline\b')
_AWK_LITERAL_PIPE_TO = re.compile(r'\bprintf?\b[^;}\n|>]*\|\s*("(?:\\.|[^"\\])*")')
_AWK_LITERAL_OUTPUT = re.compile(r'\bprintf?\b[^;}\n|>]*>>?\s*("(?:\\.|[^"\\])*")')


def _awk_string(literal: str) -> str:
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), literal[1:-1])


def awk_program(program: str) -> CodeVerdict:
    """Tier of an awk program. Commands and output files written as string literals (`system("date")`,
    `"uptime" | getline`, `print > "out.txt"`) are returned for the caller to judge; built at run time they
    are DESTRUCTIVE (a command) or WRITE (a file)."""
    runs = [_awk_string(m.group(1)) for p in (_AWK_LITERAL_SYSTEM, _AWK_LITERAL_GETLINE) for m in p.finditer(program)]
    feeds = [_awk_string(m.group(1)) for m in _AWK_LITERAL_PIPE_TO.finditer(program)]
    writes = [_awk_string(m.group(1)) for m in _AWK_LITERAL_OUTPUT.finditer(program)]
    rest = program
    for pattern in (_AWK_LITERAL_SYSTEM, _AWK_LITERAL_GETLINE, _AWK_LITERAL_PIPE_TO, _AWK_LITERAL_OUTPUT):
        rest = pattern.sub(" ", rest)
    code = _AWK_STRINGS.sub('""', rest)
    if _AWK_INDIRECT.search(code):
        return CodeVerdict(Tier.DESTRUCTIVE, "a gawk indirect call (`@name(...)`) can call any function, `system` too")
    if _AWK_INCLUDE.search(code):
        return CodeVerdict(Tier.WRITE, "gawk `@include`/`@load` runs code from a file hitl cannot see")
    if _AWK_SYSTEM.search(code):
        return CodeVerdict(Tier.DESTRUCTIVE, "awk `system()` runs a shell command built at run time")
    if _AWK_PIPE.search(code):
        return CodeVerdict(
            Tier.DESTRUCTIVE, "an awk pipe (`| getline` or `print | cmd`) runs a command built at run time"
        )
    if _AWK_REDIRECT.search(code):
        return CodeVerdict(
            Tier.WRITE, "awk `print > file` writes a file named at run time", tuple(writes), tuple(runs), tuple(feeds)
        )
    return CodeVerdict(Tier.READ, "", tuple(writes), tuple(runs), tuple(feeds))


# General-purpose languages ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Language:
    name: str
    destructive: re.Pattern[str]
    writes: re.Pattern[str]


_LANGUAGES = {
    "python": Language(
        "Python",
        re.compile(
            r"rmtree|\bos\.(remove|unlink|rmdir|removedirs|system|popen|exec\w*|spawn\w*|kill|truncate)\b"
            r"|\bsubprocess\b|\bunlink\s*\(|\.rmdir\s*\(|\bpty\b|\bctypes\b|\bexec\s*\(|\beval\s*\("
            r"|__import__|\bgetattr\b|\bcompile\s*\(|\bsocket\b|\bpickle\b|\bmarshal\b"
            # `from os import system as s`: the dangerous name is imported bare (or under another name)
            r"|\bfrom\s+(?:os|shutil|posix|nt)\s+import\s+[^;\n]*(?:\*|\b(?:system|popen|exec\w*|spawn\w*|remove"
            r"|removedirs|unlink|rmdir|rmtree|kill\w*|truncate|fork\w*)\b)"
        ),
        re.compile(
            r"\bopen\s*\(|\bos\.\w+|\bshutil\b|\bpathlib\b|\.write\w*\s*\(|\bsqlite3\b|\burllib\b|\brequests\b"
            r"|\bhttp\b|\bimportlib\b|\bsys\.modules\b|\bbuiltins\b|\bglobals\s*\(|\bsetattr\b"
            r"|\bimport\s+(?!json\b|sys\b|math\b|re\b|datetime\b|time\b|collections\b|itertools\b|base64\b"
            r"|hashlib\b|platform\b|string\b|textwrap\b|pprint\b|statistics\b|decimal\b|uuid\b|random\b)"
        ),
    ),
    "perl": Language(
        "Perl",
        re.compile(r"\bunlink\b|\brmtree\b|\bremove_tree\b|\bsystem\b|\bexec\b|`|\bqx\b|\bkill\b|\brmdir\b|\beval\b"),
        re.compile(
            r"\bopen\b|\brename\b|\bmkdir\b|\bchmod\b|\bchown\b|\bsymlink\b|\blink\b|\btruncate\b|\buse\b|\brequire\b|\bsocket\b"
        ),
    ),
    "ruby": Language(
        "Ruby",
        re.compile(r"rm_r|rm_rf|\bunlink\b|\bdelete\b|\bsystem\b|\bexec\b|`|%x|\bspawn\b|\bkill\b|\beval\b|\bsend\b"),
        re.compile(r"\bFile\b|\bDir\b|\bFileUtils\b|\bIO\b|\bopen\b|\brequire\b|\bNet\b|\bSocket\b"),
    ),
    "node": Language(
        "JavaScript",
        re.compile(
            r"rmSync|rmdirSync|unlinkSync|\brm\s*\(|\brmdir\s*\(|\bunlink\s*\(|child_process|\bexec\w*\s*\("
            r"|\bspawn\w*\s*\(|\beval\s*\(|\bFunction\s*\(|process\.kill|process\.binding"
        ),
        re.compile(
            r"\brequire\s*\(|\bimport\b|\bfs\b|\bwrite\w*\s*\(|\bfetch\s*\(|\bhttp\b|\bnet\b|\bprocess\.\w+\s*\("
        ),
    ),
    "php": Language(
        "PHP",
        re.compile(
            r"\bunlink\b|\brmdir\b|\bsystem\b|\bexec\b|\bshell_exec\b|\bpassthru\b|\bpopen\b|\bproc_open\b|`|\beval\b"
        ),
        re.compile(
            r"\bfopen\b|\bfile_put_contents\b|\brename\b|\bmkdir\b|\bchmod\b|\binclude\b|\brequire\b|\bcurl_\w+"
        ),
    ),
    "mongo": Language(
        "mongosh",
        re.compile(
            r"\.(drop\w*|delete\w*|remove|findOneAndDelete|dropDatabase)\s*\(|\bshutdownServer\b|\beval\b"
            # an empty filter matches every document: `updateMany({}, ...)` is UPDATE without WHERE
            r"|\.(updateMany|update|replaceMany)\s*\(\s*\{\s*\}"
        ),
        re.compile(
            r"\.(insert\w*|update\w*|replace\w*|create\w*|rename\w*|findOneAnd\w+|bulkWrite|save)\s*\(|\brunCommand\b|\badminCommand\b|\bload\s*\("
        ),
    ),
}


def inline_code(language: str, code: str) -> CodeVerdict:
    spec = _LANGUAGES.get(language)
    if spec is None:
        return CodeVerdict(Tier.WRITE, f"inline {language} code hitl cannot check")
    match = spec.destructive.search(code)
    if match:
        return CodeVerdict(
            Tier.DESTRUCTIVE, f"inline {spec.name} code uses `{match.group(0).strip()}` (deletes or runs programs)"
        )
    match = spec.writes.search(code)
    if match:
        return CodeVerdict(
            Tier.WRITE, f"inline {spec.name} code uses `{match.group(0).strip()}` (can change files or state)"
        )
    return CodeVerdict(Tier.READ, "")
