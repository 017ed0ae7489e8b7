"""Redaction: secrets are replaced by `[REDACTED:<kind>]` before anything is stored or sent to the model.

The rules are a small number of compiled patterns, each run as one `re.sub` pass; text without secrets goes
through untouched (and fast, since every pattern starts with a literal or a cheap class). Redaction errs on the
side of hiding: a false positive costs a few characters of context, a false negative leaks a credential.

Covered:
- PEM private key blocks (also a block cut off at either end, as in a bounded output excerpt);
- cloud and service tokens by their shape: AWS access key ids (AKIA/ASIA/...), Anthropic (`sk-ant-`), OpenAI
  (`sk-`), GitHub (`ghp_`, `gho_`, `ghs_`, `ghu_`, `ghr_`, `github_pat_`), Slack (`xox?-`, webhook URLs),
  Google API keys, Stripe live keys, JSON Web Tokens;
- `Authorization:` / `Proxy-Authorization:` header values and `Bearer <token>`;
- `user:password@` in URLs and secret query parameters (`token=`, `api_key=`, `password=`, `X-Amz-Signature=`...);
- password options: `--password[=| ]value`, `--token`, `--api-key`, `--secret`, ...; `mysql -pVALUE`,
  `sshpass -p VALUE`, `redis-cli -a VALUE`;
- assignments whose name looks secret (`PGPASSWORD=`, `MYSQL_PWD=`, `AWS_SECRET_ACCESS_KEY=`, `DB_PASSWORD=`,
  `api_key: ...`, `"client_secret": "..."`) in commands, env files, YAML/INI lines and JSON.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import NamedTuple

MARKER = "[REDACTED:{}]"

_SENSITIVE_WORDS = (
    r"password|passwd|pass|pwd|passphrase|secret|token|api[_-]?key|apikey|access[_-]?key|private[_-]?key"
    r"|secret[_-]?key|client[_-]?secret|credentials?|auth[_-]?token|session[_-]?token|secretaccesskey"
    r"|sessiontoken|accesstoken|refreshtoken|authtoken|privatekey|dsn"
)
# A name is secret when one of its `_`/`-`/`.`-separated segments ends in a secret word: DB_PASSWORD,
# PGPASSWORD, MYSQL_PWD, aws_secret_access_key, SessionToken, client.secret.
_SENSITIVE_NAME = rf"(?:[A-Za-z0-9]+[_.-])*[A-Za-z0-9]*(?:{_SENSITIVE_WORDS})(?:[_.-][A-Za-z0-9]+)*"
# Names that match but are not secrets (PWD is the working directory).
_NOT_SENSITIVE = frozenset({"pwd", "oldpwd", "bypass", "compass", "token_type", "tokens"})

# A value: a quoted string or a run of non-space characters (without a closing quote or bracket).
_VALUE = r"""(?:"(?:[^"\\\n]|\\.)*"|'[^'\n]*'|[^\s"'`;&|,}\])]+)"""


def _marker(kind: str) -> str:
    return MARKER.format(kind)


def _keep_prefix(kind: str) -> Callable[[re.Match[str]], str]:
    """Keep group 1 (the name, the option, the header), replace the rest."""

    def replace(match: re.Match[str]) -> str:
        return match.group(1) + _marker(kind)

    return replace


def _assignment(match: re.Match[str]) -> str:
    name = match.group("name")
    if name.lower() in _NOT_SENSITIVE:
        return match.group(0)
    value = match.group("value")
    if value.startswith("[REDACTED:") or value in {'""', "''"}:
        return match.group(0)
    return match.group("lead") + _marker("password" if re.search("pass|pwd", name, re.I) else "secret")


class _Rule(NamedTuple):
    """A pattern, its replacement, and the lower-case substrings without which it cannot match.

    The triggers let `redact` skip a pattern with a substring test (fast) instead of a regex scan (slow for
    patterns that cannot start with a literal); an empty tuple means "always run".
    """

    triggers: tuple[str, ...]
    pattern: re.Pattern[str]
    replacement: str | Callable[[re.Match[str]], str]


_AWS_PREFIXES = ("AKIA", "ASIA", "AGPA", "AIDA", "AROA", "ANPA", "ANVA", "AIPA", "ABIA", "ACCA")

_RULES = (
    # PEM private keys: a whole block, a block cut off at the end, a block cut off at the start.
    _Rule(
        ("private key",),
        re.compile(
            r"-----BEGIN ((?:[A-Z0-9]+ )*)PRIVATE KEY((?: BLOCK)?)-----.*?(?:-----END \1PRIVATE KEY\2-----|\Z)", re.S
        ),
        _marker("private-key"),
    ),
    _Rule(
        ("private key",),
        re.compile(r"\A[A-Za-z0-9+/=\s]*-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----"),
        _marker("private-key"),
    ),
    # Tokens recognisable by their shape.
    _Rule(
        tuple(prefix.lower() for prefix in _AWS_PREFIXES),
        re.compile(rf"\b(?:{'|'.join(_AWS_PREFIXES)})[A-Z0-9]{{16}}\b"),
        _marker("aws-key"),
    ),
    _Rule(("sk-ant-",), re.compile(r"\bsk-ant-[A-Za-z0-9_-]{8,}"), _marker("anthropic-key")),
    _Rule(("sk-",), re.compile(r"\bsk-(?:proj-|svcacct-)?[A-Za-z0-9_-]{20,}"), _marker("api-key")),
    _Rule(
        ("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"),
        re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})"),
        _marker("github-token"),
    ),
    _Rule(("xox",), re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}"), _marker("slack-token")),
    _Rule(
        ("hooks.slack.com",),
        re.compile(r"https://hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9/_-]+"),
        _marker("slack-webhook"),
    ),
    _Rule(("aiza",), re.compile(r"\bAIza[0-9A-Za-z_-]{35}"), _marker("google-key")),
    _Rule(("_live_",), re.compile(r"\b(?:sk|rk)_live_[0-9A-Za-z]{16,}"), _marker("stripe-key")),
    _Rule(("eyj",), re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"), _marker("jwt")),
    # An AWS secret access key given without its name (`aws configure set aws_secret_access_key X`): 40
    # characters of base64 with upper case, lower case and a digit, which a hex digest never has.
    _Rule(
        (),
        re.compile(
            r"(?<![A-Za-z0-9/+=])(?=[A-Za-z0-9/+]{0,39}[A-Z])(?=[A-Za-z0-9/+]{0,39}[a-z])(?=[A-Za-z0-9/+]{0,39}[0-9])"
            r"[A-Za-z0-9][A-Za-z0-9/+]{39}(?![A-Za-z0-9/+=])"
        ),
        _marker("aws-secret"),
    ),
    # HTTP credentials.
    _Rule(
        ("authorization",),
        re.compile(
            r"(?i)(\b(?:proxy-)?authorization\s*[:=]\s*)(?:(?:bearer|basic|token|digest|negotiate)\s+)?[^\s\"',]+"
        ),
        _keep_prefix("authorization"),
    ),
    _Rule(("bearer",), re.compile(r"(?i)(\bbearer\s+)[A-Za-z0-9._~+/=-]{8,}"), _keep_prefix("bearer-token")),
    _Rule(("://",), re.compile(r"(?i)(\b[a-z][a-z0-9+.-]*://[^\s/:@]*:)[^\s/@]+(?=@)"), _keep_prefix("password")),
    _Rule(
        ("=",),
        re.compile(
            r"(?i)([?&;](?:access_token|refresh_token|id_token|token|api[_-]?key|apikey|key|secret|client_secret"
            r"|password|passwd|pwd|auth|sig|signature|x-amz-signature|x-amz-credential|x-amz-security-token"
            r"|x-goog-signature)=)[^&\s#\"'<>]+"
        ),
        _keep_prefix("secret"),
    ),
    # Command-line options carrying a secret.
    _Rule(
        ("--",),
        re.compile(
            r"(?i)(--(?!no-|ask-)(?:[a-z0-9]+-)*(?:password|passwd|pass|token|api-key|apikey|secret|client-secret"
            r"|auth-token|access-key|secret-key|private-key)(?:=|\s+))" + _VALUE
        ),
        _keep_prefix("password"),
    ),
    _Rule(
        ("mysql", "mariadb"),
        re.compile(
            r"(\b(?:mysql|mysqldump|mysqladmin|mysqlimport|mysqlcheck|mariadb(?:-dump)?)\b[^\n|;&]*?\s-p)(?!\s)\S+"
        ),
        _keep_prefix("password"),
    ),
    _Rule(("sshpass",), re.compile(r"(\bsshpass\b[^\n|;&]*?\s-p\s*)\S+"), _keep_prefix("password")),
    _Rule(("redis-cli",), re.compile(r"(\bredis-cli\b[^\n|;&]*?\s-a\s+)\S+"), _keep_prefix("password")),
    # NAME=value / NAME: value / "name": "value" where the name looks secret.
    _Rule(
        ("pass", "pwd", "secret", "token", "key", "credential", "dsn"),
        re.compile(
            rf"""(?ix)(?P<lead>(?<![A-Za-z0-9_.-])(?=[A-Za-z0-9_."'-]+\s*[=:])["']?(?P<name>{_SENSITIVE_NAME})["']?"""
            rf"""\s*(?:=|:(?!//))[ \t]*)(?P<value>{_VALUE})"""
        ),
        _assignment,
    ),
)


_SENSITIVE_NAME_RE = re.compile(_SENSITIVE_NAME, re.IGNORECASE)


def is_sensitive_name(name: str) -> bool:
    """True for a field or variable name whose value is a secret (`password`, `DB_TOKEN`, `clientSecret`...)."""
    return name.lower() not in _NOT_SENSITIVE and _SENSITIVE_NAME_RE.fullmatch(name) is not None


def redact(text: str) -> str:
    """Return `text` with every recognised secret replaced by `[REDACTED:<kind>]`. Idempotent."""
    lowered = text.lower()
    for rule in _RULES:
        if not rule.triggers or any(trigger in lowered for trigger in rule.triggers):
            text = rule.pattern.sub(rule.replacement, text)
    return text
