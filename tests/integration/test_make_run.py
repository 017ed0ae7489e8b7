"""`make run` on a fresh clone says what it is doing while it installs, line by line as it happens.

The Makefile is run for real, in a copy of the repository's top level, with `PYTHON` pointing at a stand-in
interpreter: `-m venv` makes a stand-in virtual environment whose pip prints what a real one prints, with pauses
where a real one downloads. Before: the install was `pip --quiet` and the first line appeared only when hitl
started, 20 to 80 seconds later.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

FAKE_PYTHON = """#!/bin/sh
# Stand-in for python3: only `-m venv DIR` is expected.
[ "$1" = "-m" ] && [ "$2" = "venv" ] || exit 9
mkdir -p "$3/bin"
cp "$(dirname "$0")/venv-python" "$3/bin/python"
cp "$(dirname "$0")/venv-hitl" "$3/bin/hitl"
"""

FAKE_VENV_PYTHON = """#!/bin/sh
# Stand-in for the virtual environment's python: pip prints like pip, slowly; imports succeed.
case "$*" in
  *"--upgrade pip"*) exit 0 ;;
  *"--quiet"*"-e .[dev]"*) sleep 3; exit 0 ;;
  *"-e .[dev]"*)
    echo "Obtaining file:///src"
    echo "Collecting textual==8.2.8"
    sleep 1.5
    echo "  Downloading textual-8.2.8-py3-none-any.whl (700 kB)"
    echo "Collecting asyncssh>=2.14"
    sleep 1.5
    echo "Installing collected packages: textual, asyncssh, hitl"
    echo "Successfully installed asyncssh-2.24.1 hitl-0.1.0 textual-8.2.8"
    exit 0 ;;
  -c*) exit 0 ;;
esac
exit 9
"""


def _script(path: Path, text: str) -> None:
    path.write_text(text)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)


def test_make_run_says_what_it_does_while_it_installs(tmp_path: Path) -> None:
    clone = tmp_path / "clone"
    clone.mkdir()
    shutil.copy(ROOT / "Makefile", clone / "Makefile")
    (clone / "pyproject.toml").write_text("[project]\nname = 'hitl'\n")
    tools = tmp_path / "tools"
    tools.mkdir()
    _script(tools / "python3", FAKE_PYTHON)
    _script(tools / "venv-python", FAKE_VENV_PYTHON)
    _script(tools / "venv-hitl", '#!/bin/sh\necho "hitl started with $*"\n')

    started = time.monotonic()
    process = subprocess.Popen(
        ["make", "--no-print-directory", "run", f"PYTHON={tools / 'python3'}", "ARGS=--version"],
        cwd=clone,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "MAKEFLAGS": ""},
    )
    assert process.stdout is not None
    seen: list[tuple[float, str]] = [(time.monotonic() - started, line.rstrip("\n")) for line in process.stdout]
    assert process.wait(30) == 0
    lines = [line for _, line in seen]
    assert lines[-1] == "hitl started with --version"
    first_at, first = seen[0]
    end_at = seen[-1][0]
    assert first.startswith("make: "), first
    assert end_at - first_at > 2.5, "nothing was said until the install had finished"
    for expected in (
        "make: creating the virtual environment .venv",
        "make:   Collecting textual==8.2.8",
        "make:   Collecting asyncssh>=2.14",
        "make:   installed",
        "make: hitl is installed in .venv",
    ):
        assert expected in lines, (expected, lines)
    collected = [at for at, line in seen if "Collecting" in line]
    assert collected[1] - collected[0] > 1.0, "the packages were not named as they were fetched"

    again = subprocess.run(
        ["make", "--no-print-directory", "run", f"PYTHON={tools / 'python3'}", "ARGS=x"],
        cwd=clone,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "make: setting up" not in again.stdout, "a second run installed again"
