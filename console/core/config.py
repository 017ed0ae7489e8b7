"""`config.toml`: the operator's settings, with documented defaults and environment overrides.

Every key has a default, so an empty or missing file is a valid configuration. Any scalar key can be
overridden from the environment as `HITL_<KEY>` (for example `HITL_MODEL`, `HITL_READ_ONLY=1`,
`HITL_ROLLBACK_TTL=2h`). A bad value never produces a traceback: it raises `ConfigError`, which names the
file (or variable), the key and what is wrong.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from console.core.errors import HitlError
from console.core.fleet.waves import DEFAULT_SERIAL, Size, parse_max_fail, parse_serial
from console.core.tiers import Tier

DEFAULT_MODEL = "claude-sonnet-4-5"
DEFAULT_THEME = "hitl-dark"


class ConfigError(HitlError):
    """A configuration value that cannot be used. `str()` is the whole message for the operator."""

    def __init__(self, source: str, key: str, problem: str) -> None:
        self.source = source
        self.key = key
        self.problem = problem
        super().__init__(f"{source}: key '{key}': {problem}")


@dataclass(frozen=True)
class Settings:
    """The effective configuration. Durations are seconds, sizes are bytes."""

    theme: str = DEFAULT_THEME
    model: str = DEFAULT_MODEL
    keymap: Mapping[str, str] = field(default_factory=dict)
    read_only: bool = False
    rollback_ttl: float = 24 * 3600.0
    audit_retention: float = 180 * 24 * 3600.0
    approval_ttl: float = 600.0
    destructive_dwell: float = 2.0
    write_key_delay: float = 0.5
    command_timeout: float = 600.0
    capture_size_cap: int = 256 * 1024 * 1024
    unknown_command_tier: Tier = Tier.WRITE
    deny: tuple[str, ...] = ()
    read_confinement: str = "prefer"
    inventory: tuple[Path, ...] = ()
    forks: int = 20
    serial: tuple[Size, ...] = field(default_factory=lambda: parse_serial(list(DEFAULT_SERIAL)))
    max_fail: Size = field(default_factory=lambda: Size(count=0))
    pause: str = "off"
    mcp_approval_timeout: float = 600.0
    mcp_progress_interval: float = 15.0
    mcp_elicitation: bool = False
    store: str = ""
    operator: str = ""
    blob_store: str = ""
    four_eyes_labels: tuple[str, ...] = ()


# Human-readable descriptions, used by `hitl config show` and the README table.
DOCUMENTATION: dict[str, str] = {
    "theme": "Theme name: a shipped theme, one from the user themes directory, or a Textual built-in.",
    "model": "Anthropic model used when ANTHROPIC_API_KEY is set.",
    "keymap": 'Table of binding id -> keys (comma separated), e.g. { quit = "ctrl+x" }.',
    "read_only": "Refuse every WRITE and DESTRUCTIVE command (enforced in the core, not the UI).",
    "rollback_ttl": "How long rollback points stay restorable (duration: 90s, 15m, 24h, 7d).",
    "audit_retention": "How long audit events are kept (at least 180 days by default).",
    "approval_ttl": "How long an approval stays valid before it must be given again.",
    "destructive_dwell": "Time a DESTRUCTIVE dialog must be open before its confirmation works.",
    "write_key_delay": "Time a WRITE dialog must be open before `y` approves.",
    "command_timeout": "Default timeout for a command on a host.",
    "capture_size_cap": "Largest capture taken before a change (size: 512KiB, 256MiB, 1GiB).",
    "unknown_command_tier": "Tier for executables the classifier has no rule for: WRITE or DESTRUCTIVE.",
    "deny": "Regular expressions; a command matching any of them is refused on every host, whatever its tier.",
    "read_confinement": (
        "READ commands run confined on their host (read-only mounts, throwaway scratch layers, no privilege "
        "to change kernel state): prefer (confine where the host can, else run as before and mark the host), "
        "require (a READ on a host that cannot confine asks like a WRITE) or off."
    ),
    "inventory": 'Ansible inventory files (INI or YAML) whose hosts and groups hitl adds, e.g. ["~/ansible/hosts"]; '
    "a relative path is relative to config.toml's directory.",
    "forks": "How many hosts a command on a group runs on at once (one command per host at a time).",
    "serial": 'Rollout waves: counts or percentages of the hosts, the last repeating, e.g. [1, "25%", "100%"].',
    "max_fail": 'How many hosts of one wave may fail (a count, or a percentage such as "10%") before the rollout '
    "stops; an unreachable host counts as failed.",
    "pause": 'Between rollout waves: "approve" asks for one key with the wave\'s results in view; "off" does not.',
    "mcp_approval_timeout": (
        "`hitl mcp`: how long a WRITE or DESTRUCTIVE request waits for the operator's decision before it is refused."
    ),
    "mcp_progress_interval": (
        "`hitl mcp`: how often the agent is told the request is still waiting (at most 20s, so clients keep waiting)."
    ),
    "mcp_elicitation": (
        "`hitl mcp`: also ask through the MCP client's own prompt (elicitation) where the client supports it; the "
        "first decision, there or in the console, wins."
    ),
    "store": (
        "Where hitl records everything: empty for the SQLite file in the data directory, or a postgresql:// URL "
        "for a team store several operators share (one timeline, audit chain and set of approvals)."
    ),
    "operator": (
        "Who you are in the records (default user@hostname). With a team store your operator is your database "
        "login; a different name here is refused."
    ),
    "blob_store": (
        "A directory shared by the team (NFS, a mounted volume) for captured rollback data; empty keeps it on "
        "this machine, and another operator is told where a rollback's data is."
    ),
    "four_eyes_labels": (
        'Host labels (e.g. ["prod"]) whose every WRITE and DESTRUCTIVE needs a second operator\'s approval, like '
        'hosts with policy = "four-eyes" in hosts.toml (a team store is required).'
    ),
}

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$")
_DURATION_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, None: 1.0}
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(B|KB|KiB|MB|MiB|GB|GiB)?\s*$", re.IGNORECASE)
_SIZE_UNITS = {
    "b": 1,
    "kb": 1000,
    "kib": 1024,
    "mb": 1000**2,
    "mib": 1024**2,
    "gb": 1000**3,
    "gib": 1024**3,
    None: 1,
}


def parse_duration(value: object) -> float:
    """Seconds from a number or a string such as `500ms`, `2s`, `15m`, `24h`, `7d`."""
    if isinstance(value, bool):
        raise ValueError("expected a duration such as 2s, 15m or 24h, got a boolean")
    if isinstance(value, int | float):
        seconds = float(value)
    elif isinstance(value, str) and (match := _DURATION.match(value)):
        seconds = float(match.group(1)) * _DURATION_UNITS[match.group(2)]
    else:
        raise ValueError(f"expected a duration such as 2s, 15m or 24h, got {value!r}")
    if seconds < 0:
        raise ValueError("a duration cannot be negative")
    return seconds


def parse_size(value: object) -> int:
    """Bytes from a number or a string such as `512KiB`, `256MiB`, `1GB`."""
    if isinstance(value, bool):
        raise ValueError("expected a size such as 256MiB, got a boolean")
    if isinstance(value, int):
        size = value
    elif isinstance(value, str) and (match := _SIZE.match(value)):
        unit = match.group(2).lower() if match.group(2) else None
        size = int(float(match.group(1)) * _SIZE_UNITS[unit])
    else:
        raise ValueError(f"expected a size such as 512KiB or 256MiB, got {value!r}")
    if size <= 0:
        raise ValueError("a size must be positive")
    return size


def parse_bool(value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in {"1", "true", "yes", "on"}:
        return True
    if isinstance(value, str) and value.strip().lower() in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError(f"expected true or false, got {value!r}")


def parse_name(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"expected a non-empty string, got {value!r}")
    return value.strip()


def parse_unknown_tier(value: object) -> Tier:
    name = parse_name(value).upper()
    if name not in {"WRITE", "DESTRUCTIVE"}:
        raise ValueError(f"must be WRITE or DESTRUCTIVE (an unknown command is never READ), got {value!r}")
    return Tier[name]


def parse_keymap(value: object) -> dict[str, str]:
    if not isinstance(value, dict):
        raise ValueError('expected a table of binding id = "keys"')
    keymap: dict[str, str] = {}
    for binding_id, keys in value.items():
        if not isinstance(keys, str) or not keys.strip():
            raise ValueError(f"binding '{binding_id}' needs a non-empty string of keys, got {keys!r}")
        keymap[str(binding_id)] = keys.strip()
    return keymap


def parse_patterns(value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValueError("expected a list of regular expressions")
    for pattern in value:
        try:
            re.compile(pattern)
        except re.error as error:
            raise ValueError(f"{pattern!r} is not a valid regular expression: {error}") from None
    return tuple(value)


READ_CONFINEMENT_POLICIES = ("prefer", "require", "off")


def parse_read_confinement(value: object) -> str:
    policy = value.strip().lower() if isinstance(value, str) else ""
    if policy not in READ_CONFINEMENT_POLICIES:
        raise ValueError(f"must be prefer, require or off, got {value!r}")
    return policy


def parse_paths(value: object) -> tuple[Path, ...]:
    if isinstance(value, str):
        value = [part for part in value.split(",") if part.strip()]
    if not isinstance(value, list) or not all(isinstance(item, str) and item.strip() for item in value):
        raise ValueError('expected a list of file paths, e.g. ["~/ansible/hosts.ini"]')
    return tuple(Path(item.strip()).expanduser() for item in value)


def parse_forks(value: object) -> int:
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 1000:
        raise ValueError(f"expected a number of hosts from 1 to 1000, got {value!r}")
    return value


def parse_pause(value: object) -> str:
    pause = value.strip().lower() if isinstance(value, str) else ""
    if pause not in {"off", "approve"}:
        raise ValueError(f'must be "off" or "approve", got {value!r}')
    return pause


MAX_PROGRESS_INTERVAL = 20.0
"""MCP clients time a request out when nothing arrives for a while; 20 s keeps well inside the usual limits."""


def parse_progress_interval(value: object) -> float:
    seconds = parse_duration(value)
    if not 0 < seconds <= MAX_PROGRESS_INTERVAL:
        raise ValueError(f"must be more than 0 and at most {MAX_PROGRESS_INTERVAL:g}s, got {value!r}")
    return seconds


def parse_store(value: object) -> str:
    text = value.strip() if isinstance(value, str) else None
    if text is None:
        raise ValueError(f"expected a postgresql:// URL or an empty string, got {value!r}")
    if text and not text.startswith(("postgresql://", "postgres://")):
        raise ValueError("expected a postgresql://user@host/database URL, or empty for the local SQLite file")
    return text


def parse_text(value: object) -> str:
    if not isinstance(value, str):
        raise ValueError(f"expected a string, got {value!r}")
    return value.strip()


def parse_labels(value: object) -> tuple[str, ...]:
    """A list of labels, or (from the environment) a comma-separated string."""
    if isinstance(value, str):
        value = [part for part in (item.strip() for item in value.split(",")) if part]
    if not isinstance(value, list) or not all(isinstance(item, str) and item.strip() for item in value):
        raise ValueError("expected a list of host labels")
    return tuple(item.strip() for item in value)


_PARSERS: dict[str, Callable[[object], Any]] = {
    "theme": parse_name,
    "model": parse_name,
    "keymap": parse_keymap,
    "read_only": parse_bool,
    "rollback_ttl": parse_duration,
    "audit_retention": parse_duration,
    "approval_ttl": parse_duration,
    "destructive_dwell": parse_duration,
    "write_key_delay": parse_duration,
    "command_timeout": parse_duration,
    "capture_size_cap": parse_size,
    "unknown_command_tier": parse_unknown_tier,
    "deny": parse_patterns,
    "read_confinement": parse_read_confinement,
    "inventory": parse_paths,
    "forks": parse_forks,
    "serial": parse_serial,
    "max_fail": parse_max_fail,
    "pause": parse_pause,
    "mcp_approval_timeout": parse_duration,
    "mcp_progress_interval": parse_progress_interval,
    "mcp_elicitation": parse_bool,
    "store": parse_store,
    "operator": parse_text,
    "blob_store": parse_text,
    "four_eyes_labels": parse_labels,
}
assert set(_PARSERS) == {f.name for f in fields(Settings)} == set(DOCUMENTATION)


_URL_PASSWORD = re.compile(r"(://[^/:@]*:)[^@/]*@")
_QUERY_PASSWORD = re.compile(r"(password=)[^&\s]*", re.IGNORECASE)


def without_password(url: str) -> str:
    """A store URL as it may be shown: any password replaced by `***`."""
    return _QUERY_PASSWORD.sub(r"\1***", _URL_PASSWORD.sub(r"\1***@", url))


def _apply(settings: Settings, values: Mapping[str, object], source: Callable[[str], str]) -> Settings:
    changes: dict[str, Any] = {}
    for key, raw in values.items():
        parser = _PARSERS.get(key)
        if parser is None:
            known = ", ".join(sorted(_PARSERS))
            raise ConfigError(source(key), key, f"unknown key (known keys: {known})")
        try:
            changes[key] = parser(raw)
        except ValueError as error:
            raise ConfigError(source(key), key, str(error)) from None
    return replace(settings, **changes)


def load_settings(config_file: Path, environ: Mapping[str, str] | None = None) -> Settings:
    """Read `config_file` (missing is fine) and apply `HITL_*` environment overrides on top."""
    env = os.environ if environ is None else environ
    values: dict[str, object] = {}
    if config_file.exists():
        try:
            values = tomllib.loads(config_file.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as error:
            raise ConfigError(str(config_file), "(syntax)", f"not valid TOML: {error}") from None
        except (OSError, UnicodeDecodeError) as error:
            raise ConfigError(str(config_file), "(file)", f"cannot be read: {error}") from None
    settings = _apply(Settings(), values, lambda _key: str(config_file))
    here = config_file.parent
    settings = replace(settings, inventory=tuple(here / path for path in settings.inventory))
    overrides = {
        key: env[f"HITL_{key.upper()}"] for key in _PARSERS if key != "keymap" and f"HITL_{key.upper()}" in env
    }
    return _apply(settings, overrides, lambda key: f"environment variable HITL_{key.upper()}")
