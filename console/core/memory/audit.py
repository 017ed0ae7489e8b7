"""The audit hash chain: how a row's hash is computed, how a chain is checked, how rows are exported.

Each row stores the hash of the row before it and its own hash over (previous hash, id, time, kind, payload).
Altering any stored field, or deleting a row, breaks the chain at that row; the `audit_chain` table records
the head (last id and hash) so rows deleted from the end are noticed too, and the base (the row before the
first kept one) so a pruned prefix leaves a verifiable chain. This detects tampering by anyone who does not
recompute every later hash; anchoring the head hash elsewhere (`hitl audit verify` prints it) closes that gap.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime
from typing import Any, Literal, NamedTuple

from console.core.memory.records import AuditVerdict

ExportFormat = Literal["jsonl", "csv"]
EXPORT_FORMATS: tuple[ExportFormat, ...] = ("jsonl", "csv")


class AuditRow(NamedTuple):
    id: int
    ts: float
    kind: str
    payload: str
    prev: str
    hash: str


def canonical_payload(payload: Mapping[str, Any]) -> str:
    """The one JSON text a payload is stored (and hashed) as."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def row_hash(prev: str, row_id: int, ts: float, kind: str, payload: str) -> str:
    content = f"{prev}\n{row_id}\n{ts!r}\n{kind}\n{payload}"
    return hashlib.sha256(content.encode("utf-8")).hexdigest()


def verify_chain(
    rows: Iterable[AuditRow], *, base_id: int, base_hash: str, head_id: int, head_hash: str
) -> AuditVerdict:
    """Walk `rows` (ordered by id) from the base to the head; the first row that does not fit is reported."""
    expected_id, expected_prev = base_id + 1, base_hash
    count = 0
    for row in rows:
        count += 1
        if row.id != expected_id:
            return AuditVerdict(
                False, count, expected_id, f"row {expected_id} is missing (the next row kept is {row.id})"
            )
        if row.prev != expected_prev:
            return AuditVerdict(False, count, row.id, f"row {row.id} does not follow row {row.id - 1}")
        if row_hash(row.prev, row.id, row.ts, row.kind, row.payload) != row.hash:
            return AuditVerdict(False, count, row.id, f"row {row.id} was altered (its hash does not match)")
        expected_id, expected_prev = row.id + 1, row.hash
    last_id = expected_id - 1
    if last_id != head_id:
        if last_id < head_id:
            message = f"rows {last_id + 1} to {head_id} are missing from the end of the chain"
        else:
            message = f"rows after {head_id} were added behind the chain's back"
        return AuditVerdict(False, count, min(last_id, head_id) + 1, message)
    if expected_prev != head_hash:
        return AuditVerdict(False, count, head_id, f"row {head_id} is not the head the chain recorded")
    return AuditVerdict(True, count, None, f"{count} rows intact (rows {base_id + 1} to {head_id}), head {head_hash}")


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def export_rows(rows: Iterable[AuditRow], fmt: ExportFormat) -> Iterator[str]:
    """One line per row (jsonl), or a header then one line per row (csv). Each string ends with a newline. Who
    made each event (`operator`, recorded in its payload) is a field of its own."""
    if fmt == "jsonl":
        for row in rows:
            payload = json.loads(row.payload)
            record = {
                "id": row.id,
                "time": _iso(row.ts),
                "ts": row.ts,
                "kind": row.kind,
                "operator": payload.get("operator"),
                "payload": payload,
                "prev": row.prev,
                "hash": row.hash,
            }
            yield json.dumps(record, ensure_ascii=False) + "\n"
        return
    if fmt != "csv":
        raise ValueError(f"unknown export format {fmt!r} (known: {', '.join(EXPORT_FORMATS)})")
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")

    def line(values: list[object]) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(values)
        return buffer.getvalue()

    yield line(["id", "time", "kind", "operator", "payload", "prev", "hash"])
    for row in rows:
        operator = json.loads(row.payload).get("operator") or ""
        yield line([row.id, _iso(row.ts), row.kind, operator, row.payload, row.prev, row.hash])
