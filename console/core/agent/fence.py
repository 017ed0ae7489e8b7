"""The untrusted-output fence: host output reaches the model between `<untrusted-output>` tags, and nothing in
that output may close the fence early or open a fake one.

Defanging works on a skeleton of the text, the way Unicode's confusable detection does (UTS #39): each character
is decomposed (NFKD: fullwidth and mathematical letters become plain ones), combining marks and invisible
format characters (zero-width spaces and joiners, soft hyphens) are dropped, case is folded, and letters that
look like the fence word's letters (Cyrillic `е`, Greek `ο`, small capitals, `0` for `o`, ...) are mapped to
them. Any run that reads "untrusted output" in the skeleton, whatever separates its letters (spaces, hyphens,
dashes, underscores), is replaced in the original text, so a spelled-out tag in any case, spacing or look-alike
cannot pass. The replacement names what happened, so the model (and an auditor) can see the attempt.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final

REMOVED: Final = "[fence-like text removed by hitl]"

# Look-alikes of the letters in "untrusted output" (a subset of Unicode's confusables.txt), after case folding.
_CONFUSABLES: Final = {
    **dict.fromkeys("υսᴜʋꭎꭒ", "u"),
    **dict.fromkeys("ոռпɴηᴎ", "n"),
    **dict.fromkeys("тτᴛŧƭ", "t"),
    **dict.fromkeys("гʀᴦꭇꭈɼᵲ", "r"),
    **dict.fromkeys("ѕꜱʂƽ", "s"),
    **dict.fromkeys("еҽᴇεꬲ℮", "e"),
    **dict.fromkeys("ԁɗᑯꓒ", "d"),
    **dict.fromkeys("0оοօσᴏⲟ౦ഠ٥۵〇", "o"),
    **dict.fromkeys("рρᴘⲣ", "p"),
}
_GAP = r"[^a-z]{0,3}"
_FENCE_WORD: Final = re.compile(
    _GAP.join("untrusted") + r"[^a-z]{0,6}" + _GAP.join("output"),
)


def _skeleton(text: str) -> tuple[str, list[int]]:
    """The skeleton of `text` and, for each of its characters, the index in `text` it came from."""
    chars: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        if char.isascii():
            mapped = "o" if char == "0" else char.lower()
        elif unicodedata.category(char) in ("Mn", "Me", "Cf"):
            continue
        else:
            decomposed = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
            mapped = "".join(_CONFUSABLES.get(c, c) for c in decomposed.casefold())
        for piece in mapped:
            chars.append(piece)
            origin.append(index)
    return "".join(chars), origin


def fence_like_spans(text: str) -> list[tuple[int, int]]:
    """Where in `text` something reads as the fence word; (start, end) indexes into `text`."""
    if text.isascii():
        skeleton, origin = text.lower().replace("0", "o"), None
    else:
        skeleton, origin = _skeleton(text)
    spans = []
    for match in _FENCE_WORD.finditer(skeleton):
        if origin is None:
            spans.append((match.start(), match.end()))
        else:
            spans.append((origin[match.start()], origin[match.end() - 1] + 1))
    return spans


def defang(text: str) -> str:
    """`text` with every spelling of the fence word replaced by `REMOVED`."""
    spans = fence_like_spans(text)
    for start, end in reversed(spans):
        text = text[:start] + REMOVED + text[end:]
    return text
