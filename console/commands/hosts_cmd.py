"""`hitl hosts`: the hosts hitl knows and where each came from; `hitl hosts check [NAME]` connects to them."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from typing import Any

from console.commands.terminal import terminal_trust_prompt
from console.core.paths import Paths, resolve_paths
from console.core.transport.inventory import HostSpec, load_inventory
from console.core.transport.probe import probe_host


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("hosts", help="list known hosts; `hosts check [NAME]` tests connections")
    parser.set_defaults(func=_list)
    actions = parser.add_subparsers(dest="hosts_action", metavar="ACTION")
    check = actions.add_parser("check", help="connect and report reachability, latency, OS and sudo")
    check.add_argument("name", nargs="?", help="host to check (default: every host)")
    check.add_argument("--timeout", type=float, default=15.0, help="seconds per host (default 15)")
    check.set_defaults(func=_check)


def _list(args: argparse.Namespace) -> int:
    inventory = load_inventory(resolve_paths())
    for warning in inventory.warnings:
        print(f"hitl: warning: {warning}", file=sys.stderr)
    rows = [("NAME", "ADDRESS", "LABELS", "POLICY", "SOURCE")]
    rows += [
        (spec.name, _address(spec), ",".join(spec.labels) or "-", spec.policy or "-", spec.source)
        for spec in inventory.all()
    ]
    widths = [max(len(row[column]) for row in rows) for column in range(4)]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False)) + "  " + row[4])
    return 0


def _address(spec: HostSpec) -> str:
    if spec.is_local:
        return "this machine"
    user = f"{spec.user}@" if spec.user else ""
    port = f":{spec.port}" if spec.port else ""
    return f"{user}{spec.hostname}{port}"


def _check(args: argparse.Namespace) -> int:
    paths = resolve_paths()
    inventory = load_inventory(paths)
    specs = [inventory.get(args.name)] if args.name else inventory.all()
    for warning in inventory.warnings:
        print(f"hitl: warning: {warning}", file=sys.stderr)
    reachable = asyncio.run(_check_all(specs, paths, args.timeout))
    return 0 if all(reachable) else 1


async def _check_all(specs: list[HostSpec], paths: Paths, timeout: float) -> list[bool]:
    return [await _check_one(spec, paths, timeout) for spec in specs]


async def _check_one(spec: HostSpec, paths: Paths, timeout: float) -> bool:
    result = await probe_host(
        spec, paths, terminal_trust_prompt, passphrase_prompt=_terminal_passphrase, timeout=timeout
    )
    for line in result.lines():
        print(line)
    return result.reachable


async def _terminal_passphrase(prompt: str) -> str | None:
    if not sys.stdin.isatty():
        return None
    return await asyncio.to_thread(getpass.getpass, prompt)
