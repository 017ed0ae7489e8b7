"""Fail closed: when the team store cannot be reached nothing runs unrecorded. The CLI says so in one line (exit
2, never the password), a session whose store goes away mid-way runs nothing more, and the console says so and
keeps trying until the store answers."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from console.core.errors import StoreError
from console.core.memory.records import StoreUnreachable
from tests.fixtures.sshd import free_port
from tests.fixtures.team_store import TeamDatabase
from tests.support.session import RuntimeFactory, ScriptedApprover, approve

ROOT = Path(__file__).parents[2]


def _hitl(store: str, *args: str) -> subprocess.CompletedProcess[str]:
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith("HITL_")}
    env.update(HITL_HOME=os.environ["HITL_HOME"], HITL_STORE=store)
    return subprocess.run(
        [sys.executable, "-m", "console", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    "args", [("history",), ("audit", "verify"), ("exec", "local", "--", "ls", "/"), ("rollbacks",)]
)
def test_an_unreachable_store_is_one_line_and_exit_2(args: tuple[str, ...]) -> None:
    store = f"postgresql://alice:s3cret-pw@127.0.0.1:{free_port()}/hitl"
    done = _hitl(store, *args)
    assert done.returncode == 2, done
    assert done.stderr.count("\n") == 1, done.stderr
    assert done.stderr.startswith("hitl: memory store: postgresql://alice@127.0.0.1:")
    assert "cannot be reached" in done.stderr
    assert "s3cret" not in done.stderr + done.stdout
    assert done.stdout == ""  # `exec` ran nothing: `ls /` printed nothing


def _cut_off(team_db: TeamDatabase) -> None:
    """The database goes away: no new connections, every open one ended."""
    team_db.team.admin(f"ALTER DATABASE {team_db.name} ALLOW_CONNECTIONS false")
    team_db.team.admin(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
        team_db.name,
    )


async def test_a_store_lost_before_the_run_stops_the_command(
    team_db: TeamDatabase, tmp_path: Path, make_runtime: RuntimeFactory
) -> None:
    make_runtime.store_url = team_db.url("alice")
    target = tmp_path / "motd"

    def lose_the_store_then_approve(request: object) -> object:
        _cut_off(team_db)
        return approve(request)  # type: ignore[arg-type]

    rt = make_runtime(ScriptedApprover(lose_the_store_then_approve))  # type: ignore[arg-type]
    try:
        with pytest.raises(StoreUnreachable, match="cannot be reached"):
            await rt.session.run_command("local", f"touch {target}")
        assert not target.exists()
        with pytest.raises(StoreError):
            await rt.session.run_command("local", f"ls {tmp_path}")
    finally:
        team_db.team.admin(f"ALTER DATABASE {team_db.name} ALLOW_CONNECTIONS true")
    # Back: the pool reconnects, and what was recorded is verifiable.
    outcome = await rt.session.run_command("local", f"ls {tmp_path}")
    assert outcome.ok
    assert rt.memory.verify_audit().ok
    touch = [a for a in rt.memory.actions() if a.command.startswith("touch")]
    assert [a.state for a in touch] == ["proposed"]  # proposed, never decided: it did not run
