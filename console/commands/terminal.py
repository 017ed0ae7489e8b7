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

from console.commands.out import ask as ask_on
from console.commands.out import emit, tell
from console.core.approval import NO_ROLLBACK, ApprovalRequest, Decision, StepReview, TrustRequest, describe_target
from console.core.textsafe import Shown, shown, shown_line
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


async def ask(prompt: Shown, *, delay: float = 0.0, out: TextIO = sys.stderr) -> str:
    """Wait `delay`, throw away anything typed meanwhile, then prompt and read one line."""
    if delay > 0:
        await asyncio.sleep(delay)
    _discard_typeahead()
    ask_on(prompt, out)
    return (await _read_line()).rstrip("\n")


def _block(text: str, indent: str, out: TextIO) -> None:
    """Several lines of host text (a diff, output), each indented and rendered."""
    for line in text.splitlines():
        emit(shown_line(indent + line), out)


def _show_step(step: StepReview, out: TextIO, login_user: str) -> None:
    emit(shown_line(f"  [{step.tier.name}] {step.command}"), out)
    for reason in step.classification.reasons:
        emit(shown_line(f"      why: {reason}"), out)
    if step.classification.targets:
        targets = ", ".join(describe_target(t, login_user) for t in step.classification.targets)
        emit(shown_line(f"      targets: {targets}"), out)
    if step.tier is Tier.DESTRUCTIVE:
        emit(shown_line(f"      consequence: {step.consequence}"), out)
    for line in step.capture_lines:
        emit(shown_line(f"      captured first: {line}"), out)
    words = step.no_rollback_words
    if step.tier is not Tier.READ and step.result is None and words:
        emit(shown_line(f"      {NO_ROLLBACK}: {words}"), out)
    if step.preview:
        emit(shown("      preview:"), out)
        _block(step.preview, "        ", out)
    if step.result is not None:
        emit(shown_line(f"      ran already (exit {step.result.exit_status}):"), out)
        _block("\n".join(step.result.stdout.splitlines()[:20]), "        ", out)


class TerminalApprover:
    def __init__(self, out: TextIO = sys.stderr) -> None:
        self.out = out

    async def review(self, request: ApprovalRequest) -> Decision:
        out = self.out
        if not interactive():
            return Decision.reject(NO_TERMINAL)
        labels = f" [{', '.join(request.host_labels)}]" if request.host_labels else ""
        production = " PROD" if request.production else ""
        emit(shown(""), out)
        emit(shown_line(f"{request.kind.upper()} on {request.host}{labels}{production}: {request.title}"), out)
        for line in request.details:
            emit(shown_line(f"  {line}"), out)
        for warning in request.warnings:
            emit(shown_line(f"  WARNING: {warning}"), out)
        for step in request.steps:
            _show_step(step, out, request.login_user)
        if request.diff:
            emit(shown("  difference (now -> after the rollback):"), out)
            _block(request.diff, "    ", out)
        if request.requires_force:
            answer = await ask(shown('The targets changed since the capture. Type "overwrite" to overwrite them: '))
            if answer.strip() != "overwrite":
                return Decision.reject("the operator did not choose to overwrite changed targets")
        typed: list[str] = []
        for challenge in request.challenges:
            answer = await ask(shown_line(f'Type "{challenge}" to confirm: '), delay=request.destructive_dwell)
            if answer.strip() != challenge:
                return Decision.reject("the typed confirmation did not match")
            typed.append(answer.strip())
        if request.tier is Tier.WRITE or request.kind == "rollback":
            question = shown_line(f"Approve {request.tier.name} on {request.host}? [y/N] ")
            answer = await ask(question, delay=request.write_key_delay)
            if answer.strip().lower() not in {"y", "yes"}:
                return Decision.reject("the operator answered no")
        return Decision(approved=True, typed_challenges=tuple(typed), force=request.requires_force)


async def terminal_trust_prompt(request: TrustRequest) -> bool:
    """Show the fingerprint and ask for a typed `yes`; without a terminal, refuse."""
    if not interactive():
        tell(shown(f"hitl: {request.describe()}"))
        tell(
            shown_line(
                f"hitl: not trusting it without a terminal to ask on; run "
                f"`hitl hosts check {request.host}` in a terminal to review the key."
            )
        )
        return False
    tell(shown(request.describe()))
    answer = await ask(shown_line(f"Trust it and record it in {request.known_hosts_file}? Type yes: "))
    return answer.strip() == "yes"
