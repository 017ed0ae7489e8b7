"""What the operator chose in the console and expects to find again next time: for now, the theme.

Kept in the state directory as a small TOML file (`console.toml`, 0600), not in config.toml: the configuration
is the operator's file and hitl never rewrites it. The console's choice wins over config.toml's `theme`; a
`--theme` given on the command line wins for that run only. A file that cannot be read is ignored (the
configuration's theme is used) and replaced at the next choice.
"""

from __future__ import annotations

import json
import os
import tomllib
from pathlib import Path

from console.core.paths import Paths
from console.core.private_files import create_private_file

FILE_NAME = "console.toml"


def _file(paths: Paths) -> Path:
    return paths.state_dir / FILE_NAME


def chosen_theme(paths: Paths) -> str | None:
    """The theme last chosen in the console, or None."""
    try:
        data = tomllib.loads(_file(paths).read_text())
    except (OSError, ValueError, UnicodeDecodeError):
        return None
    theme = data.get("theme")
    return theme if isinstance(theme, str) and theme else None


def choose_theme(paths: Paths, name: str) -> None:
    """Remember `name` as the console's theme (written to a temporary file, then renamed over the old one)."""
    path = _file(paths)
    partial = path.with_suffix(".toml.partial")
    partial.unlink(missing_ok=True)
    create_private_file(partial)
    quoted = json.dumps(name)  # a JSON string is a TOML basic string
    partial.write_text(f"# Written by hitl: what was chosen in the console.\ntheme = {quoted}\n")
    os.replace(partial, path)
