"""`hitl classify`: arguments and JSON Lines on stdin, JSON and human output, bad lines reported and skipped."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from console.cli import main


def test_json_for_each_argument(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["classify", "--json", "rm -rf build", "ls -la"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["tier"] for line in lines] == ["DESTRUCTIVE", "READ"]
    assert set(lines[0]) >= {"tier", "reasons", "targets", "consequence", "capture"}
    assert lines[0]["targets"] == [{"kind": "path", "value": "build", "cwd": "", "cwd_known": True}]


def test_human_output_says_no_rollback(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["classify", "mkfs.ext4 /dev/sdb1"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("DESTRUCTIVE mkfs.ext4 /dev/sdb1")
    assert "capture:  NO ROLLBACK" in out


def test_json_lines_on_stdin_with_a_bad_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    stdin = '"ls"\n{"command": "crontab -r"}\nnot json\n\n[1]\n"git status"\n'
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    assert main(["classify", "--json", "-"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line.get("tier") for line in lines] == ["READ", "DESTRUCTIVE", None, None, "READ"]
    assert lines[2]["line"] == 3 and "not valid JSON" in lines[2]["error"]
    assert lines[3]["line"] == 5 and "expected a JSON string" in lines[3]["error"]


def test_user_rules_from_config_dir_and_a_broken_rule_file(hitl_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rules = hitl_home / "rules"
    rules.mkdir()
    (rules / "mine.toml").write_text('[[rule]]\ncommand = "frob"\ntier = "READ"\ndoes = "frobs"\n')
    assert main(["classify", "--json", "frob"]) == 0
    assert json.loads(capsys.readouterr().out)["tier"] == "READ"
    (rules / "mine.toml").write_text('[[rule]]\ncommand = "frob"\ntier = "READ"\ndoes = "x"\nexamples = ["nope"]\n')
    assert main(["classify", "frob"]) == 2
    err = capsys.readouterr().err
    assert "mine.toml" in err and "example 'nope'" in err
    assert "Traceback" not in err


def test_entry_point_runs_as_a_process(hitl_home: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "console", "classify", "--json", "-"],
        input='"sudo rm -rf /var/lib/app"\n',
        capture_output=True,
        text=True,
        check=False,
        env={"HITL_HOME": str(hitl_home), "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["tier"] == "DESTRUCTIVE"


def test_hitls_own_directories_are_critical(hitl_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The CLI passes the session's own directories (here under HITL_HOME) as critical paths."""
    assert main(["classify", "--json", f"echo x > {hitl_home}/hosts.toml", f"cp x {hitl_home}/data/", "ls"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["tier"] for line in lines] == ["DESTRUCTIVE", "DESTRUCTIVE", "READ"]


def test_human_output_names_the_user_rule_that_lowered(hitl_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rules = hitl_home / "rules"
    rules.mkdir()
    (rules / "make.toml").write_text('[[rule]]\ncommand = "make"\ntier = "READ"\ndoes = "builds"\nlower = true\n')
    assert main(["classify", "make"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("READ")
    assert "lowered:  the user rule 'make'" in out and "from WRITE to READ" in out
    assert main(["classify", "--json", "make"]) == 0
    assert "make.toml" in json.loads(capsys.readouterr().out)["lowered_by"][0]
