"""Adding a host to hosts.toml from a form: validate, append, write atomically, keep what was there.

The new `[hosts.NAME]` table is appended to the file's text as it is (comments and layout stay), the result
is parsed again with the inventory's own rules before anything is written, and it replaces the file with a
rename, so a crash or a bad entry never leaves a half-written or invalid hosts.toml.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from console.core.private_files import make_private_dir
from console.core.transport.inventory import LOCAL_NAME, HostSpec, InventoryError, _host_from_table

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


@dataclass(frozen=True, slots=True)
class NewHost:
    """A host as typed in the "add host" form, before it is validated."""

    name: str
    hostname: str
    port: str = ""
    user: str = ""
    identity_file: str = ""
    labels: str = ""
    """Comma separated."""


def _table(host: NewHost) -> dict[str, object]:
    """The TOML table for `host`; raises `InventoryError` naming the field that is wrong."""
    name = host.name.strip()
    if not name:
        raise InventoryError("name: a host needs a name")
    if not _NAME.match(name):
        raise InventoryError(f"name: {name!r} may hold letters, digits, '.', '_' and '-' only")
    if name == LOCAL_NAME:
        raise InventoryError("name: 'local' is reserved for this machine; pick another name")
    hostname = host.hostname.strip()
    if not hostname or any(ch.isspace() for ch in hostname):
        raise InventoryError("hostname: give the address to connect to (a name or an IP, no spaces)")
    table: dict[str, object] = {"hostname": hostname}
    port = host.port.strip()
    if port:
        if not port.isdigit() or not 0 < int(port) < 65536:
            raise InventoryError(f"port: must be a number from 1 to 65535, not {port!r}")
        table["port"] = int(port)
    user, identity_file = host.user.strip(), host.identity_file.strip()
    if any(ch.isspace() for ch in user):
        raise InventoryError(f"user: {user!r} contains spaces")
    if user:
        table["user"] = user
    if identity_file:
        table["identity_file"] = identity_file
    labels = [label.strip() for label in host.labels.split(",") if label.strip()]
    bad = [label for label in labels if any(ch.isspace() for ch in label)]
    if bad:
        raise InventoryError(f"labels: {bad[0]!r} contains spaces; separate labels with commas")
    if labels:
        table["labels"] = labels
    return table


def _toml_value(value: object) -> str:
    # JSON strings, integers and arrays of strings are valid TOML when non-ASCII is written as is.
    return json.dumps(value, ensure_ascii=False)


def render_table(name: str, table: dict[str, object]) -> str:
    lines = [f"[hosts.{_toml_value(name)}]"]
    lines += [f"{key} = {_toml_value(value)}" for key, value in table.items()]
    return "\n".join(lines) + "\n"


def add_host(path: Path, host: NewHost, *, taken: Mapping[str, str] | None = None) -> HostSpec:
    """Append `host` to hosts.toml at `path` (created if missing) and return it as the inventory reads it.

    `taken` maps names hitl already knows from elsewhere (~/.ssh/config, built-in) to where they come from.
    Raises `InventoryError` (nothing written) for an invalid field, a name already in use, or a file that
    cannot be read or is not valid TOML (so that the operator fixes it rather than losing it).
    """
    table = _table(host)
    name = host.name.strip()
    if taken and name in taken:
        raise InventoryError(f"name: a host called {name!r} already exists (from {taken[name]})")
    try:
        existing = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        existing = ""
    except (OSError, UnicodeDecodeError) as error:
        raise InventoryError(f"{path}: cannot read: {error}") from None
    try:
        current = tomllib.loads(existing)
    except tomllib.TOMLDecodeError as error:
        raise InventoryError(f"{path}: not valid TOML ({error}); fix it before adding a host") from None
    hosts = current.get("hosts", {})
    if isinstance(hosts, dict) and name in hosts:
        raise InventoryError(f"name: a host called {name!r} is already in {path}")
    separator = "" if not existing or existing.endswith("\n\n") else ("\n" if existing.endswith("\n") else "\n\n")
    text = existing + separator + render_table(name, table)
    try:
        parsed = tomllib.loads(text)["hosts"][name]
    except (tomllib.TOMLDecodeError, KeyError, TypeError) as error:
        raise InventoryError(f"{path}: the new entry would not parse ({error}); nothing was written") from None
    spec = _host_from_table(path, name, parsed)
    _write_atomically(path, text)
    return spec


def _write_atomically(path: Path, text: str) -> None:
    make_private_dir(path.parent)
    try:
        mode = path.stat().st_mode & 0o777
    except FileNotFoundError:
        mode = 0o600
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, mode)
        os.replace(temp, path)
    except OSError as error:
        Path(temp).unlink(missing_ok=True)
        raise InventoryError(f"{path}: cannot write: {error.strerror}") from None
