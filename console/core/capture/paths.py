"""Looking at paths on a host: resolving relative paths and globs, and describing what is there.

Everything runs as one small POSIX shell script per call with the paths passed as quoted arguments, so a
hostile file name cannot become shell syntax. Globs are the one exception (they must be expanded by the
host's shell), and are only expanded when they consist of plain path characters.
"""

from __future__ import annotations

import posixpath
import re
import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from console.core.gate import ABSENT
from console.core.transport.base import Transport

_GLOB_CHARS = re.compile(r"[*?\[]")
_SAFE_GLOB = re.compile(r"^[A-Za-z0-9_./*?\[\]@%+=:,~-]+$")

# For each argument: state, kind, mode, uid, gid, size, mtime, digest, path — tab separated, NUL terminated.
# A directory's digest covers every entry's name, type, mode, owner and link target, and every file's content.
_DESCRIBE = r"""
for p in "$@"; do
  if [ ! -e "$p" ] && [ ! -L "$p" ]; then
    printf 'absent\t-\t0\t0\t0\t0\t0\t-\t%s\0' "$p"; continue
  fi
  meta=$(stat -c '%a	%u	%g	%s	%Y' -- "$p") || exit 3
  if [ -L "$p" ]; then kind=symlink; digest=$(readlink -- "$p" | sha256sum | cut -d' ' -f1)
  elif [ -f "$p" ]; then kind=file; digest=$(sha256sum < "$p" | cut -d' ' -f1) || exit 3
  elif [ -d "$p" ]; then
    kind=directory
    size=$(du -sb -- "$p" | cut -f1)
    meta=$(stat -c "%a	%u	%g	$size	%Y" -- "$p")
    digest=$( (cd -- "$p" && { find . -printf '%p\t%y\t%m\t%U\t%G\t%l\n' | LC_ALL=C sort;
               find . -type f -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum --; }) | sha256sum | cut -d' ' -f1)
  else kind=other; digest=-
  fi
  printf 'present\t%s\t%s\t%s\t%s\0' "$kind" "$meta" "$digest" "$p"
done
"""


# For each argument that is a symlink: the path it finally points to (which need not exist), NUL terminated;
# not when that is a directory (writes through it name a path inside, and it may be as large as /).
_LINK_TARGETS = r"""
for p in "$@"; do
  if [ -L "$p" ] && [ ! -d "$p" ] && t=$(readlink -f -- "$p"; printf x) && [ "$t" != x ]; then
    printf '%s\0' "${t%?x}"
  fi
done
"""


class HostPathError(Exception):
    """The host could not describe or resolve a path; the message says which and why."""


@dataclass(frozen=True, slots=True)
class PathState:
    path: str
    exists: bool
    kind: Literal["file", "directory", "symlink", "other", "-"]
    mode: int
    uid: int
    gid: int
    size: int
    mtime: int
    digest: str

    @property
    def checksum(self) -> str:
        """What an approval is bound to: the content digest, or `absent`."""
        return self.digest if self.exists else ABSENT

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "exists": self.exists,
            "kind": self.kind,
            "mode": self.mode,
            "uid": self.uid,
            "gid": self.gid,
            "size": self.size,
            "mtime": self.mtime,
            "digest": self.digest,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PathState:
        return cls(**data)

    def same_as(self, other: PathState) -> bool:
        """Equal content, type, mode and owner (what a restore must bring back)."""
        if self.exists != other.exists:
            return False
        return not self.exists or (self.kind, self.digest, self.mode, self.uid, self.gid) == (
            other.kind,
            other.digest,
            other.mode,
            other.uid,
            other.gid,
        )


async def describe(transport: Transport, paths: Sequence[str]) -> dict[str, PathState]:
    """State of each absolute path on the host."""
    if not paths:
        return {}
    command = "sh -c " + shlex.quote(_DESCRIBE) + " hitl-describe " + " ".join(shlex.quote(p) for p in paths)
    result = await transport.run(command, timeout=120)
    if not result.ok:
        raise HostPathError(f"cannot describe {', '.join(paths)} on {transport.name}: {result.stderr.strip()}")
    states: dict[str, PathState] = {}
    for record in result.stdout.split("\0"):
        if not record:
            continue
        state, kind, mode, uid, gid, size, mtime, digest, path = record.split("\t", 8)
        states[path] = PathState(
            path=path,
            exists=state == "present",
            kind=kind,  # type: ignore[arg-type]
            mode=int(mode, 8),
            uid=int(uid),
            gid=int(gid),
            size=int(size),
            mtime=int(mtime),
            digest=digest,
        )
    return states


def absolute(path: str, cwd: str) -> str:
    """`path` made absolute against the command's working directory, normalised (`~` left to globbing)."""
    return posixpath.normpath(path if path.startswith("/") else posixpath.join(cwd, path))


async def resolve(transport: Transport, targets: Sequence[str], cwd: str) -> list[str]:
    """Absolute paths for the targets; globs expanded on the host (a glob matching nothing yields nothing)."""
    resolved: list[str] = []
    for target in targets:
        if target.startswith("~"):
            raise HostPathError(f"{target}: paths relative to a home directory are not captured")
        path = absolute(target, cwd)
        if not _GLOB_CHARS.search(path):
            resolved.append(path)
            continue
        if not _SAFE_GLOB.match(path):
            raise HostPathError(f"{target}: the pattern has characters hitl will not hand to a shell")
        script = f'for p in {path}; do if [ -e "$p" ] || [ -L "$p" ]; then printf "%s\\0" "$p"; fi; done'
        result = await transport.run("sh -c " + shlex.quote(script), timeout=60)
        if not result.ok:
            raise HostPathError(f"cannot expand {target} on {transport.name}: {result.stderr.strip()}")
        resolved.extend(p for p in result.stdout.split("\0") if p)
    return _outermost(resolved)


def _outermost(paths: Sequence[str]) -> list[str]:
    """Sorted, without duplicates and without paths inside another one: a directory's capture covers them."""
    unique = sorted(set(paths))
    return [p for p in unique if not any(p != q and p.startswith(q.rstrip("/") + "/") for q in unique)]


async def with_link_targets(transport: Transport, paths: Sequence[str]) -> list[str]:
    """`paths` plus, for each symlink among them to something other than a directory, the path it points to.

    A command that writes through a link (`cp`, `tee`, `>`) changes the file behind it, while one that replaces
    the link (GNU `sed -i`) changes the link itself; capturing both restores either, and binds the approval to
    the content that will change, not just to where the link points."""
    if not paths:
        return []
    command = "sh -c " + shlex.quote(_LINK_TARGETS) + " hitl-links " + " ".join(shlex.quote(p) for p in paths)
    result = await transport.run(command, timeout=60)
    if not result.ok:
        raise HostPathError(f"cannot follow symlinks among {', '.join(paths)} on {transport.name}: {result.stderr}")
    return _outermost([*paths, *(p for p in result.stdout.split("\0") if p)])
