"""Assembling a session from the operator's files: memory, snapshots, hosts, remembered approvals.

The TUI and the CLI both start here, so they share one store and one set of rules.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from console.core.approval import Approver, EventSink
from console.core.capture.blobs import BlobStore
from console.core.classify import effective_rules
from console.core.config import Settings
from console.core.hosts import Connector, InventoryHosts
from console.core.memory.store import MemoryStore
from console.core.paths import Paths
from console.core.remembered import RememberedApprovals
from console.core.session import Session
from console.core.transport.inventory import load_inventory
from console.core.transport.trust import TrustPrompt


@dataclass
class Runtime:
    session: Session
    hosts: InventoryHosts
    memory: MemoryStore

    async def close(self) -> None:
        await self.hosts.close()
        self.memory.close()


def open_runtime(
    paths: Paths,
    settings: Settings,
    approver: Approver,
    *,
    events: EventSink | None = None,
    trust_prompt: TrustPrompt | None = None,
    mode: str = "manual",
    connect: Connector | None = None,
) -> Runtime:
    """Open everything a session needs; expired rollback points and old audit rows are collected first.

    `connect` opens a host's transport (default: local or SSH from the inventory)."""
    memory = MemoryStore.open(paths.database_file)
    memory.housekeep(time.time(), audit_retention=settings.audit_retention, snapshots_dir=paths.snapshots_dir)
    hosts = InventoryHosts(load_inventory(paths), paths, trust_prompt, connect=connect)
    session = Session(
        settings=settings,
        hosts=hosts,
        memory=memory,
        blobs=BlobStore(paths.snapshots_dir),
        approver=approver,
        remembered=RememberedApprovals(paths.remembered_approvals_file),
        events=events,
        mode=mode,
        rules=effective_rules(paths.config_dir),
    )
    return Runtime(session=session, hosts=hosts, memory=memory)
