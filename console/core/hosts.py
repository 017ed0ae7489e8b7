"""The session's view of hosts: the inventory plus one transport per host, opened on first use."""

from __future__ import annotations

from collections.abc import Callable

from console.core.errors import SessionError
from console.core.paths import Paths
from console.core.session import HostInfo
from console.core.transport.base import Transport
from console.core.transport.factory import open_transport
from console.core.transport.inventory import HostSpec, Inventory, InventoryError
from console.core.transport.trust import TrustPrompt

Connector = Callable[[HostSpec], Transport]
"""Opens the transport for a host. The default is `open_transport` (local or SSH); tests pass their own to make
a host fail the way a remote one does."""


class InventoryHosts:
    """Implements `console.core.session.Hosts` over `hosts.toml`, ~/.ssh/config and `local`."""

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

    def info(self, name: str) -> HostInfo:
        try:
            spec = self.inventory.get(name)
        except InventoryError as error:
            raise SessionError(str(error)) from None
        return HostInfo(name=spec.name, labels=spec.labels, policy=spec.policy)

    def names(self) -> list[str]:
        return [spec.name for spec in self.inventory.all()]

    async def transport(self, name: str) -> Transport:
        if name not in self._open:
            try:
                spec = self.inventory.get(name)
            except InventoryError as error:
                raise SessionError(str(error)) from None
            self._open[name] = self._connect(spec)
        return self._open[name]

    async def close(self) -> None:
        for transport in self._open.values():
            await transport.close()
        self._open.clear()
