"""Paths and environment variables that change a tier wherever they appear: critical files, vital trees,
neutral outputs (`/dev/null`) and variables that change what programs run (`PATH`, `LD_PRELOAD`)."""

from __future__ import annotations

import fnmatch
import posixpath
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from console.core.classify.lexicon import Lexicon

_REMOTE_PATH = re.compile(r"^(?:[\w.-]+@)?[\w.-]+:(?!//)")


@dataclass(frozen=True)
class Policy:
    """Paths and environment variables that change a tier wherever they appear."""

    critical_paths: tuple[str, ...] = ()
    vital_paths: tuple[str, ...] = ()
    neutral_paths: frozenset[str] = frozenset()
    dangerous_env: tuple[str, ...] = ()
    verbs: Lexicon = field(default_factory=Lexicon)
    command_env: frozenset[str] = frozenset()  # variables whose value is a command line (`PAGER`)
    prefix_env: frozenset[str] = frozenset()  # dangerous only when assigned on their own (`IFS`)
    _critical: re.Pattern[str] = field(init=False, repr=False, compare=False)
    _env: re.Pattern[str] = field(init=False, repr=False, compare=False)
    _extended: dict[tuple[str, ...], Policy] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # One compiled regular expression per pattern list: these run for every path and assignment.
        object.__setattr__(self, "_critical", _globs(self.critical_paths))
        object.__setattr__(self, "_env", _globs(self.dangerous_env))
        object.__setattr__(self, "_extended", {})

    def with_critical(self, paths: tuple[str, ...]) -> Policy:
        """This policy with `paths` (and everything below them) critical too: hitl's own configuration,
        rules, hosts and data directories, as the session knows them. Cached per set of paths."""
        found = self._extended.get(paths)
        if found is None:
            patterns = [p for path in paths for p in (path.rstrip("/") or "/", (path.rstrip("/") or "") + "/*")]
            critical = self.critical_paths + tuple(patterns)
            found = Policy(
                critical,
                self.vital_paths,
                self.neutral_paths,
                self.dangerous_env,
                self.verbs,
                self.command_env,
                self.prefix_env,
            )
            self._extended[paths] = found
        return found

    def is_critical(self, path: str) -> bool:
        if self._critical.match(path) is not None:
            return True
        if "/." in path or "//" in path or path.startswith("./"):
            # `/etc/./passwd`, `/tmp/../etc/passwd`: checked as written and as the names say (no host lookup)
            normal = posixpath.normpath(path)
            if normal != path and self.is_critical(normal):
                return True
        # `host:path` (scp, rsync): a relative remote path starts in the remote home; `.ssh/x` locally
        # is usually run from the home directory too.
        remote = _REMOTE_PATH.match(path)
        rest = path[remote.end() :] if remote else path
        if rest and rest[0] not in "/~$":
            rest = "~/" + rest
        return rest != path and self._critical.match(rest) is not None

    def is_vital(self, path: str) -> bool:
        stripped = path.rstrip("/") or "/"
        if stripped in self.vital_paths or path in self.vital_paths:
            return True
        return ("/." in path or "//" in path) and posixpath.normpath(path) in self.vital_paths

    def is_dangerous_env(self, name: str) -> bool:
        return self._env.match(name) is not None


def _globs(patterns: Iterable[str]) -> re.Pattern[str]:
    """Shell glob patterns as one anchored regular expression (never matches when there are none)."""
    parts = [fnmatch.translate(pattern) for pattern in patterns]
    return re.compile("|".join(f"(?:{part})" for part in parts) if parts else "(?!)")
