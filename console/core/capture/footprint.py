"""The footprint: the paths a command will really touch, found on the host before anyone decides.

The classifier reads the text (`Classification.footprint`: each path as written, with the directory the line
moved to and whose home `~` is). The host says where that is:

- `~`, `~user` (and `$HOME`, which the classifier writes `~`) are looked up on the host, for the user the shell
  runs as (`$HOME` of the login shell, else the passwd entry);
- relative paths start in the session's working directory on the host;
- every directory component is resolved physically, as the kernel does (`realpath -e` on the host: symlinks
  and `..` after them), the last component is kept; when it is a symlink, what it points to is added too (a
  write through it lands in that file, or inside that directory: `cp x link`, `rm -r link/`), except a whole
  system tree (`/`, `/etc`), which is said instead; a path whose directory does not exist yet keeps the
  missing part as written (but `..` after a missing name is only known at run time);
- globs are expanded by the host's `sh` in the directory before the first glob component, and a glob that
  matches nothing is the literal name (which bash passes on, and `touch` would create);
- names are bytes all the way (`names.py`, `host.py`).

What cannot be determined is never guessed: a directory only known at run time, a symlink loop or a dangling
symlink on the way, `cd` through a symlink and `..` (where bash's logical `cd` and the kernel disagree), an
unknown user. Each becomes a plain sentence for NO ROLLBACK. Every resolved path (and link target) is checked
with the classifier's critical-path predicate: a write that lands on /etc/shadow is DESTRUCTIVE however it
was spelled.
"""

from __future__ import annotations

import os
import posixpath
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from console.core.capture.host import HostScriptError, run_script
from console.core.capture.names import shown
from console.core.capture.paths import DESCRIBE_ONE, FIELDS, HostPathError, PathState, absent, state_from
from console.core.classify.model import Target
from console.core.transport.base import Transport

WHOLE_TREE = "a whole system tree"
"""What the classifier's critical-path predicate says of /, /etc, /usr...: never captured as a link's target."""

CriticalCheck = Callable[[str], str | None]
"""Why writing a path (as `os.fsdecode` text) is DESTRUCTIVE, or None (the classifier's `critical_reason`)."""

_GLOB = re.compile(rb"[*?\[]")

_HOMES = r"""
for a; do
  hitl_arg "$a"; u=$hitl_v
  if [ -z "$u" ]; then out "$HOME"; continue; fi
  case $u in '#'*) e=$(getent passwd "${u#?}") ;; *) e=$(getent passwd "$u") ;; esac
  [ -n "$e" ] || { out ""; continue; }
  out "$(printf '%s\n' "$e" | cut -d: -f6)"
done
"""

# Entries: P PARENT BASE (a path), G BASE PATTERN LITERAL-PARENT LITERAL-BASE (a glob), A LOGICAL RAW (does a
# directory with `..` lie where `cd` thinks). Each entry's answer starts with `E`; each path found is described
# at once (`S` and the ten fields of `describe_one`), so resolving costs one round trip.
_RESOLVE = (
    DESCRIBE_ONE
    + r"""
phys() {
  d=$1; t=
  while :; do
    r=$(realpath -e -- "$d" 2>/dev/null; printf x)
    if [ "$r" != x ]; then r=${r%?x}; return 0; fi
    m=$(realpath -e -- "$d" 2>&1 >/dev/null)
    case $m in
      *"No such file"*) ;;
      *"Too many levels"*) c=loop; w=$d; return 1 ;;
      *"Not a directory"*) c=notdir; w=$d; return 1 ;;
      *"Permission denied"*) c=denied; w=$d; return 1 ;;
      *) c=other; w=$d; return 1 ;;
    esac
    if [ -L "$d" ]; then c=dangling; w=$d; return 1; fi
    case $d in
      */*) t=${d##*/}${t:+/$t}; d=${d%/*}; [ -n "$d" ] || d=/ ;;
      *) t=$d${t:+/$t}; d=. ;;
    esac
  done
}
resolve() {
  if ! phys "$1"; then out X "$c" "$w"; return 0; fi
  out P "$r" "$t" "$2"
  [ -z "$t" ] || return 0
  if [ -n "$2" ]; then p=${r%/}/$2; else p=$r; fi
  out S; describe_one "$p" || exit 3
  [ -L "$p" ] || return 0
  l=$(readlink -f -- "$p" 2>/dev/null; printf x)
  [ "$l" != x ] || return 0
  if [ -d "$p" ]; then out L "${l%?x}" 1; else out L "${l%?x}" 0; out S; describe_one "${l%?x}" || exit 3; fi
}
while [ $# -gt 0 ]; do
  kind=$1; shift
  out E
  case $kind in
    P) hitl_arg "$1"; a=$hitl_v; hitl_arg "$2"; b=$hitl_v; shift 2; resolve "$a" "$b" ;;
    G) hitl_arg "$1"; base=$hitl_v; hitl_arg "$2"; pat=$hitl_v; hitl_arg "$3"; lp=$hitl_v; hitl_arg "$4"; lb=$hitl_v
       shift 4
       found=$( (cd -- "$base" 2>/dev/null || exit 0
                 IFS=; set +f
                 for m in $pat; do
                   [ -e "$m" ] || [ -L "$m" ] || continue
                   printf 1 >&4
                   case $m in */*) resolve "./${m%/*}" "${m##*/}" ;; *) resolve . "$m" ;; esac
                 done) 4>&1 >&5)
       [ -n "$found" ] || { out N; resolve "$lp" "$lb"; } ;;
    A) hitl_arg "$1"; a=$hitl_v; hitl_arg "$2"; b=$hitl_v; shift 2
       if phys "$a"; then first=$r/$t; else first=; fi
       if phys "$b" && [ "$first" = "$r/$t" ]; then out A same; else out A differ; fi ;;
  esac
done 5>&1
"""
)

_WHY = {
    "loop": "a loop of symbolic links",
    "notdir": "a file where a directory is expected",
    "denied": "a directory hitl may not read",
    "dangling": "a symbolic link to nothing",
    "other": "a path the host cannot resolve",
}


@dataclass
class Footprint:
    """What the command will touch on the host, and what about it cannot be known."""

    paths: list[bytes] = field(default_factory=list)
    """Physical paths the `files` strategy captures (outermost only: a captured directory covers its tree)."""
    links: dict[bytes, bytes] = field(default_factory=dict)
    """A symlink among the paths -> the file a write through it lands in (also captured)."""
    unknown: list[str] = field(default_factory=list)
    """Plain sentences: parts whose footprint cannot be determined (NO ROLLBACK for them)."""
    critical: list[str] = field(default_factory=list)
    """Reasons the command is DESTRUCTIVE once resolved: a write that lands on a critical path."""
    states: dict[bytes, PathState] = field(default_factory=dict)
    """The state of every path found, read while resolving (keyed by the physical path)."""

    @property
    def shown(self) -> list[str]:
        return [shown(p) for p in self.paths]


@dataclass(frozen=True, slots=True)
class _Entry:
    target: Target
    args: tuple[bytes, ...]
    kind: str  # "P", "G" or "A"


async def resolve_footprint(
    footprint: Sequence[Target],
    others: Sequence[Target],
    transport: Transport,
    *,
    cwd: str,
    critical: CriticalCheck,
) -> Footprint:
    """Resolve `footprint` (captured) and `others` (path targets nothing captures, checked for critical paths
    only) on the host, in the session's working directory `cwd`. Raises `HostPathError` when the host cannot
    be asked; what it cannot answer goes to `Footprint.unknown`."""
    result = Footprint()
    captured = set(footprint)
    targets = [*footprint, *(t for t in others if t not in captured and t.kind in ("path", "sqlite"))]
    spelled: dict[Target, bytes] = {}
    for target in targets:
        why = _undeterminable(target)
        if why is None:
            spelled[target] = target.name
        elif target in captured:
            result.unknown.append(why)
    homes = await _homes(transport, spelled, cwd)
    entries: list[_Entry] = []
    for target, written in spelled.items():
        name = written
        if written.startswith(b"~"):
            user, _, rest = written[1:].partition(b"/")
            home = homes.get(user, b"")
            if not home.startswith(b"/"):
                if target in captured:
                    who = "the login user" if not user else f"user {user.decode(errors='replace')}"
                    result.unknown.append(f"{target.value}: the host has no home directory for {who}.")
                continue
            name = home.rstrip(b"/") + b"/" + rest if rest else home
        entries.extend(_entries(target, name))
    await _resolve(transport, entries, cwd=cwd, result=result, captured=captured, critical=critical)
    result.paths = _outermost(result.paths)
    return result


def _undeterminable(target: Target) -> str | None:
    if not target.cwd_known:
        return f"{target.value}: its working directory is only known at run time."
    if "$" in target.value or "`" in target.value:
        return f"{target.value}: the path is only known at run time."
    if target.value.startswith(("~+", "~-")):
        return f"{target.value}: `~+` and `~-` depend on the shell's directory stack."
    return None


async def _homes(transport: Transport, spelled: dict[Target, bytes], cwd: str) -> dict[bytes, bytes]:
    users = sorted({name[1:].partition(b"/")[0] for name in spelled.values() if name.startswith(b"~")})
    if not users:
        return {}
    try:
        output = await run_script(transport, _HOMES, users, what="finding home directories", cwd=cwd)
    except HostScriptError as error:
        raise HostPathError(str(error)) from None
    if output.status != 0 or len(output.fields) != len(users):
        raise HostPathError(f"cannot find home directories on {transport.name}: {output.stderr or 'no answer'}")
    return dict(zip(users, output.fields, strict=True))


def _entries(target: Target, name: bytes) -> list[_Entry]:
    """What the resolver script is asked about one target: its path or glob, and whether the directory the line
    moved to (when it goes through `..`) lies where `cd` thinks."""
    entries = []
    directory = _moved_to(target, name)
    if directory is not None and b".." in directory.split(b"/"):
        entries.append(_Entry(target, (_normal(directory, logical=True), directory), "A"))
    path = _normal(name)
    parent, base = _split(path)
    glob = _GLOB.search(path)
    if glob is None:
        entries.append(_Entry(target, (parent, base), "P"))
    else:
        cut = path.rfind(b"/", 0, glob.start())
        root, pattern = (path[:cut] or b"/", path[cut + 1 :]) if cut >= 0 else (b".", path)
        entries.append(_Entry(target, (root, pattern, parent, base), "G"))
    return entries


def _moved_to(target: Target, name: bytes) -> bytes | None:
    """The bytes of the directory the line moved to, when `name` is written relative to it."""
    if not target.cwd or not (target.value == target.cwd or target.value.startswith(target.cwd.rstrip("/") + "/")):
        return None
    parts = len(target.cwd.rstrip("/").split("/"))
    return b"/".join(name.split(b"/")[:parts]) or b"/"


def _normal(path: bytes, *, logical: bool = False) -> bytes:
    """Repeated slashes and `.` dropped, trailing slashes too; `..` kept (the host resolves it physically)
    unless `logical` (as bash's `cd` reads it: `a/..` is gone)."""
    absolute = path.startswith(b"/")
    parts: list[bytes] = []
    for part in path.split(b"/"):
        if part in (b"", b"."):
            continue
        if logical and part == b".." and parts and parts[-1] != b"..":
            parts.pop()
            continue
        if logical and part == b".." and absolute and not parts:
            continue
        parts.append(part)
    joined = b"/".join(parts)
    return b"/" + joined if absolute else joined or b"."


def _split(path: bytes) -> tuple[bytes, bytes]:
    """(directory, last component); the component is empty when the path names a directory by `.`/`..`/`/`."""
    if path in (b"/", b".") or path.endswith(b"/..") or path == b"..":
        return path, b""
    head, _, tail = path.rpartition(b"/")
    if not _:
        return b".", tail
    return head or b"/", tail


async def _resolve(
    transport: Transport,
    entries: list[_Entry],
    *,
    cwd: str,
    result: Footprint,
    captured: set[Target],
    critical: CriticalCheck,
) -> None:
    if not entries:
        return
    args: list[bytes | str] = []
    for entry in entries:
        args += [entry.kind, *entry.args]
    try:
        output = await run_script(transport, _RESOLVE, args, what="resolving paths", cwd=cwd)
    except HostScriptError as error:
        raise HostPathError(str(error)) from None
    if output.status != 0:
        raise HostPathError(f"cannot resolve paths on {transport.name}: {output.stderr or 'no answer'}")
    answers = _answers(output.fields)
    if len(answers) != len(entries):
        raise HostPathError(f"cannot resolve paths on {transport.name}: the answer was cut short")
    ambiguous: set[Target] = set()
    last = b""
    for entry, answer in zip(entries, answers, strict=True):
        target = entry.target
        keep = target in captured and target not in ambiguous
        if entry.kind == "A":
            if answer != [[b"A", b"same"]]:
                ambiguous.add(target)
                if target in captured:
                    result.unknown.append(
                        f"{target.value}: the directory {target.cwd} passes `..` after a symbolic link, where the "
                        "shell's `cd` and the kernel disagree about where it is."
                    )
            continue
        for record in answer:
            if record[0] == b"X":
                if keep and record[1] != b"notdir":  # below a file nothing can be written: nothing changes
                    where = shown(record[2])
                    result.unknown.append(
                        f"{target.value}: {where} is {_WHY.get(record[1].decode(), _WHY['other'])}, so hitl "
                        "cannot tell where the command writes."
                    )
            elif record[0] == b"P" and b".." in record[2].split(b"/"):
                if keep:  # `new/../x`: where `..` leads is only known once `new` exists (dir or symlink?)
                    missing = shown(record[2].split(b"/..")[0].split(b"/")[-1] or record[2])
                    result.unknown.append(
                        f"{target.value}: `..` follows {missing}, which does not exist yet, so where it leads is "
                        "only known at run time."
                    )
                last = b""
            elif record[0] == b"P":
                path = last = _joined(record[1], record[2], record[3])
                _check(result, target, path, critical)
                if record[2]:  # below a directory that does not exist yet
                    result.states[path] = absent(shown(path))
                if keep:
                    result.paths.append(path)
                    if target.kind == "sqlite":
                        result.paths.append(path + b"-wal")
            elif record[0] == b"S":
                result.states[last] = state_from(shown(last), record[1:])
            elif record[0] == b"L":
                _check(result, target, record[1], critical, via=last)
                if keep and record[2] == b"1" and critical(os.fsdecode(record[1])) == WHOLE_TREE:
                    result.unknown.append(
                        f"{target.value}: {shown(last)} is a symbolic link to {shown(record[1])}, {WHOLE_TREE}: "
                        "what the command writes inside it is not captured."
                    )
                elif keep:  # a write through it lands in the file, or inside the directory (`cp x link`, `rm -r link/`)
                    result.paths.append(record[1])
                    result.links[last] = record[1]
                last = record[1]


def _answers(fields: list[bytes]) -> list[list[list[bytes]]]:
    """The script's fields grouped into entries (`E`) and records (`P` 3 fields, `S` 10, `L` 2, `X` 2, `A` 1,
    `N` 0)."""
    sizes = {b"P": 3, b"L": 2, b"X": 2, b"A": 1, b"N": 0, b"S": FIELDS}
    answers: list[list[list[bytes]]] = []
    i = 0
    while i < len(fields):
        tag = fields[i]
        if tag == b"E":
            answers.append([])
            i += 1
            continue
        size = sizes.get(tag)
        if size is None or not answers or i + size >= len(fields):
            raise HostPathError("the host's answer about paths could not be read")
        answers[-1].append(fields[i : i + 1 + size])
        i += 1 + size
    return answers


def _joined(directory: bytes, missing: bytes, base: bytes) -> bytes:
    """The physical path: the existing directory, the part that does not exist yet (as written), the name."""
    path = directory
    if missing:
        path = posixpath.normpath(directory.rstrip(b"/") + b"/" + missing)
        if path.startswith(b"//"):
            path = path[1:]
    if base:
        path = path.rstrip(b"/") + b"/" + base
    return path


def _check(result: Footprint, target: Target, path: bytes, critical: CriticalCheck, *, via: bytes = b"") -> None:
    why = critical(os.fsdecode(path))
    if why is None or critical(target.value) is not None:
        return  # not critical, or already judged on the text by the classifier
    how = f" through the symbolic link {shown(via)}" if via else ""
    sentence = f"`{target.value}` is {shown(path)}{how} on the host, {why}"
    if sentence not in result.critical:
        result.critical.append(sentence)


def _outermost(paths: list[bytes]) -> list[bytes]:
    """Sorted, without duplicates and without paths inside another one: a directory's capture covers them."""
    unique = sorted(set(paths))
    return [p for p in unique if not any(p != q and p.startswith(q.rstrip(b"/") + b"/") for q in unique)]
