"""Errors raised by transports. Each message names the host so the operator knows where it happened."""

from __future__ import annotations

from console.core.errors import HostError


class TransportError(HostError):
    """A host could not be reached, or a file operation on it failed."""


class ConnectError(TransportError):
    """The connection could not be made (refused, unreachable, timed out, authentication failed)."""


class AuthenticationFailed(ConnectError):
    """The server rejected every key we offered."""
