"""`hitl classify`: the tier, reasons, targets and capture plan of shell commands, without running them.

`hitl classify [--json] COMMAND...` classifies each argument as one command line. With `-` as the only
command, lines are read from standard input as JSON Lines: each a JSON string or `{"command": ...}`. A bad
line gets an error object naming the line and the rest are still classified.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from console.commands.context import load_context
from console.commands.out import json_line, say, tell
from console.core.approval import describe_target
from console.core.classify import Classification, classify, effective_rules, hitl_paths
from console.core.textsafe import Shown, shown, shown_join, shown_line


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "classify",
        help="classify shell commands as READ / WRITE / DESTRUCTIVE (never runs them)",
        description="Classify each COMMAND (one shell command line per argument). With `-`, read JSON Lines "
        'from standard input: a JSON string or {"command": ...} per line.',
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object per command")
    parser.add_argument("commands", nargs="+", metavar="COMMAND", help="a command line, or - for stdin")
    parser.set_defaults(func=_classify)


def _classify(args: argparse.Namespace) -> int:
    context = load_context()
    rules = effective_rules(context.paths.config_dir)
    unknown = context.settings.unknown_command_tier
    own = hitl_paths(context.paths)  # hitl's own configuration, data and state: writing there is DESTRUCTIVE

    def emit(result: Classification) -> None:
        if args.json:
            json_line(json.dumps(result.to_json(), ensure_ascii=False))
        else:
            say(_human(result))

    if args.commands == ["-"]:
        for number, line in enumerate(sys.stdin, start=1):
            if not line.strip():
                continue
            command, problem = _command_from_line(line)
            if command is None:
                error = {"line": number, "error": problem}
                if args.json:
                    json_line(json.dumps(error))
                else:
                    tell(shown_line(f"hitl: line {number}: {problem}"))
                continue
            emit(classify(command, rules=rules, unknown_tier=unknown, critical_paths=own))
        return 0
    for command in args.commands:
        emit(classify(command, rules=rules, unknown_tier=unknown, critical_paths=own))
    return 0


def _command_from_line(line: str) -> tuple[str | None, str]:
    try:
        value = json.loads(line)
    except json.JSONDecodeError as error:
        return None, f"not valid JSON ({error.msg} at column {error.colno})"
    if isinstance(value, str):
        return value, ""
    if isinstance(value, dict) and isinstance(value.get("command"), str):
        return value["command"], ""
    return None, 'expected a JSON string or an object with a string "command"'


def _human(result: Classification) -> Shown:
    lines = [shown(f"{result.tier.name:<11} {result.command}")]
    lines += [shown_line(f"  why:      {reason}") for reason in result.reasons]
    if result.targets:
        lines.append(shown_line("  targets:  " + ", ".join(describe_target(target) for target in result.targets)))
    if result.consequence:
        lines.append(shown_line(f"  effect:   {result.consequence}"))
    if result.tier.value > 0:
        lines.append(shown_line("  capture:  " + (", ".join(result.capture) if result.capture else "NO ROLLBACK")))
    lines += [shown_line(f"  lowered:  {who}") for who in result.lowered_by]
    return shown_join("\n", lines)
