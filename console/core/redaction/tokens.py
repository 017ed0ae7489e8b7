"""Tokens recognised by their shape: a vendor prefix or a fixed layout. One table, one rule per row.

Each row is (kind, lower-case trigger substrings, pattern). Tokens whose layout detect-secrets knows and hitl does
not repeat (Discord bot tokens, Telegram bot tokens, Twilio keys, SendGrid, Mailchimp, Square OAuth secrets) are
found by the library layer (`console.core.redaction.library`).
"""

from __future__ import annotations

import base64
import binascii
import re

from console.core.redaction.rule import Rule, keep_prefix, marker

_AWS_PREFIXES = ("AKIA", "ASIA", "AGPA", "AIDA", "AROA", "ANPA", "ANVA", "AIPA", "ABIA", "ACCA")

_TABLE: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("aws-key", tuple(p.lower() for p in _AWS_PREFIXES), rf"\b(?:{'|'.join(_AWS_PREFIXES)})[A-Z0-9]{{16}}\b"),
    ("anthropic-key", ("sk-ant-",), r"\bsk-ant-[A-Za-z0-9_-]{8,}"),
    ("api-key", ("sk-",), r"\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}"),
    (
        "github-token",
        ("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"),
        r"\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})",
    ),
    ("gitlab-token", ("gl",), r"\bgl(?:pat|rt|dt|ptt|soat|cbt|oas|ft|imt|agent)-[A-Za-z0-9_-]{20,}"),
    ("npm-token", ("npm_",), r"\bnpm_[A-Za-z0-9]{36}\b"),
    ("pypi-token", ("pypi-",), r"\bpypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,}"),
    ("slack-token", ("xox", "xapp-"), r"\b(?:xox[abposre]-[A-Za-z0-9-]{10,}|xapp-\d-[A-Za-z0-9-]{20,})"),
    (
        "slack-webhook",
        ("hooks.slack.com",),
        r"https://hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9/_-]+",
    ),
    (
        "discord-webhook",
        ("/api/webhooks/",),
        r"(https://(?:[a-z]+\.)?discord(?:app)?\.com/api/webhooks/\d+/)[A-Za-z0-9_-]+",
    ),
    ("google-key", ("aiza",), r"\bAIza[0-9A-Za-z_-]{35}"),
    ("google-oauth-secret", ("gocspx-",), r"\bGOCSPX-[A-Za-z0-9_-]{20,}"),
    (
        "stripe-key",
        ("_live_", "_test_", "whsec_"),
        r"\b(?:(?:sk|rk)_(?:live|test)_[0-9A-Za-z]{16,}|whsec_[A-Za-z0-9+/=]{24,})",
    ),
    ("square-token", ("sq0", "eaaa"), r"\b(?:sq0(?:atp|csp)-[0-9A-Za-z_-]{22,}|EAAA[A-Za-z0-9_-]{56,})"),
    ("huggingface-token", ("hf_",), r"\bhf_[A-Za-z]{30,}\b"),
    ("digitalocean-token", ("_v1_",), r"\bdo[por]_v1_[a-f0-9]{64}\b"),
    ("shopify-token", ("shp",), r"\bshp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}\b"),
    ("databricks-token", ("dapi",), r"\bdapi[a-f0-9]{32}(?:-\d)?\b"),
    ("terraform-token", (".atlasv1.",), r"\b[A-Za-z0-9]{14}\.atlasv1\.[A-Za-z0-9_=-]{60,}"),
    ("grafana-token", ("glsa_", "glc_"), r"\b(?:glsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8}|glc_[A-Za-z0-9+/]{32,}={0,2})"),
    ("vault-token", ("hvs.", "hvb.", "hvr."), r"\bhv[sbr]\.[A-Za-z0-9_-]{20,}"),
    ("atlassian-token", ("atatt",), r"\bATATT[A-Za-z0-9_=-]{40,}"),
    ("postman-key", ("pmak-",), r"\bPMAK-[a-fA-F0-9]{24}-[a-fA-F0-9]{34}\b"),
    ("newrelic-key", ("nrak-", "nrjs-", "nrii-"), r"\bNR(?:AK|JS|II)-[A-Za-z0-9]{19,}"),
    ("linear-key", ("lin_api_",), r"\blin_api_[A-Za-z0-9]{40}\b"),
    ("doppler-token", ("dp.",), r"\bdp\.(?:st|ct|sa|scim|audit)\.[A-Za-z0-9_-]{40,}"),
    ("sentry-token", ("sntrys_", "sntryu_"), r"\bsntry[su]_[A-Za-z0-9+/=_-]{40,}"),
    ("age-key", ("age-secret-key-",), r"\bAGE-SECRET-KEY-1[0-9A-Z]{20,}"),
    ("jwt", ("eyj",), r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"),
    # An AWS secret access key given without its name (`aws configure set aws_secret_access_key X`): 40
    # characters of base64 with upper case, lower case and a digit, which a hex digest never has.
    (
        "aws-secret",
        (),
        r"(?<![A-Za-z0-9/+=])(?=[A-Za-z0-9/+]{0,39}[A-Z])(?=[A-Za-z0-9/+]{0,39}[a-z])(?=[A-Za-z0-9/+]{0,39}[0-9])"
        r"[A-Za-z0-9][A-Za-z0-9/+]{39}(?![A-Za-z0-9/+=])",
    ),
)


def _token_rule(kind: str, triggers: tuple[str, ...], pattern: str) -> Rule:
    compiled = re.compile(pattern)
    if compiled.groups:  # keep the URL part of a webhook, replace the token
        return Rule(triggers, compiled, keep_prefix(kind))
    return Rule(triggers, compiled, marker(kind))


def _base64_private_key(match: re.Match[str]) -> str:
    """Base64 of a PEM private key (a Kubernetes `tls.key`, a kubeconfig `client-key-data`), not of a certificate."""
    head = match.group(0)[:96]
    try:
        decoded = base64.b64decode(head[: len(head) // 4 * 4] + "==", validate=False)
    except (binascii.Error, ValueError):
        return match.group(0)
    return marker("private-key") if b"PRIVATE KEY" in decoded else match.group(0)


TOKEN_RULES: tuple[Rule, ...] = (
    Rule(("ls0tls1crudjti",), re.compile(r"LS0tLS1CRUdJTi[A-Za-z0-9+/=]{8,}"), _base64_private_key),
    *(_token_rule(kind, triggers, pattern) for kind, triggers, pattern in _TABLE),
)
