"""How every sub-command ends when hitl itself fails: one line on stderr and a documented exit status.

`console.cli.main` catches `HitlError` (the core's one exception tree) and calls `report`; sub-commands do not
catch core errors themselves. The statuses:

- 2: hitl could not do what was asked (usage, configuration, hosts.toml, the memory store, an unknown host or
  rollback key);
- 3: the command was refused or rejected and did not run (`exec`, `rollback`), or an approval was refused
  (`approvals approve` of one's own request, of one no longer waiting, with a wrong challenge);
- 4: a READ tried to change something and its confinement stopped it (a classifier miss, `exec`): nothing of it
  persisted, whatever the command's own exit status was;
- 124: the command timed out;
- 130: interrupted (Ctrl-C);
- 255: the host could not be reached, or the connection was lost.

`exec` passes the command's own exit status through; `outcome_status` is how it and `rollback` read an outcome.
"""

from __future__ import annotations

from console.commands.out import tell
from console.core.config import ConfigError
from console.core.errors import ApprovalRefused, HitlError, HostError, HostUnreachable, StoreError
from console.core.textsafe import shown_line

EXIT_FAILURE = 2
EXIT_REFUSED = 3
EXIT_CLASSIFIER_MISS = 4
EXIT_TIMEOUT = 124
EXIT_INTERRUPTED = 130
EXIT_UNREACHABLE = 255

_FAMILIES: tuple[tuple[type[HitlError], int, str], ...] = (
    (HostUnreachable, EXIT_UNREACHABLE, ""),
    (HostError, EXIT_UNREACHABLE, ""),
    (ConfigError, EXIT_FAILURE, "configuration error: "),
    (ApprovalRefused, EXIT_REFUSED, "refused: "),
    (StoreError, EXIT_FAILURE, "memory store: "),
    (HitlError, EXIT_FAILURE, ""),
)
"""Most specific first: the exit status and the prefix of the one-line message for each family."""


def exit_status(error: HitlError) -> tuple[int, str]:
    """The exit status for `error` and the line to print (without the `hitl: ` prefix)."""
    for family, status, prefix in _FAMILIES:
        if isinstance(error, family):
            return status, f"{prefix}{error}"
    raise AssertionError("HitlError is the last family")  # pragma: no cover


def report(error: HitlError) -> int:
    status, line = exit_status(error)
    tell(shown_line(f"hitl: {line}"))
    return status
