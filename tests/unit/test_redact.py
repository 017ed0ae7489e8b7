"""Each kind of secret hitl redacts, shown with the text it appears in and what remains."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from console.core.redact import redact

PEM = """-----BEGIN OPENSSH PRIVATE KEY-----
b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW
QyNTUxOQAAACBGdW5ueUZha2VLZXlGb3JUZXN0c09ubHlOb3RSZWFsAAAAAA==
-----END OPENSSH PRIVATE KEY-----"""

# (text, secret that must disappear, marker kind, text that must survive)
CASES = [
    (f"key:\n{PEM}\ndone", "b3BlbnNzaC1rZXkt", "private-key", "done"),
    ("-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAcutoff", "MIIEowIBAAKCAQEA", "private-key", None),
    ("AAAAB3NzaC1yc2EAAAADAQABAAABgQC\n-----END PRIVATE KEY-----\ntail", "AAAAB3NzaC1yc2E", "private-key", "tail"),
    ("aws_access_key_id = AKIAIOSFODNN7EXAMPLE", "AKIAIOSFODNN7EXAMPLE", "aws-key", "aws_access_key_id"),
    ("creds ASIAY34FZKBOKMUTVV7A here", "ASIAY34FZKBOKMUTVV7A", "aws-key", "creds"),
    (
        "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "wJalrXUtnFEMI",
        "aws-secret",
        "aws_secret_access_key",
    ),
    (
        "aws configure set aws_secret_access_key wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "wJalrXUtnFEMI",
        "aws-secret",
        "aws configure set",
    ),
    ('{"SecretAccessKey": "abcSECRETvalue", "Expiration": "x"}', "abcSECRETvalue", "secret", "Expiration"),
    ("export ANTHROPIC_API_KEY=sk-ant-api03-AbCdEf0123456789xyz", "AbCdEf0123456789", None, "export"),
    ("using sk-ant-api03-AbCdEf0123456789xyz_QQ now", "AbCdEf0123456789", "anthropic-key", "now"),
    ("git clone https://ghp_abcdefghijklmnopqrstuvwxyz0123456789@github.com/o/r", "ghp_abcdef", None, "github.com"),
    ("token github_pat_11ABCDEFG0123456789_abcdefghijklmnop", "github_pat_11", "github-token", None),
    ("SLACK xoxb-123456789012-abcdefghijklmnop", "xoxb-1234", "slack-token", "SLACK"),
    ("curl https://hooks.slack.com/services/T000/B000/XXXXXXXX", "T000/B000", "slack-webhook", "curl"),
    ("curl -H 'Authorization: Bearer abc.def-ghi_jkl' https://x", "abc.def-ghi_jkl", "authorization", "https://x"),
    ("Proxy-Authorization: Basic dXNlcjpwYXNz", "dXNlcjpwYXNz", "authorization", "Proxy-Authorization"),
    ("got bearer eyJhbGciOiJIUzI1NiJ9abc.zzz for later", "eyJhbGciOiJIUzI1NiJ9abc", "bearer-token", "later"),
    ("psql postgres://app:s3cr3t@db:5432/app", "s3cr3t", "password", "postgres://app:"),
    ("curl 'https://api.example.com/v1?user=me&token=abc123&x=1'", "abc123", "secret", "x=1"),
    ("curl https://x/?api_key=K3Y", "K3Y", "secret", "https://x/?api_key="),
    ("mysqladmin --password=hunter2 status", "hunter2", "password", "status"),
    ("deploy --password 'hunter 2' --force", "hunter 2", "password", "--force"),
    ("mysql -u root -phunter2 app", "hunter2", "password", "app"),
    ("mkdir -p /var/www/app", None, None, "mkdir -p /var/www/app"),
    ("sshpass -p hunter2 ssh host", "hunter2", "password", "ssh host"),
    ("redis-cli -a hunter2 ping", "hunter2", "password", "ping"),
    ("PGPASSWORD=hunter2 psql -h db", "hunter2", "password", "psql -h db"),
    ("MYSQL_PWD='hunter 2' mysql", "hunter 2", "password", "mysql"),
    ("DB_PASSWORD=hunter2\nDB_HOST=db\nAPI_TOKEN=tok123\n", "tok123", "secret", "DB_HOST=db"),
    ("database:\n  password: hunter2\n  host: db\n", "hunter2", "password", "host: db"),
    ("PWD=/root\nOLDPWD=/home", None, None, "PWD=/root\nOLDPWD=/home"),
    ("psql --no-password -c 'select 1'", None, None, "-c 'select 1'"),
    ("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NSJ9.c2lnbmF0dXJlMTIz", "eyJzdWIi", "jwt", None),
    ("git log 3f786850e387550fdab836ed7e6dc881de23001b", None, None, "3f786850e387550fdab836ed7e6dc881de23001b"),
]


@pytest.mark.parametrize(("text", "secret", "kind", "survivor"), CASES)
def test_each_secret_is_redacted(text: str, secret: str | None, kind: str | None, survivor: str | None) -> None:
    out = redact(text)
    if secret is None:
        assert out == text
    else:
        assert secret not in out
        assert "[REDACTED:" in out
    if kind is not None:
        assert f"[REDACTED:{kind}]" in out
    if survivor is not None:
        assert survivor in out


def test_text_without_secrets_is_unchanged() -> None:
    text = "Filesystem 1K-blocks Used Available Use% Mounted on\n/dev/sda1 100 50 50 50% /\n"
    assert redact(text) == text


@given(st.text(max_size=300))
def test_redaction_never_raises_and_is_idempotent(text: str) -> None:
    once = redact(text)
    assert redact(once) == once


def test_a_large_output_is_redacted_to_its_end() -> None:
    """The secret on the last line of 1.5 MB is still found (speed is measured in bench/redact.py, not here)."""
    text = ("Jan 1 00:00:01 host nginx[123]: GET /index.html 200 in 0.001s user=alice\n" * 20000) + "PGPASSWORD=x\n"
    out = redact(text)
    assert out.endswith("PGPASSWORD=[REDACTED:password]\n")
    assert out.count("user=alice") == 20000
