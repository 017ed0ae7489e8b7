"""Fleet benchmark: one READ on 10, 25 and 50 hosts (real sshd servers on 127.0.0.1), hitl against Ansible, both
measured in this run.

- hitl: `hitl exec @gN -- uptime` as a fresh process (cold connections, READ confined on every host as usual),
  with `forks = N`; and the same fan-out in-process (`Session.run_fleet`, a fresh runtime each time), so the
  engine's own scaling is seen without Python's start-up.
- Ansible: `ansible gN -i INVENTORY -m command -a uptime -f N` from ansible-core installed by this script into its
  own virtualenv (not a hitl dependency), with its defaults (ControlPersist on: after its first run it reuses
  warm SSH connections, which hitl's fresh process does not).
- Targets: hitl at least 5x faster than Ansible at 50 hosts; 50 hosts at most 3x the time of one host.
- Memory: the peak resident memory of each run's whole process tree (hitl: one process; Ansible: its controller
  and forked workers; the ssh clients Ansible starts count too), sampled from /proc every 20 ms.

Each measure is the median of ROUNDS runs, hitl and Ansible interleaved. The load average is printed: the
machine's other work slows both sides alike but not necessarily by the same factor.

Run: .venv/bin/python bench/fleet.py   (needs root, sshd, and PyPI for ansible-core the first time)
"""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.fixtures.fleet import start_many, stop_all
from tests.fixtures.sshd import SshdServer

SIZES = (10, 25, 50)
ROUNDS = 3
COMMAND = "uptime"
ANSIBLE_VENV = Path(tempfile.gettempdir()) / "hitl-bench-ansible"
HITL = [sys.executable, "-m", "console"]


def ansible_bin() -> Path:
    """ansible-core in a virtualenv of its own (created once, reused)."""
    ansible = ANSIBLE_VENV / "bin" / "ansible"
    if not ansible.exists():
        subprocess.run([sys.executable, "-m", "venv", str(ANSIBLE_VENV)], check=True)
        subprocess.run([str(ANSIBLE_VENV / "bin" / "pip"), "install", "--quiet", "ansible-core"], check=True)
    return ansible


def write_inventories(directory: Path, servers: list[SshdServer]) -> tuple[Path, Path]:
    """hosts.toml (with groups one, g10, g25, g50) and the same hosts as an Ansible INI inventory."""
    names = [f"h{n:02d}" for n in range(1, len(servers) + 1)]
    toml = "".join(server.host_entry(name) + "\n" for name, server in zip(names, servers, strict=True))
    toml += '[groups]\none = ["h01"]\n'
    ini = ""
    for size in SIZES:
        members = names[:size]
        toml += f"g{size} = [{', '.join(repr(n).replace(chr(39), chr(34)) for n in members)}]\n"
    for name, server in zip(names, servers, strict=True):
        ini += (
            f"{name} ansible_host=127.0.0.1 ansible_port={server.port} ansible_user={server.user} "
            f"ansible_ssh_private_key_file={server.client_key} "
            f"ansible_ssh_common_args='-o UserKnownHostsFile={server.known_hosts}'\n"
        )
    ini = "[all]\n" + ini + "".join(f"\n[g{size}]\n" + "\n".join(names[:size]) + "\n" for size in SIZES)
    ini += "\n[one]\nh01\n"
    hosts_toml = directory / "hitl-home" / "hosts.toml"
    hosts_toml.parent.mkdir()
    hosts_toml.write_text(toml)
    inventory = directory / "inventory.ini"
    inventory.write_text(ini)
    return hosts_toml.parent, inventory


def _tree_rss(root: int) -> int:
    """KiB resident in `root` and every process below it, now (from /proc)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            status = Path(f"/proc/{entry}/status").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry))
        rss[int(entry)] = next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")), 0)
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        todo += children.get(pid, [])
    return total


def timed(argv: list[str], env: dict[str, str], scratch: Path) -> tuple[float, int, str]:
    """Wall time, the peak resident memory (KiB) of the whole process tree (sampled every 20 ms from /proc: the
    kernel's ru_maxrss of a forked child starts at its parent's, so it cannot tell), the last line of stdout."""
    out, err = scratch / "out", scratch / "err"
    peak = 0
    with out.open("wb") as stdout, err.open("wb") as stderr:
        started = time.perf_counter()
        process = subprocess.Popen(argv, env=env, stdout=stdout, stderr=stderr)
        while process.poll() is None:
            peak = max(peak, _tree_rss(process.pid))
            time.sleep(0.02)
        elapsed = time.perf_counter() - started
    lines = out.read_text().strip().splitlines()
    if process.returncode != 0:  # say which hosts and why, and go on: a loaded machine can time a login out
        failed = [line for line in lines if line.startswith("  ") or (line.startswith("===") and "(ok" not in line)]
        print(f"  {' '.join(argv[3:6])} exited {process.returncode}: {' | '.join(failed[:6])} {err.read_text()[-300:]}")
    return elapsed, peak, lines[-1] if lines else ""


async def in_process(home: Path, target: str, forks: int) -> float:
    """`Session.run_fleet(target, COMMAND)` on a fresh runtime (fresh connections); seconds."""
    from dataclasses import replace

    from console.core.config import Settings
    from console.core.outcome import Origin
    from console.core.paths import resolve_paths
    from console.core.runtime import open_runtime
    from tests.support.session import ScriptedApprover

    os.environ["HITL_HOME"] = str(home)
    runtime = open_runtime(resolve_paths(), replace(Settings(), forks=forks), ScriptedApprover())
    try:
        started = time.perf_counter()
        outcome = await runtime.session.run_fleet(target, COMMAND, source=Origin.CLI)
        elapsed = time.perf_counter() - started
    finally:
        await runtime.close()
    if not outcome.ok:
        print(f"  in-process at {target}: {outcome.summary()}", flush=True)
    return elapsed


def main() -> int:
    ansible = ansible_bin()
    version = subprocess.run([str(ansible), "--version"], capture_output=True, text=True, check=True).stdout
    print(f"ansible: {version.splitlines()[0]}", flush=True)
    with tempfile.TemporaryDirectory(prefix="hitl-bench-fleet-") as tmp:
        directory = Path(tmp)
        started = time.perf_counter()
        servers = start_many(directory / "servers", max(SIZES))
        print(f"started {len(servers)} sshd servers in {time.perf_counter() - started:.1f}s", flush=True)
        try:
            home, inventory = write_inventories(directory, servers)
            return run(home, inventory, ansible)
        finally:
            stop_all(servers)


HEADER = (
    f"{'hosts':>5} {'hitl exec':>10} {'ansible':>9} {'ansible/hitl':>12} {'vs 1 host':>9} "
    f"{'in-process':>10} {'vs 1 host':>9} {'hitl MiB':>8} {'ansible MiB':>11}"
)


def run(home: Path, inventory: Path, ansible: Path) -> int:
    """Measure each size and print its row at once (a slow, loaded machine still shows what it measured)."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("HITL_", "ANSIBLE_"))}
    load = os.getloadavg()
    print(f"load average before: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} ({os.cpu_count()} CPUs)", flush=True)
    print(HEADER, flush=True)
    one = one_in = 0.0
    fifty: tuple[float, float] = (0.0, 0.0)
    for size in (1, *SIZES):
        target = "one" if size == 1 else f"g{size}"
        hitl_env = {**base, "HITL_HOME": str(home), "HITL_FORKS": str(size)}
        ansible_env = {**base, "ANSIBLE_HOST_KEY_CHECKING": "True", "ANSIBLE_PYTHON_INTERPRETER": "/usr/bin/python3"}
        ansible_env["ANSIBLE_LOCAL_TEMP"] = str(home / "ansible-tmp")
        hitl_times, ansible_times, inproc = [], [], []
        hitl_rss = ansible_rss = 0
        for _ in range(ROUNDS):
            elapsed, rss, last = timed([*HITL, "exec", f"@{target}", "--", COMMAND], hitl_env, home)
            if last != f"{size} ok, 0 failed, 0 unreachable":
                print(f"  hitl at {size} hosts: {last}", flush=True)
            hitl_times.append(elapsed)
            hitl_rss = max(hitl_rss, rss)
            argv = [str(ansible), target, "-i", str(inventory), "-m", "command", "-a", COMMAND, "-f", str(size)]
            elapsed, rss, _last = timed(argv, ansible_env, home)
            ansible_times.append(elapsed)
            ansible_rss = max(ansible_rss, rss)
            inproc.append(asyncio.run(in_process(home, f"@{target}", size)))
        h, a, i = statistics.median(hitl_times), statistics.median(ansible_times), statistics.median(inproc)
        if size == 1:
            one, one_in = h, i
        ratio, scale = a / h, h / one
        print(
            f"{size:>5} {h:>9.2f}s {a:>8.2f}s {ratio:>11.1f}x {scale:>8.2f}x {i:>9.2f}s {i / one_in:>8.2f}x "
            f"{hitl_rss // 1024:>8} {ansible_rss // 1024:>11}",
            flush=True,
        )
        fifty = (ratio, scale)
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"target: >= 5x faster than Ansible at 50 hosts: {fifty[0]:.1f}x {'MET' if fifty[0] >= 5 else 'NOT MET'}")
    print(f"target: 50 hosts <= 3x one host (hitl exec): {fifty[1]:.2f}x {'MET' if fifty[1] <= 3 else 'NOT MET'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
