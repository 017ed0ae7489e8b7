"""The verb lexicon: how multi-level command-line tools (cloud, cluster, container, backup, secrets, brokers,
forges, infrastructure-as-code) and HTTP paths say what they do.

`aws ec2 terminate-instances`, `gcloud compute instances delete`, `vault kv metadata delete`, `rabbitmqctl
purge_queue`, `kafka-topics --delete`, `POST /v1/users/42/delete`: the command path and the option names are
split into words (on `-`, `_`, `.`, `:`, `/` and camelCase) and looked up here. Delete-like words are
DESTRUCTIVE, read-like words READ, privilege grants DESTRUCTIVE, and everything else WRITE. Per-tool exceptions
(`restic snapshots` reads, `borg compact` destroys) are rule parameters. The words are data: `[verbs]` tables
in the rule files (`rules/verbs.toml`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from console.core.tiers import Tier

_SPLIT = re.compile(r"[^A-Za-z0-9]+|(?<=[a-z0-9])(?=[A-Z])")


def words(text: str) -> list[str]:
    """`terminate-instances` -> [terminate, instances]; `deleteUser` -> [delete, user]; lower case."""
    return [part.lower() for part in _SPLIT.split(text) if part]


@dataclass(frozen=True, slots=True)
class Verb:
    """What one word of a command path says: its tier, the word, and whether it grants privileges."""

    tier: Tier
    word: str
    grant: bool = False
    why: str = ""  # "grant" or "public" when that, not the word, makes it DESTRUCTIVE


@dataclass(frozen=True, slots=True)
class Lexicon:
    destructive: frozenset[str] = frozenset()
    read: frozenset[str] = frozenset()
    write: frozenset[str] = frozenset()
    # A grant is a write verb (`add`, `attach`, `set`, `bind`) on a privilege object (`role`, `policy`,
    # `permissions`, `acl`), or a grant verb (`grant`, `elevate`) on anything.
    grant: frozenset[str] = frozenset()
    grant_verbs: frozenset[str] = frozenset()
    privileges: frozenset[str] = frozenset()
    dry_run: frozenset[str] = frozenset()  # option names that make a command only show what it would do
    option_words: frozenset[str] = frozenset()  # words an option of a read verb may be made of
    powerful: frozenset[str] = frozenset()  # values that mean full power (`admin`, `root`, `owner`)
    exposure: frozenset[str] = frozenset()  # values that mean everyone (`public`, `allUsers`, `0.0.0.0/0`)
    capacity: frozenset[str] = frozenset()  # option words that size a service (`replicas`, `desired`)
    scaling: frozenset[str] = frozenset()  # verbs that size a service (`scale`, `set`, `update`)

    def is_capacity(self, option: str) -> bool:
        return any(w in self.capacity for w in words(option))

    def verb(
        self,
        word: str,
        *,
        read: Iterable[str] = (),
        write: Iterable[str] = (),
        destructive: Iterable[str] = (),
    ) -> Verb | None:
        """The verb in one command-path word (`describe-instances`, `purge_queue`), with per-tool
        exceptions first; None when it has no verb hitl knows."""
        whole = word.lower()
        for tier, extra in ((Tier.DESTRUCTIVE, destructive), (Tier.READ, read), (Tier.WRITE, write)):
            if whole in extra:
                return Verb(tier, whole)
        parts = words(word)
        found: Verb | None = None
        for part in parts:
            if part in destructive or part in self.destructive:
                return Verb(Tier.DESTRUCTIVE, part)
            if part in self.grant or (part in self.grant_verbs and any(p in self.privileges for p in parts)):
                return Verb(Tier.DESTRUCTIVE, part, grant=True, why="grant")
            if found is None and (part in read or part in self.read):
                found = Verb(Tier.READ, part)
            elif found is None and (part in write or part in self.write):
                found = Verb(Tier.WRITE, part)
        return found

    def option_reads(self, name: str) -> bool:
        """An option of a read verb made only of words that describe what to read or how to show it."""
        parts = words(name)
        return bool(parts) and all(p in self.option_words or p.isdigit() for p in parts)

    def merged(self, other: Lexicon) -> Lexicon:
        return Lexicon(
            self.destructive | other.destructive,
            self.read | other.read,
            self.write | other.write,
            self.grant | other.grant,
            self.grant_verbs | other.grant_verbs,
            self.privileges | other.privileges,
            self.dry_run | other.dry_run,
            self.option_words | other.option_words,
            self.powerful | other.powerful,
            self.exposure | other.exposure,
            self.capacity | other.capacity,
            self.scaling | other.scaling,
        )


LEXICON_KEYS = (
    "destructive",
    "read",
    "write",
    "grant",
    "grant_verbs",
    "privileges",
    "dry_run",
    "option_words",
    "powerful",
    "exposure",
    "capacity",
    "scaling",
)
# Keys a user file may only extend with `lower = true`: they make commands READ.
LOWERING_KEYS = frozenset({"read", "dry_run", "option_words"})
