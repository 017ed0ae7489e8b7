"""Running hitl's own small POSIX shell scripts on a host, byte-safe in both directions.

Names go in as `printf '%b'` words (`names.printf_arg`) after the script; the script writes NUL-terminated
fields, and its whole standard output is hex-encoded on the host with `od` before the transport (which decodes
UTF-8 with replacement) sees it. The script's exit status travels in the same stream, since `od` ends the
pipeline. Nothing a file name contains can become shell syntax or be lost on the way back.
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from dataclasses import dataclass

from console.core.capture.names import SH_ARG, printf_arg
from console.core.transport.base import Transport

OUTPUT_LIMIT = 48 * 1024 * 1024
"""Characters of hex kept from one script (three per byte): 16 MiB of names and states."""

PRELUDE = "LC_ALL=C; export LC_ALL\n" + SH_ARG + "out() { printf '%s\\0' \"$@\"; }\n"
"""What every script starts with: C messages, `hitl_arg` (decode an argument), `out` (write fields)."""


class HostScriptError(Exception):
    """The script could not run or failed; the message says what the host said."""


@dataclass(frozen=True, slots=True)
class HostOutput:
    status: int
    fields: list[bytes]
    """Every NUL-terminated field the script wrote, in order."""
    stderr: str


def command_for(script: str, args: Sequence[bytes | str]) -> str:
    """The command line that runs `script` with `sh`, its arguments as bytes (names) or plain ASCII words."""
    words = [printf_arg(a) if isinstance(a, bytes) else shlex.quote(a) for a in args]
    inner = " ".join(["sh", "-c", shlex.quote(PRELUDE + script), "hitl", *words])
    return f"exec 3>&2; {{ {inner} 2>&3; printf '\\0%s' \"$?\"; }} | od -An -v -tx1"


async def run_script(
    transport: Transport,
    script: str,
    args: Sequence[bytes | str],
    *,
    what: str,
    cwd: str | None = None,
    stdin: bytes | None = None,
    timeout: float = 120,
) -> HostOutput:
    """Run `script` on the host. Raises `HostScriptError` when it could not run or its output was lost;
    the script's own failure is `status` (with `stderr`), for the caller to word."""
    result = await transport.run(
        command_for(script, args), timeout=timeout, cwd=cwd, stdin=stdin, output_limit=OUTPUT_LIMIT
    )
    problem = result.error or result.stderr.strip()
    if result.exit_status is None or result.stdout_truncated:
        raise HostScriptError(f"{what} on {transport.name} did not finish: {problem or result.ended.value}")
    try:
        data = bytes.fromhex(result.stdout)
    except ValueError:
        raise HostScriptError(f"{what} on {transport.name}: the host's answer could not be read") from None
    body, _, status = data.rpartition(b"\0")
    if not status.isdigit():
        raise HostScriptError(f"{what} on {transport.name} failed: {problem or 'no answer'}")
    fields = body.split(b"\0")
    if fields and fields[-1] == b"":
        fields.pop()
    return HostOutput(int(status), fields, result.stderr.strip())
