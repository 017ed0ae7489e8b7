"""The `files` strategy: files and directory trees, with content, mode, owner and mtime.

Capture: describe every path (so absent ones are known and removed again on rollback), then stream one tar
of the existing paths from the host into the local blob store. Restore: for each path, extract just its
members into a temporary directory beside it (same filesystem), then rename into place — a file is replaced
by a single rename; a directory by two renames — and verify the result against the captured checksums.
"""

from __future__ import annotations

import io
import posixpath
import shlex
import tarfile
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from console.core.capture.blobs import BlobStore
from console.core.capture.paths import PathState, describe
from console.core.transport.base import Transport


class FilesCaptureError(Exception):
    """Capture or restore of files failed; the message names the path and the host."""


@dataclass(frozen=True, slots=True)
class FilesSnapshot:
    states: tuple[PathState, ...]
    blob: str | None
    """sha256 of the tar of the paths that existed; None when none did."""

    def to_json(self) -> dict[str, Any]:
        return {"states": [s.to_json() for s in self.states], "blob": self.blob}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FilesSnapshot:
        return cls(states=tuple(PathState.from_json(s) for s in data["states"]), blob=data["blob"])


async def take_files(
    transport: Transport,
    paths: Sequence[str],
    store: BlobStore,
    *,
    size_cap: int,
    states: Mapping[str, PathState] | None = None,
) -> FilesSnapshot:
    """Describe (unless `states` already covers every path) and tar the paths into the store."""
    if states is None or not all(p in states for p in paths):
        states = await describe(transport, paths)
    existing = [p for p in paths if states[p].exists]
    total = sum(states[p].size for p in existing)
    if total > size_cap:
        raise FilesCaptureError(f"{total} bytes to capture is over the capture size cap of {size_cap} bytes")
    blob = None
    if existing:
        blob, _size = await store.put_stream(transport.tar_out(existing), limit=size_cap + 10 * 1024 * 1024)
    return FilesSnapshot(states=tuple(states[p] for p in paths), blob=blob)


def _members_for(archive: bytes, path: str) -> bytes:
    """A tar holding only `path` (and what is below it), member names as stored (no leading '/')."""
    name = path.lstrip("/")
    out = io.BytesIO()
    with (
        tarfile.open(fileobj=io.BytesIO(archive)) as source,
        tarfile.open(fileobj=out, mode="w", format=tarfile.GNU_FORMAT) as target,
    ):
        for member in source.getmembers():
            stored = member.name.lstrip("/").rstrip("/")
            if stored == name or stored.startswith(name + "/"):
                target.addfile(member, source.extractfile(member) if member.isfile() else None)
    return out.getvalue()


async def _once(data: bytes) -> AsyncIterator[bytes]:
    yield data


async def _run_checked(transport: Transport, command: str, what: str) -> None:
    result = await transport.run(command, timeout=300)
    if not result.ok:
        raise FilesCaptureError(f"{what} on {transport.name} failed: {result.stderr.strip() or result.error}")


async def restore_files(transport: Transport, snapshot: FilesSnapshot, store: BlobStore) -> None:
    """Put every path back as captured; paths that did not exist are removed. Verified afterwards."""
    archive = store.read_bytes(snapshot.blob) if snapshot.blob else b""
    for state in snapshot.states:
        path = state.path
        quoted = shlex.quote(path)
        if not state.exists:
            await _run_checked(transport, f"rm -rf -- {quoted}", f"removing {path}")
            continue
        parent = posixpath.dirname(path) or "/"
        made = await transport.run(
            f"mkdir -p -- {shlex.quote(parent)} && mktemp -d {shlex.quote(parent + '/.hitl-restore.XXXXXX')}",
            timeout=60,
        )
        if not made.ok:
            raise FilesCaptureError(f"cannot prepare restore of {path} on {transport.name}: {made.stderr.strip()}")
        temp = made.stdout.strip()
        staged = shlex.quote(temp + "/" + path.lstrip("/"))
        try:
            await transport.tar_in(_once(_members_for(archive, path)), directory=temp)
            if state.kind == "directory":
                swap = (
                    f"if [ -e {quoted} ] || [ -L {quoted} ]; then mv -T -- {quoted} {shlex.quote(temp)}/.old; fi"
                    f" && mv -T -- {staged} {quoted}"
                )
            else:
                swap = (
                    f"if [ -d {quoted} ] && [ ! -L {quoted} ]; then rm -rf -- {quoted}; fi;"
                    f" mv -f -T -- {staged} {quoted}"
                )
            await _run_checked(transport, swap, f"restoring {path}")
        finally:
            await transport.run(f"rm -rf -- {shlex.quote(temp)}", timeout=60)
    await verify_files(transport, snapshot)


async def verify_files(transport: Transport, snapshot: FilesSnapshot) -> None:
    """Raise `FilesCaptureError` unless every path equals its captured state (content, mode, owner)."""
    now = await describe(transport, [s.path for s in snapshot.states])
    wrong = [s.path for s in snapshot.states if not s.same_as(now[s.path])]
    if wrong:
        raise FilesCaptureError(f"after restore on {transport.name}, these differ from the capture: {', '.join(wrong)}")


def file_contents(snapshot: FilesSnapshot, store: BlobStore) -> dict[str, bytes]:
    """Captured content of the regular files (for diffs)."""
    if not snapshot.blob:
        return {}
    contents: dict[str, bytes] = {}
    with tarfile.open(fileobj=io.BytesIO(store.read_bytes(snapshot.blob))) as archive:
        for member in archive.getmembers():
            if member.isfile():
                handle = archive.extractfile(member)
                if handle is not None:
                    contents["/" + member.name.lstrip("/")] = handle.read()
    return contents
