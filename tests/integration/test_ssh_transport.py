"""SshTransport against a real OpenSSH sshd on 127.0.0.1 (tests/fixtures/sshd.py)."""

from __future__ import annotations

import asyncio
import subprocess
import tracemalloc
from pathlib import Path

import pytest

from console.core.paths import Paths, resolve_paths
from console.core.transport.base import TRUNCATION_MARKER, Ended
from console.core.transport.errors import AuthenticationFailed
from console.core.transport.inventory import HostSpec
from console.core.transport.ssh import MAX_CHANNELS, SshPool, SshTransport
from console.core.transport.trust import HostKeyChanged, HostKeyNotTrusted, TrustRequest
from tests.fixtures.sshd import SshdServer, keygen


def spec_for(server: SshdServer, **changes: object) -> HostSpec:
    values: dict[str, object] = {
        "name": "box",
        "hostname": server.hostname,
        "port": server.port,
        "user": server.user,
        "identity_file": str(server.client_key),
        "known_hosts": str(server.known_hosts),
        "source": "test",
    }
    values.update(changes)
    return HostSpec(**values)  # type: ignore[arg-type]


@pytest.fixture
def paths(hitl_home: Path) -> Paths:
    return resolve_paths({"HITL_HOME": str(hitl_home)})


@pytest.fixture
async def box(sshd: SshdServer, paths: Paths):
    transport = SshTransport(spec_for(sshd), paths)
    yield transport
    await transport.close()


def remote_pids(pattern: str) -> list[str]:
    """The server is this machine, so pgrep here sees the remote side."""
    return subprocess.run(["pgrep", "-f", pattern], capture_output=True, text=True, check=False).stdout.split()


def end_processes(pattern: str) -> None:
    """Processes this test itself started (the pattern is unique to it)."""
    subprocess.run(["pkill", "-f", pattern], check=False)


def fingerprint(public_key: Path) -> str:
    listed = subprocess.run(["ssh-keygen", "-lf", str(public_key)], capture_output=True, text=True, check=True)
    return listed.stdout.split()[1]


async def gone(pattern: str, within: float = 3.0) -> bool:
    for _ in range(int(within / 0.1)):
        if not remote_pids(pattern):
            return True
        await asyncio.sleep(0.1)
    return False


async def test_exit_status_stdout_and_stderr(box: SshTransport) -> None:
    lines: list[tuple[str, str]] = []
    result = await box.run(
        "echo out; echo err >&2; exit 7", on_output=lambda stream, line: lines.append((stream, line))
    )
    assert result.ended is Ended.EXITED
    assert result.exit_status == 7
    assert result.stdout == "out\n"
    assert result.stderr == "err\n"
    assert not result.ok
    assert sorted(lines) == [("stderr", "err"), ("stdout", "out")]


async def test_stdin_cwd_and_env(box: SshTransport, tmp_path: Path) -> None:
    result = await box.run(
        'pwd; echo "$GREETING"; cat', stdin=b"from stdin\n", cwd=str(tmp_path), env={"GREETING": "hi there"}
    )
    assert result.ok, result
    assert result.stdout == f"{tmp_path}\nhi there\nfrom stdin\n"


async def test_ten_mib_streams_with_bounded_memory(box: SshTransport) -> None:
    count = 0

    def on_output(stream: str, line: str) -> None:
        nonlocal count
        count += 1

    tracemalloc.start()
    try:
        result = await box.run(
            "yes 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde | head -n 163840",
            on_output=on_output,
            output_limit=64 * 1024,
        )
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result.ok
    assert count == 163840  # 10 MiB of 64-byte lines, every one streamed
    assert result.stdout_truncated
    assert result.stdout.endswith(TRUNCATION_MARKER)
    assert len(result.stdout) == 64 * 1024 + len(TRUNCATION_MARKER)
    assert peak < 6 * 1024 * 1024, f"peak {peak} bytes while streaming 10 MiB"


async def test_timeout_kills_the_remote_process(box: SshTransport) -> None:
    result = await box.run("sleep 987.1 & sleep 987.2", timeout=0.5)
    assert result.ended is Ended.TIMED_OUT
    assert result.exit_status is None
    assert "timed out" in (result.error or "")
    assert await gone("sleep 987"), remote_pids("sleep 987")


async def test_cancel_event_kills_the_remote_process(box: SshTransport) -> None:
    cancel = asyncio.Event()
    asyncio.get_running_loop().call_later(0.5, cancel.set)
    result = await box.run("sleep 986.1", cancel=cancel)
    assert result.ended is Ended.CANCELLED
    assert await gone("sleep 986.1")


async def test_cancelling_the_task_kills_the_remote_process(box: SshTransport) -> None:
    task = asyncio.ensure_future(box.run("sleep 985.1"))
    await asyncio.sleep(0.5)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await gone("sleep 985.1")


async def test_thirty_concurrent_commands_on_one_connection(box: SshTransport) -> None:
    connection = await box.connect()
    results = await asyncio.gather(*(box.run(f"sleep 0.3; echo {i}") for i in range(30)))
    assert [r.stdout for r in results] == [f"{i}\n" for i in range(30)]
    assert MAX_CHANNELS < 10  # below sshd's MaxSessions, so the cap (not sshd) queued the other 22
    assert await box.connect() is connection


async def test_pool_shares_one_transport_per_host(sshd: SshdServer, paths: Paths) -> None:
    pool = SshPool(paths)
    first = pool.get(spec_for(sshd))
    assert pool.get(spec_for(sshd)) is first
    assert (await first.run("echo pooled")).stdout == "pooled\n"
    await pool.close()
    assert pool.get(spec_for(sshd)) is not first


async def test_exit_by_signal_is_128_plus_the_signal(box: SshTransport) -> None:
    result = await box.run("kill -TERM $$")
    assert result.ended is Ended.EXITED
    assert result.exit_status == 143


async def test_dropped_connection_is_reported_and_not_rerun(
    box: SshTransport, sshd: SshdServer, tmp_path: Path
) -> None:
    runs = tmp_path / "runs"
    started = asyncio.Event()

    def on_output(stream: str, line: str) -> None:
        if line == "started":
            started.set()

    task = asyncio.ensure_future(
        box.run(f"echo run >> {runs}; echo started; sleep 984.1", on_output=on_output, timeout=30)
    )
    await asyncio.wait_for(started.wait(), 10)
    assert sshd.kill_connections() >= 1
    result = await task
    end_processes("sleep 984.1")  # the orphan of the dropped session
    assert result.ended is Ended.CONNECTION_LOST
    assert "lost" in (result.error or "") and "box" in (result.error or "")
    assert runs.read_text() == "run\n"
    again = await box.run("echo back")  # a new connection for the next command
    assert again.ok and again.stdout == "back\n"


async def test_unknown_key_raises_a_trust_request(sshd: SshdServer, paths: Paths, tmp_path: Path) -> None:
    empty = tmp_path / "empty_known_hosts"
    empty.write_text("")
    asked: list[TrustRequest] = []

    async def accept(request: TrustRequest) -> bool:
        asked.append(request)
        return True

    transport = SshTransport(spec_for(sshd, known_hosts=str(empty)), paths, accept)
    try:
        assert (await transport.run("true")).ok
    finally:
        await transport.close()
    expected = fingerprint(Path(f"{sshd.host_key}.pub"))
    assert len(asked) == 1
    assert asked[0].host == "box" and asked[0].port == sshd.port
    assert asked[0].fingerprint == expected
    assert asked[0].fingerprint in asked[0].describe()
    assert f"[127.0.0.1]:{sshd.port} ssh-ed25519 " in paths.known_hosts_file.read_text()

    async def must_not_ask(request: TrustRequest) -> bool:
        raise AssertionError("an accepted key must not be asked about again")

    again = SshTransport(spec_for(sshd, known_hosts=str(empty)), paths, must_not_ask)
    try:
        assert (await again.run("true")).ok
    finally:
        await again.close()


async def test_refused_or_unanswerable_unknown_key_does_not_connect(
    sshd: SshdServer, paths: Paths, tmp_path: Path
) -> None:
    empty = tmp_path / "empty_known_hosts"
    empty.write_text("")

    async def refuse(request: TrustRequest) -> bool:
        return False

    for prompt in (refuse, None):
        transport = SshTransport(spec_for(sshd, known_hosts=str(empty)), paths, prompt)
        with pytest.raises(HostKeyNotTrusted, match="box"):
            await transport.connect()
        result = await transport.run("true")
        assert result.ended is Ended.NOT_STARTED
        assert "host key" in (result.error or "")
    assert not paths.known_hosts_file.exists()


async def test_changed_key_is_refused_without_asking(sshd: SshdServer, paths: Paths, tmp_path: Path) -> None:
    other = keygen(tmp_path / "other_host_key")
    wrong = tmp_path / "wrong_known_hosts"
    kind, blob = (tmp_path / "other_host_key.pub").read_text().split()[:2]
    wrong.write_text(f"[127.0.0.1]:{sshd.port} {kind} {blob}\n")
    assert other.exists()

    async def must_not_ask(request: TrustRequest) -> bool:
        raise AssertionError("a changed key must never be offered for trust")

    transport = SshTransport(spec_for(sshd, known_hosts=str(wrong)), paths, must_not_ask)
    with pytest.raises(HostKeyChanged) as raised:
        await transport.connect()
    message = str(raised.value)
    assert "host key" in message and "'box'" in message and "CHANGED" in message
    result = await transport.run("true")
    assert result.ended is Ended.NOT_STARTED and "host key" in (result.error or "")


async def test_authentication_failure_names_the_host(sshd: SshdServer, paths: Paths, tmp_path: Path) -> None:
    stranger = keygen(tmp_path / "stranger")
    transport = SshTransport(spec_for(sshd, identity_file=str(stranger)), paths)
    with pytest.raises(AuthenticationFailed, match=r"authentication failed on host 'box'"):
        await transport.connect()
    result = await transport.run("true")
    assert result.ended is Ended.NOT_STARTED
    assert "authentication failed" in (result.error or "")


async def test_unreachable_host_is_a_quick_clear_error(paths: Paths) -> None:
    from tests.fixtures.sshd import free_port

    transport = SshTransport(HostSpec(name="nowhere", hostname="127.0.0.1", port=free_port(), source="t"), paths)
    result = await transport.run("true", timeout=5)
    assert result.ended is Ended.NOT_STARTED
    assert "cannot connect to host 'nowhere'" in (result.error or "")


async def test_file_operations_round_trip(box: SshTransport, tmp_path: Path) -> None:
    target = tmp_path / "conf" / "app.conf"
    target.parent.mkdir()
    target.write_text("old\n")
    target.chmod(0o640)
    before = await box.stat(str(target))
    assert before is not None and before.kind == "file" and before.mode == 0o640 and before.size == 4
    assert await box.stat(str(tmp_path / "missing")) is None
    assert await box.read_file(str(target)) == b"old\n"

    await box.write_file_atomic(str(target), b"new\n")
    after = await box.stat(str(target))
    assert after is not None and after.mode == 0o640 and after.uid == before.uid
    assert target.read_bytes() == b"new\n"
    assert sorted(p.name for p in target.parent.iterdir()) == ["app.conf"]  # no temp file left

    await box.write_file_atomic(str(target), b"x", mode=0o600)
    assert (target.stat().st_mode & 0o777) == 0o600

    chunks = [chunk async for chunk in box.tar_out([str(target.parent)])]
    target.write_text("changed\n")

    async def replay():
        for chunk in chunks:
            yield chunk

    await box.tar_in(replay())
    assert target.read_bytes() == b"x"
    assert (target.stat().st_mode & 0o777) == 0o600


async def test_file_errors_name_the_host(box: SshTransport, tmp_path: Path) -> None:
    from console.core.transport.errors import TransportError

    with pytest.raises(TransportError, match="box"):
        await box.read_file(str(tmp_path / "missing"))
    with pytest.raises(TransportError, match="box"):
        await box.write_file_atomic(str(tmp_path / "no" / "dir" / "file"), b"x")
