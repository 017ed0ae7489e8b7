"""`hitl` entry point: with no sub-command it opens the console; sub-commands serve scripts and people
without the TUI. Each sub-command lives in its own module under `console.commands` and registers itself.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from console import __version__
from console.commands.failures import EXIT_INTERRUPTED, report
from console.commands.out import tell
from console.core.errors import HitlError
from console.core.textsafe import shown

# Modules in console.commands, each with `register(subparsers)`; the order is the order in --help.
SUBCOMMANDS = (
    "config_cmd",
    "themes_cmd",
    "classify_cmd",
    "hosts_cmd",
    "exec_cmd",
    "rollback_cmd",
    "approvals_cmd",
    "history_cmd",
    "audit_cmd",
    "mcp_cmd",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hitl",
        description="Human-in-the-loop operations console. With no sub-command, opens the console.",
    )
    parser.add_argument("--version", action="version", version=f"hitl {__version__}")
    parser.add_argument("--theme", metavar="NAME", help="theme for this run (see `hitl themes`)")
    parser.add_argument("--host", metavar="NAME", default="local", help="host to start on (default: local)")
    parser.add_argument("--resume", action="store_true", help="continue the last stored conversation")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")
    for name in SUBCOMMANDS:
        importlib.import_module(f"console.commands.{name}").register(subparsers)
    parser.set_defaults(func=None)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """The one place where errors become exit statuses (see `console.commands.failures`)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.func is None:
            from console.commands.console_cmd import run_console

            return run_console(args)
        result: int = args.func(args)
        return result
    except HitlError as error:
        return report(error)
    except KeyboardInterrupt:
        tell(shown("hitl: interrupted"))
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader went away (`hitl audit export | head`): not an error; silence the final flush.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
