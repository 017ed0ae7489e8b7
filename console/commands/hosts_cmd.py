"""`hitl hosts`: the hosts hitl knows and where each came from; `hitl hosts check [NAME]` connects to them."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from typing import Any

from console.commands.out import say, tell
from console.commands.terminal import terminal_trust_prompt
from console.core.config import load_settings
from console.core.hosts import InventoryHosts, open_hosts
from console.core.paths import resolve_paths
from console.core.textsafe import shown, shown_line


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("hosts", help="list known hosts; `hosts check [NAME]` tests connections")
    parser.set_defaults(func=_list)
    actions = parser.add_subparsers(dest="hosts_action", metavar="ACTION")
    check = actions.add_parser("check", help="connect and report reachability, latency, OS, sudo and read confinement")
    check.add_argument("name", nargs="?", help="host to check (default: every host)")
    check.add_argument("--timeout", type=float, default=15.0, help="seconds per host (default 15)")
    check.set_defaults(func=_check)


def _warn(hosts: InventoryHosts) -> None:
    for warning in hosts.warnings:
        tell(shown_line(f"hitl: warning: {warning}"))


def _open() -> InventoryHosts:
    paths = resolve_paths()
    return open_hosts(paths, inventory_files=load_settings(paths.config_file).inventory)


def _list(args: argparse.Namespace) -> int:
    hosts = _open()
    _warn(hosts)
    rows: list[tuple[str, ...]] = [("NAME", "ADDRESS", "LABELS", "POLICY", "SOURCE")]
    rows += [
        tuple(
            shown_line(cell)
            for cell in (host.name, host.address, ",".join(host.labels) or "-", host.policy or "-", host.source)
        )
        for host in hosts.all()
    ]
    widths = [max(len(row[column]) for row in rows) for column in range(4)]
    for row in rows:
        say(shown_line("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False)) + "  " + row[4]))
    groups = [
        (shown_line(f"@{name}"), shown_line(", ".join(members) or "-")) for name, members in hosts.groups().items()
    ]
    if groups:
        say(shown(""))
        width = max(len(name) for name, _members in groups)
        say(shown_line("GROUP".ljust(width) + "  HOSTS"))
        for name, members in groups:
            say(shown_line(name.ljust(width) + "  " + members))
    return 0


def _check(args: argparse.Namespace) -> int:
    paths = resolve_paths()
    hosts = open_hosts(paths, inventory_files=load_settings(paths.config_file).inventory)
    names = [hosts.info(args.name).name] if args.name else hosts.names()
    policy = load_settings(paths.config_file).read_confinement
    _warn(hosts)
    reachable = asyncio.run(_check_all(hosts, names, args.timeout, policy))
    return 0 if all(reachable) else 1


async def _check_all(hosts: InventoryHosts, names: list[str], timeout: float, policy: str) -> list[bool]:
    reachable = []
    for name in names:
        result = await hosts.probe(
            name, trust_prompt=terminal_trust_prompt, passphrase_prompt=_terminal_passphrase, timeout=timeout
        )
        for line in result.lines(policy):
            say(shown_line(line))
        reachable.append(result.reachable)
    return reachable


async def _terminal_passphrase(prompt: str) -> str | None:
    if not sys.stdin.isatty():
        return None
    return await asyncio.to_thread(getpass.getpass, shown_line(prompt))
