"""`hitl config path|show`."""

from __future__ import annotations

import argparse
from dataclasses import asdict
from typing import Any

from console.commands.context import load_context
from console.commands.out import say
from console.core.config import DOCUMENTATION, without_password
from console.core.paths import resolve_paths
from console.core.textsafe import shown_line


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("config", help="where hitl keeps its files, and the effective settings")
    actions = parser.add_subparsers(dest="config_action", metavar="ACTION", required=True)
    path = actions.add_parser("path", help="print where config, hosts, data, state and snapshots live")
    path.set_defaults(func=_path)
    show = actions.add_parser("show", help="print the effective settings (file + environment)")
    show.set_defaults(func=_show)


def _path(_args: argparse.Namespace) -> int:
    for name, location in resolve_paths().as_dict().items():
        say(shown_line(f"{name:<12} {location}"))
    return 0


def _show(_args: argparse.Namespace) -> int:
    context = load_context()
    say(shown_line(f"# {context.paths.config_file}"))
    for key, value in asdict(context.settings).items():
        kept = without_password(value) if key == "store" else value
        say(shown_line(f"{key} = {kept!r}  # {DOCUMENTATION[key]}"))
    return 0
