"""`hitl themes`: one available theme name per line."""

from __future__ import annotations

import argparse
from typing import Any

from console.commands.out import say, tell
from console.core.paths import resolve_paths
from console.core.textsafe import shown_line
from console.core.themes import discover_themes


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("themes", help="list available themes, one per line")
    parser.add_argument("--builtin", action="store_true", help="also list Textual's built-in themes")
    parser.set_defaults(func=_themes)


def _themes(args: argparse.Namespace) -> int:
    catalog = discover_themes(resolve_paths().user_themes_dir)
    for name in sorted(catalog.themes):
        say(shown_line(name))
    if args.builtin:
        from textual.theme import BUILTIN_THEMES

        for name in sorted(BUILTIN_THEMES):
            say(shown_line(name))
    for problem in catalog.errors:
        tell(shown_line(f"hitl: skipped theme: {problem}"))
    return 0
