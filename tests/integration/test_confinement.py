"""READ confinement on real hosts: the local machine (root) and the real sshd fixture as root, as an ordinary
user with passwordless sudo and as one without.

A helper program tries every kind of change on two sentinel trees (one in a scratch path, /tmp, seen through
a throwaway layer; one outside, read-only) and, as root, on kernel state; afterwards both trees, the crontab
and the kernel state are byte-identical, and the result's report names what was attempted. The ordinary READ
commands give the same output confined and unconfined.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import shlex
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from console.core.paths import resolve_paths
from console.core.transport.base import Ended, RunResult, Transport
from console.core.transport.inventory import HostSpec
from console.core.transport.local import LocalTransport
from console.core.transport.ssh import SshTransport
from tests.fixtures.host_users import HostUsers
from tests.fixtures.sshd import SshdServer
from tests.support.misread import crontab_of, sentinel, tree_snapshot

HOSTS = ["local-root", "ssh-root", "ssh-sudoer", "ssh-plain"]
EXPECTED_MODE = {
    "local-root": "mount namespace",
    "ssh-root": "mount namespace",
    "ssh-sudoer": "mount namespace (through sudo)",
    "ssh-plain": "user namespace",
}

HELPER = r"""
t=$1
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
printf '17 3 * * * touch /tmp/hitl-crontab-was-installed\n' | crontab -
echo escaped > "/proc/$2/root$t/escape"
echo escaped > "/proc/$2/cwd/escape"
if [ "$(id -u)" = 0 ]; then
  hostname "$(hostname)"
  ip addr add 192.0.2.123/32 dev lo
  ip route add 198.51.100.0/24 dev lo
  sysctl -w "kernel.domainname=$(cat /proc/sys/kernel/domainname)"
  date -s "$(date)"
fi
exit 0
"""


@dataclass
class Host:
    name: str
    user: str
    transport: Transport

    @property
    def root(self) -> bool:
        return self.user == "root"


def kernel_state() -> tuple[str, ...]:
    def out(*argv: str) -> str:
        return subprocess.run(argv, capture_output=True, text=True, check=False).stdout

    return (
        socket.gethostname(),
        out("ip", "-o", "addr", "show", "dev", "lo"),
        out("ip", "route", "show", "table", "all"),
        Path("/proc/sys/kernel/domainname").read_text(),
    )


def ssh_transport(server: SshdServer, name: str, hitl_home: Path) -> SshTransport:
    spec = HostSpec(
        name=name, hostname=server.hostname, port=server.port, user=server.user,
        identity_file=str(server.client_key), known_hosts=str(server.known_hosts), source="test",
    )  # fmt: skip
    return SshTransport(spec, resolve_paths({"HITL_HOME": str(hitl_home)}))


@pytest.fixture
async def host(
    request: pytest.FixtureRequest, sshd: SshdServer, host_users: HostUsers, hitl_home: Path
) -> AsyncIterator[Host]:
    name: str = request.param
    if name == "local-root":
        transport: Transport = LocalTransport()
        user = "root"
    else:
        user = {"ssh-root": "root", "ssh-sudoer": host_users.sudoer, "ssh-plain": host_users.plain}[name]
        server = sshd.authorize_user(user) if user != "root" else sshd
        transport = ssh_transport(server, name, hitl_home)
    try:
        yield Host(name, user, transport)
    finally:
        await transport.close()


@pytest.fixture
def trees(host: Host) -> Iterator[tuple[Path, Path]]:
    """(a tree in /tmp, a scratch path; a tree outside every scratch path), owned by the host's user."""
    outside_base = Path("/var/lib") if host.root else Path(os.path.expanduser(f"~{host.user}"))
    scratch, outside = sentinel(Path("/tmp"), host.user), sentinel(outside_base, host.user)
    try:
        yield scratch, outside
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
        shutil.rmtree(outside, ignore_errors=True)


def cleanup_kernel_state() -> None:
    """Undo the helper's kernel changes, should confinement ever let one through (the test then fails)."""
    subprocess.run(["ip", "addr", "del", "192.0.2.123/32", "dev", "lo"], capture_output=True, check=False)
    subprocess.run(["ip", "route", "del", "198.51.100.0/24", "dev", "lo"], capture_output=True, check=False)


@pytest.mark.parametrize("host", HOSTS, indirect=True)
async def test_the_host_reports_its_confinement_mode(host: Host) -> None:
    mode = await host.transport.confinement()
    assert mode.available, mode.label
    assert mode.label.startswith(EXPECTED_MODE[host.name])
    assert await host.transport.confinement() is mode, "probed once per connection"


@pytest.mark.parametrize("host", HOSTS, indirect=True)
async def test_a_misread_command_changes_nothing_and_is_reported(
    host: Host, trees: tuple[Path, Path], saved_crontab: None
) -> None:
    scratch, outside = trees
    before = (tree_snapshot(scratch), tree_snapshot(outside), crontab_of(host.user), kernel_state())
    # A process of the same user outside the confinement, whose cwd is the tree: a way out, if reachable.
    neighbour = subprocess.Popen(["runuser", "-u", host.user, "--", "sleep", "120"], cwd=outside)
    try:
        await asyncio.sleep(0.2)
        children = subprocess.run(["pgrep", "-P", str(neighbour.pid)], capture_output=True, text=True, check=False)
        sleeper = int(children.stdout.split()[0]) if children.stdout.split() else neighbour.pid
        results = [
            await host.transport.run(f"sh -c {shlex.quote(HELPER)} helper {tree} {sleeper}", confine=True, timeout=60)
            for tree in (scratch, outside)
        ]
    finally:
        neighbour.kill()
        neighbour.wait()
        cleanup_kernel_state()
    after = (tree_snapshot(scratch), tree_snapshot(outside), crontab_of(host.user), kernel_state())
    assert after == before
    for result in results:
        assert result.ended is Ended.EXITED and result.confinement is not None, result
        assert result.confinement.mode.startswith(EXPECTED_MODE[host.name])
        assert result.confinement.tried_to_change

    reported = results[0].confinement
    assert reported is not None
    changes = {change.path: change.kind for change in reported.changes}
    denied = "\n".join(reported.denied)
    if host.name != "ssh-plain":
        # Through the throwaway layer every attempt succeeded, was discarded, and is named.
        expected = {"write": "modified", "append": "modified", "truncate": "modified", "delete": "deleted",
                    "rename": "deleted", "renamed": "created", "mode": "modified", "symlink": "created",
                    "newdir": "created", "emptydir": "deleted"}  # fmt: skip
        for name, kind in expected.items():
            assert changes.get(f"{scratch}/{name}") == kind, (name, changes, denied)
    else:
        # A user namespace cannot copy /tmp (owned by root, unmapped) into the layer: refused, and named.
        assert f"{scratch}/write" in denied or f"{scratch}/write" in changes, (changes, denied)

    refused = results[1].confinement
    assert refused is not None and not refused.changes
    refused_text = "\n".join(refused.denied)
    for name in ("write", "append", "truncate", "delete", "rename", "mode", "newdir", "emptydir", "symlink"):
        assert f"{outside}/{name}" in refused_text, (name, refused_text)
    if host.name != "ssh-plain":
        assert "/var/spool/cron" in refused_text
    else:  # set-gid crontab does not run in a user namespace (said in the mode); it failed, and said so
        assert "/var/spool/cron/: mkstemp: Permission denied" in results[1].stderr, results[1].stderr
    if host.root:
        for word in ("hostname", "RTNETLINK", "kernel.domainname", "date"):
            assert word in refused_text, (word, refused_text)


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def web(tmp_path: Path) -> Iterator[str]:
    """A loopback HTTP server with one file, for `curl` GET."""
    root = tmp_path / "www"
    root.mkdir()
    (root / "hello.txt").write_text("hello from loopback\n")
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Quiet, directory=str(root)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hello.txt"
    finally:
        server.shutdown()


@pytest.fixture
def workdir(host: Host) -> Iterator[Path]:
    """A git repository, an nginx configuration and a directory only its owner (nobody) and root may read."""
    base = Path("/tmp") / f"hitl-reads-{secrets.token_hex(4)}"
    base.mkdir(mode=0o755)
    (base / "logs").mkdir()
    (base / "nginx.conf").write_text(
        f"error_log {base}/logs/error.log;\npid {base}/nginx.pid;\nevents {{}}\n"
        f"http {{ access_log {base}/logs/access.log; client_body_temp_path {base}/body; "
        f"server {{ listen 127.0.0.1:{_free_port()}; }} }}\n"
    )
    subprocess.run(["chown", "-R", f"{host.user}:", str(base)], check=True)
    git = ["runuser", "-u", host.user, "--", "git", "-C", str(base)]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "--allow-empty", "-m", "first"],
                   check=True)  # fmt: skip
    (base / "untracked.txt").write_text("x\n")
    private = base / "private"
    private.mkdir(mode=0o700)
    (private / "secret.txt").write_text("only root reads this\n")
    subprocess.run(["chown", "-R", "nobody:", str(private)], check=True)
    try:
        yield base
    finally:
        shutil.rmtree(base, ignore_errors=True)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _df_rows(text: str) -> list[tuple[str, ...]]:
    """df -h as (source, size, mount point), sorted: used and available space move between two runs on a
    busy machine, and a copied mount namespace lists mounts root first (documented)."""
    rows = [line.split() for line in text.splitlines()[1:]]
    return sorted((row[0], row[1], row[-1]) for row in rows)


def _ps_users(text: str) -> dict[str, str]:
    """PID -> USER from `ps aux`: the processes of both runs differ, their owners must not."""
    return {row.split()[1]: row.split()[0] for row in text.splitlines()[1:]}


@pytest.mark.parametrize("host", HOSTS, indirect=True)
async def test_ordinary_reads_give_the_same_output_confined(host: Host, web: str, workdir: Path) -> None:
    same = [
        "ls -l /etc",
        "ls -la /var/log /var /run /tmp/../var",
        "cat /etc/os-release /etc/hostname",
        "grep -c root /etc/passwd; grep -rl PRETTY /etc/os-release",
        f"curl -sS {web}",
        f"nginx -t -c {workdir}/nginx.conf -e {workdir}/logs/error.log -p {workdir}",
        f"git -C {workdir} status --short && git -C {workdir} log --format=%s",
        "id; umask; pwd",
        f"cat {workdir}/private/secret.txt; ls -la {workdir}/private",  # root keeps reading what is not its own
        f"command -v journalctl >/dev/null && journalctl -n 5 --no-pager --until @{int(time.time()) - 60}; true",
    ]
    if host.name != "ssh-plain":
        same += ["crontab -l", "command -v sudo >/dev/null && sudo -n true; echo sudo: $?"]
    pairs = [(await host.transport.run(c), await host.transport.run(c, confine=True)) for c in same]
    for command, (plain, confined) in zip(same, pairs, strict=True):
        assert confined.confinement is not None, (command, confined)
        if host.name == "ssh-plain" and command.startswith("ls"):
            continue  # a user namespace shows other users' files as nobody: said in its mode
        assert (confined.stdout, confined.stderr, confined.exit_status) == (
            plain.stdout,
            plain.stderr,
            plain.exit_status,
        ), command
        assert not confined.confinement.tried_to_change, (command, confined.confinement)

    df = [await host.transport.run("df -h", confine=flag) for flag in (False, True)]
    assert _df_rows(df[0].stdout) == _df_rows(df[1].stdout)
    ps = [await host.transport.run("ps aux", confine=flag) for flag in (False, True)]
    plain_users, confined_users = _ps_users(ps[0].stdout), _ps_users(ps[1].stdout)
    common = plain_users.keys() & confined_users.keys()
    assert len(common) > 5
    if host.name != "ssh-plain":
        assert {pid: plain_users[pid] for pid in common} == {pid: confined_users[pid] for pid in common}


async def test_a_host_without_user_namespaces_reports_none(tmp_path: Path) -> None:
    """A test-only user namespace whose own limit is zero: inside it, nothing can be confined."""
    probe = (
        "import asyncio\n"
        "from console.core.transport.local import LocalTransport\n"
        "async def main():\n"
        "    t = LocalTransport()\n"
        "    print((await t.confinement()).label)\n"
        "    r = await t.run('touch /etc/hitl-never', confine=True)\n"
        "    print(r.ended.value, '|', r.error)\n"
        "asyncio.run(main())\n"
    )
    script = 'echo 0 > /proc/sys/user/max_user_namespaces && exec "$0" -c "$1"'
    done = await asyncio.create_subprocess_exec(
        "unshare", "--user", "--map-root-user", "--mount", "sh", "-c", script, sys.executable, probe,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await done.communicate()
    lines = out.decode().splitlines()
    assert lines[0] == "none: user namespaces are disabled (user.max_user_namespaces = 0)", (out, err)
    assert lines[1].startswith("not started | host 'local' cannot confine commands (none: user namespaces")
    assert not Path("/etc/hitl-never").exists()


async def test_an_ssh_host_without_unshare_reports_none(sshd_factory: object, tmp_path: Path, hitl_home: Path) -> None:
    """A login whose PATH has every program of this machine except util-linux's unshare."""
    bin_dir = tmp_path / "bin-without-unshare"
    bin_dir.mkdir()
    for directory in ("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"):
        for program in Path(directory).iterdir() if Path(directory).is_dir() else []:
            target = bin_dir / program.name
            if program.name != "unshare" and not target.exists():
                target.symlink_to(program)
    tmp_path.chmod(0o755)
    server: SshdServer = sshd_factory(extra_config=[f"SetEnv PATH={bin_dir}"])  # type: ignore[operator]
    transport = ssh_transport(server, "bare", hitl_home)
    try:
        mode = await transport.confinement()
        assert mode.label == "none: unshare not found on the host"
        result: RunResult = await transport.run("touch /etc/hitl-never", confine=True)
        assert result.ended is Ended.NOT_STARTED and "cannot confine" in (result.error or "")
        assert (await transport.run("echo plain")).stdout == "plain\n"
    finally:
        await transport.close()
    assert not Path("/etc/hitl-never").exists()


@pytest.mark.parametrize("host", ["local-root", "ssh-sudoer"], indirect=True)
async def test_a_confined_command_dies_on_timeout(host: Host) -> None:
    marker = f"hitl-confined-sleeper-{secrets.token_hex(4)}"
    result = await host.transport.run(f"exec -a {marker} sleep 60", confine=True, timeout=2)
    assert result.ended is Ended.TIMED_OUT
    for _ in range(50):
        if subprocess.run(["pgrep", "-f", marker], capture_output=True, check=False).returncode != 0:
            break
        await asyncio.sleep(0.1)
    else:
        pytest.fail(f"the confined command outlived its timeout: {marker}")


@pytest.mark.parametrize("host", ["ssh-sudoer"], indirect=True)
async def test_through_sudo_the_environment_arrives_and_nothing_private_is_in_an_argument(host: Host) -> None:
    """sudo logs its arguments and ps shows them to everyone: the command and the caller's environment must
    travel some other way, and still arrive intact."""
    secret = f"hitl-secret-{secrets.token_hex(4)}"
    value = f'it\'s "{secret}"\nsecond line'
    command = f"printf '%s' \"$HITL_TEST_VALUE\"; sleep 2 # {secret}-in-command"
    running = asyncio.ensure_future(host.transport.run(command, env={"HITL_TEST_VALUE": value}, confine=True))
    seen: list[str] = []
    while not running.done():
        for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
            try:
                text = cmdline.read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            if text.startswith(("sudo", "/usr/bin/sudo")) and "hitl-confine" in text:
                seen.append(text)
        await asyncio.sleep(0.05)
    result = running.result()
    assert result.ok and result.stdout == value, result
    assert seen, "the sudo process was never seen"
    assert not any(secret in text for text in seen), seen


@pytest.mark.parametrize("host", ["local-root", "ssh-root", "ssh-sudoer"], indirect=True)
async def test_stdin_working_directory_environment_and_exit_status_pass_through(host: Host) -> None:
    command = 'cat; pwd; printf "%s\\n" "$HITL_X"; exit 7'
    plain, confined = [
        await host.transport.run(
            command, stdin=b"line from stdin\n", cwd="/var/log", env={"HITL_X": "a 'b' c"}, confine=confine
        )
        for confine in (False, True)
    ]
    assert (confined.stdout, confined.exit_status) == (plain.stdout, plain.exit_status)
    assert confined.stdout == "line from stdin\n/var/log\na 'b' c\n" and confined.exit_status == 7
