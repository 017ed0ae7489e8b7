"""The labelled sets are found relative to the checkout, wherever it is cloned."""

from __future__ import annotations

from pathlib import Path

from tests.support.labelled import LOCAL_CORPUS, SHARED_CORPUS, shared_corpus


def _corpus_beside(root: Path) -> Path:
    corpus = root / SHARED_CORPUS
    corpus.parent.mkdir(parents=True)
    corpus.write_text("READ\tls\tlists\n")
    return corpus


def test_a_fresh_clone_finds_the_shared_sibling(tmp_path: Path) -> None:
    corpus = _corpus_beside(tmp_path / "anywhere")
    clone = tmp_path / "anywhere" / "hitl"
    clone.mkdir()
    assert shared_corpus(clone) == corpus


def test_a_worktree_further_down_finds_it_too(tmp_path: Path) -> None:
    corpus = _corpus_beside(tmp_path)
    worktree = tmp_path / "wt" / "a-branch"
    worktree.mkdir(parents=True)
    assert shared_corpus(worktree) == corpus


def test_without_a_shared_directory_the_repository_copy_is_used(tmp_path: Path) -> None:
    lonely = tmp_path / "hitl"
    lonely.mkdir()
    assert shared_corpus(lonely) is None
    assert LOCAL_CORPUS.is_file()
