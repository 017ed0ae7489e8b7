"""Proof that inline JavaScript (node, bun, deno) or PHP only computes and prints.

The word lists in snippets.py find the usual ways code deletes, writes or starts programs; they cannot find
the unusual ones (`this.constructor.constructor("return pro"+"cess")()`, `$f = "sys"."tem"; $f("id")`). So
code is READ only when this module proves it: every name it uses is a local it declared, a keyword, or a
global known to only compute or print; no computed member access (`x[k]`) or template substitution that
could spell a name at run time; no name that reaches the function constructor. Anything else returns the
first thing that could not be proven, and the code is not READ.
"""

from __future__ import annotations

import re


def _words(text: str) -> list[str]:
    """The names of a word list written as one string."""
    return text.split()


_JS_KEYWORDS = frozenset(
    _words(
        """const let var function return if else for of in while do break continue new typeof instanceof true false null
    undefined async await try catch finally throw switch case default void NaN Infinity"""
    )
)
# Globals whose every function only computes or prints (their own properties too, except the forbidden).
_JS_PURE_GLOBALS = frozenset(
    _words(
        """console JSON Math Array String Number Boolean Date parseInt parseFloat isNaN isFinite Set Map BigInt Intl
    encodeURIComponent decodeURIComponent encodeURI decodeURI Error TypeError RangeError"""
    )
)
# Members of the other globals that only read or print (`Object.getOwnPropertyDescriptor` could reach the
# function constructor by a computed name, so only these).
_JS_PURE_MEMBERS = frozenset(
    _words(
        """Object.keys Object.values Object.entries Object.fromEntries Object.assign Object.freeze Object.is process.env
    process.version process.versions process.platform process.arch process.pid process.ppid process.argv
    process.uptime process.memoryUsage process.cwd process.hrtime process.title process.release Deno.version
    Deno.build Deno.args Deno.pid Deno.cwd Deno.env Deno.readTextFile Deno.readTextFileSync Deno.readFile
    Deno.readFileSync Deno.stat Deno.statSync Deno.lstat Deno.lstatSync Deno.hostname Deno.osRelease
    Deno.memoryUsage Deno.inspect Deno.noColor Deno.readDir Deno.readDirSync os.hostname os.loadavg os.cpus
    os.totalmem os.freemem os.uptime os.platform os.release os.type os.arch os.networkInterfaces os.homedir
    os.tmpdir os.EOL os.endianness os.version os.machine os.availableParallelism path.join path.resolve
    path.basename path.dirname path.extname path.sep path.normalize path.relative Bun.version Bun.revision
    Bun.env Bun.argv Bun.main Bun.nanoseconds Bun.inspect"""
    )
)
# Names that reach the function constructor or an object's prototype: never proven, wherever they appear
# (`({constructor: F} = () => 0)` binds it without a dot).
_JS_FORBIDDEN = frozenset(
    _words(
        """constructor __proto__ prototype __defineGetter__ __defineSetter__ __lookupGetter__ __lookupSetter__ caller
    callee"""
    )
)
_IDENTIFIER = re.compile(r"(?<![\w$\\])([A-Za-z_$][\w$]*)")
_COMPUTED = re.compile(r"([\w$]+|[)\]])\s*(?:\?\.)?\s*\[(?!\s*\d+\s*\])")
_DECLARED = re.compile(r"\b(?:const|let|var|function)\s+([A-Za-z_$][\w$]*)")
_PATTERN = re.compile(r"\b(?:const|let|var)\s*[\[{]([^\]}=]*)[\]}]")
_ARROW_PARAMS = re.compile(r"\(([^()]*)\)\s*=>|([A-Za-z_$][\w$]*)\s*=>")
_FUNCTION_PARAMS = re.compile(r"\bfunction\s*[\w$]*\s*\(([^()]*)\)")
_CATCH = re.compile(r"\bcatch\s*\(\s*([A-Za-z_$][\w$]*)")


_PURE_MODULE = re.compile(r"""\brequire\s*\(\s*(["'])(?:node:)?(os|path)\1\s*\)\s*(?=\.)""")


def js_unproven(code: str) -> str | None:
    """None when inline JavaScript provably only computes and prints; else what could not be proven.
    `require("os").loadavg()` is read as the member `os.loadavg` (only such listed members are proven)."""
    bare = _strip_strings(_PURE_MODULE.sub(lambda m: m.group(2), code), template=True)
    if bare is None:
        return "a template string with a substitution or a tag, whose text is only known at run time"
    forbidden = next((m.group(1) for m in _IDENTIFIER.finditer(bare) if m.group(1) in _JS_FORBIDDEN), None)
    if forbidden is not None:
        return f"`{forbidden}`, which reaches the function constructor"
    if any(m.group(1) not in _JS_KEYWORDS for m in _COMPUTED.finditer(bare)):
        return "a member looked up by a name computed at run time (`x[k]`)"
    local = set(_DECLARED.findall(bare)) | set(_CATCH.findall(bare))
    for group in _PATTERN.findall(bare) + _FUNCTION_PARAMS.findall(bare):
        local.update(_IDENTIFIER.findall(group))
    for params, single in _ARROW_PARAMS.findall(bare):
        local.update(_IDENTIFIER.findall(params) if params else [single])
    for match in _IDENTIFIER.finditer(bare):
        name = match.group(1)
        before = bare[: match.start()].rstrip()
        if before.endswith("."):
            continue  # a member: judged with its object below, or free on a local value
        after = bare[match.end() :].lstrip()
        if after.startswith(":") and before.endswith(("{", ",")):
            continue  # an object literal's key
        if name in _JS_KEYWORDS or name in _JS_PURE_GLOBALS or name in local:
            continue
        member = re.match(r"\s*\??\.\s*([A-Za-z_$][\w$]*)", bare[match.end() :])
        if member is not None and f"{name}.{member.group(1)}" in _JS_PURE_MEMBERS:
            continue
        shown = f"{name}.{member.group(1)}" if member is not None else name
        return f"`{shown}`, which hitl does not know to only compute or print"
    return None


_PHP_PURE = frozenset(
    _words(
        """echo print printf sprintf var_dump var_export print_r json_encode json_decode phpversion php_uname
    php_sapi_name strlen strtoupper strtolower ucfirst trim rtrim ltrim str_replace str_repeat str_pad substr
    strpos explode implode count array_keys array_values array_sum array_unique in_array sort ksort max min abs
    round floor ceil intval floatval strval date time microtime gethostname getenv ini_get extension_loaded
    get_loaded_extensions function_exists class_exists memory_get_usage sys_get_temp_dir php_ini_loaded_file
    php_ini_scanned_files zend_version phpinfo number_format sha1 md5 hash base64_encode base64_decode
    version_compare is_numeric is_array isset empty array range PHP_EOL"""
    )
)
_PHP_PURE_LOWER = frozenset(n.lower() for n in _PHP_PURE)
_PHP_CALL = re.compile(r"(?<![\w$\\>:])([A-Za-z_\\][\w\\]*)\s*\(")


def php_unproven(code: str) -> str | None:
    """None when inline PHP provably only computes and prints: every call names a function known to, and
    no call goes through a variable, a method or a string (`$f(...)`, `$o->m()`, `"sys"."tem"`)."""
    bare = _strip_strings(code, template=False)
    if bare is None or "`" in code:
        return "backticks, which run a shell command"
    for sign, what in (("$$", "a variable variable"), ("->", "a method call"), ("::", "a static call")):
        if sign in bare:
            return what
    if "{$" in code or "${" in code:
        return "a string that runs the code inside `{$...}` when it is built"
    if re.search(r"(\$\w+|[\])}])\s*\(", bare):
        return "a call through a variable or an expression, whose function is only known at run time"
    for match in _PHP_CALL.finditer(bare):
        name = match.group(1).lstrip("\\").lower()
        if name not in _PHP_PURE_LOWER and name not in ("if", "foreach", "for", "while", "fn"):
            return f"`{match.group(1)}()`, which hitl does not know to only compute or print"
    if re.search(r"\b(include|require)(_once)?\b|\bnew\b", bare):
        return "an include or an object hitl cannot follow"
    return None


def _strip_strings(code: str, *, template: bool) -> str | None:
    """`code` with each quoted string replaced by `""`; None for a JavaScript template string with a
    substitution or a tag (or an unclosed string)."""
    out: list[str] = []
    i = 0
    n = len(code)
    while i < n:
        char = code[i]
        if char in "'\"" or (template and char == "`"):
            end = i + 1
            while end < n and code[end] != char:
                end += 2 if code[end] == "\\" else 1
            if end >= n:
                return None
            if char == "`":
                previous = "".join(out).rstrip()[-1:]
                if "${" in code[i:end] or (previous and (previous.isalnum() or previous in "_$)]")):
                    return None
            out.append('""')
            i = end + 1
            continue
        out.append(char)
        i += 1
    return "".join(out)
