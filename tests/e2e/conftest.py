"""The `tmux` fixture of the end-to-end tests."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import pytest

from tests.support.tmux import Tmux


@pytest.fixture
def tmux(request: pytest.FixtureRequest) -> Iterator[Tmux]:
    assert shutil.which("tmux"), "tmux is required (.ci/run installs it)"
    session = Tmux(f"hitl-e2e-{os.getpid()}-{request.node.name[:20]}")
    try:
        yield session
    finally:
        session.kill()
