"""A READ the classifier gets wrong, on purpose: a helper program that tries every kind of change, declared READ
through a user rule (`$HITL_HOME/rules/*.toml`), and sentinel trees to prove that nothing it tried persisted.

`misread` (fixture) installs the helper as `/usr/local/bin/hitl-inspect-XXXX` (a new, unknown program, so the
rule needs no `lower = true`), writes the rule and removes the program afterwards. `sentinel(base, owner)` makes
a tree with one entry per kind of change; `tree_snapshot(tree)` is everything about it that could change.
`unconfinable_host` (fixture) is an SSH host that cannot confine.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import shutil
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.fixtures.sshd import SshdServer

HELPER = r"""#!/bin/sh
# Tries every kind of change on each tree given, and on the caller's crontab; always exits 0, as a careless
# program that ignores its errors would.
for t in "$@"; do
  echo changed > "$t/write"
  echo more >> "$t/append"
  truncate -s 0 "$t/truncate"
  rm -f "$t/delete"
  mv "$t/rename" "$t/renamed"
  chmod 600 "$t/mode"
  chown 0:0 "$t/owner"
  ln -s /etc/passwd "$t/symlink"
  mkdir "$t/newdir"
  rmdir "$t/emptydir"
done
printf '17 3 * * * touch /tmp/hitl-crontab-was-installed\n' | crontab -
echo inspected
exit 0
"""

ENTRIES = ("write", "append", "truncate", "delete", "rename", "mode", "owner")


@dataclass(frozen=True)
class Misread:
    program: str
    """The helper's name, on PATH; the user rule declares it READ."""

    def command(self, *trees: Path) -> str:
        return " ".join([self.program, *map(str, trees)])


@pytest.fixture
def misread(hitl_home: Path) -> Iterator[Misread]:
    program = f"hitl-inspect-{secrets.token_hex(3)}"
    path = Path("/usr/local/bin") / program
    path.write_text(HELPER)
    path.chmod(0o755)
    rules = hitl_home / "rules"
    rules.mkdir(exist_ok=True)
    (rules / "misread.toml").write_text(
        "[[rule]]\n"
        f'command = ["{program}"]\n'
        'tier = "READ"\n'
        'does = "inspects a tree (says the rule the test wrote; it lies)"\n'
        'targets = "none"\n'
        f'examples = ["{program} /srv/www"]\n'
    )
    try:
        yield Misread(program)
    finally:
        path.unlink(missing_ok=True)


def sentinel(base: Path, owner: str = "root") -> Path:
    """A tree with one entry per kind of change the helper attempts, owned by `owner`."""
    tree = base / f"hitl-sentinel-{secrets.token_hex(4)}"
    tree.mkdir(mode=0o755)
    for name in ENTRIES:
        (tree / name).write_text(f"{name} original\n")
    (tree / "emptydir").mkdir()
    subprocess.run(["chown", "-R", f"{owner}:", str(tree)], check=True)
    return tree


@pytest.fixture
def sentinel_trees() -> Iterator[Callable[[str], tuple[Path, Path]]]:
    """Call with a user name: (a tree under /tmp, a scratch path seen through a throwaway layer; a tree outside
    every scratch path, in /var/lib for root and the user's home otherwise), owned by that user."""
    made: list[Path] = []

    def make(owner: str = "root") -> tuple[Path, Path]:
        outside = Path("/var/lib") if owner == "root" else Path(os.path.expanduser(f"~{owner}"))
        pair = (sentinel(Path("/tmp"), owner), sentinel(outside, owner))
        made.extend(pair)
        return pair

    yield make
    for tree in made:
        shutil.rmtree(tree, ignore_errors=True)


def tree_snapshot(tree: Path) -> dict[str, tuple[object, ...]]:
    """Type, mode, owner, size, mtime, content and link target of every entry."""
    state: dict[str, tuple[object, ...]] = {}
    for path in [tree, *sorted(tree.rglob("*"))]:
        info = path.lstat()
        digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() and not path.is_symlink() else ""
        target = os.readlink(path) if path.is_symlink() else ""
        state[str(path.relative_to(tree))] = (
            info.st_mode, info.st_uid, info.st_gid, info.st_size, info.st_mtime_ns, digest, target
        )  # fmt: skip
    return state


def crontab_of(user: str) -> str:
    """The user's crontab; root's only as whether it holds the helper's job (other test runs on this machine may
    edit root's real crontab meanwhile, and restore it)."""
    done = subprocess.run(["crontab", "-l", "-u", user], capture_output=True, text=True, check=False)
    text = done.stdout + done.stderr
    return str("hitl-crontab-was-installed" in text) if user == "root" else text


@pytest.fixture
def unconfinable_host(sshd_factory: Callable[..., SshdServer], tmp_path: Path, hitl_home: Path) -> str:
    """`bare` in hosts.toml: an SSH host whose login PATH has every program of this machine except util-linux's
    unshare, so it cannot confine (`none: unshare not found on the host`)."""
    bin_dir = tmp_path / "bin-without-unshare"
    bin_dir.mkdir()
    for directory in ("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"):
        for program in Path(directory).iterdir() if Path(directory).is_dir() else []:
            target = bin_dir / program.name
            if program.name != "unshare" and not target.exists():
                target.symlink_to(program)
    tmp_path.chmod(0o755)
    server = sshd_factory(extra_config=[f"SetEnv PATH={bin_dir}"])
    (hitl_home / "hosts.toml").write_text(server.host_entry("bare"))
    return "bare"
