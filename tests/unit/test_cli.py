from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from console import __version__
from console.cli import main


def test_version(capsys) -> None:
    try:
        main(["--version"])
    except SystemExit as done:
        assert done.code == 0
    assert f"hitl {__version__}" in capsys.readouterr().out


def test_help_lists_subcommands(capsys) -> None:
    try:
        main(["--help"])
    except SystemExit as done:
        assert done.code == 0
    out = capsys.readouterr().out
    for command in ("config", "themes"):
        assert command in out


def test_config_path_under_hitl_home(hitl_home: Path, capsys) -> None:
    assert main(["config", "path"]) == 0
    lines = dict(line.split(None, 1) for line in capsys.readouterr().out.splitlines())
    assert lines["config"] == str(hitl_home / "config.toml")
    assert lines["hosts"] == str(hitl_home / "hosts.toml")
    assert lines["data"] == str(hitl_home / "data")
    assert lines["state"] == str(hitl_home / "state")
    assert lines["snapshots"].startswith(str(hitl_home / "data"))


def test_bad_config_exits_2_with_one_clear_line(hitl_home: Path) -> None:
    (hitl_home / "config.toml").write_text('rollback_ttl = "whenever"\n')
    done = subprocess.run(
        [sys.executable, "-m", "console", "config", "show"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert str(hitl_home / "config.toml") in done.stderr
    assert "rollback_ttl" in done.stderr
    assert done.stderr.count("\n") == 1


def test_themes_lists_shipped_and_user(hitl_home: Path, capsys) -> None:
    (hitl_home / "themes").mkdir()
    (hitl_home / "themes" / "ocean.toml").write_text('name = "ocean"\n[colors]\nprimary = "#0077be"\n')
    assert main(["themes"]) == 0
    names = capsys.readouterr().out.split()
    assert {"hitl-dark", "hitl-light", "hitl-high-contrast", "ocean"} <= set(names)
