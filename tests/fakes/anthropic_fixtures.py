"""Pytest fixtures around the fake Anthropic server (registered in tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

import pytest

from tests.fakes.anthropic_server import FakeAnthropicServer, Turn


@pytest.fixture
def fake_anthropic() -> Iterator[Callable[..., FakeAnthropicServer]]:
    """Start fake servers with a script: `server = fake_anthropic([text_turn("hi")])`; all stop at teardown."""
    servers: list[FakeAnthropicServer] = []

    def start(script: Sequence[Turn] = (), **options: Any) -> FakeAnthropicServer:
        server = FakeAnthropicServer(script, **options).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()
