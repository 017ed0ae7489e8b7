"""hitl's own files are private: its directories 0700, every file in them 0600.

What hitl writes (the database with its WAL and SHM, rollback blobs, remembered approvals, known_hosts, hosts and
config files it writes, the conversation inside the database) is created that way (`make_private_dir`,
`create_private_file`), whatever the umask. `secure_directories` checks and repairs a tree at start-up, for files
made by an older hitl or by hand, and returns one notice saying what it changed (None when nothing was wrong).
Symbolic links are never followed or changed: a link in hitl's directory must not make hitl chmod another file.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from pathlib import Path

from console.core.paths import Paths

DIR_MODE = 0o700
FILE_MODE = 0o600


def make_private_dir(path: Path) -> None:
    """Create `path` and any missing parents, each 0700 (existing directories are left as they are)."""
    missing = []
    while not path.exists():
        missing.append(path)
        path = path.parent
    for directory in reversed(missing):
        directory.mkdir(mode=DIR_MODE, exist_ok=True)
        os.chmod(directory, DIR_MODE)


def create_private_file(path: Path) -> None:
    """Create `path` empty and 0600 if it does not exist (so whatever opens it next inherits the mode)."""
    make_private_dir(path.parent)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, FILE_MODE)
    except FileExistsError:
        return
    os.close(fd)


def keep_private(*paths: Path) -> None:
    """Tighten each existing file of `paths` to 0600 at most (the database and its WAL and SHM on open)."""
    for path in paths:
        _repair(path, FILE_MODE, [], [])


def _repair(path: Path, wanted: int, changed: list[Path], failed: list[str]) -> None:
    try:
        info = path.lstat()
    except FileNotFoundError:
        return
    if stat.S_ISLNK(info.st_mode) or stat.S_IMODE(info.st_mode) & 0o077 == 0:
        return
    try:
        os.chmod(path, stat.S_IMODE(info.st_mode) & wanted, follow_symlinks=False)
    except OSError as error:
        failed.append(f"{path} ({error.strerror})")
    else:
        changed.append(path)


def secure_paths(paths: Paths) -> str | None:
    """`secure_directories` over every directory hitl keeps files in (config, data, state)."""
    return secure_directories((paths.config_dir, paths.data_dir, paths.state_dir))


def secure_directories(roots: Iterable[Path]) -> str | None:
    """Make every directory under `roots` 0700 at most and every file 0600 at most; return the notice to show
    once, or None when everything already was private (or nothing exists yet)."""
    changed: list[Path] = []
    failed: list[str] = []
    seen: set[Path] = set()
    for root in roots:
        if root in seen or not root.is_dir() or root.is_symlink():
            continue
        seen.add(root)
        _repair(root, DIR_MODE, changed, failed)
        for directory, subdirectories, files in os.walk(root):
            base = Path(directory)
            for name in subdirectories:
                _repair(base / name, DIR_MODE, changed, failed)
            for name in files:
                _repair(base / name, FILE_MODE, changed, failed)
    if not changed and not failed:
        return None
    parts = []
    if changed:
        where = ", ".join(sorted({str(root) for root in seen}))
        parts.append(
            f"hitl made {len(changed)} of its files and directories private (readable by others before; now "
            f"0600 files in 0700 directories) under {where}"
        )
    if failed:
        parts.append(f"could not make private: {', '.join(failed[:3])}" + (" ..." if len(failed) > 3 else ""))
    return "; ".join(parts) + "."
