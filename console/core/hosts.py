"""The hosts hitl knows, as the session, the hosts screen and `hitl hosts` use them: the inventory (hosts.toml,
~/.ssh/config, `local`), one transport per host opened on first use, a connectivity check, and adding a host.

`InventoryHosts` implements the session's `Hosts` port. How a host is described (its address, PROD) is decided
here and in `console.core.views`, once, for every screen and listing.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from console.core.errors import SessionError
from console.core.paths import Paths
from console.core.transport.base import Transport
from console.core.transport.factory import open_transport
from console.core.transport.hosts_file import NewHost, add_host
from console.core.transport.inventory import HostSpec, Inventory, InventoryError, load_inventory
from console.core.transport.probe import ProbeResult, probe_host
from console.core.transport.trust import PassphrasePrompt, TrustPrompt, TrustRequest
from console.core.views import HostInfo

__all__ = ["Connector", "InventoryHosts", "NewHost", "ProbeResult", "address", "open_hosts"]

Connector = Callable[[HostSpec], Transport]
"""Opens the transport for a host. The default is `open_transport` (local or SSH); tests pass their own to make
a host fail the way a remote one does."""


def one_at_a_time(prompt: TrustPrompt) -> TrustPrompt:
    """`prompt`, asked for one host at a time: a command on a group connects to its hosts concurrently, and two
    unknown keys must not be put to the operator at once (interleaved fingerprints, one answer taken for both)."""
    lock = asyncio.Lock()

    async def ask(request: TrustRequest) -> bool:
        async with lock:
            return await prompt(request)

    return ask


def address(spec: HostSpec) -> str:
    """`user@hostname:port` with the parts hosts.toml sets (the rest comes from ~/.ssh/config), or `this machine`."""
    if spec.is_local:
        return "this machine"
    user = f"{spec.user}@" if spec.user else ""
    port = f":{spec.port}" if spec.port else ""
    return f"{user}{spec.hostname}{port}"


def host_info(spec: HostSpec) -> HostInfo:
    return HostInfo(name=spec.name, labels=spec.labels, policy=spec.policy, address=address(spec), source=spec.source)


class InventoryHosts:
    def __init__(
        self,
        inventory: Inventory,
        paths: Paths,
        trust_prompt: TrustPrompt | None,
        *,
        connect: Connector | None = None,
        inventory_files: Sequence[Path] = (),
    ) -> None:
        self.inventory = inventory
        self.inventory_files = tuple(inventory_files)
        """The Ansible inventory files read with hosts.toml (`inventory` in config.toml)."""
        self.paths = paths
        self.trust_prompt = trust_prompt
        asking = one_at_a_time(trust_prompt) if trust_prompt is not None else None
        self._connect: Connector = connect or (lambda spec: open_transport(spec, paths, asking))
        self._open: dict[str, Transport] = {}

    @property
    def hosts_file(self) -> str:
        return str(self.paths.hosts_file)

    @property
    def warnings(self) -> tuple[str, ...]:
        """Problems found while reading the inventory that did not stop it from loading."""
        return self.inventory.warnings

    def _spec(self, name: str) -> HostSpec:
        try:
            return self.inventory.get(name)
        except InventoryError as error:
            raise SessionError(str(error)) from None

    def info(self, name: str) -> HostInfo:
        return host_info(self._spec(name))

    def names(self) -> list[str]:
        return [spec.name for spec in self.inventory.all()]

    def all(self) -> list[HostInfo]:
        return [host_info(spec) for spec in self.inventory.all()]

    def groups(self) -> Mapping[str, tuple[str, ...]]:
        return self.inventory.groups

    def ready(self, name: str) -> bool:
        return name in self._open or self._spec(name).is_local

    async def transport(self, name: str) -> Transport:
        if name not in self._open:
            self._open[name] = self._connect(self._spec(name))
        return self._open[name]

    async def probe(
        self,
        name: str,
        *,
        trust_prompt: TrustPrompt | None = None,
        passphrase_prompt: PassphrasePrompt | None = None,
        timeout: float = 15.0,
    ) -> ProbeResult:
        """Connect to `name` afresh and report reachability, latency, OS, passwordless sudo and read confinement;
        never raises for an unreachable or untrusted host."""
        return await probe_host(
            self._spec(name),
            self.paths,
            trust_prompt or self.trust_prompt,
            passphrase_prompt=passphrase_prompt,
            timeout=timeout,
        )

    def add(self, host: NewHost) -> HostInfo:
        """Append `host` to hosts.toml and read the inventory again; raises `InventoryError` naming the field."""
        taken = {spec.name: spec.source for spec in self.inventory.all()}
        spec = add_host(self.paths.hosts_file, host, taken=taken)
        self.reload()
        return host_info(spec)

    def reload(self) -> None:
        """Read hosts.toml and ~/.ssh/config again (transports already open stay open)."""
        self.inventory = load_inventory(self.paths, ansible=self.inventory_files)

    async def close(self) -> None:
        for transport in self._open.values():
            await transport.close()
        self._open.clear()


def open_hosts(
    paths: Paths, trust_prompt: TrustPrompt | None = None, *, inventory_files: Sequence[Path] = ()
) -> InventoryHosts:
    """The host directory alone, for sub-commands that need no session (`hitl hosts`)."""
    inventory = load_inventory(paths, ansible=inventory_files)
    return InventoryHosts(inventory, paths, trust_prompt, inventory_files=inventory_files)
