"""Names are bytes: the shown form is printable and injective, and a name reaches a real `sh` and comes back
through `od` exactly, whatever bytes it holds."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from console.core.capture.host import run_script
from console.core.capture.names import name_of, printf_arg, shown
from console.core.transport.local import LocalTransport

NAMES = st.binary(min_size=1, max_size=40).filter(lambda b: b"\0" not in b)


@given(NAMES)
def test_the_shown_form_is_printable_and_gives_the_bytes_back(name: bytes) -> None:
    text = shown(name)
    assert text.isprintable()
    text.encode("utf-8")  # no surrogate: safe for SQLite, JSON and terminals
    assert name_of(text) == name


@given(st.lists(NAMES, min_size=2, max_size=2, unique=True))
def test_different_names_are_shown_differently(names: list[bytes]) -> None:
    assert shown(names[0]) != shown(names[1])


def test_what_a_person_reads_is_plain_where_it_can_be() -> None:
    assert shown("/srv/café/index.html".encode()) == "/srv/café/index.html"
    assert shown(b"a\\b") == "a\\\\b"
    assert shown(b"\xffname") == "\\xffname"
    assert shown(b"two\nlines") == "two\\x0alines"
    assert shown("zero\u200bwidth".encode()) == "zero\\xe2\\x80\\x8bwidth"


@settings(max_examples=40, deadline=None)
@given(st.lists(NAMES, min_size=1, max_size=5))
def test_names_cross_a_real_shell_and_come_back_exactly(names: list[bytes]) -> None:
    script = 'for a; do hitl_arg "$a"; out "$hitl_v"; done'
    output = asyncio.run(run_script(LocalTransport(), script, names, what="echoing names"))
    assert output.status == 0 and output.fields == names
    assert all(printf_arg(name).isascii() for name in names)


def test_a_file_with_any_name_is_found_by_its_bytes(tmp_path: Path) -> None:
    name = b"\xff\xfe \\n\n'$(x)`"
    path = os.path.join(os.fsencode(tmp_path), name)
    with open(path, "wb") as handle:
        handle.write(b"x")
    script = 'hitl_arg "$1"; if [ -f "$hitl_v" ]; then out found; else out missing; fi'
    output = asyncio.run(run_script(LocalTransport(), script, [path], what="looking"))
    assert output.fields == [b"found"]
