"""SSH hosts through asyncssh: one reused connection per host, a cap on concurrent channels, host keys
checked against known_hosts with an explicit trust prompt, and commands that never hang and die with us.

How a remote command is run: sshd starts the login shell with `-c` in a new session, so the shell's PID is
also the process group of everything the command starts. The wrapper first prints a per-run token and
that PID on stderr (stripped from the output), then runs the command inline; with a timeout, a watchdog in
the same group kills it at the deadline even if the connection is lost. On timeout or cancel we kill that
process group over a separate channel, then close the command's channel. A command is never sent twice: if the
connection drops after the exec request, the result says CONNECTION_LOST.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import os
import secrets
import shlex
import signal
import time
from collections.abc import AsyncIterator, Mapping, Sequence
from pathlib import Path
from typing import Literal

import asyncssh

from console.core.paths import Paths
from console.core.transport.base import (
    DEFAULT_OUTPUT_LIMIT,
    TRUNCATION_MARKER,
    Ended,
    FileStat,
    OutputCallback,
    RunResult,
)
from console.core.transport.confine import Confinement, probe_confinement, run_confined, unconfinable
from console.core.transport.errors import AuthenticationFailed, ConnectError, TransportError
from console.core.transport.inventory import HostSpec
from console.core.transport.output import OutputCollector, with_marker
from console.core.transport.shell import check_env_names, script_for, sudo_password_error
from console.core.transport.supervise import stopped_message, wait_or_stop
from console.core.transport.tar import TAR_CREATE, TAR_EXTRACT, relative_members
from console.core.transport.trust import (
    HostKeyChanged,
    HostKeyNotTrusted,
    PassphrasePrompt,
    TrustPrompt,
    TrustRequest,
    append_known_host,
    changed_key_message,
    known_hosts_files,
)

CHUNK = 64 * 1024
MAX_CHANNELS = 8
"""Concurrent command channels per connection; below sshd's default MaxSessions (10), one left for kills."""
CONNECT_TIMEOUT = 10.0
LOGIN_TIMEOUT = 30.0
KEEPALIVE_INTERVAL = 15.0
KEEPALIVE_COUNT_MAX = 3
KILL_TIMEOUT = 10.0
PIPE_GRACE = 1.0
"""After the remote command exits, how long a background child may keep the channel open."""
REMOTE_TIMEOUT_SLACK = 2
"""The remote watchdog fires this many seconds after our deadline, so our kill (and TIMED_OUT) comes first."""
CHANNEL_OPEN_ATTEMPTS = 3

_KILL_SCRIPT = (
    'kill -TERM "-$1" 2>/dev/null || exit 0; '
    'for i in 1 2 3 4 5 6 7 8 9 10; do kill -0 "-$1" 2>/dev/null || exit 0; sleep 0.2; done; '
    'kill -KILL "-$1" 2>/dev/null; exit 0'
)
_STAT_SCRIPT = '[ -e "$1" ] || [ -h "$1" ] || exit 3; LC_ALL=C exec stat -c "%f %s %u %g %.9Y" -- "$1"'
_WRITE_SCRIPT = """set -e
target=$1 mode=$2 owner=$3
dir=$(dirname -- "$target"); base=$(basename -- "$target")
tmp=$(mktemp "$dir/.$base.hitl-XXXXXX")
trap 'rm -f -- "$tmp"' EXIT
cat > "$tmp"
if [ -n "$mode" ]; then chmod "$mode" "$tmp"
elif [ -e "$target" ]; then chmod --reference="$target" "$tmp"
else chmod "$(printf %o $(( 0666 & ~0$(umask) )))" "$tmp"; fi
if [ -e "$target" ]; then chown --reference="$target" "$tmp"; fi
if [ -n "$owner" ]; then chown "$owner" "$tmp"; fi
mv -f -- "$tmp" "$target"
trap - EXIT
"""


def sh_command(script: str, *args: str) -> str:
    """A command line for the remote login shell that runs `script` with /bin/sh and positional `args`."""
    return " ".join(["/bin/sh", "-c", shlex.quote(script), "hitl", *map(shlex.quote, args)])


def wrap_remote(script: str, token: str, timeout: float | None) -> str:
    """The wrapper described in the module docstring. `script` runs inline in the login shell (one shell,
    as ssh runs it); with a timeout, a watchdog in the same process group kills the group at the deadline
    even if the connection is gone, and exits within a second of the command ending.
    """
    lines = [f"printf '%s %s\\n' {token} \"$$\" >&2"]
    if timeout is not None:
        seconds = math.ceil(timeout) + REMOTE_TIMEOUT_SLACK
        lines.append(
            f"{{ hitl_i=0; while [ $hitl_i -lt {seconds} ]; do sleep 1; kill -0 $$ 2>/dev/null || exit 0; "
            "hitl_i=$((hitl_i+1)); done; kill -TERM -$$; sleep 5; kill -KILL -$$; } "
            "</dev/null >/dev/null 2>&1 &"
        )
    lines.append(script)
    return "\n".join(lines)


class _PgidSniffer:
    """Takes the wrapper's `TOKEN PID` line out of stderr and passes everything else on."""

    def __init__(self, token: str, collector: OutputCollector) -> None:
        self._marker = token.encode() + b" "
        self._collector = collector
        self._buffer = b""
        self.pgid: int | None = None
        self.settled = asyncio.Event()
        """Set once the marker was found (or will not come)."""
        self._done = False

    def feed(self, data: bytes) -> None:
        if self._done:
            self._collector.feed(data)
            return
        self._buffer += data
        start = self._buffer.find(self._marker)
        if start >= 0 and (start == 0 or self._buffer[start - 1 : start] == b"\n"):
            end = self._buffer.find(b"\n", start)
            if end < 0:
                return
            digits = self._buffer[start + len(self._marker) : end]
            self.pgid = int(digits) if digits.isdigit() else None
            rest = self._buffer[:start] + self._buffer[end + 1 :]
            self._finish(rest)
        elif len(self._buffer) > CHUNK:
            self._finish(self._buffer)

    def flush(self) -> None:
        if not self._done:
            self._finish(self._buffer)

    def _finish(self, data: bytes) -> None:
        self._done = True
        self.settled.set()
        self._buffer = b""
        if data:
            self._collector.feed(data)


class _KeyRecorder(asyncssh.SSHClient):
    """Refuses keys that known_hosts does not vouch for, remembering the key so we can ask about it."""

    def __init__(self) -> None:
        self.offered: tuple[str, str, int, asyncssh.SSHKey] | None = None

    def validate_host_public_key(self, host: str, addr: str, port: int, key: asyncssh.SSHKey) -> bool:
        self.offered = (host, addr, port, key)
        return False


class SshTransport:
    """One SSH host. The connection is opened on first use and reused; `close()` releases it."""

    def __init__(
        self,
        spec: HostSpec,
        paths: Paths,
        trust_prompt: TrustPrompt | None = None,
        passphrase_prompt: PassphrasePrompt | None = None,
        *,
        max_channels: int = MAX_CHANNELS,
        connect_timeout: float = CONNECT_TIMEOUT,
        login_timeout: float = LOGIN_TIMEOUT,
        keepalive_interval: float = KEEPALIVE_INTERVAL,
    ) -> None:
        self.name = spec.name
        self.spec = spec
        self._paths = paths
        self._trust_prompt = trust_prompt
        self._passphrase_prompt = passphrase_prompt
        self._connect_timeout = connect_timeout
        self._login_timeout = login_timeout
        self._keepalive_interval = keepalive_interval
        self._conn: asyncssh.SSHClientConnection | None = None
        self._connecting = asyncio.Lock()
        self._channels = asyncio.Semaphore(max_channels)
        self._control = asyncio.Semaphore(1)
        self._client_keys: list[asyncssh.SSHKey] | None = None
        self._confinement: tuple[asyncssh.SSHClientConnection, Confinement] | None = None
        self._probing = asyncio.Lock()

    # -- connection -------------------------------------------------------------------------------------

    async def connect(self) -> asyncssh.SSHClientConnection:
        """The live connection, opening one if there is none (raises ConnectError and its subclasses)."""
        async with self._connecting:
            if self._conn is None or self._conn.is_closed():
                self._conn = await self._open()
            return self._conn

    async def _open(self) -> asyncssh.SSHClientConnection:
        files = known_hosts_files(self._paths.known_hosts_file, self.spec.known_hosts)
        known = _load_known_hosts(files, self.name)
        recorder = _KeyRecorder()
        try:
            return await self._connect_once(known, recorder)
        except asyncssh.HostKeyNotVerifiable as error:
            if recorder.offered is None:
                raise HostKeyNotTrusted(f"host key for host {self.name!r} was refused: {error.reason}") from None
        host, addr, port, key = recorder.offered
        fingerprint = key.get_fingerprint("sha256")
        if known.match(host, addr, port if port != 22 else None)[0]:
            raise HostKeyChanged(changed_key_message(self.name, host, port, fingerprint, files))
        request = TrustRequest(
            host=self.name,
            hostname=host,
            port=port,
            key_type=key.get_algorithm(),
            fingerprint=fingerprint,
            known_hosts_file=self._paths.known_hosts_file,
        )
        if self._trust_prompt is None or not await self._trust_prompt(request):
            raise HostKeyNotTrusted(
                f"host key for host {self.name!r} ({host}:{port}, {fingerprint}) is not known and was not accepted"
                + ("" if self._trust_prompt else "; run `hitl hosts check` on a terminal to review it")
            )
        public = key.export_public_key("openssh").decode().split()
        append_known_host(self._paths.known_hosts_file, host, port, " ".join(public[:2]))
        known = _load_known_hosts(files, self.name)
        try:
            return await self._connect_once(known, _KeyRecorder())
        except asyncssh.HostKeyNotVerifiable as error:
            raise HostKeyChanged(f"host key for host {self.name!r} changed while connecting: {error.reason}") from None

    async def _connect_once(
        self, known: asyncssh.SSHKnownHosts, recorder: _KeyRecorder
    ) -> asyncssh.SSHClientConnection:
        spec = self.spec
        options: dict[str, object] = {
            "known_hosts": known,
            "connect_timeout": self._connect_timeout,
            "login_timeout": self._login_timeout,
            "keepalive_interval": self._keepalive_interval,
            "keepalive_count_max": KEEPALIVE_COUNT_MAX,
        }
        if spec.port is not None:
            options["port"] = spec.port
        if spec.user is not None:
            options["username"] = spec.user
        if spec.identity_file is not None:
            options["client_keys"] = await self._load_client_keys(spec.identity_file)
        where = spec.hostname if spec.port is None else f"{spec.hostname}:{spec.port}"
        try:
            conn, _ = await asyncssh.create_connection(lambda: recorder, spec.hostname, **options)  # type: ignore[arg-type]
        except asyncssh.HostKeyNotVerifiable:
            raise
        except asyncssh.PermissionDenied as error:
            user = spec.user or "the default user"
            raise AuthenticationFailed(
                f"authentication failed on host {self.name!r} ({where}) as {user}: {error.reason}"
                + (f" (key {spec.identity_file})" if spec.identity_file else " (keys from ssh-agent and ~/.ssh)")
            ) from None
        except asyncssh.DisconnectError as error:
            raise ConnectError(f"cannot connect to host {self.name!r} ({where}): {error.reason}") from None
        except TimeoutError:
            raise ConnectError(f"cannot connect to host {self.name!r} ({where}): timed out") from None
        except (OSError, asyncssh.Error, ValueError) as error:
            raise ConnectError(f"cannot connect to host {self.name!r} ({where}): {error}") from None
        return conn

    async def _load_client_keys(self, identity_file: str) -> list[asyncssh.SSHKey]:
        """Read the key file, asking for its passphrase when it has one; the passphrase is not kept."""
        if self._client_keys is not None:
            return self._client_keys
        path = _expand_user(identity_file)
        passphrase: str | None = None
        for _ in range(3):
            try:
                key = asyncssh.read_private_key(path, passphrase)
            except OSError as error:
                raise ConnectError(f"host {self.name!r}: cannot read identity_file {path}: {error.strerror}") from None
            except (asyncssh.KeyImportError, asyncssh.KeyEncryptionError) as error:
                encrypted = isinstance(error, asyncssh.KeyEncryptionError) or "assphrase" in str(error)
                if not encrypted:
                    raise ConnectError(
                        f"host {self.name!r}: identity_file {path} is not a usable key: {error}"
                    ) from None
                if self._passphrase_prompt is None:
                    raise ConnectError(
                        f"host {self.name!r}: identity_file {path} needs a passphrase; add it to ssh-agent "
                        "or connect from a terminal"
                    ) from None
                passphrase = await self._passphrase_prompt(f"Passphrase for {path} (host {self.name}): ")
                if passphrase is None:
                    raise ConnectError(f"host {self.name!r}: no passphrase given for {path}") from None
                continue
            self._client_keys = [key]
            return self._client_keys
        raise ConnectError(f"host {self.name!r}: wrong passphrase for {path}")

    async def _process(self, command: str) -> asyncssh.SSHClientProcess[bytes]:
        """A started remote process. Raises ConnectError when the connection could not be had (nothing ran)
        and asyncssh's ConnectionLost/DisconnectError when it dropped while opening (something may have run).
        """
        for attempt in range(CHANNEL_OPEN_ATTEMPTS):
            conn = await self.connect()
            try:
                return await conn.create_process(command, encoding=None)
            except asyncssh.ChannelOpenError as error:
                # Refused before the exec request was sent, so nothing ran: safe to try again.
                if attempt == CHANNEL_OPEN_ATTEMPTS - 1:
                    raise ConnectError(f"host {self.name!r} refused a new channel: {error.reason}") from None
                await asyncio.sleep(0.1 * (attempt + 1))
        raise AssertionError("unreachable")

    # -- commands ---------------------------------------------------------------------------------------

    async def confinement(self) -> Confinement:
        """Probed once per connection: a reconnect (new sshd session, maybe a changed host) probes again."""
        async with self._probing:
            cached = self._confinement
            if cached is not None and cached[0] is self._conn and not cached[0].is_closed():
                return cached[1]
            mode = await probe_confinement(self.run, host=self.name)
            if mode.settled and self._conn is not None:
                self._confinement = (self._conn, mode)
            return mode

    async def run(
        self,
        command: str,
        *,
        timeout: float | None = None,
        stdin: bytes | None = None,
        cwd: str | None = None,
        env: Mapping[str, str] | None = None,
        on_output: OutputCallback | None = None,
        output_limit: int = DEFAULT_OUTPUT_LIMIT,
        cancel: asyncio.Event | None = None,
        confine: bool = False,
    ) -> RunResult:
        if confine:
            mode = await self.confinement()
            if mode.strategy is None:
                return unconfinable(self.name, mode)
            # The command gets the same lines before it as unconfined (the pgid line, then script_for's), so
            # the shell's own messages ("bash: line 3: ...") read the same.
            return await run_confined(
                self.run,
                mode.strategy,
                ":\n" + script_for(command, cwd=cwd, env=env),
                host=self.name,
                timeout=timeout,
                stdin=stdin,
                cwd=cwd,
                env=env,
                on_output=on_output,
                output_limit=output_limit,
                cancel=cancel,
            )
        started = time.monotonic()
        out = OutputCollector("stdout", output_limit, on_output)
        err = OutputCollector("stderr", output_limit, on_output)
        token = "hitl-" + secrets.token_hex(8)
        sniffer = _PgidSniffer(token, err)
        holder: list[asyncssh.SSHClientProcess[bytes]] = []

        def result(ended: Ended, status: int | None = None, error: str | None = None) -> RunResult:
            sniffer.flush()
            out.finish()
            err.finish()
            stderr = with_marker(err, TRUNCATION_MARKER)
            if error is None and ended is Ended.EXITED:
                error = sudo_password_error(stderr, self.name)
            return RunResult(
                exit_status=status,
                stdout=with_marker(out, TRUNCATION_MARKER),
                stderr=stderr,
                duration=time.monotonic() - started,
                ended=ended,
                stdout_truncated=out.truncated,
                stderr_truncated=err.truncated,
                error=error,
            )

        try:
            check_env_names(env)
        except ValueError as problem:
            return result(Ended.NOT_STARTED, error=f"{problem} (host {self.name!r})")
        remote = wrap_remote(script_for(command, cwd=cwd, env=env), token, timeout)

        async def execute() -> int | None:
            async with self._channels:
                proc = await self._process(remote)
                holder.append(proc)
                running = _Running(proc, stdin, out, sniffer)
                try:
                    return await running.wait()
                except asyncio.CancelledError:
                    await asyncio.shield(self._kill_group(sniffer))
                    raise
                finally:
                    await running.close()

        try:
            stopped = await wait_or_stop(execute(), timeout, cancel)
        except ConnectError as problem:
            return result(Ended.NOT_STARTED, error=str(problem))
        except (asyncssh.Error, OSError) as problem:
            return result(Ended.CONNECTION_LOST, error=self._lost_message(problem))
        if stopped is not None:
            message = stopped_message(stopped, self.name, timeout)
            if not holder:
                message += " (before it started)"
            return result(stopped, error=message)
        proc = holder[0]
        if proc.exit_status is None and proc.exit_signal is None:
            return result(Ended.CONNECTION_LOST, error=self._lost_message(None))
        return result(Ended.EXITED, _exit_status(proc))

    def _lost_message(self, problem: Exception | None) -> str:
        detail = f": {problem}" if problem else ""
        return (
            f"connection to host {self.name!r} was lost while the command ran{detail}. It may or may not have "
            "completed on the host; hitl does not run it again."
        )

    async def _kill_group(self, sniffer: _PgidSniffer) -> None:
        """Kill the remote command's process group over a separate channel."""
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(sniffer.settled.wait(), KILL_TIMEOUT / 2)
        conn = self._conn
        if sniffer.pgid is None or conn is None or conn.is_closed():
            return
        with contextlib.suppress(asyncssh.Error, OSError, asyncio.TimeoutError):
            async with self._control:
                await asyncio.wait_for(conn.run(sh_command(_KILL_SCRIPT, str(sniffer.pgid))), KILL_TIMEOUT)

    # -- files --------------------------------------------------------------------------------------------

    async def _exec(self, command: str, stdin: bytes | None = None) -> tuple[int | None, bytes, str]:
        async with self._channels:
            try:
                proc = await self._process(command)
                stdout, stderr = await proc.communicate(stdin)
            except (asyncssh.Error, OSError) as problem:
                raise TransportError(self._lost_message(problem)) from None
        if proc.exit_status is None and proc.exit_signal is None:
            raise TransportError(self._lost_message(None))
        return proc.exit_status, stdout, stderr.decode(errors="replace").strip()

    async def stat(self, path: str) -> FileStat | None:
        status, stdout, stderr = await self._exec(sh_command(_STAT_SCRIPT, path))
        if status == 3:
            return None
        if status != 0:
            raise TransportError(f"cannot stat {path} on host {self.name!r}: {stderr}")
        raw_mode, size, uid, gid, mtime = stdout.decode().split()
        mode = int(raw_mode, 16)
        kinds: dict[int, Literal["file", "directory", "symlink", "other"]] = {
            0o100000: "file",
            0o040000: "directory",
            0o120000: "symlink",
        }
        return FileStat(
            path=path,
            kind=kinds.get(mode & 0o170000, "other"),
            size=int(size),
            mode=mode & 0o7777,
            uid=int(uid),
            gid=int(gid),
            mtime=float(mtime),
        )

    async def read_file(self, path: str) -> bytes:
        status, stdout, stderr = await self._exec(sh_command('exec cat -- "$1"', path))
        if status != 0:
            raise TransportError(f"cannot read {path} on host {self.name!r}: {stderr}")
        return stdout

    async def write_file_atomic(
        self, path: str, data: bytes, *, mode: int | None = None, uid: int | None = None, gid: int | None = None
    ) -> None:
        owner = "" if uid is None and gid is None else f"{'' if uid is None else uid}:{'' if gid is None else gid}"
        if owner.endswith(":"):
            owner = owner[:-1]
        mode_text = "" if mode is None else f"{mode:o}"
        status, _, stderr = await self._exec(sh_command(_WRITE_SCRIPT, path, mode_text, owner), data)
        if status != 0:
            raise TransportError(f"cannot write {path} on host {self.name!r}: {stderr}")

    async def tar_out(self, paths: Sequence[str]) -> AsyncIterator[bytes]:
        # Member names go on standard input, NUL-terminated: a name need not be UTF-8 (os.fsdecode form).
        command = shlex.join([*TAR_CREATE, "--null", "--verbatim-files-from", "--files-from=-"])
        names = b"".join(os.fsencode(member) + b"\0" for member in relative_members(paths))
        async with self._channels:
            try:
                proc = await self._process(f"exec {command}")
            except (asyncssh.Error, OSError) as problem:
                raise TransportError(self._lost_message(problem)) from None
            errors = asyncio.ensure_future(proc.stderr.read())
            try:
                proc.stdin.write(names)
                proc.stdin.write_eof()
                while chunk := await proc.stdout.read(CHUNK):
                    yield chunk
                await proc.wait_closed()
            except (asyncssh.Error, OSError) as problem:
                raise TransportError(self._lost_message(problem)) from None
            finally:
                proc.close()
                message = b""
                with contextlib.suppress(asyncssh.Error, OSError, asyncio.CancelledError):
                    message = await errors
        if proc.exit_status != 0:
            detail = message.decode(errors="replace").strip() or f"exit status {proc.exit_status}"
            raise TransportError(f"tar of {', '.join(paths)} failed on host {self.name!r}: {detail}")

    async def tar_in(self, chunks: AsyncIterator[bytes], *, directory: str = "/") -> None:
        command = shlex.join([*TAR_EXTRACT, "-C", directory])
        async with self._channels:
            try:
                proc = await self._process(f"exec {command}")
                errors = asyncio.ensure_future(proc.stderr.read())
                async for chunk in chunks:
                    proc.stdin.write(chunk)
                    await proc.stdin.drain()
                proc.stdin.write_eof()
                await proc.wait_closed()
                message = await errors
            except (asyncssh.Error, OSError) as problem:
                raise TransportError(self._lost_message(problem)) from None
            finally:
                proc.close()
        if proc.exit_status != 0:
            detail = message.decode(errors="replace").strip() or f"exit status {proc.exit_status}"
            raise TransportError(f"extracting into {directory} failed on host {self.name!r}: {detail}")

    async def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()
            with contextlib.suppress(asyncssh.Error, OSError):
                await conn.wait_closed()


class _Running:
    """A started remote process whose output is being read."""

    def __init__(
        self,
        proc: asyncssh.SSHClientProcess[bytes],
        stdin: bytes | None,
        out: OutputCollector,
        err: _PgidSniffer,
    ) -> None:
        self._proc = proc
        if stdin:
            proc.stdin.write(stdin)
        proc.stdin.write_eof()
        self._pumps = asyncio.gather(_pump(proc.stdout, out), _pump(proc.stderr, err))

    async def wait(self) -> int | None:
        """Until the output ends (or the command exited and a background child holds the channel)."""
        exited_at: float | None = None
        while True:
            done, _ = await asyncio.wait({self._pumps}, timeout=0.2)
            if done:
                self._pumps.result()
                break
            if self._proc.exit_status is not None or self._proc.exit_signal is not None:
                exited_at = exited_at or time.monotonic()
                if time.monotonic() - exited_at >= PIPE_GRACE:
                    break
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self._proc.wait_closed(), PIPE_GRACE)
        return self._proc.exit_status

    async def close(self) -> None:
        self._proc.close()
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait({self._pumps}, timeout=PIPE_GRACE)
        self._pumps.cancel()
        with contextlib.suppress(asyncio.CancelledError, asyncssh.Error, OSError):
            await self._pumps


async def _pump(reader: asyncssh.SSHReader[bytes], sink: OutputCollector | _PgidSniffer) -> None:
    while chunk := await reader.read(CHUNK):
        sink.feed(chunk)


class SshPool:
    """One SshTransport (hence one connection) per host name, shared by everyone who asks for that host."""

    def __init__(self, paths: Paths, trust_prompt: TrustPrompt | None = None) -> None:
        self._paths = paths
        self._trust_prompt = trust_prompt
        self._transports: dict[str, SshTransport] = {}

    def get(self, spec: HostSpec) -> SshTransport:
        transport = self._transports.get(spec.name)
        if transport is None or transport.spec != spec:
            transport = SshTransport(spec, self._paths, self._trust_prompt)
            self._transports[spec.name] = transport
        return transport

    async def close(self) -> None:
        transports, self._transports = list(self._transports.values()), {}
        for transport in transports:
            await transport.close()


def _exit_status(proc: asyncssh.SSHClientProcess[bytes]) -> int | None:
    """The exit status; a command killed by a signal reports 128 + its number, as shells do."""
    if proc.exit_signal is None:
        return proc.exit_status
    try:
        return 128 + signal.Signals[f"SIG{proc.exit_signal[0]}"].value
    except KeyError:
        return 128


def _expand_user(path: str) -> str:
    return os.path.expanduser(path)


def _load_known_hosts(files: list[Path], host: str) -> asyncssh.SSHKnownHosts:
    """All the known_hosts files as one; a file that cannot be parsed is an error naming it."""
    texts = []
    for path in files:
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            continue
        except OSError as error:
            raise ConnectError(f"host {host!r}: cannot read known_hosts file {path}: {error.strerror}") from None
        try:
            asyncssh.import_known_hosts(text)
        except (ValueError, asyncssh.KeyImportError) as error:
            raise ConnectError(f"host {host!r}: known_hosts file {path} is not valid: {error}") from None
        texts.append(text)
    return asyncssh.import_known_hosts("\n".join(texts))
