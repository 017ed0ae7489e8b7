"""The GNU tar command lines both transports use, so a stream made on one host extracts on another."""

from __future__ import annotations

from collections.abc import Sequence

TAR_CREATE = ("tar", "--create", "--file=-", "--numeric-owner", "--sparse", "--no-unquote", "--directory=/")
"""Members are given relative to / so tar does not warn about stripping the leading slash; `--no-unquote`
keeps a backslash in a name a backslash (GNU tar reads `\\b` in a name as an escape by default)."""
TAR_EXTRACT = ("tar", "--extract", "--file=-", "--numeric-owner", "--same-owner", "--same-permissions")


def relative_members(paths: Sequence[str]) -> list[str]:
    """Absolute paths as members relative to /; a relative path is refused."""
    if not paths:
        raise ValueError("tar_out needs at least one path")
    members = []
    for path in paths:
        if not path.startswith("/"):
            raise ValueError(f"tar_out takes absolute paths, not {path!r}")
        members.append(path.lstrip("/") or ".")
    return members
