"""Assembling a session from the operator's files: the record store, snapshots, hosts, remembered approvals.

The console and the CLI both start here, so they share one store and one set of rules. `Runtime` is the
facade's other half: what belongs to the open session but is not a request to it (the agent that talks to it,
the stored conversation, exporting the audit log).
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from console.core.agent.mode import uses_model
from console.core.approval import Approver, TrustPrompt
from console.core.capture.blobs import BlobStore
from console.core.classify import effective_rules, hitl_paths
from console.core.config import Settings
from console.core.errors import SessionError
from console.core.events import EventSink
from console.core.hosts import Connector, InventoryHosts
from console.core.mcp.channel import ApproverListener
from console.core.outcome import Origin
from console.core.paths import Paths
from console.core.ports import Store
from console.core.private_files import make_private_dir, secure_paths
from console.core.redact import preload as preload_redaction
from console.core.rollback import views as rollback_views
from console.core.session import Session
from console.core.stores import last_conversation, open_store, remembered_approvals, snapshots_dir
from console.core.transport.inventory import load_inventory

if TYPE_CHECKING:
    from console.core.agent.factory import AgentSelection

__all__ = [
    "ApproverListener",
    "Runtime",
    "last_conversation",
    "open_runtime",
    "preload_redaction",
    "rollback_views",
]

AUDIT_EXPORTS = "audit-exports"


@dataclass
class Runtime:
    session: Session
    hosts: InventoryHosts
    memory: Store
    paths: Paths
    permissions_notice: str | None = None
    """What the start-up check of hitl's file permissions repaired (`private_files.secure_paths`), to be shown
    to the operator once; None when everything was already private."""

    async def close(self) -> None:
        await self.hosts.close()
        self.memory.close()

    def start_agent(
        self, *, history: Iterable[dict[str, Any]] | None = None, environ: Mapping[str, str] | None = None
    ) -> AgentSelection:
        """The agent that answers in this session (the model, or manual mode), wired to the session's tools:
        its context comes from memory, and manual mode's `!COMMAND` follows the session's current host.
        Imports the agent modules (not `anthropic` itself) on first use."""
        from console.core.agent.factory import create_agent
        from console.core.session_tools import SessionTools

        session = self.session

        async def context() -> str:
            return self.memory.build_context([session.current_host])

        async def host_names() -> list[str]:
            return session.hosts.names()

        origin = Origin.MODEL if uses_model(environ) else Origin.OPERATOR
        return create_agent(
            session.settings,
            SessionTools(session, origin),
            context_provider=context,
            history=history,
            host=lambda: session.current_host,
            host_names=host_names,
            environ=environ,
        )

    def export_audit(self, *, now: datetime | None = None) -> Path:
        """Write the whole audit log as JSON Lines to `<data dir>/audit-exports/`, atomically, readable by the
        operator only; returns the path. Raises `SessionError` saying why it could not be written."""
        stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
        directory = self.paths.data_dir / AUDIT_EXPORTS
        target = directory / f"audit-{stamp}.jsonl"
        try:
            make_private_dir(directory)
            fd, temp = tempfile.mkstemp(dir=directory, prefix=".audit-", suffix=".tmp")
        except OSError as error:
            raise SessionError(f"cannot export the audit log to {directory}: {error}") from None
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.writelines(self.memory.export_audit("jsonl"))
            os.chmod(temp, 0o600)
            os.replace(temp, target)
        except OSError as error:
            Path(temp).unlink(missing_ok=True)
            raise SessionError(f"cannot export the audit log to {target}: {error}") from None
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
        return target


def open_runtime(
    paths: Paths,
    settings: Settings,
    approver: Approver,
    *,
    events: EventSink | None = None,
    trust_prompt: TrustPrompt | None = None,
    mode: str = "manual",
    connect: Connector | None = None,
    store: Store | None = None,
) -> Runtime:
    """Open everything a session needs; hitl's files are made private and expired rollback points and old audit
    rows are collected first.

    `connect` opens a host's transport (default: local or SSH from the inventory). `store` is used instead of
    the one the paths name, as it is: whoever opened it keeps it (a fixed store in tests; later, a team store)."""
    permissions_notice = secure_paths(paths)
    if store is None:
        store = open_store(paths, settings)
        store.housekeep(time.time(), audit_retention=settings.audit_retention)
    memory = store
    files = settings.inventory
    hosts = InventoryHosts(
        load_inventory(paths, ansible=files), paths, trust_prompt, connect=connect, inventory_files=files
    )
    session = Session(
        settings=settings,
        hosts=hosts,
        store=memory,
        blobs=BlobStore(snapshots_dir(paths, settings)),
        approver=approver,
        remembered=remembered_approvals(paths, memory),
        events=events,
        mode=mode,
        rules=effective_rules(paths.config_dir),
        critical_paths=hitl_paths(paths),
    )
    return Runtime(session=session, hosts=hosts, memory=memory, paths=paths, permissions_notice=permissions_notice)
