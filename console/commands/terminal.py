"""The command line's Approver: plain prompts on the terminal, with the same rules and words as the TUI's dialogs.

WRITE asks `Approve WRITE on HOST? [y/N]`; DESTRUCTIVE states the consequence and asks for the typed
challenge; what cannot be undone is said as NO ROLLBACK, and a production host is marked PROD, in the core's
words (`console.core.approval`). Keys typed before the prompt (or before the DESTRUCTIVE dwell has passed) are
discarded. Without a terminal nothing is approved.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import termios
from typing import TextIO

from console.core.approval import NO_ROLLBACK, ApprovalRequest, Decision, StepReview, TrustRequest
from console.core.tiers import Tier

NO_TERMINAL = "no terminal to ask on: WRITE and DESTRUCTIVE commands need an operator"


def interactive() -> bool:
    return sys.stdin.isatty() and sys.stderr.isatty()


def _discard_typeahead() -> None:
    with contextlib.suppress(termios.error, OSError, ValueError):
        termios.tcflush(sys.stdin.fileno(), termios.TCIFLUSH)


async def _read_line() -> str:
    """One line from the terminal, awaited on the event loop rather than in a thread: a thread blocked in
    `readline` cannot be cancelled, so Ctrl-C at a prompt would hang until Enter. EOF (Ctrl-D) reads as ''."""
    loop = asyncio.get_running_loop()
    fd = sys.stdin.fileno()
    ready: asyncio.Future[None] = loop.create_future()

    def readable() -> None:
        if not ready.done():
            ready.set_result(None)

    loop.add_reader(fd, readable)
    try:
        await ready
    finally:
        loop.remove_reader(fd)
    # The terminal is in canonical mode: one read returns at most one line.
    return os.read(fd, 4096).decode(errors="replace")


async def ask(prompt: str, *, delay: float = 0.0, out: TextIO = sys.stderr) -> str:
    """Wait `delay`, throw away anything typed meanwhile, then prompt and read one line."""
    if delay > 0:
        await asyncio.sleep(delay)
    _discard_typeahead()
    out.write(prompt)
    out.flush()
    return (await _read_line()).rstrip("\n")


def _show_step(step: StepReview, out: TextIO) -> None:
    out.write(f"  [{step.tier.name}] {step.command}\n")
    for reason in step.classification.reasons:
        out.write(f"      why: {reason}\n")
    if step.classification.targets:
        out.write("      targets: " + ", ".join(t.value for t in step.classification.targets) + "\n")
    if step.tier is Tier.DESTRUCTIVE:
        out.write(f"      consequence: {step.consequence}\n")
    for line in step.capture_lines:
        out.write(f"      captured first: {line}\n")
    words = step.no_rollback_words
    if step.tier is not Tier.READ and step.result is None and words:
        out.write(f"      {NO_ROLLBACK}: {words}\n")
    if step.preview:
        out.write("      preview:\n" + "".join(f"        {line}\n" for line in step.preview.splitlines()))
    if step.result is not None:
        out.write(f"      ran already (exit {step.result.exit_status}):\n")
        out.write("".join(f"        {line}\n" for line in step.result.stdout.splitlines()[:20]))


class TerminalApprover:
    def __init__(self, out: TextIO = sys.stderr) -> None:
        self.out = out

    async def review(self, request: ApprovalRequest) -> Decision:
        out = self.out
        if not interactive():
            return Decision.reject(NO_TERMINAL)
        labels = f" [{', '.join(request.host_labels)}]" if request.host_labels else ""
        production = " PROD" if request.production else ""
        out.write(f"\n{request.kind.upper()} on {request.host}{labels}{production}: {request.title}\n")
        for line in request.details:
            out.write(f"  {line}\n")
        for warning in request.warnings:
            out.write(f"  WARNING: {warning}\n")
        for step in request.steps:
            _show_step(step, out)
        if request.diff:
            out.write("  difference (now -> after the rollback):\n")
            out.write("".join(f"    {line}\n" for line in request.diff.splitlines()))
        if request.requires_force:
            answer = await ask('The targets changed since the capture. Type "overwrite" to overwrite them: ')
            if answer.strip() != "overwrite":
                return Decision.reject("the operator did not choose to overwrite changed targets")
        typed: list[str] = []
        for challenge in request.challenges:
            answer = await ask(f'Type "{challenge}" to confirm: ', delay=request.destructive_dwell)
            if answer.strip() != challenge:
                return Decision.reject("the typed confirmation did not match")
            typed.append(answer.strip())
        if request.tier is Tier.WRITE or request.kind == "rollback":
            answer = await ask(f"Approve {request.tier.name} on {request.host}? [y/N] ", delay=request.write_key_delay)
            if answer.strip().lower() not in {"y", "yes"}:
                return Decision.reject("the operator answered no")
        return Decision(approved=True, typed_challenges=tuple(typed), force=request.requires_force)


async def terminal_trust_prompt(request: TrustRequest) -> bool:
    """Show the fingerprint and ask for a typed `yes`; without a terminal, refuse."""
    if not interactive():
        print(
            f"hitl: {request.describe()}\nhitl: not trusting it without a terminal to ask on; run "
            f"`hitl hosts check {request.host}` in a terminal to review the key.",
            file=sys.stderr,
        )
        return False
    print(request.describe(), file=sys.stderr)
    answer = await ask(f"Trust it and record it in {request.known_hosts_file}? Type yes: ")
    return answer.strip() == "yes"
