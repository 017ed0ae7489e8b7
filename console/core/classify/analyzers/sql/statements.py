"""SQL reaching a database client, tiered by its statements.

sqlglot parses the dialects we meet and is imported only when SQL is actually seen. The whole tree of each
statement is walked (a `DELETE` can hide in a CTE under a `SELECT`); what sqlglot cannot parse, or parses
into something that is not a statement we know, is never READ. Client meta-commands (`\\!`, `.shell`,
`system`) are looked at before the SQL.
"""

from __future__ import annotations

import functools
import logging
import re
from dataclasses import dataclass
from typing import Any

from console.core.tiers import Tier


@dataclass(frozen=True, slots=True)
class SqlVerdict:
    tier: Tier
    reason: str
    tables: tuple[str, ...] = ()


# Functions that change state although they sit in a SELECT.
_DESTRUCTIVE_FUNCTIONS = frozenset(
    {
        "pg_terminate_backend",
        "pg_drop_replication_slot",
        "pg_promote",
        "lo_unlink",
        "dblink_exec",
        "pg_truncate",
        "sys_exec",
        "sys_eval",
    }
)
_WRITE_FUNCTIONS = frozenset(
    {
        "nextval",
        "pg_cancel_backend",
        "setval",
        "set_config",
        "pg_reload_conf",
        "pg_rotate_logfile",
        "pg_switch_wal",
        "lo_import",
        "lo_export",
        "pg_create_restore_point",
        "pg_stat_reset",
        "dblink",
        "load_extension",
        "writefile",
        "edit",
    }
)
# Known read-only functions sqlglot does not model as their own classes.
_READ_FUNCTIONS = frozenset(
    {
        "pg_size_pretty",
        "pg_database_size",
        "pg_relation_size",
        "pg_total_relation_size",
        "pg_table_size",
        "pg_indexes_size",
        "current_database",
        "current_schema",
        "current_user",
        "version",
        "now",
        "pg_is_in_recovery",
        "pg_backend_pid",
        "pg_postmaster_start_time",
        "pg_last_wal_replay_lsn",
        "pg_current_wal_lsn",
        "txid_current_snapshot",
        "age",
        "to_char",
        "date_trunc",
        "database",
        "user",
        "sqlite_version",
        "typeof",
        "json_extract",
        "format",
        "string_agg",
        "array_agg",
        "pg_read_file",
        "pg_read_binary_file",
        "pg_ls_dir",
        "pg_stat_file",
        "load_file",
        "has_table_privilege",
        "has_database_privilege",
        "pg_get_userbyid",
        "pg_conf_load_time",
        "inet_server_addr",
        "pg_current_logfile",
        # ClickHouse and MySQL date, size and aggregate helpers
        "today",
        "yesterday",
        "todate",
        "todatetime",
        "tostartofhour",
        "tostartofday",
        "tostartofminute",
        "tostartofinterval",
        "toyyyymm",
        "formatreadablesize",
        "formatreadablequantity",
        "uniq",
        "uniqexact",
        "quantile",
        "quantiles",
        "countif",
        "sumif",
        "avgif",
        "anylast",
        "argmax",
        "argmin",
        "topk",
        "hostname",
        "uptime",
        "currentdatabase",
        "date_format",
        "from_unixtime",
        "unix_timestamp",
        "curdate",
        "datediff",
        "timestampdiff",
    }
)
_FALLBACK_DESTRUCTIVE = re.compile(r"\b(drop|truncate|delete|revoke|program|shutdown)\b", re.IGNORECASE)
_SQL_COMMENT = re.compile(r"--[^\n]*|/\*.*?\*/", re.DOTALL)
_READ_COMMANDS = {"SHOW", "DESCRIBE", "DESC", "EXPLAIN", "LIST", "HELP"}
_WRITE_COMMANDS = {"VACUUM", "ANALYZE", "REINDEX", "CLUSTER", "CHECKPOINT", "REFRESH", "LOCK", "OPTIMIZE"}


@functools.cache
def _dialect(name: str) -> Any:
    """One sqlglot dialect object per name (building it on every parse costs a quarter of the parse)."""
    from sqlglot.dialects.dialect import Dialect

    _sqlglot()
    return Dialect.get_or_raise(name)


@functools.cache
def _sqlglot() -> Any:
    """sqlglot, imported on first use, its logger quietened once (setting a level clears logging's caches)."""
    import sqlglot

    logging.getLogger("sqlglot").setLevel(logging.ERROR)
    return sqlglot


def _statement_text(text: str) -> str:
    return " ".join(_SQL_COMMENT.sub(" ", text).split())


# Statements judged by their words before any parser: privilege grants, server-wide settings that lose data
# or write files, replication history removal, and column type changes.
_GRANTS = re.compile(r"^\s*GRANT\b", re.IGNORECASE)
_POWERFUL_ROLE = re.compile(
    r"^\s*(ALTER|CREATE)\s+(ROLE|USER)\b.*\b(SUPERUSER|CREATEROLE|BYPASSRLS|REPLICATION|CREATEDB)\b",
    re.IGNORECASE | re.DOTALL,
)
_SERVER_SETTING = re.compile(
    r"^\s*(ALTER\s+SYSTEM\b|SET\s+(GLOBAL|PERSIST|PERSIST_ONLY)\b|SET\s+@@(GLOBAL|PERSIST)\.)", re.IGNORECASE
)
_DANGEROUS_SETTING = re.compile(
    r"\b(fsync|full_page_writes|synchronous_commit|archive_command|restore_command|archive_mode|wal_level"
    r"|shared_preload_libraries|local_preload_libraries|session_preload_libraries|dynamic_library_path"
    r"|ssl|log_directory|data_directory|general_log_file|slow_query_log_file|secure_file_priv|plugin_dir"
    r"|init_connect|init_file|log_bin_trust_function_creators|local_infile|sql_log_bin|innodb_flush_log_at_trx_commit"
    r"|sync_binlog|read_only|super_read_only)\b",
    re.IGNORECASE,
)
_HISTORY_REMOVAL = re.compile(
    r"^\s*(RESET\s+(MASTER|SLAVE|REPLICA|BINARY\s+LOGS)|PURGE\s+(BINARY|MASTER)\s+LOGS)\b", re.IGNORECASE
)
_TYPE_CHANGE = re.compile(
    r"^\s*ALTER\s+TABLE\b.*\b(ALTER\s+(COLUMN\s+)?\S+\s+(SET\s+DATA\s+)?TYPE|MODIFY\s+(COLUMN\s+)?|CHANGE\s+(COLUMN\s+)?)",
    re.IGNORECASE | re.DOTALL,
)
_SHOWS_ONLY = re.compile(r"^\s*(SHOW|DESCRIBE|EXPLAIN)\s+[A-Za-z_]", re.IGNORECASE)
_ANALYZE = re.compile(r"ANALY[SZ]E|[\\(]|--|/\*|#", re.IGNORECASE)  # executes; or anything not plain
_READ_ONLY_START = re.compile(r"^\s*(SHOW|DESCRIBE|DESC|EXPLAIN(?!\s+\(?\s*ANALY[SZ]E))\b", re.IGNORECASE)


def _by_words(statement: str) -> SqlVerdict | None:
    text = _statement_text(statement)
    if _GRANTS.match(text):
        return SqlVerdict(Tier.DESTRUCTIVE, f"GRANT gives privileges: `{text[:60]}`")
    if _POWERFUL_ROLE.match(text):
        return SqlVerdict(Tier.DESTRUCTIVE, f"gives a role administrator powers: `{text[:60]}`")
    if _HISTORY_REMOVAL.match(text):
        return SqlVerdict(Tier.DESTRUCTIVE, f"removes replication or binary-log history: `{text[:60]}`")
    if _TYPE_CHANGE.match(text):
        return SqlVerdict(
            Tier.DESTRUCTIVE, f"changes a column's type, which can truncate or lose values: `{text[:60]}`"
        )
    if _SERVER_SETTING.match(text):
        if _DANGEROUS_SETTING.search(text):
            return SqlVerdict(
                Tier.DESTRUCTIVE, f"changes a server setting that can lose data or write files: `{text[:60]}`"
            )
        return SqlVerdict(Tier.WRITE, f"changes a server-wide setting: `{text[:60]}`")
    return None


def _split_statements(text: str) -> list[str]:
    """The statements of `text`, split at semicolons outside quotes."""
    if "'" not in text and '"' not in text and "`" not in text:
        return [p for p in text.split(";") if p.strip()]
    parts: list[str] = []
    current: list[str] = []
    quote = ""
    for char in text:
        if quote:
            if char == quote:
                quote = ""
        elif char in "'\"`":
            quote = char
        elif char == ";":
            parts.append("".join(current))
            current = []
            continue
        current.append(char)
    parts.append("".join(current))
    return [p for p in parts if p.strip()]


def tier_sql(text: str, dialect: str) -> list[SqlVerdict]:
    """One verdict per statement (or one for the whole text when it cannot be parsed)."""
    if not text.strip():
        return []
    parts = _split_statements(text)
    if parts and all(_SHOWS_ONLY.match(p) and not _ANALYZE.search(p) for p in parts):
        # SHOW, DESCRIBE and EXPLAIN without ANALYZE never execute anything: no parser needed
        return [SqlVerdict(Tier.READ, "") for _ in parts]
    worded = [v for v in map(_by_words, parts) if v is not None]
    sqlglot = _sqlglot()
    try:
        statements = [s for s in _dialect(dialect).parse(text) if s is not None]
    except Exception:  # sqlglot raises several error types; any of them means "cannot read"
        return [*worded, _unparsed(text)]
    try:
        return [*worded, *(_statement(statement, sqlglot.exp) for statement in statements)]
    except Exception:  # a tree shape this code did not expect is as unreadable as a parse error
        return [*worded, _unparsed(text)]


def _unparsed(text: str) -> SqlVerdict:
    snippet = _statement_text(text)[:60]
    if all(_READ_ONLY_START.match(_statement_text(part)) for part in _split_statements(text)):
        return SqlVerdict(Tier.READ, f"`{snippet}` only shows information")
    match = _FALLBACK_DESTRUCTIVE.search(text)
    if match:
        return SqlVerdict(Tier.DESTRUCTIVE, f"SQL hitl cannot parse contains {match.group(1).upper()}: `{snippet}`")
    return SqlVerdict(Tier.WRITE, f"SQL hitl cannot parse (so it cannot be called read-only): `{snippet}`")


def _tables(node: Any, exp: Any) -> tuple[str, ...]:
    names: list[str] = []
    for table in node.find_all(exp.Table):
        name = table.name
        if name and name not in names:
            names.append(name)
    return tuple(names)


def _statement(statement: Any, exp: Any) -> SqlVerdict:
    verdict = _top_level(statement, exp)
    # A modifying statement or a side-effect function anywhere below raises the verdict.
    for node in statement.walk():
        inner = node if not isinstance(node, tuple) else node[0]
        if inner is statement:
            continue
        candidate: SqlVerdict | None = None
        if isinstance(inner, exp.Insert | exp.Update | exp.Delete | exp.Merge | exp.Drop | exp.TruncateTable):
            candidate = _top_level(inner, exp)
        elif isinstance(inner, exp.Anonymous | exp.Func):
            candidate = _function(inner, exp)
        if candidate is not None and candidate.tier > verdict.tier:
            verdict = candidate
    return verdict


def _function(node: Any, exp: Any) -> SqlVerdict | None:
    name = str(node.name if isinstance(node, exp.Anonymous) else node.sql_name()).lower()
    if name in _DESTRUCTIVE_FUNCTIONS:
        return SqlVerdict(Tier.DESTRUCTIVE, f"`{name}()` acts on the server (it is not a read)")
    if name in _WRITE_FUNCTIONS:
        return SqlVerdict(Tier.WRITE, f"`{name}()` changes server state")
    if isinstance(node, exp.Anonymous) and name not in _READ_FUNCTIONS:
        return SqlVerdict(Tier.WRITE, f"calls `{name}()`, a function hitl does not know to be read-only")
    return None


def _top_level(node: Any, exp: Any) -> SqlVerdict:
    tables = _tables(node, exp)
    named = ", ".join(tables) or "rows"
    if isinstance(node, exp.Select | exp.Union | exp.Intersect | exp.Except | exp.Subquery | exp.Values):
        if node.args.get("into") is not None:
            return SqlVerdict(Tier.WRITE, "SELECT INTO creates a table", tables)
        return SqlVerdict(Tier.READ, "a SELECT only reads", tables)
    if isinstance(node, exp.Show | exp.Describe | exp.Use | exp.Transaction | exp.Commit | exp.Rollback):
        return SqlVerdict(Tier.READ, f"`{node.key.upper()}` only reads")
    if isinstance(node, exp.Set):
        if _SERVER_SETTING.match(_statement_text(node.sql())) or "GLOBAL" in node.sql().upper():
            return SqlVerdict(Tier.WRITE, "SET GLOBAL changes a server-wide setting")
        return SqlVerdict(Tier.READ, "SET changes only this session")
    if isinstance(node, exp.Pragma):
        has_value = "=" in node.sql() or "(" in node.sql()
        tier = Tier.WRITE if has_value else Tier.READ
        return SqlVerdict(tier, "PRAGMA with a value changes the database" if has_value else "PRAGMA reads a setting")
    if isinstance(node, exp.Insert):
        return SqlVerdict(Tier.WRITE, f"INSERT adds rows to {named}", tables)
    if isinstance(node, exp.Update | exp.Delete):
        verb = "UPDATE" if isinstance(node, exp.Update) else "DELETE"
        where = node.args.get("where")
        if where is None or _matches_every_row(where.this, exp):
            what = "changes every row of" if verb == "UPDATE" else "deletes every row of"
            how = "without WHERE" if where is None else f"with `WHERE {where.this.sql()}`"
            return SqlVerdict(Tier.DESTRUCTIVE, f"{verb} {how} {what} {named}", tables)
        return SqlVerdict(Tier.WRITE, f"{verb} with WHERE changes rows of {named}", tables)
    if isinstance(node, exp.Merge):
        return SqlVerdict(Tier.WRITE, f"MERGE changes rows of {named}", tables)
    if isinstance(node, exp.Drop):
        kind = str(node.args.get("kind") or "object").upper()
        return SqlVerdict(Tier.DESTRUCTIVE, f"DROP {kind} removes {node.this.sql() if node.this else named}", tables)
    if isinstance(node, exp.TruncateTable):
        return SqlVerdict(Tier.DESTRUCTIVE, f"TRUNCATE empties {named}", tables)
    if isinstance(node, exp.Revoke):
        return SqlVerdict(Tier.DESTRUCTIVE, "REVOKE removes permissions", tables)
    if isinstance(node, exp.Grant):
        return SqlVerdict(Tier.DESTRUCTIVE, "GRANT gives privileges", tables)
    if isinstance(node, exp.Alter):
        if any(isinstance(action, exp.Drop) for action in node.args.get("actions") or []) or " DROP " in node.sql():
            return SqlVerdict(Tier.DESTRUCTIVE, f"ALTER ... DROP removes part of {named}", tables)
        return SqlVerdict(Tier.WRITE, f"ALTER changes the schema of {named}", tables)
    if isinstance(node, exp.Create):
        return SqlVerdict(Tier.WRITE, "CREATE adds a database object", tables)
    if isinstance(node, exp.Copy):
        text = node.sql().upper()
        if "PROGRAM" in text:
            return SqlVerdict(Tier.DESTRUCTIVE, "COPY ... PROGRAM runs a shell command on the database server", tables)
        return SqlVerdict(Tier.WRITE, f"COPY moves data between {named} and a file", tables)
    if isinstance(node, exp.Command):
        return _command(node)
    return SqlVerdict(Tier.WRITE, f"a `{node.key.upper()}` statement hitl cannot show to be read-only", tables)


def _matches_every_row(condition: Any, exp: Any) -> bool:
    """`WHERE 1=1`, `WHERE true`, `WHERE id = id`, `WHERE x OR 1=1`, `WHERE name LIKE '%'`: a condition that
    names no column (a constant), compares a thing with itself, or has such a branch in an OR."""
    if isinstance(condition, exp.Paren):
        return _matches_every_row(condition.this, exp)
    if isinstance(condition, exp.Or):
        return _matches_every_row(condition.this, exp) or _matches_every_row(condition.expression, exp)
    if isinstance(condition, exp.And):
        return _matches_every_row(condition.this, exp) and _matches_every_row(condition.expression, exp)
    if isinstance(condition, exp.EQ | exp.GTE | exp.LTE | exp.Is) and condition.this == condition.expression:
        return True
    if isinstance(condition, exp.Like) and condition.expression.sql().strip("'%") == "":
        return True
    has_subquery = condition.find(exp.Select) is not None
    return not has_subquery and condition.find(exp.Column) is None


def _command(node: Any) -> SqlVerdict:
    keyword = str(node.this).upper()
    # sqlglot keeps the rest of an unsupported statement as a Literal or (in some versions) a plain str.
    expression = node.expression
    rest = "" if expression is None else expression if isinstance(expression, str) else str(expression.this)
    if keyword == "EXPLAIN":
        words = rest.split()
        statement = " ".join(words[1:])
        executes = bool(words) and words[0].upper().startswith(("ANALYZE", "(ANALYZE", "ANALYSE"))
        if rest.lstrip().startswith("("):  # `EXPLAIN (BUFFERS, ANALYZE) stmt`: options in any order
            options, _, statement = rest.lstrip()[1:].partition(")")
            executes = bool(re.search(r"(?i)\bANALY[SZ]E\b(?!\s+(false|off|0)\b)", options))
        if executes:
            inner = tier_sql(statement, "postgres")
            worst = max(inner, key=lambda v: v.tier, default=None)
            if worst is not None and worst.tier > Tier.READ:
                return SqlVerdict(worst.tier, f"EXPLAIN ANALYZE really executes it: {worst.reason}", worst.tables)
            return SqlVerdict(Tier.READ, "EXPLAIN ANALYZE of a read")
        return SqlVerdict(Tier.READ, "EXPLAIN only shows the plan")
    if keyword in _READ_COMMANDS:
        return SqlVerdict(Tier.READ, f"`{keyword}` only reads")
    if keyword in _WRITE_COMMANDS:
        return SqlVerdict(Tier.WRITE, f"`{keyword}` does maintenance work on the database")
    if _FALLBACK_DESTRUCTIVE.search(rest) or keyword in {"DROP", "TRUNCATE", "REVOKE", "DELETE"}:
        return SqlVerdict(Tier.DESTRUCTIVE, f"`{keyword} {rest[:40]}` can remove data")
    return SqlVerdict(Tier.WRITE, f"`{keyword}` is a statement hitl cannot show to be read-only")
