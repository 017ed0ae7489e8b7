"""Terminal multiplexers (`tmux`, `screen`): the command a new session or window starts, and the keys
`send-keys`/`stuff` type into a shell, are shell text; they are classified like the rest of the line."""

from __future__ import annotations

import re

from console.core.classify.analyzers.context import Context
from console.core.classify.analyzers.registry import analyzer

# tmux verbs whose last operand is a shell command; verbs that type keys into a pane.
_STARTS = frozenset({"new", "new-session", "new-window", "neww", "split-window", "splitw", "respawn-pane",
                     "respawnp", "respawn-window", "respawnw", "run-shell", "run", "pipe-pane", "pipep",
                     "display-popup", "popup"})  # fmt: skip
_TYPES = frozenset({"send-keys", "send", "stuff"})
_KEY_NAMES = re.compile(r"^(Enter|C-m|C-j|KPEnter|Escape|Tab|Space|BSpace|C-[a-z]|M-[a-z]|\^M|\^J)$")
_VALUED = frozenset({"-t", "-s", "-n", "-c", "-e", "-x", "-y", "-F", "-f", "-l", "-p", "-S", "-L", "-T", "-w", "-h"})


@analyzer("session")
def session(ctx: Context) -> bool:
    """`tmux new-session -d -s x 'cmd'`, `tmux send-keys -t x 'cmd' Enter`, `screen -X stuff 'cmd^M'`,
    `screen -dmS name cmd args`: what will run in the session is judged here."""
    if ctx.selection.clause is not None:
        return False
    args = ctx.args
    verb_at = next((i for i, w in enumerate(args) if w.text in _STARTS | _TYPES), None)
    if verb_at is None:
        # `screen -dmS name cmd args`: the first operand after the options is a command.
        operands = _operands(args)
        if ctx.name == "screen" and operands:
            ctx.runs(operands, f" in a `screen` session{ctx.where}")
        return False
    verb = args[verb_at].text
    operands = _operands(args[verb_at + 1 :])
    if verb in _TYPES:
        typed = " ".join(w.text for w in operands if not _KEY_NAMES.match(w.text)).replace("^M", "\n")
        if typed.strip():
            ctx.nested(typed, f" typed into a session by `{ctx.name} {verb}`{ctx.where}")
    elif operands:
        ctx.nested(" ".join(w.text for w in operands), f" started by `{ctx.name} {verb}`{ctx.where}")
    return False


def _operands(args: list) -> list:  # type: ignore[type-arg]
    """The words after the options (an option of `_VALUED` takes the next word)."""
    out = []
    i = 0
    while i < len(args):
        text = args[i].text
        if text.startswith("-") and len(text) > 1:
            i += 2 if text in _VALUED or (text.rstrip("dmSR") == "-" and "S" in text) else 1
            continue
        out.append(args[i])
        i += 1
    return out
