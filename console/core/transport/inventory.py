"""The hosts hitl knows: the built-in `local`, `[hosts.NAME]` tables in hosts.toml, and the concrete `Host`
aliases of ~/.ssh/config (asyncssh applies that file's options — ProxyJump, IdentityFile, User, Port — when
it connects; here we only learn the names).
"""

from __future__ import annotations

import glob
import os
import re
import shlex
import stat
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from console.core.errors import HitlError
from console.core.paths import Paths

LOCAL_NAME = "local"
BUILT_IN = "built-in"
DEFAULT_SSH_CONFIG = Path("~/.ssh/config")

_GROUP_NAME = re.compile(r"^[A-Za-z0-9_.\-]+$")
POLICIES = ("read-only", "four-eyes")
"""A misspelt policy would silently protect nothing: anything else is refused."""
_FIELDS = {"hostname", "port", "user", "identity_file", "known_hosts", "labels", "policy"}


class InventoryError(HitlError):
    """hosts.toml cannot be used; the message names the file and, where it applies, the host."""


@dataclass(frozen=True, slots=True)
class HostSpec:
    name: str
    hostname: str
    port: int | None = None
    """None: from ~/.ssh/config, else 22."""
    user: str | None = None
    """None: from ~/.ssh/config, else the local user name."""
    identity_file: str | None = None
    """None: ssh-agent and the default keys (and IdentityFile from ~/.ssh/config)."""
    known_hosts: str | None = None
    """None: ~/.ssh/known_hosts. hitl's own known_hosts is always consulted as well."""
    labels: tuple[str, ...] = ()
    policy: str | None = None
    """Free-form, carried for the session to enforce (e.g. "read-only")."""
    source: str = BUILT_IN
    """Where the host was defined: "built-in" or the path of hosts.toml or ~/.ssh/config."""

    @property
    def is_local(self) -> bool:
        return self.source == BUILT_IN and self.name == LOCAL_NAME


LOCAL_HOST = HostSpec(name=LOCAL_NAME, hostname="localhost", labels=("local",))


@dataclass(frozen=True)
class Inventory:
    hosts: dict[str, HostSpec]
    warnings: tuple[str, ...] = field(default=())
    groups: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Named groups (`[groups]` in hosts.toml, Ansible inventory groups): name -> host names, in order."""

    def get(self, name: str) -> HostSpec:
        try:
            return self.hosts[name]
        except KeyError:
            known = ", ".join(sorted(self.hosts))
            raise InventoryError(f"unknown host {name!r} (known hosts: {known})") from None

    def all(self) -> list[HostSpec]:
        return list(self.hosts.values())


def load_inventory(
    paths: Paths, *, ssh_config: Path | None = DEFAULT_SSH_CONFIG, ansible: Sequence[Path] = ()
) -> Inventory:
    """`local`, then hosts.toml, then the Ansible inventory files (`inventory` in config.toml), then
    ~/.ssh/config aliases not already defined; ssh_config=None skips it. A host defined twice keeps its first
    definition (hosts.toml before Ansible); its Ansible groups still count."""
    hosts: dict[str, HostSpec] = {LOCAL_NAME: LOCAL_HOST}
    warnings: list[str] = []
    specs, groups = _read_hosts_toml(paths.hosts_file)
    for spec in specs:
        hosts[spec.name] = spec
        warnings += _identity_warnings(spec)
    for path in ansible:
        groups = _merge_groups(groups, _read_ansible(path, hosts, warnings))
    if ssh_config is not None:
        config = ssh_config.expanduser()
        for alias in ssh_config_aliases(config):
            hosts.setdefault(alias, HostSpec(name=alias, hostname=alias, source=str(config)))
    for group, members in groups.items():
        unknown = [name for name in members if name not in hosts]
        if unknown:
            raise InventoryError(f"group {group!r} names unknown host(s): {', '.join(unknown)}")
    return Inventory(hosts=hosts, warnings=tuple(warnings), groups=groups)


def _merge_groups(groups: dict[str, tuple[str, ...]], more: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
    merged = dict(groups)
    for name, members in more.items():
        merged[name] = tuple(dict.fromkeys((*merged.get(name, ()), *members)))
    return merged


def _read_ansible(path: Path, hosts: dict[str, HostSpec], warnings: list[str]) -> dict[str, tuple[str, ...]]:
    """Add an Ansible inventory's hosts (those not defined already) and return its groups."""
    from console.core.fleet.ansible import AnsibleInventoryError, load

    try:
        found = load(path)
    except AnsibleInventoryError as error:
        raise InventoryError(str(error)) from None
    for host in found.hosts:
        if host.name == LOCAL_NAME:
            warnings.append(f"{path}: host 'local' is reserved for this machine; that entry is not used")
            continue
        if host.name in hosts:
            continue
        spec = HostSpec(
            name=host.name,
            hostname=host.hostname,
            port=host.port,
            user=host.user,
            identity_file=host.identity_file,
            source=str(path),
        )
        hosts[host.name] = spec
        warnings += _identity_warnings(spec)
    return {name: tuple(h for h in members if h != LOCAL_NAME) for name, members in found.groups.items()}


def _read_hosts_toml(path: Path) -> tuple[list[HostSpec], dict[str, tuple[str, ...]]]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return [], {}
    except (OSError, UnicodeDecodeError) as error:
        raise InventoryError(f"{path}: cannot read: {error}") from error
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise InventoryError(f"{path}: not valid TOML: {error}") from error
    unknown_top = set(data) - {"hosts", "groups"}
    if unknown_top:
        raise InventoryError(
            f"{path}: unknown top-level key(s) {', '.join(sorted(unknown_top))}; expected [hosts.NAME] and [groups]"
        )
    tables = data.get("hosts", {})
    if not isinstance(tables, dict):
        raise InventoryError(f"{path}: `hosts` must be a table of [hosts.NAME] tables")
    return [_host_from_table(path, name, table) for name, table in tables.items()], _groups(path, data)


def _groups(path: Path, data: dict[str, Any]) -> dict[str, tuple[str, ...]]:
    """`[groups]`: `web = ["web1", "web2"]`."""
    table = data.get("groups", {})
    if not isinstance(table, dict):
        raise InventoryError(f'{path}: `groups` must be a table such as [groups] web = ["web1", "web2"]')
    groups = {}
    for name, members in table.items():
        if not _GROUP_NAME.match(name):
            raise InventoryError(f"{path}: group {name!r}: a group name is letters, digits, '.', '_' or '-'")
        if not isinstance(members, list) or not all(isinstance(m, str) and m for m in members):
            raise InventoryError(f"{path}: group {name!r} must be a list of host names")
        groups[name] = tuple(dict.fromkeys(members))
    return groups


def _host_from_table(path: Path, name: str, table: Any) -> HostSpec:
    where = f"{path}: host {name!r}"
    if name == LOCAL_NAME:
        raise InventoryError(f"{where}: the name 'local' is reserved for this machine; pick another name")
    if not name or any(ch.isspace() for ch in name):
        raise InventoryError(f"{where}: a host name must be non-empty and without spaces")
    if not isinstance(table, dict):
        raise InventoryError(f"{where}: must be a table")
    unknown = set(table) - _FIELDS
    if unknown:
        raise InventoryError(
            f"{where}: unknown key(s) {', '.join(sorted(unknown))} (allowed: {', '.join(sorted(_FIELDS))})"
        )
    hostname = table.get("hostname", name)
    port = table.get("port")
    labels = table.get("labels", [])
    if not isinstance(hostname, str) or not hostname:
        raise InventoryError(f"{where}: hostname must be a non-empty string")
    if port is not None and (isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536):
        raise InventoryError(f"{where}: port must be an integer from 1 to 65535, not {port!r}")
    if not isinstance(labels, list) or not all(isinstance(label, str) for label in labels):
        raise InventoryError(f"{where}: labels must be a list of strings")
    strings = {}
    for key in ("user", "identity_file", "known_hosts", "policy"):
        value = table.get(key)
        if value is not None and (not isinstance(value, str) or not value):
            raise InventoryError(f"{where}: {key} must be a non-empty string")
        strings[key] = value
    if strings["policy"] is not None and strings["policy"] not in POLICIES:
        raise InventoryError(f"{where}: policy must be one of {', '.join(POLICIES)}, not {strings['policy']!r}")
    return HostSpec(
        name=name,
        hostname=hostname,
        port=port,
        labels=tuple(labels),
        source=str(path),
        **strings,
    )


def _identity_warnings(spec: HostSpec) -> list[str]:
    if spec.identity_file is None:
        return []
    key = Path(spec.identity_file).expanduser()
    try:
        mode = key.stat().st_mode
    except FileNotFoundError:
        return [f"{spec.source}: host {spec.name!r}: identity_file {key} does not exist"]
    except OSError as error:
        return [f"{spec.source}: host {spec.name!r}: identity_file {key}: {error.strerror}"]
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        return [
            f"{spec.source}: host {spec.name!r}: private key {key} is accessible by others "
            f"(mode {stat.S_IMODE(mode):04o}); run `chmod 600 {key}`"
        ]
    return []


def ssh_config_aliases(config: Path) -> list[str]:
    """Concrete names from `Host` lines (patterns with *, ? or ! are not hosts), following `Include`."""
    aliases: list[str] = []
    _collect_aliases(config, aliases, seen=set())
    return aliases


def _collect_aliases(config: Path, aliases: list[str], seen: set[Path]) -> None:
    if config in seen:
        return
    seen.add(config)
    try:
        lines = config.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return
    for line in lines:
        try:
            words = shlex.split(line, comments=True)
        except ValueError:
            continue
        if not words:
            continue
        keyword, args = words[0].split("=", 1)[0].lower(), words[1:]
        if keyword == "host":
            aliases += [name for name in args if not any(ch in name for ch in "*?!") and name not in aliases]
        elif keyword == "include":
            for pattern in args:
                expanded = os.path.expanduser(pattern)
                if not os.path.isabs(expanded):
                    expanded = str(Path("~/.ssh").expanduser() / expanded)
                for match in sorted(glob.glob(expanded)):
                    _collect_aliases(Path(match), aliases, seen)
