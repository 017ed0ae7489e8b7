"""Ansible inventory files (INI and YAML) read the way Ansible reads them: hosts, ranges, groups, children, and
`ansible_host`/`ansible_port`/`ansible_user` with group variables by depth and host variables last."""

from __future__ import annotations

from pathlib import Path

import pytest

from console.core.fleet.ansible import AnsibleInventoryError, expand, load
from console.core.paths import resolve_paths
from console.core.transport.inventory import InventoryError, load_inventory

HERE = Path(__file__).parent / "inventories"


def hosts_of(path: Path) -> dict[str, tuple[str, int | None, str | None]]:
    return {h.name: (h.hostname, h.port, h.user) for h in load(path).hosts}


def test_ini_hosts_ranges_ports_and_variables() -> None:
    hosts = hosts_of(HERE / "hosts.ini")
    assert hosts["mail.example.com"] == ("mail.example.com", None, None)
    assert hosts["foo.example.com"] == ("foo.example.com", None, "deploy")
    assert hosts["bar.example.com"] == ("bar.example.com", 2222, None)
    assert [name for name in hosts if name.startswith("web")] == [f"web0{n}.example.com" for n in (1, 2, 3)]
    assert hosts["web02.example.com"] == ("10.0.0.1", None, None)
    # group vars by depth: southeast (parent) < atlanta (child) < the host's own
    assert hosts["host1"] == ("192.0.2.50", 2201, "ops user")
    assert hosts["host2"] == ("host2", 2299, "atl")
    assert hosts["db-b.example.com"] == ("db-b.example.com", 5433, "southeast")


def test_ini_groups_children_all_and_ungrouped() -> None:
    groups = load(HERE / "hosts.ini").groups
    assert groups["southeast"] == ("host1", "host2", "db-a.example.com", "db-b.example.com", "db-c.example.com")
    assert groups["ungrouped"] == ("mail.example.com",)
    assert len(groups["all"]) == 11
    assert groups["webservers"][:2] == ("foo.example.com", "bar.example.com")


def test_yaml_hosts_groups_children_and_variables() -> None:
    inventory = load(HERE / "hosts.yml")
    hosts = {h.name: h for h in inventory.hosts}
    assert set(hosts) == {"mail.example.com", "foo.example.com", "web1.example.com", "web3.example.com", "db1"}
    assert (hosts["db1"].hostname, hosts["db1"].port, hosts["db1"].user) == ("192.0.2.10", 5555, "dba")
    assert hosts["foo.example.com"].user == "everyone" and hosts["foo.example.com"].identity_file == "~/.ssh/foo"
    assert inventory.groups["prod"] == ("foo.example.com", "web1.example.com", "web3.example.com", "db1")
    assert inventory.groups["ungrouped"] == ("mail.example.com",)


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("web[1:3]", ["web1", "web2", "web3"]),
        ("web[08:10].x", ["web08.x", "web09.x", "web10.x"]),
        ("db-[a:c]", ["db-a", "db-b", "db-c"]),
        ("n[0:4:2]", ["n0", "n2", "n4"]),
        ("r[1:2]c[a:b]", ["r1ca", "r1cb", "r2ca", "r2cb"]),
        ("plain", ["plain"]),
    ],
)
def test_ranges(pattern: str, expected: list[str]) -> None:
    assert expand(pattern, "here") == expected


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("[web\nhost1\n", "must end with ]"),
        ("[web:nonsense]\nhost1\n", "unknown section kind"),
        ("[web]\nhost1 ansible_port\n", "expected key=value"),
        ("[web]\nh[3:1]\n", "ends before it starts"),
        ("[web]\nh[0:99999]\n", "more than 10000 hosts"),
        ("[web]\nh1 ansible_port=70000\n", "ansible_port must be 1 to 65535"),
        ("[a:children]\nb\n[b:children]\na\n", "its own child"),
        ("[web]\nh1 'unterminated\n", "No closing quotation"),
    ],
)
def test_bad_ini_is_one_line_naming_the_file(tmp_path: Path, text: str, words: str) -> None:
    path = tmp_path / "bad.ini"
    path.write_text(text)
    with pytest.raises(AnsibleInventoryError, match=words) as caught:
        load(path)
    assert str(path) in str(caught.value) and "\n" not in str(caught.value)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("all:\n  hosts: [a, b]\n", "hosts must be a mapping"),
        ("all:\n  children:\n    web:\n      host:\n        a:\n", "unknown key"),
        ("all: [\n", "not valid YAML"),
        ("- a\n- b\n", "expected groups at the top level"),
        ("all:\n  hosts:\n    a: 3\n", "variables must be a mapping"),
    ],
)
def test_bad_yaml_is_one_line_naming_the_file(tmp_path: Path, text: str, words: str) -> None:
    path = tmp_path / "bad.yml"
    path.write_text(text)
    with pytest.raises(AnsibleInventoryError, match=words) as caught:
        load(path)
    assert str(path) in str(caught.value) and "\n" not in str(caught.value)


def test_inventory_merges_hosts_toml_groups_and_ansible_files(hitl_home: Path) -> None:
    (hitl_home / "hosts.toml").write_text(
        '[hosts."foo.example.com"]\nhostname = "10.9.9.9"\nlabels = ["web"]\n\n[groups]\nmine = ["foo.example.com"]\n'
    )
    inventory = load_inventory(resolve_paths(), ssh_config=None, ansible=[HERE / "hosts.ini", HERE / "hosts.yml"])
    assert inventory.get("foo.example.com").hostname == "10.9.9.9", "hosts.toml's definition wins"
    assert inventory.get("db1").port == 5555 and inventory.get("db1").source == str(HERE / "hosts.yml")
    assert inventory.groups["mine"] == ("foo.example.com",)
    assert "foo.example.com" in inventory.groups["webservers"] and "web3.example.com" in inventory.groups["webservers"]


def test_a_group_naming_an_unknown_host_is_refused(hitl_home: Path) -> None:
    (hitl_home / "hosts.toml").write_text('[groups]\nweb = ["nowhere"]\n')
    with pytest.raises(InventoryError, match="group 'web' names unknown host"):
        load_inventory(resolve_paths(), ssh_config=None)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ('groups = ["a"]\n', "must be a table"),
        ('[groups]\nweb = "a"\n', "must be a list"),
        ('[groups]\n"a b" = []\n', "group name"),
    ],
)
def test_bad_groups_table(hitl_home: Path, text: str, words: str) -> None:
    (hitl_home / "hosts.toml").write_text(text)
    with pytest.raises(InventoryError, match=words):
        load_inventory(resolve_paths(), ssh_config=None)


def test_a_missing_inventory_file_is_one_line(hitl_home: Path) -> None:
    with pytest.raises(InventoryError, match="cannot read the inventory"):
        load_inventory(resolve_paths(), ssh_config=None, ansible=[hitl_home / "missing.ini"])
