"""SQL reaching a database client (`psql -c`, `mysql -e`, `sqlite3 DB SQL`, files, stdin, heredocs), tiered
by its statements (`statements.py`, sqlglot) after the client's own meta-commands (`meta.py`)."""

from __future__ import annotations

from console.core.classify.analyzers.context import Context
from console.core.classify.analyzers.registry import analyzer
from console.core.classify.analyzers.sql.meta import split_meta
from console.core.classify.model import CaptureStrategy, Target, TargetKind
from console.core.tiers import Tier

_KINDS: dict[str, TargetKind] = {"sqlite": "sqlite", "mysql": "mysql"}
_CAPTURE: dict[TargetKind, CaptureStrategy] = {"postgres": "pg_dump", "mysql": "mysqldump", "sqlite": "sqlite"}


@analyzer("sql", dialect="str", sql_options="strings", file_options="strings", db_options="strings")
def sql(ctx: Context) -> bool:
    from console.core.classify.analyzers.sql.statements import tier_sql

    params = ctx.params
    parsed = ctx.parsed
    dialect = params.get("dialect", "postgres")
    sql_parts = [value for option, value in parsed.options if option in params.get("sql_options", ())]
    all_files = [value for option, value in parsed.options if option in params.get("file_options", ())]
    files = [path for path in all_files if path != "-"]
    operands = [w.text for w in parsed.operands]
    database = next((v for o, v in parsed.options if o in params.get("db_options", ())), "")
    if dialect == "sqlite":
        database = operands[0] if operands else ""
        sql_parts += operands[1:]
    elif not database and operands:
        database = operands[0]
    kind = _KINDS.get(dialect, "postgres" if dialect == "postgres" else "other")
    capture: tuple[CaptureStrategy, ...] = (_CAPTURE[kind],) if kind in _CAPTURE else ()
    place = f"`{ctx.name}`" + (f" on {database}" if database else "")
    where = ctx.where
    for path in filter(None, files):
        ctx.add(
            Tier.DESTRUCTIVE,
            f"{place} runs the SQL file {path}, which hitl cannot check{where}",
            (Target(kind, database),),
            capture,
            consequence=f"Runs every statement in {path} against {database or 'the database'}.",
        )
    if not sql_parts and not files:
        stdin = ctx.command.stdin
        if stdin is None:
            if "-l" in parsed.names or "--list" in parsed.names:
                return False
            ctx.add(
                Tier.WRITE,
                f"{place} opens an interactive session where anything can be typed{where}",
                (Target(kind, database),),
                capture,
            )
            return False
        if stdin.text is None:
            ctx.add(
                Tier.DESTRUCTIVE,
                f"{place} runs SQL from {stdin.source}, which hitl cannot check{where}",
                (Target(kind, database),),
                capture,
                consequence=f"Runs whatever SQL {stdin.source} produces.",
            )
            return False
        sql_parts = [stdin.text]
    for text in sql_parts:
        statements, meta = split_meta(text, dialect)
        for tier, reason in meta:
            ctx.add(
                tier,
                f"{place}: {reason}{where}",
                (Target(kind, database),) if tier > Tier.READ else (),
                capture if tier > Tier.READ and "shell" not in reason else (),
            )
        for verdict in tier_sql(statements, dialect):
            if verdict.tier == Tier.READ:
                continue
            tables = verdict.tables or ("",)
            targets = tuple(
                Target(kind, database if kind == "sqlite" else ".".join(p for p in (database, t) if p)) for t in tables
            )
            ctx.add(verdict.tier, f"{place}: {verdict.reason}{where}", targets, capture)
    return False
