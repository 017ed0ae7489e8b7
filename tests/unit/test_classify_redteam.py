"""Our own adversarial set (tests/unit/data/redteam.tsv): commands the shared corpus does not contain, labelled
the way a careful sysadmin would. Same rules as the corpus: never READ when the label is higher, DESTRUCTIVE
only predicted WRITE for the accepted exceptions below, and over-prompting kept rare."""

from __future__ import annotations

from pathlib import Path

import pytest

from console.core.classify import classify
from console.core.tiers import Tier
from tests.support.labelled import check_line, corpus_path, load_labelled

REDTEAM = Path(__file__).parent / "data" / "redteam.tsv"
FAMILIES_MIN = 250

# DESTRUCTIVE lines the classifier is allowed to call WRITE, each with the reason it is accepted.
# (Empty today: every DESTRUCTIVE line of the set is classified DESTRUCTIVE.)
ACCEPTED_WRITE_FOR_DESTRUCTIVE: dict[str, str] = {}

# Lines predicted above their label, each with the reason. At most 1 in 50 lines may be here.
_REMOVAL = (
    "round 3: package removal is DESTRUCTIVE in every manager; what depends on the package stops working and "
    "no capture restores it"
)
ACCEPTED_OVER_PROMPTS: dict[str, str] = {"apt remove nginx": _REMOVAL, "snap remove lxd": _REMOVAL}


CASES = load_labelled(REDTEAM)


def test_redteam_is_large_and_new() -> None:
    """At least 250 lines, no duplicates, and none copied from the shared corpus (it teaches nothing new)."""
    commands = [command for _, command, _ in CASES]
    assert len(commands) >= FAMILIES_MIN
    assert len(set(commands)) == len(commands)
    assert not set(commands) & {command for _, command, _ in load_labelled(corpus_path())}
    assert {label for label, _, _ in CASES} == {Tier.READ, Tier.WRITE, Tier.DESTRUCTIVE}


@pytest.mark.parametrize(("label", "command", "why"), CASES, ids=[repr(c[1])[:60] for c in CASES])
def test_redteam_line(label: Tier, command: str, why: str) -> None:
    check_line(label, command, why, ACCEPTED_WRITE_FOR_DESTRUCTIVE)


def test_redteam_over_prompts_stay_rare() -> None:
    """Over-prompting is the safe side but costs attention: every case is listed with its reason, and the
    list stays under 2 % of the set."""
    over = {c: classify(c).tier.name for label, c, _ in CASES if classify(c).tier > label}
    assert set(over) <= set(ACCEPTED_OVER_PROMPTS), over
    assert len(ACCEPTED_OVER_PROMPTS) <= len(CASES) // 50
