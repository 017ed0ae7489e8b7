"""The approver channel's wire format: how an MCP server (`hitl mcp`) puts an `ApprovalRequest` to the console
and gets the operator's `Decision` back.

One connection per request, two messages: the server sends `review`, the console answers `decision` (or
closes the connection: the server then refuses). Each message is a 4-byte big-endian length followed by that
many bytes of UTF-8 JSON, at most `MAX_MESSAGE` bytes; every message carries `"v": VERSION` and a `type`.
Decoding is strict: an unknown or missing field, a wrong type, a bad enum value, a different version — the
message is dropped with one line saying why (`WireError`), never half-read. Only what the dialogs show travels
(the command, tier, reasons, targets, consequence, capture lines, NO ROLLBACK words, challenge, preview, diff,
the output of READ steps that already ran); the digest the approval is bound to stays in the server, which
checks the decision itself (`ApprovalDesk`).

The socket is `approver.sock` in hitl's state directory (0700), made 0600, and each side checks the other's
uid with `SO_PEERCRED`: only the same user can ask or answer.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import struct
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Final, get_args

from console.core.approval import ApprovalRequest, Decision, Lifetime, RememberChoice, Scope, StepReview
from console.core.classify.model import Classification, Target, TargetKind
from console.core.errors import HitlError
from console.core.tiers import Tier
from console.core.transport.base import Ended, RunResult

VERSION: Final = 1
MAX_MESSAGE: Final = 1 << 20
"""1 MiB: a request with long previews and a diff fits; anything larger is refused, not trimmed."""
SOCKET_NAME: Final = "approver.sock"
LOCK_NAME: Final = "approver.lock"
_HEADER: Final = struct.Struct(">I")
_CLIENT_NAME_CHARS: Final = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
MAX_CLIENT_NAME: Final = 40


class WireError(HitlError):
    """A message that does not follow the protocol; `str()` is the one line logged."""


def socket_path(state_dir: Path) -> Path:
    return state_dir / SOCKET_NAME


def client_name(raw: object) -> str:
    """An MCP client's name as hitl records and shows it (`mcp:NAME`): letters, digits, `.`, `_`, `-`, at most
    40 characters; anything else becomes `-`. The name is the client's claim, so it must not be able to carry
    markup, line breaks or words that imitate the dialog."""
    text = raw if isinstance(raw, str) else ""
    cleaned = "".join(c if c in _CLIENT_NAME_CHARS else "-" for c in text[:MAX_CLIENT_NAME])
    return cleaned.strip("-.") or "unknown"


# --- framing -------------------------------------------------------------------------------------------------


async def read_message(reader: asyncio.StreamReader) -> dict[str, Any]:
    """One message; raises `WireError` for a bad one and `EOFError` when the peer closed first."""
    try:
        header = await reader.readexactly(_HEADER.size)
    except asyncio.IncompleteReadError as error:
        if error.partial:
            raise WireError("the connection closed inside a message header") from None
        raise EOFError from None
    (size,) = _HEADER.unpack(header)
    if size > MAX_MESSAGE:
        raise WireError(f"message of {size} bytes is over the limit of {MAX_MESSAGE}")
    try:
        body = await reader.readexactly(size)
    except asyncio.IncompleteReadError:
        raise WireError("the connection closed inside a message") from None
    try:
        message = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        raise WireError(f"message is not UTF-8 JSON: {error}") from None
    if not isinstance(message, dict):
        raise WireError("message is not a JSON object")
    if message.get("v") != VERSION:
        raise WireError(f"protocol version {message.get('v')!r} is not {VERSION}")
    if not isinstance(message.get("type"), str):
        raise WireError("message has no type")
    return message


def encode_message(message: Mapping[str, Any]) -> bytes:
    try:
        body = json.dumps({"v": VERSION, **message}, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    except UnicodeEncodeError:
        raise WireError("the request holds text that is not valid Unicode (a lone surrogate)") from None
    if len(body) > MAX_MESSAGE:
        raise WireError(f"the request is {len(body)} bytes, over the channel's limit of {MAX_MESSAGE}")
    return _HEADER.pack(len(body)) + body


def peer_uid(sock: socket.socket) -> int:
    """The uid of the process at the other end of a Unix socket (`SO_PEERCRED`)."""
    creds = sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    _pid, uid, _gid = struct.unpack("3i", creds)
    return int(uid)


def check_peer(writer: asyncio.StreamWriter) -> None:
    """Raise `WireError` unless the peer runs as this user."""
    sock = writer.get_extra_info("socket")
    if sock is None:
        raise WireError("no socket to check the peer of")
    uid = peer_uid(sock)
    if uid != os.getuid():
        raise WireError(f"peer runs as uid {uid}, not {os.getuid()}")


def connectable(path: Path) -> str:
    """A name `connect`/`bind` accept for `path`: Unix socket names are limited to 107 bytes, so a longer one is
    reached through the directory's open descriptor (`/proc/self/fd/N/NAME`, Linux). The descriptor is kept
    open for the process's life (one per directory)."""
    if len(os.fsencode(path)) < 100:
        return str(path)
    fd = _DIR_FDS.get(path.parent)
    if fd is None:
        fd = _DIR_FDS[path.parent] = os.open(path.parent, os.O_PATH | os.O_DIRECTORY)
    return f"/proc/self/fd/{fd}/{path.name}"


_DIR_FDS: dict[Path, int] = {}


# --- what travels --------------------------------------------------------------------------------------------


def encode_request(request: ApprovalRequest, *, client: str, request_id: str) -> bytes:
    return encode_message(
        {
            "type": "review",
            "id": request_id,
            "client": client,
            "request": {
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
            },
        }
    )


def _step(step: StepReview) -> dict[str, Any]:
    c = step.classification
    result = step.result
    return {
        "index": step.index,
        "command": step.command,
        "purpose": step.purpose,
        "tier": c.tier.name,
        "reasons": list(c.reasons),
        "targets": [{"kind": t.kind, "value": t.value, "cwd": t.cwd} for t in c.targets],
        "consequence": c.consequence,
        "capture_lines": list(step.capture_lines),
        "no_rollback": step.no_rollback,
        "challenge": step.challenge,
        "preview": step.preview,
        "result": None
        if result is None
        else {
            "exit_status": result.exit_status,
            "stdout": result.stdout,
            "stderr": result.stderr,
            "duration": result.duration,
            "ended": result.ended.value,
            "error": result.error,
        },
    }


def encode_decision(decision: Decision, *, request_id: str) -> bytes:
    remember = decision.remember
    return encode_message(
        {
            "type": "decision",
            "id": request_id,
            "decision": {
                "approved": decision.approved,
                "reason": decision.reason,
                "typed_challenges": list(decision.typed_challenges),
                "edited_command": decision.edited_command,
                "remember": None
                if remember is None
                else {"scope": remember.scope.value, "lifetime": remember.lifetime.value, "label": remember.label},
                "force": decision.force,
            },
        }
    )


class _Fields:
    """Strict reading of one JSON object: every key read exactly once, no other key allowed."""

    def __init__(self, value: object, where: str) -> None:
        if not isinstance(value, dict):
            raise WireError(f"{where} is not an object")
        self.value: dict[str, Any] = value
        self.where = where
        self.seen: set[str] = set()

    def get(self, key: str, kind: type | tuple[type, ...], *, optional: bool = False) -> Any:
        self.seen.add(key)
        if key not in self.value:
            raise WireError(f"{self.where}: missing {key}")
        item = self.value[key]
        if item is None and optional:
            return None
        kinds = kind if isinstance(kind, tuple) else (kind,)
        if not isinstance(item, kinds) or (isinstance(item, bool) and bool not in kinds):
            raise WireError(f"{self.where}.{key} has the wrong type")
        if isinstance(item, str):
            _check_text(item, f"{self.where}.{key}")
        return item

    def strings(self, key: str) -> tuple[str, ...]:
        items = self.get(key, list)
        if not all(isinstance(item, str) for item in items):
            raise WireError(f"{self.where}.{key} holds something other than text")
        for item in items:
            _check_text(item, f"{self.where}.{key}")
        return tuple(items)

    def done(self) -> None:
        extra = set(self.value) - self.seen
        if extra:
            raise WireError(f"{self.where}: unknown field(s) {', '.join(sorted(extra))}")


def _check_text(text: str, where: str) -> None:
    """JSON's `\\ud800` escapes decode to lone surrogates, which no terminal can show: refused."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise WireError(f"{where} is not valid Unicode") from None


def _choice(value: str, allowed: Callable[[str], object], where: str) -> Any:
    try:
        return allowed(value)
    except (KeyError, ValueError):
        raise WireError(f"{where}: {value!r} is not allowed") from None


_TARGET_KINDS: Final = frozenset(get_args(TargetKind))


def decode_request(message: Mapping[str, Any]) -> tuple[str, str, ApprovalRequest]:
    """(request id, client name, request) from a `review` message."""
    outer = _Fields(message, "review")
    outer.get("v", int)
    if outer.get("type", str) != "review":
        raise WireError(f"expected a review, got {message.get('type')!r}")
    request_id = outer.get("id", str)
    client = outer.get("client", str)
    if client_name(client) != client:
        raise WireError("review: the client name has characters hitl does not show")
    fields = _Fields(outer.get("request", dict), "request")
    outer.done()
    kind = fields.get("kind", str)
    if kind not in ("command", "plan", "rollback"):
        raise WireError(f"request.kind {kind!r} is not allowed")
    steps = tuple(_decode_step(item, f"request.steps[{n}]") for n, item in enumerate(fields.get("steps", list)))
    if not steps:
        raise WireError("request has no steps")
    request = ApprovalRequest(
        kind=kind,
        host=fields.get("host", str),
        host_labels=fields.strings("host_labels"),
        title=fields.get("title", str),
        steps=steps,
        write_key_delay=float(fields.get("write_key_delay", (int, float))),
        destructive_dwell=float(fields.get("destructive_dwell", (int, float))),
        warnings=fields.strings("warnings"),
        diff=fields.get("diff", str, optional=True),
        requires_force=fields.get("requires_force", bool),
        requested_by=f"mcp:{client}",
    )
    fields.done()
    return request_id, client, request


def _decode_step(value: object, where: str) -> StepReview:
    f = _Fields(value, where)
    command = f.get("command", str)
    targets = []
    for n, item in enumerate(f.get("targets", list)):
        t = _Fields(item, f"{where}.targets[{n}]")
        kind = t.get("kind", str)
        if kind not in _TARGET_KINDS:
            raise WireError(f"{where}.targets[{n}].kind {kind!r} is not allowed")
        targets.append(Target(kind, t.get("value", str), t.get("cwd", str)))
        t.done()
    classification = Classification(
        command=command,
        tier=_choice(f.get("tier", str), Tier.__getitem__, f"{where}.tier"),
        reasons=f.strings("reasons"),
        targets=tuple(targets),
        consequence=f.get("consequence", str, optional=True),
    )
    raw_result = f.get("result", dict, optional=True)
    result = None
    if raw_result is not None:
        r = _Fields(raw_result, f"{where}.result")
        result = RunResult(
            exit_status=r.get("exit_status", int, optional=True),
            stdout=r.get("stdout", str),
            stderr=r.get("stderr", str),
            duration=float(r.get("duration", (int, float))),
            ended=_choice(r.get("ended", str), Ended, f"{where}.result.ended"),
            error=r.get("error", str, optional=True),
        )
        r.done()
    step = StepReview(
        index=f.get("index", int),
        command=command,
        purpose=f.get("purpose", str),
        classification=classification,
        capture_lines=f.strings("capture_lines"),
        no_rollback=f.get("no_rollback", str, optional=True),
        digest="",
        challenge=f.get("challenge", str, optional=True),
        preview=f.get("preview", str, optional=True),
        result=result,
    )
    f.done()
    return step


def decode_decision(message: Mapping[str, Any], request_id: str) -> Decision:
    outer = _Fields(message, "decision message")
    outer.get("v", int)
    if outer.get("type", str) != "decision":
        raise WireError(f"expected a decision, got {message.get('type')!r}")
    if outer.get("id", str) != request_id:
        raise WireError("the decision is for another request")
    f = _Fields(outer.get("decision", dict), "decision")
    outer.done()
    raw_remember = f.get("remember", dict, optional=True)
    remember = None
    if raw_remember is not None:
        r = _Fields(raw_remember, "decision.remember")
        remember = RememberChoice(
            scope=_choice(r.get("scope", str), Scope, "decision.remember.scope"),
            lifetime=_choice(r.get("lifetime", str), Lifetime, "decision.remember.lifetime"),
            label=r.get("label", str, optional=True),
        )
        r.done()
    decision = Decision(
        approved=f.get("approved", bool),
        reason=f.get("reason", str, optional=True),
        typed_challenges=f.strings("typed_challenges"),
        edited_command=f.get("edited_command", str, optional=True),
        remember=remember,
        force=f.get("force", bool),
        decided_by="operator (console)",
    )
    f.done()
    return decision
