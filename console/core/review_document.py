"""An approval request as a document: what a requester on a four-eyes host approved, stored with the request
so the second operator is shown the same review (steps, reasons, what is captured or cannot be undone, the
preview or rollback diff, warnings, the typed challenge for DESTRUCTIVE), and its digest, which the second
approval is bound to.

The document is redacted before it is stored (it holds commands, previews and outputs); the digest is of the
stored text, so the requester, the second operator and the store all compare the same bytes.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from console.core.approval import ApprovalRequest, StepReview
from console.core.classify.model import Classification, Target
from console.core.redact import redact_json
from console.core.tiers import Tier
from console.core.transport.base import Ended, RunResult

RESULT_LINES = 200


def _target(data: dict[str, Any]) -> Target:
    """A target as `Target.to_json` wrote it (its bytes, when not UTF-8, as hex)."""
    return Target(
        data["kind"],
        str(data["value"]),
        cwd=str(data.get("cwd", "")),
        cwd_known=bool(data.get("cwd_known", True)),
        raw=bytes.fromhex(data["raw"]) if data.get("raw") else b"",
    )


def _classification(data: dict[str, Any]) -> Classification:
    """A classification as `Classification.to_json` wrote it: every field, so the document rebuilt from the
    stored text is the one that was stored (and hashes the same)."""
    return Classification(
        command=str(data["command"]),
        tier=Tier[data["tier"]],
        reasons=tuple(data["reasons"]),
        targets=tuple(_target(t) for t in data.get("targets", [])),
        consequence=data.get("consequence"),
        capture=tuple(data.get("capture", [])),
        lowered_by=tuple(data.get("lowered_by", [])),
        footprint=tuple(_target(t) for t in data.get("footprint", [])),
        uncaptured=tuple(data.get("uncaptured", [])),
    )


def _step(step: StepReview) -> dict[str, Any]:
    result = None
    if step.result is not None:
        lines = step.result.stdout.splitlines()[:RESULT_LINES]
        result = {"exit_status": step.result.exit_status, "stdout": "\n".join(lines)}
    return {
        "index": step.index,
        "command": step.command,
        "purpose": step.purpose,
        "classification": step.classification.to_json(),
        "capture_lines": list(step.capture_lines),
        "no_rollback": step.no_rollback,
        "digest": step.digest,
        "challenge": step.challenge,
        "preview": step.preview,
        "result": result,
    }


def document(request: ApprovalRequest) -> str:
    """The stored text of `request` (redacted, canonical JSON)."""
    data = {
        "kind": request.kind,
        "host": request.host,
        "host_labels": list(request.host_labels),
        "title": request.title,
        "steps": [_step(step) for step in request.steps],
        "write_key_delay": request.write_key_delay,
        "destructive_dwell": request.destructive_dwell,
        "warnings": list(request.warnings),
        "diff": request.diff,
        "requires_force": request.requires_force,
    }
    return json.dumps(redact_json(data), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def request_from(text: str, *, requested_by: str) -> ApprovalRequest:
    """The request a second operator reviews, rebuilt from its stored document."""
    data = json.loads(text)
    steps = []
    for item in data["steps"]:
        result = item.get("result")
        steps.append(
            StepReview(
                index=int(item["index"]),
                command=str(item["command"]),
                purpose=str(item["purpose"]),
                classification=_classification(item["classification"]),
                capture_lines=tuple(item["capture_lines"]),
                no_rollback=item["no_rollback"],
                digest=str(item["digest"]),
                challenge=item["challenge"],
                preview=item["preview"],
                result=None
                if result is None
                else RunResult(result["exit_status"], result["stdout"], "", 0.0, Ended.EXITED),
            )
        )
    return ApprovalRequest(
        kind=data["kind"],
        host=str(data["host"]),
        host_labels=tuple(data["host_labels"]),
        title=str(data["title"]),
        steps=tuple(steps),
        write_key_delay=float(data["write_key_delay"]),
        destructive_dwell=float(data["destructive_dwell"]),
        warnings=tuple(data["warnings"]),
        diff=data["diff"],
        requires_force=bool(data["requires_force"]),
        requested_by=requested_by,
    )
