"""Property: random sequences of `cd`, symlink creation and writes inside a temporary tree — through symlinks to
files and directories, `..` after a symlink, globs, names that are not UTF-8 — run through the gate (each
approved as a careful operator would) and rolled back last-first, always give the identical tree back: every
name (as bytes), type, mode, owner, file content and link target."""

from __future__ import annotations

import asyncio
import hashlib
import os
import shutil
import stat
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.session import ScriptedApprover, approve, opened_runtime

DIRECTORIES = ["", "a", "a/b", "c", "la", "lb"]  # la -> a, lb -> a/b once made (by a `link` step)
NAMES = ["f", "g.log", "h.log", "$'\\xff'", "$'sp ace'"]
WHERE = st.sampled_from(DIRECTORIES)
NAME = st.sampled_from(NAMES)
# A path as the command writes it, relative to where it runs: plain, through a link, `..` after a link.
PATHS = st.sampled_from(["{n}", "a/{n}", "la/{n}", "lb/../{n}", "c/../a/{n}", "lf", "lb/{n}"])
TEXT = st.text(alphabet="xyz\n", max_size=8)

step = st.one_of(
    st.tuples(st.just("write"), WHERE, PATHS, NAME, TEXT),
    st.tuples(st.just("append"), WHERE, PATHS, NAME, TEXT),
    st.tuples(st.just("link"), st.sampled_from(["la", "lb", "lf", "c/lx"]), st.sampled_from(["a", "a/b", "f", "zz"])),
    st.tuples(st.just("remove"), WHERE, PATHS, NAME, st.none()),
    st.tuples(st.just("glob"), WHERE, st.sampled_from(["*.log", "*/*.log", "l*/*"]), st.none(), st.none()),
    st.tuples(st.just("chmod"), WHERE, PATHS, NAME, st.sampled_from(["600", "755"])),
)


def command_for(root: Path, op: tuple[object, ...]) -> str:
    kind = op[0]
    if kind == "link":
        _, name, target = op
        return f"cd {root} && ln -sfn {root}/{target} {name}"
    _, where, pattern, name, value = op
    cd = f"cd {root}/{where}".rstrip("/")
    path = str(pattern).format(n=name) if name is not None else str(pattern)
    match kind:
        case "write":
            return f"{cd} && printf %s '{value}' > {path}"
        case "append":
            return f"{cd} && printf %s '{value}' >> {path}"
        case "remove":
            return f"{cd} && rm -f {path}"
        case "glob":
            return f"{cd} && rm -f {path}"
        case _:
            return f"{cd} && chmod {value} {path}"


def seed(root: Path) -> None:
    (root / "a" / "b").mkdir(parents=True)
    (root / "c").mkdir()
    (root / "f").write_text("f\n")
    (root / "a" / "g.log").write_text("g\n")
    (root / "a" / "b" / "h.log").write_text("h\n")
    os.symlink(root / "a", root / "la")
    with open(os.path.join(os.fsencode(root), b"\xff"), "wb") as handle:
        handle.write(b"not utf-8\n")


def tree(root: Path) -> dict[bytes, tuple[object, ...]]:
    """Every entry below root, by name as bytes: type, mode, owner, content digest or link target."""
    found: dict[bytes, tuple[object, ...]] = {}
    base = os.fsencode(root)
    for directory, dirs, files in os.walk(base):
        for name in [*dirs, *files]:
            path = os.path.join(directory, name)
            info = os.lstat(path)
            key = os.path.relpath(path, base)
            if stat.S_ISLNK(info.st_mode):
                found[key] = ("link", os.readlink(path))
            elif stat.S_ISDIR(info.st_mode):
                found[key] = ("dir", stat.S_IMODE(info.st_mode), info.st_uid)
            else:
                with open(path, "rb") as handle:
                    digest = hashlib.sha256(handle.read()).hexdigest()
                found[key] = ("file", stat.S_IMODE(info.st_mode), info.st_uid, digest)
    return found


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=st.lists(step, min_size=1, max_size=5))
def test_random_cd_symlink_and_write_sequences_roll_back_to_the_identical_tree(
    tmp_path: Path, ops: list[tuple[object, ...]]
) -> None:
    root = tmp_path / "work" / "tree"
    shutil.rmtree(root.parent, ignore_errors=True)
    root.mkdir(parents=True)
    seed(root)
    before = tree(root)

    async def scenario() -> None:
        keys: list[str] = []
        async with opened_runtime(ScriptedApprover(*([approve] * (3 * len(ops))))) as rt:
            for op in ops:
                outcome = await rt.session.run_command("local", command_for(root, op))
                assert outcome.decision in {"approved", "auto"}, (op, outcome.reason)
                if outcome.rollback_key:
                    keys.append(outcome.rollback_key)
            for key in reversed(keys):
                undo = await rt.session.rollback([key])
                assert undo.ok, undo.reason
                assert undo.result is not None and "restored and verified" in undo.result.stdout

    asyncio.run(scenario())
    assert tree(root) == before
