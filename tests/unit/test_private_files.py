"""hitl's data directory is 0700 and every file in it 0600: created so, and checked and repaired at start-up."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from console.core.capture.blobs import BlobStore
from console.core.memory import MemoryStore
from console.core.paths import resolve_paths
from console.core.private_files import secure_directories, secure_paths
from console.core.remembered import Lifetime, RememberedApprovals, Scope
from console.core.tiers import Tier
from console.core.transport.trust import append_known_host
from tests.support.session import RuntimeFactory, ScriptedApprover


def _modes(root: Path) -> dict[str, int]:
    return {
        str(path.relative_to(root)): stat.S_IMODE(path.lstat().st_mode)
        for path in [root, *root.rglob("*")]
        if not path.is_symlink()
    }


def _not_private(root: Path) -> dict[str, str]:
    return {
        name: oct(mode)
        for name, mode in _modes(root).items()
        if mode & 0o077 or ((root / name).is_file() and mode != 0o600) or ((root / name).is_dir() and mode != 0o700)
    }


async def test_everything_hitl_writes_is_created_private(
    hitl_home: Path, tmp_path: Path, make_runtime: RuntimeFactory
) -> None:
    os.umask(0o022)
    os.chmod(hitl_home, 0o700)
    paths = resolve_paths()
    rt = make_runtime(ScriptedApprover())
    rt.memory.add_note("the database, its WAL and SHM")
    BlobStore(paths.snapshots_dir).put_bytes(b"captured")
    RememberedApprovals(paths.remembered_approvals_file).add(
        "nginx -s reload", Tier.WRITE, scope=Scope.EXACT, lifetime=Lifetime.UNTIL_REVOKED, now=0, host="h"
    )
    append_known_host(paths.known_hosts_file, "web1", 22, "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGej")
    names = {path.name for path in hitl_home.rglob("*")}
    assert {"hitl.sqlite3", "hitl.sqlite3-wal", "hitl.sqlite3-shm", "known_hosts"} <= names
    assert _not_private(hitl_home) == {}


def test_start_up_repairs_a_readable_tree_and_says_so_once(hitl_home: Path, tmp_path: Path) -> None:
    paths = resolve_paths()
    outside = tmp_path / "elsewhere.txt"
    outside.write_text("not hitl's")
    outside.chmod(0o644)
    with MemoryStore.open(paths.database_file) as store:
        store.add_note("x")
    blob = Path(BlobStore(paths.snapshots_dir).path_for("ab" * 32))
    blob.parent.mkdir(parents=True, exist_ok=True)
    blob.write_bytes(b"old capture")
    (paths.data_dir / "link").symlink_to(outside)
    for path in [hitl_home, *hitl_home.rglob("*")]:
        if not path.is_symlink():
            path.chmod(0o755 if path.is_dir() else 0o644)

    notice = secure_paths(paths)

    assert notice is not None and "made" in notice and "private" in notice and str(hitl_home) in notice
    assert _not_private(hitl_home) == {}
    assert stat.S_IMODE(outside.stat().st_mode) == 0o644, "a symlink is never followed"
    assert secure_paths(paths) is None, "said once: nothing left to repair"


async def test_open_runtime_carries_the_notice(hitl_home: Path, make_runtime: RuntimeFactory) -> None:
    hitl_home.chmod(0o755)
    rt = make_runtime(ScriptedApprover())
    assert rt.permissions_notice and "private" in rt.permissions_notice
    rt = make_runtime(ScriptedApprover())
    assert rt.permissions_notice is None


def test_nothing_to_check_before_hitl_made_its_directories(tmp_path: Path) -> None:
    assert secure_directories([tmp_path / "missing"]) is None
