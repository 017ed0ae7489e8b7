"""Turn validated theme specs into Textual themes."""

from __future__ import annotations

from typing import Any

from textual.color import Color, ColorParseError
from textual.theme import Theme

from console.core.themes import ThemeSpec

# Defaults for hitl's own CSS variables, so that Textual's built-in themes still render tiers.
TIER_DEFAULTS = {
    "tier-read": "#4caf50",
    "tier-write": "#f0a30a",
    "tier-destructive": "#e53935",
}


def to_textual_theme(spec: ThemeSpec) -> Theme:
    """Build a Textual `Theme`; raises `ValueError` naming the file if Textual rejects a colour."""
    for key, value in spec.colors.items():
        try:
            Color.parse(value)
        except ColorParseError as error:
            raise ValueError(f"{spec.source}: colour '{key}': {error}") from None
    colors: dict[str, Any] = dict(spec.colors)
    return Theme(name=spec.name, dark=spec.dark, variables=dict(spec.variables), **colors)
