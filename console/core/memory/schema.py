"""The database schema, as one ordered list of migrations, each with its SQLite and its PostgreSQL text.

A migration is only ever appended, never edited: version N of the schema is migrations[:N], on either
database. SQLite keeps the version in `PRAGMA user_version`; PostgreSQL in the `hitl_schema` table. A database
whose version is above the last migration was written by a newer hitl and is refused, not downgraded.

The two dialects hold the same tables and columns with the same meaning, so the store's shared logic
(`console.core.memory.store`) reads and writes both with the same statements. Where they differ:
- full-text search: FTS5 virtual tables in SQLite; in PostgreSQL plain tables of the same name and columns
  (`rowid`, the text) with a generated `tsvector` column and a GIN index (`console.core.memory.postgres`);
- the audit append: one statement with a registered hash function and a trigger in SQLite; a row lock on the
  chain head and the hash computed by the client in PostgreSQL (the same `audit.row_hash`);
- `rollback_points.seq` in PostgreSQL stands for SQLite's implicit rowid (insertion order);
- who holds a lock: SQLite's rollback locks are the `rollback_locks` rows themselves, PostgreSQL's are advisory
  locks whose holder those rows (and `host_locks`) only name (`console.core.memory.rollback_locks`).

The module is about 400 lines of SQL: each migration's two texts are kept side by side so they are read, and
changed, together.
"""

from __future__ import annotations

from dataclasses import dataclass

# 'htl1' as a 32-bit integer: marks the file as hitl's, so a stranger's SQLite file is never migrated.
APPLICATION_ID = 0x68746C31

GENESIS_HASH = "0" * 64


@dataclass(frozen=True, slots=True)
class Migration:
    sqlite: str
    postgresql: str

    def text(self, dialect: str) -> str:
        return self.sqlite if dialect == "sqlite" else self.postgresql


_V1_SQLITE = f"""
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
"""

# Text is split on anything but letters, digits and underscores before PostgreSQL's parser sees it: its parser
# reads `/etc/nginx/nginx.conf` as one "file" token, where FTS5 (and the operator) see `nginx` twice.
_WORDS = "regexp_replace({}, '[^[:alnum:]_]+', ' ', 'g')"


def _document(first: str, second: str) -> str:
    return (
        f"tsvector GENERATED ALWAYS AS (setweight(to_tsvector('simple', {_WORDS.format(first)}), 'A')"
        f" || setweight(to_tsvector('simple', {_WORDS.format(second)}), 'B')) STORED"
    )


_V1_POSTGRESQL = f"""
    CREATE TABLE sessions (
        id       BIGSERIAL PRIMARY KEY,
        host     TEXT NOT NULL,
        mode     TEXT NOT NULL,
        started  DOUBLE PRECISION NOT NULL,
        updated  DOUBLE PRECISION NOT NULL,
        messages TEXT NOT NULL DEFAULT '[]'
    );
    CREATE TABLE actions (
        id           BIGSERIAL PRIMARY KEY,
        session_id   BIGINT REFERENCES sessions(id) ON DELETE SET NULL,
        host         TEXT NOT NULL,
        command      TEXT NOT NULL,
        tier         TEXT NOT NULL,
        reasons      TEXT NOT NULL,
        source       TEXT NOT NULL,
        proposed     DOUBLE PRECISION NOT NULL,
        state        TEXT NOT NULL,
        owner        TEXT NOT NULL,
        decision     TEXT,
        decided_by   TEXT,
        decided_at   DOUBLE PRECISION,
        latency      DOUBLE PRECISION,
        reason       TEXT,
        digest       TEXT,
        started      DOUBLE PRECISION,
        finished     DOUBLE PRECISION,
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
        action_id  BIGINT REFERENCES actions(id) ON DELETE SET NULL,
        command    TEXT NOT NULL,
        tier       TEXT NOT NULL,
        strategies TEXT NOT NULL,
        artifacts  TEXT NOT NULL,
        created    DOUBLE PRECISION NOT NULL,
        expires    DOUBLE PRECISION NOT NULL,
        status     TEXT NOT NULL,
        seq        BIGSERIAL NOT NULL
    );
    CREATE INDEX rollback_points_by_host ON rollback_points(host, created);
    CREATE INDEX rollback_points_by_status ON rollback_points(status, expires);
    CREATE TABLE rollback_blobs (
        key    TEXT NOT NULL REFERENCES rollback_points(key) ON DELETE CASCADE,
        digest TEXT NOT NULL,
        PRIMARY KEY (key, digest)
    );
    CREATE INDEX rollback_blobs_by_digest ON rollback_blobs(digest);
    CREATE TABLE notes (
        id      BIGSERIAL PRIMARY KEY,
        text    TEXT NOT NULL,
        host    TEXT,
        tags    TEXT NOT NULL,
        author  TEXT NOT NULL,
        created DOUBLE PRECISION NOT NULL
    );
    CREATE INDEX notes_by_host ON notes(host, id);
    CREATE TABLE notes_fts (
        rowid    BIGINT PRIMARY KEY,
        text     TEXT NOT NULL,
        tags     TEXT NOT NULL,
        document {_document("text", "tags")}
    );
    CREATE INDEX notes_fts_document ON notes_fts USING gin(document);
    CREATE TABLE actions_fts (
        rowid    BIGINT PRIMARY KEY,
        command  TEXT NOT NULL,
        detail   TEXT NOT NULL,
        document {_document("command", "detail")}
    );
    CREATE INDEX actions_fts_document ON actions_fts USING gin(document);
    CREATE TABLE audit (
        id      BIGINT PRIMARY KEY,
        ts      DOUBLE PRECISION NOT NULL,
        kind    TEXT NOT NULL,
        payload TEXT NOT NULL,
        prev    TEXT NOT NULL,
        hash    TEXT NOT NULL
    );
    CREATE TABLE audit_chain (
        singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
        base_id   BIGINT NOT NULL,
        base_hash TEXT NOT NULL,
        head_id   BIGINT NOT NULL,
        head_hash TEXT NOT NULL
    );
    INSERT INTO audit_chain VALUES (1, 0, '{GENESIS_HASH}', 0, '{GENESIS_HASH}');
"""

_V3_SQLITE = """
    CREATE TABLE rollback_locks (
        key   TEXT PRIMARY KEY,
        owner TEXT NOT NULL,
        token TEXT NOT NULL,
        since REAL NOT NULL
    ) WITHOUT ROWID;
"""
_V3_POSTGRESQL = """
    CREATE TABLE rollback_locks (
        key   TEXT PRIMARY KEY,
        owner TEXT NOT NULL,
        token TEXT NOT NULL,
        since DOUBLE PRECISION NOT NULL
    );
"""

_V4 = """
    ALTER TABLE actions ADD COLUMN confinement TEXT;
    ALTER TABLE actions ADD COLUMN attempted TEXT;
"""

_V5_COMMON = """
    ALTER TABLE sessions ADD COLUMN operator TEXT;
    ALTER TABLE actions ADD COLUMN operator TEXT;
    ALTER TABLE actions ADD COLUMN approved_by TEXT;
    ALTER TABLE rollback_points ADD COLUMN operator TEXT;
    ALTER TABLE rollback_points ADD COLUMN blobs_at TEXT;
    ALTER TABLE notes ADD COLUMN operator TEXT;
    ALTER TABLE rollback_locks ADD COLUMN operator TEXT;
"""

_V5_SQLITE = (
    _V5_COMMON
    + """
    CREATE TABLE approval_requests (
        id           INTEGER PRIMARY KEY,
        host         TEXT NOT NULL,
        kind         TEXT NOT NULL,
        tier         TEXT NOT NULL,
        title        TEXT NOT NULL,
        actions      TEXT NOT NULL,
        review       TEXT NOT NULL,
        digest       TEXT NOT NULL,
        requested_by TEXT NOT NULL,
        requester    TEXT NOT NULL,
        created      REAL NOT NULL,
        expires      REAL NOT NULL,
        state        TEXT NOT NULL,
        decided_by   TEXT,
        decided_at   REAL,
        reason       TEXT,
        CHECK (decided_by IS NULL OR state NOT IN ('approved', 'rejected') OR decided_by <> requested_by)
    );
    CREATE INDEX approval_requests_pending ON approval_requests(state) WHERE state = 'pending';
    CREATE TABLE remembered_rules (
        id      TEXT PRIMARY KEY,
        rule    TEXT NOT NULL,
        created REAL NOT NULL
    );
"""
)

# In PostgreSQL the database itself names who asks and who decides: `requested_by` and `decided_by` are the
# login of the connection that wrote them (session_user), whatever a client sends, and the two must differ.
_V5_POSTGRESQL = (
    _V5_COMMON
    + """
    CREATE TABLE approval_requests (
        id           BIGSERIAL PRIMARY KEY,
        host         TEXT NOT NULL,
        kind         TEXT NOT NULL,
        tier         TEXT NOT NULL,
        title        TEXT NOT NULL,
        actions      TEXT NOT NULL,
        review       TEXT NOT NULL,
        digest       TEXT NOT NULL,
        requested_by TEXT NOT NULL,
        requester    TEXT NOT NULL,
        created      DOUBLE PRECISION NOT NULL,
        expires      DOUBLE PRECISION NOT NULL,
        state        TEXT NOT NULL,
        decided_by   TEXT,
        decided_at   DOUBLE PRECISION,
        reason       TEXT,
        CHECK (decided_by IS NULL OR state NOT IN ('approved', 'rejected') OR decided_by <> requested_by)
    );
    CREATE INDEX approval_requests_pending ON approval_requests(state) WHERE state = 'pending';
    CREATE TABLE remembered_rules (
        id      TEXT PRIMARY KEY,
        rule    TEXT NOT NULL,
        created DOUBLE PRECISION NOT NULL
    );
    CREATE FUNCTION hitl_bind_identity() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN
            NEW.requested_by := session_user;
        ELSIF NEW.state IN ('approved', 'rejected') AND OLD.state = 'pending' THEN
            NEW.decided_by := session_user;
        ELSE
            NEW.requested_by := OLD.requested_by;
            NEW.decided_by := OLD.decided_by;
        END IF;
        RETURN NEW;
    END $$;
    CREATE TRIGGER approval_requests_identity BEFORE INSERT OR UPDATE ON approval_requests
        FOR EACH ROW EXECUTE FUNCTION hitl_bind_identity();
    CREATE FUNCTION hitl_bind_operator() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN
            NEW.operator := session_user;
        ELSE
            NEW.operator := OLD.operator;
        END IF;
        RETURN NEW;
    END $$;
    CREATE TRIGGER actions_operator BEFORE INSERT OR UPDATE ON actions
        FOR EACH ROW EXECUTE FUNCTION hitl_bind_operator();
    CREATE TRIGGER sessions_operator BEFORE INSERT OR UPDATE ON sessions
        FOR EACH ROW EXECUTE FUNCTION hitl_bind_operator();
    CREATE TRIGGER rollback_points_operator BEFORE INSERT OR UPDATE ON rollback_points
        FOR EACH ROW EXECUTE FUNCTION hitl_bind_operator();
    CREATE TRIGGER notes_operator BEFORE INSERT OR UPDATE ON notes
        FOR EACH ROW EXECUTE FUNCTION hitl_bind_operator();
    -- Recall filtered by host reads the newest matches of that host first: the action's host, copied into its
    -- full-text row as it is inserted, with an index in that order.
    ALTER TABLE actions_fts ADD COLUMN host TEXT;
    CREATE INDEX actions_fts_by_host ON actions_fts(host, rowid);
    CREATE FUNCTION hitl_fts_host() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        NEW.host := (SELECT host FROM actions WHERE id = NEW.rowid);
        RETURN NEW;
    END $$;
    CREATE TRIGGER actions_fts_host BEFORE INSERT ON actions_fts FOR EACH ROW EXECUTE FUNCTION hitl_fts_host();
    -- Who holds each host lock (the lock itself is a session-level advisory lock); bookkeeping for the
    -- refusal's words only, overwritten by the next holder.
    CREATE TABLE host_locks (
        host    TEXT PRIMARY KEY,
        holder  TEXT NOT NULL,
        backend INTEGER NOT NULL,
        since   DOUBLE PRECISION NOT NULL,
        purpose TEXT NOT NULL
    );
"""
)

# 6: fleets (console.core.memory.rollouts): one row per rollout across a group of hosts, its hosts and their
# rollback keys as JSON. Every write of a row appends a `rollout` audit event holding the whole row.
_V6_SQLITE = """
    CREATE TABLE rollouts (
        key     TEXT PRIMARY KEY,
        created REAL NOT NULL,
        target  TEXT NOT NULL,
        title   TEXT NOT NULL,
        tier    TEXT NOT NULL,
        status  TEXT NOT NULL,
        hosts   TEXT NOT NULL
    ) WITHOUT ROWID;
"""
_V6_POSTGRESQL = """
    CREATE TABLE rollouts (
        key     TEXT PRIMARY KEY,
        created DOUBLE PRECISION NOT NULL,
        target  TEXT NOT NULL,
        title   TEXT NOT NULL,
        tier    TEXT NOT NULL,
        status  TEXT NOT NULL,
        hosts   TEXT NOT NULL
    );
"""

MIGRATIONS: tuple[Migration, ...] = (
    # 1: sessions, actions, rollback points, notes, full-text indexes, the audit chain.
    Migration(_V1_SQLITE, _V1_POSTGRESQL),
    # 2: the rows people read are covered by the chain (console.core.memory.rows): the store records each
    # touched row's digest in the audit payload, and migrating appends one `rows-checkpoint` event for the rows
    # already there (see `store._migrate`). `rule_id`: the remembered approval that decided an action.
    Migration("ALTER TABLE actions ADD COLUMN rule_id TEXT;", "ALTER TABLE actions ADD COLUMN rule_id TEXT;"),
    # 3: one rollback of a point at a time, across processes (console.core.memory.rollback_locks).
    Migration(_V3_SQLITE, _V3_POSTGRESQL),
    # 4: how a READ ran (`confinement`: confined and how, or why not) and, for a caught classifier miss, what it
    # tried to change (`attempted`, a JSON list of lines). Both are covered by the chain only when set
    # (`rows.LATER_COLUMNS`), so rows written before keep their digests.
    Migration(_V4, _V4),
    # 5: team mode: who did it (`operator` on every row people read, `approved_by` for the second operator),
    # requests waiting for a second operator, remembered approvals kept in the store, who holds a host lock or
    # a rollback lock.
    Migration(_V5_SQLITE, _V5_POSTGRESQL),
    # 6: fleets: one row per rollout across a group of hosts (console.core.memory.rollouts).
    Migration(_V6_SQLITE, _V6_POSTGRESQL),
)
ROWS_CHAINED_FROM = 2
"""The schema version from which every write records the digests of the rows it touched."""

LATEST_VERSION = len(MIGRATIONS)
