"""What the command, plan and rollback flows share: the session's collaborators, built once by `Session`, and
its two pieces of mutable state (the current host and read-only mode)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from console.core.capture.blobs import BlobStore
from console.core.classify.model import Classification
from console.core.config import Settings
from console.core.events import EventChannel
from console.core.gate import Gate
from console.core.ports import Hosts, Store
from console.core.session.contexts import HostContexts
from console.core.session.desk import ApprovalDesk
from console.core.session.journal import ActionJournal
from console.core.session.policy import Policy
from console.core.session.read_policy import ReadPolicy
from console.core.session.runner import StepRunner


@dataclass
class SessionState:
    current_host: str
    read_only: bool


@dataclass(frozen=True)
class SessionParts:
    settings: Settings
    state: SessionState
    hosts: Hosts
    store: Store
    blobs: BlobStore
    events: EventChannel
    classify: Callable[[str], Classification]
    policy: Policy
    contexts: HostContexts
    gate: Gate
    desk: ApprovalDesk
    journal: ActionJournal
    reads: ReadPolicy
    runner: StepRunner
    clock: Callable[[], float]
    monotonic: Callable[[], float]
