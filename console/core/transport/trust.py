"""Host key trust: which known_hosts files vouch for a host, what the operator is asked about an unknown
key, and the errors for keys that are refused.

An unknown key is never accepted silently: the transport builds a `TrustRequest` and awaits the caller's
`TrustPrompt` (the TUI or the CLI shows the SHA256 fingerprint and asks). An accepted key is appended to
hitl's own known_hosts, never to the user's. A key that differs from a known one is refused outright.
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from console.core.private_files import FILE_MODE, make_private_dir
from console.core.transport.errors import ConnectError


@dataclass(frozen=True, slots=True)
class TrustRequest:
    """What the operator decides on: is this the key of `host`?"""

    host: str
    """The inventory name."""
    hostname: str
    port: int
    key_type: str
    fingerprint: str
    """`SHA256:...`, as `ssh-keygen -l` shows it."""
    known_hosts_file: Path
    """Where the key is recorded if accepted."""

    def describe(self) -> str:
        where = self.hostname if self.port == 22 else f"{self.hostname} port {self.port}"
        return (
            f"The authenticity of host {self.host!r} ({where}) is not known.\n"
            f"Its {self.key_type} host key fingerprint is {self.fingerprint}."
        )


TrustPrompt = Callable[[TrustRequest], Awaitable[bool]]
"""Answers a TrustRequest: True to trust the key (it is then recorded), False to refuse."""


PassphrasePrompt = Callable[[str], Awaitable[str | None]]
"""Asked for a private key's passphrase (given the prompt text); None gives up. The answer is never stored."""


class HostKeyNotTrusted(ConnectError):
    """The key is unknown and nobody accepted it."""


class HostKeyChanged(ConnectError):
    """The server offered a key that differs from the one on record. There is no bypass."""


def changed_key_message(host: str, hostname: str, port: int, fingerprint: str, files: list[Path]) -> str:
    return (
        f"host key for host {host!r} ({hostname}:{port}) has CHANGED: the server offered {fingerprint}, "
        f"which does not match the key recorded in {', '.join(map(str, files))}. This may be an attack "
        "(or the server was reinstalled). hitl refuses to connect; check the new key out of band and "
        "remove the old entry yourself (`ssh-keygen -R`) if the change is legitimate."
    )


def known_hosts_files(own_file: Path, host_file: str | None) -> list[Path]:
    """The files consulted for a host: its own setting (else ~/.ssh/known_hosts), plus hitl's file."""
    first = Path(host_file).expanduser() if host_file else Path("~/.ssh/known_hosts").expanduser()
    return [first, own_file] if first != own_file else [own_file]


def known_hosts_pattern(hostname: str, port: int) -> str:
    return hostname if port == 22 else f"[{hostname}]:{port}"


def append_known_host(path: Path, hostname: str, port: int, public_key_line: str) -> None:
    """Record an accepted key (`public_key_line` is `TYPE BASE64`) in hitl's own known_hosts file."""
    make_private_dir(path.parent)
    existing = path.read_text() if path.exists() else ""
    separator = "" if not existing or existing.endswith("\n") else "\n"
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, FILE_MODE)
    with os.fdopen(fd, "a") as handle:
        handle.write(f"{separator}{known_hosts_pattern(hostname, port)} {public_key_line}\n")
    path.chmod(FILE_MODE)
