"""What the store's shared logic needs from a database: the `Backend` (SQLite or PostgreSQL) and the `Db` handle
its transactions hand out.

Statements are written once, with `?` placeholders, in the SQL both databases accept (`RETURNING`,
`ON CONFLICT DO NOTHING`, no empty `IN ()`); a backend translates what it must (PostgreSQL's `%s`). What cannot
be shared is a backend method: how a write is serialised and its audit row appended, how full-text candidates
are found, and which column gives insertion order.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from typing import Any, Literal, Protocol

Dialect = Literal["sqlite", "postgresql"]


class Cursor(Protocol):
    @property
    def rowcount(self) -> int: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...

    def __iter__(self) -> Iterator[Any]: ...


class Db(Protocol):
    """One connection inside one transaction."""

    def execute(self, sql: str, parameters: Sequence[Any] = (), /) -> Cursor: ...

    def executemany(self, sql: str, seq_of_parameters: Iterable[Sequence[Any]], /) -> Cursor: ...


class Backend(Protocol):
    @property
    def dialect(self) -> Dialect: ...

    @property
    def name(self) -> str:
        """What a failure names: the database file, or the team store's address (never its password)."""
        ...

    @property
    def insertion_order(self) -> str:
        """The rollback_points column that orders rows written in the same second: `rowid` or `seq`."""
        ...

    def write(self) -> AbstractContextManager[Db]:
        """One write transaction, serialised with every other writer (of any process) before anything is read,
        so the audit chain's head cannot move under it."""
        ...

    def read(self, *, consistent: bool = False) -> AbstractContextManager[Db]:
        """Reads; with `consistent`, one snapshot for all of them (verification). Without it a backend may run
        each statement on its own (PostgreSQL: no BEGIN and COMMIT round trips for a lookup or recall)."""
        ...

    def append_audit(self, db: Db, ts: float, kind: str, payload: str, note: Mapping[str, Any]) -> None:
        """Append one row after the chain's head and advance the head (inside `write`); `note` (the event's
        kind is added) is what a team store tells the other operators' consoles when the write commits."""
        ...

    def text_candidates(
        self, db: Db, source: Literal["note", "action"], words: Sequence[str], hosts: Sequence[str], limit: int
    ) -> list[tuple[Any, ...]]:
        """The newest `limit` notes or actions matching any of `words`, with a relevance (higher is better) as
        their last column: notes (id, host, text, tags, author, created, rel), actions (id, host, command, tier,
        decision, state, exit_status, proposed, rel)."""
        ...

    def close(self) -> None: ...
