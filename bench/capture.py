"""Capture throughput over SSH: hitl's `files` capture of a 50 MiB tree against `ssh host tar cf - TREE`.

Both read the same tree through the same sshd in the same run; the ratio is hitl's throughput over
OpenSSH's. Target: at least 0.7x.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from console.core.capture.blobs import BlobStore
from console.core.capture.engine import plan_capture, take_capture
from console.core.classify import classify, critical_reason
from console.core.paths import resolve_paths
from console.core.transport.factory import open_transport
from console.core.transport.inventory import HostSpec
from tests.fixtures.sshd import start_sshd

TREE_MIB = 50
ROUNDS = 3


def make_tree(root: Path) -> int:
    """50 MiB in 200 files of mixed sizes across nested directories (random bytes: nothing compresses)."""
    total = 0
    for index in range(200):
        directory = root / f"d{index % 10}" / f"e{index % 7}"
        directory.mkdir(parents=True, exist_ok=True)
        size = (TREE_MIB * 1024 * 1024) // 200
        (directory / f"f{index}.bin").write_bytes(os.urandom(size))
        total += size
    return total


async def hitl_capture(spec: HostSpec, tree: Path, store: BlobStore) -> tuple[float, float]:
    """(re-check + capture, capture alone). In a session the approval's re-check works the footprint out again
    right before the capture (`rm -rf TREE` resolved on the host, the tree described: modes, owners, a digest
    of every file), and the capture reuses those states; both figures are measured here."""
    transport = open_transport(spec, resolve_paths(), None)
    classification = classify(f"rm -rf {tree}")
    try:
        await transport.run("true", timeout=30)  # connect first: a warm connection, as in a session
        started = time.perf_counter()
        plan = await plan_capture(classification, transport, cwd="/", size_cap=1 << 40, critical=critical_reason)
        assert plan.paths == [str(tree)], plan.no_rollback
        described = time.perf_counter()
        await take_capture(plan, transport, store, size_cap=1 << 40, states=plan.path_states)
        done = time.perf_counter()
        return done - started, done - described
    finally:
        await transport.close()


def openssh_tar(server, tree: Path, out: Path) -> float:  # type: ignore[no-untyped-def]
    command = [
        "ssh",
        "-q",
        "-i",
        str(server.client_key),
        "-p",
        str(server.port),
        "-o",
        f"UserKnownHostsFile={server.known_hosts}",
        "-o",
        "BatchMode=yes",
        f"{server.user}@{server.hostname}",
        f"tar cf - {tree}",
    ]
    started = time.perf_counter()
    with out.open("wb") as sink:
        subprocess.run(command, stdout=sink, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - started


def main() -> int:
    with tempfile.TemporaryDirectory() as scratch:
        base = Path(scratch)
        os.environ["HITL_HOME"] = str(base / "home")
        server = start_sshd(base / "sshd")
        try:
            tree = base / "tree"
            size = make_tree(tree)
            spec = HostSpec(
                name="bench",
                hostname=server.hostname,
                port=server.port,
                user=server.user,
                identity_file=str(server.client_key),
                known_hosts=str(server.known_hosts),
                source="bench",
            )
            with_check, capture_only, theirs = [], [], []
            for round_ in range(ROUNDS):
                theirs.append(openssh_tar(server, tree, base / f"tar{round_}.tar"))
                both, alone = asyncio.run(hitl_capture(spec, tree, BlobStore(base / f"snap{round_}")))
                with_check.append(both)
                capture_only.append(alone)
        finally:
            server.stop()
    best_theirs, best_alone, best_both = min(theirs), min(capture_only), min(with_check)
    mib = size / (1024 * 1024)
    print(f"tree: {mib:.0f} MiB in 200 files, best of {ROUNDS}")
    print(f"ssh host tar cf - TREE > file     : {best_theirs:.3f} s  ({mib / best_theirs:.0f} MiB/s)")
    print(f"hitl capture (after the re-check) : {best_alone:.3f} s  ({mib / best_alone:.0f} MiB/s)")
    print(f"hitl re-check + capture           : {best_both:.3f} s  ({mib / best_both:.0f} MiB/s)")
    ratio = best_theirs / best_alone
    print(f"capture throughput hitl/openssh   : {ratio:.2f}x (target >= 0.70x) {'PASS' if ratio >= 0.7 else 'MISS'}")
    print(f"with the re-check                 : {best_theirs / best_both:.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
