"""The hosts hitl knows, as the session, the hosts screen and `hitl hosts` use them: the inventory (hosts.toml,
~/.ssh/config, `local`), one transport per host opened on first use, a connectivity check, and adding a host.

`InventoryHosts` implements the session's `Hosts` port. How a host is described (its address, PROD) is decided
here and in `console.core.views`, once, for every screen and listing.
"""

from __future__ import annotations

from collections.abc import Callable

from console.core.errors import SessionError
from console.core.paths import Paths
from console.core.transport.base import Transport
from console.core.transport.factory import open_transport
from console.core.transport.hosts_file import NewHost, add_host
from console.core.transport.inventory import HostSpec, Inventory, InventoryError, load_inventory
from console.core.transport.probe import ProbeResult, probe_host
from console.core.transport.trust import PassphrasePrompt, TrustPrompt
from console.core.views import HostInfo

__all__ = ["Connector", "InventoryHosts", "NewHost", "ProbeResult", "address", "open_hosts"]

Connector = Callable[[HostSpec], Transport]
"""Opens the transport for a host. The default is `open_transport` (local or SSH); tests pass their own to make
a host fail the way a remote one does."""


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
    ) -> None:
        self.inventory = inventory
        self.paths = paths
        self.trust_prompt = trust_prompt
        self._connect: Connector = connect or (lambda spec: open_transport(spec, paths, trust_prompt))
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
        self.inventory = load_inventory(self.paths)

    async def close(self) -> None:
        for transport in self._open.values():
            await transport.close()
        self._open.clear()


def open_hosts(paths: Paths, trust_prompt: TrustPrompt | None = None) -> InventoryHosts:
    """The host directory alone, for sub-commands that need no session (`hitl hosts`)."""
    return InventoryHosts(load_inventory(paths), paths, trust_prompt)
