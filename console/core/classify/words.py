"""Shell words as bash sees them after quote removal: `\\rm` -> rm, `'r''m'` -> rm, `$'\\x72\\x6d'` -> rm,
`{a,b}` -> a b. A word with an expansion in it is marked dynamic and keeps its text as written."""

from __future__ import annotations

import re

from tree_sitter import Node

from console.core.classify.ir import Word

_DQ_ESCAPE = re.compile(r"\\([\\\"$`\n])")

_DYNAMIC_NODES = frozenset(
    {
        "simple_expansion",
        "expansion",
        "command_substitution",
        "process_substitution",
        "arithmetic_expansion",
    }
)
_ANSI_ESCAPE = re.compile(r"\\(x[0-9a-fA-F]{1,2}|u[0-9a-fA-F]{1,4}|U[0-9a-fA-F]{1,8}|[0-7]{1,3}|c.|.)", re.DOTALL)
_ANSI_SIMPLE = {
    "a": "\a",
    "b": "\b",
    "e": "\x1b",
    "E": "\x1b",
    "f": "\f",
    "n": "\n",
    "r": "\r",
    "t": "\t",
    "v": "\v",
    "\\": "\\",
    "'": "'",
    '"': '"',
    "?": "?",
}
_BRACE = re.compile(r"\{([^{}]*,[^{}]*)\}")


def _unescape_unquoted(text: str) -> str:
    if "\\" not in text:
        return text
    out: list[str] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char == "\\" and i + 1 < len(text):
            if text[i + 1] != "\n":
                out.append(text[i + 1])
            i += 2
            continue
        out.append(char)
        i += 1
    return "".join(out)


def _unescape_double_quoted(text: str) -> str:
    if "\\" not in text:
        return text
    return _DQ_ESCAPE.sub(lambda m: "" if m.group(1) == "\n" else m.group(1), text)


def ansi_c(body: str) -> str:
    """The text of `$'...'` as bash makes it. Byte escapes (`\\xff`, `\\377`) are bytes, not characters: the
    result is the bytes bash writes, read back as UTF-8 with any byte that is not UTF-8 kept as a surrogate
    escape (Python's convention for file names, `os.fsdecode`). So `$'\\303\\277'` is `ÿ` like a typed `ÿ`, and
    `$'\\xff'` keeps its 0xff byte (`Target.raw` carries it as bytes)."""
    out = bytearray()
    position = 0
    for match in _ANSI_ESCAPE.finditer(body):
        out += _utf8(body[position : match.start()])
        position = match.end()
        code = match.group(1)
        head = code[0]
        if head == "x" and len(code) > 1:
            out.append(int(code[1:], 16))
        elif head in "uU" and len(code) > 1:
            out += _utf8(chr(min(int(code[1:], 16), 0x10FFFF)))
        elif head.isdigit():
            out.append(int(code, 8) & 0xFF)
        elif head == "c" and len(code) == 2:
            out.append(ord(code[1]) & 0x1F)
        else:
            out += _utf8(_ANSI_SIMPLE.get(code, "\\" + code))
    out += _utf8(body[position:])
    return out.decode("utf-8", "surrogateescape")


def _utf8(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")


def expand_braces(text: str) -> list[str]:
    """Comma brace expansion as bash does it for `{a,b}` (nested handled left to right); ranges are kept."""
    match = _BRACE.search(text)
    if match is None:
        return [text]
    head, tail = text[: match.start()], text[match.end() :]
    results: list[str] = []
    for part in match.group(1).split(","):
        results.extend(expand_braces(head + part + tail))
        if len(results) > 256:
            break
    return list(dict.fromkeys(results))


def node_text(node: Node, src: str) -> str:
    return src[node.start_byte : node.end_byte]


def decode_word(node: Node, src: str) -> Word:
    """Quote removal for one word node: `\\rm` -> rm, `'r''m'` -> rm, `$'\\x72\\x6d'` -> rm."""
    kind = node.type
    if kind in {"word", "number"}:
        return Word(_unescape_unquoted(node_text(node, src)))
    if kind == "raw_string":
        return Word(node_text(node, src)[1:-1], quoted=True)
    if kind == "ansi_c_string":
        return Word(ansi_c(node_text(node, src)[2:-1]), quoted=True)
    if kind in _DYNAMIC_NODES:
        return Word(node_text(node, src), dynamic=True)
    if kind in ("string", "translated_string"):
        parts: list[str] = []
        dynamic = False
        for child in node.children:
            ctype = child.type
            if ctype == "string_content":
                parts.append(_unescape_double_quoted(node_text(child, src)))
            elif ctype == "string":
                inner = decode_word(child, src)
                parts.append(inner.text)
                dynamic = dynamic or inner.dynamic
            elif child.is_named:
                parts.append(node_text(child, src))
                dynamic = True
            elif ctype not in ('"', '$"', "$"):
                parts.append(node_text(child, src))
        return Word("".join(parts), dynamic=dynamic, quoted=True)
    if kind == "concatenation":
        texts: list[str] = []
        dynamic = False
        quoted = False
        for child in node.children:
            inner = decode_word(child, src)
            texts.append(inner.text)
            dynamic = dynamic or inner.dynamic
            quoted = quoted or inner.quoted
        return Word("".join(texts), dynamic=dynamic, quoted=quoted)
    # Anything else (an unexpected node in word position) is treated as known only at run time.
    return Word(node_text(node, src), dynamic=True)


def argument_words(node: Node, src: str) -> list[Word]:
    """A word node as the argv entries it becomes, with unquoted comma braces expanded."""
    word = decode_word(node, src)
    if node.type == "concatenation" and not word.quoted and "{" in word.text and "," in word.text:
        return [Word(text, dynamic=word.dynamic) for text in expand_braces(word.text)]
    return [word]
