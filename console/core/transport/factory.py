"""Choosing the transport for a host. asyncssh is imported only when an SSH host is opened, so `hitl`
starts without paying for it.
"""

from __future__ import annotations

from console.core.paths import Paths
from console.core.transport.base import Transport
from console.core.transport.inventory import HostSpec
from console.core.transport.local import LocalTransport
from console.core.transport.trust import PassphrasePrompt, TrustPrompt


def open_transport(
    spec: HostSpec,
    paths: Paths,
    trust_prompt: TrustPrompt | None = None,
    *,
    passphrase_prompt: PassphrasePrompt | None = None,
) -> Transport:
    """A transport for `spec`; nothing is connected until the first command or file operation."""
    if spec.is_local:
        return LocalTransport(spec.name)
    from console.core.transport.ssh import SshTransport

    return SshTransport(spec, paths, trust_prompt, passphrase_prompt)
