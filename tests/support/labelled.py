"""Labelled command sets (the shared corpus, our red-team set): loading them, and the rules every line obeys."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from console.core.classify import classify
from console.core.tiers import Tier

REPOSITORY = Path(__file__).resolve().parents[2]
SHARED_CORPUS = Path("shared") / "corpus" / "commands.tsv"
"""Where the shared corpus lives relative to a directory that holds the checkout (the team keeps `shared/`
beside the repository; a git worktree may sit one or more levels further down)."""
LOCAL_CORPUS = REPOSITORY / "tests" / "unit" / "data" / "commands.tsv"
PLACEHOLDERS = {"<LF>": "\n", "<CR>": "\r", "<NBSP>": "\u00a0", "<ZWSP>": "\u200b"}

Case = tuple[Tier, str, str]


def shared_corpus(repository: Path = REPOSITORY) -> Path | None:
    """`shared/corpus/commands.tsv` in the nearest directory above the repository that has one, or None."""
    for parent in repository.parents:
        candidate = parent / SHARED_CORPUS
        if candidate.is_file():
            return candidate
    return None


def corpus_path() -> Path:
    """The shared corpus when it is beside the checkout, else the copy kept in the repository."""
    return shared_corpus() or LOCAL_CORPUS


def decode(command: str) -> str:
    for placeholder, char in PLACEHOLDERS.items():
        command = command.replace(placeholder, char)
    return command


def load_labelled(path: Path) -> list[Case]:
    """`TIER<TAB>command<TAB>why` lines, placeholders replaced by the characters they stand for."""
    cases = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        fields = line.split("\t")
        assert len(fields) == 3, f"{path.name}:{number}: expected TIER<TAB>command<TAB>why, got {line!r}"
        label, command, why = fields
        assert why.strip(), f"{path.name}:{number}: every label says why"
        cases.append((Tier[label], decode(command), why))
    return cases


def check_line(label: Tier, command: str, why: str, accepted_write_for_destructive: Mapping[str, str]) -> None:
    """Never READ when the label is higher; DESTRUCTIVE only called WRITE when accepted; reasons always given."""
    result = classify(command)
    assert result.reasons, "every verdict carries a reason"
    if label > Tier.READ:
        assert result.tier > Tier.READ, f"{command!r} ({why}) would run unreviewed: {result.reasons}"
    if label == Tier.DESTRUCTIVE and result.tier == Tier.WRITE:
        assert command in accepted_write_for_destructive, f"{command!r} ({why}) predicted WRITE: {result.reasons}"
    if result.tier == Tier.DESTRUCTIVE:
        assert result.consequence, "DESTRUCTIVE always states its consequence"
