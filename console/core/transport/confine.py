"""READ commands confined on their host: the mode a host allows, the wrapper, and what a command tried to change.

The second line of defence behind the classifier: a command run with `Transport.run(..., confine=True)` sees
every mount read-only, the usual scratch paths through throwaway copy-on-write layers, block devices
unopenable, and keeps no capability that changes kernel state; the network is left alone. `confine_script.py`
says how; docs/ARCHITECTURE.md says what it does not cover.

Implemented once for every transport, on top of its ordinary (unconfined) `run`: the wrapper is shell text.
Each transport probes its host once per connection (`Transport.confinement()`) by running the real wrapper
around `true`, so a mode is claimed only where confinement was seen to work.
"""

from __future__ import annotations

import re
import secrets
import shlex
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Any, Literal

from console.core.transport.base import Ended, OutputCallback, RunResult, Stream
from console.core.transport.confine_script import CONFINE_SCRIPT

Strategy = Literal["root", "sudo", "userns"]
RunFunction = Callable[..., Awaitable[RunResult]]
"""A transport's unconfined `run`."""

MODE_LABELS: dict[Strategy, str] = {
    "root": "mount namespace",
    "sudo": "mount namespace (through sudo)",
    "userns": "user namespace (other users' files show as nobody; set-uid programs such as sudo and crontab fail)",
}

_PROBE = r"""
echo "uid $(id -u)"
for t in unshare setpriv mount awk find mkdir; do command -v "$t" >/dev/null 2>&1 || echo "missing $t"; done
echo "userns $(cat /proc/sys/user/max_user_namespaces 2>/dev/null || echo unknown)"
[ "$(id -u)" = 0 ] || { command -v sudo >/dev/null 2>&1 && sudo -n /bin/sh -c 'exit 0' 2>/dev/null && echo sudo yes; }
true
"""


@dataclass(frozen=True, slots=True)
class Confinement:
    """How READs are confined on one host, as probed on the current connection."""

    strategy: Strategy | None
    reason: str | None = None
    """Why there is no confinement (strategy None)."""
    settled: bool = True
    """False when the probe itself could not run (host unreachable): ask again on the next connection."""

    @property
    def available(self) -> bool:
        return self.strategy is not None

    @property
    def label(self) -> str:
        """`mount namespace`, `user namespace (...)` or `none: REASON`, as `hitl hosts check` prints it."""
        if self.strategy is None:
            return f"none: {self.reason}"
        return MODE_LABELS[self.strategy]


@dataclass(frozen=True, slots=True)
class PathChange:
    path: str
    kind: Literal["created", "modified", "deleted"]
    """`modified` covers content, mode and owner; a rename is the new name created and the old one deleted."""


@dataclass(frozen=True, slots=True)
class ConfinementReport:
    """What a confined command tried to change. Nothing of it persisted: the layers were thrown away."""

    mode: str
    changes: tuple[PathChange, ...] = ()
    """Changes the command made inside throwaway layers (the scratch paths), discarded when it ended."""
    denied: tuple[str, ...] = ()
    """The command's own messages about operations the confinement refused (read-only file system, operation
    not permitted, a device that cannot be opened). A program that hides such an error is not listed here,
    but its change did not happen either."""

    @property
    def tried_to_change(self) -> bool:
        return bool(self.changes or self.denied)

    def summary(self) -> list[str]:
        """One line per attempted change, for the host pane, the CLI and the tool result."""
        lines = [f"{change.kind} {change.path} (discarded)" for change in self.changes]
        return lines + [f"denied: {message}" for message in self.denied]


def confined_command(strategy: Strategy, token: str, command: str, shell: str = "") -> str:
    """Shell text, for any POSIX shell, that runs `shell -c command` confined; an empty `shell` means the
    host user's login shell ($SHELL). Root goes straight to `unshare`; the others start at the outer stage."""
    script = ['eval "$1"', "hitl-confine", CONFINE_SCRIPT]
    if strategy == "root":
        words = [*script, "inner", token, strategy, shell, command]
        return "exec unshare --mount --propagation private -- /bin/sh -c " + _quoted(words) + ' "$PWD" 0 0 "" ""'
    return "exec /bin/sh -c " + _quoted([*script, "outer", token, strategy, shell, command])


def _quoted(words: list[str]) -> str:
    return " ".join(shlex.quote(word) for word in words)


async def run_confined(
    run: RunFunction,
    strategy: Strategy,
    command: str,
    *,
    host: str,
    shell: str = "",
    on_output: OutputCallback | None = None,
    **options: Any,
) -> RunResult:
    """Run `command` confined through the transport's plain `run`; the result carries the report.

    When the confinement cannot be set up the command does not run: the result ends NOT_STARTED.
    """
    token = "hitl-confine-" + secrets.token_hex(8)
    prefix = token + " "
    markers: list[str] = []

    def relay(stream: Stream, line: str) -> None:
        if stream == "stderr" and line.startswith(prefix):
            markers.append(line[len(prefix) :])
        elif on_output is not None:
            on_output(stream, line)

    result = await run(confined_command(strategy, token, command, shell), on_output=relay, **options)
    stderr = re.sub(rf"(?m)^{re.escape(prefix)}.*(\n|\Z)", "", result.stderr)
    result = replace(result, stderr=stderr)
    if "ready" not in markers:
        if result.ended is not Ended.EXITED:
            return result
        failure = next((line[5:] for line in markers if line.startswith("fail ")), None)
        problem = failure or " ".join(stderr.split())[:300] or f"exit status {result.exit_status}"
        return replace(
            result,
            exit_status=None,
            ended=Ended.NOT_STARTED,
            error=f"could not confine the command on host {host!r}: {problem}; it did not run",
        )
    entries = _entries(markers)
    host_state = await _host_state(run, entries) if entries else {}
    return replace(result, confinement=build_report(strategy, entries, host_state, stderr))


MAX_REPORTED = 200
"""Paths compared and reported per command; a command that wrote more is reported by its first ones."""

_DENIED = re.compile(
    r"Read-only file system|Operation not permitted|must be root|permission denied on key"
    r"|'/dev/[^']*': Permission denied"
)
"""Error messages of refused changes: EROFS, EPERM, hostname(1) and sysctl(8)'s own words, an unopenable device."""


@dataclass(frozen=True, slots=True)
class _Entry:
    path: str
    kind: str
    """find's %y: f, d, l, c (an overlay whiteout: deleted), ..."""
    meta: str
    """`MODE UID GID SIZE MTIME`, as find prints them."""


def _entries(markers: list[str]) -> list[_Entry]:
    sites: dict[str, str] = {}
    entries: list[_Entry] = []
    for line in markers:
        word, _, rest = line.partition(" ")
        if word == "site":
            number, _, path = rest.partition(" ")
            sites[number] = path
        elif word == "entry" and len(entries) < MAX_REPORTED:
            fields = rest.split(" ", 6)
            if len(fields) < 7:
                continue
            layer, _, relative = fields[6].partition("/")
            site = sites.get(layer.removeprefix("u"))
            if site is not None and relative:
                entries.append(_Entry(f"{site.rstrip('/')}/{relative}", fields[0], " ".join(fields[1:6])))
    return entries


async def _host_state(run: RunFunction, entries: list[_Entry]) -> dict[str, tuple[str, str]]:
    """The host's own type and metadata of each path (absent when it does not exist), read unconfined."""
    paths = " ".join(shlex.quote(entry.path) for entry in entries)
    result = await run(f"find {paths} -maxdepth 0 -printf '%y %m %U %G %s %T@ %p\\n' 2>/dev/null", timeout=30.0)
    state: dict[str, tuple[str, str]] = {}
    for line in result.stdout.splitlines():
        fields = line.split(" ", 6)
        if len(fields) == 7:
            state[fields[6]] = (fields[0], " ".join(fields[1:6]))
    return state


def build_report(
    strategy: Strategy, entries: list[_Entry], host_state: dict[str, tuple[str, str]], stderr: str
) -> ConfinementReport:
    """Tell the throwaway layers' entries apart: a whiteout over an existing path is a deletion, a path the
    host lacks was created, one whose type, mode, owner (and for files size and mtime) differ was modified;
    a copy made only because a file was opened for writing, or the parent directory of a change, is left out.
    """
    changes: dict[str, PathChange] = {}
    for entry in entries:
        on_host = host_state.get(entry.path)
        kind: Literal["created", "modified", "deleted"] | None
        if entry.kind == "c":
            kind = "deleted" if on_host else None
        elif on_host is None:
            kind = "created"
        else:
            host_kind, host_meta = on_host
            kind = None if host_kind == entry.kind and _same(strategy, entry, host_meta) else "modified"
        if kind is not None:
            changes.setdefault(entry.path, PathChange(path=entry.path, kind=kind))
    denied = tuple(dict.fromkeys(line.strip() for line in stderr.splitlines() if _DENIED.search(line)))
    return ConfinementReport(mode=MODE_LABELS[strategy], changes=tuple(changes.values()), denied=denied)


def _same(strategy: Strategy, entry: _Entry, host_meta: str) -> bool:
    """Mode and owner, and for anything but a directory size and mtime too. Inside a user namespace ids read
    as mapped there (the user is 0), so owners are not compared in that mode."""
    ours, theirs = entry.meta.split(), host_meta.split()
    fields = [0, 3, 4] if entry.kind != "d" else [0]
    if strategy != "userns":
        fields += [1, 2]
    return all(ours[i] == theirs[i] for i in fields if i < min(len(ours), len(theirs)))


async def probe_confinement(run: RunFunction, *, host: str, shell: str = "") -> Confinement:
    """The best strategy that works on the host behind `run`, tried for real; never raises."""
    facts = await run(_PROBE, timeout=30.0)
    if not facts.ok:
        return Confinement(None, f"the probe did not run: {_problem(facts)}", settled=False)
    values: dict[str, list[str]] = {}
    for line in facts.stdout.splitlines():
        key, _, value = line.partition(" ")
        values.setdefault(key, []).append(value.strip())
    if missing := values.get("missing"):
        return Confinement(None, f"{', '.join(missing)} not found on the host")
    if values.get("userns") == ["0"]:
        return Confinement(None, "user namespaces are disabled (user.max_user_namespaces = 0)")
    candidates: list[Strategy] = ["userns"]
    if values.get("uid") == ["0"]:
        candidates = ["root"]
    elif values.get("sudo"):
        candidates = ["sudo", "userns"]
    problem = ""
    for strategy in candidates:
        trial = await run_confined(run, strategy, "true", host=host, shell=shell, timeout=30.0)
        if trial.ok:
            return Confinement(strategy)
        if trial.ended is not Ended.EXITED and not (trial.error or "").startswith("could not confine"):
            # The connection failed, not the confinement: decide on the next connection.
            return Confinement(None, f"the probe did not finish: {_problem(trial)}", settled=False)
        problem = _problem(trial)
    return Confinement(None, f"confinement did not work here ({problem})")


def unconfinable(host: str, mode: Confinement) -> RunResult:
    """The result of `run(confine=True)` on a host that cannot confine: nothing ran."""
    return RunResult(
        exit_status=None,
        stdout="",
        stderr="",
        duration=0.0,
        ended=Ended.NOT_STARTED,
        error=f"host {host!r} cannot confine commands ({mode.label}); the command did not run",
    )


def _problem(result: RunResult) -> str:
    text = result.error or result.stderr or f"exit status {result.exit_status}"
    return " ".join(text.split())[:300]
