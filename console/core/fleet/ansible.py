"""Ansible inventory files, INI and YAML, read into hosts and groups (as Ansible's `ini` and `yaml` inventory
plugins read them, for what hitl uses).

Kept: hosts (with ranges such as `web[01:10].example.com` and `db-[a:c]`), groups, `children`, `vars`, and of the
variables `ansible_host`, `ansible_port`, `ansible_user` and `ansible_ssh_private_key_file`. Variables apply as in
Ansible: group variables by depth (`all` first, a child group after its parents), then the host's own. Every
group gets its hosts and its children's hosts; `all` and `ungrouped` are groups too.

Everything else (other variables, `[group:vars]` for unknown groups) is ignored; anything malformed is an
`AnsibleInventoryError` naming the file and, for INI, the line. Nothing here connects to a host.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from console.core.errors import HitlError

MAX_RANGE_HOSTS = 10_000
_RANGE = re.compile(r"\[([0-9a-zA-Z]+):([0-9a-zA-Z]+)(?::([0-9]+))?\]")
_GROUP = re.compile(r"^[A-Za-z0-9_.\-]+$")
_USED = ("ansible_host", "ansible_port", "ansible_user", "ansible_ssh_private_key_file")


class AnsibleInventoryError(HitlError):
    """An inventory file hitl cannot read; one line naming the file (and line)."""


@dataclass(frozen=True, slots=True)
class AnsibleHost:
    name: str
    hostname: str
    port: int | None
    user: str | None
    identity_file: str | None


@dataclass
class _Group:
    hosts: list[str] = field(default_factory=list)
    children: list[str] = field(default_factory=list)
    vars: dict[str, Any] = field(default_factory=dict)


@dataclass
class _Parsed:
    path: Path
    groups: dict[str, _Group] = field(default_factory=dict)
    host_vars: dict[str, dict[str, Any]] = field(default_factory=dict)

    def group(self, name: str, where: str) -> _Group:
        if not _GROUP.match(name):
            raise AnsibleInventoryError(f"{where}: {name!r} is not a valid group name")
        return self.groups.setdefault(name, _Group())

    def add_host(self, group: str, name: str, variables: Mapping[str, Any], where: str) -> None:
        for host in expand(name, where):
            members = self.group(group, where).hosts
            if host not in members:
                members.append(host)
            self.host_vars.setdefault(host, {}).update(variables)


@dataclass(frozen=True)
class AnsibleInventory:
    hosts: tuple[AnsibleHost, ...]
    groups: dict[str, tuple[str, ...]]


def expand(pattern: str, where: str) -> list[str]:
    """`web[01:03]` -> web01, web02, web03; `db-[a:c]` -> db-a, db-b, db-c; several ranges multiply."""
    match = _RANGE.search(pattern)
    if match is None:
        return [pattern]
    start, end, step_text = match.groups()
    step = int(step_text) if step_text else 1
    if step < 1:
        raise AnsibleInventoryError(f"{where}: range {match.group(0)} needs a step of at least 1")
    if start.isdigit() and end.isdigit():
        width = len(start) if start.startswith("0") and len(start) > 1 else 0
        if int(end) < int(start):
            raise AnsibleInventoryError(f"{where}: range {match.group(0)} ends before it starts")
        values = [str(number).zfill(width) for number in range(int(start), int(end) + 1, step)]
    elif len(start) == 1 and len(end) == 1 and start.isalpha() and end.isalpha() and start <= end:
        values = [chr(code) for code in range(ord(start), ord(end) + 1, step)]
    else:
        raise AnsibleInventoryError(f"{where}: range {match.group(0)} must be numbers or single letters, in order")
    names: list[str] = []
    for value in values:
        names += expand(pattern[: match.start()] + value + pattern[match.end() :], where)
        if len(names) > MAX_RANGE_HOSTS:
            raise AnsibleInventoryError(f"{where}: {pattern!r} expands to more than {MAX_RANGE_HOSTS} hosts")
    return names


def load(path: Path) -> AnsibleInventory:
    """Read one inventory file; YAML when it ends in .yml/.yaml or starts like YAML, else INI."""
    try:
        text = path.expanduser().read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise AnsibleInventoryError(f"{path}: cannot read the inventory: {error}") from None
    parsed = _Parsed(path)
    if path.suffix in {".yml", ".yaml"} or text.lstrip().startswith(("---", "all:")):
        _parse_yaml(text, parsed)
    else:
        _parse_ini(text, parsed)
    return _resolve(parsed)


# --- INI ---------------------------------------------------------------------------------------------------


def _ini_value(text: str) -> Any:
    try:
        return int(text)
    except ValueError:
        return text


def _parse_ini(text: str, parsed: _Parsed) -> None:
    group, kind = "ungrouped", "hosts"
    for number, raw in enumerate(text.splitlines(), 1):
        where = f"{parsed.path}:{number}"
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            if not line.endswith("]"):
                raise AnsibleInventoryError(f"{where}: a section header must end with ]")
            name, _, kind = line[1:-1].strip().partition(":")
            kind = kind or "hosts"
            if kind not in {"hosts", "vars", "children"}:
                raise AnsibleInventoryError(f"{where}: unknown section kind {kind!r} (hosts, vars or children)")
            group = name
            parsed.group(group, where)
            continue
        try:
            words = shlex.split(line, comments=True)
        except ValueError as error:
            raise AnsibleInventoryError(f"{where}: {error}") from None
        if not words:
            continue
        if kind == "children":
            parsed.group(words[0], where)
            parsed.group(group, where).children.append(words[0])
        elif kind == "vars":
            key, equals, value = line.partition("=")
            if not equals or not key.strip():
                raise AnsibleInventoryError(f"{where}: expected key=value in [{group}:vars]")
            parsed.group(group, where).vars[key.strip()] = _ini_value(value.strip().strip("\"'"))
        else:
            name, variables = words[0], _ini_host_vars(words[1:], where)
            if name.count(":") == 1 and "[" not in name:  # host:port (not an IPv6 address, not a range)
                name, port = name.split(":")
                variables.setdefault("ansible_port", _ini_value(port))
            parsed.add_host(group, name, variables, where)


def _ini_host_vars(words: list[str], where: str) -> dict[str, Any]:
    variables: dict[str, Any] = {}
    for word in words:
        key, equals, value = word.partition("=")
        if not equals or not key:
            raise AnsibleInventoryError(f"{where}: expected key=value after the host name, got {word!r}")
        variables[key] = _ini_value(value)
    return variables


# --- YAML --------------------------------------------------------------------------------------------------


def _parse_yaml(text: str, parsed: _Parsed) -> None:
    import yaml

    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        line = getattr(getattr(error, "problem_mark", None), "line", None)
        where = f"{parsed.path}:{line + 1}" if line is not None else str(parsed.path)
        raise AnsibleInventoryError(f"{where}: not valid YAML: {getattr(error, 'problem', error)}") from None
    if data is None:
        return
    if not isinstance(data, dict):
        raise AnsibleInventoryError(f"{parsed.path}: expected groups at the top level (all: ...)")
    for name, body in data.items():
        _yaml_group(parsed, str(name), body)


def _yaml_group(parsed: _Parsed, name: str, body: Any) -> None:
    where = f"{parsed.path}: group {name!r}"
    group = parsed.group(name, where)
    if body is None:
        return
    if not isinstance(body, dict):
        raise AnsibleInventoryError(f"{where}: expected a mapping with hosts, children or vars")
    unknown = set(body) - {"hosts", "children", "vars"}
    if unknown:
        raise AnsibleInventoryError(f"{where}: unknown key(s) {', '.join(sorted(map(str, unknown)))}")
    hosts = body.get("hosts") or {}
    if not isinstance(hosts, dict):
        raise AnsibleInventoryError(f"{where}: hosts must be a mapping of host name to its variables")
    for host, variables in hosts.items():
        if variables is not None and not isinstance(variables, dict):
            raise AnsibleInventoryError(f"{where}: host {host!r}: variables must be a mapping")
        parsed.add_host(name, str(host), variables or {}, where)
    variables = body.get("vars") or {}
    if not isinstance(variables, dict):
        raise AnsibleInventoryError(f"{where}: vars must be a mapping")
    group.vars.update(variables)
    children = body.get("children") or {}
    if not isinstance(children, dict):
        raise AnsibleInventoryError(f"{where}: children must be a mapping of group names")
    for child, child_body in children.items():
        group.children.append(str(child))
        _yaml_group(parsed, str(child), child_body)


# --- both ----------------------------------------------------------------------------------------------------


def _descendants(parsed: _Parsed, name: str, trail: tuple[str, ...] = ()) -> Iterator[str]:
    if name in trail:
        raise AnsibleInventoryError(f"{parsed.path}: group {name!r} is its own child ({' -> '.join((*trail, name))})")
    group = parsed.groups.get(name)
    if group is None:
        return
    yield from group.hosts
    for child in group.children:
        yield from _descendants(parsed, child, (*trail, name))


def _depths(parsed: _Parsed) -> dict[str, int]:
    """How deep each group is below `all` (a group with no parent is a child of `all`)."""
    parents: dict[str, set[str]] = {name: set() for name in parsed.groups}
    for name, group in parsed.groups.items():
        for child in group.children:
            parents.setdefault(child, set()).add(name)
    depths: dict[str, int] = {}

    def depth(name: str, seen: frozenset[str] = frozenset()) -> int:
        if name == "all":
            return 0
        if name not in depths:
            above = [p for p in parents.get(name, ()) if p not in seen]
            depths[name] = 1 + max((depth(p, seen | {name}) for p in above), default=0)
        return depths[name]

    for name in parsed.groups:
        depth(name)
    return depths


def _resolve(parsed: _Parsed) -> AnsibleInventory:
    members = {name: list(dict.fromkeys(_descendants(parsed, name))) for name in parsed.groups}
    every = list(parsed.host_vars)
    grouped = {host for name, hosts in members.items() if name not in {"all", "ungrouped"} for host in hosts}
    members["all"] = every
    members["ungrouped"] = [host for host in every if host not in grouped]
    depths = _depths(parsed)
    order = sorted(parsed.groups, key=lambda name: (depths.get(name, 0), name))
    hosts = []
    for host in every:
        merged: dict[str, Any] = {}
        for name in order:
            if host in members.get(name, ()) or name == "all":
                merged.update(parsed.groups[name].vars)
        merged.update(parsed.host_vars[host])
        hosts.append(_host(parsed.path, host, merged))
    return AnsibleInventory(hosts=tuple(hosts), groups={name: tuple(h) for name, h in members.items()})


def _host(path: Path, name: str, variables: Mapping[str, Any]) -> AnsibleHost:
    where = f"{path}: host {name!r}"
    used = {key: variables.get(key) for key in _USED}
    port = used["ansible_port"]
    if port is not None:
        if isinstance(port, str) and port.isdigit():
            port = int(port)
        if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
            raise AnsibleInventoryError(f"{where}: ansible_port must be 1 to 65535, not {port!r}")
    for key in ("ansible_host", "ansible_user", "ansible_ssh_private_key_file"):
        value = used[key]
        if value is not None and (not isinstance(value, str | int) or not str(value)):
            raise AnsibleInventoryError(f"{where}: {key} must be a non-empty string")
    text = {key: None if used[key] is None else str(used[key]) for key in _USED if key != "ansible_port"}
    return AnsibleHost(
        name=name,
        hostname=text["ansible_host"] or name,
        port=port,
        user=text["ansible_user"],
        identity_file=text["ansible_ssh_private_key_file"],
    )
