"""The memory store: sessions, actions, rollback points, notes, full-text recall and the audit hash chain."""

from console.core.memory.audit import EXPORT_FORMATS, ExportFormat
from console.core.memory.records import (
    ActionRecord,
    AuditVerdict,
    MemoryStoreError,
    RecallHit,
    RollbackPoint,
    StoredSession,
    StoreUnreachable,
)
from console.core.memory.rollback_points import blob_path
from console.core.memory.sqlite import MemoryStore
from console.core.memory.store import RecordStore

__all__ = [
    "EXPORT_FORMATS",
    "ActionRecord",
    "AuditVerdict",
    "ExportFormat",
    "MemoryStore",
    "MemoryStoreError",
    "RecallHit",
    "RecordStore",
    "RollbackPoint",
    "StoreUnreachable",
    "StoredSession",
    "blob_path",
]
