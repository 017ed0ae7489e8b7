"""One team store, two operators in two real processes: one history with who did what, one audit chain that
`hitl audit verify` checks against PostgreSQL (and that names a row edited behind its back), concurrent writers
that keep it one chain."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
from pathlib import Path

from tests.fixtures.team_store import TeamDatabase
from tests.integration.test_four_eyes import hitl, operator_env

WRITER = """
import sys
from pathlib import Path
from console.core.memory.postgres import PostgresStore
store = PostgresStore.open(sys.argv[1], snapshots_dir=Path('/nonexistent'))
print('ready', flush=True)
sys.stdin.readline()
for n in range(int(sys.argv[2])):
    a = store.record_proposal(session_id=None, host='web1', command=f'echo {n}', tier='READ', reasons=[], source='x')
    store.record_decision(a, decision='auto', decided_by='classifier', latency=None, reason=None, digest=None)
store.close()
print('done', flush=True)
"""


def test_two_operators_share_one_history_with_their_names(team_db: TeamDatabase, tmp_path: Path) -> None:
    alice = operator_env(team_db, "alice", tmp_path / "alice", HITL_FOUR_EYES_LABELS="")
    bob = operator_env(team_db, "bob", tmp_path / "bob", HITL_FOUR_EYES_LABELS="")
    assert hitl(alice, "exec", "local", "--", "echo", "from-alice").returncode == 0
    assert hitl(bob, "exec", "local", "--", "echo", "from-bob").returncode == 0
    for env in (alice, bob):
        records = [json.loads(line) for line in hitl(env, "history", "--json").stdout.splitlines()]
        assert [(r["operator"], r["command"]) for r in records] == [
            ("bob", "echo from-bob"),
            ("alice", "echo from-alice"),
        ]
    table = hitl(alice, "history").stdout.splitlines()
    assert table[0].split()[3] == "OPERATOR" and table[1].split()[4] == "bob"
    exported = [json.loads(line) for line in hitl(bob, "audit", "export").stdout.splitlines()]
    assert {"alice", "bob"} <= {row["operator"] for row in exported}


def test_audit_verify_on_the_team_store_names_a_row_edited_behind_its_back(
    team_db: TeamDatabase, tmp_path: Path
) -> None:
    alice = operator_env(team_db, "alice", tmp_path / "alice", HITL_FOUR_EYES_LABELS="")
    assert hitl(alice, "exec", "local", "--", "echo", "hello").returncode == 0
    verified = hitl(alice, "audit", "verify")
    assert verified.returncode == 0 and "every history row and rollback point matches" in verified.stdout
    action_id = team_db.query("SELECT id FROM actions WHERE command = 'echo hello'")[0][0]
    team_db.query("UPDATE actions SET command = 'echo innocent' WHERE id = %s", action_id)
    broken = hitl(alice, "audit", "verify")
    assert broken.returncode == 1
    assert f"actions row {action_id}" in broken.stderr and "changed after audit row" in broken.stderr
    team_db.query("UPDATE actions SET command = 'echo hello' WHERE id = %s", action_id)
    team_db.query("UPDATE audit SET payload = replace(payload, 'hello', 'bye') WHERE kind = 'action-proposed'")
    assert "was altered" in hitl(alice, "audit", "verify").stderr


def test_two_writers_at_once_keep_one_verifiable_chain(team_db: TeamDatabase, tmp_path: Path) -> None:
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, team_db.url(login), "150"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=Path(__file__).parents[2],
        )
        for login in ("alice", "bob")
    ]
    for writer in writers:
        assert writer.stdout is not None and writer.stdout.readline().strip() == "ready"
    for writer in writers:  # both start together
        assert writer.stdin is not None
        writer.stdin.write("go\n")
        writer.stdin.flush()
    for writer in writers:
        assert writer.stdout is not None and writer.stdout.readline().strip() == "done"
        writer.wait(30)
    rows = team_db.query("SELECT operator, count(*) FROM actions GROUP BY operator ORDER BY operator")
    assert rows == [("alice", 150), ("bob", 150)]
    alice = operator_env(team_db, "alice", tmp_path / "alice", HITL_FOUR_EYES_LABELS="")
    verified = hitl(alice, "audit", "verify")
    assert verified.returncode == 0, verified.stderr
    interleaved = [r[0] for r in team_db.query("SELECT payload::json->>'operator' FROM audit ORDER BY id")]
    switches = sum(1 for a, b in itertools.pairwise(interleaved) if a != b)
    assert switches > 2, "the writers did not actually overlap"


def test_the_first_operator_to_connect_creates_the_tables_for_the_whole_team(team_db: TeamDatabase) -> None:
    from console.core.memory.postgres import PostgresStore

    team_db.team.admin(f"CREATE DATABASE {team_db.name}_fresh OWNER hitl_owner")
    try:
        fresh = team_db.team.url(f"{team_db.name}_fresh", "alice")
        with PostgresStore.open(fresh, snapshots_dir=Path("/nonexistent")) as alice:
            alice.add_note("first")
        owners = team_db.team.query(f"{team_db.name}_fresh", "SELECT DISTINCT tableowner FROM pg_tables"
                                    " WHERE schemaname = 'public'")  # fmt: skip
        assert owners == [("hitl_owner",)]
        with PostgresStore.open(fresh.replace("alice@", "bob@"), snapshots_dir=Path("/nonexistent")) as bob:
            bob.add_note("second")
            assert [n.text for n in bob.notes()] == ["second", "first"]
            assert bob.verify_audit().ok
    finally:
        team_db.team.admin(f"DROP DATABASE IF EXISTS {team_db.name}_fresh WITH (FORCE)")
