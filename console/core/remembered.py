"""Remembered approvals: "allow this again" for WRITE commands, narrowly.

The operator can allow an exact command, or a command and subcommand (`systemctl restart`), on one host or on
every host carrying a label, for the session, for 24 hours or until revoked. The limits are the point:

- exact is the whole argument vector: `cp /tmp/a /tmp/b` covers that copy and no other, `chmod 644 x` never
  covers `chmod 4755 x` or `chmod -R 777 /var/www`;
- "command and subcommand" exists only for programs with real subcommands (`SUBCOMMANDS`: `systemctl restart`,
  `apt-get install`, ...), and covers that prefix followed by plain names only: no option (so no `-o
  Dpkg::Pre-Invoke::=...`, `-c`, `--config`, `--root`, hooks or other targets) except the few harmless ones
  listed for the program (`-y`), and no path (`apt-get install ./evil.deb`);
- never for DESTRUCTIVE, and never wider than the tier that was approved (a rule made for a WRITE covers a
  command only if that command classifies WRITE or lower now);
- only for a single simple command: anything with shell syntax (`;`, `|`, `$(...)`, redirects, quotes that
  hide metacharacters) is never covered, so a remembered `systemctl restart` cannot carry a `; rm` along;
- wrappers are part of the pattern: an approval of `systemctl restart nginx` does not cover
  `sudo systemctl restart nginx` or `env X=1 systemctl restart nginx`, and one of `sudo systemctl restart`
  covers only that.

`pattern_text(command, scope)` is the exact text the approval dialog shows before `m` confirms a choice, and
what `describe()` shows afterwards. Rules with a lifetime beyond the session are kept in a JSON file in the
state directory (written atomically, 0600), or, with a team store, in the store (shared by the team, read at
every lookup so a rule revoked by anyone stops covering at once); a stored prefix rule that these limits no
longer allow (written by an older hitl) covers nothing.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shlex
import tempfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol

from console.core.errors import HitlError
from console.core.private_files import make_private_dir
from console.core.tiers import Tier

# Wrappers kept verbatim in a prefix pattern, with how many positional arguments they take before the command.
_WRAPPERS = {"sudo": 0, "doas": 0, "env": 0, "nohup": 0, "nice": 0, "ionice": 0, "timeout": 1, "stdbuf": 0}
_SUBCOMMAND = re.compile(r"[a-z][a-z0-9-]*")
"""A word that can be a subcommand (`restart`, `install`); a path or an option never is."""
_NAME = re.compile(r"[A-Za-z0-9@][A-Za-z0-9@._+:=~-]*")
"""An operand a prefix rule may cover: a unit, package or container name; never a path or an option."""

_PACKAGES = frozenset({"install", "upgrade", "update", "remove", "autoremove", "clean", "autoclean", "makecache"})
_PACKAGE_OPTIONS = frozenset({"-y", "--yes", "--assume-yes", "--assumeyes", "-q", "-qq", "--quiet"})
_SERVICES = frozenset({"start", "stop", "restart", "reload", "try-restart", "reload-or-restart"})
SUBCOMMANDS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "systemctl": (_SERVICES | {"daemon-reload", "reset-failed"}, frozenset({"--no-block", "-q", "--quiet"})),
    "apt-get": (_PACKAGES, _PACKAGE_OPTIONS | {"--no-install-recommends"}),
    "apt": (_PACKAGES, _PACKAGE_OPTIONS | {"--no-install-recommends"}),
    "dnf": (_PACKAGES, _PACKAGE_OPTIONS),
    "yum": (_PACKAGES, _PACKAGE_OPTIONS),
    "zypper": (frozenset({"install", "update", "refresh", "remove"}), frozenset({"-n", "--non-interactive"})),
    "apk": (frozenset({"add", "del", "update", "upgrade"}), frozenset({"--no-cache"})),
    "snap": (frozenset({"install", "refresh", "remove", "restart", "start", "stop"}), frozenset()),
    "flatpak": (frozenset({"install", "update"}), frozenset({"-y"})),
    "brew": (frozenset({"install", "upgrade", "update"}), frozenset()),
    "docker": (frozenset({"start", "stop", "restart", "pull"}), frozenset()),
    "podman": (frozenset({"start", "stop", "restart", "pull"}), frozenset()),
    "supervisorctl": (_SERVICES | {"update", "reread"}, frozenset()),
    "pm2": (_SERVICES, frozenset()),
    "git": (frozenset({"pull", "fetch"}), frozenset({"--ff-only", "-q", "--quiet"})),
    "certbot": (frozenset({"renew"}), frozenset({"-q", "--quiet"})),
}
"""Programs with real subcommands: the subcommands a "command and subcommand" rule may name, and the options
(harmless ones: assume yes, quiet) it still covers after them. Anything else is remembered exactly or not at all."""
_SHELL_SYNTAX = set(";&|<>()$`\\{}*?[]~!#\n\r")


class Lifetime(StrEnum):
    SESSION = "session"
    DAY = "24h"
    UNTIL_REVOKED = "until revoked"


class Scope(StrEnum):
    EXACT = "exact"
    PREFIX = "prefix"


class RememberError(HitlError, ValueError):
    """A remembered approval that may not be created; the message says why."""


@dataclass(frozen=True, slots=True)
class RememberedApproval:
    id: str
    words: tuple[str, ...]
    scope: Scope
    host: str | None
    label: str | None
    tier: Tier
    created: float
    lifetime: Lifetime

    @property
    def expires_at(self) -> float | None:
        return self.created + 24 * 3600 if self.lifetime is Lifetime.DAY else None

    def describe(self) -> str:
        what = f"exactly: {shlex.join(self.words)}" if self.scope is Scope.EXACT else _prefix_text(self.words)
        where = f"host {self.host}" if self.host else f"hosts labelled {self.label}"
        return f"{self.id}: {what} on {where} ({self.lifetime.value})"


def simple_words(command: str) -> list[str] | None:
    """The words of `command` if it is one simple command with no shell syntax, else None."""
    if not command.strip() or any(ch in _SHELL_SYNTAX for ch in command):
        return None
    try:
        words = shlex.split(command)
    except ValueError:
        return None
    return words or None


def prefix_words(words: Sequence[str]) -> tuple[str, ...]:
    """Wrappers (with their options) + command + subcommand, e.g. `sudo systemctl restart`; a command whose
    next word is a path or an option has no subcommand (`touch /tmp/x` -> `touch`)."""
    prefix: list[str] = []
    rest = list(words)
    while rest and rest[0] in _WRAPPERS:
        positional = _WRAPPERS[rest[0]]
        prefix.append(rest.pop(0))
        while rest and (rest[0].startswith("-") or "=" in rest[0]):
            prefix.append(rest.pop(0))
        prefix.extend(rest[:positional])
        del rest[:positional]
    prefix.extend(rest[:1])
    if len(rest) > 1 and _SUBCOMMAND.fullmatch(rest[1]):
        prefix.append(rest[1])
    return tuple(prefix)


def _program_and_rest(prefix: Sequence[str], words: Sequence[str]) -> tuple[str, list[str]]:
    """The program a prefix names (after its wrappers) and the words of `words` after the prefix."""
    program = prefix[-2] if len(prefix) >= 2 else ""
    return program.rsplit("/", 1)[-1], list(words[len(prefix) :])


def subcommand_prefix(words: Sequence[str]) -> tuple[str, ...] | None:
    """The "command and subcommand" pattern for `words` (wrappers included), or None when the program has no
    real subcommands or the command does not use one of those."""
    prefix = prefix_words(words)
    if len(prefix) < 2:
        return None
    program, _rest = _program_and_rest(prefix, words)
    allowed = SUBCOMMANDS.get(program)
    if allowed is None or prefix[-1] not in allowed[0]:
        return None
    return prefix


def covers_rest(prefix: Sequence[str], words: Sequence[str]) -> bool:
    """Whether `words`, which start with `prefix`, add only plain names and the program's harmless options."""
    if tuple(words[: len(prefix)]) != tuple(prefix) or subcommand_prefix(prefix) != tuple(prefix):
        return False
    program, rest = _program_and_rest(prefix, words)
    safe_options = SUBCOMMANDS[program][1]
    return all(word in safe_options or (_NAME.fullmatch(word) is not None) for word in rest)


def pattern_text(command: str, scope: Scope) -> str | None:
    """What a rule made from `command` with `scope` allows, in the words the dialog shows; None when such a
    rule cannot be made (shell syntax; no real subcommand for the "command and subcommand" scope)."""
    words = simple_words(command)
    if words is None:
        return None
    if scope is Scope.EXACT:
        return f"exactly: {shlex.join(words)}"
    prefix = subcommand_prefix(words)
    if prefix is None:
        return None
    return _prefix_text(prefix)


def _prefix_text(prefix: Sequence[str]) -> str:
    program, _rest = _program_and_rest(prefix, prefix)
    options = sorted(SUBCOMMANDS[program][1]) if program in SUBCOMMANDS else []
    allowed = f"options {' '.join(options)} only" if options else "no options"
    return f"{shlex.join(prefix)} NAME...  (plain names; {allowed}; no paths)"


class RuleKeeper(Protocol):
    """Where a team keeps its remembered approvals (the team store)."""

    def remembered_rules(self) -> list[dict[str, Any]]: ...

    def add_remembered_rule(self, rule: dict[str, Any]) -> None: ...

    def revoke_remembered_rule(self, rule_id: str) -> bool: ...


def _rule_json(rule: RememberedApproval) -> dict[str, Any]:
    return {**asdict(rule), "tier": rule.tier.name}


def _rule(item: dict[str, Any]) -> RememberedApproval:
    return RememberedApproval(
        id=item["id"],
        words=tuple(item["words"]),
        scope=Scope(item["scope"]),
        host=item["host"],
        label=item["label"],
        tier=Tier[item["tier"]],
        created=float(item["created"]),
        lifetime=Lifetime(item["lifetime"]),
    )


class RememberedApprovals:
    """The current rules; session-only ones live in memory, the others in `store_file` or the team `store`."""

    def __init__(self, store_file: Path | None = None, *, store: RuleKeeper | None = None) -> None:
        if (store_file is None) == (store is None):
            raise ValueError("remembered approvals are kept in a file or in a store")
        self.store_file = store_file
        self._store = store
        self._session: list[RememberedApproval] = []
        self._loaded: tuple[int, int, int] | None = None
        self._persistent: list[RememberedApproval] = self._load()

    @property
    def where(self) -> str:
        return str(self.store_file) if self.store_file is not None else "the team store"

    def _signature(self) -> tuple[int, int, int] | None:
        if self.store_file is None:
            return None
        try:
            info = self.store_file.stat()
        except OSError:
            return None
        return (info.st_ino, info.st_mtime_ns, info.st_size)

    def _reload_if_changed(self) -> None:
        """Another process (the console, `hitl approvals revoke`, an MCP server) rewrote the file: a rule it
        added applies here too, and a rule it revoked stops applying at once. (A team store is read afresh each
        time.)"""
        if self._store is None and self._signature() != self._loaded:
            self._persistent = self._load()

    def _load(self) -> list[RememberedApproval]:
        self._loaded = self._signature()
        try:
            if self._store is not None:
                return [_rule(item) for item in self._store.remembered_rules()]
            assert self.store_file is not None
            if not self.store_file.exists():
                return []
            raw = json.loads(self.store_file.read_text(encoding="utf-8"))
            return [_rule(item) for item in raw]
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise RememberError(f"{self.where}: remembered approvals cannot be read: {error}") from None

    def _save(self, rules: list[RememberedApproval]) -> None:
        """Write `rules` as the persistent ones, atomically; they are kept in memory only once written. Raises
        `RememberError` naming the file when it cannot be written (a full disk, a read-only directory)."""
        assert self.store_file is not None
        data = [_rule_json(rule) for rule in rules]
        temp: str | None = None
        try:
            make_private_dir(self.store_file.parent)
            fd, temp = tempfile.mkstemp(dir=self.store_file.parent, prefix=".remembered-")  # created 0600
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(data, handle, indent=1)
            os.replace(temp, self.store_file)
        except OSError as error:
            if temp is not None:
                with contextlib.suppress(OSError):
                    os.unlink(temp)
            reason = error.strerror or str(error)
            raise RememberError(f"{self.store_file}: remembered approvals cannot be written: {reason}") from None
        self._persistent = rules
        self._loaded = self._signature()

    def add(
        self,
        command: str,
        tier: Tier,
        *,
        scope: Scope,
        lifetime: Lifetime,
        now: float,
        host: str | None = None,
        label: str | None = None,
    ) -> RememberedApproval:
        if tier is not Tier.WRITE:
            raise RememberError(f"only WRITE commands can be remembered, not {tier.name}")
        if (host is None) == (label is None):
            raise RememberError("a remembered approval is for one host or one label")
        words = simple_words(command)
        if words is None:
            raise RememberError("only a single simple command (no pipes, lists, substitutions) can be remembered")
        if scope is Scope.EXACT:
            pattern = tuple(words)
        else:
            prefix = subcommand_prefix(words)
            if prefix is None:
                raise RememberError(
                    f"{words[0]} has no subcommand that can be remembered ({', '.join(sorted(SUBCOMMANDS))} do):"
                    " remember the exact command instead"
                )
            pattern = prefix
        rule = RememberedApproval(
            id="ra-" + secrets.token_hex(3),
            words=pattern,
            scope=scope,
            host=host,
            label=label,
            tier=tier,
            created=now,
            lifetime=lifetime,
        )
        if lifetime is Lifetime.SESSION:
            self._session.append(rule)
        elif self._store is not None:
            self._store.add_remembered_rule(_rule_json(rule))
        else:
            self._reload_if_changed()
            self._save([*self._persistent, rule])
        return rule

    def active(self, now: float) -> list[RememberedApproval]:
        self._reload_if_changed()
        persistent = self._load() if self._store is not None else self._persistent
        live = [r for r in persistent if r.expires_at is None or r.expires_at > now]
        return [*self._session, *live]

    def revoke(self, rule_id: str) -> bool:
        self._reload_if_changed()
        before = len(self._session)
        self._session = [r for r in self._session if r.id != rule_id]
        if len(self._session) < before:
            return True
        if self._store is not None:
            return self._store.revoke_remembered_rule(rule_id)
        kept = [r for r in self._persistent if r.id != rule_id]
        if len(kept) == len(self._persistent):
            return False
        self._save(kept)
        return True

    def covering(
        self, command: str, tier: Tier, *, host: str, labels: Sequence[str], now: float
    ) -> RememberedApproval | None:
        """The rule that allows `command` (classified `tier`) on `host`, if any."""
        if tier is not Tier.WRITE:
            return None
        words = simple_words(command)
        if words is None:
            return None
        for rule in self.active(now):
            if tier > rule.tier:
                continue
            if not (rule.host == host or (rule.label is not None and rule.label in labels)):
                continue
            matched = tuple(words) == rule.words if rule.scope is Scope.EXACT else covers_rest(rule.words, words)
            if matched:
                return rule
        return None
