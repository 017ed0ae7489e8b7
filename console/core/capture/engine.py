"""Capture before a change, restore on rollback: the strategies the classifier names, put together.

Before the operator decides, `plan_capture` works out what would be captured (globs resolved on the host,
sizes, current checksums for the approval digest) or says in plain words why there will be NO ROLLBACK.
Right before running, `take_capture` captures it into the local blob store. `restore_snapshot` puts it back
with each strategy's own tool and verifies; `snapshot_diff` shows what a rollback would change.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from console.core.capture.blobs import BlobError, BlobStore
from console.core.capture.databases import (
    HOST_CREDENTIALS,
    DatabaseCaptureError,
    DumpSnapshot,
    DumpTarget,
    dump_target,
    restore_dump,
    take_dump,
)
from console.core.capture.files import (
    FilesCaptureError,
    FilesSnapshot,
    file_contents,
    restore_files,
    take_files,
)
from console.core.capture.paths import HostPathError, PathState, describe, resolve, with_link_targets
from console.core.capture.system_state import (
    FIREWALL_FILES,
    CrontabSnapshot,
    FirewallSnapshot,
    StateCaptureError,
    UnitSnapshot,
    read_crontab,
    read_unit,
    restore_crontab,
    restore_firewall,
    restore_unit,
    take_crontab,
    take_firewall,
)
from console.core.classify.model import Classification
from console.core.errors import HitlError
from console.core.transport.base import Transport
from console.core.transport.errors import TransportError

CaptureErrors = (FilesCaptureError, StateCaptureError, DatabaseCaptureError, HostPathError, BlobError, TransportError)
"""Everything a capture, restore or diff can meet: each strategy's own error, the local store losing or refusing
data (a deleted blob, a tar over the size cap), and the host failing a file operation (a tar that could not read
a file, a connection lost mid-stream). All become a `CaptureError`, so the session records them instead of
leaving a traceback and an action that never finishes."""


class CaptureError(HitlError):
    """Capture or restore failed; the message is for the operator."""


def _human_size(size: int) -> str:
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"


@dataclass
class CapturePlan:
    """What will be captured before the command runs, decided before the operator is asked."""

    command: str
    paths: list[str] = field(default_factory=list)
    path_states: dict[str, PathState] = field(default_factory=dict)
    crontabs: list[str] = field(default_factory=list)
    units: list[str] = field(default_factory=list)
    firewalls: list[str] = field(default_factory=list)
    dumps: list[DumpTarget] = field(default_factory=list)
    post_commands: list[str] = field(default_factory=list)
    no_rollback: list[str] = field(default_factory=list)
    """Plain-words reasons why (part of) the change cannot be rolled back."""

    @property
    def checksums(self) -> dict[str, str]:
        """Target checksums the approval digest is bound to."""
        return {path: state.checksum for path, state in self.path_states.items()}

    @property
    def captures_anything(self) -> bool:
        return bool(self.paths or self.crontabs or self.units or self.firewalls or self.dumps)

    def describe(self) -> list[str]:
        lines: list[str] = []
        for path in self.paths:
            state = self.path_states.get(path)
            if state is None or not state.exists:
                lines.append(f"{path} does not exist yet: a rollback removes it")
            else:
                lines.append(f"{state.kind} {path} ({_human_size(state.size)}, mode {state.mode:o})")
        lines += [f"crontab of {user or 'the login user'}" for user in self.crontabs]
        lines += [f"enablement and active state of {unit}" for unit in self.units]
        lines += [f"{tool} rules" for tool in self.firewalls]
        lines += [f"{'pg_dump' if d.engine == 'postgres' else 'mysqldump'} of {d}" for d in self.dumps]
        return lines

    def summary(self) -> str:
        parts: list[str] = []
        if self.captures_anything:
            parts.append("Captured first: " + "; ".join(self.describe()))
        if self.no_rollback:
            parts.append("NO ROLLBACK: " + " ".join(self.no_rollback))
        return "\n".join(parts) if parts else "Nothing to capture."


async def plan_capture(classification: Classification, transport: Transport, *, cwd: str, size_cap: int) -> CapturePlan:
    """Decide what to capture for `classification`; never raises for the operator's sake — problems become
    NO ROLLBACK lines, which the approval dialog shows before the decision."""
    plan = CapturePlan(command=classification.command)
    strategies = set(classification.capture)
    path_targets = [t.value for t in classification.targets if t.kind == "path"]
    if not strategies:
        plan.no_rollback.append("nothing this command changes can be captured, so it cannot be undone by hitl.")
        return plan
    if "files" in strategies or "sqlite" in strategies:
        raw = path_targets + [
            f"{t.value}{suffix}" for t in classification.targets if t.kind == "sqlite" for suffix in ("", "-wal")
        ]
        try:
            plan.paths = await with_link_targets(transport, await resolve(transport, raw, cwd))
            plan.path_states = await describe(transport, plan.paths)
        except HostPathError as error:
            plan.paths, plan.path_states = [], {}
            plan.no_rollback.append(f"the files cannot be captured: {error}.")
        total = sum(s.size for s in plan.path_states.values() if s.exists)
        if total > size_cap:
            plan.no_rollback.append(
                f"capturing {', '.join(plan.paths)} would take {_human_size(total)}, over the capture size cap of "
                f"{_human_size(size_cap)}; the files are not captured."
            )
            plan.paths, plan.path_states = [], {}
    if "crontab" in strategies:
        plan.crontabs = [t.value for t in classification.targets if t.kind == "crontab"] or [""]
    if "unit-state" in strategies:
        plan.units = [t.value for t in classification.targets if t.kind == "unit"]
    if "firewall" in strategies:
        for target in (t.value for t in classification.targets if t.kind == "firewall"):
            if target in FIREWALL_FILES:
                directory, reload_command = FIREWALL_FILES[target]
                try:
                    plan.path_states.update(await describe(transport, [directory]))
                except HostPathError as error:
                    plan.no_rollback.append(f"the {target} rules cannot be captured: {error}.")
                    continue
                plan.paths.append(directory)
                plan.post_commands.append(reload_command)
            else:
                plan.firewalls.append(target)
    for strategy, engine in (("pg_dump", "postgres"), ("mysqldump", "mysql")):
        if strategy in strategies:
            targets = [t.value for t in classification.targets if t.kind == engine]
            try:
                plan.dumps += [dump_target(classification.command, engine, target) for target in targets]  # type: ignore[arg-type]
            except DatabaseCaptureError as error:
                plan.no_rollback.append(f"{strategy} cannot run: {error}.")
            if not targets:
                plan.no_rollback.append(f"the database the command changes is not named, so {strategy} cannot run.")
    if not plan.captures_anything and not plan.no_rollback:
        plan.no_rollback.append("hitl found nothing it can capture for this command.")
    return plan


@dataclass
class Snapshot:
    """What was captured; JSON-serialisable through `to_json` for the rollback point's artifacts."""

    items: list[dict[str, Any]]
    post_commands: list[str]

    @property
    def blobs(self) -> list[str]:
        found: list[str] = []
        for item in self.items:
            data = item["data"]
            if data.get("blob"):
                found.append(data["blob"])
        return found

    @property
    def paths(self) -> list[str]:
        """The paths the `files` items captured."""
        return [s["path"] for item in self.items if item["strategy"] == "files" for s in item["data"]["states"]]

    def to_json(self) -> dict[str, Any]:
        return {"items": self.items, "post_commands": self.post_commands, "blobs": self.blobs}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Snapshot:
        return cls(items=list(data["items"]), post_commands=list(data.get("post_commands", [])))

    def describe(self) -> list[str]:
        lines: list[str] = []
        for item in self.items:
            data = item["data"]
            match item["strategy"]:
                case "files":
                    lines += [f"{s['path']} ({'absent' if not s['exists'] else s['kind']})" for s in data["states"]]
                case "crontab":
                    lines.append(f"crontab of {data['user'] or 'the login user'}")
                case "unit-state":
                    lines.append(f"{data['unit']}: {data['enabled']}, {data['active']}")
                case "firewall":
                    lines.append(f"{data['tool']} rules")
                case "dump":
                    lines.append(f"{data['engine']} dump of {data['database']}.{data['table'] or '*'}")
                    if data.get("credentials_dropped"):
                        lines.append(HOST_CREDENTIALS)
        return lines


async def take_capture(
    plan: CapturePlan,
    transport: Transport,
    store: BlobStore,
    *,
    size_cap: int,
    states: Mapping[str, PathState] | None = None,
) -> Snapshot:
    """Capture everything `plan` names. `states`: the paths' state just looked at (the approval re-check), so
    the files are not hashed a second time."""
    items: list[dict[str, Any]] = []
    try:
        store.check_room(sum(state.size for state in plan.path_states.values() if state.exists))
        if plan.paths:
            files = await take_files(transport, plan.paths, store, size_cap=size_cap, states=states)
            items.append({"strategy": "files", "data": files.to_json()})
        for user in plan.crontabs:
            items.append({"strategy": "crontab", "data": (await take_crontab(transport, user, store)).to_json()})
        for unit in plan.units:
            items.append({"strategy": "unit-state", "data": (await read_unit(transport, unit)).to_json()})
        for tool in plan.firewalls:
            items.append({"strategy": "firewall", "data": (await take_firewall(transport, tool, store)).to_json()})
        for target in plan.dumps:
            dump = await take_dump(transport, target, store)
            items.append({"strategy": "dump", "data": dump.to_json()})
    except CaptureErrors as error:
        raise CaptureError(f"capture before the change failed, so the command was not run: {error}") from None
    return Snapshot(items=items, post_commands=list(plan.post_commands))


def plan_from_snapshot(snapshot: Snapshot, command: str) -> CapturePlan:
    """A plan that captures the same things again (a rollback captures the current state first)."""
    plan = CapturePlan(command=command, post_commands=list(snapshot.post_commands))
    for item in snapshot.items:
        data = item["data"]
        match item["strategy"]:
            case "files":
                plan.paths += [s["path"] for s in data["states"]]
            case "crontab":
                plan.crontabs.append(data["user"])
            case "unit-state":
                plan.units.append(data["unit"])
            case "firewall":
                plan.firewalls.append(data["tool"])
            case "dump":
                plan.dumps.append(DumpSnapshot.from_json(data).target)
    return plan


async def restore_snapshot(snapshot: Snapshot, transport: Transport, store: BlobStore) -> None:
    """Restore everything in `snapshot`, in reverse order of capture, each verified."""
    try:
        for item in reversed(snapshot.items):
            data = item["data"]
            match item["strategy"]:
                case "files":
                    await restore_files(transport, FilesSnapshot.from_json(data), store)
                case "crontab":
                    await restore_crontab(transport, CrontabSnapshot(user=data["user"], blob=data["blob"]), store)
                case "unit-state":
                    await restore_unit(transport, UnitSnapshot(**data))
                case "firewall":
                    await restore_firewall(transport, FirewallSnapshot(**data), store)
                case "dump":
                    await restore_dump(transport, DumpSnapshot.from_json(data), store)
        for command in snapshot.post_commands:
            result = await transport.run(command, timeout=120)
            if not result.ok:
                raise CaptureError(f"`{command}` after the restore failed: {result.stderr.strip()}")
    except CaptureErrors as error:
        raise CaptureError(f"rollback failed: {error}") from None


def _text_diff(now: bytes, restored: bytes, label: str) -> list[str]:
    """Unified diff from the current content to what the rollback would put back."""
    try:
        current, captured = now.decode(), restored.decode()
    except UnicodeDecodeError:
        return [f"binary file {label} differs\n"]
    return list(
        difflib.unified_diff(
            current.splitlines(keepends=True),
            captured.splitlines(keepends=True),
            f"{label} (now)",
            f"{label} (after rollback)",
        )
    )


async def snapshot_diff(
    snapshot: Snapshot, transport: Transport, store: BlobStore, known: Mapping[str, PathState] | None = None
) -> str:
    """What a rollback would change, current state first: a unified diff for text, a summary otherwise.
    `known`: the paths' state just looked at, reused instead of describing them again."""
    lines: list[str] = []
    try:
        for item in snapshot.items:
            data = item["data"]
            match item["strategy"]:
                case "files":
                    files = FilesSnapshot.from_json(data)
                    captured = file_contents(files, store)
                    now = await current_states(transport, [s.path for s in files.states], known)
                    for state in files.states:
                        current = now[state.path]
                        if state.same_as(current):
                            continue
                        if not state.exists:
                            lines.append(f"{state.path}: exists now, will be removed\n")
                        elif not current.exists:
                            lines.append(f"{state.path}: missing now, will be restored ({state.kind})\n")
                        elif state.kind == "file" and current.kind == "file" and state.digest != current.digest:
                            body = await transport.read_file(state.path)
                            lines += _text_diff(body, captured.get(state.path, b""), state.path)
                        if (
                            state.exists
                            and current.exists
                            and (state.mode, state.uid, state.gid)
                            != (
                                current.mode,
                                current.uid,
                                current.gid,
                            )
                        ):
                            lines.append(
                                f"{state.path}: mode/owner {current.mode:o} {current.uid}:{current.gid} -> "
                                f"{state.mode:o} {state.uid}:{state.gid}\n"
                            )
                        if state.kind == "directory" and state.digest != current.digest and current.exists:
                            lines.append(f"{state.path}: directory tree differs, will be restored as captured\n")
                case "crontab":
                    now_text = await read_crontab(transport, data["user"])
                    before = store.read_bytes(data["blob"]) if data["blob"] else None
                    label = f"crontab({data['user'] or 'login user'})"
                    if before is None and now_text is not None:
                        lines.append(f"{label}: exists now, will be removed\n")
                    elif before is not None:
                        lines += _text_diff((now_text or "").encode(), before, label)
                case "unit-state":
                    current_unit = await read_unit(transport, data["unit"])
                    if (current_unit.enabled, current_unit.active) != (data["enabled"], data["active"]):
                        lines.append(
                            f"{data['unit']}: {current_unit.enabled}/{current_unit.active} -> "
                            f"{data['enabled']}/{data['active']}\n"
                        )
                case "firewall":
                    lines.append(f"{data['tool']} rules will be replaced by the captured rule set\n")
                case "dump":
                    table = data["table"] or "all tables"
                    lines.append(
                        f"{data['engine']} {data['database']}: {table} will be replaced by the captured dump\n"
                    )
                    if data.get("credentials_dropped"):
                        lines.append(f"{data['engine']} {data['database']}: {HOST_CREDENTIALS}\n")
    except CaptureErrors as error:
        raise CaptureError(f"cannot compare with the current state: {error}") from None
    return "".join(lines) if lines else "No difference: the current state already equals the capture.\n"


async def current_states(
    transport: Transport, paths: Sequence[str], known: Mapping[str, PathState] | None = None
) -> dict[str, PathState]:
    """The paths' state now: from `known` (looked at moments ago) where it has them, else from the host."""
    now = {path: known[path] for path in paths if known and path in known}
    missing = [path for path in paths if path not in now]
    if missing:
        now.update(await describe(transport, missing))
    return now


async def changed_since(
    states: dict[str, PathState], transport: Transport, known: Mapping[str, PathState] | None = None
) -> list[str]:
    """Paths whose current state differs from `states` (recorded right after the change ran)."""
    if not states:
        return []
    now = await current_states(transport, list(states), known)
    return [path for path, state in states.items() if not state.same_as(now[path])]
