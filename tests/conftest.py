"""Shared fixtures: every test gets its own HITL_HOME and a colour-capable, NO_COLOR-free environment."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

# In CI the property tests run the same examples every time (a red CI must be reproducible); on a developer's
# machine they stay random, so new inputs keep being tried. `--hypothesis-seed` overrides either.
settings.register_profile("ci", derandomize=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

pytest_plugins = [
    "tests.fakes.anthropic_fixtures",
    "tests.fixtures.sshd",
    "tests.fixtures.postgres",
    "tests.fixtures.team_store",
    "tests.fixtures.mariadb",
    "tests.fixtures.host_users",
    "tests.fixtures.fleet",
    "tests.support.session",
    "tests.support.misread",
]


@pytest.fixture(autouse=True)
def hitl_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An isolated HITL_HOME; no HITL_* or Anthropic settings leak in from the developer's shell."""
    home = tmp_path / "hitl-home"
    home.mkdir()

    for name in list(os.environ):
        if name.startswith("HITL_") or name.startswith("ANTHROPIC_"):
            monkeypatch.delenv(name)
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("HITL_HOME", str(home))
    yield home


@pytest.fixture
def saved_crontab() -> Iterator[None]:
    """Put the real crontab of the user running the tests back, whatever happens."""
    before = subprocess.run(["crontab", "-l"], capture_output=True, text=True, check=False)
    try:
        yield
    finally:
        if before.returncode == 0:
            subprocess.run(["crontab", "-"], input=before.stdout, text=True, check=True)
        else:
            subprocess.run(["crontab", "-r"], capture_output=True, check=False)
