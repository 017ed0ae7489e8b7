"""`hitl history` and `hitl audit verify|export` against a real database under HITL_HOME."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from console.cli import main
from console.core.memory import MemoryStore
from console.core.memory.since import parse_since


def _db(home: Path) -> Path:
    return home / "data" / "hitl.sqlite3"


def _record(home: Path) -> None:
    with MemoryStore.open(_db(home), operator="ops@hq") as store:
        first = store.record_proposal(
            session_id=None, host="web1", command="systemctl restart nginx", tier="WRITE", reasons=["r"], source="model"
        )
        store.record_decision(first, decision="approved", decided_by="operator", latency=2.0, reason=None, digest="d")
        store.record_start(first)
        store.record_finish(first, exit_status=0, ended="exited", output="ok", rollback_key="rb-7f3a")
        second = store.record_proposal(
            session_id=None, host="db1", command="DROP TABLE users", tier="DESTRUCTIVE", reasons=["r"], source="model"
        )
        store.record_decision(second, decision="rejected", decided_by="operator", latency=9.0, reason="no", digest=None)


def test_history_lists_newest_first_with_tier_decision_exit_and_key(hitl_home: Path, capsys) -> None:
    _record(hitl_home)
    assert main(["history"]) == 0
    lines = capsys.readouterr().out.splitlines()
    header = ["ID", "WHEN", "HOST", "OPERATOR", "TIER", "SOURCE", "DECISION", "EXIT", "ROLLBACK", "COMMAND"]
    assert lines[0].split() == header
    assert "DROP TABLE users" in lines[1] and "rejected" in lines[1] and "not run" in lines[1]
    restart = lines[2].split()
    assert restart[3:9] == ["web1", "ops@hq", "WRITE", "model", "approved", "0"] and "rb-7f3a" in restart


def test_history_filters_and_json(hitl_home: Path, capsys) -> None:
    _record(hitl_home)
    assert main(["history", "--host", "web1", "--json"]) == 0
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["command"] for r in records] == ["systemctl restart nginx"]
    assert records[0]["exit_status"] == 0 and records[0]["rollback_key"] == "rb-7f3a"
    assert (records[0]["operator"], records[0]["approved_by"]) == ("ops@hq", None)
    assert records[0]["proposed"].endswith("Z")
    assert main(["history", "--since", "2000-01-01", "--limit", "1", "--json"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 1
    future = time.strftime("%Y-%m-%d", time.localtime(time.time() + 3 * 86400))
    assert main(["history", "--since", future]) == 0
    assert "no actions recorded in that period" in capsys.readouterr().out


def test_history_without_a_database_creates_nothing(hitl_home: Path, capsys) -> None:
    assert main(["history"]) == 0
    assert "no actions recorded" in capsys.readouterr().out
    assert not _db(hitl_home).exists()


def test_bad_since_is_a_usage_error(capsys) -> None:
    with pytest.raises(SystemExit) as done:
        main(["history", "--since", "last tuesday"])
    assert done.value.code == 2
    assert "2025-01-31" in capsys.readouterr().err


def test_parse_since_forms() -> None:
    now = 1_750_000_000.0
    assert parse_since("24h", now) == now - 86400
    assert parse_since("90m", now) == now - 5400
    assert parse_since("2025-01-31T00:00:00+00:00", now) == 1738281600.0
    with pytest.raises(ValueError, match="duration"):
        parse_since("2025", now)


def test_audit_verify_then_tamper(hitl_home: Path, capsys) -> None:
    _record(hitl_home)
    assert main(["audit", "verify"]) == 0
    assert "6 rows intact" in capsys.readouterr().out
    raw = sqlite3.connect(_db(hitl_home))
    raw.execute("UPDATE audit SET payload = replace(payload, 'rejected', 'approved') WHERE id = 6")
    raw.commit()
    raw.close()
    assert main(["audit", "verify"]) == 1
    assert "broken at row 6" in capsys.readouterr().err


def test_audit_export_formats(hitl_home: Path, capsys) -> None:
    _record(hitl_home)
    assert main(["audit", "export", "--format", "jsonl"]) == 0
    events = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [e["kind"] for e in events][:2] == ["action-proposed", "action-decided"]
    assert main(["audit", "export", "--format", "csv", "--since", "1h"]) == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert rows[0][:3] == ["id", "time", "kind"] and len(rows) == 7
    assert main(["audit", "export", "--since", "1ms"]) == 0
    assert capsys.readouterr().out == ""


def test_corrupt_database_is_one_clear_line_and_untouched(hitl_home: Path) -> None:
    db = _db(hitl_home)
    db.parent.mkdir(parents=True)
    db.write_bytes(b"\x00garbage" * 1000)
    for command in (["history"], ["audit", "verify"]):
        done = subprocess.run([sys.executable, "-m", "console", *command], capture_output=True, text=True, check=False)
        assert done.returncode == 2
        assert "Traceback" not in done.stderr
        assert str(db) in done.stderr
        assert done.stderr.count("\n") == 1
    assert db.read_bytes() == b"\x00garbage" * 1000


def test_help_lists_history_and_audit(capsys) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    assert "history" in out and "audit" in out
