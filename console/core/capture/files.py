"""The `files` strategy: files and directory trees, with content, mode, owner, mtime and hard-link count.

Capture: describe every path (so absent ones are known and removed again on rollback), then stream one tar
of the existing paths from the host into the local blob store.

Restore, one path at a time, never through a symlink that was not there at capture time. The captured paths
are physical (no symlink in any directory component), so the restore script walks down from `/` and refuses
a component that is now a symlink (or creates one that is missing), enters the parent with `cd -P`, checks
`pwd -P` is that same path, and from then on works with names relative to that directory: a parent swapped
afterwards cannot redirect anything. The path's captured members arrive on standard input as a small tar
whose top entry is renamed `x`; they are extracted into a temporary directory beside the path and renamed
into place (a file: one rename; a directory: two). A file captured with several hard links that is still the
same file is written in place instead (`dd oflag=nofollow`), so every one of its names sees the old content.

`verify_files` then compares every path with its captured state and says, per path, what differs.
"""

from __future__ import annotations

import io
import tarfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from console.core.capture.blobs import BlobStore
from console.core.capture.host import HostScriptError, run_script
from console.core.capture.names import fs, name_of, printable, shown
from console.core.capture.paths import PathState, describe
from console.core.transport.base import Transport
from console.core.transport.errors import TransportError

NAMES = "shown"
"""How `FilesSnapshot` writes its paths (`names.shown`); records without it hold plain text paths."""

_RESTORE = r"""
hitl_arg "$1"; parent=$hitl_v; hitl_arg "$2"; base=./$hitl_v; kind=$3; inode=$4
d=; rest=${parent#/}
while [ -n "$rest" ]; do
  c=${rest%%/*}
  case $rest in */*) rest=${rest#*/} ;; *) rest= ;; esac
  d=$d/$c
  if [ -L "$d" ]; then out "$d"; exit 21; fi
  if [ ! -d "$d" ]; then
    [ "$kind" = absent ] && exit 0  # its directory is not there: neither is it
    if [ -e "$d" ]; then out "$d"; exit 22; fi
    mkdir -- "$d" 2>/dev/null || { out "$d"; exit 22; }
  fi
done
cd -P -- "${parent:-/}" || exit 23
here=$(pwd -P; printf x)
[ "${here%?x}" = "${parent:-/}" ] || { out "${here%?x}"; exit 21; }
if [ "$kind" = absent ]; then rm -rf -- "$base" || exit 30; exit 0; fi
tmp=$(mktemp -d ./.hitl-restore.XXXXXX) || exit 31
trap 'rm -rf -- "$tmp"' EXIT
tar -x --numeric-owner --same-owner --same-permissions -C "$tmp" -f - || exit 32
if [ "$inode" != - ] && [ -f "$base" ] && [ ! -L "$base" ] && [ "$(stat -c %d:%i -- "$base")" = "$inode" ]; then
  dd if="$tmp/x" of="$base" oflag=nofollow bs=65536 status=none || exit 33
  [ -L "$base" ] && exit 33
  chown -h --reference="$tmp/x" -- "$base" && chmod --reference="$tmp/x" -- "$base" &&
    touch -h -r "$tmp/x" -- "$base" || exit 33
elif [ "$kind" = directory ]; then
  if [ -e "$base" ] || [ -L "$base" ]; then mv -T -- "$base" "$tmp/old" || exit 33; fi
  mv -T -- "$tmp/x" "$base" || { mv -T -- "$tmp/old" "$base"; exit 33; }
else
  if [ -d "$base" ] && [ ! -L "$base" ]; then rm -rf -- "$base" || exit 33; fi
  mv -f -T -- "$tmp/x" "$base" || exit 33
fi
"""


class FilesCaptureError(Exception):
    """Capture or restore of files failed; the message names the path and the host."""


@dataclass(frozen=True, slots=True)
class FilesSnapshot:
    states: tuple[PathState, ...]
    blob: str | None
    """sha256 of the tar of the paths that existed; None when none did."""

    def to_json(self) -> dict[str, Any]:
        return {"states": [s.to_json() for s in self.states], "blob": self.blob, "names": NAMES}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FilesSnapshot:
        states = [PathState.from_json(s) for s in data["states"]]
        if data.get("names") != NAMES:  # written before names were bytes: plain UTF-8 text
            states = [PathState.from_json({**s.to_json(), "path": shown(s.path.encode())}) for s in states]
        return cls(states=tuple(states), blob=data["blob"])


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
        members = [fs(name_of(p)) for p in existing]
        try:
            blob, _size = await store.put_stream(transport.tar_out(members), limit=size_cap + 10 * 1024 * 1024)
        except TransportError as error:
            raise FilesCaptureError(printable(str(error))) from None
    return FilesSnapshot(states=tuple(states[p] for p in paths), blob=blob)


def _members_for(archive: bytes, path: str) -> bytes:
    """A tar holding only `path` and what is below it, renamed `x` (and `x/...`); hard links to files outside
    become plain files."""
    name = fs(name_of(path)).lstrip("/")
    out = io.BytesIO()
    with (
        tarfile.open(fileobj=io.BytesIO(archive)) as source,
        tarfile.open(fileobj=out, mode="w", format=tarfile.GNU_FORMAT) as target,
    ):
        for member in source.getmembers():
            stored = member.name.lstrip("/").rstrip("/")
            if stored != name and not stored.startswith(name + "/"):
                continue
            data = None
            copy = tarfile.TarInfo("x" + stored[len(name) :])
            for attribute in ("mode", "uid", "gid", "uname", "gname", "mtime", "type", "linkname", "size"):
                setattr(copy, attribute, getattr(member, attribute))
            if member.islnk():
                linked = member.linkname.lstrip("/")
                if linked == name or linked.startswith(name + "/"):
                    copy.linkname = "x" + linked[len(name) :]
                else:
                    copy.type, copy.linkname = tarfile.REGTYPE, ""
                    data = source.extractfile(member)
                    copy.size = source.getmember(member.linkname).size
            elif member.isfile():
                data = source.extractfile(member)
            target.addfile(copy, data)
    return out.getvalue()


async def restore_path(transport: Transport, state: PathState, archive: bytes) -> str | None:
    """Put one path back as captured; None when done, else why not (in words, naming the path)."""
    parent, _, base = name_of(state.path).rpartition(b"/")
    inode = state.inode if state.hard_linked and state.inode else "-"
    stdin = _members_for(archive, state.path) if state.exists else None
    kind = state.kind if state.exists else "absent"
    try:
        output = await run_script(
            transport, _RESTORE, [parent, base, kind, inode], what=f"restoring {state.path}", stdin=stdin, timeout=300
        )
    except HostScriptError as error:
        return f"{state.path}: {error}"
    where = shown(output.fields[0]) if output.fields else "a directory above it"
    return {
        0: None,
        21: f"{state.path}: not restored, its directory {where} is now a symbolic link; nothing was written through it",
        22: f"{state.path}: not restored, {where} cannot be made a directory again",
        23: f"{state.path}: not restored, its directory cannot be entered ({output.stderr})",
        30: f"{state.path}: cannot be removed ({output.stderr})",
    }.get(output.status, f"{state.path}: not restored ({output.stderr or f'exit status {output.status}'})")


async def restore_files(
    transport: Transport, snapshot: FilesSnapshot, store: BlobStore
) -> tuple[list[str], dict[str, PathState]]:
    """Put every path back as captured (absent ones removed), then verify them all. Returns what is not as
    captured, one sentence per path (none when every path was restored and verified), and the paths' states
    as verified."""
    archive = store.read_bytes(snapshot.blob) if snapshot.blob else b""
    problems: dict[str, str] = {}
    for state in snapshot.states:
        why = await restore_path(transport, state, archive)
        if why is not None:
            problems[state.path] = why
    now = await describe(transport, [s.path for s in snapshot.states])
    for path, why in verify_files(snapshot, now).items():
        problems.setdefault(path, why)
    return [problems[s.path] for s in snapshot.states if s.path in problems], now


def verify_files(snapshot: FilesSnapshot, now: Mapping[str, PathState]) -> dict[str, str]:
    """Every path whose state `now` differs from its capture (content or link target, type, mode, owner, hard
    links), with how."""
    found = {}
    for state in snapshot.states:
        differences = state.differences(now[state.path])
        if differences:
            found[state.path] = f"{state.path}: {', '.join(differences)}"
    return found


def file_contents(snapshot: FilesSnapshot, store: BlobStore) -> dict[str, bytes]:
    """Captured content of the regular files (for diffs), keyed by shown path."""
    if not snapshot.blob:
        return {}
    contents: dict[str, bytes] = {}
    with tarfile.open(fileobj=io.BytesIO(store.read_bytes(snapshot.blob))) as archive:
        for member in archive.getmembers():
            if member.isfile() or member.islnk():
                handle = archive.extractfile(member)
                if handle is not None:
                    contents[shown(("/" + member.name.lstrip("/")).encode("utf-8", "surrogateescape"))] = handle.read()
    return contents
