"""Small programs written inline for another language: sed scripts, awk programs, and `-c`/`-e` code for
Python, Perl, Ruby, Node, PHP and mongosh.

These checks read the code, not run it. A sed or awk script is parsed far enough to find the commands that
execute or write (`e`, `s///e`, `w`, `system()`, `print > file`, `| getline`). General-purpose code is
READ only when it uses none of the ways that language has to touch files, processes or the network;
otherwise it is WRITE, and DESTRUCTIVE when it deletes or runs other programs.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from console.core.classify.codeproof import js_unproven, php_unproven
from console.core.tiers import Tier

_AWK_ESCAPE = re.compile(r"\\(.)")


@dataclass(frozen=True, slots=True)
class CodeVerdict:
    """`tier`/`reason` for what cannot be read further; `writes` are literal file names the code writes and
    `runs` literal shell commands it runs, for the caller to judge like any other write or command."""

    tier: Tier
    reason: str
    writes: tuple[str, ...] = ()
    runs: tuple[str, ...] = ()
    feeds: tuple[str, ...] = ()  # literal commands that read the program's output as their input
    loads: tuple[str, ...] = ()  # literal files of code it includes (`@include "lib.awk"`)


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
_AWK_LITERAL_INCLUDE = re.compile(r'@(?:include|load)\s*("(?:\\.|[^"\\])*")')
_AWK_INDIRECT = re.compile(r"@[A-Za-z_][A-Za-z0-9_]*\s*\(")
# The same constructs with a literal string: a command or a file name hitl can judge.
_AWK_LITERAL_SYSTEM = re.compile(r'\bsystem\s*\(\s*("(?:\\.|[^"\\])*")\s*\)')
_AWK_LITERAL_GETLINE = re.compile(r'("(?:\\.|[^"\\])*")\s*\|\s*getline\b')
_AWK_LITERAL_PIPE_TO = re.compile(r'\bprintf?\b[^;}\n|>]*\|\s*("(?:\\.|[^"\\])*")')
_AWK_LITERAL_OUTPUT = re.compile(r'\bprintf?\b[^;}\n|>]*>>?\s*("(?:\\.|[^"\\])*")')


def _awk_string(literal: str) -> str:
    return _AWK_ESCAPE.sub(lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), literal[1:-1])


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
    loads = tuple(_awk_string(m.group(1)) for m in _AWK_LITERAL_INCLUDE.finditer(program))
    if _AWK_INDIRECT.search(code):
        return CodeVerdict(Tier.DESTRUCTIVE, "a gawk indirect call (`@name(...)`) can call any function, `system` too")
    if _AWK_INCLUDE.search(code):
        return CodeVerdict(Tier.WRITE, "gawk `@include`/`@load` runs code from a file hitl cannot see", loads=loads)
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


def _names(text: str) -> list[str]:
    """The names of a word list written as one string."""
    return text.split()


# Python modules that cannot change anything by being imported, nor through their own functions (os is
# allowed here because its writing functions are listed one by one).
_PY_SAFE = "|".join(
    rf"{m}\b"
    for m in _names(
        """json sys math re datetime time collections itertools base64 hashlib platform string textwrap pprint
    statistics decimal uuid random os ssl sysconfig locale pwd grp struct fractions calendar zoneinfo ipaddress shlex
    difflib fnmatch glob unicodedata binascii operator functools heapq bisect array enum typing dataclasses numbers
    keyword getpass resource"""
    )
)

_LANGUAGES = {
    "python": Language(
        "Python",
        re.compile(
            r"rmtree|\bos\.(remove|unlink|rmdir|removedirs|system|popen|exec\w*|spawn\w*|kill|truncate)\b"
            r"|\bsubprocess\b|\bunlink\s*\(|\.rmdir\s*\(|\bpty\b|\bctypes\b|\bexec\s*\(|\beval\s*\("
            r"|__import__|\bgetattr\b|\bcompile\s*\(|\bsocket\b|\bpickle\b|\bmarshal\b"
            # the object graph reaches every loaded class and module (`().__class__.__base__.__subclasses__()`)
            r"|__subclasses__|__globals__|__builtins__|__code__|__reduce\w*__|__mro__|__bases?__"
            # `from os import system as s`: the dangerous name is imported bare (or under another name)
            r"|\bfrom\s+(?:os|shutil|posix|nt)\s+import\s+[^;\n]*(?:\*|\b(?:system|popen|exec\w*|spawn\w*|remove"
            r"|removedirs|unlink|rmdir|rmtree|kill\w*|truncate|fork\w*)\b)"
        ),
        re.compile(
            r"\bopen\s*\(|\bos\.(?!(?:path\.\w+|listdir|scandir|walk|getcwd|environ|getenv|uname|cpu_count|getpid"
            r"|getppid|getuid|geteuid|getgid|getlogin|sep|linesep|name|stat|lstat|access|getloadavg|get_terminal_size"
            r"|pathsep|curdir|devnull)\b(?!\s*(?:=|\[[^]]*\]\s*=)))\w+|\bshutil\b|\bpathlib\b|\.write\w*\s*\(|\bsqlite3\b|\burllib\b|\brequests\b"
            r"|\bhttp\b|\bimportlib\b|\bsys\.modules\b|\bbuiltins\b|\bglobals\s*\(|\bsetattr\b"
            r"|\.__(?!name__|doc__|version__|file__)\w+__|\bvars\s*\(|\blocals\s*\("
            r"|\bimport\s+(?!" + _PY_SAFE + r")"
            # every name of `import a, b`, and no aliases (`import os as o; o.remove(...)`)
            r"|\bimport\s+[^;\n]*,(?!\s*(?:" + _PY_SAFE + r"))|\bimport\s+[^;\n]*\bas\b"
        ),
    ),
    "perl": Language(
        "Perl",
        re.compile(r"\bunlink\b|\brmtree\b|\bremove_tree\b|\bsystem\b|\bexec\b|`|\bqx\b|\bkill\b|\brmdir\b|\beval\b"),
        re.compile(
            r"\bopen\b|\brename\b|\bmkdir\b|\bchmod\b|\bchown\b|\bsymlink\b|\blink\b|\btruncate\b|\buse\b|\brequire\b|\bsocket\b"
            # what `-MPOSIX` adds to the bare names: files, descriptors, identities and processes
            r"|\bremove\b|\bmkfifo\b|\bcreat\b|\bwrite\b|\bdup2?\b|\blchown\b|\bset[ug]id\b|\bsetsid\b|\bsetpgid\b|\b_exit\b"
            r"|\bnice\b|\btcsetattr\b|\bsysopen\b|\bsyswrite\b"
        ),
    ),
    "ruby": Language(
        "Ruby",
        re.compile(r"rm_r|rm_rf|\bunlink\b|\bdelete\b|\bsystem\b|\bexec\b|`|%x|\bspawn\b|\bkill\b|\beval\b|\bsend\b"),
        re.compile(
            r"\bFile\b(?!\.(?:read|readlines|foreach|exist\?|exists\?|file\?|directory\?|basename|dirname|extname|join"
            r"|expand_path|size|mtime|stat|readable\?)\b)|\bDir\b(?!\.(?:glob|entries|children|exist\?|pwd)\b)|\bFileUtils\b"
            r"|\bIO\b|\bopen\b|\brequire\b(?!\s*['\"](?:json|yaml|set|time|date|pp|csv|digest|securerandom)['\"])|\bNet\b|\bSocket\b"
        ),
    ),
    "node": Language(
        "JavaScript",
        re.compile(
            r"rmSync|rmdirSync|unlinkSync|\brm\s*\(|\brmdir\s*\(|\bunlink\s*\(|child_process|\bexec\w*\s*\("
            r"|\bspawn\w*\s*\(|\beval\s*\(|\bFunction\s*\(|process\.kill|process\.binding"
            # Deno and Bun: their own delete, run and shell functions
            r"|\bremove\w*\s*\(|\bDeno\.(run|Command|kill)\b|\bBun\.\$|\$`"
        ),
        re.compile(
            r"\brequire\s*\((?!\s*[\"'](?:node:)?(?:os|path)[\"']\s*\)\s*\.)|\bimport\b|\bfs\b|\bwrite\w*\s*\(|\bfetch\s*\(|\bhttp\b|\bnet\b|\bprocess\.\w+\s*\("
            r"|\bDeno\.(?!version\b|build\b|args\b|pid\b|cwd\b|env\.get\b|readTextFile\w*\b|readFile\w*\b|stat\w*\b"
            r"|readDir\w*\b|lstat\w*\b|hostname\b|osRelease\b|memoryUsage\b|inspect\b|noColor\b)\w+|\bBun\.(?!version\b"
            r"|revision\b|env\b|argv\b|main\b|file\b|nanoseconds\b|which\b|inspect\b)\w+"
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
            # privilege grants; an aggregation stage that replaces a collection; a rename over an existing one
            r"|\bgrant\w*\s*\(|\b(createUser|updateUser|createRole|updateRole)\s*\(|\$out\b|\$merge\b"
            r"|\.renameCollection\s*\([^)]*,\s*true"
            # a TTL index deletes documents as they age; shutting the server down
            r"|\bexpireAfterSeconds\b|\bshutdown\b"
        ),
        re.compile(
            r"\.(insert\w*|update\w*|replace\w*|create\w*|rename\w*|findOneAnd\w+|bulkWrite|save)\s*\(|\brunCommand\b|\badminCommand\b|\bload\s*\("
        ),
    ),
}


# Languages hitl has no list of writing functions for (Lua, R, Julia, Tcl, Groovy, expect...): the words that
# delete or start programs in any of them make the code DESTRUCTIVE; the code is READ only when it calls
# nothing but functions known to compute or print (and the language has call syntax: `name(...)`).
_ANY_DESTRUCTIVE = re.compile(
    r"\b(os\.execute|io\.popen|system2?|shell\w*|exec\w*|spawn\w*|popen\w*|run|unlink|remove\w*|rmdir|rm|rm_rf"
    r"|rmtree|delete\w*|kill\w*|shutdown|reboot|halt|poweroff|truncate|eval|execute|ProcessBuilder|Runtime)\b"
)
_CALL = re.compile(r"(?:\bnew\s+)?([A-Za-z_][\w.:]*)\s*(?=[(\"'{\[])")
_STRING = re.compile(r'"(?:\\.|[^"\\])*"|\'(?:\\.|[^\'\\])*\'')
_PURE = frozenset(
    _names(
        """print println printf puts cat paste paste0 format sprintf string tostring tonumber str summary head tail
    length nrow ncol names mean median sum max min range sort unique table abs sqrt round floor ceil ceiling
    typeof type class show display repr nchar toupper tolower uppercase lowercase substr substring sub gsub
    split strsplit join quantile sd var cor exp log log10 log2 as.numeric as.character as.integer is.na which
    any all c list vector seq rep collect keys values pairs ipairs select assert error if for while function
    return switch repeat elseif in not and or read.csv read.table read.delim readLines readRDS fromJSON
    Sys.time Sys.Date Sys.getenv os.time os.date os.clock os.getenv string.format string.rep string.sub
    string.upper string.lower string.len string.find string.match string.gsub table.concat table.sort
    table.insert math.floor math.max math.min math.abs math.sqrt math.huge console.log console.error
    console.info JSON.stringify JSON.parse isfile isdir isdirpath pwd versioninfo Int Float64 parse
    occursin startswith endswith strip lstrip rstrip replace count sizeof"""
    )
)
_ASSIGN = re.compile(r"([A-Za-z_][\w.:]*)\s*(?:<<?-|:?=(?!=)|->)")
_FILE_ARGUMENT = re.compile(r"\b(file|con|path|filename|description|append|sep_file)\s*=(?!=)")
_CALL_SYNTAX = frozenset({"lua", "r", "julia"})
_GENERIC_NAMES = {"lua": "Lua", "r": "R", "julia": "Julia", "tcl": "Tcl", "groovy": "Groovy", "expect": "expect"}


def _generic_code(language: str, code: str) -> CodeVerdict:
    name = _GENERIC_NAMES.get(language, language)
    match = _ANY_DESTRUCTIVE.search(code)
    if match:
        return CodeVerdict(Tier.DESTRUCTIVE, f"inline {name} code uses `{match.group(0)}` (deletes or runs programs)")
    if language in _CALL_SYNTAX and not any(s in code for s in ("`", "$(", "#{", "${", "@")):
        bare = _STRING.sub('""', code)
        calls = {m.group(1) for m in _CALL.finditer(bare)}
        # `print = io.open` would make a known name do something else
        calls |= {m.group(1) + " =" for m in _ASSIGN.finditer(bare) if m.group(1) in _PURE}
        unknown = sorted(c for c in calls if c not in _PURE)
        named = _FILE_ARGUMENT.search(bare)
        if not unknown and named is not None:  # `cat("x", file = "/srv/f")`: a printing function that writes
            return CodeVerdict(Tier.WRITE, f"inline {name} code gives `{named.group(1)} =`, a file to write to")
        if not unknown:
            return CodeVerdict(Tier.READ, "")
        what = f"gives `{unknown[0][:-2]}` a new meaning" if unknown[0].endswith(" =") else f"calls `{unknown[0]}`"
        return CodeVerdict(Tier.WRITE, f"inline {name} code {what}, which hitl does not know to only read")
    return CodeVerdict(Tier.WRITE, f"inline {name} code hitl cannot check")


_LITERAL_PATH = re.compile(r"""["'`]((?:~|/)[^"'`\s]*)["'`]""")


def literal_paths(code: str) -> list[str]:
    """Absolute or home paths written as string literals in code (`open("/etc/passwd")`)."""
    return [m.group(1) for m in _LITERAL_PATH.finditer(code)]


def inline_code(language: str, code: str) -> CodeVerdict:
    spec = _LANGUAGES.get(language)
    if spec is None:
        return _generic_code(language, code)
    match = spec.destructive.search(code)
    if match:
        return CodeVerdict(
            Tier.DESTRUCTIVE,
            f"inline {spec.name} code uses `{match.group(0).strip()}` (deletes, replaces or grants, or runs programs)",
        )
    match = spec.writes.search(code)
    if match:
        return CodeVerdict(
            Tier.WRITE, f"inline {spec.name} code uses `{match.group(0).strip()}` (can change files or state)"
        )
    prover = _PROVERS.get(language)
    unproven = prover(code) if prover is not None else None
    if unproven is not None:
        return CodeVerdict(Tier.WRITE, f"inline {spec.name} code uses {unproven}, so hitl cannot prove it only reads")
    return CodeVerdict(Tier.READ, "")


# Languages whose READ must also be proven name by name (codeproof.py): their word lists above cannot see a
# name spelled at run time.
_PROVERS: dict[str, Callable[[str], str | None]] = {"node": js_unproven, "php": php_unproven}
