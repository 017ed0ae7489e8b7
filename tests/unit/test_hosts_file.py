"""Adding a host to hosts.toml: validated, appended without touching what was there, written atomically."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from console.core.paths import resolve_paths
from console.core.transport.hosts_file import NewHost, add_host
from console.core.transport.inventory import InventoryError, load_inventory

EXISTING = """\
# my hosts
[hosts.web-1]  # the front end
hostname = "10.0.0.5"
labels = ["prod"]
"""


def test_appends_after_existing_content_and_reads_back(tmp_path: Path) -> None:
    path = tmp_path / "hosts.toml"
    path.write_text(EXISTING)
    path.chmod(0o640)
    spec = add_host(path, NewHost(name="db.main", hostname="db.example.com", port="2222", labels=" a, b ,,"))
    text = path.read_text()
    assert text.startswith(EXISTING + "\n[hosts.")
    data = tomllib.loads(text)["hosts"]
    assert data["web-1"] == {"hostname": "10.0.0.5", "labels": ["prod"]}
    assert data["db.main"] == {"hostname": "db.example.com", "port": 2222, "labels": ["a", "b"]}
    assert (spec.name, spec.port, spec.labels, spec.source) == ("db.main", 2222, ("a", "b"), str(path))
    assert path.stat().st_mode & 0o777 == 0o640
    assert not list(tmp_path.glob(".hosts.toml.*"))  # no temporary file left behind


def test_creates_a_missing_file_private(hitl_home: Path) -> None:
    paths = resolve_paths()
    add_host(paths.hosts_file, NewHost(name="box", hostname="127.0.0.1", user="ops", identity_file="~/.ssh/k"))
    assert paths.hosts_file.stat().st_mode & 0o777 == 0o600
    spec = load_inventory(paths, ssh_config=None).get("box")
    assert (spec.hostname, spec.user, spec.identity_file, spec.port) == ("127.0.0.1", "ops", "~/.ssh/k", None)


@pytest.mark.parametrize(
    ("host", "message"),
    [
        (NewHost(name="", hostname="h"), "name: a host needs a name"),
        (NewHost(name="we b", hostname="h"), "name: 'we b' may hold"),
        (NewHost(name="local", hostname="h"), "reserved"),
        (NewHost(name="web-1", hostname="h"), "already in"),
        (NewHost(name="web-2", hostname=""), "hostname:"),
        (NewHost(name="web-2", hostname="h", port="0"), "port: must be a number from 1 to 65535, not '0'"),
        (NewHost(name="web-2", hostname="h", port="22a"), "port:"),
        (NewHost(name="web-2", hostname="h", user="a b"), "user:"),
        (NewHost(name="web-2", hostname="h", labels="prod web"), "labels: 'prod web' contains spaces"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(tmp_path: Path, host: NewHost, message: str) -> None:
    path = tmp_path / "hosts.toml"
    path.write_text(EXISTING)
    with pytest.raises(InventoryError, match=message):
        add_host(path, host)
    assert path.read_text() == EXISTING


def test_names_known_from_elsewhere_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "hosts.toml"
    with pytest.raises(InventoryError, match=r"'bastion' already exists \(from /home/me/.ssh/config\)"):
        add_host(path, NewHost(name="bastion", hostname="h"), taken={"bastion": "/home/me/.ssh/config"})
    assert not path.exists()


def test_an_invalid_file_is_not_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "hosts.toml"
    path.write_text("[hosts.web\n")
    with pytest.raises(InventoryError, match="not valid TOML"):
        add_host(path, NewHost(name="box", hostname="h"))
    assert path.read_text() == "[hosts.web\n"


def test_file_without_final_newline_and_unusual_values(tmp_path: Path) -> None:
    path = tmp_path / "hosts.toml"
    path.write_text('[hosts.a]\nhostname = "a"')
    add_host(path, NewHost(name="b", hostname="b", identity_file='~/keys/"odd" key\\1'))
    data = tomllib.loads(path.read_text())["hosts"]
    assert data["a"] == {"hostname": "a"}
    assert data["b"]["identity_file"] == '~/keys/"odd" key\\1'
