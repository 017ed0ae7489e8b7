"""What a rollback would change, shown before it is approved: the current state against the capture.

A unified diff for text files, a summary for everything else; current file content is read with the same
byte-safe tar stream the capture uses, so a name that is not UTF-8 is compared like any other.
"""

from __future__ import annotations

import difflib
import io
import tarfile
from collections.abc import Mapping, Sequence

from console.core.capture.blobs import BlobStore
from console.core.capture.databases import HOST_CREDENTIALS
from console.core.capture.engine import CaptureError, CaptureErrors, Snapshot
from console.core.capture.files import FilesSnapshot, file_contents
from console.core.capture.names import fs, name_of, printable
from console.core.capture.paths import PathState, describe
from console.core.capture.system_state import read_crontab, read_unit
from console.core.transport.base import Transport
from console.core.transport.errors import TransportError


async def read_current(transport: Transport, path: str) -> bytes:
    """The content of the file at `path` (shown form) on the host now."""
    try:
        data = b"".join([chunk async for chunk in transport.tar_out([fs(name_of(path))])])
    except TransportError as error:
        raise CaptureError(printable(str(error))) from None
    with tarfile.open(fileobj=io.BytesIO(data)) as archive:
        for member in archive.getmembers():
            handle = archive.extractfile(member) if member.isfile() else None
            if handle is not None:
                return handle.read()
    return b""


def _text_diff(now: bytes, restored: bytes, label: str) -> list[str]:
    """Unified diff from the current content to what the rollback would put back."""
    try:
        current, captured = now.decode(), restored.decode()
    except UnicodeDecodeError:
        return [f"binary file {label} differs\n"]
    return list(
        difflib.unified_diff(
            current.splitlines(keepends=True),
            captured.splitlines(keepends=True),
            f"{label} (now)",
            f"{label} (after rollback)",
        )
    )


async def snapshot_diff(
    snapshot: Snapshot, transport: Transport, store: BlobStore, known: Mapping[str, PathState] | None = None
) -> str:
    """What a rollback would change, current state first: a unified diff for text, a summary otherwise.
    `known`: the paths' state just looked at, reused instead of describing them again."""
    lines: list[str] = []
    try:
        for item in snapshot.items:
            data = item["data"]
            match item["strategy"]:
                case "files":
                    files = FilesSnapshot.from_json(data)
                    captured = file_contents(files, store)
                    now = await current_states(transport, [s.path for s in files.states], known)
                    for state in files.states:
                        current = now[state.path]
                        if state.same_as(current):
                            continue
                        if not state.exists:
                            lines.append(f"{state.path}: exists now, will be removed\n")
                        elif not current.exists:
                            lines.append(f"{state.path}: missing now, will be restored ({state.kind})\n")
                        elif state.kind == "file" and current.kind == "file" and state.digest != current.digest:
                            body = await read_current(transport, state.path)
                            lines += _text_diff(body, captured.get(state.path, b""), state.path)
                        if (
                            state.exists
                            and current.exists
                            and (state.mode, state.uid, state.gid)
                            != (
                                current.mode,
                                current.uid,
                                current.gid,
                            )
                        ):
                            lines.append(
                                f"{state.path}: mode/owner {current.mode:o} {current.uid}:{current.gid} -> "
                                f"{state.mode:o} {state.uid}:{state.gid}\n"
                            )
                        if state.kind == "directory" and state.digest != current.digest and current.exists:
                            lines.append(f"{state.path}: directory tree differs, will be restored as captured\n")
                case "crontab":
                    now_text = await read_crontab(transport, data["user"])
                    before = store.read_bytes(data["blob"]) if data["blob"] else None
                    label = f"crontab({data['user'] or 'login user'})"
                    if before is None and now_text is not None:
                        lines.append(f"{label}: exists now, will be removed\n")
                    elif before is not None:
                        lines += _text_diff((now_text or "").encode(), before, label)
                case "unit-state":
                    current_unit = await read_unit(transport, data["unit"])
                    if (current_unit.enabled, current_unit.active) != (data["enabled"], data["active"]):
                        lines.append(
                            f"{data['unit']}: {current_unit.enabled}/{current_unit.active} -> "
                            f"{data['enabled']}/{data['active']}\n"
                        )
                case "firewall":
                    lines.append(f"{data['tool']} rules will be replaced by the captured rule set\n")
                case "dump":
                    table = data["table"] or "all tables"
                    lines.append(
                        f"{data['engine']} {data['database']}: {table} will be replaced by the captured dump\n"
                    )
                    if data.get("credentials_dropped"):
                        lines.append(f"{data['engine']} {data['database']}: {HOST_CREDENTIALS}\n")
    except CaptureErrors as error:
        raise CaptureError(f"cannot compare with the current state: {error}") from None
    return "".join(lines) if lines else "No difference: the current state already equals the capture.\n"


async def current_states(
    transport: Transport, paths: Sequence[str], known: Mapping[str, PathState] | None = None
) -> dict[str, PathState]:
    """The paths' state now: from `known` (looked at moments ago) where it has them, else from the host."""
    now = {path: known[path] for path in paths if known and path in known}
    missing = [path for path in paths if path not in now]
    if missing:
        now.update(await describe(transport, missing))
    return now


async def changed_since(
    states: dict[str, PathState], transport: Transport, known: Mapping[str, PathState] | None = None
) -> list[str]:
    """Paths whose current state differs from `states` (recorded right after the change ran)."""
    if not states:
        return []
    now = await current_states(transport, list(states), known)
    return [path for path, state in states.items() if not state.same_as(now[path])]
