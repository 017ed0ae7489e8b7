"""`hitl rollback` says what it could not put back, and exits non-zero when a rollback is incomplete."""

from __future__ import annotations

import os
from pathlib import Path

from tests.integration.test_exec_cli import Terminal


def test_an_incomplete_rollback_names_each_path_and_exits_non_zero(tmp_path: Path) -> None:
    linked, other = tmp_path / "linked", tmp_path / "other"
    linked.write_text("one\n")
    os.link(linked, other)
    term = Terminal("exec", "local", "--", "sed", "-i", "s/one/two/", str(linked))  # replaces the name
    term.expect(r"2 hard links")  # said before the decision
    term.expect(r"Approve WRITE on local\? \[y/N\]")
    term.send("y\n")
    key = term.expect(r"rollback key: (rb-[a-z0-9]{6})").group(1)
    assert term.wait() == 0

    term = Terminal("rollback", key)
    term.expect(r"Approve WRITE on local\? \[y/N\]")
    term.send("y\n")
    status = term.wait()
    assert status == 1, term.seen
    assert "rollback incomplete:" in term.seen and str(linked) in term.seen
    assert "restored and verified" not in term.seen
    assert linked.read_text() == "one\n" and other.read_text() == "one\n"
