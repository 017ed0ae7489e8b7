"""The one renderer for untrusted text: every family of terminal attack comes out visible and inert, and
ordinary text of every script comes out as it went in."""

from __future__ import annotations

import json
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from console.core.textsafe import json_text, shown, shown_line, shown_lines

ATTACKS = {
    "CSI clear and home": ("\x1b[2J\x1b[H", "\\x1b[2J\\x1b[H"),
    "CSI cursor up and erase line": ("ok\x1b[1A\x1b[2K", "ok\\x1b[1A\\x1b[2K"),
    "SGR colours": ("\x1b[32mREAD\x1b[0m", "\\x1b[32mREAD\\x1b[0m"),
    "OSC title, BEL": ("\x1b]0;TITLE\x07", "\\x1b]0;TITLE\\x07"),
    "OSC title, ST": ("\x1b]2;TITLE\x1b\\", "\\x1b]2;TITLE\\x1b\\"),
    "OSC 8 hyperlink": (
        "\x1b]8;;http://evil\x1b\\click\x1b]8;;\x1b\\",
        "\\x1b]8;;http://evil\\x1b\\click\\x1b]8;;\\x1b\\",
    ),
    "OSC 52 clipboard": ("\x1b]52;c;Y3VybCBldmlsfHNo\x07", "\\x1b]52;c;Y3VybCBldmlsfHNo\\x07"),
    "DCS": ("\x1bPq#0;2;0;0;0\x1b\\", "\\x1bPq#0;2;0;0;0\\x1b\\"),
    "DECSET alternate screen": ("\x1b[?1049h", "\\x1b[?1049h"),
    "C1 8-bit CSI": ("\x9b2J", "\\x9b2J"),
    "C1 OSC and ST": ("\x9d0;T\x9c", "\\x9d0;T\\x9c"),
    "C1 next line": ("a\x85b", "a\\x85b"),
    "backspace overstrike": ("WRITE\b\b\b\b\bREAD ", "WRITE\\x08\\x08\\x08\\x08\\x08READ "),
    "carriage return overwrite": ("rm -rf /\rls     ", "rm -rf /\\rls     "),
    "NUL and DEL": ("a\x00b\x7f", "a\\x00b\\x7f"),
    "vertical tab and form feed": ("a\x0bb\x0c", "a\\x0bb\\x0c"),
    "right-to-left override": ("file\u202egnp.exe", "file<U+202E>gnp.exe"),
    "bidi isolates": ("\u2067abc\u2069", "<U+2067>abc<U+2069>"),
    "right-to-left mark": ("a\u200fb", "a<U+200F>b"),
    "zero-width space": ("rm\u200b -rf", "rm<U+200B> -rf"),
    "zero-width joiner": ("a\u200db", "a<U+200D>b"),
    "byte order mark": ("\ufeffroot", "<U+FEFF>root"),
    "word joiner": ("a\u2060b", "a<U+2060>b"),
    "tag characters": ("ok\U000e0041\U000e0042", "ok<U+E0041><U+E0042>"),
    "line separator": ("one\u2028two", "one<U+2028>two"),
    "paragraph separator": ("one\u2029two", "one<U+2029>two"),
    "no-break space": ("rm -rf /tmp/x\u00a0/", "rm -rf /tmp/x<U+00A0>/"),
    "ideographic space": ("a\u3000b", "a<U+3000>b"),
    "Hangul filler": ("a\u3164b", "a<U+3164>b"),
    "soft hyphen": ("pass\u00adword", "pass<U+00AD>word"),
    "combining stroke over a tier word": ("WRITE\u0336", "WRITE<U+0336>"),
    "combining solidus on every letter": ("R\u0338E\u0338", "R<U+0338>E<U+0338>"),
    "combining mark with no letter": ("\u0301READ", "<U+0301>READ"),
    "combining mark after a space": ("x \u20dd", "x <U+20DD>"),
    "combining mark after a control": ("\x1b\u0301", "\\x1b<U+0301>"),
    "a second acute on an ASCII letter": ("e\u0301\u0301", "e\u0301<U+0301>"),
    "marks stacked taller than a letter": (
        "\u0439\u0301\u0301\u0301\u0301\u0301",
        "\u0439\u0301\u0301\u0301<U+0301><U+0301>",
    ),
    "grapheme joiner": ("a\u034fb", "a<U+034F>b"),
    "undecodable byte kept by surrogateescape": ("a\udcffb", "a\\xffb"),
}


@pytest.mark.parametrize(("raw", "expected"), ATTACKS.values(), ids=ATTACKS.keys())
def test_every_attack_family_comes_out_visible(raw: str, expected: str) -> None:
    assert shown(raw) == expected


ORDINARY = [
    "total 4\ndrwxr-xr-x 2 root root 4096 Jan  1 00:00 .",
    "café",
    "cafe\u0301",  # the same word decomposed, as macOS writes file names
    "Vie\u0323\u0302t Nam",  # Vietnamese, two marks on one letter
    "Привет, мир",
    "日本語のログ",
    "नमस्ते",  # Devanagari vowel signs are combining marks on non-ASCII letters
    "مرحبا",
    "emoji 🙂 ❤\ufe0f",
    "[bold]not markup[/bold] $(x) \\x1b",
]


@pytest.mark.parametrize("text", ORDINARY)
def test_ordinary_text_of_every_script_is_unchanged(text: str) -> None:
    assert shown(text) == text


def test_tabs_expand_to_the_next_stop_in_each_line() -> None:
    assert shown("a\tb\nab\tc") == "a       b\nab      c"
    assert shown("a\tb", tab_size=4) == "a   b"
    assert "\t" not in shown("\x1b\tz")


def test_line_breaks_are_kept_or_shown() -> None:
    assert shown("one\ntwo") == "one\ntwo"
    assert shown("one\r\ntwo") == "one\ntwo"
    assert shown_line("title\nREAD: no change") == "title\\nREAD: no change"
    assert shown_line("one\r\ntwo") == "one\\r\\ntwo"
    assert shown_lines(["a\x1b[2J", "b\nc"]) == ["a\\x1b[2J", "b\\nc"]


DANGEROUS_CATEGORIES = {"Cc", "Cf", "Zl", "Zp", "Cs", "Cn"}


def _dangerous(char: str, multiline: bool) -> bool:
    if char == "\n" and multiline:
        return False
    category = unicodedata.category(char)
    return category in DANGEROUS_CATEGORIES or (category == "Zs" and char != " ")


@given(st.text(alphabet=st.characters(codec=None, exclude_categories=()), max_size=60))
def test_nothing_a_terminal_obeys_survives_and_a_second_pass_changes_nothing(text: str) -> None:
    for multiline in (True, False):
        once = shown(text, multiline=multiline)
        assert not any(_dangerous(char, multiline) for char in once), repr(once)
        assert shown(once, multiline=multiline) == once
        first = once.lstrip("\n")[:1]
        assert not first or unicodedata.category(first) not in {"Mn", "Me"}, "a mark could sit on our text"


def test_json_keeps_the_value_and_escapes_what_a_terminal_obeys() -> None:
    value = {"command": "echo \x9b2J \u202egnp \U000e0041 café \x1b]0;T\x07"}
    document = json_text(json.dumps(value, ensure_ascii=False))
    assert json.loads(document) == value
    assert not any(_dangerous(char, False) for char in document)
    assert "café" in document
    assert "\\u009b" in document and "\\u202e" in document and "\\udb40\\udc41" in document
