"""Theme files: TOML data describing a Textual theme plus hitl's tier colours.

A theme file looks like::

    name = "hitl-dark"
    dark = true

    [colors]            # Textual theme colours; `primary` is required
    primary = "#5fafff"
    background = "#101418"

    [variables]         # extra CSS variables; the tier colours live here
    tier-read = "#5fd787"
    tier-write = "#ffaf00"
    tier-destructive = "#ff5f5f"

Shipped themes live in the package (`console/themes/` in a wheel, `themes/` in a checkout); the operator's
own go in the user themes directory and override a shipped theme of the same name. This module only reads
and validates the data; registering with Textual happens in the TUI.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import console
from console.core.errors import HitlError

COLOR_KEYS = (
    "primary",
    "secondary",
    "warning",
    "error",
    "success",
    "accent",
    "foreground",
    "background",
    "surface",
    "panel",
    "boost",
)
TIER_VARIABLES = ("tier-read", "tier-write", "tier-destructive")
_HEX = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})$")
_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")


class ThemeFileError(HitlError):
    """A theme file that cannot be used; the message names the file and the problem."""


@dataclass(frozen=True)
class ThemeSpec:
    name: str
    colors: dict[str, str]
    variables: dict[str, str] = field(default_factory=dict)
    dark: bool = True
    source: Path | None = None


def shipped_themes_dir() -> Path:
    """The themes that come with hitl: inside the installed package, else the checkout's `themes/`."""
    package_dir = Path(console.__file__).resolve().parent
    installed = package_dir / "themes"
    return installed if installed.is_dir() else package_dir.parent / "themes"


def _check_color(path: Path, key: str, value: object) -> str:
    if not isinstance(value, str) or not _HEX.match(value):
        raise ThemeFileError(f"{path}: '{key}' must be a colour like \"#1e90ff\", got {value!r}")
    return value


def load_theme_file(path: Path) -> ThemeSpec:
    """Parse and validate one theme file."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise ThemeFileError(f"{path}: cannot be read: {error}") from None
    except tomllib.TOMLDecodeError as error:
        raise ThemeFileError(f"{path}: not valid TOML: {error}") from None
    name = data.get("name")
    if not isinstance(name, str) or not _NAME.match(name):
        raise ThemeFileError(f"{path}: 'name' must be lower-case letters, digits and dashes, got {name!r}")
    colors_table = data.get("colors")
    if not isinstance(colors_table, dict) or "primary" not in colors_table:
        raise ThemeFileError(f"{path}: needs a [colors] table with at least 'primary'")
    colors: dict[str, str] = {}
    for key, value in colors_table.items():
        if key not in COLOR_KEYS:
            raise ThemeFileError(f"{path}: unknown colour '{key}' (known: {', '.join(COLOR_KEYS)})")
        colors[key] = _check_color(path, f"colors.{key}", value)
    variables_table = data.get("variables", {})
    if not isinstance(variables_table, dict):
        raise ThemeFileError(f"{path}: [variables] must be a table")
    variables: dict[str, str] = {}
    for key, value in variables_table.items():
        if not isinstance(value, str):
            raise ThemeFileError(f"{path}: variable '{key}' must be a string, got {value!r}")
        if key in TIER_VARIABLES:
            _check_color(path, f"variables.{key}", value)
        variables[key] = value
    dark = data.get("dark", True)
    if not isinstance(dark, bool):
        raise ThemeFileError(f"{path}: 'dark' must be true or false, got {dark!r}")
    return ThemeSpec(name=name, colors=colors, variables=variables, dark=dark, source=path)


@dataclass
class ThemeCatalog:
    """The themes found, and the files that were skipped with the reason why."""

    themes: dict[str, ThemeSpec] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)


def discover_themes(user_dir: Path | None) -> ThemeCatalog:
    """Shipped themes, then user themes (which override shipped ones of the same name)."""
    catalog = ThemeCatalog()
    for directory in (shipped_themes_dir(), user_dir):
        if directory is None or not directory.is_dir():
            continue
        for path in sorted(directory.glob("*.toml")):
            try:
                spec = load_theme_file(path)
            except ThemeFileError as error:
                catalog.errors.append(str(error))
                continue
            catalog.themes[spec.name] = spec
    return catalog
