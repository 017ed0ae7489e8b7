"""Strategies for state that lives behind a tool rather than in files the operator names:
a user's crontab, firewall rules and systemd unit state. Each is captured and restored with its own tool.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from typing import Any

from console.core.capture.blobs import BlobStore
from console.core.transport.base import Transport


class StateCaptureError(Exception):
    """A tool-backed capture or restore failed; the message names the tool and the host."""


async def _run(transport: Transport, command: str, *, stdin: bytes | None = None) -> tuple[int | None, str, str]:
    result = await transport.run(command, stdin=stdin, timeout=120)
    if result.exit_status is None:
        raise StateCaptureError(f"`{command}` on {transport.name} did not finish: {result.error}")
    return result.exit_status, result.stdout, result.stderr


# --- crontab -------------------------------------------------------------------------------------------------


def _crontab(user: str) -> str:
    return "crontab -u " + shlex.quote(user) if user else "crontab"


@dataclass(frozen=True, slots=True)
class CrontabSnapshot:
    user: str
    blob: str | None
    """None: the user had no crontab."""

    def to_json(self) -> dict[str, Any]:
        return {"user": self.user, "blob": self.blob}


async def read_crontab(transport: Transport, user: str) -> str | None:
    status, out, err = await _run(transport, _crontab(user) + " -l")
    if status == 0:
        return out
    if "no crontab" in err.lower():
        return None
    raise StateCaptureError(f"`crontab -l` on {transport.name} failed: {err.strip()}")


async def take_crontab(transport: Transport, user: str, store: BlobStore) -> CrontabSnapshot:
    content = await read_crontab(transport, user)
    return CrontabSnapshot(user=user, blob=None if content is None else store.put_bytes(content.encode()))


async def restore_crontab(transport: Transport, snapshot: CrontabSnapshot, store: BlobStore) -> None:
    if snapshot.blob is None:
        status, _out, err = await _run(transport, _crontab(snapshot.user) + " -r")
        if status != 0 and "no crontab" not in err.lower():
            raise StateCaptureError(f"`crontab -r` on {transport.name} failed: {err.strip()}")
        expected = None
    else:
        data = store.read_bytes(snapshot.blob)
        status, _out, err = await _run(transport, _crontab(snapshot.user) + " -", stdin=data)
        if status != 0:
            raise StateCaptureError(f"`crontab -` on {transport.name} failed: {err.strip()}")
        expected = data.decode()
    if await read_crontab(transport, snapshot.user) != expected:
        raise StateCaptureError(f"after restore, the crontab on {transport.name} differs from the capture")


# --- firewall ------------------------------------------------------------------------------------------------

# tool -> (save command, restore command). nft's saved ruleset is prefixed with a flush so restore replaces.
_FIREWALL = {
    "iptables": ("iptables-save", "iptables-restore"),
    "ip6tables": ("ip6tables-save", "ip6tables-restore"),
    "nft": ("nft list ruleset", "nft -f -"),
}
_COUNTERS = re.compile(r"\[\d+:\d+\]|\bcounter packets \d+ bytes \d+")
FIREWALL_FILES = {"ufw": ("/etc/ufw", "ufw reload"), "firewalld": ("/etc/firewalld", "firewall-cmd --reload")}


@dataclass(frozen=True, slots=True)
class FirewallSnapshot:
    tool: str
    blob: str

    def to_json(self) -> dict[str, Any]:
        return {"tool": self.tool, "blob": self.blob}


async def take_firewall(transport: Transport, tool: str, store: BlobStore) -> FirewallSnapshot:
    save, _restore = _FIREWALL[tool]
    status, out, err = await _run(transport, save)
    if status != 0:
        raise StateCaptureError(f"`{save}` on {transport.name} failed: {err.strip()}")
    if tool == "nft":
        out = "flush ruleset\n" + out
    return FirewallSnapshot(tool=tool, blob=store.put_bytes(out.encode()))


async def restore_firewall(transport: Transport, snapshot: FirewallSnapshot, store: BlobStore) -> None:
    """Load the captured rule set, then check the rules now are the captured ones (comments and packet
    counters aside)."""
    save, restore = _FIREWALL[snapshot.tool]
    captured = store.read_bytes(snapshot.blob)
    status, _out, err = await _run(transport, restore, stdin=captured)
    if status != 0:
        raise StateCaptureError(f"`{restore}` on {transport.name} failed: {err.strip()}")
    status, out, err = await _run(transport, save)
    if status != 0 or _rules(out) != _rules(captured.decode(errors="replace")):
        raise StateCaptureError(f"after restore, the {snapshot.tool} rules on {transport.name} differ from the capture")


def _rules(saved: str) -> list[str]:
    """A saved rule set without what changes by itself: comments, `flush ruleset`, packet and byte counters."""
    lines = [line for line in saved.splitlines() if line.strip() and not line.startswith("#")]
    return [_COUNTERS.sub("", line) for line in lines if line.strip() != "flush ruleset"]


# --- systemd units -------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class UnitSnapshot:
    unit: str
    enabled: str
    active: str

    def to_json(self) -> dict[str, Any]:
        return {"unit": self.unit, "enabled": self.enabled, "active": self.active}


async def read_unit(transport: Transport, unit: str) -> UnitSnapshot:
    quoted = shlex.quote(unit)
    _status, enabled, err = await _run(transport, f"systemctl is-enabled -- {quoted}")
    _status, active, _err = await _run(transport, f"systemctl is-active -- {quoted}")
    if not enabled.strip():
        raise StateCaptureError(f"cannot read the state of {unit} on {transport.name}: {err.strip()}")
    return UnitSnapshot(unit=unit, enabled=enabled.strip(), active=active.strip())


async def restore_unit(transport: Transport, snapshot: UnitSnapshot) -> None:
    unit = shlex.quote(snapshot.unit)
    current = await read_unit(transport, snapshot.unit)
    steps: list[str] = []
    if current.enabled == "masked" and snapshot.enabled != "masked":
        steps.append(f"systemctl unmask -- {unit}")
    if snapshot.enabled != current.enabled:
        verb = {"enabled": "enable", "disabled": "disable", "masked": "mask"}.get(snapshot.enabled)
        if verb:
            steps.append(f"systemctl {verb} -- {unit}")
    if snapshot.active != current.active:
        steps.append(f"systemctl {'start' if snapshot.active == 'active' else 'stop'} -- {unit}")
    for step in steps:
        status, _out, err = await _run(transport, step)
        if status != 0:
            raise StateCaptureError(f"`{step}` on {transport.name} failed: {err.strip()}")
    now = await read_unit(transport, snapshot.unit)
    if (now.enabled, now.active) != (snapshot.enabled, snapshot.active):
        raise StateCaptureError(
            f"after restore, {snapshot.unit} on {transport.name} is {now.enabled}/{now.active}, "
            f"not {snapshot.enabled}/{snapshot.active}"
        )
