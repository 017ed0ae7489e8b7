from __future__ import annotations

from pathlib import Path

import pytest

from console.core.themes import TIER_VARIABLES, ThemeFileError, discover_themes, load_theme_file

SHIPPED = {"hitl-dark", "hitl-light", "hitl-high-contrast"}


def test_shipped_themes_load_and_define_tier_colours() -> None:
    catalog = discover_themes(None)
    assert catalog.errors == []
    assert set(catalog.themes) >= SHIPPED
    for spec in catalog.themes.values():
        assert set(TIER_VARIABLES) <= set(spec.variables)
    assert catalog.themes["hitl-light"].dark is False


def test_user_theme_overrides_shipped_and_adds(tmp_path: Path) -> None:
    (tmp_path / "mine.toml").write_text('name = "mine"\n[colors]\nprimary = "#123456"\n')
    (tmp_path / "dark.toml").write_text('name = "hitl-dark"\n[colors]\nprimary = "#abcdef"\n')
    catalog = discover_themes(tmp_path)
    assert catalog.themes["mine"].colors == {"primary": "#123456"}
    assert catalog.themes["hitl-dark"].colors["primary"] == "#abcdef"


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ('name = "x"\n[colors]\nprimary = "blue-ish"\n', "colour"),
        ('name = "x"\n', "primary"),
        ("name = \n", "not valid TOML"),
        ('name = "Bad Name"\n[colors]\nprimary = "#000000"\n', "name"),
        ('name = "x"\n[colors]\nprimary = "#000000"\nsparkle = "#ffffff"\n', "unknown colour"),
        ('name = "x"\n[colors]\nprimary = "#000000"\n[variables]\ntier-read = "green"\n', "tier-read"),
    ],
)
def test_malformed_theme_is_reported_with_file(tmp_path: Path, text: str, fragment: str) -> None:
    path = tmp_path / "broken.toml"
    path.write_text(text)
    with pytest.raises(ThemeFileError) as caught:
        load_theme_file(path)
    assert str(path) in str(caught.value)
    assert fragment in str(caught.value)


def test_malformed_user_theme_is_skipped_not_fatal(tmp_path: Path) -> None:
    (tmp_path / "broken.toml").write_text("not = [toml")
    catalog = discover_themes(tmp_path)
    assert set(catalog.themes) >= SHIPPED
    assert len(catalog.errors) == 1
    assert "broken.toml" in catalog.errors[0]
