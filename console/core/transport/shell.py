"""Shell text shared by both transports: the prelude that makes `sudo` non-interactive, and how a command's
working directory and environment are put in front of it when they cannot be passed out of band (SSH).

The prelude assumes a POSIX shell (sh, dash, bash, zsh), which is what hitl runs commands with.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping

SUDO_PRELUDE = 'sudo() { command sudo -n "$@"; }\n'
"""`sudo` inside a command becomes `sudo -n`: it fails at once instead of waiting for a password."""

_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_SUDO_PASSWORD_SIGNS = (
    "sudo: a password is required",
    "sudo: a terminal is required",
    "sudo: no tty present",
)


def check_env_names(env: Mapping[str, str] | None) -> None:
    for name in env or {}:
        if not _ENV_NAME.match(name):
            raise ValueError(f"invalid environment variable name: {name!r}")


def script_for(command: str, *, cwd: str | None = None, env: Mapping[str, str] | None = None) -> str:
    """The shell text that runs `command` in `cwd` with `env` added, `sudo` made non-interactive."""
    check_env_names(env)
    lines = [SUDO_PRELUDE]
    lines += [f"export {name}={shlex.quote(value)}\n" for name, value in (env or {}).items()]
    if cwd is not None:
        lines.append(f"cd -- {shlex.quote(cwd)} || exit 126\n")
    lines.append(command)
    return "".join(lines)


def sudo_password_error(stderr: str, host: str) -> str | None:
    """A clear message when `sudo` wanted a password, which hitl never types."""
    if any(sign in stderr for sign in _SUDO_PASSWORD_SIGNS):
        return (
            f"sudo on host {host!r} asked for a password; hitl runs sudo with -n and never types passwords. "
            "Allow this command with NOPASSWD in sudoers, or run it yourself."
        )
    return None
