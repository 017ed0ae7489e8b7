"""The fleet settings in config.toml and HITL_* overrides: inventory paths, forks, serial, max_fail, pause."""

from __future__ import annotations

from pathlib import Path

import pytest

from console.core.config import ConfigError, load_settings
from console.core.fleet.waves import parse_max_fail, parse_serial


def test_defaults() -> None:
    settings = load_settings(Path("/nonexistent/config.toml"), {})
    assert settings.forks == 20 and settings.pause == "off" and settings.inventory == ()
    assert settings.serial == parse_serial([1, "25%", "100%"]) and settings.max_fail == parse_max_fail(0)


def test_file_and_environment(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('inventory = ["ansible/hosts.ini", "/etc/ansible/hosts"]\nforks = 5\nserial = [2, "50%"]\n')
    settings = load_settings(config, {"HITL_MAX_FAIL": "10%", "HITL_PAUSE": "approve"})
    assert settings.inventory == (tmp_path / "ansible/hosts.ini", Path("/etc/ansible/hosts"))
    assert settings.forks == 5 and settings.serial == parse_serial("2,50%")
    assert settings.max_fail == parse_max_fail("10%") and settings.pause == "approve"


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("forks = 0\n", "forks"),
        ('forks = "many"\n', "forks"),
        ("serial = [0]\n", "serial"),
        ('pause = "yes"\n', "pause"),
        ('max_fail = "x"\n', "max_fail"),
        ("inventory = [1]\n", "inventory"),
    ],
)
def test_bad_values_name_the_key(tmp_path: Path, text: str, key: str) -> None:
    config = tmp_path / "config.toml"
    config.write_text(text)
    with pytest.raises(ConfigError, match=f"key '{key}'") as caught:
        load_settings(config, {})
    assert "\n" not in str(caught.value)
