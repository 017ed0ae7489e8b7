"""hitl's structural rules: secrets recognised by where they stand rather than by their shape.

Private key blocks (PEM, OpenSSH, PGP, PuTTY), credential files (`.netrc`, `.pgpass`, shadow and htpasswd hashes,
LDAP hashes, `requirepass`-style directives), Kubernetes Secret data, HTTP credentials (Authorization, Cookie and
Set-Cookie headers, `curl -u/-b`), URLs with a password (an `@` inside the password included), SQL password
clauses, and the password options of common command-line tools.
"""

from __future__ import annotations

import re

from console.core.redaction.rule import Rule, is_marker, keep_prefix, marker

_QUOTED_OR_WORD = r"""(?:'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"|[^\s'"]+)"""
_SQL_STRING = r"""(?:'(?:[^'\\\n]|\\.|'')*'|"(?:[^"\\\n]|\\.)*")"""
# A command's own words up to the option: no pipe, list or newline in between.
_SAME_COMMAND = r"[^\n|;&]*?"


def _option(programs: str, option: str) -> re.Pattern[str]:
    """`PROGRAM ... OPTION value` (value attached or separate, quoted or not) for the programs given."""
    return re.compile(rf"(\b(?:{programs})\b{_SAME_COMMAND}\s{option}[ \t=]*)({_QUOTED_OR_WORD})")


def _cookie_values(header: str, *, first_only: bool) -> str:
    """`a=1; b=2` with each value (or only the first, for Set-Cookie whose other pairs are attributes) redacted."""
    pairs = header.split(";")
    for index, pair in enumerate(pairs):
        name, equals, value = pair.partition("=")
        if equals and value.strip() and not is_marker(value):
            pairs[index] = f"{name}={marker('cookie')}"
        if first_only:
            break
    return ";".join(pairs)


def _cookie_header(match: re.Match[str]) -> str:
    name = match.group(1)
    return name + _cookie_values(match.group(2), first_only=name.lower().lstrip().startswith("set-"))


def _cookie_option(match: re.Match[str]) -> str:
    value = match.group(2)
    quote = value[0] if value[:1] in "'\"" else ""
    inner = value[len(quote) : len(value) - len(quote)] if quote else value
    if "=" not in inner:  # a cookie file, not cookie data
        return match.group(0)
    return match.group(1) + quote + _cookie_values(inner, first_only=False) + quote


def _htpasswd(match: re.Match[str]) -> str:
    """`htpasswd -b[c] FILE USER PASSWORD` and `htpasswd -nb USER PASSWORD`: the password is a word."""
    flags = match.group("flags").replace("-", "")
    if "b" not in flags:
        return match.group(0)
    words = [match.group("w1"), match.group("w2"), match.group("w3")]
    position = 1 if "n" in flags else 2
    if words[position] is None or is_marker(words[position]):
        return match.group(0)
    start = match.start(f"w{position + 1}") - match.start(0)
    end = match.end(f"w{position + 1}") - match.start(0)
    text = match.group(0)
    return text[:start] + marker("password") + text[end:]


def _indented_values(match: re.Match[str]) -> str:
    """The lines of a YAML `data:` / `stringData:` block with every value redacted."""
    lines = match.group(2).split("\n")
    for index, line in enumerate(lines):
        key, colon, value = line.partition(":")
        if colon and value.strip() and not is_marker(value.strip()):
            lines[index] = f"{key}: {marker('secret')}"
    return match.group(1) + "\n".join(lines)


def _json_values(match: re.Match[str]) -> str:
    return match.group(1) + re.sub(
        r'("[^"\\]*"\s*:\s*)"(?:[^"\\]|\\.)*"',
        lambda m: m.group(0) if is_marker(m.group(0)[len(m.group(1)) + 1 :]) else m.group(1) + f'"{marker("secret")}"',
        match.group(2),
    )


STRUCTURAL_RULES: tuple[Rule, ...] = (
    # --- private keys: a whole block, a block cut off at the end, a block cut off at the start ------------
    Rule(
        ("private key",),
        re.compile(
            r"-----BEGIN ((?:[A-Z0-9]+ )*)PRIVATE KEY((?: BLOCK)?)-----.*?(?:-----END \1PRIVATE KEY\2-----|\Z)", re.S
        ),
        marker("private-key"),
    ),
    Rule(
        ("private key",),
        re.compile(r"\A[A-Za-z0-9+/=\s]*-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----"),
        marker("private-key"),
    ),
    Rule(
        ("private-lines:",),
        re.compile(r"(Private-Lines:[ \t]*\d+[ \t]*\r?\n)(?:[A-Za-z0-9+/=]+(?:\r?\n|\Z))+"),
        lambda m: m.group(1) + marker("private-key") + "\n",
    ),
    Rule(("private-mac:",), re.compile(r"(Private-MAC:[ \t]*)[0-9a-fA-F]{16,}"), keep_prefix("private-key")),
    # --- credential files --------------------------------------------------------------------------------
    Rule(
        ("password",),
        re.compile(rf"(\b(?:machine|login|account)\s+\S+\s+password\s+)({_QUOTED_OR_WORD})"),
        keep_prefix("password"),
    ),
    Rule(  # .pgpass: host:port:database:user:password, `\:` escaping a colon
        (":",),
        re.compile(r"(?m)^((?:[^:\s\\]|\\.)+:(?:\d+|\*):(?:[^:\s\\]|\\.)+:(?:[^:\s\\]|\\.)+:)((?:[^:\n\\]|\\.)+)$"),
        keep_prefix("password"),
    ),
    Rule(  # the same as one word inside a sentence (a database and a user name, each with a letter)
        (":",),
        re.compile(r"(?<!\S)([^:\s]+:(?:\d{2,5}|\*):[^:\s]*[A-Za-z_][^:\s]*:[^:\s]*[A-Za-z_][^:\s]*:)([^:\s]+)(?!\S)"),
        keep_prefix("password"),
    ),
    Rule(  # crypt(3) hashes: shadow, htpasswd, useradd -p
        ("$",),
        re.compile(r"\$(?:1|2[abxy]?|5|6|y|gy|7|sha1|md5|apr1|argon2(?:id|i|d))\$[^\s:'\"]{8,}"),
        marker("password-hash"),
    ),
    Rule(
        ("{",),
        re.compile(r"(?i)\{(?:s?sha(?:256|384|512)?|s?md5|crypt|pbkdf2[\w-]*|argon2\w*|ssha\w*)\}[A-Za-z0-9+/=.$]{8,}"),
        marker("password-hash"),
    ),
    Rule(
        ("requirepass", "masterauth", "bindpw", "rootpw", "masterpass"),
        re.compile(r"(?im)^([ \t]*(?:requirepass|masterauth|bindpw|rootpw|masterpass|tls-key-file-pass)[ \t]+)(\S+)"),
        keep_prefix("password"),
    ),
    # --- Kubernetes Secret data, YAML and JSON (only in text that shows a Secret) ---------------------------
    Rule(
        ("kind: secret", '"kind": "secret"', '"kind":"secret"'),
        re.compile(r"(?m)^([ \t]*(?:data|stringData):[ \t]*\n)((?:[ \t]+[^\s:][^:\n]*:[^\n]*(?:\n|\Z))+)"),
        _indented_values,
    ),
    Rule(
        ("kind: secret", '"kind": "secret"', '"kind":"secret"'),
        re.compile(r'("(?:data|stringData)"\s*:\s*\{)([^{}]*)'),
        _json_values,
    ),
    # --- HTTP credentials ----------------------------------------------------------------------------------
    Rule(
        ("authorization",),
        re.compile(
            r"(?i)(\b(?:proxy-)?authorization\s*[:=]\s*)(?:(?:bearer|basic|token|digest|negotiate)\s+)?[^\s\"',]+"
        ),
        keep_prefix("authorization"),
    ),
    Rule(("bearer",), re.compile(r"(?i)(\bbearer[ \t]+)[A-Za-z0-9._~+/=-]{8,}"), keep_prefix("bearer-token")),
    Rule(("cookie",), re.compile(r"(?i)(\b(?:set-)?cookie[ \t]*:[ \t]*)([^\r\n'\"]+)"), _cookie_header),
    Rule(
        ("curl",), re.compile(rf"(\bcurl\b{_SAME_COMMAND}\s(?:-b|--cookie)[ \t=]+)({_QUOTED_OR_WORD})"), _cookie_option
    ),
    Rule(  # scheme://user:password@host, the password running to the last @ before the host
        ("://",),
        re.compile(r"(?i)(\b[a-z][a-z0-9+.-]*://[^\s/:@'\"]*:)([^\s'\"]+)@(?=[A-Za-z0-9_.\[\]-]+(?:[:/?#\s'\"]|$))"),
        lambda m: m.group(0) if is_marker(m.group(2)) else m.group(1) + marker("password") + "@",
    ),
    Rule(
        ("=",),
        re.compile(
            r"(?i)([?&;](?:access_token|refresh_token|id_token|token|api[_-]?key|apikey|key|secret|client_secret"
            r"|password|passwd|pwd|auth|sig|signature|x-amz-signature|x-amz-credential|x-amz-security-token"
            r"|x-goog-signature)=)[^&\s#\"'<>]+"
        ),
        keep_prefix("secret"),
    ),
    # --- SQL password clauses ------------------------------------------------------------------------------
    Rule(
        ("identified",),
        re.compile(rf"(?i)(\bIDENTIFIED\s+(?:WITH\s+\S+\s+)?(?:BY|AS)\s+(?:PASSWORD\s+)?)({_SQL_STRING})"),
        keep_prefix("password"),
    ),
    Rule(
        ("password",),
        re.compile(rf"(?i)(\bSET\s+PASSWORD\b[^=;\n]*=\s*(?:PASSWORD\s*\(\s*)?)({_SQL_STRING})"),
        keep_prefix("password"),
    ),
    Rule(
        ("password",),
        re.compile(rf"(?i)(\b(?:ENCRYPTED\s+|UNENCRYPTED\s+)?PASSWORD\s*(?:\(\s*)?)({_SQL_STRING})"),
        keep_prefix("password"),
    ),
    # --- command-line options carrying a secret ------------------------------------------------------------
    Rule(
        ("--",),
        re.compile(
            r"(?i)(--(?!no-|ask-)(?:[a-z0-9]+-)*(?:password|passwd|pass|token|api-key|apikey|secret|client-secret"
            r"|auth-token|access-key|secret-key|private-key|passphrase)(?:=|[ \t]+))" + _QUOTED_OR_WORD
        ),
        keep_prefix("password"),
    ),
    Rule(
        ("mysql", "mariadb"),
        re.compile(
            rf"(\b(?:mysql|mysqldump|mysqladmin|mysqlimport|mysqlcheck|mysqlshow|mariadb(?:-dump|-admin)?)\b"
            rf"{_SAME_COMMAND}\s-p)(?![\s-])({_QUOTED_OR_WORD})"
        ),
        keep_prefix("password"),
    ),
    Rule(("sshpass",), _option("sshpass", "-p"), keep_prefix("password")),
    Rule(("redis-cli",), _option("redis-cli", "-a"), keep_prefix("password")),
    Rule(
        ("mongo",),
        _option("mongo|mongosh|mongodump|mongorestore|mongoexport|mongoimport", "-p"),
        keep_prefix("password"),
    ),
    Rule(("ldap",), _option(r"ldap[a-z]*", "-w"), keep_prefix("password")),
    Rule(("sqlcmd", "bcp", "osql", "isql"), _option("sqlcmd|bcp|osql|isql", "-P"), keep_prefix("password")),
    Rule(("ssh-keygen",), _option("ssh-keygen", "-[NP]"), keep_prefix("password")),
    Rule(
        ("login",),
        re.compile(
            rf"(\b(?:docker|podman|buildah|skopeo|nerdctl|helm|oras|crane)\b{_SAME_COMMAND}\blogin\b{_SAME_COMMAND}"
            rf"\s-p[ \t]*)({_QUOTED_OR_WORD})"
        ),
        keep_prefix("password"),
    ),
    Rule(
        ("curl", "http"),
        re.compile(
            rf"(\b(?:curl|http|https)\b{_SAME_COMMAND}\s(?:-u|--user|--proxy-user|-U|-a|--auth)[ \t=]*['\"]?"
            r"[^\s:'\"]*:)([^\s'\"]+)"
        ),
        keep_prefix("password"),
    ),
    Rule(
        ("-u", "--user"),
        re.compile(r"(\s(?:-U|--user(?:name)?)[ \t=]*['\"]?[^\s%'\"]+%)([^\s'\"]+)"),
        keep_prefix("password"),
    ),
    Rule(("pass:",), re.compile(r"(-pass(?:in|out|word)?[ \t]+['\"]?pass:)([^\s'\"]+)"), keep_prefix("password")),
    Rule(
        ("htpasswd",),
        re.compile(
            r"\bhtpasswd(?P<flags>(?:[ \t]+-[A-Za-z]+)+)[ \t]+(?P<w1>\S+)[ \t]+(?P<w2>\S+)(?:[ \t]+(?P<w3>\S+))?"
        ),
        _htpasswd,
    ),
    Rule(
        ("chpasswd",),
        re.compile(
            r"""(\b(?:echo|printf)\s+(?:-e\s+)?['"]?[^\s:'"]+:)([^\s'"|]+)(?=['"]?\s*\|\s*(?:sudo\s+)?chpasswd)"""
        ),
        keep_prefix("password"),
    ),
)
