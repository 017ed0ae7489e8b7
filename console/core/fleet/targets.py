"""What a target names: a host (`web1`), a label or group (`@web`), or a comma-separated list of these
(`web1,@db`). Resolved against the inventory's hosts, labels and groups, in inventory order, each host once.

Pure: the caller hands in the names. Anything that does not resolve is a `TargetError` with one line saying
what and what would have been accepted.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from console.core.errors import HitlError

TARGET_SYNTAX = "a host name, @NAME for a label or group, or a comma-separated list of these"
_NAME = re.compile(r"^[A-Za-z0-9_.:\-\[\]]+$")


class TargetError(HitlError):
    """A target that names no host; the message is one line."""


@dataclass(frozen=True, slots=True)
class Directory:
    """What targets resolve against: host names in inventory order, each host's labels, the named groups."""

    hosts: Sequence[str]
    labels: Mapping[str, Sequence[str]]
    groups: Mapping[str, Sequence[str]]

    def selector_names(self) -> list[str]:
        """Every `@NAME` that resolves: the groups and the labels."""
        labels = {label for names in self.labels.values() for label in names}
        return sorted(set(self.groups) | labels)


def is_fleet(target: str) -> bool:
    """Whether `target` may name more than one host (a selector or a list), even if it resolves to one."""
    return "@" in target or "," in target


def _known(names: Sequence[str], limit: int = 12) -> str:
    shown = ", ".join(names[:limit])
    return shown + (f", ... ({len(names)} in all)" if len(names) > limit else "") if names else "none"


def resolve(target: str, directory: Directory) -> list[str]:
    """The hosts `target` names, in inventory order, each once; raises `TargetError`."""
    if not isinstance(target, str) or not target.strip():
        raise TargetError(f"empty target: give {TARGET_SYNTAX}")
    parts = [raw.strip() for raw in target.split(",")]
    if not all(parts):
        raise TargetError(f"target {target!r} has an empty item: give {TARGET_SYNTAX}")
    chosen: set[str] = set()
    for part in parts:
        if part.startswith("@"):
            chosen |= _selected(part[1:], target, directory)
            continue
        if not _NAME.match(part):
            raise TargetError(f"target {target!r}: {part!r} is not a host name ({TARGET_SYNTAX})")
        if part not in directory.hosts:
            raise TargetError(f"unknown host {part!r} in target {target!r} (known hosts: {_known(directory.hosts)})")
        chosen.add(part)
    return [host for host in directory.hosts if host in chosen]


def _selected(name: str, target: str, directory: Directory) -> set[str]:
    if not name or not _NAME.match(name):
        raise TargetError(f"target {target!r}: @ must be followed by a label or group name")
    members = set(directory.groups.get(name, ()))
    members |= {host for host, labels in directory.labels.items() if name in labels}
    if name not in directory.groups and not members:
        raise TargetError(
            f"no label or group named {name!r} in target {target!r} "
            f"(labels and groups: {_known(directory.selector_names())})"
        )
    if not members:
        raise TargetError(f"group {name!r} in target {target!r} has no hosts")
    return members
