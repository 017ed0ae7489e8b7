"""Which process owns an unfinished action, and whether that process is still alive.

An action that started and never finished is "interrupted" only if the process running it is gone: with two
hitl processes on one database, the second must not mark the first one's running command as interrupted. A
process is named by host name, pid and (on Linux) its start time, so a recycled pid is not mistaken for the
original process.
"""

from __future__ import annotations

import os
import socket
from functools import cache


def _proc_stat(pid: int) -> tuple[str, str]:
    """(state, start time in clock ticks since boot) from /proc/PID/stat; ("", "") where unknown."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return "", ""
    return (fields[0], fields[19]) if len(fields) > 19 else ("", "")


@cache
def _machine() -> str:
    return socket.gethostname()


def current_owner() -> str:
    pid = os.getpid()
    return f"{_machine()}:{pid}:{_proc_stat(pid)[1]}"


def owner_alive(owner: str) -> bool:
    """False only when we can tell: same machine, and the pid is gone or now belongs to another process."""
    machine, _, rest = owner.partition(":")
    pid_text, _, started = rest.partition(":")
    if machine != _machine() or not pid_text.isdigit():
        return True
    pid = int(pid_text)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    state, now_started = _proc_stat(pid)
    if state in ("Z", "X"):  # killed, not yet reaped by its parent
        return False
    return not started or now_started in ("", started)
