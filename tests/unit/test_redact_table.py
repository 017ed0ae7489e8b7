"""The redaction table (tests/support/secret_kinds.py), one sample at a time, and ordinary output left alone."""

from __future__ import annotations

from pathlib import Path

import pytest

from console.core.redact import redact
from tests.support.secret_kinds import TABLE, SecretKind


def test_the_table_holds_at_least_sixty_kinds() -> None:
    assert len({kind.kind for kind in TABLE}) == len(TABLE) >= 60


@pytest.mark.parametrize("sample", TABLE, ids=[kind.kind for kind in TABLE])
def test_each_kind_is_redacted(sample: SecretKind) -> None:
    out = redact(sample.text)
    for secret in sample.secrets:
        assert secret not in out, f"{sample.kind}: {secret!r} survived in {out!r}"
    assert "[REDACTED:" in out
    if sample.keep is not None:
        assert sample.keep in out, f"{sample.kind}: {sample.keep!r} was redacted too: {out!r}"
    assert redact(out) == out


ORDINARY = (Path(__file__).parent / "data" / "ordinary_output.txt").read_text(encoding="utf-8")


@pytest.mark.parametrize("line", ORDINARY.splitlines(), ids=range(len(ORDINARY.splitlines())))
def test_ordinary_output_is_left_alone(line: str) -> None:
    """Hashes in `git log`, checksums, UUIDs, image digests, public keys and certificates are not secrets."""
    assert redact(line) == line


def test_ordinary_output_as_one_text_is_left_alone() -> None:
    assert redact(ORDINARY) == ORDINARY
