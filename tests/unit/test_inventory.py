from __future__ import annotations

from pathlib import Path

import pytest

from console.core.paths import resolve_paths
from console.core.transport.inventory import InventoryError, load_inventory


def write_hosts(home: Path, text: str) -> None:
    (home / "hosts.toml").write_text(text)


def test_local_is_built_in_and_hosts_toml_is_read(hitl_home: Path, tmp_path: Path) -> None:
    key = tmp_path / "key"
    key.write_text("k")
    key.chmod(0o600)
    write_hosts(
        hitl_home,
        f'[hosts.web]\nhostname = "10.0.0.5"\nport = 2222\nuser = "ops"\nidentity_file = "{key}"\n'
        'labels = ["prod", "nginx"]\npolicy = "read-only"\n',
    )
    inventory = load_inventory(resolve_paths(), ssh_config=None)
    local, web = inventory.all()
    assert local.is_local and local.source == "built-in"
    assert (web.name, web.hostname, web.port, web.user, web.labels, web.policy) == (
        "web",
        "10.0.0.5",
        2222,
        "ops",
        ("prod", "nginx"),
        "read-only",
    )
    assert web.source == str(hitl_home / "hosts.toml")
    assert inventory.get("web") is web
    assert inventory.warnings == ()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[hosts.web]\nport = "22"\n', "host 'web': port must be an integer"),
        ('[hosts.web]\nlabels = "prod"\n', "host 'web': labels must be a list"),
        ('[hosts.web]\nhostnme = "x"\n', "host 'web': unknown key(s) hostnme"),
        ("[hosts.local]\n", "host 'local': the name 'local' is reserved"),
        ("[hosts.web\n", "not valid TOML"),
        ("[servers.web]\n", "unknown top-level key(s) servers"),
    ],
)
def test_errors_name_the_file_and_host(hitl_home: Path, text: str, expected: str) -> None:
    write_hosts(hitl_home, text)
    with pytest.raises(InventoryError) as raised:
        load_inventory(resolve_paths(), ssh_config=None)
    assert str(hitl_home / "hosts.toml") in str(raised.value)
    assert expected in str(raised.value)


def test_unknown_host_lists_the_known_ones(hitl_home: Path) -> None:
    with pytest.raises(InventoryError, match=r"unknown host 'db'.*local"):
        load_inventory(resolve_paths(), ssh_config=None).get("db")


def test_ssh_config_aliases_follow_include_and_skip_patterns(hitl_home: Path, tmp_path: Path) -> None:
    extra = tmp_path / "extra.conf"
    extra.write_text("Host bastion\n  HostName 10.0.0.1\n")
    config = tmp_path / "config"
    config.write_text(
        f"Host *\n  ServerAliveInterval 10\nHost db db2 !bad web-*\n  ProxyJump bastion\nInclude {extra}\n"
    )
    write_hosts(hitl_home, '[hosts.db]\nhostname = "10.0.0.9"\n')
    inventory = load_inventory(resolve_paths(), ssh_config=config)
    assert [spec.name for spec in inventory.all()] == ["local", "db", "db2", "bastion"]
    assert inventory.get("db").source == str(hitl_home / "hosts.toml")  # hosts.toml wins
    assert inventory.get("db2").source == str(config) and inventory.get("db2").hostname == "db2"


def test_a_private_key_readable_by_others_is_a_warning(hitl_home: Path, tmp_path: Path) -> None:
    key = tmp_path / "key"
    key.write_text("k")
    key.chmod(0o644)
    write_hosts(hitl_home, f'[hosts.web]\nidentity_file = "{key}"\n')
    inventory = load_inventory(resolve_paths(), ssh_config=None)
    assert len(inventory.warnings) == 1
    assert "host 'web'" in inventory.warnings[0] and "chmod 600" in inventory.warnings[0]


@pytest.mark.parametrize("policy", ["four_eyes", "Four-Eyes", "readonly", "2fa"])
def test_a_misspelt_policy_is_refused_not_ignored(hitl_home: Path, policy: str) -> None:
    write_hosts(hitl_home, f'[hosts.pay]\nhostname = "10.0.0.9"\npolicy = "{policy}"\n')
    with pytest.raises(InventoryError, match="policy must be one of read-only, four-eyes"):
        load_inventory(resolve_paths(), ssh_config=None)


def test_four_eyes_is_a_policy(hitl_home: Path) -> None:
    write_hosts(hitl_home, '[hosts.pay]\nhostname = "10.0.0.9"\npolicy = "four-eyes"\n')
    assert load_inventory(resolve_paths(), ssh_config=None).get("pay").policy == "four-eyes"
