"""Redaction: secrets are replaced by `[REDACTED:<kind>]` before anything is stored or sent to the model.

Two layers, hitl's own rules first, then a detector library:
- structural rules (`console.core.redaction.structural`): private key blocks, credential files (`.netrc`,
  `.pgpass`, shadow/htpasswd/LDAP hashes), Kubernetes Secret data, Authorization/Cookie/Set-Cookie headers,
  URLs with a password (an `@` inside it too), SQL password clauses, password options of common CLIs;
- tokens by their shape (`console.core.redaction.tokens`): AWS, Anthropic, OpenAI, GitHub, GitLab, npm, PyPI,
  Slack, Stripe, Vault, Google, Grafana, Terraform Cloud, JWTs and more;
- secret-looking names (`console.core.redaction.names`): `PGPASSWORD=...`, `api_key: ...`, `"client_secret": ...`;
- detect-secrets' regex plugins (`console.core.redaction.library`), imported on first use.

Redaction errs on the side of hiding: a false positive costs a few characters of context, a false negative
leaks a credential. It is idempotent: redacting redacted text changes nothing.

Entry points: `redact(text)`, `redact_json(value)` (every string in a JSON-like value, and values under
secret-looking keys), `is_sensitive_name(name)`, `preload()` (import the detector library ahead of time).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from console.core.redaction.library import preload, redact_library
from console.core.redaction.names import ASSIGNMENT, is_sensitive_name
from console.core.redaction.rule import MARKER, apply, marker
from console.core.redaction.structural import STRUCTURAL_RULES
from console.core.redaction.tokens import TOKEN_RULES

__all__ = ["MARKER", "is_sensitive_name", "preload", "redact", "redact_json", "redact_structural"]

_RULES = (*STRUCTURAL_RULES[:4], *TOKEN_RULES, *STRUCTURAL_RULES[4:], ASSIGNMENT)


def redact_structural(text: str) -> str:
    """hitl's own rules only (no detector library): the baseline `bench/redact.py` compares against."""
    return apply(_RULES, text)


def redact(text: str) -> str:
    """Return `text` with every recognised secret replaced by `[REDACTED:<kind>]`. Idempotent."""
    return redact_library(apply(_RULES, text))


def redact_json(value: Any) -> Any:
    """`value` with every string in it redacted, and string values under a secret-looking key replaced."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, Mapping):
        return {
            key: marker("secret")
            if isinstance(item, str) and item and is_sensitive_name(str(key)) and not item.startswith("[REDACTED:")
            else redact_json(item)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [redact_json(item) for item in value]
    return value
