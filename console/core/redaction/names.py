"""Secret-looking names, and the rule for `NAME=value`, `name: value` and `"name": "value"` with such a name.

A name is secret when one of its `_`/`-`/`.`-separated segments ends in a secret word: DB_PASSWORD, PGPASSWORD,
MYSQL_PWD, aws_secret_access_key, SessionToken, client.secret, AccountKey, PrivateKey, `_authToken`. A few
names are secret only as a whole (docker's `auth`, kubeconfig's `client-key-data`).
"""

from __future__ import annotations

import re

from console.core.redaction.rule import Rule, is_marker, marker

_SENSITIVE_WORDS = (
    r"password|passwd|pass|pwd|pw|passphrase|psk|secret|token|api[_-]?key|apikey|access[_-]?key|private[_-]?key"
    r"|secret[_-]?key|client[_-]?secret|credentials?|auth[_-]?token|session[_-]?token|secretaccesskey"
    r"|sessiontoken|accesstoken|refreshtoken|authtoken|privatekey|account[_-]?key|sharedaccesskey"
    r"|sharedaccesssignature|dsn|key[_-]?data"
)
_SENSITIVE_NAME = rf"_?(?:[A-Za-z0-9]+[_.-])*[A-Za-z0-9]*(?:{_SENSITIVE_WORDS})(?:[_.-][A-Za-z0-9]+)*"
# Secret only as the whole name.
_WHOLE_NAMES = r"auth|_auth|identitytoken|registrytoken"
# Names that match but are not secrets (PWD is the working directory).
NOT_SENSITIVE = frozenset(
    {
        "pwd",
        "oldpwd",
        "bypass",
        "compass",
        "token_type",
        "tokens",
        "passed",
        "pass_max_days",
        "pass_min_days",
        "pass_warn_age",
        "pass_min_len",
        "max_tokens",
        "passwd_file",
    }
)

# A value: a quoted string or a run of non-space characters (without a closing quote or bracket).
VALUE = r"""(?:"(?:[^"\\\n]|\\.)*"|'[^'\n]*'|[^\s"'`;&|,}\])]+)"""

_NAME_RE = re.compile(rf"(?:{_SENSITIVE_NAME}|{_WHOLE_NAMES})", re.IGNORECASE)


def is_sensitive_name(name: str) -> bool:
    """True for a field or variable name whose value is a secret (`password`, `DB_TOKEN`, `clientSecret`...)."""
    return name.lower() not in NOT_SENSITIVE and _NAME_RE.fullmatch(name) is not None


def _is_prose(match: re.Match[str]) -> bool:
    """`passwd: password updated successfully`: a colon, a lower-case word, and more words on the line."""
    return (
        ":" in match.group("lead")
        and match.group("value").isalpha()
        and match.group("value").islower()
        and re.match(r"[ \t]+[a-z]", match.string[match.end() :]) is not None
    )


def _assignment(match: re.Match[str]) -> str:
    name = match.group("name")
    value = match.group("value")
    if name.lower() in NOT_SENSITIVE or is_marker(value) or value in {'""', "''"} or _is_prose(match):
        return match.group(0)
    return match.group("lead") + marker("password" if re.search("pass|pwd|pw$|psk", name, re.I) else "secret")


ASSIGNMENT = Rule(
    ("pass", "pwd", "pw", "psk", "secret", "token", "key", "credential", "dsn", "auth"),
    re.compile(
        rf"""(?ix)(?P<lead>(?<![A-Za-z0-9_.-])(?=[A-Za-z0-9_."'-]+\s*[=:])["']?(?P<name>{_SENSITIVE_NAME}|{_WHOLE_NAMES})["']?"""
        rf"""\s*(?:=|:(?!//))[ \t]*)(?P<value>{VALUE})"""
    ),
    _assignment,
)
