"""How a READ runs on its host, per the configuration's `read_confinement`: the second line of defence.

The classifier proves a command read-only; the host then runs what it called READ confined (see
`console.core.transport.confine`), so a misread command changes nothing. The policy:

- `off`: never confined;
- `prefer` (the default): confined where the host can; where it cannot, run unconfined and the host is marked
  (`ReadConfinementChanged(confined=False)`: the status bar says so);
- `require`: confined where the host can; where it cannot, the READ is asked like a WRITE (one deliberate key,
  the dialog saying why) and runs unconfined once approved.

WRITE and DESTRUCTIVE are never confined: they are meant to change the host, and are captured and gated instead.
The host's mode is probed once per connection by its transport; this module only decides and announces it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from console.core.classify.model import Classification
from console.core.events import EventSink, ReadConfinementChanged
from console.core.tiers import Tier
from console.core.transport.base import Transport

OFF = "off"


@dataclass(frozen=True, slots=True)
class ReadMode:
    """How READs run on one host now."""

    confine: bool
    label: str
    """The host's mode (`mount namespace`, ...), `none: REASON`, or `off`."""
    ask: str | None = None
    """With `require` on a host that cannot confine: why its READs are asked like a WRITE."""

    @property
    def description(self) -> str:
        """`confined: MODE` or `not confined: WHY`, as the host pane, the CLI, the tool result and history say it."""
        if self.confine:
            return f"confined: {self.label}"
        if self.label == OFF:
            return "not confined: read_confinement = off"
        return f"not confined: {self.label}"


class ReadPolicy:
    def __init__(self, policy: str, events: EventSink) -> None:
        self.policy = policy
        self._events = events
        self._said: dict[str, ReadMode] = {}

    async def mode(self, host: str, transport: Transport) -> ReadMode:
        """How a READ runs on `host` now; announced when it is first learnt or has changed."""
        if self.policy == OFF:
            mode = ReadMode(confine=False, label=OFF)
        else:
            found = await transport.confinement()
            ask = None
            if not found.available and self.policy == "require":
                ask = (
                    f"host {host!r} cannot confine READs ({found.label}); read_confinement = require asks before "
                    "a READ runs there unconfined"
                )
            mode = ReadMode(confine=found.available, label=found.label, ask=ask)
        if self._said.get(host) != mode:
            self._said[host] = mode
            self._events(ReadConfinementChanged(host=host, confined=mode.confine, label=mode.label))
        return mode


def asked_as_write(classification: Classification, why: str) -> Classification:
    """`classification` raised to at least WRITE, with `why` as its first reason: the gate then treats it as a
    WRITE (one deliberate key, digest, capture of whatever it names), and it runs unconfined."""
    if classification.tier >= Tier.WRITE:
        return classification
    return replace(classification, tier=Tier.WRITE, reasons=(why, *classification.reasons))
