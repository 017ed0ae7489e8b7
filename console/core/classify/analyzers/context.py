"""What an analyzer is given: one context object with the selected rule, the command it applies to, and a
narrow handle on the running analysis (add a finding, analyse nested shell text or a command it runs)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Protocol

from console.core.classify.ir import Script, SimpleCommand, Word
from console.core.classify.model import CaptureStrategy, Target
from console.core.tiers import Tier

if TYPE_CHECKING:
    from console.core.classify.args import ParsedArgs
    from console.core.classify.policy import Policy
    from console.core.classify.rules import Selection


class Analysis(Protocol):
    """The part of the engine analyzers may use."""

    @property
    def policy(self) -> Policy: ...

    def add(
        self,
        tier: Tier,
        reason: str,
        targets: tuple[Target, ...] = (),
        capture: tuple[CaptureStrategy, ...] = (),
        consequence: str | None = None,
    ) -> None: ...

    def script(self, text: str, depth: int, where: str, cwd: str = "", cwd_known: bool = True) -> None: ...

    def argv(self, argv: list[Word], cmd: SimpleCommand, script: Script, depth: int, where: str) -> None: ...

    def prove(
        self, sel: Selection, args: list[Word], where: str, cwd: tuple[str, bool], *, strict: bool = True
    ) -> None: ...

    def assignment(
        self, name: str, value: Word, cmd: SimpleCommand | None, where: str, depth: int = 0, *, exported: bool = False
    ) -> None: ...

    def writes(self, word: Word, cwd: str, cwd_known: bool, how: str, where: str) -> None: ...

    def path_target(self, text: str, cwd: str, cwd_known: bool) -> Target: ...

    def switch_user(self, switch: tuple[str, bool] | None) -> tuple[str, bool] | None:
        """The next nested shell runs as (user, login shell); returns what was set before."""
        ...

    away: int
    """Above zero while what is read runs on another machine or file system (nothing is captured here)."""


@dataclass(slots=True)
class Context:
    """One rule applied to one simple command. `where` ends every reason (" inside `bash -c`").

    An analyzer that checks the arguments against the rule's grammar itself (a wrapper checks only its own
    options, not those of the command it runs) calls `prove`; otherwise the engine checks all of them."""

    selection: Selection
    command: SimpleCommand
    script: Script
    depth: int
    where: str
    analysis: Analysis
    proved: bool = False

    @property
    def name(self) -> str:
        """The rule's command (`psql`, `docker exec`)."""
        return self.selection.rule.command

    @property
    def params(self) -> Mapping[str, Any]:
        return self.selection.rule.params

    @property
    def args(self) -> list[Word]:
        """The words after the rule's command words."""
        return self.selection.args

    @property
    def parsed(self) -> ParsedArgs:
        return self.selection.parsed

    @property
    def policy(self) -> Policy:
        return self.analysis.policy

    def add(
        self,
        tier: Tier,
        reason: str,
        targets: tuple[Target, ...] = (),
        capture: tuple[CaptureStrategy, ...] = (),
        consequence: str | None = None,
    ) -> None:
        self.analysis.add(tier, reason, targets, capture, consequence)

    def runs_file(self, path: str, what: str) -> None:
        """This command runs (or loads as code) the file `path`: WRITE, since hitl cannot see it, and
        DESTRUCTIVE when it lies where anyone can write (`/tmp`, uploads)."""
        if self.policy.is_untrusted(path if path.startswith(("/", "~", "$")) else f"{self.command.cwd}/{path}"):
            self.add(
                Tier.DESTRUCTIVE,
                f"{what} {path}, from a place anyone can write to: code nobody has reviewed{self.where}",
                consequence=f"Runs {path}, which nobody has reviewed; it can do anything this user can.",
            )
        else:
            self.add(Tier.WRITE, f"{what} {path}, which hitl cannot see{self.where}", (Target("path", path),))

    @contextmanager
    def as_user(self, user: str, login: bool) -> Iterator[None]:
        """What this command runs, it runs as `user` (a login shell, starting in the home, when `login`)."""
        saved_switch = self.analysis.switch_user((user, login))
        saved_command = self.command
        if login:
            self.command = replace(self.command, cwd=f"~{user}", cwd_known=True)
        try:
            yield
        finally:
            self.analysis.switch_user(saved_switch)
            self.command = saved_command

    @contextmanager
    def elsewhere(self) -> Iterator[None]:
        """What this command runs, it runs on another machine or file system (`ssh`, `docker exec`, `chroot`):
        its paths are not this host's, so no capture is planned for them here."""
        self.analysis.away += 1
        try:
            yield
        finally:
            self.analysis.away -= 1

    def nested(self, text: str, where: str) -> None:
        """Analyse `text` as shell code one level deeper (`bash -c TEXT`, a job given to `at`)."""
        self.analysis.script(text, self.depth + 1, where, self.command.cwd, self.command.cwd_known)

    def prove(self, args: list[Word], *, strict: bool | None = None) -> None:
        """Check `args` (this command's own options and operands) against the rule's grammar: READ stands
        only when each is known to only read. `strict` (default: when the rule's own tier is READ) reports
        every option not known to only read; a wrapper is strict whatever its tier, since its READ is the
        inner command's."""
        self.proved = True
        reading = self.selection.effect.tier == Tier.READ if strict is None else strict
        cwd = (self.command.cwd, self.command.cwd_known)
        self.analysis.prove(self.selection, args, self.where, cwd, strict=reading)

    def runs(
        self, argv: list[Word], where: str, *, same_command: bool = False, cwd: tuple[str, bool] | None = None
    ) -> None:
        """Analyse `argv` as a command this one runs (`sudo ARGV`, `find -exec ARGV ;`). With `same_command`
        it keeps this command's redirects and standard input (a wrapper passes them on). It runs in this
        command's directory unless `cwd` says where (`find -execdir`: a place only known at run time)."""
        if same_command:
            self.analysis.argv(argv, self.command, self.script, self.depth, where)
        else:
            path, known = cwd if cwd is not None else (self.command.cwd, self.command.cwd_known)
            command = SimpleCommand(argv=argv, cwd=path, cwd_known=known)
            self.analysis.argv(argv, command, Script(), self.depth, where)
