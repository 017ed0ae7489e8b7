"""Connectivity check of one host: reachability, round-trip latency, OS, passwordless sudo and how READs
are confined there.

Shared by `hitl hosts check` and the TUI's hosts screen, so both report the same facts. A fresh transport is
opened (and closed) for the check, so it measures a real connection rather than a cached one.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from console.core.paths import Paths
from console.core.transport.base import Transport
from console.core.transport.errors import TransportError
from console.core.transport.factory import open_transport
from console.core.transport.inventory import HostSpec
from console.core.transport.trust import PassphrasePrompt, TrustPrompt

_OS_PROBE = '. /etc/os-release 2>/dev/null && [ -n "$PRETTY_NAME" ] && echo "$PRETTY_NAME" || uname -sr'
_SUDO_PROBE = "command -v sudo >/dev/null 2>&1 || exit 127; sudo -n true"


@dataclass(frozen=True, slots=True)
class ProbeResult:
    host: str
    reachable: bool
    latency_ms: float | None = None
    """Round trip of a trivial command on the already open connection."""
    os: str | None = None
    sudo: str | None = None
    """yes, no, or "no (sudo is not installed)"."""
    confinement: str | None = None
    """The read confinement mode (`Confinement.label`): `mount namespace`, `user namespace (...)`, `none: ...`."""
    error: str | None = None
    """Why the host is unreachable."""

    def lines(self, read_confinement: str = "prefer") -> list[str]:
        """The report, one line each, as `hitl hosts check` and the hosts screen show it; `read_confinement` is
        the configured policy (with `off`, the mode is said to be unused)."""
        if not self.reachable:
            return [f"{self.host}: unreachable: {self.error}"]
        unused = " (not used: read_confinement = off)" if read_confinement == "off" else ""
        return [
            f"{self.host}: reachable, round trip {self.latency_ms or 0.0:.0f} ms",
            f"  os: {self.os}",
            f"  passwordless sudo: {self.sudo}",
            f"  read confinement: {self.confinement}{unused}",
        ]


async def probe_host(
    spec: HostSpec,
    paths: Paths,
    trust_prompt: TrustPrompt | None,
    *,
    passphrase_prompt: PassphrasePrompt | None = None,
    timeout: float = 15.0,
) -> ProbeResult:
    """Connect to `spec` and report; never raises for an unreachable or untrusted host."""
    transport = open_transport(spec, paths, trust_prompt, passphrase_prompt=passphrase_prompt)
    try:
        probe = await transport.run("true", timeout=timeout)
        latency = None
        if probe.ok:
            started = time.monotonic()
            probe = await transport.run("true", timeout=timeout)
            latency = (time.monotonic() - started) * 1000
        if not probe.ok:
            return ProbeResult(spec.name, False, error=probe.error or f"exit status {probe.exit_status}")
        return ProbeResult(
            spec.name,
            True,
            latency_ms=latency,
            os=await _os(transport, timeout),
            sudo=await _sudo(transport, timeout),
            confinement=(await transport.confinement()).label,
        )
    except TransportError as error:
        return ProbeResult(spec.name, False, error=str(error))
    finally:
        await transport.close()


async def _os(transport: Transport, timeout: float) -> str:
    result = await transport.run(_OS_PROBE, timeout=timeout)
    return result.stdout.strip() or "unknown"


async def _sudo(transport: Transport, timeout: float) -> str:
    result = await transport.run(_SUDO_PROBE, timeout=timeout)
    if result.ok:
        return "yes"
    if result.exit_status == 127:
        return "no (sudo is not installed)"
    return "no"
