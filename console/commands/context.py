"""What every sub-command needs: the paths and the effective settings."""

from __future__ import annotations

from dataclasses import dataclass

from console.core.config import Settings, load_settings
from console.core.paths import Paths, resolve_paths


@dataclass(frozen=True)
class Context:
    paths: Paths
    settings: Settings


def load_context() -> Context:
    """Resolve paths and read the configuration; raises ConfigError on a bad file."""
    paths = resolve_paths()
    return Context(paths=paths, settings=load_settings(paths.config_file))
