"""Transport benchmark against OpenSSH, both measured in this run on a throwaway sshd on 127.0.0.1.

1. Command round trip: `run("true")` on hitl's warm connection vs a fresh `ssh host true` (target <= 0.5x).
2. Streaming 50 MiB of stdout through `run()` (every line to a callback, output bounded) vs
   `ssh host cat FILE > /dev/null` (target >= 0.5x the throughput).
3. A warm confined READ (`run("cat /etc/hostname", confine=True)`) against the same READ unconfined, on the
   local host and on the SSH host, interleaved in the same run (target: at most 20 ms added per command).

Run: .venv/bin/python bench/transport.py
"""

from __future__ import annotations

import asyncio
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from console.core.paths import resolve_paths
from console.core.transport.base import Transport
from console.core.transport.inventory import HostSpec
from console.core.transport.local import LocalTransport
from console.core.transport.ssh import SshTransport
from tests.fixtures.sshd import SshdServer, start_sshd

ROUND_TRIPS = 20
STREAM_MIB = 50
CONFINED_SAMPLES = 30
CONFINED_READ = "cat /etc/hostname"


def ssh_argv(server: SshdServer, command: str) -> list[str]:
    return [
        "ssh", "-F", "/dev/null", "-p", str(server.port), "-i", str(server.client_key),
        "-o", f"UserKnownHostsFile={server.known_hosts}", "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes",
        f"{server.user}@{server.hostname}", command,
    ]  # fmt: skip


def timed(argv: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


async def hitl_round_trip(transport: SshTransport) -> float:
    await transport.run("true")  # connect and warm up
    samples = []
    for _ in range(ROUND_TRIPS):
        result = await transport.run("true", timeout=30)
        assert result.ok, result
        samples.append(result.duration)
    return statistics.median(samples)


async def hitl_stream(transport: SshTransport, path: Path) -> float:
    lines = 0

    def count(stream: str, line: str) -> None:
        nonlocal lines
        lines += 1

    started = time.perf_counter()
    result = await transport.run(f"cat {path}", on_output=count, output_limit=1024 * 1024, timeout=300)
    elapsed = time.perf_counter() - started
    assert result.ok and lines > 0, result.error
    return elapsed


async def confinement_cost(transport: Transport) -> tuple[str, float, float]:
    """(mode, median unconfined ms, median confined ms), the two kinds interleaved so load hits both alike."""
    mode = await transport.confinement()
    assert mode.available, mode.label
    plain: list[float] = []
    confined: list[float] = []
    for _ in range(CONFINED_SAMPLES + 1):
        for confine, samples in ((False, plain), (True, confined)):
            started = time.perf_counter()
            result = await transport.run(CONFINED_READ, timeout=30, confine=confine)
            samples.append(time.perf_counter() - started)
            assert result.ok, result
    return mode.label, statistics.median(plain[1:]) * 1000, statistics.median(confined[1:]) * 1000


async def main() -> int:
    with tempfile.TemporaryDirectory(prefix="hitl-bench-") as scratch:
        root = Path(scratch)
        server = start_sshd(root / "sshd")
        try:
            data = root / "stream.txt"
            line = b"hitl transport benchmark line 0123456789abcdefghijklmnopqrstuvwxyz\n"
            data.write_bytes(line * (STREAM_MIB * 1024 * 1024 // len(line)))
            size_mib = data.stat().st_size / 1024 / 1024
            spec = HostSpec(
                name="bench", hostname=server.hostname, port=server.port, user=server.user,
                identity_file=str(server.client_key), known_hosts=str(server.known_hosts), source="bench",
            )  # fmt: skip
            transport = SshTransport(spec, resolve_paths({"HITL_HOME": str(root / "home")}))
            try:
                ours_rt = await hitl_round_trip(transport)
                ssh_rt = statistics.median(timed(ssh_argv(server, "true")) for _ in range(ROUND_TRIPS // 2))
                ours_stream = min([await hitl_stream(transport, data) for _ in range(2)])
                ssh_stream = min(timed(ssh_argv(server, f"cat {data}")) for _ in range(2))
                costs = [
                    ("local", *await confinement_cost(LocalTransport())),
                    ("ssh", *await confinement_cost(transport)),
                ]
            finally:
                await transport.close()
        finally:
            server.stop()
    rt_ratio = ours_rt / ssh_rt
    ours_mbps, ssh_mbps = size_mib / ours_stream, size_mib / ssh_stream
    tp_ratio = ours_mbps / ssh_mbps
    print(
        f"round trip   hitl warm run('true') {ours_rt * 1000:7.1f} ms   fresh `ssh host true` {ssh_rt * 1000:7.1f} ms"
    )
    print(f"             ratio {rt_ratio:.2f}x (target <= 0.5x) {'OK' if rt_ratio <= 0.5 else 'MISSED'}")
    print(
        f"stream {size_mib:.0f} MiB hitl {ours_mbps:7.1f} MiB/s   `ssh host cat FILE >/dev/null` {ssh_mbps:7.1f} MiB/s"
    )
    print(f"             ratio {tp_ratio:.2f}x (target >= 0.5x) {'OK' if tp_ratio >= 0.5 else 'MISSED'}")
    for host, mode, plain_ms, confined_ms in costs:
        added = confined_ms - plain_ms
        print(
            f"confined READ on {host} ({mode}): {confined_ms:6.1f} ms vs unconfined {plain_ms:6.1f} ms, "
            f"+{added:.1f} ms ({confined_ms / plain_ms:.1f}x) (target <= +20 ms) {'OK' if added <= 20 else 'MISSED'}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
