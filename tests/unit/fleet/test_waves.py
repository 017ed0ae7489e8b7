"""`serial` and `max_fail` arithmetic: waves cover every host once, in order; the last size repeats; a
percentage rounds down but is at least one host; a wave stops the rollout only when its failures exceed the
limit, computed exactly."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from console.core.fleet.waves import (
    DEFAULT_SERIAL,
    Size,
    exceeds,
    parse_max_fail,
    parse_serial,
    split_waves,
)

HOSTS = [f"h{n:02d}" for n in range(1, 51)]


@pytest.mark.parametrize(
    ("count", "serial", "sizes"),
    [
        (10, DEFAULT_SERIAL, [1, 2, 7]),
        (4, DEFAULT_SERIAL, [1, 1, 2]),
        (1, DEFAULT_SERIAL, [1]),
        (50, DEFAULT_SERIAL, [1, 12, 37]),
        (10, (3,), [3, 3, 3, 1]),
        (10, ("30%",), [3, 3, 3, 1]),
        (3, ("10%",), [1, 1, 1]),
        (10, (2, 5), [2, 5, 3]),
    ],
)
def test_waves(count: int, serial: tuple[int | str, ...], sizes: list[int]) -> None:
    waves = split_waves(HOSTS[:count], parse_serial(list(serial)))
    assert [len(w) for w in waves] == sizes


@given(
    count=st.integers(0, 50),
    serial=st.lists(st.one_of(st.integers(1, 60), st.integers(1, 100).map(lambda p: f"{p}%")), min_size=1, max_size=5),
)
def test_waves_cover_every_host_once_in_order(count: int, serial: list[int | str]) -> None:
    sizes = parse_serial(serial)
    waves = split_waves(HOSTS[:count], sizes)
    assert [h for wave in waves for h in wave] == HOSTS[:count]
    assert all(wave for wave in waves)
    for index, wave in enumerate(waves[:-1]):
        assert len(wave) == sizes[min(index, len(sizes) - 1)].of(count)


@pytest.mark.parametrize(
    ("failed", "size", "limit", "stops"),
    [
        (0, 1, "0", False),
        (1, 1, "0", True),
        (1, 10, "1", False),
        (2, 10, "1", True),
        (1, 10, "10%", False),
        (2, 10, "10%", True),
        (1, 3, "33%", True),  # 33.33...% > 33%
        (1, 3, "34%", False),
        (3, 3, "100%", False),
        (1, 8, "12.5%", False),
        (2, 8, "12.5%", True),
        (0, 5, "0%", False),
        (1, 5, "0%", True),
    ],
)
def test_max_fail(failed: int, size: int, limit: str, stops: bool) -> None:
    assert exceeds(failed, size, parse_max_fail(limit)) is stops


@given(failed=st.integers(0, 100), size=st.integers(1, 100), percent=st.fractions(0, 100))
def test_percent_limit_is_exact(failed: int, size: int, percent: Fraction) -> None:
    failed = min(failed, size)
    assert exceeds(failed, size, Size(percent=percent)) is (Fraction(failed, size) * 100 > percent)


@given(failed=st.integers(0, 100), size=st.integers(1, 100), count=st.integers(0, 100))
def test_count_limit(failed: int, size: int, count: int) -> None:
    assert exceeds(min(failed, size), size, Size(count=count)) is (min(failed, size) > count)


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("0", "at least 1"),
        ("abc", "count or a percentage"),
        ("150%", "percentage"),
        ([], "at least one"),
        (True, "count"),
    ],
)
def test_bad_serial(value: object, words: str) -> None:
    with pytest.raises(ValueError, match=words):
        parse_serial(value)


@pytest.mark.parametrize("value", ["-1", "x%", "101%", 2.5])
def test_bad_max_fail(value: object) -> None:
    with pytest.raises(ValueError, match="max_fail"):
        parse_max_fail(value)


def test_flag_forms() -> None:
    assert parse_serial("1, 25%,100%") == parse_serial([1, "25%", "100%"])
    assert repr(parse_max_fail("10%")) == "'10%'" and repr(parse_max_fail(3)) == "3"
