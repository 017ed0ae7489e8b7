"""Each host's context for this session: the login user and the working directory, learnt with one command the
first time the host is used, then reused (an approval is bound to them, and relative targets resolve in the
directory). Learning it first also makes an unreachable host one clear error before anything was asked."""

from __future__ import annotations

from dataclasses import dataclass

from console.core.errors import HostUnreachable, SessionError
from console.core.transport.base import Ended, Transport

PROBE = 'id -un; printf "%s\\n" "$PWD"'


@dataclass(frozen=True, slots=True)
class HostContext:
    user: str
    cwd: str


class HostContexts:
    def __init__(self) -> None:
        self._known: dict[str, HostContext] = {}

    async def of(self, host: str, transport: Transport) -> HostContext:
        """Raises `HostUnreachable` when the host cannot be reached, `SessionError` when the probe fails."""
        if host not in self._known:
            result = await transport.run(PROBE, timeout=30)
            if result.ended in (Ended.NOT_STARTED, Ended.CONNECTION_LOST):
                raise HostUnreachable(f"cannot start on {host}: {result.error or result.ended.value}")
            if not result.ok:
                raise SessionError(f"cannot start on {host}: {result.error or result.stderr.strip()}")
            user, _, cwd = result.stdout.partition("\n")
            self._known[host] = HostContext(user=user.strip(), cwd=cwd.strip() or "/")
        return self._known[host]

    def login_user(self, host: str) -> str:
        """The login user learnt for `host`, or "" when it has not been used yet (for the words of a dialog)."""
        known = self._known.get(host)
        return known.user if known else ""
