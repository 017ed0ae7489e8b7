"""Targets: a host, @label or @group, comma lists; inventory order, each host once; bad input is one line."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from console.core.fleet.targets import Directory, TargetError, is_fleet, resolve

DIRECTORY = Directory(
    hosts=["local", "web1", "web2", "db1", "db2", "cache"],
    labels={"local": ("local",), "web1": ("web", "prod"), "web2": ("web",), "db1": ("prod",), "db2": (), "cache": ()},
    groups={"dbs": ("db2", "db1"), "empty": (), "web": ("cache",)},
)


@pytest.mark.parametrize(
    ("target", "hosts"),
    [
        ("web1", ["web1"]),
        ("@prod", ["web1", "db1"]),
        ("@dbs", ["db1", "db2"]),
        ("@web", ["web1", "web2", "cache"]),  # a label and a group of the same name: both
        ("db2, @prod ,web1", ["web1", "db1", "db2"]),
        ("@dbs,@dbs,db1", ["db1", "db2"]),
    ],
)
def test_resolves_in_inventory_order_each_once(target: str, hosts: list[str]) -> None:
    assert resolve(target, DIRECTORY) == hosts


@pytest.mark.parametrize(
    ("target", "words"),
    [
        ("", "empty target"),
        ("  ", "empty target"),
        ("web1,", "empty item"),
        ("@", "@ must be followed"),
        ("@nope", "no label or group named 'nope'"),
        ("@empty", "group 'empty' in target '@empty' has no hosts"),
        ("web9", "unknown host 'web9'"),
        ("web 1", "is not a host name"),
        ("@a b", "@ must be followed"),
    ],
)
def test_bad_targets_are_one_line(target: str, words: str) -> None:
    with pytest.raises(TargetError, match=words) as caught:
        resolve(target, DIRECTORY)
    assert "\n" not in str(caught.value)


def test_is_fleet() -> None:
    assert is_fleet("@web") and is_fleet("a,b") and not is_fleet("web1")


@given(st.lists(st.sampled_from(["web1", "web2", "db1", "db2", "cache", "@prod", "@dbs", "@web"]), min_size=1))
def test_any_list_resolves_to_the_union_in_inventory_order(items: list[str]) -> None:
    got = resolve(",".join(items), DIRECTORY)
    union: set[str] = set()
    for item in items:
        union |= set(resolve(item, DIRECTORY))
    assert got == [host for host in DIRECTORY.hosts if host in union]
