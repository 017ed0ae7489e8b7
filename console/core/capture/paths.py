"""What is at a path on a host: `describe` reads each path's state (kind, mode, owner, content digest, link
count) with one small script, byte-safe (`host.py`).

Paths are known by their shown form (`names.shown`): physical, absolute, injective text for bytes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from console.core.capture.host import HostScriptError, run_script
from console.core.capture.names import name_of
from console.core.gate import ABSENT
from console.core.transport.base import Transport

DESCRIBE_ONE = r"""
describe_one() {
  _p=$1
  if [ ! -e "$_p" ] && [ ! -L "$_p" ]; then out absent - 0 0 0 0 0 0 - -; return 0; fi
  _m=$(stat -c '%a %u %g %s %Y %h %d:%i' -- "$_p") || return 3
  _i=$IFS; IFS=' '; set -- $_m; IFS=$_i
  if [ -L "$_p" ]; then _k=symlink; _d=$(readlink -- "$_p" | sha256sum) || return 3
  elif [ -f "$_p" ]; then _k=file; _d=$(sha256sum < "$_p") || return 3
  elif [ -d "$_p" ]; then
    _k=directory
    _s=$(du -sb -- "$_p" | cut -f1); set -- "$1" "$2" "$3" "$_s" "$5" "$6" "$7"
    _d=$( (cd -- "$_p" && { find . -exec env QUOTING_STYLE=c stat -c '%F %a %u %g %N' -- {} + | sort;
           find . -type f -exec sha256sum -- {} + | sort; }) | sha256sum) || return 3
  else _k=other; _d=-
  fi
  out present "$_k" "$@" "${_d%% *}"
}
"""
"""Shell: write the state of one path as ten fields — state, kind, mode, uid, gid, size, mtime, link count,
device:inode, digest. A directory's digest covers every entry's type, mode, owner and name (and link target),
quoted by `stat`'s C style so no name can imitate another entry, and every file's content (sha256sum escapes
odd names itself)."""

_DESCRIBE = DESCRIBE_ONE + 'for a; do hitl_arg "$a"; describe_one "$hitl_v" || exit 3; done\n'
FIELDS = 10
_CONTENT_DIFFERS = {"symlink": "points elsewhere", "directory": "holds other entries"}


class HostPathError(Exception):
    """The host could not describe or resolve a path; the message says which and why."""


@dataclass(frozen=True, slots=True)
class PathState:
    path: str
    """The physical path, shown (`names.shown`)."""
    exists: bool
    kind: Literal["file", "directory", "symlink", "other", "-"]
    mode: int
    uid: int
    gid: int
    size: int
    mtime: int
    digest: str
    nlink: int = 1
    """How many names the file has: above 1, a restore writes in place so every name sees the old content."""
    inode: str = ""
    """`device:inode`: a restore in place must find the same file there."""

    @property
    def checksum(self) -> str:
        """What an approval is bound to: the content digest with the kind, mode and owner (a chmod while the
        dialog is open is drift too), or `absent`."""
        return f"{self.digest} {self.kind} {self.mode:o} {self.uid}:{self.gid}" if self.exists else ABSENT

    @property
    def hard_linked(self) -> bool:
        return self.exists and self.kind == "file" and self.nlink > 1

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
            "nlink": self.nlink,
            "inode": self.inode,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PathState:
        return cls(**data)

    def same_as(self, other: PathState) -> bool:
        """Equal content (or link target), type, mode and owner, and for a hard-linked file the same file with
        as many names: what a restore must bring back."""
        return not self.differences(other)

    def differences(self, now: PathState) -> list[str]:
        """How `now` differs from this state, in words (empty when it does not)."""
        if self.exists != now.exists:
            return ["is missing" if self.exists else "exists, and should not"]
        if not self.exists:
            return []
        if self.kind != now.kind:
            return [f"is a {now.kind}, not a {self.kind}"]
        found = []
        if self.digest != now.digest:
            found.append(_CONTENT_DIFFERS.get(self.kind, "has other content"))
        if self.mode != now.mode:
            found.append(f"has mode {now.mode:o}, not {self.mode:o}")
        if (self.uid, self.gid) != (now.uid, now.gid):
            found.append(f"is owned by {now.uid}:{now.gid}, not {self.uid}:{self.gid}")
        if self.hard_linked and self.inode and (now.inode, now.nlink) != (self.inode, self.nlink):
            others = self.nlink - 1
            now_is = "a separate file" if now.nlink == 1 else "another file"
            found.append(
                f"was one of {self.nlink} hard links and is now {now_is} (its {others} other "
                f"name{'s' if others > 1 else ''} kept the content they had)"
            )
        return found


async def describe(transport: Transport, paths: Sequence[str]) -> dict[str, PathState]:
    """State of each absolute path (shown form) on the host."""
    if not paths:
        return {}
    try:
        output = await run_script(transport, _DESCRIBE, [name_of(p) for p in paths], what="describing paths")
    except HostScriptError as error:
        raise HostPathError(str(error)) from None
    if output.status != 0 or len(output.fields) != FIELDS * len(paths):
        raise HostPathError(f"cannot describe {', '.join(paths)} on {transport.name}: {output.stderr or 'no answer'}")
    return {path: state_from(path, output.fields[i * FIELDS : (i + 1) * FIELDS]) for i, path in enumerate(paths)}


def state_from(path: str, fields: Sequence[bytes]) -> PathState:
    """The state `describe_one` wrote for `path` (its ten fields)."""
    state, kind, mode, uid, gid, size, mtime, nlink, inode, digest = (f.decode("ascii") for f in fields)
    return PathState(
        path=path,
        exists=state == "present",
        kind=kind,  # type: ignore[arg-type]
        mode=int(mode, 8),
        uid=int(uid),
        gid=int(gid),
        size=int(size),
        mtime=int(mtime),
        digest=digest,
        nlink=int(nlink),
        inode="" if inode == "-" else inode,
    )


def absent(path: str) -> PathState:
    return PathState(path=path, exists=False, kind="-", mode=0, uid=0, gid=0, size=0, mtime=0, digest="-", nlink=0)
