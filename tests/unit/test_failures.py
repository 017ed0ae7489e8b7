"""One exception tree, one mapping to exit statuses and one-line messages for every sub-command."""

from __future__ import annotations

import pytest

from console.commands.failures import EXIT_FAILURE, EXIT_UNREACHABLE, exit_status
from console.core.capture.engine import CaptureError
from console.core.config import ConfigError
from console.core.errors import HitlError, HostUnreachable, SessionError
from console.core.gate import ApprovalRefused
from console.core.memory import MemoryStoreError
from console.core.remembered import RememberError
from console.core.rollback import RollbackError
from console.core.themes import ThemeFileError
from console.core.transport.errors import AuthenticationFailed, TransportError
from console.core.transport.inventory import InventoryError


@pytest.mark.parametrize(
    ("error", "status", "line"),
    [
        (HostUnreachable("cannot start on web-1: refused"), EXIT_UNREACHABLE, "cannot start on web-1: refused"),
        (AuthenticationFailed("web-1: no key accepted"), EXIT_UNREACHABLE, "web-1: no key accepted"),
        (ConfigError("config.toml", "theme", "not a string"), EXIT_FAILURE, "configuration error: config.toml: "),
        (MemoryStoreError("/x/hitl.sqlite3: not a database"), EXIT_FAILURE, "memory store: /x/hitl.sqlite3: "),
        (RollbackError("no rollback point rb-abc234"), EXIT_FAILURE, "no rollback point rb-abc234"),
        (InventoryError("hosts.toml: bad port"), EXIT_FAILURE, "hosts.toml: bad port"),
        (CaptureError("capture failed"), EXIT_FAILURE, "capture failed"),
    ],
)
def test_each_family_has_one_status_and_one_line(error: HitlError, status: int, line: str) -> None:
    got_status, got_line = exit_status(error)
    assert got_status == status
    assert got_line.startswith(line) and "\n" not in got_line


@pytest.mark.parametrize(
    "kind",
    [
        ConfigError,
        InventoryError,
        ThemeFileError,
        RememberError,
        MemoryStoreError,
        SessionError,
        HostUnreachable,
        RollbackError,
        TransportError,
        CaptureError,
        ApprovalRefused,
    ],
)
def test_everything_the_core_raises_to_its_callers_is_a_hitl_error(kind: type[Exception]) -> None:
    assert issubclass(kind, HitlError)
