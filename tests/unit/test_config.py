from __future__ import annotations

from pathlib import Path

import pytest

from console.core.config import ConfigError, Settings, load_settings, parse_duration, parse_size
from console.core.paths import resolve_paths
from console.core.tiers import Tier


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_missing_file_gives_documented_defaults(tmp_path: Path) -> None:
    settings = load_settings(tmp_path / "absent.toml", environ={})
    assert settings == Settings()
    assert settings.rollback_ttl == 24 * 3600
    assert settings.destructive_dwell == 2.0
    assert settings.write_key_delay == 0.5
    assert settings.capture_size_cap == 256 * 1024 * 1024
    assert settings.unknown_command_tier is Tier.WRITE
    assert settings.read_only is False


def test_good_file_is_parsed(tmp_path: Path) -> None:
    config = write(
        tmp_path / "config.toml",
        """
theme = "hitl-light"
model = "claude-test"
read_only = true
rollback_ttl = "2h"
destructive_dwell = "1500ms"
write_key_delay = 0
capture_size_cap = "1GiB"
unknown_command_tier = "destructive"
[keymap]
quit = "ctrl+x"
""",
    )
    settings = load_settings(config, environ={})
    assert settings.theme == "hitl-light"
    assert settings.model == "claude-test"
    assert settings.read_only is True
    assert settings.rollback_ttl == 7200
    assert settings.destructive_dwell == 1.5
    assert settings.write_key_delay == 0
    assert settings.capture_size_cap == 1024**3
    assert settings.unknown_command_tier is Tier.DESTRUCTIVE
    assert dict(settings.keymap) == {"quit": "ctrl+x"}


def test_environment_overrides_file(tmp_path: Path) -> None:
    config = write(tmp_path / "config.toml", 'model = "from-file"\nread_only = false\n')
    settings = load_settings(config, environ={"HITL_MODEL": "from-env", "HITL_READ_ONLY": "1"})
    assert settings.model == "from-env"
    assert settings.read_only is True


@pytest.mark.parametrize(
    ("text", "key", "fragment"),
    [
        ('rollback_ttl = "soon"', "rollback_ttl", "duration"),
        ("read_only = 3", "read_only", "true or false"),
        ('unknown_command_tier = "READ"', "unknown_command_tier", "never READ"),
        ('capture_size_cap = "-1MiB"', "capture_size_cap", "size"),
        ('colour = "red"', "colour", "unknown key"),
        ("keymap = 3", "keymap", "table"),
        ("theme = ", "(syntax)", "not valid TOML"),
    ],
)
def test_bad_file_names_file_key_and_problem(tmp_path: Path, text: str, key: str, fragment: str) -> None:
    config = write(tmp_path / "config.toml", text + "\n")
    with pytest.raises(ConfigError) as caught:
        load_settings(config, environ={})
    message = str(caught.value)
    assert str(config) in message
    assert key in message
    assert fragment in message


def test_bad_environment_value_names_the_variable(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="HITL_WRITE_KEY_DELAY"):
        load_settings(tmp_path / "none.toml", environ={"HITL_WRITE_KEY_DELAY": "later"})


@pytest.mark.parametrize(("text", "seconds"), [("90s", 90), ("15m", 900), ("7d", 604800), (3, 3), ("250ms", 0.25)])
def test_durations(text: object, seconds: float) -> None:
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize(("text", "size"), [("512KiB", 524288), ("1MB", 10**6), (42, 42), ("2 gib", 2 * 1024**3)])
def test_sizes(text: object, size: int) -> None:
    assert parse_size(text) == size


def test_hitl_home_is_the_single_root(tmp_path: Path) -> None:
    paths = resolve_paths({"HITL_HOME": str(tmp_path)})
    assert paths.config_file == tmp_path / "config.toml"
    assert paths.hosts_file == tmp_path / "hosts.toml"
    assert paths.data_dir == tmp_path / "data"
    assert paths.state_dir == tmp_path / "state"
    assert paths.user_themes_dir == tmp_path / "themes"
    assert all(str(p).startswith(str(tmp_path)) for p in paths.as_dict().values())


def test_without_hitl_home_platformdirs_decide(tmp_path: Path) -> None:
    paths = resolve_paths({})
    assert "hitl" in str(paths.config_dir)
    assert "hitl" in str(paths.data_dir)
    assert paths.config_dir != paths.data_dir


def test_read_confinement_defaults_to_prefer_and_takes_the_three_policies(tmp_path: Path) -> None:
    assert load_settings(tmp_path / "absent.toml", environ={}).read_confinement == "prefer"
    config = write(tmp_path / "config.toml", 'read_confinement = "Require"\n')
    assert load_settings(config, environ={}).read_confinement == "require"
    assert load_settings(config, environ={"HITL_READ_CONFINEMENT": "off"}).read_confinement == "off"


@pytest.mark.parametrize("value", ['"sometimes"', '""', "true", "1"])
def test_read_confinement_refuses_anything_else(tmp_path: Path, value: str) -> None:
    config = write(tmp_path / "config.toml", f"read_confinement = {value}\n")
    with pytest.raises(ConfigError, match=r"read_confinement.*prefer, require or off"):
        load_settings(config, environ={})
    with pytest.raises(ConfigError, match="HITL_READ_CONFINEMENT"):
        load_settings(tmp_path / "none.toml", environ={"HITL_READ_CONFINEMENT": "maybe"})


def test_mcp_settings_default_to_ten_minutes_fifteen_seconds_and_no_elicitation(tmp_path: Path) -> None:
    settings = load_settings(tmp_path / "missing.toml", environ={})
    assert (settings.mcp_approval_timeout, settings.mcp_progress_interval, settings.mcp_elicitation) == (
        600.0,
        15.0,
        False,
    )
    config = tmp_path / "config.toml"
    config.write_text('mcp_approval_timeout = "2m"\nmcp_progress_interval = "500ms"\nmcp_elicitation = true\n')
    settings = load_settings(config, environ={"HITL_MCP_APPROVAL_TIMEOUT": "90s"})
    assert (settings.mcp_approval_timeout, settings.mcp_progress_interval, settings.mcp_elicitation) == (
        90.0,
        0.5,
        True,
    )


@pytest.mark.parametrize("value", ['"30s"', '"0s"', "-1"])
def test_a_progress_interval_clients_would_time_out_on_is_refused(tmp_path: Path, value: str) -> None:
    config = tmp_path / "config.toml"
    config.write_text(f"mcp_progress_interval = {value}\n")
    with pytest.raises(ConfigError, match="mcp_progress_interval"):
        load_settings(config, environ={})


def test_team_settings_from_file_and_environment(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('store = "postgresql://alice@db.example/hitl"\nfour_eyes_labels = ["prod"]\n')
    settings = load_settings(config, {"HITL_OPERATOR": "alice", "HITL_FOUR_EYES_LABELS": "prod, payments"})
    assert settings.store == "postgresql://alice@db.example/hitl"
    assert settings.operator == "alice"
    assert settings.four_eyes_labels == ("prod", "payments")
    with pytest.raises(ConfigError, match="postgresql://"):
        load_settings(config, {"HITL_STORE": "mysql://x/y"})


def test_config_show_never_prints_the_store_password(hitl_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from console.cli import main

    (hitl_home / "config.toml").write_text('store = "postgresql://alice:hunter2@db.example/hitl?password=sesame"\n')
    assert main(["config", "show"]) == 0
    out = capsys.readouterr().out
    assert "hunter2" not in out and "sesame" not in out
    assert "postgresql://alice:***@db.example/hitl?password=***" in out
