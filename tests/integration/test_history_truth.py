"""History tells the truth: who proposed each action (operator, model, an MCP client, a plan and who proposed
it), `remembered` with the rule's id, `skipped` for plan steps that never ran, `interrupted` with the time it
was stopped — in the store, in `hitl history`, in `hitl history --json` and in the timeline."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime
from pathlib import Path

import pytest

from console.cli import main
from console.core.approval import Decision, Lifetime, RememberChoice, Scope
from console.core.events import SessionEvent, StepStarted
from console.core.outcome import Origin, Source
from tests.support.session import RuntimeFactory, ScriptedApprover, approve


def _remember(request: object) -> Decision:
    return Decision(approved=True, remember=RememberChoice(scope=Scope.EXACT, lifetime=Lifetime.DAY))


async def test_history_names_source_rule_skip_and_interruption(
    make_runtime: RuntimeFactory, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    events: list[SessionEvent] = []
    rt = make_runtime(ScriptedApprover(_remember, approve), events=events)
    sleeping = asyncio.Event()
    rt.session.events.subscribe(
        lambda event: sleeping.set() if isinstance(event, StepStarted) and event.command == "sleep 30" else None
    )
    session = rt.session
    marker = tmp_path / "marker"
    await session.run_command("local", f"touch {marker}", source=Origin.OPERATOR)  # approved and remembered
    remembered = await session.run_command("local", f"touch {marker}", source=Origin.MODEL)
    assert remembered.rule is not None
    await session.run_command("local", "true", source=Source(Origin.MCP, "claude-code"))
    plan = await session.run_plan(
        "deploy",
        "local",
        [(f"ls {tmp_path}", ""), (f"cp {tmp_path}/missing {tmp_path}/x", ""), (f"touch {tmp_path}/never", "")],
        source=Origin.MODEL,
    )
    task = asyncio.ensure_future(session.run_command("local", "sleep 30", source=Origin.OPERATOR))
    await asyncio.wait_for(sleeping.wait(), 15)
    await asyncio.sleep(0.2)
    stopped_at = datetime.now()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task

    records = {r.command: r for r in rt.memory.actions(limit=50)}
    assert records["true"].source == "mcp:claude-code"
    assert [r.source for r in rt.memory.actions(limit=50) if r.command == f"touch {marker}"] == ["model", "operator"]
    steps = [r for r in rt.memory.actions(limit=50) if r.source.startswith("plan:")]
    assert {r.source for r in steps} == {f"plan:{plan.plan.id} (model)"}
    never = records[f"touch {tmp_path}/never"]
    assert (never.state, never.reason) == ("skipped", "not run: step 2 failed")
    sleeper = records["sleep 30"]
    assert (sleeper.state, sleeper.reason) == ("interrupted", "stopped by the operator")
    assert sleeper.finished is not None and abs(sleeper.finished - stopped_at.timestamp()) < 5

    assert main(["history"]) == 0
    table = capsys.readouterr().out
    rule_id = remembered.rule
    assert f"remembered {rule_id}" in table
    assert "mcp:claude-code" in table and f"plan:{plan.plan.id} (model)" in table
    assert "skipped: not run: step 2 failed" in table
    assert f"interrupted at {datetime.fromtimestamp(sleeper.finished).strftime('%Y-%m-%d %H:%M:%S')}" in table
    assert "approved abandoned" not in table

    assert main(["history", "--json"]) == 0
    listed = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    rows = {row["command"]: row for row in listed}
    by_rule = [row for row in listed if row["decision"] == "remembered"]
    assert by_rule and by_rule[0]["rule_id"] == rule_id
    assert rows["sleep 30"]["outcome"] == "interrupted" and rows["sleep 30"]["finished"].endswith("Z")
    assert rows[f"touch {tmp_path}/never"]["outcome"] == "skipped"

    points = {(point.proposed_by, point.decided) for point in rt.session.timeline()}
    assert points == {
        ("operator", "approved by the operator"),
        ("model", f"remembered {rule_id}"),
        (f"plan:{plan.plan.id} (model)", "approved by the operator"),
    }
    assert rt.memory.verify_audit().ok
