"""Client meta-commands mixed with SQL: psql `\\x`, sqlite3 `.x`, mysql `system`/`source`/`tee`. They are
separated from the SQL first, because some run shell commands or files that no SQL parser sees."""

from __future__ import annotations

import re

from console.core.tiers import Tier

_PSQL_READ = ("d", "l", "dt", "x", "timing", "conninfo", "q", "?", "h", "list", "echo", "pset", "a", "t", "encoding")
_MYSQL_CLIENT = {
    "system": (Tier.DESTRUCTIVE, "runs a shell command"),
    "\\!": (Tier.DESTRUCTIVE, "runs a shell command"),
    "source": (Tier.DESTRUCTIVE, "runs an SQL file hitl cannot check"),
    "\\.": (Tier.DESTRUCTIVE, "runs an SQL file hitl cannot check"),
    "tee": (Tier.WRITE, "writes a file"),
    "\\t": (Tier.WRITE, "writes a file"),
}
_SQLITE_READ = frozenset(
    {
        "tables",
        "schema",
        "indexes",
        "indices",
        "headers",
        "mode",
        "width",
        "databases",
        "show",
        "help",
        "timer",
        "dump",
        "fullschema",
        "stats",
        "eqp",
        "explain",
        "changes",
        "echo",
        "nullvalue",
        "separator",
        "quit",
        "exit",
        "print",
        "dbinfo",
        "lint",
        "columns",
        "box",
        "table",
    }
)


def split_meta(text: str, dialect: str) -> tuple[str, list[tuple[Tier, str]]]:
    """Separate client meta-commands from SQL: the SQL left, and a verdict for each meta-command."""
    sql_lines: list[str] = []
    verdicts: list[tuple[Tier, str]] = []
    for line in text.split("\n"):
        stripped = line.strip()
        if dialect == "postgres" and "\\" in stripped:
            head, _, meta = stripped.partition("\\")
            if "'" not in head:
                sql_lines.append(head)
                verdicts.append(_psql_meta(meta))
                continue
        if dialect == "sqlite" and stripped.startswith("."):
            verdicts.append(_sqlite_dot(stripped[1:]))
            continue
        if dialect == "mysql":
            word = stripped.split(" ", 1)[0].lower().rstrip(";")
            if word in _MYSQL_CLIENT:
                tier, what = _MYSQL_CLIENT[word]
                verdicts.append((tier, f"the client command `{word}` {what}"))
                continue
        sql_lines.append(line)
    return "\n".join(sql_lines), verdicts


def _psql_meta(meta: str) -> tuple[Tier, str]:
    word = meta.split(None, 1)[0] if meta.split() else ""
    if word.startswith("!"):
        return Tier.DESTRUCTIVE, "`\\!` runs a shell command"
    if word in ("i", "ir", "include", "include_relative"):
        return Tier.DESTRUCTIVE, f"`\\{word}` runs an SQL file hitl cannot check"
    if word.startswith(("d", "l")) or word in _PSQL_READ:
        return Tier.READ, ""
    if word in ("copy", "o", "out", "w", "write", "g", "gx", "s"):
        rest = meta[len(word) :]
        if "|" in rest or re.search(r"(?i)\bprogram\b", rest):  # `\o |cmd`, `\copy ... TO PROGRAM 'cmd'`
            return Tier.DESTRUCTIVE, f"`\\{word}` runs a shell command on the client"
        return Tier.WRITE, f"`\\{word}` reads or writes a file"
    return Tier.WRITE, f"`\\{word}` is a psql command hitl cannot show to be read-only"


def _sqlite_dot(command: str) -> tuple[Tier, str]:
    word = command.split(None, 1)[0] if command.split() else ""
    if word in ("shell", "system"):
        return Tier.DESTRUCTIVE, f"`.{word}` runs a shell command"
    if word in ("read", "restore", "load"):
        return Tier.DESTRUCTIVE, f"`.{word}` loads content hitl cannot check"
    if word in _SQLITE_READ:
        return Tier.READ, ""
    return Tier.WRITE, f"`.{word}` is an sqlite3 command that may write"
