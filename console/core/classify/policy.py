"""Paths and environment variables that change a tier wherever they appear: critical files, vital trees,
neutral outputs (`/dev/null`) and variables that change what programs run (`PATH`, `LD_PRELOAD`)."""

from __future__ import annotations

import fnmatch
import posixpath
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from console.core.classify.lexicon import Lexicon

if TYPE_CHECKING:
    from console.core.paths import Paths

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
    untrusted_paths: tuple[str, ...] = ()  # where code nobody reviewed lives (`/tmp/*`, uploads)
    secret_paths: tuple[str, ...] = ()  # files whose content must not leave the host (`/etc/shadow`, keys)
    vital_packages: tuple[str, ...] = ()  # packages the host needs to boot or be reached (`openssh-server`)
    harmless_env: tuple[str, ...] = ()  # variables a program may be given without leaving READ (`LANG`, `TZ`)
    selector_env: tuple[str, ...] = ()  # pick the operator's own profile or host (`KUBECONFIG`, `AWS_PROFILE`)
    reader_commands: frozenset[str] = frozenset()  # values of a command variable that only show (`PAGER=cat`)
    _critical: GlobSet = field(init=False, repr=False, compare=False)
    _env: GlobSet = field(init=False, repr=False, compare=False)
    _untrusted: GlobSet = field(init=False, repr=False, compare=False)
    _secret: GlobSet = field(init=False, repr=False, compare=False)
    _packages: GlobSet = field(init=False, repr=False, compare=False)
    _harmless: GlobSet = field(init=False, repr=False, compare=False)
    _selector: GlobSet = field(init=False, repr=False, compare=False)
    _extended: dict[tuple[str, ...], Policy] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Matched for every path and assignment, so compiled once into set, prefix, suffix and regex tests.
        object.__setattr__(self, "_critical", GlobSet(self.critical_paths))
        object.__setattr__(self, "_env", GlobSet(self.dangerous_env))
        object.__setattr__(self, "_untrusted", GlobSet(self.untrusted_paths))
        object.__setattr__(self, "_secret", GlobSet(self.secret_paths))
        object.__setattr__(self, "_packages", GlobSet(self.vital_packages))
        object.__setattr__(self, "_harmless", GlobSet(self.harmless_env))
        object.__setattr__(self, "_selector", GlobSet(self.selector_env))
        object.__setattr__(self, "_extended", {})

    def with_critical(self, paths: tuple[str, ...]) -> Policy:
        """This policy with `paths` (and everything below them) critical too: hitl's own configuration,
        rules, hosts and data directories, as the session knows them. Cached per set of paths."""
        found = self._extended.get(paths)
        if found is None:
            patterns = [p for path in paths for p in (path.rstrip("/") or "/", (path.rstrip("/") or "") + "/*")]
            critical = self.critical_paths + tuple(patterns)
            found = replace(self, critical_paths=critical)
            self._extended[paths] = found
        return found

    def is_critical(self, path: str) -> bool:
        if self._critical.match(path):
            return True
        if not path.endswith("/") and self._critical.match(path + "/"):
            return True  # a directory whose files are critical (`/etc/cron.d`): writing into it is too
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
        return rest != path and self._critical.match(rest)

    def is_secret(self, path: str) -> bool:
        """A file of passwords, keys or credentials: sending it anywhere is DESTRUCTIVE (it cannot be unsent)."""
        return self._secret.match(path)

    def is_vital_package(self, name: str) -> bool:
        """Removing this package can leave the host unbootable or unreachable (`openssh-server`, a kernel)."""
        return self._packages.match(name.split("=", 1)[0].split(":", 1)[0])

    def is_untrusted(self, path: str) -> bool:
        """A file in a place anyone can write to (or where uploads land): running it runs unreviewed code."""
        if self._untrusted.match(path):
            return True
        return ("/." in path or "//" in path) and self._untrusted.match(posixpath.normpath(path))

    def is_vital(self, path: str) -> bool:
        stripped = path.rstrip("/") or "/"
        if stripped in self.vital_paths or path in self.vital_paths:
            return True
        return ("/." in path or "//" in path) and posixpath.normpath(path) in self.vital_paths

    def is_dangerous_env(self, name: str) -> bool:
        return self._env.match(name)

    def is_harmless_env(self, name: str) -> bool:
        """A variable known to change only how a program presents what it reads (locale, time zone, terminal,
        colour). Any other variable given to a program may make it load code or configuration."""
        return self._harmless.match(name)

    def is_selector_env(self, name: str) -> bool:
        """A variable that picks the operator's own profile, host or configuration file, like the program's
        own option: harmless unless its value names a file in an untrusted place."""
        return self._selector.match(name)


class GlobSet:
    """Shell glob patterns (`*` matches `/` too, as fnmatch does), sorted by shape for speed: exact names
    in a set, `PREFIX*` and `*SUFFIX` as string tests, the rest as one anchored regular expression."""

    __slots__ = ("exact", "prefixes", "regex", "suffixes")

    def __init__(self, patterns: Iterable[str]) -> None:
        exact: set[str] = set()
        prefixes: list[str] = []
        suffixes: list[str] = []
        others: list[str] = []
        for pattern in patterns:
            wild = [i for i, c in enumerate(pattern) if c in "*?["]
            if not wild:
                exact.add(pattern)
            elif wild == [len(pattern) - 1] and pattern.endswith("*"):
                prefixes.append(pattern[:-1])
            elif wild == [0] and pattern.startswith("*"):
                suffixes.append(pattern[1:])
            else:
                others.append(fnmatch.translate(pattern))
        self.exact = frozenset(exact)
        self.prefixes = tuple(prefixes)
        self.suffixes = tuple(suffixes)
        self.regex = re.compile("|".join(f"(?:{part})" for part in others)) if others else None

    def match(self, text: str) -> bool:
        return (
            text in self.exact
            or text.startswith(self.prefixes)
            or text.endswith(self.suffixes)
            or (self.regex is not None and self.regex.match(text) is not None)
        )


def hitl_paths(paths: Paths) -> tuple[str, ...]:
    """hitl's own directories for `classify(critical_paths=...)`: configuration (rules, hosts, known_hosts),
    data (store, snapshots), state (remembered approvals) and themes, as absolute paths and, below the home
    directory, also as `~/...` (the way a command line usually spells them)."""
    home = str(Path.home())
    found: list[str] = []
    for directory in (paths.config_dir, paths.data_dir, paths.state_dir, paths.user_themes_dir):
        text = str(directory)
        found.append(text)
        if home not in ("", "/") and text.startswith(home + "/"):
            found.append("~" + text[len(home) :])
    return tuple(dict.fromkeys(found))
