"""One exception tree for everything the core raises to its callers (the console and the sub-commands).

Every error hitl itself reports is a `HitlError` whose `str()` is one line for the operator, naming what
failed; callers catch `HitlError` and nothing narrower unless they act differently on a family. The families:

    HitlError
    ├── ConfigError           config.toml or an environment override (console.core.config)
    │   └── RuleError         a user classification rule (console.core.classify.rules)
    ├── InventoryError        hosts.toml (console.core.transport.inventory)
    ├── ThemeFileError        a theme file (console.core.themes)
    ├── RememberError         remembered approvals (console.core.remembered)
    ├── HistoryError          a stored conversation that cannot be resumed (console.core.agent.history)
    ├── StoreError            the memory store cannot be used
    │   └── MemoryStoreError  the SQLite store (console.core.memory)
    ├── SessionError          what was asked cannot be done: unknown host, unusable rollback key, a refused rollback
    │   ├── HostUnreachable   nothing ran: the host could not be reached
    │   ├── HostLocked        nothing ran: another operator holds the host's lock (console.core.memory.host_locks)
    │   └── RollbackError     a rollback key that cannot be restored (console.core.rollback)
    ├── HostError             a host failed
    │   └── TransportError    a command or a file operation on it (console.core.transport.errors)
    ├── CaptureError          a capture, restore or diff failed (console.core.capture.engine)
    └── ApprovalRefused       an approval the gate will not spend (console.core.gate)

Errors internal to a module (a capture strategy's own, the agent's retry signal, a tool call's bad input) are
caught at that module's edge and become one of these, or a result. The CLI turns the tree into exit codes and
one-line messages in one place (`console.commands.failures`); the console shows `str(error)`.
"""

from __future__ import annotations


class HitlError(Exception):
    """Something hitl could not do; `str()` is the whole message for the operator."""


class StoreError(HitlError):
    """The memory store cannot be used (unreadable, corrupt, a newer schema, not hitl's). `str()` names it."""


class SessionError(HitlError):
    """Something the operator asked for cannot be done; the message says why."""


class HostUnreachable(SessionError):
    """The host could not be reached (connection refused, host key refused, connection lost): nothing ran."""


class HostError(HitlError):
    """A host failed: it could not be reached, or a command or a file operation on it failed."""


class HostLocked(SessionError):
    """Another operator (or another session) is changing the host: nothing ran. `str()` names who and since when."""


class ApprovalRefused(HitlError):
    """An approval the gate will not spend, or a second operator's approval that may not be given; the message
    says why (console.core.gate, console.core.team)."""
