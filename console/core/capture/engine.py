"""Capture before a change, restore on rollback: the strategies the classifier names, put together.

Before the operator decides, `plan_capture` works out what would be captured — the footprint resolved on the
host (`footprint.py`), sizes, current checksums for the approval digest — and says in plain words, part by
part, what cannot be rolled back (NO ROLLBACK). Right before running the same is worked out again (globs
re-expanded, paths re-resolved): a different footprint is drift. `take_capture` captures it into the local
blob store. `restore_snapshot` puts everything back with each strategy's own tool and reports, per target,
what is not as captured (nothing: "restored and verified"). Diffs are in `diff.py`.
"""

from __future__ import annotations

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
from console.core.capture.files import FilesCaptureError, FilesSnapshot, restore_files, take_files
from console.core.capture.footprint import CriticalCheck, resolve_footprint
from console.core.capture.names import shown
from console.core.capture.paths import HostPathError, PathState, describe
from console.core.capture.system_state import (
    FIREWALL_FILES,
    CrontabSnapshot,
    FirewallSnapshot,
    StateCaptureError,
    UnitSnapshot,
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

NOTHING_CAPTURABLE = "nothing this command changes can be captured, so it cannot be undone by hitl."


class CaptureError(HitlError):
    """Capture or restore failed; the message is for the operator."""


def human_size(size: int) -> str:
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
    """Physical paths on the host (shown form), outermost only."""
    path_states: dict[str, PathState] = field(default_factory=dict)
    links: dict[str, str] = field(default_factory=dict)
    """A symlink among the paths -> the file a write through it lands in (captured too)."""
    crontabs: list[str] = field(default_factory=list)
    units: list[str] = field(default_factory=list)
    firewalls: list[str] = field(default_factory=list)
    dumps: list[DumpTarget] = field(default_factory=list)
    post_commands: list[str] = field(default_factory=list)
    no_rollback: list[str] = field(default_factory=list)
    """Plain-words reasons why (part of) the change cannot be rolled back."""
    critical: list[str] = field(default_factory=list)
    """Why the change is DESTRUCTIVE once its paths are resolved on the host (a write landing on /etc/shadow)."""

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
                line = f"{path} does not exist yet: a rollback removes it"
            else:
                line = f"{state.kind} {path} ({human_size(state.size)}, mode {state.mode:o})"
                if state.kind == "symlink" and path in self.links:
                    line += f", written through to {self.links[path]}"
                if state.hard_linked:
                    line += (
                        f"; one of {state.nlink} hard links: a rollback writes the old content back in place, so "
                        "every name sees it; if the command replaces this name instead of writing into it, its "
                        "link to the other names cannot be restored"
                    )
            lines.append(line)
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


async def plan_capture(
    classification: Classification,
    transport: Transport,
    *,
    cwd: str,
    size_cap: int,
    critical: CriticalCheck,
) -> CapturePlan:
    """Decide what to capture for `classification`, in the session's working directory `cwd` on the host.
    Never raises for the operator's sake: problems become NO ROLLBACK lines, which the approval dialog shows
    before the decision. `critical` is the classifier's critical-path predicate, applied to resolved paths."""
    plan = CapturePlan(command=classification.command)
    strategies = set(classification.capture)
    others = [t for t in classification.targets if t.kind in ("path", "sqlite")]
    if classification.footprint or others:
        try:
            found = await resolve_footprint(classification.footprint, others, transport, cwd=cwd, critical=critical)
        except HostPathError as error:
            plan.no_rollback.append(f"the files cannot be captured: {error}.")
        else:
            plan.critical = found.critical
            plan.no_rollback += found.unknown
            known = {shown(path): state for path, state in found.states.items()}
            await _plan_files(plan, transport, found.shown, size_cap, known)
            plan.links = {shown(link): shown(target) for link, target in found.links.items()}
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
        said = "; ".join(classification.uncaptured)
        plan.no_rollback.append(f"{NOTHING_CAPTURABLE[:-1]}: {said}." if said else NOTHING_CAPTURABLE)
    elif classification.uncaptured:
        plan.no_rollback += [f"{reason} — hitl cannot capture that part." for reason in classification.uncaptured]
    return plan


async def _plan_files(
    plan: CapturePlan, transport: Transport, paths: list[str], size_cap: int, known: dict[str, PathState]
) -> None:
    if not paths:
        return
    try:
        states = {p: known[p] for p in paths} if all(p in known for p in paths) else await describe(transport, paths)
    except HostPathError as error:
        plan.no_rollback.append(f"the files cannot be captured: {error}.")
        return
    kept: list[str] = []
    over: list[str] = []
    total = 0
    for path in paths:  # within the cap as far as it goes; what does not fit is said, part by part
        size = states[path].size if states[path].exists else 0
        if total + size <= size_cap:
            kept.append(path)
            total += size
        else:
            over.append(path)
    if over:
        size = sum(states[p].size for p in over)
        plan.no_rollback.append(
            f"capturing {', '.join(over)} would take {human_size(size)} more, over the capture size cap of "
            f"{human_size(size_cap)}; {'it is' if len(over) == 1 else 'they are'} not captured."
        )
    plan.paths += kept
    plan.path_states.update({p: states[p] for p in kept})


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
    def files(self) -> list[FilesSnapshot]:
        return [FilesSnapshot.from_json(item["data"]) for item in self.items if item["strategy"] == "files"]

    @property
    def paths(self) -> list[str]:
        """The paths the `files` items captured (shown form)."""
        return [state.path for files in self.files for state in files.states]

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
                    states = FilesSnapshot.from_json(data).states
                    lines += [f"{s.path} ({'absent' if not s.exists else s.kind})" for s in states]
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
    states: dict[str, PathState] | None = None,
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
                plan.paths += [s.path for s in FilesSnapshot.from_json(data).states]
            case "crontab":
                plan.crontabs.append(data["user"])
            case "unit-state":
                plan.units.append(data["unit"])
            case "firewall":
                plan.firewalls.append(data["tool"])
            case "dump":
                plan.dumps.append(DumpSnapshot.from_json(data).target)
    return plan


@dataclass
class Restored:
    """What a restore did: what is not as captured, one sentence per target (none: every target was restored
    and verified), and the files' states as verified (the undo point's "after")."""

    problems: list[str] = field(default_factory=list)
    states: dict[str, PathState] = field(default_factory=dict)


async def restore_snapshot(snapshot: Snapshot, transport: Transport, store: BlobStore) -> Restored:
    """Restore everything in `snapshot`, in reverse order of capture, and check it. Raises `CaptureError` only
    when the captured data is gone."""
    restored = Restored()
    problems = restored.problems
    for item in reversed(snapshot.items):
        data = item["data"]
        try:
            match item["strategy"]:
                case "files":
                    found, states = await restore_files(transport, FilesSnapshot.from_json(data), store)
                    problems += found
                    restored.states.update(states)
                case "crontab":
                    await restore_crontab(transport, CrontabSnapshot(user=data["user"], blob=data["blob"]), store)
                case "unit-state":
                    await restore_unit(transport, UnitSnapshot(**data))
                case "firewall":
                    await restore_firewall(transport, FirewallSnapshot(**data), store)
                case "dump":
                    await restore_dump(transport, DumpSnapshot.from_json(data), store)
        except BlobError as error:
            raise CaptureError(f"rollback failed: {error}") from None
        except CaptureErrors as error:
            problems.append(str(error))
    for command in snapshot.post_commands:
        result = await transport.run(command, timeout=120)
        if not result.ok:
            problems.append(f"`{command}` after the restore failed: {result.stderr.strip() or result.error}")
    return restored
