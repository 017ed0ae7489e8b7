"""Where hitl keeps its files.

`HITL_HOME`, when set, is the single root for everything (tests and scripts rely on that); otherwise the
platform's conventional directories for an application called `hitl` are used.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

APP_NAME = "hitl"


@dataclass(frozen=True)
class Paths:
    """Every location hitl reads or writes."""

    config_dir: Path
    data_dir: Path
    state_dir: Path
    user_themes_dir: Path

    @property
    def config_file(self) -> Path:
        return self.config_dir / "config.toml"

    @property
    def hosts_file(self) -> Path:
        return self.config_dir / "hosts.toml"

    @property
    def known_hosts_file(self) -> Path:
        """hitl's own known_hosts: keys the operator accepted inside hitl are appended here."""
        return self.config_dir / "known_hosts"

    @property
    def remembered_approvals_file(self) -> Path:
        return self.state_dir / "remembered-approvals.json"

    @property
    def database_file(self) -> Path:
        return self.data_dir / "hitl.sqlite3"

    @property
    def snapshots_dir(self) -> Path:
        return self.data_dir / "snapshots"

    def as_dict(self) -> dict[str, Path]:
        return {
            "config": self.config_file,
            "hosts": self.hosts_file,
            "themes": self.user_themes_dir,
            "known_hosts": self.known_hosts_file,
            "data": self.data_dir,
            "database": self.database_file,
            "snapshots": self.snapshots_dir,
            "state": self.state_dir,
        }


def resolve_paths(environ: os._Environ[str] | dict[str, str] | None = None) -> Paths:
    """Return the paths for this process, honouring `HITL_HOME`."""
    env = os.environ if environ is None else environ
    home = env.get("HITL_HOME")
    if home:
        root = Path(home).expanduser()
        return Paths(config_dir=root, data_dir=root / "data", state_dir=root / "state", user_themes_dir=root / "themes")
    data_dir = Path(platformdirs.user_data_dir(APP_NAME))
    return Paths(
        config_dir=Path(platformdirs.user_config_dir(APP_NAME)),
        data_dir=data_dir,
        state_dir=Path(platformdirs.user_state_dir(APP_NAME)),
        user_themes_dir=data_dir / "themes",
    )
