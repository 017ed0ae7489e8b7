"""The working directory each command of a line runs in, as far as the text of the line says.

`cd /etc && cp x passwd` writes /etc/passwd; `(cd /srv && rm -rf x); rm y` removes /srv/x and ./y. The
parser keeps a `WorkDir` while it walks the line in the order bash runs it: `cd`, `pushd` and `popd` change
it, subshells, pipelines, substitutions and background jobs get a copy that is dropped afterwards. A change
to a place the text does not fix (`cd "$D"`, `cd` in a loop, `popd` past the start of the line) makes the
directory *unknown* from there on: the targets then say so and nobody may guess (see docs/CLASSIFIER.md).

Paths are joined as text. Nothing is resolved: no symlinks, no `..`, no host is touched; that is done on the
host right before running, using what is exposed here.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field

from console.core.classify.ir import Word

CHANGES_DIRECTORY = frozenset({"cd", "pushd", "popd"})


def join(base: str, path: str) -> str:
    """`path` as seen from `base` ("" = where the line started); absolute and home paths stand alone."""
    if not base or not path or path.startswith(("/", "~")):
        return path or base
    if path == ".":
        return base
    return posixpath.join(base, path)


@dataclass(slots=True)
class WorkDir:
    """`path` is "" while the line is still where it started; `known` is False once it went somewhere only
    known at run time (an absolute `cd` makes it known again). `previous` is None when `cd -` would go
    somewhere unknown; `stack` holds None for unknown entries."""

    path: str = ""
    known: bool = True
    previous: str | None = ""
    stack: list[str | None] = field(default_factory=list)
    changed: bool = False

    def copy(self) -> WorkDir:
        return WorkDir(self.path, self.known, self.previous, list(self.stack), self.changed)

    def lose(self) -> None:
        self.previous = self.here()
        self.known = False
        self.changed = True

    def here(self) -> str | None:
        return self.path if self.known else None

    def change(self, argv: list[Word], *, repeats: bool = False) -> None:
        """Apply `cd`/`pushd`/`popd` with these words (argv[0] is the builtin). In a loop (`repeats`) the
        same change runs again from wherever the last one ended, so a relative one makes it unknown."""
        name = argv[0].text
        args = [w for w in argv[1:] if not (w.text.startswith("-") and len(w.text) > 1 and not w.dynamic)]
        self.changed = True
        if any(w.dynamic for w in args):
            self.lose()
            return
        operand = args[0].text if args else ""
        if name == "popd":
            target = self.stack.pop() if self.stack and not operand else None
            self._go(target)  # `popd +N`, or past the start of the line: the shell's own stack decides
            return
        if name == "pushd":
            if operand.startswith(("+", "-")) or (not operand and not self.stack):
                self.lose()
            elif not operand:  # `pushd` alone swaps the two top entries
                top = self.stack.pop()
                self.stack.append(self.here())
                self._go(top)
            else:
                self.stack.append(self.here())
                self._go(self._joined(operand, repeats))
            return
        if operand == "-":
            self._go(self.previous)
        else:
            self._go(self._joined(operand, repeats) if operand else "~")

    def _joined(self, operand: str, repeats: bool) -> str | None:
        if operand.startswith(("/", "~")):
            return operand
        if repeats or not self.known:
            return None
        return join(self.path, operand)

    def _go(self, path: str | None) -> None:
        self.previous = self.here()
        if path is None:
            self.known = False
        else:
            self.path = path
            self.known = True
