"""Waves and failure limits for a rollout, as Ansible's `serial` and `max_fail_percentage` do them.

`serial` is a list of wave sizes, each a count (`1`) or a percentage of all the rollout's hosts (`"25%"`); the
last size repeats until every host has a wave. A percentage rounds down but is at least one host. The default
`[1, "25%", "100%"]` is a canary, then a quarter, then the rest.

`max_fail` is how many hosts of one wave may fail (a count, or a percentage of that wave's hosts) before the
rollout stops: a wave *exceeding* it stops the rollout and no later wave starts. An unreachable host counts as
failed. The default is 0: any failure stops. Arithmetic is exact (fractions), so `"10%"` of 10 hosts allows one
failure and stops at two, never at 1.0000001.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

DEFAULT_SERIAL: tuple[int | str, ...] = (1, "25%", "100%")
_PERCENT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*%\s*$")
_COUNT = re.compile(r"^\s*(\d+)\s*$")


@dataclass(frozen=True, slots=True)
class Size:
    """One wave size or failure limit: a count of hosts or a percentage."""

    count: int | None = None
    percent: Fraction | None = None

    def __str__(self) -> str:
        if self.percent is not None:
            return f"{float(self.percent):g}%"
        return str(self.count)

    def __repr__(self) -> str:
        return repr(self.count) if self.percent is None else repr(str(self))

    def of(self, total: int) -> int:
        """How many hosts this size is out of `total` (a percentage rounds down, at least 1)."""
        if self.percent is None:
            assert self.count is not None
            return self.count
        return max(1, int(self.percent * total / 100))


def parse_size(value: object, *, what: str, allow_zero: bool) -> Size:
    """A count (int or digits) or a percentage (`"25%"`); raises ValueError with one line saying what is wrong."""
    if isinstance(value, bool):
        raise ValueError(f"{what} must be a count or a percentage such as 25%, not {value!r}")
    if isinstance(value, int):
        count = value
    elif isinstance(value, str) and (match := _COUNT.match(value)):
        count = int(match.group(1))
    elif isinstance(value, str) and (match := _PERCENT.match(value)):
        percent = Fraction(match.group(1))
        if percent > 100 or (percent == 0 and not allow_zero):
            raise ValueError(f"{what} percentage must be {'0' if allow_zero else 'above 0'} to 100%, not {value!r}")
        return Size(percent=percent)
    else:
        raise ValueError(f"{what} must be a count or a percentage such as 25%, not {value!r}")
    if count < 0 or (count == 0 and not allow_zero):
        raise ValueError(f"{what} must be {'0 or more' if allow_zero else 'at least 1'}, not {value!r}")
    return Size(count=count)


def parse_serial(value: object) -> tuple[Size, ...]:
    """`serial` from config (a list, or one value) or a flag (`"1,25%,100%"`)."""
    if isinstance(value, str):
        items: Sequence[object] = [part for part in value.split(",") if part.strip()]
    elif isinstance(value, int | list | tuple):
        items = value if isinstance(value, list | tuple) else [value]
    else:
        raise ValueError(f'serial must be a list of counts or percentages such as [1, "25%", "100%"], not {value!r}')
    if not items:
        raise ValueError("serial must name at least one wave size")
    return tuple(parse_size(item, what="a serial wave size", allow_zero=False) for item in items)


def parse_max_fail(value: object) -> Size:
    return parse_size(value, what="max_fail", allow_zero=True)


def split_waves(hosts: Sequence[str], serial: Sequence[Size]) -> list[list[str]]:
    """`hosts` in order, cut into waves by `serial` (sizes taken out of all the hosts; the last repeats)."""
    total = len(hosts)
    waves: list[list[str]] = []
    start = 0
    index = 0
    while start < total:
        size = serial[min(index, len(serial) - 1)].of(total)
        waves.append(list(hosts[start : start + size]))
        start += size
        index += 1
    return waves


def exceeds(failed: int, wave_size: int, limit: Size) -> bool:
    """Whether `failed` hosts out of a wave of `wave_size` exceed `limit` (and so stop the rollout)."""
    if limit.percent is None:
        assert limit.count is not None
        return failed > limit.count
    return failed * 100 > limit.percent * wave_size


def describe_waves(waves: Sequence[Sequence[str]], limit: Size) -> list[str]:
    """The waves as the review shows them, one line each."""
    allowed = "any failed host" if limit == Size(count=0) else f"more than {limit} failed hosts"
    lines = [
        f"wave {number}: {len(wave)} host{'s' if len(wave) != 1 else ''}: {', '.join(wave)}"
        for number, wave in enumerate(waves, 1)
    ]
    lines.append(f"a wave with {allowed} stops the rollout before the next wave (unreachable counts as failed)")
    return lines
