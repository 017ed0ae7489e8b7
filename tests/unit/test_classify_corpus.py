"""Every labelled line of the shared corpus: never READ when the label is higher, and DESTRUCTIVE is only
predicted WRITE for the accepted exceptions below."""

from __future__ import annotations

from pathlib import Path

import pytest

from console.core.classify import classify
from console.core.tiers import Tier

CORPUS = Path("/work/shared/corpus/commands.tsv")
LOCAL_COPY = Path(__file__).parent / "data" / "commands.tsv"
PLACEHOLDERS = {"<LF>": "\n", "<CR>": "\r", "<NBSP>": "\u00a0", "<ZWSP>": "\u200b"}

# DESTRUCTIVE lines the classifier is allowed to call WRITE, each with the reason it is accepted.
# (Empty today: every DESTRUCTIVE line of the corpus is classified DESTRUCTIVE.)
ACCEPTED_WRITE_FOR_DESTRUCTIVE: dict[str, str] = {}


def load_corpus() -> list[tuple[Tier, str, str]]:
    source = CORPUS if CORPUS.exists() else LOCAL_COPY
    cases = []
    for line in source.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        label, command, why = line.split("\t")
        for placeholder, char in PLACEHOLDERS.items():
            command = command.replace(placeholder, char)
        cases.append((Tier[label], command, why))
    return cases


CASES = load_corpus()


def test_corpus_is_not_empty() -> None:
    assert len(CASES) >= 200


@pytest.mark.parametrize(("label", "command", "why"), CASES, ids=[repr(c[1])[:60] for c in CASES])
def test_corpus_line(label: Tier, command: str, why: str) -> None:
    result = classify(command)
    assert result.reasons, "every verdict carries a reason"
    if label > Tier.READ:
        assert result.tier > Tier.READ, f"{command!r} ({why}) would run unreviewed: {result.reasons}"
    if label == Tier.DESTRUCTIVE and result.tier == Tier.WRITE:
        assert command in ACCEPTED_WRITE_FOR_DESTRUCTIVE, f"{command!r} ({why}) predicted WRITE: {result.reasons}"
    if result.tier == Tier.DESTRUCTIVE:
        assert result.consequence, "DESTRUCTIVE always states its consequence"


def test_corpus_exactness_is_reported() -> None:
    """The corpus is a sample: over-prompting is allowed but must stay rare (here: under 5 %)."""
    over = [c for label, c, _ in CASES if classify(c).tier > label]
    assert len(over) <= len(CASES) // 20, over
