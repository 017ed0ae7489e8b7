"""The session core: proposal -> classification -> policy -> gate -> capture -> transport -> memory -> events.

`Session` (facade.py) is what callers use, with the errors it raises most (the whole tree is
`console.core.errors`); the modules behind it each have one role:

    policy.py        what is refused without asking (deny rules, read-only mode, a host's policy); pure
    contexts.py      each host's login user and working directory, learnt once
    desk.py          the approval desk: asks through the Approver port, checks the answer, statistics,
                     remembered approvals, requests waiting
    journal.py       the action journal: the only place an action is opened, decided, started and closed
                     (memory written and event emitted together)
    runner.py        the step runner: footprint and review, re-check, capture, the one call to the transport,
                     the rollback point
    command_flow.py  one command, with its edit loop and drift re-asks
    plan_flow.py     a plan: head READs, one approval, steps in order, abort
    rollback_flow.py a rollback: diff, approval bound to the reviewed state, undo point, restore
    fleet_flow.py    a command or plan across a group: READ fanned out, WRITE/DESTRUCTIVE one rollout in waves
    fleet_rollback.py undoing a rollout: every completed host, latest wave first, one approval
    parts.py         what the flows share
"""

from console.core.errors import HostUnreachable, SessionError
from console.core.session.facade import Session

__all__ = ["HostUnreachable", "Session", "SessionError"]
