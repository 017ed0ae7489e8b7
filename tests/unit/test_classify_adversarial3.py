"""The third adversarial set (issue 12, round 3: tests/unit/data/adversarial3.tsv): several members of each
family the round-2 held-out measurement still failed, written before the round-3 fixes and seen failing
(docs/CLASSIFIER.md): arithmetic in parameter expansions, variables given to a program, options and format
strings that write files, inline code hitl cannot prove, and options or wrappers that run code or remove.
No non-READ line may be READ; each DESTRUCTIVE line called WRITE and each over-prompted READ line is listed
with the reason."""

from __future__ import annotations

from pathlib import Path

from console.core.classify import classify
from console.core.tiers import Tier
from tests.support.labelled import corpus_path, load_labelled

DATA = Path(__file__).parent / "data"
CASES = load_labelled(DATA / "adversarial3.tsv")

ACCEPTED_WRITE_FOR_DESTRUCTIVE: dict[str, str] = {}

ACCEPTED_OVER_PROMPTS: dict[str, str] = {}


def test_the_set_is_new() -> None:
    commands = [command for _, command, _ in CASES]
    assert len(set(commands)) == len(commands)
    assert {label for label, _, _ in CASES} == {Tier.READ, Tier.WRITE, Tier.DESTRUCTIVE}
    others = {
        c for name in ("redteam.tsv", "adversarial.tsv", "adversarial2.tsv") for _, c, _ in load_labelled(DATA / name)
    } | {c for _, c, _ in load_labelled(corpus_path())}
    assert not set(commands) & others


def test_no_line_above_read_is_read() -> None:
    read = [(c, classify(c).reasons) for label, c, _ in CASES if label > Tier.READ and classify(c).tier is Tier.READ]
    assert read == []


def test_destructive_misses_are_listed() -> None:
    missed = {c for label, c, _ in CASES if label is Tier.DESTRUCTIVE and classify(c).tier is Tier.WRITE}
    assert missed == set(ACCEPTED_WRITE_FOR_DESTRUCTIVE), (
        missed - set(ACCEPTED_WRITE_FOR_DESTRUCTIVE),
        set(ACCEPTED_WRITE_FOR_DESTRUCTIVE) - missed,
    )


def test_over_prompts_are_listed() -> None:
    over = {c for label, c, _ in CASES if label is Tier.READ and classify(c).tier > Tier.READ}
    assert over == set(ACCEPTED_OVER_PROMPTS), (over - set(ACCEPTED_OVER_PROMPTS), set(ACCEPTED_OVER_PROMPTS) - over)
