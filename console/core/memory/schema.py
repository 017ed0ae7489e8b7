"""The database schema, as an ordered list of migrations applied by `PRAGMA user_version`.

A migration is only ever appended, never edited: version N of the schema is migrations[:N]. A database with a
`user_version` above the last migration was written by a newer hitl and is refused, not downgraded.
"""

from __future__ import annotations

# 'htl1' as a 32-bit integer: marks the file as hitl's, so a stranger's SQLite file is never migrated.
APPLICATION_ID = 0x68746C31

GENESIS_HASH = "0" * 64

MIGRATIONS: tuple[str, ...] = (
    # 1: sessions, actions, rollback points, notes, full-text indexes, the audit chain.
    f"""
    CREATE TABLE sessions (
        id       INTEGER PRIMARY KEY,
        host     TEXT NOT NULL,
        mode     TEXT NOT NULL,
        started  REAL NOT NULL,
        updated  REAL NOT NULL,
        messages TEXT NOT NULL DEFAULT '[]'
    );
    CREATE TABLE actions (
        id           INTEGER PRIMARY KEY,
        session_id   INTEGER REFERENCES sessions(id) ON DELETE SET NULL,
        host         TEXT NOT NULL,
        command      TEXT NOT NULL,
        tier         TEXT NOT NULL,
        reasons      TEXT NOT NULL,
        source       TEXT NOT NULL,
        proposed     REAL NOT NULL,
        state        TEXT NOT NULL,
        owner        TEXT NOT NULL,
        decision     TEXT,
        decided_by   TEXT,
        decided_at   REAL,
        latency      REAL,
        reason       TEXT,
        digest       TEXT,
        started      REAL,
        finished     REAL,
        ended        TEXT,
        exit_status  INTEGER,
        output       TEXT NOT NULL DEFAULT '',
        rollback_key TEXT
    );
    CREATE INDEX actions_by_host ON actions(host, id);
    CREATE INDEX actions_unfinished ON actions(state) WHERE state IN ('proposed', 'decided', 'running');
    CREATE TABLE rollback_points (
        key        TEXT PRIMARY KEY,
        host       TEXT NOT NULL,
        action_id  INTEGER REFERENCES actions(id) ON DELETE SET NULL,
        command    TEXT NOT NULL,
        tier       TEXT NOT NULL,
        strategies TEXT NOT NULL,
        artifacts  TEXT NOT NULL,
        created    REAL NOT NULL,
        expires    REAL NOT NULL,
        status     TEXT NOT NULL
    );
    CREATE INDEX rollback_points_by_host ON rollback_points(host, created);
    CREATE INDEX rollback_points_by_status ON rollback_points(status, expires);
    -- Which content-addressed blobs each rollback point references, so expiry can collect the unreferenced.
    CREATE TABLE rollback_blobs (
        key    TEXT NOT NULL REFERENCES rollback_points(key) ON DELETE CASCADE,
        digest TEXT NOT NULL,
        PRIMARY KEY (key, digest)
    ) WITHOUT ROWID;
    CREATE INDEX rollback_blobs_by_digest ON rollback_blobs(digest);
    CREATE TABLE notes (
        id      INTEGER PRIMARY KEY,
        text    TEXT NOT NULL,
        host    TEXT,
        tags    TEXT NOT NULL,
        author  TEXT NOT NULL,
        created REAL NOT NULL
    );
    CREATE INDEX notes_by_host ON notes(host, id);
    -- Full-text indexes keyed by the rowid of their table (kept in step by the store, in the same transaction).
    CREATE VIRTUAL TABLE notes_fts USING fts5(text, tags, tokenize = 'unicode61 remove_diacritics 2');
    CREATE VIRTUAL TABLE actions_fts USING fts5(command, detail, tokenize = 'unicode61 remove_diacritics 2');
    -- The audit chain: hash = sha256(prev || canonical(id, ts, kind, payload)).
    CREATE TABLE audit (
        id      INTEGER PRIMARY KEY,
        ts      REAL NOT NULL,
        kind    TEXT NOT NULL,
        payload TEXT NOT NULL,
        prev    TEXT NOT NULL,
        hash    TEXT NOT NULL
    );
    -- base: the row before the first kept row (genesis, or the last pruned row); head: the last row written.
    -- The head lets verification notice rows deleted from the end of the chain.
    CREATE TABLE audit_chain (
        singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
        base_id   INTEGER NOT NULL,
        base_hash TEXT NOT NULL,
        head_id   INTEGER NOT NULL,
        head_hash TEXT NOT NULL
    );
    INSERT INTO audit_chain VALUES (1, 0, '{GENESIS_HASH}', 0, '{GENESIS_HASH}');
    CREATE TRIGGER audit_advances_head AFTER INSERT ON audit BEGIN
        UPDATE audit_chain SET head_id = NEW.id, head_hash = NEW.hash;
    END;
    """,
    # 2: the rows people read are covered by the chain (console.core.memory.rows): the store records each
    # touched row's digest in the audit payload, and migrating appends one `rows-checkpoint` event for the rows
    # already there (see `store._migrate`). `rule_id`: the remembered approval that decided an action.
    """
    ALTER TABLE actions ADD COLUMN rule_id TEXT;
    """,
    # 3: one rollback of a point at a time, across processes (console.core.memory.locks).
    """
    CREATE TABLE rollback_locks (
        key   TEXT PRIMARY KEY,
        owner TEXT NOT NULL,
        token TEXT NOT NULL,
        since REAL NOT NULL
    ) WITHOUT ROWID;
    """,
    # 4: how a READ ran (`confinement`: confined and how, or why not) and, for a caught classifier miss, what it
    # tried to change (`attempted`, a JSON list of lines). Both are covered by the chain only when set
    # (`rows.OPTIONAL`), so rows written before keep their digests.
    """
    ALTER TABLE actions ADD COLUMN confinement TEXT;
    ALTER TABLE actions ADD COLUMN attempted TEXT;
    """,
)
ROWS_CHAINED_FROM = 2
"""The schema version from which every write records the digests of the rows it touched."""

LATEST_VERSION = len(MIGRATIONS)
