"""Opening the full-screen console (what `hitl` does with no sub-command)."""

from __future__ import annotations

import argparse
from dataclasses import replace

from console.commands.context import load_context
from console.core.themes import discover_themes


def run_console(args: argparse.Namespace) -> int:
    context = load_context()
    settings = context.settings
    if args.theme:
        settings = replace(settings, theme=args.theme)
    from console.tui.app import HitlApp

    app = HitlApp(
        settings,
        discover_themes(context.paths.user_themes_dir),
        host=args.host,
        paths=context.paths,
        resume=args.resume,
    )
    app.run()
    return 0
